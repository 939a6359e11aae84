//! The SQLite half of the log. Appends run under `BEGIN IMMEDIATE` with one writer at a time,
//! so the rowid (global position) is commit order and needs no horizon.

use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::anchor::AnchoredHead;
use crate::append::{ExistingEvent, PreparedRow, StreamHead};
use crate::hashchain::digest_from_slice;
use crate::row::{
    anchored_head_columns, decode_anchored_head, decode_event_row, decode_rows, decode_stored_row,
    insert_event,
};
use crate::verify::StoredEvent;
use crate::{Position, RecordedEvent, StoreError};

/// Columns in the order `row::decode_event_row!` expects, then the two hashes. SQLite has no
/// transaction ids or epochs: both are zero.
macro_rules! columns {
    () => {
        "global_position, 0, 0, event_id, stream_id, stream_version, event_type, schema_version, \
         occurred_at, recorded_at, correlation_id, causation_id, traceparent, actor_id, \
         actor_organisation, actor_role, data_subject, tenant, payload, content_hash, chain_hash"
    };
}

fn at(global_position: i64) -> Position {
    Position {
        epoch: 0,
        transaction_id: 0,
        global_position,
    }
}

pub(crate) async fn find_events(
    conn: &mut SqliteConnection,
    ids: &[Uuid],
) -> Result<Vec<ExistingEvent>, StoreError> {
    let mut found = Vec::new();
    for id in ids {
        let row: Option<(String, i64, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT stream_id, stream_version, global_position, content_hash \
             FROM events WHERE event_id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((stream_id, version, global, hash)) = row {
            found.push(ExistingEvent {
                event_id: *id,
                stream_id,
                stream_version: version as u64,
                position: at(global),
                content_hash: hash,
            });
        }
    }
    Ok(found)
}

pub(crate) async fn stream_head(
    conn: &mut SqliteConnection,
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

/// The last version of each of `stream_ids`, in the order given, in one statement (the ids
/// passed as a JSON array: SQLite has no array parameters).
pub(crate) async fn stream_versions(
    conn: &mut SqliteConnection,
    stream_ids: &[&str],
) -> Result<Vec<Option<i64>>, StoreError> {
    let asked = serde_json::Value::from(stream_ids).to_string();
    let rows: Vec<(Option<i64>,)> = sqlx::query_as(
        "SELECT (SELECT max(stream_version) FROM events WHERE events.stream_id = asked.value) \
         FROM json_each($1) AS asked ORDER BY asked.key",
    )
    .bind(asked)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(version,)| version).collect())
}

pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    row: &PreparedRow<'_>,
    expected: crate::ExpectedVersion,
) -> Result<Position, StoreError> {
    let inserted: Result<(i64,), sqlx::Error> =
        insert_event!(row, "global_position").fetch_one(conn).await;
    match inserted {
        Ok((global_position,)) => Ok(at(global_position)),
        // Only another process writing the same file can race us past BEGIN IMMEDIATE.
        Err(error) if is_unique_violation(&error) => Err(StoreError::WrongExpectedVersion {
            stream_id: row.stream_id.to_owned(),
            expected,
            actual: None,
        }),
        Err(error) => Err(error.into()),
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}

pub(crate) async fn read_all(
    conn: &mut SqliteConnection,
    after: Position,
    limit: i64,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2"
    ))
    .bind(after.global_position)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    decode_rows!(rows, decode_event_row)
}

/// Events `from_version..=through_version` of one stream with their stored hashes: what a
/// stream read returns, and what an aggregate load verifies before upcasting.
pub(crate) async fn stored_stream(
    conn: &mut SqliteConnection,
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

/// The events with these ids, as stored, in log order; ids not in the log are skipped. One
/// statement per [`IDS_PER_STATEMENT`] ids, each bound (the ids are stored as blobs, which a
/// JSON array could not carry).
pub(crate) async fn stored_by_id(
    conn: &mut SqliteConnection,
    ids: &[Uuid],
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut query = sqlx::QueryBuilder::new(concat!(
            "SELECT ",
            columns!(),
            " FROM events WHERE event_id IN ("
        ));
        let mut each = query.separated(", ");
        for id in chunk {
            each.push_bind(*id);
        }
        query.push(")");
        let rows = query.build().fetch_all(&mut *conn).await?;
        let stored: Vec<StoredEvent> = decode_rows!(rows, decode_stored_row)?;
        found.extend(stored);
    }
    found.sort_by_key(|stored| stored.event.position);
    Ok(found)
}

/// Ids bound in one statement: far below SQLite's limit on bound parameters (32,766).
const IDS_PER_STATEMENT: usize = 500;

/// The first `limit` events of one stream with their stored hashes and, read in the same
/// statement (so in the same snapshot), the stream's anchored head: a verified load in one
/// round trip.
pub(crate) async fn anchored_stream_start(
    conn: &mut SqliteConnection,
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

pub(crate) async fn stored_page(
    conn: &mut SqliteConnection,
    after: Option<(&str, u64)>,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let (stream, version) = after.unwrap_or(("", 0));
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM events WHERE stream_id > $1 OR (stream_id = $1 AND stream_version > $2) \
          ORDER BY stream_id, stream_version LIMIT $3"
    ))
    .bind(stream)
    .bind(version as i64)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    decode_rows!(rows, decode_stored_row)
}

pub(crate) async fn head_position(
    conn: &mut SqliteConnection,
) -> Result<Option<Position>, StoreError> {
    let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT max(global_position) FROM events")
        .fetch_optional(conn)
        .await?;
    Ok(row.and_then(|(max,)| max).map(at))
}

pub(crate) async fn load_checkpoint(
    conn: &mut SqliteConnection,
    subscriber: &str,
) -> Result<Option<Position>, StoreError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT global_position FROM checkpoints WHERE subscriber = $1")
            .bind(subscriber)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(global,)| at(global)))
}

pub(crate) async fn save_checkpoint(
    conn: &mut SqliteConnection,
    subscriber: &str,
    position: Position,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO checkpoints (subscriber, epoch, transaction_id, global_position, updated_at) \
         VALUES ($1, 0, 0, $2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
         ON CONFLICT (subscriber) DO UPDATE SET global_position = excluded.global_position, \
           updated_at = excluded.updated_at",
    )
    .bind(subscriber)
    .bind(position.global_position)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn inbox_insert(
    conn: &mut SqliteConnection,
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
