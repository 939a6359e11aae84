//! Events and databases for the benchmarks.

use chrono::Utc;
use eventstore::{Actor, AppendToStream, EventMetadata, EventStore, ExpectedVersion, NewEvent};
use testkit::{BackendKind, TestDatabase};
use uuid::Uuid;

/// Which backends to run.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Backends {
    Postgres,
    Sqlite,
    Both,
}

impl Backends {
    pub(crate) fn kinds(self) -> Vec<BackendKind> {
        match self {
            Self::Postgres => vec![BackendKind::Postgres],
            Self::Sqlite => vec![BackendKind::Sqlite],
            Self::Both => vec![BackendKind::Postgres, BackendKind::Sqlite],
        }
    }
}

pub(crate) fn backend_name(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Postgres => "PostgreSQL",
        BackendKind::Sqlite => "SQLite",
    }
}

/// A realistic event: a referral status change with full metadata (~ 600 bytes stored).
pub(crate) fn event(n: u64) -> NewEvent {
    let metadata = EventMetadata {
        correlation_id: Uuid::new_v4(),
        causation_id: Some(Uuid::new_v4()),
        traceparent: Some(format!("00-{:032x}-{:016x}-01", n + 1, n + 1)),
        actor: Actor {
            id: "practitioner-7f3a9c".to_owned(),
            organisation: "Y01234".to_owned(),
            role: "link-worker".to_owned(),
        },
        data_subject: Some("hmac-sha256:5f1d0c7a93e24b8e9a7b3c1d2e4f6a8b".to_owned()),
        tenant: "QWE".to_owned(),
    };
    let body = serde_json::json!({
        "referral_id": format!("referral-{n}"),
        "from": "received",
        "to": "accepted",
        "reason": "capacity confirmed by the walking group coordinator",
        "owner": { "organisation": "VCSE-00042", "practitioner": "practitioner-7f3a9c" },
        "sequence": n,
    });
    NewEvent::json(
        Uuid::now_v7(),
        "referral_accepted",
        1,
        Utc::now(),
        &body,
        metadata,
    )
    .expect("serialisable")
}

/// A fresh database of the given kind and the store on it.
pub(crate) async fn fresh_store(
    kind: BackendKind,
    max_connections: u32,
) -> (TestDatabase, EventStore) {
    let database = TestDatabase::new(kind).await;
    let options = eventstore::StoreOptions {
        max_connections,
        ..Default::default()
    };
    let store = database.store_with(options).await;
    (database, store)
}

/// Loads `total` events in appends of `batch` events, spread over streams of `batch` events.
pub(crate) async fn load(store: &EventStore, total: u64, batch: u64) -> anyhow::Result<()> {
    let mut n = 0;
    while n < total {
        let events: Vec<_> = (n..(n + batch).min(total)).map(event).collect();
        let request = AppendToStream {
            stream_id: format!("referral-{}", n / batch),
            expected: ExpectedVersion::NoStream,
            events,
        };
        store.append_many(&[request]).await?;
        n += batch;
    }
    Ok(())
}

/// Events (or rows) per second.
pub(crate) fn rate(count: u64, elapsed: std::time::Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}
