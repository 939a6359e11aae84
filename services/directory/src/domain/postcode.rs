//! UK postcodes: normalised and format-checked. Whether a postcode exists is a different
//! question, answered by the ONS postcode centroid table, not by its shape.

use std::sync::OnceLock;

use regex_lite::Regex;

/// A postcode in its normal form: upper case, one space before the inward code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

/// Why a string is not a UK postcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("postcode {0:?} is not a UK postcode")]
pub struct PostcodeError(pub String);

/// The GOV.UK bulk-data pattern with its top-level alternation wrapped in a group, so `^` and
/// `$` bind to both alternatives (`../shared/reference/security.md` §2).
const PATTERN: &str = r"^(([Gg][Ii][Rr] 0[Aa]{2})|((([A-Za-z][0-9]{1,2})|(([A-Za-z][A-Ha-hJ-Yj-y][0-9]{1,2})|(([A-Za-z][0-9][A-Za-z])|([A-Za-z][A-Ha-hJ-Yj-y][0-9]?[A-Za-z])))) [0-9][A-Za-z]{2}))$";

/// Inward-code letters never used (BS 7666).
const NEVER_INWARD: [char; 6] = ['C', 'I', 'K', 'M', 'O', 'V'];

fn pattern() -> &'static Regex {
    static PATTERN_REGEX: OnceLock<Regex> = OnceLock::new();
    // A constant pattern, compiled once; the tests below exercise it.
    PATTERN_REGEX.get_or_init(|| Regex::new(PATTERN).expect("the postcode pattern compiles"))
}

impl Postcode {
    /// Normalises `input` (any case, any spacing) and checks its format.
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let refuse = || PostcodeError(input.to_owned());
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(refuse());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let normal = format!("{outward} {inward}");
        if !pattern().is_match(&normal) || inward.chars().skip(1).any(|c| NEVER_INWARD.contains(&c))
        {
            return Err(refuse());
        }
        Ok(Self(normal))
    }

    /// The normal form, e.g. `SW1A 1AA`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Postcode;

    #[test]
    fn valid_postcodes_are_normalised() {
        for (input, normal) in [
            ("SW1A 1AA", "SW1A 1AA"),
            ("sw1a1aa", "SW1A 1AA"),
            (" m1  1ae ", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("GIR 0AA", "GIR 0AA"),
        ] {
            assert_eq!(
                Postcode::parse(input).map(|p| p.as_str().to_owned()),
                Ok(normal.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn malformed_postcodes_are_refused() {
        for input in [
            "",
            "SW1A",
            "SW1A 1A",
            "1SW 1AA",
            "SW1A 1CA",
            "SW1A 1AI",
            "M1 1AEE",
            "SW1A-1AA",
            "ŚW1A 1AA",
        ] {
            assert!(Postcode::parse(input).is_err(), "{input}");
        }
    }
}
