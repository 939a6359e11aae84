//! The directory service's integration tests, on real PostgreSQL and SQLite.

mod areas;
mod grpc;
mod helpers;
mod history;
mod hsds_wire;
mod import;
mod oruk;
mod oruk_fixture;
mod ownership;
mod postcodes;
mod region;
mod schema;
mod search;
