//! The referral service's integration tests, on real PostgreSQL and SQLite.

mod escalation;
mod fhir;
mod grpc;
mod helpers;
mod responsibility;
mod vault;
