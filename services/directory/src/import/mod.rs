//! Importing an external Open Referral UK (HSDS 3.0) feed as events, with provenance.
//!
//! - [`source`]: reading a feed, from an ORUK API or from files saved from one; untrusted, so
//!   bounded, timed out and retried.
//! - [`map`]: HSDS records as the directory's, pure.
//! - [`ids`]: our ids for a feed's records, deterministic so a re-import finds them again.
//! - [`import`]: writing the feed in dependency order; a record that has not changed writes
//!   nothing, so importing an unchanged feed leaves the log as it was.

mod fetch;
pub mod ids;
pub mod map;
mod report;
mod run;
pub mod source;

pub use ids::{Ids, Kind};
pub use report::{Counts, ImportReport, Problem, Progress, Stage};
pub use run::{ImportError, import, importer_context};
pub use source::{Feed, Limits, Source, SourceError};
