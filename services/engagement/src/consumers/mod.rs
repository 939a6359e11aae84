//! What the engagement service consumes from other services over the bus.

pub mod referral;
