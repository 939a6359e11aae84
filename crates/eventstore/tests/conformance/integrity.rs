//! Integrity: the database refuses changes; verification catches what bypasses it.

use eventstore::{ExpectedVersion, LinkProblem, TxConn};
use testkit::{BackendKind, TestDatabase};

use crate::helpers::{event, execute};

testkit::on_both_backends!(
    database_refuses_update_and_delete,
    verify_names_the_event_whose_byte_was_changed,
    verify_names_the_gap_left_by_a_deleted_event,
);

async fn database_refuses_update_and_delete(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    store
        .append("thing-1", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("append");
    let statements = [
        "UPDATE events SET event_type = 'tampered'",
        "DELETE FROM events",
    ];
    for sql in statements {
        let mut tx = store.begin().await.expect("begin");
        let refused = match tx.conn() {
            TxConn::Postgres(conn) => sqlx::query(sql).execute(conn).await.map(drop),
            TxConn::Sqlite(conn) => sqlx::query(sql).execute(conn).await.map(drop),
        };
        let error = refused.expect_err(sql).to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    if kind == BackendKind::Postgres {
        let mut tx = store.begin().await.expect("begin");
        if let TxConn::Postgres(conn) = tx.conn() {
            let error = sqlx::query("TRUNCATE events")
                .execute(conn)
                .await
                .expect_err("truncate");
            assert!(error.to_string().contains("append-only"));
        }
    }
    assert!(store.verify().await.expect("verify").is_intact());
}

/// Turns the append-only trigger off, as someone with the database owner's rights could.
async fn bypass_append_only(store: &eventstore::EventStore, kind: BackendKind) {
    match kind {
        BackendKind::Postgres => {
            execute(
                store,
                "ALTER TABLE events DISABLE TRIGGER events_append_only",
            )
            .await;
        }
        BackendKind::Sqlite => {
            execute(store, "DROP TRIGGER events_no_update").await;
            execute(store, "DROP TRIGGER events_no_delete").await;
        }
    }
}

async fn seed_three_streams(store: &eventstore::EventStore) {
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

async fn verify_names_the_event_whose_byte_was_changed(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    seed_three_streams(&store).await;
    let report = store.verify().await.expect("verify");
    assert!(report.is_intact());
    assert_eq!((report.streams_checked, report.events_checked), (3, 9));

    bypass_append_only(&store, kind).await;
    let target = &store.read_stream("thing-b", 2, 1).await.expect("read")[0];
    let mut payload = target.payload.clone();
    let digit = payload.len() - 2; // the payload is {"n":2}: flip one bit so "2" becomes "3"
    payload[digit] ^= 0x01;
    let sql = "UPDATE events SET payload = $1 WHERE event_id = $2";
    let mut tx = store.begin().await.expect("begin");
    match tx.conn() {
        TxConn::Postgres(conn) => sqlx::query(sql)
            .bind(&payload)
            .bind(target.event_id)
            .execute(conn)
            .await
            .map(drop),
        TxConn::Sqlite(conn) => sqlx::query(sql)
            .bind(&payload)
            .bind(target.event_id)
            .execute(conn)
            .await
            .map(drop),
    }
    .expect("tamper");
    tx.commit().await.expect("commit");

    let report = store.verify().await.expect("verify");
    let broken = report.first_broken.expect("the change is detected");
    assert_eq!(broken.stream_id, "thing-b");
    assert_eq!(broken.stream_version, 2);
    assert_eq!(broken.global_position, target.position.global_position);
    assert_eq!(broken.problem, LinkProblem::ContentChanged);
    assert_eq!(report.events_checked, 4, "thing-a and thing-b v1 were fine");
}

async fn verify_names_the_gap_left_by_a_deleted_event(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    seed_three_streams(&store).await;
    bypass_append_only(&store, kind).await;
    execute(
        &store,
        "DELETE FROM events WHERE stream_id = 'thing-c' AND stream_version = 2",
    )
    .await;

    let broken = store
        .verify()
        .await
        .expect("verify")
        .first_broken
        .expect("detected");
    assert_eq!(
        (broken.stream_id.as_str(), broken.stream_version),
        ("thing-c", 3)
    );
    assert_eq!(broken.problem, LinkProblem::VersionGap { expected: 2 });
}
