//! The SQL of `stream_heads` and `head_checkpoints`, the same text on both backends.
//!
//! Reads that must agree with each other (a stream's last event and its anchored head) are one
//! statement, so they see one snapshot: an append commits its events and its head together, and
//! two statements could straddle that commit and report a difference that never existed.

use chrono::{DateTime, Utc};

use crate::anchor::{Anchor, AnchoredHead, Counts};
use crate::append::StreamHead;
use crate::hashchain::{Digest32, digest_from_slice};
use crate::tx::TxInner;
use crate::{EventStore, StoreError, Tx};

/// Runs `$body` with `$conn` bound to the open transaction inside a `TxInner`.
macro_rules! on_inner {
    ($inner:expr, |$conn:ident| $body:expr) => {
        match $inner {
            TxInner::Postgres($conn) => $body,
            TxInner::Sqlite($conn) => $body,
        }
    };
}

/// A stream's last event and its anchored head, read together.
#[derive(Debug, Default)]
pub(crate) struct Heads {
    pub(crate) last: Option<StreamHead>,
    pub(crate) anchored: Option<AnchoredHead>,
}

impl Heads {
    /// The last event's version and chain hash, as `Anchor::head_problem` takes them.
    pub(crate) fn last_link(&self) -> Option<(u64, &[u8])> {
        self.last
            .as_ref()
            .map(|head| (head.version, head.chain_hash.as_slice()))
    }

    /// Files one row of [`LAST_AND_ANCHORED`] (or of the PostgreSQL probe): kind 0 is the last
    /// event, kind 1 the anchored head.
    pub(crate) fn add(
        &mut self,
        kind: i32,
        version: i64,
        chain_hash: Vec<u8>,
        mac: Option<Vec<u8>>,
    ) {
        let version = u64::try_from(version).unwrap_or_default();
        match (kind, mac) {
            (1, Some(mac)) => {
                self.anchored = Some(AnchoredHead {
                    version,
                    chain_hash,
                    mac,
                });
            }
            _ => {
                self.last = Some(StreamHead {
                    version,
                    chain_hash: digest_from_slice(&chain_hash).unwrap_or_default(),
                });
            }
        }
    }
}

/// `(kind, version, chain_hash, mac)`: see [`Heads::add`].
type HeadRow = (i32, i64, Vec<u8>, Option<Vec<u8>>);

const LAST_AND_ANCHORED: &str = "\
    SELECT 0, stream_version, chain_hash, NULL FROM ( \
        SELECT stream_version, chain_hash FROM events WHERE stream_id = $1 \
        ORDER BY stream_version DESC LIMIT 1) AS last \
    UNION ALL \
    SELECT 1, stream_version, chain_hash, mac FROM stream_heads WHERE stream_id = $1";

/// A stream's last event and anchored head, inside an append's transaction.
pub(crate) async fn read_in(inner: &mut TxInner, stream_id: &str) -> Result<Heads, StoreError> {
    let rows: Vec<HeadRow> = on_inner!(inner, |conn| {
        sqlx::query_as(LAST_AND_ANCHORED)
            .bind(stream_id)
            .fetch_all(&mut **conn)
            .await
    })?;
    let mut heads = Heads::default();
    for (kind, version, chain_hash, mac) in rows {
        heads.add(kind, version, chain_hash, mac);
    }
    Ok(heads)
}

/// Moves a stream's anchored head to its new last event, MAC'd, in the append's transaction.
pub(crate) async fn write_in(
    inner: &mut TxInner,
    anchor: &Anchor,
    stream_id: &str,
    version: u64,
    chain_hash: &Digest32,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO stream_heads (stream_id, stream_version, chain_hash, mac) \
               VALUES ($1, $2, $3, $4) \
               ON CONFLICT (stream_id) DO UPDATE SET stream_version = excluded.stream_version, \
                 chain_hash = excluded.chain_hash, mac = excluded.mac";
    let mac = anchor.sign_head(stream_id, version, chain_hash);
    on_inner!(inner, |conn| {
        sqlx::query(sql)
            .bind(stream_id)
            .bind(version as i64)
            .bind(chain_hash.as_slice())
            .bind(mac.as_slice())
            .execute(&mut **conn)
            .await
            .map(drop)
    })?;
    Ok(())
}

