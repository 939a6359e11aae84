//! An outcome instrument: a definition read from data and checked once, ready to check and
//! score answers and to classify change between two scorings.
//!
//! Instruments are data, not code, so that a deployer can add the licensed ones we cannot ship
//! (MYCaW, PAM) in the same format, and so that a definition can travel in an event: an
//! [`Instrument`] serialises to its definition's JSON and deserialises only through the same
//! checks as [`Instrument::parse`]. The checks run once, when the definition is read; scoring
//! then only indexes prepared arrays.

mod change;
mod check;
pub(crate) mod definition;
mod score;
pub(crate) mod validate;

use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use crate::version::{Reference, Version};

pub use change::{AppliedMid, Change, ClassifyError, MidOrigin, Verdict};
use definition::InstrumentDefinition;
pub use score::{Component, ScoreError, Scores, Utility};

use definition::{Item, Mid, Rule, UtilityRule};
use validate::Compiled;

/// A checked instrument definition.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "InstrumentDefinition", into = "InstrumentDefinition")]
pub struct Instrument {
    definition: InstrumentDefinition,
    reference: Reference,
    compiled: Compiled,
}

/// A definition that cannot be used, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// The text is not JSON of the definition format: a syntax error, a missing or unknown
    /// field, a value of the wrong type.
    #[error("not an instrument definition: at {path}: {message}")]
    Format {
        /// Where in the document, e.g. `items[2].answer.min`.
        path: String,
        /// What the reader expected.
        message: String,
    },
    /// The format is right but the content cannot be used.
    #[error("instrument {instrument}: {at}: {problem}")]
    Invalid {
        /// The instrument's id and version as the definition states them.
        instrument: String,
        /// Where in the definition, e.g. `scoring[1].table`.
        at: String,
        /// What is wrong.
        problem: Problem,
    },
}

impl Instrument {
    /// Reads and checks a definition from its JSON text.
    pub fn parse(json: &str) -> Result<Self, DefinitionError> {
        let definition: InstrumentDefinition = crate::json::read(json)
            .map_err(|(path, message)| DefinitionError::Format { path, message })?;
        Self::try_from(definition)
    }

    /// The definition, as data.
    pub fn definition(&self) -> &InstrumentDefinition {
        &self.definition
    }

    /// Its id and version, as recorded beside scores.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// Its id, e.g. `swemwbs`.
    pub fn id(&self) -> &str {
        &self.definition.id
    }

    /// Its version.
    pub fn version(&self) -> &Version {
        &self.definition.version
    }

    /// Its name.
    pub fn title(&self) -> &str {
        &self.definition.title
    }

    /// Its questions, in order.
    pub fn items(&self) -> &[Item] {
        &self.definition.items
    }

    /// How its scores are computed, in the order they are reported.
    pub fn rules(&self) -> &[Rule] {
        &self.definition.scoring
    }

    /// How its health state is read and valued, if it is preference-based.
    pub fn utility_rule(&self) -> Option<&UtilityRule> {
        self.definition.utility.as_ref()
    }

    /// Its minimal important differences.
    pub fn mids(&self) -> &[Mid] {
        &self.definition.mids
    }

    /// The default threshold for `component` (for `utility`, on `scale`), if one is set.
    pub fn default_mid(&self, component: &str, scale: Option<&str>) -> Option<&Mid> {
        self.definition
            .mids
            .iter()
            .find(|mid| mid.default && mid.component == component && mid.scale.as_deref() == scale)
    }
}

impl TryFrom<InstrumentDefinition> for Instrument {
    type Error = DefinitionError;

    fn try_from(definition: InstrumentDefinition) -> Result<Self, Self::Error> {
        let compiled = validate::compile(&definition)?;
        let reference = Reference::new(&definition.id, definition.version.clone());
        Ok(Self {
            definition,
            reference,
            compiled,
        })
    }
}

impl From<Instrument> for InstrumentDefinition {
    fn from(instrument: Instrument) -> Self {
        instrument.definition
    }
}

impl PartialEq for Instrument {
    /// Two instruments are equal when their definitions are: the rest is derived from them.
    fn eq(&self, other: &Self) -> bool {
        self.definition == other.definition
    }
}

impl Eq for Instrument {}
