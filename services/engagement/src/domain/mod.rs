//! The engagement service's domain: a session of a directory service and its register, as a
//! pure decider; integrators' daily device summaries and their checks; what the service
//! records beside sessions (referral statuses noted, clock ticks, lapses); and the lapse rules,
//! as pure functions of what the log holds.

pub mod events;
pub mod evidence;
pub mod lapse;
pub mod session;
