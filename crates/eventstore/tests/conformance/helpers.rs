//! Events and metadata for the suite.

use chrono::Utc;
use eventstore::{
    Actor, Backend, EventHandler, EventMetadata, EventStore, ExpectedVersion, HandlerError,
    NewEvent, RecordedEvent, Tx, on_conn,
};
use serde_json::json;
use uuid::Uuid;

pub(crate) fn metadata() -> EventMetadata {
    EventMetadata {
        correlation_id: Uuid::new_v4(),
        causation_id: Some(Uuid::new_v4()),
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned()),
        actor: Actor {
            id: "user-123".to_owned(),
            organisation: "Y01234".to_owned(),
            role: "link-worker".to_owned(),
        },
        data_subject: Some("hmac:7f1c".to_owned()),
        tenant: "QWE".to_owned(),
    }
}

/// A `thing_happened` v1 event numbered `n`.
pub(crate) fn event(n: u64) -> NewEvent {
    NewEvent::json(
        Uuid::now_v7(),
        "thing_happened",
        1,
        Utc::now(),
        &json!({ "n": n }),
        metadata(),
    )
    .expect("serialisable")
}

/// Runs a statement on the store's database (outside the log's API), for set-up and tampering.
pub(crate) async fn execute(store: &EventStore, sql: &'static str) {
    let mut tx = store.begin().await.expect("begin");
    on_conn!(tx, |conn| sqlx::query(sql).execute(conn).await.map(drop)).expect(sql);
    tx.commit().await.expect("commit");
}

/// Reads one integer with `sql`.
pub(crate) async fn scalar(store: &EventStore, sql: &'static str) -> i64 {
    let mut tx = store.begin().await.expect("begin");
    let (value,): (i64,) =
        on_conn!(tx, |conn| sqlx::query_as(sql).fetch_one(conn).await).expect(sql);
    tx.rollback().await.expect("rollback");
    value
}

/// A handler that records each event it applies in the `seen` table, inside the batch's
/// transaction (what a projection does).
#[derive(Debug, Default)]
pub(crate) struct RecordSeen;

pub(crate) const CREATE_SEEN: &str = "CREATE TABLE seen (event_id TEXT NOT NULL, event_type TEXT NOT NULL, schema_version BIGINT NOT NULL)";

impl EventHandler for RecordSeen {
    async fn handle(&mut self, tx: &mut Tx, event: &RecordedEvent) -> Result<(), HandlerError> {
        record_seen(tx, event).await
    }
}

pub(crate) async fn record_seen(tx: &mut Tx, event: &RecordedEvent) -> Result<(), HandlerError> {
    let sql = "INSERT INTO seen (event_id, event_type, schema_version) VALUES ($1, $2, $3)";
    let id = event.event_id.to_string();
    let version = i64::from(event.schema_version);
    on_conn!(tx, |conn| {
        let query = sqlx::query(sql)
            .bind(id)
            .bind(&event.event_type)
            .bind(version);
        query.execute(conn).await.map(drop)
    })?;
    Ok(())
}

/// The ids in `seen`, in the order they were recorded, duplicates kept.
pub(crate) async fn seen_ids(store: &EventStore) -> Vec<String> {
    let sql = "SELECT event_id FROM seen";
    let mut tx = store.begin().await.expect("begin");
    let rows: Vec<(String,)> =
        on_conn!(tx, |conn| sqlx::query_as(sql).fetch_all(conn).await).expect(sql);
    tx.rollback().await.expect("rollback");
    rows.into_iter().map(|(id,)| id).collect()
}

/// Turns off every guard the database keeps on the log (the append-only triggers on `events`,
/// `stream_heads` and `head_checkpoints`), as someone with the database owner's rights could.
pub(crate) async fn bypass_guards(store: &EventStore) {
    let statements: &[&'static str] = match store.backend() {
        Backend::Postgres => &[
            "ALTER TABLE events DISABLE TRIGGER events_append_only",
            "ALTER TABLE stream_heads DISABLE TRIGGER stream_heads_forward",
            "ALTER TABLE head_checkpoints DISABLE TRIGGER head_checkpoints_append_only",
        ],
        Backend::Sqlite => &[
            "DROP TRIGGER IF EXISTS events_no_update",
            "DROP TRIGGER IF EXISTS events_no_delete",
            "DROP TRIGGER IF EXISTS stream_heads_no_delete",
            "DROP TRIGGER IF EXISTS stream_heads_forward_only",
            "DROP TRIGGER IF EXISTS head_checkpoints_no_update",
            "DROP TRIGGER IF EXISTS head_checkpoints_no_delete",
        ],
    };
    for sql in statements {
        execute(store, sql).await;
    }
}

/// Appends three events to each of `thing-a`, `thing-b` and `thing-c`.
pub(crate) async fn seed_three_streams(store: &EventStore) {
    for stream in ["thing-a", "thing-b", "thing-c"] {
        store
            .append(
                stream,
                ExpectedVersion::NoStream,
                vec![event(1), event(2), event(3)],
            )
            .await
            .expect("append");
    }
}

/// Flips one bit of the payload of `stream_id` at `version` behind the store's back (the
/// guards must already be off): `{"n":2}` becomes `{"n":3}`.
pub(crate) async fn flip_payload_bit(store: &EventStore, stream_id: &str, version: u64) {
    let target = &store
        .read_stream(stream_id, version, 1)
        .await
        .expect("read")[0];
    let mut payload = target.payload.clone();
    let digit = payload.len() - 2;
    payload[digit] ^= 0x01;
    let sql = "UPDATE events SET payload = $1 WHERE event_id = $2";
    let mut tx = store.begin().await.expect("begin");
    on_conn!(tx, |conn| {
        sqlx::query(sql)
            .bind(&payload)
            .bind(target.event_id)
            .execute(conn)
            .await
            .map(drop)
    })
    .expect("tamper");
    tx.commit().await.expect("commit");
}
