//! Deciding on an aggregate loaded once (`aggregate::load_folded`, then `execute_loaded`): the
//! append expects the version loaded, so a write since the load is a conflict, never a lost
//! update.

use decider::Decider;
use eventstore::ExpectedVersion;
use eventstore::aggregate::{self, CommandError, Loaded};
use serde::{Deserialize, Serialize};
use testkit::{BackendKind, TestDatabase};

use crate::helpers::{event, metadata};

testkit::on_both_backends!(
    a_command_decided_on_a_load_appends_at_the_version_loaded,
    a_command_decided_on_an_overtaken_load_conflicts_and_writes_nothing,
);

/// Counts: each command records the next number. Its events are what `helpers::event` writes.
struct Counter;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Counted {
    n: u64,
}

impl aggregate::StoredEvent for Counted {
    fn event_type(&self) -> &'static str {
        "thing_happened"
    }
}

impl Decider for Counter {
    type State = u64;
    type Command = ();
    type Event = Counted;
    type Error = std::fmt::Error;

    fn decide(state: &u64, (): ()) -> Result<Vec<Counted>, std::fmt::Error> {
        Ok(vec![Counted { n: state + 1 }])
    }

    fn evolve(_: u64, event: &Counted) -> u64 {
        event.n
    }
}

async fn count(
    store: &eventstore::EventStore,
    loaded: &Loaded<u64>,
) -> Result<Vec<Counted>, CommandError<std::fmt::Error>> {
    let handled =
        aggregate::execute_loaded::<Counter>(store, "counter-1", loaded, (), 1, &metadata())
            .await?;
    Ok(handled.events)
}

async fn a_command_decided_on_a_load_appends_at_the_version_loaded(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let load = || aggregate::load_folded::<Counter>(&store, "counter-1");

    let empty = load().await.expect("load");
    assert_eq!(
        empty,
        Loaded {
            state: 0,
            version: 0
        }
    );
    let first = count(&store, &empty).await.expect("count on no stream");
    assert_eq!(first, vec![Counted { n: 1 }]);

    let one = load().await.expect("load");
    assert_eq!(
        one,
        Loaded {
            state: 1,
            version: 1
        }
    );
    count(&store, &one).await.expect("count on version 1");
    assert_eq!(
        load().await.expect("load"),
        Loaded {
            state: 2,
            version: 2
        }
    );
}

async fn a_command_decided_on_an_overtaken_load_conflicts_and_writes_nothing(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    for (loaded_at, expected) in [
        (0, ExpectedVersion::NoStream),
        (1, ExpectedVersion::Exact(1)),
    ] {
        let stale = aggregate::load_folded::<Counter>(&store, "counter-1")
            .await
            .expect("load");
        assert_eq!(stale.version, loaded_at);
        store
            .append("counter-1", expected, vec![event(loaded_at + 1)])
            .await
            .expect("another writer");

        let error = count(&store, &stale).await.expect_err("overtaken");
        assert!(
            matches!(&error, CommandError::Store(store_error) if store_error.is_conflict()),
            "{error}"
        );
        let version = store.stream_version("counter-1").await.expect("version");
        assert_eq!(version, Some(loaded_at + 1), "nothing written");
    }
}
