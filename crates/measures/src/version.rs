//! Versions of reference data, and the (id, version) pair that names one definition.
//!
//! Instruments and value sets change: an item is reworded, a value set is superseded. Every
//! score records which definition produced it, so a definition is never edited in place; a new
//! version is added beside it. Versions are dotted numbers (`1`, `1.0`, `2.1.3`) and order
//! numerically, so "latest" is well defined (`1.10` is after `1.9`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A dotted numeric version such as `1.0`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    // Field order matters: the derived `Ord` compares the numbers first. The text only breaks
    // ties between spellings of equal numbers (`1` before `1.0`), keeping `Ord` consistent
    // with `Eq`.
    parts: Vec<u32>,
    text: String,
}

/// Text that is not a dotted numeric version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a version is dotted numbers, such as 1.0 (at most 4 parts)")]
pub struct VersionError;

impl Version {
    /// The version as written, e.g. `1.0`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts = text
            .split('.')
            .map(|part| {
                // No signs, spaces or leading zeros: one spelling per number keeps ids stable.
                let canonical = !part.is_empty()
                    && part.bytes().all(|byte| byte.is_ascii_digit())
                    && (part == "0" || !part.starts_with('0'));
                if canonical {
                    part.parse::<u32>().map_err(|_| VersionError)
                } else {
                    Err(VersionError)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        if parts.len() > 4 {
            return Err(VersionError);
        }
        Ok(Self {
            parts,
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One version of one instrument or value set, as recorded beside every score computed with it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The definition's id, e.g. `swemwbs` or `dsu-2023`.
    pub id: String,
    /// Its version, e.g. `1.0`.
    pub version: Version,
}

impl Reference {
    /// `id` at `version`.
    pub fn new(id: &str, version: Version) -> Self {
        Self {
            id: id.to_owned(),
            version,
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.id, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        text.parse().expect("a version")
    }

    #[test]
    fn orders_numerically() {
        assert!(version("1.9") < version("1.10"));
        assert!(version("1") < version("1.0"));
        assert!(version("1.0") < version("2"));
        assert_eq!(version("2.1.3").to_string(), "2.1.3");
    }

    #[test]
    fn refuses_anything_but_dotted_numbers() {
        for text in [
            "",
            "v1",
            "1.",
            ".1",
            "1..2",
            "01",
            "1.02",
            "-1",
            "1 ",
            "1.2.3.4.5",
        ] {
            assert_eq!(text.parse::<Version>(), Err(VersionError), "{text:?}");
        }
    }
}
