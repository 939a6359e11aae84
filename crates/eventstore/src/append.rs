//! The backend-independent half of an append: validation, idempotent-retry resolution, the
//! optimistic-concurrency check and hash chaining. The backends only fetch and insert rows.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::hashchain::{self, Digest32, EventContent, GENESIS};
use crate::{AppendToStream, Appended, AppendedEvent, NewEvent, Position, StoreError};

/// Longest stream id accepted.
const MAX_STREAM_ID_LEN: usize = 200;
/// Longest event type accepted.
const MAX_EVENT_TYPE_LEN: usize = 100;
/// Most events accepted in one append.
pub(crate) const MAX_EVENTS_PER_APPEND: usize = 10_000;

/// An event already in the log whose id the append reuses.
#[derive(Debug)]
pub(crate) struct ExistingEvent {
    pub(crate) event_id: Uuid,
    pub(crate) stream_id: String,
    pub(crate) stream_version: u64,
    pub(crate) position: Position,
    pub(crate) content_hash: Vec<u8>,
}

/// The last event of a stream: its version and chain hash.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamHead {
    pub(crate) version: u64,
    pub(crate) chain_hash: Digest32,
}

/// A row ready to insert.
#[derive(Debug)]
pub(crate) struct PreparedRow<'a> {
    pub(crate) stream_id: &'a str,
    pub(crate) event: &'a NewEvent,
    pub(crate) stream_version: u64,
    pub(crate) recorded_at: DateTime<Utc>,
    pub(crate) content_hash: Digest32,
    pub(crate) chain_hash: Digest32,
}

fn is_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Rejects malformed appends before any I/O, naming the offending field.
pub(crate) fn validate(requests: &[AppendToStream]) -> Result<(), StoreError> {
    let invalid = |message: String| Err(StoreError::InvalidAppend(message));
    if requests.is_empty() {
        return invalid("no streams to append to".to_owned());
    }
    let total: usize = requests.iter().map(|r| r.events.len()).sum();
    if total > MAX_EVENTS_PER_APPEND {
        return invalid(format!(
            "{total} events in one append; at most {MAX_EVENTS_PER_APPEND}"
        ));
    }
    let mut streams = std::collections::HashSet::new();
    let mut ids = std::collections::HashSet::new();
    for request in requests {
        let stream = &request.stream_id;
        if !is_token(stream) || stream.len() > MAX_STREAM_ID_LEN {
            return invalid(format!(
                "stream_id {stream:?} must be 1 to {MAX_STREAM_ID_LEN} characters of [A-Za-z0-9_-]"
            ));
        }
        if !streams.insert(stream.as_str()) {
            return invalid(format!("stream_id {stream} appears twice in one append"));
        }
        if request.events.is_empty() {
            return invalid(format!("events for stream {stream} is empty"));
        }
        for event in &request.events {
            validate_event(event, &mut ids)?;
        }
    }
    Ok(())
}

fn validate_event(
    event: &NewEvent,
    ids: &mut std::collections::HashSet<Uuid>,
) -> Result<(), StoreError> {
    let invalid = |message: String| Err(StoreError::InvalidAppend(message));
    let event_type = &event.event_type;
    let type_ok = !event_type.is_empty()
        && event_type.len() <= MAX_EVENT_TYPE_LEN
        && event_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !type_ok {
        return invalid(format!(
            "event_type {event_type:?} must be 1 to {MAX_EVENT_TYPE_LEN} characters of [a-z0-9_]"
        ));
    }
    if event.schema_version == 0 {
        return invalid(format!(
            "schema_version of event {} must be at least 1",
            event.event_id
        ));
    }
    if event.metadata.tenant.is_empty() {
        return invalid(format!(
            "metadata.tenant of event {} is empty",
            event.event_id
        ));
    }
    if !ids.insert(event.event_id) {
        return invalid(format!(
            "event_id {} appears twice in one append",
            event.event_id
        ));
    }
    Ok(())
}

fn content_of<'a>(stream_id: &'a str, event: &'a NewEvent) -> EventContent<'a> {
    EventContent {
        event_id: event.event_id,
        stream_id,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        occurred_at: event.occurred_at,
        metadata: &event.metadata,
        payload: &event.payload,
    }
}

/// Some of the append's ids are already in the log. If all of them are, with identical content,
/// this is a retry of an append that succeeded: answer with the original positions. Anything
/// else reuses an id for a different event.
pub(crate) fn resolve_retry(
    requests: &[AppendToStream],
    existing: Vec<ExistingEvent>,
) -> Result<Vec<Appended>, StoreError> {
    let mut by_id: std::collections::HashMap<Uuid, ExistingEvent> =
        existing.into_iter().map(|e| (e.event_id, e)).collect();
    let mut results = Vec::with_capacity(requests.len());
    for request in requests {
        let mut events = Vec::with_capacity(request.events.len());
        for event in &request.events {
            let reused = StoreError::EventIdReused {
                event_id: event.event_id,
            };
            let Some(stored) = by_id.remove(&event.event_id) else {
                return Err(first_reused(requests, &by_id).unwrap_or(reused));
            };
            let expected = hashchain::content_hash(&content_of(&request.stream_id, event));
            if stored.stream_id != request.stream_id || stored.content_hash != expected {
                return Err(reused);
            }
            events.push(AppendedEvent {
                event_id: event.event_id,
                stream_version: stored.stream_version,
                position: stored.position,
            });
        }
        results.push(Appended {
            stream_id: request.stream_id.clone(),
            events,
            already_recorded: true,
        });
    }
    Ok(results)
}

/// Names an id of the request that is stored, for the error when only part of it is.
fn first_reused(
    requests: &[AppendToStream],
    stored: &std::collections::HashMap<Uuid, ExistingEvent>,
) -> Option<StoreError> {
    requests
        .iter()
        .flat_map(|r| &r.events)
        .find(|e| stored.contains_key(&e.event_id))
        .map(|e| StoreError::EventIdReused {
            event_id: e.event_id,
        })
}

/// Checks the expected version against the stream's head and chains the new rows onto it.
pub(crate) fn prepare_stream<'a>(
    request: &'a AppendToStream,
    head: Option<StreamHead>,
    recorded_at: DateTime<Utc>,
) -> Result<Vec<PreparedRow<'a>>, StoreError> {
    let current = head.map(|h| h.version);
    if !request.expected.accepts(current) {
        return Err(StoreError::WrongExpectedVersion {
            stream_id: request.stream_id.clone(),
            expected: request.expected,
            actual: current,
        });
    }
    let mut previous = head.map_or(GENESIS, |h| h.chain_hash);
    let mut version = current.unwrap_or(0);
    let mut rows = Vec::with_capacity(request.events.len());
    for event in &request.events {
        version += 1;
        let content_hash = hashchain::content_hash(&content_of(&request.stream_id, event));
        let chain_hash = hashchain::chain_hash(&previous, version, recorded_at, &content_hash);
        previous = chain_hash;
        rows.push(PreparedRow {
            stream_id: &request.stream_id,
            event,
            stream_version: version,
            recorded_at,
            content_hash,
            chain_hash,
        });
    }
    Ok(rows)
}
