//! Reading a whole log in tests, which on PostgreSQL means waiting for the horizon.
//!
//! A PostgreSQL reader never sees past a transaction still in flight anywhere on the server
//! (docs/adr/0001), and the server is shared with every other test running at the time. A
//! test that reads the whole log right after writing would see nothing yet if some other
//! test's transaction began first, so it waits until everything committed is readable.

use std::time::Duration;

use eventstore::{EventStore, Position, RecordedEvent};

/// How long other tests' transactions may hold the horizon back before the test fails.
const HORIZON_PATIENCE: Duration = Duration::from_secs(120);

/// Every event committed before the call, in global order, once all of them are readable.
pub async fn committed_events(store: &EventStore) -> Vec<RecordedEvent> {
    let target = store
        .last_committed_position()
        .await
        .expect("last committed position");
    let deadline = tokio::time::Instant::now() + HORIZON_PATIENCE;
    let mut events: Vec<RecordedEvent> = Vec::new();
    let mut after = Position::START;
    while target.is_some_and(|target| after < target) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the horizon never passed {target:?}"
        );
        let page = store.read_all(after, 1000).await.expect("read_all");
        match page.last() {
            Some(last) => after = last.position,
            None => tokio::time::sleep(Duration::from_millis(10)).await,
        }
        events.extend(page);
    }
    events
}
