//! Anchored heads: what a valid chain prefix hides (deleted last events, deleted streams,
//! forged heads) is caught by `check_heads` and `verify`, and refused by appends and loads.

use eventstore::aggregate::{self, CommandError};
use eventstore::{
    BrokenLink, EventStore, ExpectedVersion, HeadProblem, LinkProblem, StoreError, StoreOptions,
};
use serde::{Deserialize, Serialize};
use testkit::{BackendKind, TestDatabase};

use crate::helpers::{bypass_guards, event, execute, flip_payload_bit, seed_three_streams};

testkit::on_both_backends!(
    an_intact_log_checks_intact,
    deleting_the_last_event_is_detected_and_the_stream_refused,
    deleting_a_whole_stream_is_detected_against_a_checkpoint,
    a_forged_head_is_detected_and_the_stream_refused,
    a_store_opened_with_another_key_reports_forged_anchors,
    a_changed_middle_event_makes_an_aggregate_load_refuse,
    a_long_stream_is_verified_across_pages,
    streams_written_before_anchoring_are_adopted_once,
);

const KEY: [u8; 32] = [0x5a; 32];

fn keyed(key: Option<[u8; 32]>) -> StoreOptions {
    StoreOptions {
        anchor_key: key,
        ..StoreOptions::default()
    }
}

/// The payload `helpers::event` writes, as an aggregate's event.
#[derive(Debug, Serialize, Deserialize)]
struct Thing {
    n: u64,
}

impl aggregate::StoredEvent for Thing {
    fn event_type(&self) -> &'static str {
        "thing_happened"
    }
}

async fn load(
    store: &EventStore,
    stream_id: &str,
) -> Result<Vec<u64>, CommandError<std::fmt::Error>> {
    let things = aggregate::load::<Thing, std::fmt::Error>(store, stream_id).await?;
    Ok(things.iter().map(|thing| thing.n).collect())
}

/// The first problem `check_heads` finds, which `verify` must report too.
async fn first_problem(store: &EventStore) -> BrokenLink {
    let broken = store
        .check_heads()
        .await
        .expect("check heads")
        .first_broken
        .expect("check_heads detects it");
    let verified = store.verify().await.expect("verify").first_broken;
    assert_eq!(verified.as_ref(), Some(&broken), "verify reports it too");
    broken
}

fn head(problem: HeadProblem) -> LinkProblem {
    LinkProblem::Head(problem)
}

/// Asserts that appending to and loading `stream_id` are both refused as tampered.
async fn assert_refused(store: &EventStore, stream_id: &str) {
    for expected in [ExpectedVersion::Any, ExpectedVersion::StreamExists] {
        let error = store
            .append(stream_id, expected, vec![event(9)])
            .await
            .expect_err("an append to a tampered stream is refused");
        assert!(
            matches!(&error, StoreError::Tampered { stream_id: s, .. } if s == stream_id),
            "{error}"
        );
    }
    match load(store, stream_id).await {
        Err(CommandError::Store(StoreError::Tampered { stream_id: s, .. })) => {
            assert_eq!(s, stream_id);
        }
        other => panic!("a load of a tampered stream must be refused, got {other:?}"),
    }
}

async fn an_intact_log_checks_intact(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store_with(keyed(Some(KEY))).await;
    assert!(store.anchors_keyed());
    seed_three_streams(&store).await;
    let report = store.check_heads().await.expect("check");
    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert_eq!((report.streams_checked, report.events_counted), (3, 9));

    let checkpoint = store.checkpoint_heads().await.expect("checkpoint");
    assert_eq!((checkpoint.streams, checkpoint.events), (3, 9));
    store
        .append("thing-a", ExpectedVersion::Exact(3), vec![event(4)])
        .await
        .expect("append after the checkpoint");
    let report = store.check_heads().await.expect("check");
    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert_eq!(report.events_counted, 10);
    let at_checkpoint = report.checkpoint.map(|c| (c.streams, c.events));
    assert_eq!(at_checkpoint, Some((3, 9)));
    let verified = store.verify().await.expect("verify");
    assert!(verified.is_intact(), "{:?}", verified.first_broken);
    assert_eq!(load(&store, "thing-a").await.expect("load"), [1, 2, 3, 4]);
    assert_eq!(load(&store, "thing-new").await.expect("load"), [0u64; 0]);
}

