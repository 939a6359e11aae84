//! The PostgreSQL half of the log: the SQL, and the xid8 horizon that makes the global order
//! safe to tail (see the migration for why).

use sqlx::PgConnection;
use uuid::Uuid;

use crate::anchor::AnchoredHead;
use crate::append::{ExistingEvent, PreparedRow, StreamHead};
use crate::hashchain::digest_from_slice;
use crate::heads::Heads;
use crate::row::{
    anchored_head_columns, decode_anchored_head, decode_event_row, decode_rows, decode_stored_row,
    insert_event,
};
use crate::verify::StoredEvent;
use crate::{Position, RecordedEvent, StoreError};

/// The channel the `events_notify` trigger notifies on commit, waking subscribers everywhere.
pub(crate) const NOTIFY_CHANNEL: &str = "linkwork_events";

/// Columns in the order `row::decode_event_row!` expects, then the two hashes. Some are cast,
/// and an ORDER BY on a bare name would sort by the cast output column (defeating the index),
/// so ordering always names `events.` columns.
macro_rules! columns {
    () => {
        "global_position, epoch::BIGINT, transaction_id::text::BIGINT, event_id, stream_id, \
         stream_version, event_type, schema_version, occurred_at, recorded_at, correlation_id, \
         causation_id, traceparent, actor_id, actor_organisation, actor_role, data_subject, \
         tenant, payload, content_hash, chain_hash"
    };
}

/// Rows below this are visible to every reader: no transaction that could still commit one
/// of them is in flight. Rows of an older epoch (before a restore) are all visible, so the
/// test is `(epoch, transaction_id) < (current epoch, oldest running xid)`. Written as one row
/// comparison of constants (evaluated once per query), the index scan stops at the horizon
/// instead of filtering every later row.
macro_rules! visible {
    () => {
        "(epoch, transaction_id) < ((SELECT current_log_epoch()), \
          (SELECT pg_snapshot_xmin(pg_current_snapshot())))"
    };
}

/// Run on every new pooled connection: plan each statement for the values it is given
/// (`plan_cache_mode = force_custom_plan`).
///
/// sqlx prepares every statement once per connection. After five executions PostgreSQL may
/// switch a prepared statement to a generic plan costed on the statistics of the moment and
/// keep it until those statistics change or the connection closes. A service's log starts
/// empty, so the generic plan of the append's idempotency check (`event_id = ANY($2)`) is a
/// sequential scan; on a server that never analyses (autovacuum off) the statistics never
/// change, and every append then reads the whole log until sqlx recycles the connection.
///
/// Set here, for the pool, rather than `.persistent(false)` on that one query: an unnamed
/// statement costs sqlx a parse-and-describe round trip before each execution, on the hottest
/// path, while a custom plan costs only the planning (0.14 ms for the probe, measured). And the
/// hazard belongs to the plan cache, not to one query, so this covers every statement on the
/// pool, the log's own and the projections a service runs on it, including ones not yet
/// written. A `SET` after connecting rather than a startup option, because connection poolers
/// such as PgBouncer refuse startup options.
pub(crate) async fn configure_connection(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET plan_cache_mode = force_custom_plan")
        .execute(conn)
        .await
        .map(drop)
}

/// `(kind, event_id, stream_id, stream_version, epoch, transaction_id, global_position, hash,
/// mac)`: kind 0 is the stream's last event, 1 its anchored head, 2 an existing event.
type ProbeRow = (
    i32,
    Option<Uuid>,
    String,
    i64,
    i64,
    i64,
    i64,
    Vec<u8>,
    Option<Vec<u8>>,
);

