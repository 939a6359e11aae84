//! The referral service's integration tests, on real PostgreSQL and SQLite.

mod demographics;
mod escalation;
pub(crate) mod fhir;
pub(crate) mod grpc;
mod helpers;
mod journey;
mod parties;
mod responsibility;
mod vault;