/// A stream's anchored head alone, outside any transaction.
pub(crate) async fn anchored(
    store: &EventStore,
    stream_id: &str,
) -> Result<Option<AnchoredHead>, StoreError> {
    let sql = "SELECT stream_version, chain_hash, mac FROM stream_heads WHERE stream_id = $1";
    let row: Option<(i64, Vec<u8>, Vec<u8>)> = crate::on_pool!(store, |pool| {
        sqlx::query_as(sql)
            .bind(stream_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.map(|(version, chain_hash, mac)| AnchoredHead {
        version: u64::try_from(version).unwrap_or_default(),
        chain_hash,
        mac,
    }))
}

/// True when the anchoring tables exist: a log opened without migrations may predate them.
pub(crate) async fn installed(store: &EventStore) -> Result<bool, StoreError> {
    let (found,): (i64,) = match store.pool_ref() {
        crate::PoolRef::Postgres(pool) => {
            sqlx::query_as(
                "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() \
                 AND tablename IN ('stream_heads', 'head_checkpoints')",
            )
            .fetch_one(pool)
            .await?
        }
        crate::PoolRef::Sqlite(pool) => {
            sqlx::query_as(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
                 AND name IN ('stream_heads', 'head_checkpoints')",
            )
            .fetch_one(pool)
            .await?
        }
    };
    Ok(found == 2)
}

/// The first stream (by id) that has an anchored head but no events.
pub(crate) async fn first_head_without_stream(
    store: &EventStore,
) -> Result<Option<(String, u64)>, StoreError> {
    let sql = "SELECT h.stream_id, h.stream_version FROM stream_heads h \
               WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = h.stream_id) \
               ORDER BY h.stream_id LIMIT 1";
    let row: Option<(String, i64)> =
        crate::on_pool!(store, |pool| sqlx::query_as(sql).fetch_optional(pool).await)?;
    Ok(row.map(|(stream, version)| (stream, u64::try_from(version).unwrap_or_default())))
}

/// Streams with events but no anchored head, by id.
pub(crate) async fn unanchored_streams(store: &EventStore) -> Result<Vec<String>, StoreError> {
    let sql = "SELECT DISTINCT e.stream_id FROM events e \
               WHERE NOT EXISTS (SELECT 1 FROM stream_heads h WHERE h.stream_id = e.stream_id) \
               ORDER BY e.stream_id";
    let rows: Vec<(String,)> =
        crate::on_pool!(store, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|(stream,)| stream).collect())
}

/// A checkpoint as stored: its counts and MAC.
#[derive(Debug, Clone)]
pub(crate) struct StoredCheckpoint {
    pub(crate) counts: Counts,
    pub(crate) mac: Vec<u8>,
}

type CheckpointRow = (DateTime<Utc>, i64, i64, Vec<u8>);

const LATEST_TWO: &str = "SELECT taken_at, streams, events, mac FROM head_checkpoints \
                          ORDER BY checkpoint DESC LIMIT 2";

fn decode_checkpoints(rows: Vec<CheckpointRow>) -> Vec<StoredCheckpoint> {
    rows.into_iter()
        .map(|(taken_at, streams, events, mac)| StoredCheckpoint {
            counts: Counts {
                taken_at,
                streams: u64::try_from(streams).unwrap_or_default(),
                events: u64::try_from(events).unwrap_or_default(),
            },
            mac,
        })
        .collect()
}

/// The latest checkpoint and the one before it, newest first.
pub(crate) async fn latest_checkpoints(
    store: &EventStore,
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let rows: Vec<CheckpointRow> = crate::on_pool!(store, |pool| sqlx::query_as(LATEST_TWO)
        .fetch_all(pool)
        .await)?;
    Ok(decode_checkpoints(rows))
}

/// Like [`latest_checkpoints`], inside a transaction that will add the next one. On PostgreSQL
/// it first locks out other checkpoint writers, whose MAC would chain on the same previous one.
pub(crate) async fn latest_checkpoints_in(
    tx: &mut Tx,
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    if let TxInner::Postgres(conn) = &mut tx.inner {
        sqlx::query("LOCK TABLE head_checkpoints IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **conn)
            .await?;
    }
    let rows: Vec<CheckpointRow> = on_inner!(&mut tx.inner, |conn| {
        sqlx::query_as(LATEST_TWO).fetch_all(&mut **conn).await
    })?;
    Ok(decode_checkpoints(rows))
}

/// How many streams and events the log has, as `(streams, events)`.
pub(crate) async fn count_log_in(tx: &mut Tx) -> Result<(u64, u64), StoreError> {
    let sql = "SELECT count(DISTINCT stream_id), count(*) FROM events";
    let (streams, events): (i64, i64) = on_inner!(&mut tx.inner, |conn| {
        sqlx::query_as(sql).fetch_one(&mut **conn).await
    })?;
    Ok((
        u64::try_from(streams).unwrap_or_default(),
        u64::try_from(events).unwrap_or_default(),
    ))
}

/// Records a checkpoint.
pub(crate) async fn insert_checkpoint_in(
    tx: &mut Tx,
    counts: &Counts,
    mac: &Digest32,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO head_checkpoints (taken_at, streams, events, mac) \
               VALUES ($1, $2, $3, $4)";
    on_inner!(&mut tx.inner, |conn| {
        sqlx::query(sql)
            .bind(counts.taken_at)
            .bind(counts.streams as i64)
            .bind(counts.events as i64)
            .bind(mac.as_slice())
            .execute(&mut **conn)
            .await
            .map(drop)
    })?;
    Ok(())
}
