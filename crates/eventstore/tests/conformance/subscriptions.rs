//! Subscriptions: checkpoints commit with effects, upcasting on every path, prompt wake-ups.

use std::time::Duration;

use eventstore::{
    EventHandler, EventStore, ExpectedVersion, HandlerError, RecordedEvent, Subscription,
    SubscriptionError, Tx, Upcasters,
};
use serde_json::{Value, json};
use testkit::{BackendKind, TestDatabase, committed_events};

use crate::helpers::{CREATE_SEEN, RecordSeen, event, execute, record_seen, scalar, seen_ids};

testkit::on_both_backends!(
    failed_batch_rolls_back_effects_and_checkpoint_together,
    old_events_are_upcast_on_load_read_all_and_subscription,
    running_subscription_wakes_on_append_without_waiting_for_the_poll,
);

/// Fails on the third event it is given, once.
struct FailOnce {
    calls: usize,
}

impl EventHandler for FailOnce {
    async fn handle(&mut self, tx: &mut Tx, event: &RecordedEvent) -> Result<(), HandlerError> {
        self.calls += 1;
        if self.calls == 3 {
            return Err("projection table is full".into());
        }
        record_seen(tx, event).await
    }
}

async fn failed_batch_rolls_back_effects_and_checkpoint_together(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    execute(&store, CREATE_SEEN).await;
    let events: Vec<_> = (1..=5).map(event).collect();
    store
        .append("thing-1", ExpectedVersion::NoStream, events)
        .await
        .expect("append");
    // The first batch must see all five, so wait out other tests' transactions first.
    assert_eq!(committed_events(&store).await.len(), 5);
    let subscription = Subscription::new(store.clone(), "projection").batch_size(10);

    let mut handler = FailOnce { calls: 0 };
    let failed = subscription.process_batch(&mut handler).await;
    assert!(matches!(failed, Err(SubscriptionError::Handler { .. })));
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM seen").await,
        0,
        "effects rolled back"
    );
    assert_eq!(subscription.checkpoint().await.expect("checkpoint"), None);

    assert_eq!(subscription.catch_up(&mut handler).await.expect("retry"), 5);
    assert_eq!(seen_ids(&store).await.len(), 5);
    let head = store
        .last_committed_position()
        .await
        .expect("head")
        .expect("not empty");
    assert_eq!(
        subscription.checkpoint().await.expect("checkpoint"),
        Some(head)
    );
    assert_eq!(subscription.catch_up(&mut handler).await.expect("idle"), 0);
}

fn upcasters() -> Upcasters {
    Upcasters::new()
        .register("thing_happened", 1, "thing_happened", |mut body: Value| {
            let n = body["n"].as_u64().ok_or("n is missing")?;
            body["label"] = json!(format!("thing {n}"));
            Ok(body)
        })
        .register("thing_happened", 2, "thing_occurred", Ok)
}

async fn old_events_are_upcast_on_load_read_all_and_subscription(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    db.store()
        .await
        .append("thing-1", ExpectedVersion::NoStream, vec![event(7)])
        .await
        .expect("stored as v1");

    let store = db.store().await.with_upcasters(upcasters());
    let check = |event: &RecordedEvent| {
        assert_eq!(
            (event.event_type.as_str(), event.schema_version),
            ("thing_occurred", 3)
        );
        let body: Value = event.decode().expect("json");
        assert_eq!(body, json!({ "n": 7, "label": "thing 7" }));
    };
    check(&store.load_stream("thing-1").await.expect("load")[0]);
    let all = committed_events(&store).await;
    check(all.first().expect("the event becomes visible"));

    execute(&store, CREATE_SEEN).await;
    Subscription::new(store.clone(), "projection")
        .catch_up(&mut RecordSeen)
        .await
        .expect("catch up");
    let sql = "SELECT schema_version FROM seen WHERE event_type = 'thing_occurred'";
    assert_eq!(
        scalar(&store, sql).await,
        3,
        "the subscriber saw the upcast event"
    );
    assert!(
        store.verify().await.expect("verify").is_intact(),
        "stored bytes untouched"
    );
}

/// A running subscription that records what it sees, with a poll interval so long that within
/// a test only a wake-up (or its own retry) can make it look again.
struct IdleSubscriber {
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<()>,
}

impl IdleSubscriber {
    /// Starts it on `store` (with the `seen` table made) and lets it reach its idle wait.
    async fn start(store: &EventStore) -> Self {
        execute(store, CREATE_SEEN).await;
        let subscription =
            Subscription::new(store.clone(), "projection").poll_interval(Duration::from_secs(600));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(async move {
            subscription
                .run(&mut RecordSeen, async { stopped.await.ok().unwrap_or(()) })
                .await;
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        Self { stop, running }
    }

    /// Whether it has seen an event within 20 s; stops it either way.
    async fn saw_an_event(self, store: &EventStore) -> bool {
        let saw = tokio::time::timeout(Duration::from_secs(20), async {
            while seen_ids(store).await.is_empty() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        self.stop.send(()).ok();
        self.running.await.expect("subscription task");
        saw.is_ok()
    }
}

async fn running_subscription_wakes_on_append_without_waiting_for_the_poll(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let subscriber = IdleSubscriber::start(&store).await;

    // On PostgreSQL a second store on the same database stands for another process (no shared
    // memory), woken by NOTIFY. SQLite runs in one process, woken in memory.
    let appender = match kind {
        BackendKind::Postgres => db.store().await,
        BackendKind::Sqlite => store.clone(),
    };
    appender
        .append("thing-1", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("append");
    assert!(
        subscriber.saw_an_event(&store).await,
        "the subscriber was not woken by the append"
    );
}

/// PostgreSQL only: SQLite has one writer at a time, so nothing can hold a commit back.
/// An unrelated transaction that began before an append holds the event out of sight; when it
/// ends it sends no notification (it appended nothing), yet the subscriber must still see the
/// event promptly rather than at its next poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_woken_too_early_looks_again_when_the_older_transaction_ends() {
    use sqlx::Connection;

    let db = TestDatabase::new(BackendKind::Postgres).await;
    let store = db.store().await;
    let subscriber = IdleSubscriber::start(&store).await;

    let mut older = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let mut blocker = older.begin().await.expect("begin");
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *blocker)
        .await
        .expect("take a transaction id");
    db.store()
        .await
        .append("thing-1", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("append");
    // The append's notification has woken the subscriber by now, to find nothing readable.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        seen_ids(&store).await.is_empty(),
        "the horizon held it back"
    );
    blocker.commit().await.expect("end the older transaction");
    assert!(
        subscriber.saw_an_event(&store).await,
        "the subscriber waited for its next poll"
    );
}
