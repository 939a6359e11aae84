//! What the referral service keeps of other services' published events, each through an
//! idempotent bus consumer whose effects commit with its inbox.

pub mod directory;
pub mod engagement;
pub mod outcomes;
