//! Concurrency: one winner per expected version; a tailing reader never skips a late commit.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use eventstore::{AppendToStream, ExpectedVersion, StoreError, StoreOptions, Subscription, TxConn};
use rand::Rng;
use testkit::{BackendKind, TestDatabase, committed_events};
use tokio::sync::Barrier;

use crate::helpers::{CREATE_SEEN, RecordSeen, event, execute, seen_ids};

testkit::on_both_backends!(
    fifty_concurrent_appends_at_one_version_have_one_winner,
    tailing_subscriber_sees_every_commit_of_slow_concurrent_writers_once,
    only_one_process_leads_at_a_time,
);

async fn fifty_concurrent_appends_at_one_version_have_one_winner(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let options = StoreOptions {
        max_connections: 25,
        ..StoreOptions::default()
    };
    let store = db.store_with(options).await;
    store
        .append("thing-1", ExpectedVersion::NoStream, vec![event(0)])
        .await
        .expect("create");

    let barrier = Arc::new(Barrier::new(50));
    let racers: Vec<_> = (0..50)
        .map(|n| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .append("thing-1", ExpectedVersion::Exact(1), vec![event(n)])
                    .await
            })
        })
        .collect();
    let (mut won, mut conflicted) = (0, 0);
    for racer in racers {
        match racer.await.expect("racer") {
            Ok(appended) => {
                assert_eq!(appended.last_version(), 2);
                won += 1;
            }
            Err(error @ StoreError::WrongExpectedVersion { .. }) => {
                assert!(error.is_conflict());
                conflicted += 1;
            }
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!((won, conflicted), (1, 49));
    assert_eq!(
        store.stream_version("thing-1").await.expect("version"),
        Some(2)
    );
}

/// T5: 32 writers keep their transactions open for random times (so positions are taken in one
/// order and committed in another), a tenth of them roll back, and a subscriber tails the log
/// throughout. It must end with every committed event exactly once.
async fn tailing_subscriber_sees_every_commit_of_slow_concurrent_writers_once(kind: BackendKind) {
    const WRITERS: u64 = 32;
    const APPENDS_EACH: u64 = 8;
    let db = TestDatabase::new(kind).await;
    let options = StoreOptions {
        max_connections: 40,
        ..StoreOptions::default()
    };
    let store = db.store_with(options).await;
    execute(&store, CREATE_SEEN).await;

    let subscription = Subscription::new(store.clone(), "tail")
        .batch_size(7)
        .poll_interval(Duration::from_millis(20));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let tail = tokio::spawn(async move {
        subscription
            .run(&mut RecordSeen, async {
                stopped.await.ok();
            })
            .await;
    });

    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move { slow_writer(store, writer, APPENDS_EACH).await })
        })
        .collect();
    let mut committed = HashSet::new();
    for writer in writers {
        committed.extend(writer.await.expect("writer"));
    }
    assert!(
        committed.len() as u64 > WRITERS * APPENDS_EACH / 2,
        "most writers committed"
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    let mut seen = seen_ids(&store).await;
    while seen.len() < committed.len() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen = seen_ids(&store).await;
    }
    stop.send(()).ok();
    tail.await.expect("subscriber");

    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no event was applied twice");
    assert_eq!(
        unique, committed,
        "the subscriber saw exactly the committed events"
    );
    assert_eq!(
        committed_events(&store).await.len(),
        committed.len(),
        "rolled-back appends left nothing"
    );
}

/// Appends `count` events one transaction at a time, holding each open for a random time and
/// rolling back about one in ten. Returns the ids it committed.
async fn slow_writer(store: eventstore::EventStore, writer: u64, count: u64) -> Vec<String> {
    let mut committed = Vec::new();
    for n in 0..count {
        let (hold_ms, roll_back) = {
            let mut rng = rand::rng();
            (rng.random_range(0..40u64), rng.random_bool(0.1))
        };
        let new = event(writer * 1000 + n);
        let id = new.event_id.to_string();
        let request = AppendToStream {
            stream_id: format!("writer-{writer}"),
            expected: ExpectedVersion::Any,
            events: vec![new],
        };
        let mut tx = store.begin().await.expect("begin");
        store.append_in(&mut tx, &[request]).await.expect("append");
        match tx.conn() {
            TxConn::Postgres(conn) => {
                sqlx::query("SELECT pg_sleep($1)")
                    .bind(hold_ms as f64 / 1000.0)
                    .execute(conn)
                    .await
                    .expect("sleep inside the transaction");
            }
            TxConn::Sqlite(_) => tokio::time::sleep(Duration::from_millis(hold_ms / 4)).await,
        }
        if roll_back {
            tx.rollback().await.expect("rollback");
        } else {
            tx.commit().await.expect("commit");
            committed.push(id);
        }
    }
    committed
}

async fn only_one_process_leads_at_a_time(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let first_process = db.store().await;
    let second_process = db.store().await;
    let leader = first_process
        .try_lead("relay-referral")
        .await
        .expect("lead");
    let leader = leader.expect("nobody led before");
    assert!(leader.is_held());
    assert!(
        second_process
            .try_lead("relay-referral")
            .await
            .expect("try")
            .is_none()
    );
    assert!(
        second_process
            .try_lead("relay-directory")
            .await
            .expect("try")
            .is_some()
    );

    drop(leader);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if second_process
            .try_lead("relay-referral")
            .await
            .expect("try")
            .is_some()
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "leadership was not released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
