//! The directory service's integration tests, on real PostgreSQL and SQLite.

mod history;
mod region;
mod search;
