//! The measures crate tested through its public API, as the outcomes service uses it: published
//! values, properties checked over every possible answer where that is feasible, refused
//! answers, change classification, definitions as data, and a deployer-supplied instrument.
//!
//! One test binary with a module per concern (as `tests/api/main.rs` in zero2prod), so the crate
//! and its bundled tables are linked once rather than once per file. Property tests enumerate
//! the answer space instead of sampling it with a property-testing crate: the spaces are small
//! enough (3,125 EQ-5D-5L states, 78,125 SWEMWBS responses) that exhaustive is both cheaper to
//! build and stronger, and the one space that is not (WEMWBS, 5^14) is covered by its extremes,
//! every total, and a fixed pseudo-random sample.

mod answers;
mod change;
mod definitions;
mod deployer;
mod helpers;
mod published;
mod questionnaires;
mod value_sets;
