//! Running a command against an aggregate kept in the log: load its stream, fold it, decide,
//! append what the decider answered with the version that was loaded.
//!
//! Every service's application layer is this loop plus the lookups its commands need, so it
//! lives here once. Expecting the loaded version makes a concurrent change to the same
//! aggregate a `WrongExpectedVersion` conflict for the caller to retry, never a lost update.

use chrono::{DateTime, Utc};
use decider::Decider;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::{EventMetadata, EventStore, ExpectedVersion, NewEvent, Position, StoreError};

/// An aggregate's event as stored: JSON with a stable type name.
pub trait StoredEvent: Serialize + DeserializeOwned {
    /// The stored type name, e.g. `service_listed`.
    fn event_type(&self) -> &'static str;
}

/// A decider whose aggregate is kept in the log: what [`execute`] runs. Every decider whose
/// events are [`StoredEvent`]s and whose refusals are errors is one; the trait only names
/// those bounds once.
pub trait Aggregate: Decider<Event: StoredEvent, Error: std::error::Error + 'static> {}

impl<D: Decider<Event: StoredEvent, Error: std::error::Error + 'static>> Aggregate for D {}

/// Why a command did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error + 'static> {
    /// The aggregate's rules refused it.
    #[error(transparent)]
    Rejected(E),
    /// The log refused or failed (a conflict is `StoreError::WrongExpectedVersion`).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A new event could not be serialised (a bug).
    #[error("an event could not be encoded")]
    Encode(#[source] serde_json::Error),
    /// A stored event could not be read back: a bug or a missing upcaster.
    #[error("stored event {event_id} could not be decoded")]
    Corrupt {
        /// The event.
        event_id: Uuid,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// What a command caused.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled<E> {
    /// The events recorded, in order; empty when the command changed nothing.
    pub events: Vec<E>,
    /// Where the last of them landed in the log, for a caller that wants to wait until a
    /// projection has seen its own write.
    pub position: Option<Position>,
}

/// Loads and decodes a stream's events, oldest first, after checking them against their hash
/// chain and the stream's anchored head: a command is never decided on a tampered history
/// (that is [`StoreError::Tampered`]).
pub async fn load<E: StoredEvent, Err: std::error::Error + 'static>(
    store: &EventStore,
    stream_id: &str,
) -> Result<Vec<E>, CommandError<Err>> {
    store
        .load_stream_verified(stream_id)
        .await?
        .iter()
        .map(|recorded| {
            recorded.decode().map_err(|source| CommandError::Corrupt {
                event_id: recorded.event_id,
                source,
            })
        })
        .collect()
}

/// Turns decided events into events for the log, sharing one metadata and clock reading.
pub fn encode<E: StoredEvent, Err: std::error::Error + 'static>(
    events: &[E],
    schema_version: u32,
    at: DateTime<Utc>,
    metadata: &EventMetadata,
) -> Result<Vec<NewEvent>, CommandError<Err>> {
    events
        .iter()
        .map(|event| {
            NewEvent::json(
                Uuid::now_v7(),
                event.event_type(),
                schema_version,
                at,
                event,
                metadata.clone(),
            )
            .map_err(CommandError::Encode)
        })
        .collect()
}

/// Decides `command` against the aggregate in `stream_id` and appends what it causes,
/// expecting the version it loaded.
pub async fn execute<D: Aggregate>(
    store: &EventStore,
    stream_id: &str,
    command: D::Command,
    schema_version: u32,
    metadata: &EventMetadata,
) -> Result<Handled<D::Event>, CommandError<D::Error>> {
    let loaded = load_folded::<D>(store, stream_id).await?;
    execute_loaded::<D>(store, stream_id, &loaded, command, schema_version, metadata).await
}

/// An aggregate as loaded: the state folded from its stream's first `version` events
/// (version 0: no stream yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<S> {
    /// The folded state.
    pub state: S,
    /// How many events it was folded from: the stream's version when loaded.
    pub version: u64,
}

/// Loads the aggregate in `stream_id` (verified, as [`load`]) and folds it, keeping the version
/// it was folded at for [`execute_loaded`].
pub async fn load_folded<D: Aggregate>(
    store: &EventStore,
    stream_id: &str,
) -> Result<Loaded<D::State>, CommandError<D::Error>> {
    let history: Vec<D::Event> = load(store, stream_id).await?;
    Ok(Loaded {
        state: D::fold(&history),
        version: history.len() as u64,
    })
}

/// Like [`execute`], for a caller that has loaded and folded the aggregate already, because it
/// needed the state to build the command: decides against `loaded` and appends expecting
/// `loaded.version`, so the stream is read once. A change to the stream since the load is
/// still a `WrongExpectedVersion` conflict, for the caller to load again and retry.
pub async fn execute_loaded<D: Aggregate>(
    store: &EventStore,
    stream_id: &str,
    loaded: &Loaded<D::State>,
    command: D::Command,
    schema_version: u32,
    metadata: &EventMetadata,
) -> Result<Handled<D::Event>, CommandError<D::Error>> {
    let expected = match loaded.version {
        0 => ExpectedVersion::NoStream,
        n => ExpectedVersion::Exact(n),
    };
    let events = D::decide(&loaded.state, command).map_err(CommandError::Rejected)?;
    if events.is_empty() {
        return Ok(Handled {
            events,
            position: None,
        });
    }
    let new_events = encode(&events, schema_version, Utc::now(), metadata)?;
    let appended = store.append(stream_id, expected, new_events).await?;
    Ok(Handled {
        events,
        position: appended.events.last().map(|event| event.position),
    })
}
