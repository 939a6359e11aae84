//! The instrument definition format: what a `data/instruments/<id>-<version>.json` file holds.
//!
//! These types are the JSON as written, before any check; [`crate::Instrument`] is a
//! definition that passed them. They serialise back to the same JSON, so a definition can be
//! carried in an event and read back unchanged. Optional fields are left out when empty, and
//! the bundled files leave them out too, which keeps that round trip exact.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::fixed::Fixed;
use crate::provenance::Source;
use crate::version::{Reference, Version};

/// A questionnaire: its items, how they are scored and what change in a score matters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentDefinition {
    /// A stable lowercase id, e.g. `swemwbs`.
    pub id: String,
    /// The definition's version; a changed definition is a new version, never an edit.
    pub version: Version,
    /// Its name, e.g. "Short Warwick-Edinburgh Mental Wellbeing Scale".
    pub title: String,
    /// Its canonical URL, as a FHIR Questionnaire would state it.
    pub url: String,
    /// The publication that defines it.
    pub source: Source,
    /// The terms it may be used on, and what a deployer must do to use it.
    pub licence: String,
    /// How its scores are read: what is summed or never summed, bands, cut-offs that do or do
    /// not exist, thresholds a deployment must set itself.
    pub interpretation: String,
    /// The questions, in order.
    pub items: Vec<Item>,
    /// The scores reported, in order.
    pub scoring: Vec<Rule>,
    /// How a health state is read from the items and valued, for preference-based measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility: Option<UtilityRule>,
    /// Minimal important differences: the change in a score that counts as meaningful.
    pub mids: Vec<Mid>,
}

/// One question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Its key in answers, as FHIR names it.
    #[serde(rename = "linkId")]
    pub link_id: String,
    /// The question, or a neutral label where the wording is licensed.
    pub text: String,
    /// Whether it must be answered for the answers to be scored.
    pub required: bool,
    /// What it takes.
    pub answer: AnswerType,
}

/// What an item takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AnswerType {
    /// A whole number from `min` to `max` inclusive.
    Integer {
        /// The lowest answer.
        min: i64,
        /// The highest answer.
        max: i64,
    },
    /// One of a list of coded options, each scored as its `value`.
    Choice {
        /// The options, in the order shown.
        options: Vec<AnswerOption>,
    },
}

/// One option of a choice item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// Its code in answers, e.g. `hardly-ever`.
    pub code: String,
    /// What is shown, e.g. "Hardly ever".
    pub display: String,
    /// What it scores.
    pub value: i64,
}

/// Which way a score is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Higher is better: wellbeing, life satisfaction, utility.
    Higher,
    /// Lower is better: loneliness, anxiety, EQ-5D levels.
    Lower,
}

/// A named range of a score, e.g. ONS's "very high" for 9–10.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// The lowest score in the band.
    pub min: i64,
    /// The highest score in the band.
    pub max: i64,
    /// Its label, e.g. `very-high`.
    pub label: String,
}

/// How one reported score (a component) is computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Rule {
    /// One item's value, reported on its own (ONS4's items are never summed).
    Item {
        /// The component's code in scores, e.g. `anxiety`.
        code: String,
        /// Its name, e.g. "Anxiety yesterday".
        title: String,
        /// The item's `linkId`. If the item is optional and unanswered, no component.
        item: String,
        /// Which way is better.
        better: Better,
        /// Named ranges of the value, if the instrument defines them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        bands: Vec<Band>,
    },
    /// The sum of items' values (all required), e.g. the WEMWBS total.
    Sum {
        /// The component's code.
        code: String,
        /// Its name.
        title: String,
        /// The items summed.
        items: Vec<String>,
        /// Which way is better.
        better: Better,
        /// Named ranges of the total, if the instrument defines them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        bands: Vec<Band>,
    },
    /// The sum of items' values converted through a table, e.g. SWEMWBS raw → Rasch metric.
    SumTable {
        /// The component's code.
        code: String,
        /// Its name.
        title: String,
        /// The items summed.
        items: Vec<String>,
        /// Which way is better.
        better: Better,
        /// The converted value of each possible total. In JSON an object keyed by the totals
        /// written as whole numbers (`"7": "7.00"`), since JSON keys are strings.
        #[serde(deserialize_with = "totals::deserialize")]
        table: BTreeMap<i64, Fixed>,
    },
}

