//! Streams' versions: several read together, as `stream_version` reads each one.

use eventstore::ExpectedVersion;
use testkit::{BackendKind, TestDatabase};

use crate::helpers::event;

testkit::on_both_backends!(several_streams_versions_are_read_in_the_order_asked);

async fn several_streams_versions_are_read_in_the_order_asked(kind: BackendKind) {
    let db = TestDatabase::new(kind).await;
    let store = db.store().await;
    store
        .append(
            "thing-1",
            ExpectedVersion::NoStream,
            vec![event(1), event(2)],
        )
        .await
        .expect("append");
    store
        .append("thing-2", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .expect("append");

    // Unknown ids (one no append would accept) and repeats are answered in place.
    let asked = ["thing-2", "nothing", "thing-1", "it's \"odd\"", "thing-2"];
    let versions = store.stream_versions(&asked).await.expect("versions");
    assert_eq!(versions, [Some(1), None, Some(2), None, Some(1)]);
    for (stream, version) in asked.iter().zip(&versions) {
        let one = store.stream_version(stream).await.expect("version");
        assert_eq!(one, *version, "{stream}");
    }
    assert_eq!(store.stream_versions(&[]).await.expect("none"), []);
}
