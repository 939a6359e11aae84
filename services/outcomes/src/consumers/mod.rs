//! What the outcomes service keeps of other services' published events.

pub mod referral;
