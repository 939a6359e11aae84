//! The outcomes service's domain: what it records, a referral's outcomes as a pure decider, and
//! where a response falls in the person's episode. Scoring itself is `crates/measures`, which
//! knows the instruments only as the data their definitions are.

pub mod events;
pub mod outcomes;
pub mod placement;
