//! What the engagement service keeps from its own log by checkpointed subscriptions: the lapse
//! rules' view of each referral, and the lapses it records from it; each referral's register
//! places, for its timeline.

pub mod lapses;
pub mod places;
mod watches;