async fn deleting_the_last_event_is_detected_and_the_stream_refused(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store_with(keyed(Some(KEY))).await;
    seed_three_streams(&store).await;
    bypass_guards(&store).await;
    execute(
        &store,
        "DELETE FROM events WHERE stream_id = 'thing-b' AND stream_version = 3",
    )
    .await;

    let broken = first_problem(&store).await;
    assert_eq!(
        (broken.stream_id.as_str(), broken.stream_version),
        ("thing-b", 2)
    );
    let truncated = HeadProblem::Truncated {
        anchored_version: 3,
        found_version: 2,
    };
    assert_eq!(broken.problem, head(truncated));
    assert!(broken.to_string().contains("thing-b"), "{broken}");
    let walked = store.verify().await.expect("verify");
    assert_eq!((walked.streams_checked, walked.events_checked), (3, 8));

    assert_refused(&store, "thing-b").await;
    assert_eq!(store.stream_version("thing-b").await.expect("v"), Some(2));
    store
        .append("thing-a", ExpectedVersion::Exact(3), vec![event(4)])
        .await
        .expect("other streams go on");
}

async fn deleting_a_whole_stream_is_detected_against_a_checkpoint(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    seed_three_streams(&store).await;
    store.checkpoint_heads().await.expect("checkpoint");
    bypass_guards(&store).await;
    execute(&store, "DELETE FROM events WHERE stream_id = 'thing-c'").await;
    execute(
        &store,
        "DELETE FROM stream_heads WHERE stream_id = 'thing-c'",
    )
    .await;

    let broken = first_problem(&store).await;
    assert_eq!(broken.stream_id, "$all");
    let fewer = HeadProblem::FewerThanCheckpoint {
        checkpoint_streams: 3,
        checkpoint_events: 9,
        streams: 2,
        events: 6,
    };
    assert_eq!(broken.problem, head(fewer));
    assert!(
        broken.to_string().starts_with("the log as a whole"),
        "{broken}"
    );
    let refused = store
        .checkpoint_heads()
        .await
        .expect_err("no smaller checkpoint");
    assert!(
        matches!(&refused, StoreError::Tampered { stream_id, .. } if stream_id == "$all"),
        "{refused}"
    );

    // Events deleted but the head left behind: the head names its stream.
    execute(&store, "DELETE FROM events WHERE stream_id = 'thing-a'").await;
    let broken = first_problem(&store).await;
    assert_eq!(broken.stream_id, "thing-a");
    let missing = HeadProblem::StreamMissing {
        anchored_version: 3,
    };
    assert_eq!(broken.problem, head(missing));
}

