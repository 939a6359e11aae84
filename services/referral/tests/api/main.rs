//! The referral service's integration tests, on real PostgreSQL and SQLite.

mod helpers;
mod responsibility;