impl Rule {
    /// The component's code.
    pub fn code(&self) -> &str {
        match self {
            Self::Item { code, .. } | Self::Sum { code, .. } | Self::SumTable { code, .. } => code,
        }
    }

    /// The component's name.
    pub fn title(&self) -> &str {
        match self {
            Self::Item { title, .. } | Self::Sum { title, .. } | Self::SumTable { title, .. } => {
                title
            }
        }
    }

    /// Which way the component is better.
    pub fn better(&self) -> Better {
        match self {
            Self::Item { better, .. }
            | Self::Sum { better, .. }
            | Self::SumTable { better, .. } => *better,
        }
    }
}

/// How an EQ-5D health state is read from the items, and the value set used by default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UtilityRule {
    /// The five dimension items' `linkId`s, in value-set order (MO, SC, UA, PD, AD).
    pub dimensions: Vec<String>,
    /// The system's level count: 5 for EQ-5D-5L, 3 for EQ-5D-3L.
    pub levels: u8,
    /// The value set to use unless the deployment chooses another.
    pub default_value_set: Reference,
}

/// A minimal important difference: the change in a component that counts as meaningful.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mid {
    /// The component's code, or `utility`.
    pub component: String,
    /// For the utility: the scale the threshold holds on (a utility MID is specific to a value
    /// set's scale), e.g. `eq-5d-3l-uk`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    /// The threshold: a change of at least this much, in the better or worse direction.
    pub value: Fixed,
    /// Whether this is the threshold applied when none is chosen; one per component.
    pub default: bool,
    /// How the value was arrived at, and why it is (or is not) the default.
    pub basis: String,
    /// Where it is published. Absent: no published value was found, and the number is the
    /// deployment's own choice, as `basis` must say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// Reading a conversion table's keys, the totals, from JSON object keys.
///
/// serde_json reads a string key as an integer only when it deserialises the map directly;
/// inside an internally tagged enum such as [`Rule`] the map is buffered first and its keys
/// stay strings, so `BTreeMap<i64, _>` refuses `"7"`. The keys are read as strings and parsed
/// here instead, in one spelling only (no plus sign, spaces or leading zeros), so that no two
/// keys name one total and serialising the table writes back exactly the keys that were read.
mod totals {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde::de::{Deserializer, Error};

    use crate::fixed::Fixed;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<i64, Fixed>, D::Error> {
        let table = BTreeMap::<String, Fixed>::deserialize(deserializer)?;
        let mut totals = BTreeMap::new();
        for (key, value) in table {
            let total = parse(&key).ok_or_else(|| {
                D::Error::custom(format_args!(
                    "table key {key:?} is not a whole number written plainly, such as \"7\""
                ))
            })?;
            totals.insert(total, value);
        }
        Ok(totals)
    }

    /// `key` as a whole number, if it is written the one way `i64`'s `Display` writes it.
    fn parse(key: &str) -> Option<i64> {
        let total: i64 = key.parse().ok()?;
        (total.to_string() == key).then_some(total)
    }

    #[cfg(test)]
    mod tests {
        use super::parse;

        #[test]
        fn reads_totals_in_their_one_spelling() {
            assert_eq!(parse("7"), Some(7));
            assert_eq!(parse("35"), Some(35));
            assert_eq!(parse("0"), Some(0));
            assert_eq!(parse("-3"), Some(-3));
            for key in [
                "",
                "07",
                "+7",
                " 7",
                "7 ",
                "7.0",
                "seven",
                "-0",
                "99999999999999999999",
            ] {
                assert_eq!(parse(key), None, "{key:?}");
            }
        }
    }
}
