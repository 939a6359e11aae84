//! A producing service (its log and relay) and a consuming service (its database, inbox and
//! one consumer) wired through a bus of the test's own.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use eventstore::{
    Actor, EventMetadata, EventStore, ExpectedVersion, HandlerError, NewEvent, Tx, TxConn,
};
use messaging::{
    Bus, BusHandler, BusNames, BusWiring, Consumer, ConsumerSettings, InProcessBus, ReceivedEvent,
    Relay, RelaySettings, StreamSettings,
};
use serde_json::json;
use testkit::{TestDatabase, TestNats};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusKind {
    JetStream,
    InProcess,
}

/// Keeps the bus's backing resources alive for the test.
#[derive(Debug)]
pub enum BusHome {
    Nats(TestNats),
    InProcess(tempfile::TempDir),
}

/// A bus of the test's own — NATS JetStream under a subject prefix of its own, or the
/// in-process bus in a temporary folder — and what keeps it there for as long as the test
/// holds it.
pub async fn own_bus(kind: BusKind) -> (BusWiring, BusHome) {
    match kind {
        BusKind::JetStream => {
            let nats = TestNats::connect().await;
            let wiring = BusWiring {
                bus: Bus::jetstream(nats.jetstream()),
                prefix: nats.prefix.clone(),
            };
            (wiring, BusHome::Nats(nats))
        }
        BusKind::InProcess => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let url = format!("sqlite://{}", dir.path().join("bus.sqlite").display());
            let bus = InProcessBus::open(&url)
                .await
                .expect("open the in-process bus");
            let wiring = BusWiring {
                bus: Bus::InProcess(bus),
                prefix: "t".to_owned(),
            };
            (wiring, BusHome::InProcess(dir))
        }
    }
}

#[derive(Debug)]
pub struct World {
    pub producer: EventStore,
    pub consumer_store: EventStore,
    pub bus: Bus,
    pub names: BusNames,
    pub settings: RelaySettings,
    _producer_db: TestDatabase,
    _consumer_db: TestDatabase,
    _home: BusHome,
}

impl World {
    pub async fn new(kind: BusKind, stream: StreamSettings) -> Self {
        testkit::init_logging();
        let (wiring, home) = own_bus(kind).await;
        Self::assemble(wiring.bus, &wiring.prefix, home, stream).await
    }

    pub async fn assemble(bus: Bus, prefix: &str, home: BusHome, stream: StreamSettings) -> Self {
        let producer_db = TestDatabase::postgres().await;
        let consumer_db = TestDatabase::postgres().await;
        let consumer_store = consumer_db.store().await;
        execute(
            &consumer_store,
            "CREATE TABLE applied (event_id UUID NOT NULL, traceparent TEXT)",
        )
        .await;
        Self {
            producer: producer_db.store().await,
            consumer_store,
            bus,
            names: BusNames::new(prefix, "referral"),
            settings: RelaySettings {
                window: 8,
                batch_size: 100,
                poll_interval: Duration::from_millis(100),
                max_backoff: Duration::from_millis(500),
                stream,
            },
            _producer_db: producer_db,
            _consumer_db: consumer_db,
            _home: home,
        }
    }

    pub fn relay(&self) -> Relay {
        Relay::new(
            self.producer.clone(),
            self.bus.clone(),
            self.names.clone(),
            self.settings.clone(),
        )
    }

    pub fn consumer(&self) -> Consumer {
        let mut settings = ConsumerSettings::new(
            "outcomes-from-referral",
            &self.names.stream_name(),
            &self.names.all_subjects(),
        );
        settings.retry_delay = Duration::from_millis(100);
        Consumer::new(self.consumer_store.clone(), self.bus.clone(), settings)
    }

    /// Appends `count` events spread over a few streams; returns their ids.
    pub async fn append(&self, count: usize) -> Vec<Uuid> {
        let mut ids = Vec::new();
        for n in 0..count {
            let event = new_event(n, None);
            ids.push(event.event_id);
            let stream = format!("referral-{}", n % 7);
            self.producer
                .append(&stream, ExpectedVersion::Any, vec![event])
                .await
                .expect("append");
        }
        ids
    }

    /// Waits until the consumer has applied `count` effects (or 60 s), then returns the ids
    /// it applied, duplicates kept.
    pub async fn wait_applied(&self, count: usize) -> Vec<Uuid> {
        // Generous: a slow shared disk makes every fsync slow; a real loss never arrives at all.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
        loop {
            let applied = applied_ids(&self.consumer_store).await;
            if applied.len() >= count || tokio::time::Instant::now() > deadline {
                return applied;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn new_event(n: usize, traceparent: Option<String>) -> NewEvent {
    let metadata = EventMetadata {
        correlation_id: Uuid::new_v4(),
        causation_id: None,
        traceparent,
        actor: Actor {
            id: "gp-1".to_owned(),
            organisation: "Y01234".to_owned(),
            role: "referrer".to_owned(),
        },
        data_subject: Some(format!("hmac:{n}")),
        tenant: "QWE".to_owned(),
    };
    NewEvent::json(
        Uuid::now_v7(),
        "referral_requested",
        1,
        Utc::now(),
        &json!({ "n": n }),
        metadata,
    )
    .expect("serialisable")
}

/// A task running until its stop handle is used or it is aborted.
#[derive(Debug)]
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Stops cleanly and waits.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        self.task.await.ok();
    }

    /// Kills the task wherever it is, as a crash would.
    pub async fn kill(self) {
        self.task.abort();
        self.task.await.ok();
    }
}

pub fn start_relay(relay: Relay) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        relay.run(async { stopped.await.unwrap_or(()) }).await;
    });
    Running {
        stop: Some(stop),
        task,
    }
}

pub fn start_consumer(consumer: Consumer) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        consumer
            .run(&mut RecordApplied, async { stopped.await.unwrap_or(()) })
            .await;
    });
    Running {
        stop: Some(stop),
        task,
    }
}

/// The effect under test: one row per applied event, written in the consumer's transaction.
#[derive(Debug)]
pub struct RecordApplied;

impl BusHandler for RecordApplied {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let traceparent = telemetry::current_traceparent();
        if let TxConn::Postgres(conn) = tx.conn() {
            sqlx::query("INSERT INTO applied (event_id, traceparent) VALUES ($1, $2)")
                .bind(received.event.event_id)
                .bind(traceparent)
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}

pub async fn execute(store: &EventStore, sql: &'static str) {
    sqlx::query(sql)
        .execute(store.pg_pool().expect("postgres"))
        .await
        .expect(sql);
}

pub async fn applied_ids(store: &EventStore) -> Vec<Uuid> {
    let rows: Vec<(Uuid,)> = sqlx::query_as("SELECT event_id FROM applied")
        .fetch_all(store.pg_pool().expect("postgres"))
        .await
        .expect("applied");
    rows.into_iter().map(|(id,)| id).collect()
}

/// Asserts each of `expected` was applied exactly once and nothing else was.
pub fn assert_exactly_once(applied: &[Uuid], expected: &[Uuid]) {
    let unique: HashSet<_> = applied.iter().collect();
    assert_eq!(unique.len(), applied.len(), "some effect was applied twice");
    let expected: HashSet<_> = expected.iter().collect();
    assert_eq!(
        unique, expected,
        "applied effects differ from the events appended"
    );
}
