//! The shapes that go into the log and come out of it.
//!
//! A [`NewEvent`] is what a decider produced and the application wants recorded; a
//! [`RecordedEvent`] is what the log holds once it is committed, with its stream version, global
//! [`Position`] and the time it was recorded. The store is domain-agnostic: payloads are JSON
//! bytes and event types are stable strings chosen by the services, never Rust type names.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// Who caused an event: the person or system acting, for which organisation, in which role.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Actor {
    /// Stable identifier of the acting user or system (never an NHS number).
    pub id: String,
    /// ODS code or directory id of the organisation the actor acted for.
    pub organisation: String,
    /// The role the actor held, e.g. `link-worker`.
    pub role: String,
}

/// Everything recorded about an event besides its payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventMetadata {
    /// Shared by every event caused by one originating request.
    pub correlation_id: Uuid,
    /// The event or command that directly caused this one.
    pub causation_id: Option<Uuid>,
    /// W3C `traceparent` of the command's span, so relay and consumer spans link to it.
    pub traceparent: Option<String>,
    /// Who caused the event.
    pub actor: Actor,
    /// Pseudonymous data subject (keyed HMAC of the person), never a direct identifier.
    pub data_subject: Option<String>,
    /// The Integrated Care System the event belongs to.
    pub tenant: String,
}

/// An event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Unique id; a retry with the same id and content is a no-op (idempotent append).
    pub event_id: Uuid,
    /// Stable type name, `[a-z0-9_]`, e.g. `referral_accepted`.
    pub event_type: String,
    /// Version of the payload's schema, starting at 1; older versions are upcast on read.
    pub schema_version: u32,
    /// When the fact happened in the domain. Stored to the microsecond.
    pub occurred_at: DateTime<Utc>,
    /// UTF-8 JSON body.
    pub payload: Vec<u8>,
    /// Causation, trace, actor, subject and tenant.
    pub metadata: EventMetadata,
}

impl NewEvent {
    /// Builds an event whose payload is `body` serialised as JSON.
    pub fn json<T: Serialize>(
        event_id: Uuid,
        event_type: impl Into<String>,
        schema_version: u32,
        occurred_at: DateTime<Utc>,
        body: &T,
        metadata: EventMetadata,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            event_id,
            event_type: event_type.into(),
            schema_version,
            occurred_at: occurred_at.trunc_subsecs(6),
            payload: serde_json::to_vec(body)?,
            metadata,
        })
    }
}

/// A position in a service's whole log. Positions are totally ordered and a reader that has
/// seen position `p` has seen every committed event before `p`.
///
/// On PostgreSQL the order is `(epoch, transaction_id, global_position)`; on SQLite the first two
/// are always zero and the global position (rowid) is commit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// Bumped after a logical restore of the database.
    pub epoch: i64,
    /// The writing transaction's id (PostgreSQL `xid8`).
    pub transaction_id: i64,
    /// The row's position in insertion order.
    pub global_position: i64,
}

impl Position {
    /// Before the first event.
    pub const START: Position = Position {
        epoch: 0,
        transaction_id: 0,
        global_position: 0,
    };
}

/// An event as the log holds it (after upcasting to the newest schema version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// Unique id of the event.
    pub event_id: Uuid,
    /// The stream it belongs to.
    pub stream_id: String,
    /// Its position in the stream, starting at 1.
    pub stream_version: u64,
    /// Its position in the whole log.
    pub position: Position,
    /// Stable type name (after upcasting).
    pub event_type: String,
    /// Schema version of `payload` (after upcasting).
    pub schema_version: u32,
    /// When the fact happened.
    pub occurred_at: DateTime<Utc>,
    /// When the log recorded it.
    pub recorded_at: DateTime<Utc>,
    /// UTF-8 JSON body.
    pub payload: Vec<u8>,
    /// Causation, trace, actor, subject and tenant.
    pub metadata: EventMetadata,
}

impl RecordedEvent {
    /// Deserialises the payload.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.payload)
    }

    /// The stream's category: the part of the stream id before the first `-`.
    pub fn category(&self) -> &str {
        category_of(&self.stream_id)
    }
}

/// The category of a stream id: the part before the first `-` (the whole id if it has none).
pub fn category_of(stream_id: &str) -> &str {
    stream_id
        .split_once('-')
        .map_or(stream_id, |(category, _)| category)
}

/// What the appender believes the stream's current version to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpectedVersion {
    /// Append whatever the stream's state.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must exist, at any version.
    StreamExists,
    /// The stream's last event must be at exactly this version.
    Exact(u64),
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::NoStream => f.write_str("no stream"),
            Self::StreamExists => f.write_str("stream exists"),
            Self::Exact(version) => write!(f, "version {version}"),
        }
    }
}

impl ExpectedVersion {
    /// Whether a stream whose last version is `actual` (`None`: no stream) satisfies this.
    pub fn accepts(self, actual: Option<u64>) -> bool {
        match (self, actual) {
            (Self::Any, _) => true,
            (Self::NoStream, None) => true,
            (Self::StreamExists, Some(_)) => true,
            (Self::Exact(expected), Some(actual)) => expected == actual,
            _ => false,
        }
    }
}

/// Events to append to one stream, as part of a (possibly multi-stream) atomic append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendToStream {
    /// `<category>-<id>`, characters `[A-Za-z0-9_-]`.
    pub stream_id: String,
    /// The optimistic-concurrency check.
    pub expected: ExpectedVersion,
    /// At least one event.
    pub events: Vec<NewEvent>,
}

/// Where one appended event landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendedEvent {
    /// The event's id.
    pub event_id: Uuid,
    /// Its version in the stream.
    pub stream_version: u64,
    /// Its position in the log.
    pub position: Position,
}

/// The outcome of appending to one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The stream appended to.
    pub stream_id: String,
    /// Where each event landed, in the order given.
    pub events: Vec<AppendedEvent>,
    /// True when every event was already in the log (an idempotent retry): nothing was written.
    pub already_recorded: bool,
}

impl Appended {
    /// The stream's version after this append: pass it as `ExpectedVersion::Exact` next time.
    pub fn last_version(&self) -> u64 {
        self.events.last().map_or(0, |event| event.stream_version)
    }
}
