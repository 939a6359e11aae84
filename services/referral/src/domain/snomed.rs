//! SNOMED CT concept identifiers, checked with the Verhoeff (dihedral D5) check digit.

/// Referral to social prescribing service (procedure).
pub const REFERRAL_TO_SOCIAL_PRESCRIBING: &str = "871731000000106";
/// Social prescribing declined (situation).
pub const SOCIAL_PRESCRIBING_DECLINED: &str = "871711000000103";

/// A checked SNOMED CT concept id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConceptId(String);

/// Why a string is not a SNOMED CT concept id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConceptIdError {
    /// Not 6–18 digits without a leading zero.
    #[error("SNOMED CT id must be 6 to 18 digits with no leading zero")]
    Shape,
    /// The partition digits say it is a description or relationship, not a concept.
    #[error("SNOMED CT id is not a concept id (partition {0})")]
    NotAConcept(String),
    /// The Verhoeff check digit does not match.
    #[error("SNOMED CT id fails its Verhoeff check digit")]
    CheckDigit,
}

const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

fn verhoeff_valid(digits: &str) -> bool {
    let check = digits.bytes().rev().enumerate().fold(0u8, |c, (i, b)| {
        D[c as usize][P[i % 8][(b - b'0') as usize] as usize]
    });
    check == 0
}

impl ConceptId {
    /// Parses and checks a concept id.
    pub fn parse(input: &str) -> Result<Self, ConceptIdError> {
        let shape_ok = (6..=18).contains(&input.len())
            && input.bytes().all(|b| b.is_ascii_digit())
            && !input.starts_with('0');
        if !shape_ok {
            return Err(ConceptIdError::Shape);
        }
        let partition = &input[input.len() - 3..input.len() - 1];
        if partition != "00" && partition != "10" {
            return Err(ConceptIdError::NotAConcept(partition.to_owned()));
        }
        if !verhoeff_valid(input) {
            return Err(ConceptIdError::CheckDigit);
        }
        Ok(Self(input.to_owned()))
    }

    /// The id's digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ConceptId {
    type Error = ConceptIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ConceptId> for String {
    fn from(id: ConceptId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::{
        ConceptId, ConceptIdError, REFERRAL_TO_SOCIAL_PRESCRIBING, SOCIAL_PRESCRIBING_DECLINED,
    };

    #[test]
    fn checked_vectors_from_the_reference() {
        for valid in ["22298006", "73211009", "138875005", "900000000000207008"] {
            assert!(ConceptId::parse(valid).is_ok(), "{valid}");
        }
        assert_eq!(
            ConceptId::parse("22298007"),
            Err(ConceptIdError::CheckDigit)
        );
        // Partition 10: a concept in an extension namespace (here the NHS's, 1000001).
        assert!(ConceptId::parse("11000001102").is_ok());
        // Partition 01: a description, not a concept.
        let description = ConceptId::parse("11000001112");
        assert_eq!(
            description,
            Err(ConceptIdError::NotAConcept("11".to_owned()))
        );
    }

    #[test]
    fn the_social_prescribing_codes_are_valid_concepts() {
        assert!(ConceptId::parse(REFERRAL_TO_SOCIAL_PRESCRIBING).is_ok());
        assert!(ConceptId::parse(SOCIAL_PRESCRIBING_DECLINED).is_ok());
        assert!(ConceptId::parse("390893007").is_ok());
    }

    #[test]
    fn shapes_are_refused() {
        for bad in ["", "12345", "0123456", "1234567890123456789", "12a45600"] {
            assert_eq!(ConceptId::parse(bad), Err(ConceptIdError::Shape), "{bad}");
        }
    }
}
