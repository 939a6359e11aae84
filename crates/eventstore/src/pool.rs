//! Running a service's own SQL (projections, read models) on whichever backend its store uses.

use sqlx::{PgPool, SqlitePool};

/// A borrowed pool of either backend.
#[derive(Debug, Clone, Copy)]
pub enum PoolRef<'a> {
    /// PostgreSQL.
    Postgres(&'a PgPool),
    /// SQLite.
    Sqlite(&'a SqlitePool),
}

/// Runs `$body` with `$pool` bound to the store's pool, whichever backend it is. The body is
/// compiled once per backend, so one SQL text with `$1`-style parameters (valid on both)
/// serves both.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store.pool_ref() {
            $crate::PoolRef::Postgres($pool) => $body,
            $crate::PoolRef::Sqlite($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever backend it is.
#[macro_export]
macro_rules! on_conn {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx.conn() {
            $crate::TxConn::Postgres($conn) => $body,
            $crate::TxConn::Sqlite($conn) => $body,
        }
    };
}
