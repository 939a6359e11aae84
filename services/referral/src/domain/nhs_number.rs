//! NHS numbers: parsed, never merely validated.
//!
//! A valid NHS number is ten digits whose last is the modulus-11 check digit of the first nine
//! (weights 10 down to 2; a remainder giving 10 is never issued), and whose first nine digits
//! fall in an issued range. Numbers starting 999 are the test range: accepted only when the
//! deployment allows test data, never in production.

use std::fmt;

/// An NHS number as an event may hold it: the person's pseudonym and the number sealed under
/// their own key by the vault (`crate::vault`). The domain never sees the number itself after
/// the request that brought it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealedNhsNumber {
    /// Keyed-HMAC pseudonym of the person (`nhs-hmac:` + hex).
    pub subject: String,
    /// Hex of nonce ‖ AES-256-GCM ciphertext.
    pub ciphertext: String,
}

/// A checked NHS number. Its `Debug` and `Display` never print the number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NhsNumber(String);

/// Why a string is not an acceptable NHS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    /// Not exactly ten digits (spaces are allowed between groups).
    #[error("nhs_number must be 10 digits")]
    NotTenDigits,
    /// The check digit does not match.
    #[error("nhs_number fails the modulus 11 check")]
    CheckDigit,
    /// A test-range number where test data is not allowed.
    #[error("nhs_number is in the 999 test range, which this deployment does not accept")]
    TestRange,
    /// Outside every range ever issued.
    #[error("nhs_number is outside the issued ranges")]
    NotIssued,
}

/// First nine digits of issued ranges: England, Wales and the Isle of Man; Northern Ireland;
/// Scotland (CHI).
const ISSUED: [(u64, u64); 4] = [
    (400_000_000, 499_999_999),
    (600_000_000, 799_999_999),
    (320_000_001, 399_999_999),
    (10_100_000, 311_299_999),
];
const TEST_RANGE: (u64, u64) = (999_000_000, 999_999_999);

impl NhsNumber {
    /// Parses `input` (e.g. `"943 476 5919"`); `allow_test_range` admits 999 numbers.
    pub fn parse(input: &str, allow_test_range: bool) -> Result<Self, NhsNumberError> {
        let digits: String = input.chars().filter(|c| *c != ' ').collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NhsNumberError::NotTenDigits);
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = values[..9]
            .iter()
            .zip((2..=10).rev())
            .map(|(digit, weight)| digit * weight)
            .sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => return Err(NhsNumberError::CheckDigit),
            check => check,
        };
        if check != values[9] {
            return Err(NhsNumberError::CheckDigit);
        }
        let first_nine: u64 = digits[..9]
            .parse()
            .map_err(|_| NhsNumberError::NotTenDigits)?;
        let within = |(low, high): (u64, u64)| (low..=high).contains(&first_nine);
        if within(TEST_RANGE) {
            return if allow_test_range {
                Ok(Self(digits))
            } else {
                Err(NhsNumberError::TestRange)
            };
        }
        if !ISSUED.into_iter().any(within) {
            return Err(NhsNumberError::NotIssued);
        }
        Ok(Self(digits))
    }

    /// The ten digits, for the only places allowed to see them (encryption, pseudonymisation).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NhsNumber(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::{NhsNumber, NhsNumberError};

    #[test]
    fn checked_vectors_from_the_reference() {
        // Valid modulus 11, in the England range.
        assert!(NhsNumber::parse("4010232137", false).is_ok());
        assert!(NhsNumber::parse("401 023 2137", false).is_ok());
        // Valid modulus 11 (S = 299) but never issued: a range check is needed.
        assert_eq!(
            NhsNumber::parse("9434765919", false),
            Err(NhsNumberError::NotIssued)
        );
        assert_eq!(
            NhsNumber::parse("9434765918", false),
            Err(NhsNumberError::CheckDigit)
        );
        // The NHS format example fails its own check digit.
        assert_eq!(
            NhsNumber::parse("9876544321", true),
            Err(NhsNumberError::CheckDigit)
        );
        // Pass modulus 11, but no such number exists. (1111111111 also passes modulus 11, and
        // its first nine digits fall inside the Scottish CHI range, so ranges cannot reject it.)
        assert_eq!(
            NhsNumber::parse("0000000000", false),
            Err(NhsNumberError::NotIssued)
        );
        assert_eq!(
            NhsNumber::parse("5555555555", false),
            Err(NhsNumberError::NotIssued)
        );
    }

    #[test]
    fn test_range_only_where_allowed() {
        assert_eq!(
            NhsNumber::parse("9990000018", false),
            Err(NhsNumberError::TestRange)
        );
        assert!(NhsNumber::parse("9990000018", true).is_ok());
    }

    #[test]
    fn malformed_input_is_named() {
        for input in ["", "401023213", "40102321370", "40102321a7", "٤٠١٠٢٣٢١٣٧"] {
            assert_eq!(
                NhsNumber::parse(input, true),
                Err(NhsNumberError::NotTenDigits),
                "{input}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_number() {
        let number = NhsNumber::parse("4010232137", false).expect("valid");
        assert_eq!(format!("{number:?}"), "NhsNumber(***)");
    }
}
