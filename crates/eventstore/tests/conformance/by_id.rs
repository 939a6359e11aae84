//! Events read by their ids: what a writer whose ids derive from a client's idempotency key
//! asks, to learn which of a request's records the log already holds.

use eventstore::ExpectedVersion;
use testkit::{BackendKind, TestDatabase};
use uuid::Uuid;

use crate::helpers::event;

testkit::on_both_backends!(events_are_read_by_id_in_log_order_skipping_unknown_ids);

async fn events_are_read_by_id_in_log_order_skipping_unknown_ids(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    let (first, second, third) = (event(1), event(2), event(3));
    let ids = [first.event_id, second.event_id, third.event_id];
    store
        .append("thing-1", ExpectedVersion::NoStream, vec![first, second])
        .await
        .expect("append");
    store
        .append("thing-2", ExpectedVersion::NoStream, vec![third])
        .await
        .expect("append");

    // Asked out of order, with an id never used: the log's order, the unknown left out.
    let asked = [ids[2], Uuid::now_v7(), ids[0]];
    let read = store.read_events(&asked).await.expect("read");
    let found: Vec<(Uuid, &str, u64)> = read
        .iter()
        .map(|e| (e.event_id, e.stream_id.as_str(), e.stream_version))
        .collect();
    assert_eq!(found, [(ids[0], "thing-1", 1), (ids[2], "thing-2", 1)]);
    assert_eq!(read[1].payload, br#"{"n":3}"#);
    assert_eq!(store.read_events(&[]).await.expect("none"), []);

    // Many ids at once (more than one statement takes on SQLite): the known ones found
    // wherever they are among them.
    let mut many: Vec<Uuid> = (0..1200).map(|_| Uuid::now_v7()).collect();
    many.insert(0, ids[2]);
    many.push(ids[1]);
    let read = store.read_events(&many).await.expect("read");
    let found: Vec<Uuid> = read.iter().map(|e| e.event_id).collect();
    assert_eq!(found, [ids[1], ids[2]]);
}
