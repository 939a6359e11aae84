//! The outcomes service's read models, each rebuildable from its log.

pub mod outcomes;
