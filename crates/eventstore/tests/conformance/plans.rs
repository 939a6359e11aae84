//! PostgreSQL only: the log's statements keep to their indexes however the log grows, even on
//! a server that never analyses it (autovacuum off). SQLite plans every statement afresh from
//! its own schema, so it has nothing to show here.

use eventstore::{AppendToStream, ExpectedVersion, StoreOptions, Tx, on_conn};
use testkit::{BackendKind, TestDatabase};

use crate::helpers::{event, execute};

/// Twenty thousand events written behind the log's back, in streams of their own: enough that
/// a sequential scan is the wrong plan however the planner guesses the table's size.
const GROW_THE_LOG: &str = "\
    INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, \
        occurred_at, recorded_at, correlation_id, actor_id, actor_organisation, actor_role, \
        tenant, payload, content_hash, chain_hash) \
    SELECT gen_random_uuid(), 'bulk-' || g, 1, 'thing_happened', 1, now(), now(), \
        gen_random_uuid(), 'a', 'o', 'r', 'QWE', '\\x7b7d'::bytea, '\\x00'::bytea, '\\x00'::bytea \
    FROM generate_series(1, 20000) AS g";

/// An append's idempotency check (`event_id = ANY($2)`) run often enough on the empty log for
/// a cached generic plan to be chosen (a sequential scan there) must still use the event-id
/// index once the log has grown. One pooled connection, so every append reuses its statement.
#[tokio::test]
async fn an_append_finds_its_ids_by_index_after_the_log_has_grown_unanalysed() {
    let db = TestDatabase::new(BackendKind::Postgres).await;
    let options = StoreOptions {
        max_connections: 1,
        ..StoreOptions::default()
    };
    let store = db.store_with(options).await;
    for n in 1..=10 {
        let expected = match n {
            1 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(n - 1),
        };
        store
            .append("thing-1", expected, vec![event(n)])
            .await
            .expect("append");
    }
    execute(&store, GROW_THE_LOG).await;

    let mut tx = store.begin().await.expect("begin");
    let before = events_scanned(&mut tx).await;
    let request = AppendToStream {
        stream_id: "thing-1".to_owned(),
        expected: ExpectedVersion::Exact(10),
        events: vec![event(11)],
    };
    store.append_in(&mut tx, &[request]).await.expect("append");
    assert_eq!(
        events_scanned(&mut tx).await,
        before,
        "the append scanned the whole log"
    );
}

/// Sequential scans of `events` this backend has counted and not yet reported.
async fn events_scanned(tx: &mut Tx) -> i64 {
    let sql = "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'events'";
    let (scans,): (i64,) = on_conn!(tx, |conn| sqlx::query_as(sql).fetch_one(conn).await)
        .expect("read the backend's statistics");
    scans
}
