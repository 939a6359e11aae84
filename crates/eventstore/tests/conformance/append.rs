//! Appends: optimistic concurrency, idempotency, atomicity, what is stored.

use eventstore::{AppendToStream, ExpectedVersion, StoreError};
use testkit::{BackendKind, TestDatabase, committed_events};

use crate::helpers::event;

testkit::on_both_backends!(
    appended_events_read_back_with_every_field,
    expected_version_is_enforced,
    retry_with_same_ids_returns_original_positions_and_writes_nothing,
    same_id_with_different_content_is_rejected,
    multi_stream_append_is_all_or_nothing,
    malformed_appends_name_the_field,
);

async fn appended_events_read_back_with_every_field(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let sent = vec![event(1), event(2)];
    let appended = store
        .append("thing-1", ExpectedVersion::NoStream, sent.clone())
        .await
        .expect("append");
    assert_eq!(appended.last_version(), 2);
    assert!(!appended.already_recorded);

    let read = store.read_stream("thing-1", 1, 10).await.expect("read");
    assert_eq!(read.len(), 2);
    for ((recorded, sent), appended) in read.iter().zip(&sent).zip(&appended.events) {
        assert_eq!(recorded.event_id, sent.event_id);
        assert_eq!(recorded.stream_id, "thing-1");
        assert_eq!(recorded.stream_version, appended.stream_version);
        assert_eq!(recorded.position, appended.position);
        assert_eq!(recorded.event_type, "thing_happened");
        assert_eq!(recorded.schema_version, 1);
        assert_eq!(recorded.occurred_at, sent.occurred_at);
        assert_eq!(recorded.payload, sent.payload);
        assert_eq!(recorded.metadata, sent.metadata);
        assert!(recorded.recorded_at >= recorded.occurred_at);
    }
    assert!(read[0].position < read[1].position);
    assert_eq!(
        store.stream_version("thing-1").await.expect("version"),
        Some(2)
    );
    assert_eq!(
        store.stream_version("thing-2").await.expect("version"),
        None
    );
}

