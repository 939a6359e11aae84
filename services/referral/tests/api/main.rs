//! The referral service's integration tests, on real PostgreSQL and SQLite.

mod escalation;
mod grpc;
mod helpers;
mod responsibility;
mod vault;