/// In one round trip: the first stream of an append's last event and anchored head, and any
/// of the append's event ids already in the log (the hash is the chain hash for the heads, the
/// content hash for existing events).
pub(crate) async fn probe(
    conn: &mut PgConnection,
    stream_id: &str,
    ids: &[Uuid],
) -> Result<(Heads, Vec<ExistingEvent>), StoreError> {
    let rows: Vec<ProbeRow> = sqlx::query_as(
        "SELECT 0, NULL::uuid, stream_id, stream_version, 0::BIGINT, 0::BIGINT, 0::BIGINT, \
                chain_hash, NULL::bytea \
         FROM (SELECT stream_id, stream_version, chain_hash FROM events WHERE stream_id = $1 \
               ORDER BY stream_version DESC LIMIT 1) AS head \
         UNION ALL \
         SELECT 1, NULL::uuid, stream_id, stream_version, 0::BIGINT, 0::BIGINT, 0::BIGINT, \
                chain_hash, mac \
         FROM stream_heads WHERE stream_id = $1 \
         UNION ALL \
         SELECT 2, event_id, stream_id, stream_version, epoch::BIGINT, \
                transaction_id::text::BIGINT, global_position, content_hash, NULL::bytea \
         FROM events WHERE event_id = ANY($2)",
    )
    .bind(stream_id)
    .bind(ids)
    .fetch_all(conn)
    .await?;
    let mut heads = Heads::default();
    let mut existing = Vec::new();
    for (kind, event_id, stream_id, version, epoch, xid, global, hash, mac) in rows {
        match (kind, event_id) {
            (0 | 1, _) => heads.add(kind, version, hash, mac),
            (_, Some(event_id)) => existing.push(ExistingEvent {
                event_id,
                stream_id,
                stream_version: version as u64,
                position: Position {
                    epoch,
                    transaction_id: xid,
                    global_position: global,
                },
                content_hash: hash,
            }),
            (_, None) => {}
        }
    }
    Ok((heads, existing))
}

pub(crate) async fn stream_head(
    conn: &mut PgConnection,
    stream_id: &str,
) -> Result<Option<StreamHead>, StoreError> {
    let row: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT stream_version, chain_hash FROM events \
         WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1",
    )
    .bind(stream_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(version, hash)| StreamHead {
        version: version as u64,
        chain_hash: digest_from_slice(&hash).unwrap_or_default(),
    }))
}

/// The last version of each of `stream_ids`, in the order given, in one statement.
pub(crate) async fn stream_versions(
    conn: &mut PgConnection,
    stream_ids: &[&str],
) -> Result<Vec<Option<i64>>, StoreError> {
    let rows: Vec<(Option<i64>,)> = sqlx::query_as(
        "SELECT (SELECT max(stream_version) FROM events WHERE events.stream_id = asked.stream_id) \
         FROM unnest($1::text[]) WITH ORDINALITY AS asked (stream_id, n) ORDER BY asked.n",
    )
    .bind(stream_ids)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(version,)| version).collect())
}

pub(crate) async fn insert(
    conn: &mut PgConnection,
    row: &PreparedRow<'_>,
    expected: crate::ExpectedVersion,
) -> Result<Position, StoreError> {
    let inserted: Result<(i64, i64, i64), sqlx::Error> = insert_event!(
        row,
        "epoch::BIGINT, transaction_id::text::BIGINT, global_position"
    )
    .fetch_one(conn)
    .await;
    match inserted {
        Ok((epoch, transaction_id, global_position)) => Ok(Position {
            epoch,
            transaction_id,
            global_position,
        }),
        Err(error) => Err(map_unique_violation(error, row, expected)),
    }
}

/// A concurrent writer won the race for this stream version or this event id.
fn map_unique_violation(
    error: sqlx::Error,
    row: &PreparedRow<'_>,
    expected: crate::ExpectedVersion,
) -> StoreError {
    let constraint = error
        .as_database_error()
        .filter(|db| db.is_unique_violation())
        .and_then(|db| db.constraint().map(str::to_owned));
    match constraint.as_deref() {
        Some("events_stream_version_key") => StoreError::WrongExpectedVersion {
            stream_id: row.stream_id.to_owned(),
            expected,
            actual: None,
        },
        Some("events_event_id_key") => StoreError::ConcurrentAppend {
            event_id: row.event.event_id,
        },
        _ => error.into(),
    }
}

pub(crate) async fn read_all(
    conn: &mut PgConnection,
    after: Position,
    limit: i64,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM events \
         WHERE (epoch, transaction_id, global_position) > ($1::INTEGER, $2::text::xid8, $3) AND ",
        visible!(),
        " ORDER BY events.epoch, events.transaction_id, events.global_position LIMIT $4"
    ))
    .bind(after.epoch)
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    decode_rows!(rows, decode_event_row)
}

