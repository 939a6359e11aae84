//! A transaction on a service's own database, shared by the log and the caller.
//!
//! Subscribers and bus consumers write their effects (projection rows, inbox entries, new
//! events) and their checkpoint in one [`Tx`], so an effect and the record that it happened
//! commit together or not at all. On SQLite a `Tx` is a `BEGIN IMMEDIATE` transaction that also
//! holds the store's in-process write lock, so it never fails half-way with `SQLITE_BUSY`.

use std::sync::Arc;

use sqlx::{PgConnection, Postgres, Sqlite, SqliteConnection};
use tokio::sync::{OwnedMutexGuard, watch};

use crate::StoreError;

/// The connection inside a [`Tx`], for the caller's own SQL.
#[derive(Debug)]
pub enum TxConn<'a> {
    /// PostgreSQL: `$1`-style parameters.
    Postgres(&'a mut PgConnection),
    /// SQLite: `$1`-style parameters also work, in order of first use.
    Sqlite(&'a mut SqliteConnection),
}

#[derive(Debug)]
pub(crate) enum TxInner {
    Postgres(sqlx::Transaction<'static, Postgres>),
    Sqlite(sqlx::Transaction<'static, Sqlite>),
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls it back.
#[derive(Debug)]
pub struct Tx {
    pub(crate) inner: TxInner,
    /// Set when events were appended, so commit wakes local subscribers.
    pub(crate) appended: bool,
    pub(crate) wake: Arc<watch::Sender<u64>>,
    /// SQLite only: the store's write lock, held until commit or rollback.
    pub(crate) _write_guard: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    /// The connection, for the caller's own statements inside this transaction.
    pub fn conn(&mut self) -> TxConn<'_> {
        match &mut self.inner {
            TxInner::Postgres(tx) => TxConn::Postgres(tx),
            TxInner::Sqlite(tx) => TxConn::Sqlite(tx),
        }
    }

    /// Commits, then wakes this process's subscribers if events were appended.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Postgres(tx) => tx.commit().await?,
            TxInner::Sqlite(tx) => tx.commit().await?,
        }
        if self.appended {
            self.wake.send_modify(|generation| *generation += 1);
        }
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same, without waiting).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Postgres(tx) => tx.rollback().await?,
            TxInner::Sqlite(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}
