//! Fixed-point decimals: every score, utility, delta and threshold this crate produces.
//!
//! A [`Fixed`] is an integer count of units and a number of decimal places: `-0.037` is
//! `-37` units at 3 places, `19.25` is `1925` at 2, a WEMWBS total of `52` is `52` at 0. The
//! places are part of the value's meaning (utilities are published to 3, SWEMWBS metrics to 2),
//! so a value prints exactly as it was computed — `7.00`, never `7` or `6.9999999` — and
//! travels in JSON as that string. No binary floating point is used anywhere: tables are read
//! from their decimal text, rounded half away from zero to the places they are reported at, and
//! all arithmetic is on integers. Two values compare by what they denote, so `7.00 == 7`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most decimal places a value may carry; `10^9` units still leave `i64` room for any score.
pub const MAX_PLACES: u8 = 9;

/// A decimal number held as integer units at a fixed number of places.
#[derive(Clone, Copy, Debug)]
pub struct Fixed {
    units: i64,
    places: u8,
}

/// Text that is not a decimal this crate takes. Says what is expected, not what was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FixedError {
    /// Not of the form `-12.345`: an optional minus, digits, an optional point and digits.
    #[error("expected a decimal such as -0.037 or 35")]
    Syntax,
    /// More than [`MAX_PLACES`] decimal places.
    #[error("at most 9 decimal places")]
    TooPrecise,
    /// Too large to hold.
    #[error("too large")]
    TooLarge,
}

fn power_of_ten(places: u8) -> i64 {
    10_i64.pow(u32::from(places))
}

impl Fixed {
    /// `units` at `places` decimal places, e.g. `Fixed::new(-37, 3)` is `-0.037`.
    pub fn new(units: i64, places: u8) -> Result<Self, FixedError> {
        if places > MAX_PLACES {
            return Err(FixedError::TooPrecise);
        }
        Ok(Self { units, places })
    }

    /// A whole number, at 0 places.
    pub const fn integer(value: i64) -> Self {
        Self {
            units: value,
            places: 0,
        }
    }

    /// The integer units: the value times `10^places`.
    pub fn units(self) -> i64 {
        self.units
    }

    /// The number of decimal places the value is stated to.
    pub fn places(self) -> u8 {
        self.places
    }

    /// Whether the value is below zero.
    pub fn is_negative(self) -> bool {
        self.units < 0
    }

    /// Whether the value is above zero.
    pub fn is_positive(self) -> bool {
        self.units > 0
    }

    /// The same value at `places`: padded with zeros when more, rounded half away from zero when
    /// fewer (as published tables round). `None` if it would overflow or exceed [`MAX_PLACES`].
    pub fn round_to(self, places: u8) -> Option<Self> {
        if places > MAX_PLACES {
            return None;
        }
        let units = match places.cmp(&self.places) {
            Ordering::Equal => self.units,
            Ordering::Greater => self.units.checked_mul(power_of_ten(places - self.places))?,
            Ordering::Less => {
                let divisor = power_of_ten(self.places - places);
                let quotient = self.units / divisor;
                let remainder = (self.units % divisor).abs();
                // Half away from zero: a remainder of at least half the divisor rounds outwards.
                if remainder * 2 >= divisor {
                    quotient + self.units.signum()
                } else {
                    quotient
                }
            }
        };
        Some(Self { units, places })
    }

    /// `self - other`, at the larger of their places; `None` on overflow.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        let places = self.places.max(other.places);
        let (left, right) = (self.round_to(places)?, other.round_to(places)?);
        Some(Self {
            units: left.units.checked_sub(right.units)?,
            places,
        })
    }

    /// `-self`; `None` on overflow.
    pub fn checked_neg(self) -> Option<Self> {
        Some(Self {
            units: self.units.checked_neg()?,
            places: self.places,
        })
    }

    /// The units rescaled to `places` in wide arithmetic, for comparison.
    fn widened(self, places: u8) -> i128 {
        i128::from(self.units) * i128::from(power_of_ten(places - self.places))
    }
}

impl PartialEq for Fixed {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Fixed {}

impl PartialOrd for Fixed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Fixed {
    fn cmp(&self, other: &Self) -> Ordering {
        let places = self.places.max(other.places);
        self.widened(places).cmp(&other.widened(places))
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let magnitude = self.units.unsigned_abs();
        if self.places == 0 {
            return write!(f, "{sign}{magnitude}");
        }
        let divisor = 10_u64.pow(u32::from(self.places));
        let (whole, fraction) = (magnitude / divisor, magnitude % divisor);
        let width = usize::from(self.places);
        write!(f, "{sign}{whole}.{fraction:0width$}")
    }
}

impl FromStr for Fixed {
    type Err = FixedError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
            Some(_) => return Err(FixedError::Syntax),
            None => (digits, ""),
        };
        let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(FixedError::Syntax);
        }
        let places = u8::try_from(fraction.len()).map_err(|_| FixedError::TooPrecise)?;
        if places > MAX_PLACES {
            return Err(FixedError::TooPrecise);
        }
        let mut units: i64 = 0;
        for byte in whole.bytes().chain(fraction.bytes()) {
            units = units
                .checked_mul(10)
                .and_then(|units| units.checked_add(i64::from(byte - b'0')))
                .ok_or(FixedError::TooLarge)?;
        }
        Ok(Self {
            units: if negative { -units } else { units },
            places,
        })
    }
}

impl Serialize for Fixed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fixed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Decimals travel as strings so that no JSON reader turns them into binary floats.
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(text: &str) -> Fixed {
        text.parse().expect("a decimal")
    }

    #[test]
    fn prints_what_it_parsed() {
        for text in [
            "0", "35", "-0.037", "7.00", "19.25", "-0.594", "1.000", "0.08", "-12.5",
        ] {
            assert_eq!(fixed(text).to_string(), text);
        }
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        for text in [
            "", "-", ".5", "5.", "1e3", "+1", "1.2.3", " 1", "0x10", "1,5", "NaN",
        ] {
            assert_eq!(text.parse::<Fixed>(), Err(FixedError::Syntax), "{text:?}");
        }
        assert_eq!("0.0000000001".parse::<Fixed>(), Err(FixedError::TooPrecise));
        assert_eq!(
            "99999999999999999999".parse::<Fixed>(),
            Err(FixedError::TooLarge)
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let cases = [
            ("0.60885463", "0.609"),
            ("0.06718718", "0.067"),
            ("-0.53157587", "-0.532"),
            ("0.0005", "0.001"),
            ("-0.0005", "-0.001"),
            ("0.00049999", "0.000"),
            ("2.5", "3"),
            ("-2.5", "-3"),
        ];
        for (from, to) in cases {
            let places = fixed(to).places();
            assert_eq!(
                fixed(from).round_to(places).map(|value| value.to_string()),
                Some(to.to_owned()),
                "{from}"
            );
        }
    }

    #[test]
    fn compares_by_value_across_places() {
        assert_eq!(fixed("7.00"), fixed("7"));
        assert!(fixed("2.87") < fixed("3"));
        assert!(fixed("-0.594") < fixed("-0.037"));
        assert_eq!(
            fixed("0.5")
                .checked_sub(fixed("0.082"))
                .map(|d| d.to_string()),
            Some("0.418".to_owned())
        );
    }

    #[test]
    fn every_thousandth_round_trips_through_text() {
        for units in -2000..=2000 {
            let value = Fixed::new(units, 3).expect("places");
            assert_eq!(fixed(&value.to_string()).units(), units);
        }
    }
}
