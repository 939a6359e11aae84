//! The event log's conformance suite: every test runs against PostgreSQL and SQLite, because
//! the platform promises the same semantics on both.

mod aggregate;
mod anchoring;
mod append;
mod audit;
mod by_id;
mod concurrency;
mod helpers;
mod integrity;
mod plans;
mod subscriptions;
mod versions;
