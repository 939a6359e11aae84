//! The engagement service's domain: a session of a directory service, and its register, as a
//! pure decider.

pub mod session;
