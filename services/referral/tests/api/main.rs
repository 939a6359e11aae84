//! The referral service's integration tests, on real PostgreSQL and SQLite.

mod escalation;
mod helpers;
mod responsibility;