async fn expected_version_is_enforced(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let missing = store
        .append("thing-1", ExpectedVersion::StreamExists, vec![event(0)])
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::WrongExpectedVersion { actual: None, .. })
    ));
    let missing = store
        .append("thing-1", ExpectedVersion::Exact(0), vec![event(0)])
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::WrongExpectedVersion { actual: None, .. })
    ));

    store
        .append("thing-1", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("create");
    let again = store
        .append("thing-1", ExpectedVersion::NoStream, vec![event(2)])
        .await;
    assert!(matches!(
        again,
        Err(StoreError::WrongExpectedVersion {
            actual: Some(1),
            ..
        })
    ));
    let stale = store
        .append("thing-1", ExpectedVersion::Exact(5), vec![event(2)])
        .await;
    match stale {
        Err(error @ StoreError::WrongExpectedVersion { .. }) => {
            assert!(error.is_conflict());
            assert_eq!(
                error.to_string(),
                "stream thing-1 expected version 5 but is at version 1"
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    store
        .append("thing-1", ExpectedVersion::Exact(1), vec![event(2)])
        .await
        .expect("exact");
    store
        .append("thing-1", ExpectedVersion::StreamExists, vec![event(3)])
        .await
        .expect("exists");
    let any = store
        .append("thing-1", ExpectedVersion::Any, vec![event(4)])
        .await
        .expect("any");
    assert_eq!(any.last_version(), 4);
    assert_eq!(
        committed_events(&store).await.len(),
        4,
        "refused appends wrote nothing"
    );
}

async fn retry_with_same_ids_returns_original_positions_and_writes_nothing(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let batch = vec![event(1), event(2)];
    let first = store
        .append("thing-1", ExpectedVersion::NoStream, batch.clone())
        .await
        .expect("append");
    store
        .append("thing-1", ExpectedVersion::Exact(2), vec![event(3)])
        .await
        .expect("more");

    // The client never saw the first answer and retries with the same expected version.
    let retry = store
        .append("thing-1", ExpectedVersion::NoStream, batch)
        .await
        .expect("an identical retry succeeds");
    assert!(retry.already_recorded);
    assert_eq!(retry.events, first.events);
    assert_eq!(committed_events(&store).await.len(), 3);
}

async fn same_id_with_different_content_is_rejected(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let original = event(1);
    store
        .append("thing-1", ExpectedVersion::NoStream, vec![original.clone()])
        .await
        .expect("append");

    let mut altered = original.clone();
    altered.payload = br#"{"n":2}"#.to_vec();
    let error = store
        .append("thing-1", ExpectedVersion::Any, vec![altered])
        .await
        .expect_err("different content under a used id");
    assert!(
        matches!(error, StoreError::EventIdReused { event_id } if event_id == original.event_id)
    );

    let elsewhere = store
        .append("thing-2", ExpectedVersion::Any, vec![original.clone()])
        .await
        .expect_err("the same event in another stream");
    assert!(matches!(elsewhere, StoreError::EventIdReused { .. }));

    let partial = store
        .append("thing-1", ExpectedVersion::Any, vec![original, event(2)])
        .await
        .expect_err("a used id inside a different append");
    assert!(matches!(partial, StoreError::EventIdReused { .. }));
    assert_eq!(committed_events(&store).await.len(), 1);
}

async fn multi_stream_append_is_all_or_nothing(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    store
        .append("b-1", ExpectedVersion::NoStream, vec![event(0)])
        .await
        .expect("b exists");

    let both = |b_expected| {
        vec![
            AppendToStream {
                stream_id: "a-1".to_owned(),
                expected: ExpectedVersion::NoStream,
                events: vec![event(1), event(2)],
            },
            AppendToStream {
                stream_id: "b-1".to_owned(),
                expected: b_expected,
                events: vec![event(3)],
            },
        ]
    };
    let refused = store.append_many(&both(ExpectedVersion::NoStream)).await;
    assert!(
        matches!(refused, Err(StoreError::WrongExpectedVersion { ref stream_id, .. }) if stream_id == "b-1")
    );
    assert_eq!(
        store.stream_version("a-1").await.expect("version"),
        None,
        "a-1 rolled back"
    );

    let appended = store
        .append_many(&both(ExpectedVersion::Exact(1)))
        .await
        .expect("append");
    assert_eq!(appended[0].last_version(), 2);
    assert_eq!(appended[1].last_version(), 2);
    assert_eq!(committed_events(&store).await.len(), 4);
}

async fn malformed_appends_name_the_field(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let invalid = |result: Result<eventstore::Appended, StoreError>| match result {
        Err(StoreError::InvalidAppend(message)) => message,
        other => panic!("expected InvalidAppend, got {other:?}"),
    };
    let message = invalid(
        store
            .append("bad stream", ExpectedVersion::Any, vec![event(1)])
            .await,
    );
    assert!(message.contains("stream_id"), "{message}");
    let message = invalid(store.append("thing-1", ExpectedVersion::Any, vec![]).await);
    assert!(message.contains("events"), "{message}");
    let mut wrong_type = event(1);
    wrong_type.event_type = "ThingHappened".to_owned();
    let message = invalid(
        store
            .append("thing-1", ExpectedVersion::Any, vec![wrong_type])
            .await,
    );
    assert!(message.contains("event_type"), "{message}");
    let mut no_tenant = event(1);
    no_tenant.metadata.tenant.clear();
    let message = invalid(
        store
            .append("thing-1", ExpectedVersion::Any, vec![no_tenant])
            .await,
    );
    assert!(message.contains("tenant"), "{message}");
    let twice = event(1);
    let message = invalid(
        store
            .append("thing-1", ExpectedVersion::Any, vec![twice.clone(), twice])
            .await,
    );
    assert!(message.contains("twice"), "{message}");
    assert!(committed_events(&store).await.is_empty());
}
