//! What the engagement service keeps from its own log by checkpointed subscriptions: the lapse
//! rules' view of each referral, and the lapses it records from it.

pub mod lapses;
mod watches;
