//! Where reference data comes from: the publication behind an instrument, a value set or a
//! minimal important difference, and the date a value set applies from.
//!
//! Scores are only as defensible as their sources, so every definition carries its citation
//! with a DOI, PubMed id or URL for a reader to check, and nothing in the scoring is a bare
//! number without one (or, where no source exists, an explicit note that the number is the
//! deployment's own choice).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A publication or web page that states a fact this crate relies on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A human-readable citation: authors, title or journal, year.
    pub citation: String,
    /// The DOI, without `https://doi.org/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// The PubMed id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    /// A page that states the fact, where there is no DOI or as well as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A calendar date in ISO 8601 form, to the precision known: `1997`, `1997-11` or `1997-11-01`.
///
/// A value set applies from a date its publication or the deployment's adoption fixes; a
/// publication is often known only to the month or year, and inventing a day would claim a
/// precision the record lacks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dated(String);

/// Text that is not an ISO 8601 date of year, month or day precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a date is YYYY, YYYY-MM or YYYY-MM-DD")]
pub struct DatedError;

impl Dated {
    /// The date as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The number in `part` if it has `width` digits and lies in `range`.
fn number(part: &str, width: usize, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    if part.len() != width || !part.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    part.parse().ok().filter(|value| range.contains(value))
}

fn days_in(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for Dated {
    type Err = DatedError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.split('-');
        let year = parts
            .next()
            .and_then(|part| number(part, 4, 1900..=2999))
            .ok_or(DatedError)?;
        if let Some(part) = parts.next() {
            let month = number(part, 2, 1..=12).ok_or(DatedError)?;
            if let Some(part) = parts.next() {
                number(part, 2, 1..=days_in(year, month)).ok_or(DatedError)?;
            }
        }
        if parts.next().is_some() {
            return Err(DatedError);
        }
        Ok(Self(text.to_owned()))
    }
}

impl fmt::Display for Dated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Dated {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Dated {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_year_month_or_day_precision() {
        for text in ["1997", "1997-11", "2024-02-29", "2026-12-31"] {
            assert_eq!(
                text.parse::<Dated>().map(|d| d.to_string()),
                Ok(text.into())
            );
        }
        for text in [
            "97",
            "1997-1",
            "1997-13",
            "2023-02-29",
            "1997-11-01-01",
            "",
            "1997-",
        ] {
            assert_eq!(text.parse::<Dated>(), Err(DatedError), "{text:?}");
        }
    }
}
