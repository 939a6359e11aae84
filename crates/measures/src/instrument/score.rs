//! Scoring a set of answers: each component the instrument reports, with its band, and the
//! utility of the health state under a chosen value set.
//!
//! Scores are what outcome events carry, so they say what produced them (the instrument's and
//! the value set's id and version) and hold every number as a [`Fixed`] that prints the same
//! everywhere. Scoring is deterministic and allocation-light: the definition was resolved when
//! it was read, and utilities are one array index.

use serde::{Deserialize, Serialize};

use crate::answers::{AnswerError, Answers};
use crate::fixed::Fixed;
use crate::instrument::Instrument;
use crate::instrument::definition::{Band, Rule};
use crate::instrument::validate::Prepared;
use crate::person::Person;
use crate::state::{DIMENSIONS, HealthState, StateError};
use crate::value_set::ValueSet;
use crate::version::Reference;

/// What one set of answers scored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scores {
    /// The instrument (id and version) that scored them.
    pub instrument: Reference,
    /// Each reported score, in the instrument's order. An optional item left unanswered has
    /// none.
    pub components: Vec<Component>,
    /// The health state's utility, when a value set was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility: Option<Utility>,
}

impl Scores {
    /// The component coded `code`, if reported.
    pub fn component(&self, code: &str) -> Option<&Component> {
        self.components
            .iter()
            .find(|component| component.code == code)
    }
}

/// One reported score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// The rule's code, e.g. `metric` or `anxiety`.
    pub code: String,
    /// The score: whole numbers at 0 places, table values at the table's places (SWEMWBS
    /// metric: 2).
    pub value: Fixed,
    /// The band the score falls in, where the instrument defines bands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<String>,
}

/// A health state's value under one value set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Utility {
    /// The utility, at the value set's places (3, as published).
    pub value: Fixed,
    /// The value set (id and version) that valued it.
    pub value_set: Reference,
    /// The scale the value is on, e.g. `eq-5d-3l-uk`; utilities on different scales do not
    /// compare.
    pub scale: String,
    /// The health state valued, e.g. `11221`.
    pub state: String,
}

/// Why answers could not be scored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// The answers do not fit the instrument.
    #[error(transparent)]
    Answers(#[from] AnswerError),
    /// A value set was given to an instrument with no health state to value.
    #[error("instrument {instrument} has no utility for a value set to value")]
    NoUtility {
        /// The instrument.
        instrument: Reference,
    },
    /// The value set values states of the other EQ-5D system (e.g. a 3L set, 5L answers).
    #[error("value set {value_set} values {expects}-level states, not {given}-level ones")]
    WrongLevels {
        /// The value set.
        value_set: Reference,
        /// The system it values.
        expects: u8,
        /// The system of the state given.
        given: u8,
    },
    /// The value set depends on age band, and the person's is not known.
    #[error(
        "value set {value_set} needs the person's age band (18-34, 35-44, 45-54, 55-64 or 65+)"
    )]
    NeedsAgeBand {
        /// The value set.
        value_set: Reference,
    },
    /// The value set depends on sex, and the person's is not known (or neither male nor
    /// female, the only categories the mapping was estimated for).
    #[error("value set {value_set} needs the person's sex (male or female)")]
    NeedsSex {
        /// The value set.
        value_set: Reference,
    },
    /// The answers do not form a health state of the instrument's system.
    #[error(transparent)]
    State(#[from] StateError),
}

impl Instrument {
    /// Scores `answers`: checks them, computes every component, and values the health state
    /// under `value_set` if one is given (`person` is what the value set may need). Without a
    /// value set, a preference-based instrument still reports its other components.
    pub fn score(
        &self,
        answers: &Answers,
        person: &Person,
        value_set: Option<&ValueSet>,
    ) -> Result<Scores, ScoreError> {
        let values = self.values(answers)?;
        let value = |position: usize| values.get(position).copied().flatten();
        let total = |items: &[usize]| items.iter().filter_map(|&item| value(item)).sum::<i64>();
        let mut components = Vec::with_capacity(self.compiled.rules.len());
        for (rule, prepared) in self.definition.scoring.iter().zip(&self.compiled.rules) {
            let (score, band) = match prepared {
                Prepared::Item(item) => match value(*item) {
                    Some(score) => (Fixed::integer(score), band_of(rule, score)),
                    None => continue,
                },
                Prepared::Sum(items) => {
                    let score = total(items);
                    (Fixed::integer(score), band_of(rule, score))
                }
                Prepared::SumTable {
                    items,
                    lowest,
                    values,
                } => {
                    // Totals lie in the table's range: every summed item is required and in range.
                    let offset = usize::try_from(total(items) - lowest).unwrap_or(usize::MAX);
                    match values.get(offset) {
                        Some(score) => (*score, None),
                        None => continue,
                    }
                }
            };
            let code = rule.code().to_owned();
            components.push(Component {
                code,
                value: score,
                band,
            });
        }
        let utility = match value_set {
            Some(value_set) => Some(self.utility(&values, person, value_set)?),
            None => None,
        };
        Ok(Scores {
            instrument: self.reference.clone(),
            components,
            utility,
        })
    }

    fn utility(
        &self,
        values: &[Option<i64>],
        person: &Person,
        value_set: &ValueSet,
    ) -> Result<Utility, ScoreError> {
        let (Some(positions), Some(rule)) = (self.compiled.dimensions, &self.definition.utility)
        else {
            let instrument = self.reference.clone();
            return Err(ScoreError::NoUtility { instrument });
        };
        let levels = rule.levels;
        let mut dims = [0; DIMENSIONS];
        for (dim, position) in dims.iter_mut().zip(positions) {
            let value = values.get(position).copied().flatten();
            *dim = value
                .and_then(|value| u8::try_from(value).ok())
                .ok_or(StateError { levels })?;
        }
        let state = HealthState::new(levels, dims)?;
        value_set.utility(&state, person)
    }
}

/// The label of the band of `rule` that `score` falls in, if the rule has bands.
fn band_of(rule: &Rule, score: i64) -> Option<String> {
    let bands: &[Band] = match rule {
        Rule::Item { bands, .. } | Rule::Sum { bands, .. } => bands,
        Rule::SumTable { .. } => &[],
    };
    bands
        .iter()
        .find(|band| (band.min..=band.max).contains(&score))
        .map(|band| band.label.clone())
}