async fn a_forged_head_is_detected_and_the_stream_refused(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store_with(keyed(Some(KEY))).await;
    seed_three_streams(&store).await;

    // Whoever knows the source but not the key can anchor only under the public label.
    let unkeyed = db
        .store_with(StoreOptions {
            migrate: false,
            ..keyed(None)
        })
        .await;
    unkeyed
        .append("thing-u", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("append under the label");
    let broken = first_problem(&store).await;
    assert_eq!(broken.stream_id, "thing-u");
    assert_eq!(broken.problem, head(HeadProblem::ForgedAnchor));

    // Truncate thing-b and move its head back, with a MAC taken from another stream's head.
    bypass_guards(&store).await;
    execute(
        &store,
        "DELETE FROM events WHERE stream_id = 'thing-b' AND stream_version = 3",
    )
    .await;
    execute(
        &store,
        "UPDATE stream_heads SET stream_version = 2, \
           chain_hash = (SELECT chain_hash FROM events \
                         WHERE stream_id = 'thing-b' AND stream_version = 2), \
           mac = (SELECT mac FROM stream_heads WHERE stream_id = 'thing-a') \
         WHERE stream_id = 'thing-b'",
    )
    .await;
    let broken = first_problem(&store).await;
    assert_eq!(broken.stream_id, "thing-b");
    assert_eq!(broken.problem, head(HeadProblem::ForgedAnchor));
    assert_refused(&store, "thing-b").await;
}

async fn a_store_opened_with_another_key_reports_forged_anchors(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store_with(keyed(Some(KEY))).await;
    seed_three_streams(&store).await;
    drop(store);

    for other in [Some([0xa5; 32]), None] {
        let store = db.store_with(keyed(other)).await;
        let broken = first_problem(&store).await;
        assert_eq!(broken.stream_id, "thing-a");
        assert_eq!(broken.problem, head(HeadProblem::ForgedAnchor));
        assert_refused(&store, "thing-a").await;
    }
    let store = db.store_with(keyed(Some(KEY))).await;
    let report = store.check_heads().await.expect("check");
    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert!(store.verify().await.expect("verify").is_intact());
}

async fn a_changed_middle_event_makes_an_aggregate_load_refuse(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store_with(keyed(Some(KEY))).await;
    seed_three_streams(&store).await;
    bypass_guards(&store).await;
    flip_payload_bit(&store, "thing-b", 2).await;

    match load(&store, "thing-b").await {
        Err(CommandError::Store(StoreError::Tampered { stream_id, problem })) => {
            assert_eq!(stream_id, "thing-b");
            assert!(problem.contains("version 2"), "{problem}");
        }
        other => panic!("the load must be refused, got {other:?}"),
    }
    assert_eq!(load(&store, "thing-a").await.expect("load"), [1, 2, 3]);
    // The head still matches (the last event is intact): only a chain walk sees this change.
    assert!(store.check_heads().await.expect("check").is_intact());
    let broken = store
        .verify()
        .await
        .expect("verify")
        .first_broken
        .expect("verify sees it");
    assert_eq!(
        (broken.stream_id.as_str(), broken.problem),
        ("thing-b", LinkProblem::ContentChanged)
    );
}

async fn a_long_stream_is_verified_across_pages(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store_with(keyed(Some(KEY))).await;
    let events: Vec<_> = (1..=2100).map(event).collect();
    store
        .append("thing-long", ExpectedVersion::NoStream, events)
        .await
        .expect("append");
    let loaded = load(&store, "thing-long").await.expect("load");
    assert_eq!(loaded, (1..=2100).collect::<Vec<_>>());

    bypass_guards(&store).await;
    execute(
        &store,
        "DELETE FROM events WHERE stream_id = 'thing-long' AND stream_version = 2100",
    )
    .await;
    match load(&store, "thing-long").await {
        Err(CommandError::Store(StoreError::Tampered { problem, .. })) => {
            assert!(problem.contains("truncated"), "{problem}");
        }
        other => panic!("the load must be refused, got {other:?}"),
    }
}

async fn streams_written_before_anchoring_are_adopted_once(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store_with(keyed(Some(KEY))).await;
    seed_three_streams(&store).await;
    bypass_guards(&store).await;
    flip_payload_bit(&store, "thing-c", 2).await;
    // Make it a log written before anchoring: no anchoring tables, their migration not applied.
    execute(&store, "DROP TABLE stream_heads").await;
    execute(&store, "DROP TABLE head_checkpoints").await;
    execute(
        &store,
        "DELETE FROM _eventstore_migrations WHERE version = 20261201000001",
    )
    .await;
    let broken = store.check_heads().await.expect("check").first_broken;
    assert_eq!(
        broken.map(|b| b.problem),
        Some(head(HeadProblem::AnchorsMissing))
    );

    // Opening it with migrations adopts the streams whose chains hold, and only those.
    let store = db.store_with(keyed(Some(KEY))).await;
    let report = store.check_heads().await.expect("check");
    let broken = report.first_broken.expect("thing-c was not adopted");
    assert_eq!(broken.stream_id, "thing-c");
    assert_eq!(broken.problem, head(HeadProblem::Unanchored));
    assert_eq!(
        report.streams_checked, 2,
        "thing-a and thing-b were adopted"
    );
    assert_refused(&store, "thing-c").await;
    store
        .append("thing-a", ExpectedVersion::Exact(3), vec![event(4)])
        .await
        .expect("an adopted stream goes on");

    // Adoption is closed once the log has a checkpoint: a head deleted later is not re-adopted.
    bypass_guards(&store).await;
    execute(
        &store,
        "DELETE FROM stream_heads WHERE stream_id = 'thing-b'",
    )
    .await;
    let adoption = store.anchor_unanchored().await.expect("adopt");
    assert!(adoption.already_closed);
    assert_eq!(adoption.adopted, 0);
    let report = store.check_heads().await.expect("check");
    let broken = report.first_broken.expect("thing-b is unanchored");
    assert_eq!(
        (broken.stream_id.as_str(), broken.problem),
        ("thing-b", head(HeadProblem::Unanchored))
    );

    // With no checkpoint at all, an explicit adoption reports what it adopted and refused.
    execute(&store, "DELETE FROM head_checkpoints").await;
    let adoption = store.anchor_unanchored().await.expect("adopt");
    assert!(!adoption.already_closed);
    assert_eq!(adoption.adopted, 1);
    let refused: Vec<_> = adoption
        .refused
        .iter()
        .map(|b| (b.stream_id.as_str(), b.stream_version, b.problem.clone()))
        .collect();
    assert_eq!(refused, [("thing-c", 2, LinkProblem::ContentChanged)]);
    assert_eq!(
        load(&store, "thing-b").await.expect("adopted again"),
        [1, 2, 3]
    );
}
