//! A person's home postcode: normalised and format-checked, never shown.
//!
//! The rule is GOV.UK's bulk-data pattern (`reference/security.md` §2, the rule the directory's
//! own `Postcode` applies) with the BS 7666 inward letters, spaces allowed around and between
//! the outward and inward codes. The proto declares the same pattern on
//! `CreateReferralRequest.postcode`, so the JSON API, its OpenAPI document, the gRPC check and
//! this type agree; a test holds them together. Whether a postcode exists is the directory's to
//! say (from the ONS Postcode Directory), not its shape's.

use std::fmt;
use std::sync::OnceLock;

use regex_lite::Regex;

/// The rule, in the subset of regular expressions ECMA-262, Python and Rust read alike.
pub const PATTERN: &str = "^ *(([Gg][Ii][Rr] *0[Aa]{2})|((([A-Za-z][0-9]{1,2})|(([A-Za-z][A-Ha-hJ-Yj-y][0-9]{1,2})|(([A-Za-z][0-9][A-Za-z])|([A-Za-z][A-Ha-hJ-Yj-y][0-9]?[A-Za-z])))) *[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})) *$";

fn pattern() -> &'static Regex {
    static COMPILED: OnceLock<Regex> = OnceLock::new();
    // A constant pattern, compiled once; the tests below exercise it.
    COMPILED.get_or_init(|| Regex::new(PATTERN).expect("the postcode pattern compiles"))
}

/// A UK postcode in its normal form: upper case, one space before the inward code. Its `Debug`
/// never shows it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Postcode(String);

/// Why a text is not a postcode; it completes a sentence that starts with the field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a UK postcode such as SW1A 1AA")]
pub struct NotAPostcode;

impl Postcode {
    /// Normalises `input` (any case; spaces around and between its two parts) and checks its
    /// format.
    pub fn parse(input: &str) -> Result<Self, NotAPostcode> {
        if !pattern().is_match(input) {
            return Err(NotAPostcode);
        }
        // The pattern admits ASCII letters, digits and spaces only, and always ends in the
        // three characters of the inward code.
        let compact: String = input
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let (outward, inward) = compact.split_at(compact.len() - 3);
        Ok(Self(format!("{outward} {inward}")))
    }

    /// The normal form, e.g. `SW1A 1AA`: only for sealing it and asking the directory.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Postcode(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::{NotAPostcode, PATTERN, Postcode};

    #[test]
    fn postcodes_are_normalised() {
        for (input, normal) in [
            ("SW1A 1AA", "SW1A 1AA"),
            ("sw1a1aa", "SW1A 1AA"),
            (" m1  1ae ", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("gir0aa", "GIR 0AA"),
            ("LW1 1AN", "LW1 1AN"),
        ] {
            let parsed = Postcode::parse(input).map(|p| p.expose().to_owned());
            assert_eq!(parsed, Ok(normal.to_owned()), "{input}");
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
            "SW1A 1AV",
            "M1 1AEE",
            "SW1A-1AA",
            "ŚW1A 1AA",
            "SW1A\t1AA",
        ] {
            assert_eq!(Postcode::parse(input), Err(NotAPostcode), "{input:?}");
        }
    }

    #[test]
    fn the_proto_declares_the_rule_this_type_applies() {
        let field = contract::pool()
            .get_message_by_name("linkwork.referral.v1.CreateReferralRequest")
            .and_then(|message| message.get_field_by_name("postcode"))
            .expect("CreateReferralRequest.postcode");
        let rules = contract::rules::of(&field).expect("postcode declares its limits");
        assert_eq!(rules.pattern, PATTERN);
    }

    #[test]
    fn debug_never_shows_the_postcode() {
        let postcode = Postcode::parse("SW1A 1AA").expect("valid");
        assert_eq!(format!("{postcode:?}"), "Postcode(***)");
    }
}
