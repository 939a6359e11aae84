//! Leadership: at most one process runs a given worker (a relay, a projector) at a time.
//!
//! On PostgreSQL the leader holds a session advisory lock on a connection of its own; if the
//! process dies the connection closes and the lock is released at once. SQLite has no advisory
//! locks, so the leader holds a row in `leases` that it renews; a crashed leader's lease
//! expires after its time-to-live. Either way [`Leadership::is_held`] turns false as soon as
//! the holder can no longer prove it leads, and the worker must stop.

use std::time::Duration;

use sqlx::{Connection, PgConnection};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use crate::store::Pool;
use crate::{EventStore, StoreError};

/// How long a SQLite lease lives without renewal.
const LEASE_TTL: Duration = Duration::from_secs(15);
/// How often the holder proves it still leads.
const RENEW_EVERY: Duration = Duration::from_secs(5);

/// Proof of leadership. Dropping it gives leadership up.
#[derive(Debug)]
pub struct Leadership {
    name: String,
    held: watch::Receiver<bool>,
    _stop: oneshot::Sender<()>,
}

impl Leadership {
    /// The name led.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether leadership is still held.
    pub fn is_held(&self) -> bool {
        *self.held.borrow()
    }

    /// Completes when leadership is lost.
    pub async fn lost(&mut self) {
        while *self.held.borrow_and_update() {
            if self.held.changed().await.is_err() {
                return;
            }
        }
    }
}

impl EventStore {
    /// Takes leadership of `name` if nobody holds it.
    pub async fn try_lead(&self, name: &str) -> Result<Option<Leadership>, StoreError> {
        let (held_tx, held) = watch::channel(true);
        let (stop, stopped) = oneshot::channel();
        match self.pool() {
            Pool::Postgres(pool) => {
                let mut conn = pool.acquire().await?.detach();
                let (locked,): (bool,) =
                    sqlx::query_as("SELECT pg_try_advisory_lock(hashtextextended($1, 0))")
                        .bind(name)
                        .fetch_one(&mut conn)
                        .await?;
                if !locked {
                    conn.close().await.ok();
                    return Ok(None);
                }
                tokio::spawn(hold_advisory_lock(conn, held_tx, stopped));
            }
            Pool::Sqlite(pool) => {
                let holder = Uuid::new_v4().to_string();
                if !renew_lease(pool, name, &holder).await? {
                    return Ok(None);
                }
                let lease = Lease {
                    pool: pool.clone(),
                    name: name.to_owned(),
                    holder,
                };
                tokio::spawn(hold_lease(lease, held_tx, stopped));
            }
        }
        Ok(Some(Leadership {
            name: name.to_owned(),
            held,
            _stop: stop,
        }))
    }

    /// Waits until leadership of `name` is ours, trying every `retry` interval.
    pub async fn lead(&self, name: &str, retry: Duration) -> Leadership {
        loop {
            match self.try_lead(name).await {
                Ok(Some(leadership)) => return leadership,
                Ok(None) => tracing::debug!(name, "another process leads; waiting"),
                Err(error) => tracing::warn!(name, %error, "cannot take leadership; retrying"),
            }
            tokio::time::sleep(retry).await;
        }
    }
}

async fn hold_advisory_lock(
    mut conn: PgConnection,
    held: watch::Sender<bool>,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(RENEW_EVERY) => {
                if let Err(error) = conn.ping().await {
                    tracing::warn!(%error, "leader connection lost; giving up leadership");
                    held.send_replace(false);
                    return;
                }
            }
        }
    }
    held.send_replace(false);
    // Closing the session releases the advisory lock.
    conn.close().await.ok();
}

struct Lease {
    pool: sqlx::SqlitePool,
    name: String,
    holder: String,
}

async fn renew_lease(
    pool: &sqlx::SqlitePool,
    name: &str,
    holder: &str,
) -> Result<bool, StoreError> {
    let now = chrono::Utc::now().timestamp_millis();
    let expires = now + LEASE_TTL.as_millis() as i64;
    let result = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE leases.holder = excluded.holder OR leases.expires_at < $4",
    )
    .bind(name)
    .bind(holder)
    .bind(expires)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

async fn hold_lease(lease: Lease, held: watch::Sender<bool>, mut stop: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(RENEW_EVERY) => {
                match renew_lease(&lease.pool, &lease.name, &lease.holder).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(name = %lease.name, "lease taken by another holder");
                        held.send_replace(false);
                        return;
                    }
                    Err(error) => tracing::warn!(name = %lease.name, %error, "cannot renew lease"),
                }
            }
        }
    }
    held.send_replace(false);
    let released = sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(&lease.name)
        .bind(&lease.holder)
        .execute(&lease.pool)
        .await;
    if let Err(error) = released {
        tracing::warn!(name = %lease.name, %error, "cannot release lease; it will expire");
    }
}
