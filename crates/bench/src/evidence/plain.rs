//! The baseline: the events the engagement service appended, read back from its log and
//! appended again to a fresh log — the same ids, types, payloads, metadata and times, the same
//! streams, one `append_many` per batch as the service made it (a batch's events share its
//! request's correlation id, and are contiguous in the log) with the streams in the same
//! order — with no check, no lookup and no read of what the log holds. Only the appends are
//! timed; reading the source log is not.

use std::time::{Duration, Instant};

use eventstore::{AppendToStream, EventStore, ExpectedVersion, NewEvent, Position, RecordedEvent};
use uuid::Uuid;

/// Appends the `summaries` batches of summaries `source` holds to `target`; answers with the
/// time the appends took and how many events they wrote. On PostgreSQL an event is read only
/// once no transaction that began before it may still commit, on any database of the server,
/// so the end of the log is waited for.
pub(crate) async fn append(
    source: &EventStore,
    target: &EventStore,
    summaries: u64,
) -> anyhow::Result<(Duration, u64)> {
    let mut batch = Batch::default();
    let (mut elapsed, mut events, mut read) = (Duration::ZERO, 0, 0);
    let mut after = Position::START;
    while read < summaries {
        let page = source.read_all(after, 10_000).await?;
        let Some(last) = page.last() else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        after = last.position;
        for recorded in page {
            if recorded.event_type != "evidence_recorded" {
                continue;
            }
            read += 1;
            if batch.correlation_id != Some(recorded.metadata.correlation_id) {
                (elapsed, events) = batch.append(target, elapsed, events).await?;
                batch.correlation_id = Some(recorded.metadata.correlation_id);
            }
            batch.push(recorded);
        }
    }
    batch.append(target, elapsed, events).await
}

/// One batch's appends, in the order the service made them: its events are in the log by
/// stream, each stream's together, in the order of its requests.
#[derive(Debug, Default)]
struct Batch {
    correlation_id: Option<Uuid>,
    requests: Vec<AppendToStream>,
}

impl Batch {
    fn push(&mut self, recorded: RecordedEvent) {
        let event = NewEvent {
            event_id: recorded.event_id,
            event_type: recorded.event_type,
            schema_version: recorded.schema_version,
            occurred_at: recorded.occurred_at,
            payload: recorded.payload,
            metadata: recorded.metadata,
        };
        match self.requests.last_mut() {
            Some(open) if open.stream_id == recorded.stream_id => open.events.push(event),
            _ => self.requests.push(AppendToStream {
                stream_id: recorded.stream_id,
                expected: ExpectedVersion::Any,
                events: vec![event],
            }),
        }
    }

    /// Appends the batch in one `append_many`, timed, and empties it; adds to the running
    /// totals.
    async fn append(
        &mut self,
        target: &EventStore,
        elapsed: Duration,
        events: u64,
    ) -> anyhow::Result<(Duration, u64)> {
        let requests = std::mem::take(&mut self.requests);
        if requests.is_empty() {
            return Ok((elapsed, events));
        }
        let count: u64 = requests.iter().map(|r| r.events.len() as u64).sum();
        let started = Instant::now();
        target.append_many(&requests).await?;
        Ok((elapsed + started.elapsed(), events + count))
    }
}
