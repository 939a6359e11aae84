//! Outcome instruments as versioned reference data, and their scoring.
//!
//! Social prescribing schemes record how people are doing at referral and afterwards with
//! validated questionnaires: ONS4 personal wellbeing, (S)WEMWBS, the UCLA-3 loneliness scale,
//! EQ-5D-5L. This crate holds each as a data file ([`Instrument`], bundled under
//! `data/instruments/`, loadable from any JSON in the same format so a deployer can add the
//! licensed ones), checks answers against it, scores them ([`Scores`]: each component with its
//! band, and the EQ-5D utility under a chosen, dated [`ValueSet`]) and says whether the change
//! between two scorings reaches the minimal important difference ([`Change`]).
//!
//! Everything is pure and deterministic: no I/O beyond parsing the text it is handed, and no
//! floating point — every number is a [`Fixed`] decimal that prints exactly as published
//! (utilities to 3 places, SWEMWBS metrics to 2). Every score names the instrument version and
//! value set version that produced it, so a stored score keeps its meaning when the reference
//! data moves on.
//!
//! ```
//! use measures::{Answers, Catalogue, Person};
//!
//! let catalogue = Catalogue::bundled()?;
//! let swemwbs = catalogue.latest_instrument("swemwbs").ok_or("no SWEMWBS")?;
//! let answers: Answers = (1..=7).map(|item| (item.to_string(), 3)).collect();
//! let scores = swemwbs.score(&answers, &Person::unknown(), None)?;
//! assert_eq!(scores.component("metric").map(|c| c.value.to_string()), Some("19.25".into()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Scoring is cheap enough for bulk work: definitions and tables are resolved when read, so
//! scoring a response is a pass over its items and, for EQ-5D, one array index.

mod answers;
mod catalogue;
mod fixed;
mod instrument;
mod json;
mod person;
mod problem;
mod provenance;
mod state;
mod value_set;
mod version;

pub use answers::{Answer, AnswerError, AnswerKind, Answers, shown_link_id};
pub use catalogue::{
    Catalogue, CatalogueError, bundled_instrument_files, bundled_value_set_files,
    bundled_value_sets,
};
pub use fixed::{Fixed, FixedError, MAX_PLACES};
pub use instrument::definition::{
    AnswerOption, AnswerType, Band, Better, InstrumentDefinition, Item, Mid, Rule, UtilityRule,
};
pub use instrument::{
    AppliedMid, Change, ClassifyError, Component, DefinitionError, Instrument, MidOrigin,
    ScoreError, Scores, Utility, Verdict,
};
pub use person::{AgeBand, Person, Sex};
pub use problem::Problem;
pub use provenance::{Dated, DatedError, Source};
pub use state::{DIMENSIONS, HealthState, StateError};
pub use value_set::definition::{LevelTerm, Model, ValueSetDefinition};
pub use value_set::{TableProblem, ValueSet, ValueSetError};
pub use version::{Reference, Version, VersionError};
