//! EQ-5D value sets: dated, versioned ways of turning a health state into a utility, read from
//! data and prepared as one array lookup per state.
//!
//! Which value set is in force is a policy choice that changes (NICE prefers the DSU mapping
//! of 5L answers onto the 3L UK scale today, and consults on a UK 5L set), so value sets are
//! data selected at run time, and every utility records the one it came from. Additive models
//! are expanded into a full table when read, so all value sets cost the same to apply.

mod additive;
pub(crate) mod definition;
mod table;

use std::fmt;

use crate::fixed::{Fixed, MAX_PLACES};
use crate::instrument::{ScoreError, Utility};
use crate::person::{AgeBand, Person, Sex};
use crate::problem::{Problem, check_code, non_empty};
use crate::state::{DIMENSIONS, HealthState, SYSTEMS};
use crate::version::Reference;

use definition::ValueSetDefinition;
pub use table::TableProblem;

use definition::Model;

/// The most decimal places a value set may report utilities to.
const MAX_DECIMALS: u8 = 6;

/// A checked value set with its utilities laid out by state.
#[derive(Clone)]
pub struct ValueSet {
    definition: ValueSetDefinition,
    reference: Reference,
    utilities: Utilities,
}

/// Utilities indexed by [`HealthState::index`].
#[derive(Clone)]
enum Utilities {
    /// One per state.
    ByState(Vec<Fixed>),
    /// One per state within each (age band, sex) stratum, strata in
    /// [`AgeBand::ALL`] × [`Sex::ALL`] order.
    ByAgeSex(Vec<Fixed>),
}

/// A value set that cannot be used, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueSetError {
    /// The metadata is not JSON of the definition format.
    #[error("not a value set definition: at {path}: {message}")]
    Format {
        /// Where in the document.
        path: String,
        /// What the reader expected.
        message: String,
    },
    /// The metadata is of the right format but cannot be used.
    #[error("value set {value_set}: {at}: {problem}")]
    Invalid {
        /// The value set's id and version as the definition states them.
        value_set: String,
        /// Where in the definition.
        at: String,
        /// What is wrong.
        problem: Problem,
    },
    /// The table is missing, unexpected or wrong.
    #[error("value set {value_set}: {problem}")]
    Table {
        /// The value set's id and version.
        value_set: String,
        /// What is wrong.
        problem: TableProblem,
    },
}

impl ValueSet {
    /// Reads a value set from its metadata JSON and, for a table model, its CSV text.
    pub fn parse(definition: &str, table: Option<&str>) -> Result<Self, ValueSetError> {
        let definition: ValueSetDefinition = crate::json::read(definition)
            .map_err(|(path, message)| ValueSetError::Format { path, message })?;
        Self::from_definition(definition, table)
    }

    /// Checks `definition` and lays out its utilities, reading `table` for a table model.
    pub fn from_definition(
        definition: ValueSetDefinition,
        table: Option<&str>,
    ) -> Result<Self, ValueSetError> {
        let name = format!("{} v{}", definition.id, definition.version);
        let invalid = |(at, problem)| ValueSetError::Invalid {
            value_set: name.clone(),
            at,
            problem,
        };
        let table_error = |problem| ValueSetError::Table {
            value_set: name.clone(),
            problem,
        };
        check(&definition).map_err(invalid)?;
        let (levels, decimals) = (definition.levels, definition.decimals);
        let utilities = match (&definition.model, table) {
            (Model::Additive { .. }, Some(_)) => return Err(table_error(TableProblem::Unexpected)),
            (Model::Additive { .. }, None) => {
                Utilities::ByState(additive::expand(&definition).map_err(invalid)?)
            }
            (Model::Table { .. } | Model::AgeSexTable { .. }, None) => {
                return Err(table_error(TableProblem::Missing));
            }
            (Model::Table { column, .. }, Some(csv)) => Utilities::ByState(
                table::read(csv, column, levels, decimals, false).map_err(table_error)?,
            ),
            (Model::AgeSexTable { column, .. }, Some(csv)) => Utilities::ByAgeSex(
                table::read(csv, column, levels, decimals, true).map_err(table_error)?,
            ),
        };
        let reference = Reference::new(&definition.id, definition.version.clone());
        Ok(Self {
            definition,
            reference,
            utilities,
        })
    }

