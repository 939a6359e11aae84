//! The access audit: records round-trip, N reads make N rows, and the database refuses to
//! change or remove them (security.md T17).

use chrono::{Duration, SubsecRound, Utc};
use eventstore::{AccessOutcome, AccessRecord, EventStore, ExpectedVersion, TxConn};
use testkit::{BackendKind, TestDatabase};
use uuid::Uuid;

use crate::helpers::{event, scalar};

testkit::on_both_backends!(
    access_records_read_back_newest_first,
    n_reads_make_n_rows,
    the_database_refuses_to_change_the_audit,
    audit_writes_and_appends_interleave,
);

fn read_of(subject: Option<&str>, record: &str, minutes_ago: i64) -> AccessRecord {
    AccessRecord {
        at: Utc::now().trunc_subsecs(6) - Duration::minutes(minutes_ago),
        user: "user-123".to_owned(),
        organisation: "Y01234".to_owned(),
        role: "link-worker".to_owned(),
        subject: subject.map(str::to_owned),
        function: "referral.GetHandoffTrail".to_owned(),
        record: record.to_owned(),
        correlation_id: Uuid::new_v4(),
        outcome: AccessOutcome::Allowed,
    }
}

async fn access_records_read_back_newest_first(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let oldest = read_of(Some("hmac:aaa"), "referral-1", 30);
    let denied = AccessRecord {
        outcome: AccessOutcome::Denied,
        role: "vcse-volunteer".to_owned(),
        ..read_of(Some("hmac:aaa"), "referral-2", 20)
    };
    let newest = read_of(Some("hmac:aaa"), "referral-1", 10);
    let someone_else = read_of(Some("hmac:bbb"), "referral-3", 5);
    let no_subject = read_of(None, "referral-1", 1);
    store
        .record_access(&[oldest.clone(), denied.clone(), newest.clone()])
        .await
        .expect("record");
    store
        .record_access(&[someone_else.clone(), no_subject.clone()])
        .await
        .expect("record");
    store.record_access(&[]).await.expect("nothing to record");

    let to_aaa = store.accesses_to("hmac:aaa", 10).await.expect("read");
    assert_eq!(to_aaa, [newest.clone(), denied, oldest.clone()]);
    let latest = store.accesses_to("hmac:aaa", 1).await.expect("read");
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0], newest);
    let by_record = store
        .accesses_by_record("referral-1", 10)
        .await
        .expect("read");
    assert_eq!(by_record, [no_subject, newest, oldest]);
    assert!(
        store
            .accesses_to("hmac:zzz", 10)
            .await
            .expect("read")
            .is_empty()
    );
}

async fn n_reads_make_n_rows(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    // More than one INSERT's worth, in one call and then one by one.
    let batch: Vec<_> = (0..250)
        .map(|i| read_of(Some("hmac:ccc"), &format!("referral-{i}"), i))
        .collect();
    store.record_access(&batch).await.expect("record");
    for i in 0..7 {
        let record = format!("directory-{i}");
        store
            .record_access(&[read_of(None, &record, 0)])
            .await
            .expect("record");
    }
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM access_audit").await,
        257
    );
    let to_ccc = store.accesses_to("hmac:ccc", 1000).await.expect("read");
    assert_eq!(to_ccc.len(), 250);
    assert_eq!(to_ccc[0], batch[0], "newest first");
}

async fn the_database_refuses_to_change_the_audit(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    store
        .record_access(&[read_of(Some("hmac:aaa"), "referral-1", 0)])
        .await
        .expect("record");
    let mut statements = vec![
        "UPDATE access_audit SET outcome = 'denied'",
        "UPDATE access_audit SET subject = NULL",
        "DELETE FROM access_audit",
    ];
    if kind == BackendKind::Postgres {
        statements.push("TRUNCATE access_audit");
    }
    for sql in statements {
        let mut tx = store.begin().await.expect("begin");
        let refused = match tx.conn() {
            TxConn::Postgres(conn) => sqlx::query(sql).execute(conn).await.map(drop),
            TxConn::Sqlite(conn) => sqlx::query(sql).execute(conn).await.map(drop),
        };
        let error = refused.expect_err(sql).to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    let kept = store.accesses_to("hmac:aaa", 10).await.expect("read");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].outcome, AccessOutcome::Allowed);
}

/// Audit writes share SQLite's single writer with appends: neither fails under the other.
async fn audit_writes_and_appends_interleave(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store: EventStore = store.clone();
            tokio::spawn(async move {
                for n in 1..=5 {
                    let expected = match n {
                        1 => ExpectedVersion::NoStream,
                        n => ExpectedVersion::Exact(n - 1),
                    };
                    let stream = format!("thing-{i}");
                    store.append(&stream, expected, vec![event(n)]).await?;
                    store
                        .record_access(&[read_of(Some("hmac:ddd"), &stream, 0)])
                        .await?;
                }
                Ok::<_, eventstore::StoreError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("append and audit");
    }
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM access_audit").await,
        80
    );
    assert!(store.check_heads().await.expect("check").is_intact());
}