/// Events `from_version..=through_version` of one stream with their stored hashes: what a
/// stream read returns, and what an aggregate load verifies before upcasting.
pub(crate) async fn stored_stream(
    conn: &mut PgConnection,
    stream_id: &str,
    from_version: u64,
    through_version: u64,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM events WHERE stream_id = $1 AND stream_version >= $2 AND stream_version <= $3 \
          ORDER BY stream_version LIMIT $4"
    ))
    .bind(stream_id)
    .bind(from_version as i64)
    .bind(i64::try_from(through_version).unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    decode_rows!(rows, decode_stored_row)
}

/// The events with these ids, as stored, in log order; ids not in the log are skipped.
pub(crate) async fn stored_by_id(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM events WHERE event_id = ANY($1) ORDER BY global_position"
    ))
    .bind(ids)
    .fetch_all(conn)
    .await?;
    decode_rows!(rows, decode_stored_row)
}

/// The first `limit` events of one stream with their stored hashes and, read in the same
/// statement (so in the same snapshot), the stream's anchored head: a verified load in one
/// round trip.
pub(crate) async fn anchored_stream_start(
    conn: &mut PgConnection,
    stream_id: &str,
    limit: i64,
) -> Result<(Vec<StoredEvent>, Option<AnchoredHead>), StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        ", ",
        anchored_head_columns!(),
        " FROM events WHERE stream_id = $1 ORDER BY events.stream_version LIMIT $2"
    ))
    .bind(stream_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let head = match rows.first() {
        Some(row) => decode_anchored_head!(row),
        None => None,
    };
    Ok((decode_rows!(rows, decode_stored_row)?, head))
}

/// Every event with its stored hashes, by stream and version, for chain verification.
pub(crate) async fn stored_page(
    conn: &mut PgConnection,
    after: Option<(&str, u64)>,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let (stream, version) = after.unwrap_or(("", 0));
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM events WHERE (stream_id, stream_version) > ($1, $2) \
          ORDER BY stream_id, stream_version LIMIT $3"
    ))
    .bind(stream)
    .bind(version as i64)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    decode_rows!(rows, decode_stored_row)
}

/// The position of the newest event every reader can see, or `None` for an empty log.
pub(crate) async fn head_position(conn: &mut PgConnection) -> Result<Option<Position>, StoreError> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(concat!(
        "SELECT epoch::BIGINT, transaction_id::text::BIGINT, global_position FROM events WHERE ",
        visible!(),
        " ORDER BY events.epoch DESC, events.transaction_id DESC, events.global_position DESC LIMIT 1"
    ))
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(epoch, transaction_id, global_position)| Position {
            epoch,
            transaction_id,
            global_position,
        }),
    )
}

/// The position of the newest committed event, visible to all readers yet or not.
pub(crate) async fn last_committed_position(
    conn: &mut PgConnection,
) -> Result<Option<Position>, StoreError> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT epoch::BIGINT, transaction_id::text::BIGINT, global_position FROM events \
         ORDER BY events.epoch DESC, events.transaction_id DESC, events.global_position DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(epoch, transaction_id, global_position)| Position {
            epoch,
            transaction_id,
            global_position,
        }),
    )
}

pub(crate) async fn load_checkpoint(
    conn: &mut PgConnection,
    subscriber: &str,
) -> Result<Option<Position>, StoreError> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT epoch::BIGINT, transaction_id::text::BIGINT, global_position \
         FROM checkpoints WHERE subscriber = $1",
    )
    .bind(subscriber)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(epoch, transaction_id, global_position)| Position {
            epoch,
            transaction_id,
            global_position,
        }),
    )
}

pub(crate) async fn save_checkpoint(
    conn: &mut PgConnection,
    subscriber: &str,
    position: Position,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO checkpoints (subscriber, epoch, transaction_id, global_position, updated_at) \
         VALUES ($1, $2::INTEGER, $3::text::xid8, $4, now()) \
         ON CONFLICT (subscriber) DO UPDATE SET epoch = EXCLUDED.epoch, \
           transaction_id = EXCLUDED.transaction_id, \
           global_position = EXCLUDED.global_position, updated_at = now()",
    )
    .bind(subscriber)
    .bind(position.epoch)
    .bind(position.transaction_id.to_string())
    .bind(position.global_position)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `consumer` applied `event_id`; false when it already had.
pub(crate) async fn inbox_insert(
    conn: &mut PgConnection,
    consumer: &str,
    event_id: Uuid,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(consumer)
    .bind(event_id)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}