    /// The definition, as data.
    pub fn definition(&self) -> &ValueSetDefinition {
        &self.definition
    }

    /// Its id and version, as recorded beside utilities.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// The EQ-5D system it values: 3 or 5 levels.
    pub fn levels(&self) -> u8 {
        self.definition.levels
    }

    /// The scale its utilities are on.
    pub fn scale(&self) -> &str {
        &self.definition.scale
    }

    /// The utility of `state` for `person`. The DSU mapping needs the person's age band and
    /// sex; the others need nothing.
    pub fn utility(&self, state: &HealthState, person: &Person) -> Result<Utility, ScoreError> {
        if state.levels() != self.definition.levels {
            return Err(ScoreError::WrongLevels {
                value_set: self.reference.clone(),
                expects: self.definition.levels,
                given: state.levels(),
            });
        }
        let value = match &self.utilities {
            Utilities::ByState(values) => values.get(state.index()),
            Utilities::ByAgeSex(values) => {
                let stratum = self.stratum(person)?;
                values.get(stratum * HealthState::count(state.levels()) + state.index())
            }
        };
        // Every state of the system was required when the table was read.
        let value = *value.ok_or(crate::state::StateError {
            levels: state.levels(),
        })?;
        Ok(Utility {
            value,
            value_set: self.reference.clone(),
            scale: self.definition.scale.clone(),
            state: state.to_string(),
        })
    }

    fn stratum(&self, person: &Person) -> Result<usize, ScoreError> {
        let value_set = || self.reference.clone();
        let age_band = person.age_band.ok_or_else(|| ScoreError::NeedsAgeBand {
            value_set: value_set(),
        })?;
        let sex = person.sex.ok_or_else(|| ScoreError::NeedsSex {
            value_set: value_set(),
        })?;
        Ok(stratum(age_band, sex))
    }
}

/// The position of (age band, sex) among the strata of an age-sex table.
pub(crate) fn stratum(age_band: AgeBand, sex: Sex) -> usize {
    age_band.index() * Sex::ALL.len() + sex.index()
}

impl fmt::Debug for ValueSet {
    /// The definition without its thousands of utilities.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueSet")
            .field("reference", &self.reference)
            .field("scale", &self.definition.scale)
            .field("levels", &self.definition.levels)
            .finish_non_exhaustive()
    }
}

impl PartialEq for ValueSet {
    /// Equal definitions and equal utilities.
    fn eq(&self, other: &Self) -> bool {
        let same_utilities = match (&self.utilities, &other.utilities) {
            (Utilities::ByState(a), Utilities::ByState(b))
            | (Utilities::ByAgeSex(a), Utilities::ByAgeSex(b)) => a == b,
            _ => false,
        };
        self.definition == other.definition && same_utilities
    }
}

impl Eq for ValueSet {}

fn check(definition: &ValueSetDefinition) -> Result<(), (String, Problem)> {
    check_code(&definition.id).map_err(|problem| ("id".into(), problem))?;
    check_code(&definition.scale).map_err(|problem| ("scale".into(), problem))?;
    non_empty(&definition.title, "title")?;
    non_empty(&definition.note, "note")?;
    non_empty(&definition.source.citation, "source.citation")?;
    if !SYSTEMS.contains(&definition.levels) {
        return Err(("levels".into(), Problem::Levels));
    }
    if definition.decimals > MAX_DECIMALS.min(MAX_PLACES) {
        return Err(("decimals".into(), Problem::Places(MAX_DECIMALS)));
    }
    let dimensions = &definition.dimensions;
    if dimensions.len() != DIMENSIONS {
        return Err(("dimensions".into(), Problem::Dimensions(dimensions.len())));
    }
    for (index, code) in dimensions.iter().enumerate() {
        let at = format!("dimensions[{index}]");
        non_empty(code, &at)?;
        if dimensions[..index].contains(code) {
            return Err((at, Problem::Duplicate(code.clone())));
        }
    }
    if let Model::Table {
        file,
        column,
        provenance,
    }
    | Model::AgeSexTable {
        file,
        column,
        provenance,
    } = &definition.model
    {
        non_empty(file, "model.file")?;
        non_empty(column, "model.column")?;
        non_empty(provenance, "model.provenance")?;
    }
    Ok(())
}
