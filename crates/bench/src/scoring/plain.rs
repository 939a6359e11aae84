//! The baseline: the same events the outcomes service appended — each response's
//! `response_recorded` and `outcome_recorded`, with their payloads and metadata — read back
//! from its log and appended again to a fresh log, one response per append, with no lookup,
//! no load, no scoring and no decision.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use eventstore::{EventStore, ExpectedVersion, NewEvent, Position};
use uuid::Uuid;

/// Each stream's appends in order: one response's two events each.
pub(crate) type Streams = Vec<(String, Vec<Vec<NewEvent>>)>;

/// Every response's pair of events in `store`'s outcomes streams, as fresh events (new ids,
/// the same type, payload, metadata and time), grouped by stream in the order first written.
pub(crate) async fn capture(store: &EventStore) -> anyhow::Result<Streams> {
    let mut streams: Streams = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut after = Position::START;
    loop {
        let page = store.read_all(after, 10_000).await?;
        let Some(last) = page.last() else {
            return Ok(streams);
        };
        after = last.position;
        for event in page {
            if !event.stream_id.starts_with("outcomes-") {
                continue;
            }
            let slot = *index.entry(event.stream_id.clone()).or_insert_with(|| {
                streams.push((event.stream_id.clone(), Vec::new()));
                streams.len() - 1
            });
            let appends = &mut streams[slot].1;
            let fresh = NewEvent {
                event_id: Uuid::now_v7(),
                event_type: event.event_type,
                schema_version: event.schema_version,
                occurred_at: event.occurred_at,
                payload: event.payload,
                metadata: event.metadata,
            };
            // A response's answers open its append; its first derivation closes it.
            match appends.last_mut() {
                Some(open) if fresh.event_type == "outcome_recorded" && open.len() == 1 => {
                    open.push(fresh)
                }
                _ => appends.push(vec![fresh]),
            }
        }
    }
}

/// How many appends `streams` holds.
pub(crate) fn appends(streams: &Streams) -> u64 {
    streams
        .iter()
        .map(|(_, appends)| appends.len() as u64)
        .sum()
}

/// Appends every stream's events to `store` with `writers` writers, each stream with one
/// writer, one response per append with any expected version; answers with the time taken.
pub(crate) async fn append(
    store: &EventStore,
    streams: Streams,
    writers: usize,
) -> anyhow::Result<Duration> {
    let mut dealt: Vec<Streams> = (0..writers).map(|_| Vec::new()).collect();
    for (n, stream) in streams.into_iter().enumerate() {
        dealt[n % writers].push(stream);
    }
    let started = Instant::now();
    let tasks: Vec<_> = dealt
        .into_iter()
        .map(|streams| {
            let store = store.clone();
            tokio::spawn(async move {
                for (stream, appends) in streams {
                    for events in appends {
                        store.append(&stream, ExpectedVersion::Any, events).await?;
                    }
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}
