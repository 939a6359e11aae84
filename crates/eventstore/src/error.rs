//! What can go wrong when using the log, split the way callers must react to it.
//!
//! A service maps these once at its edge: [`StoreError::WrongExpectedVersion`] to gRPC `ABORTED`,
//! [`StoreError::EventIdReused`] and [`StoreError::InvalidAppend`] to `INVALID_ARGUMENT`,
//! [`StoreError::Unavailable`] and [`StoreError::ReadOnly`] to `UNAVAILABLE`, [`StoreError::Tampered`] to `DATA_LOSS`,
//! everything else to `INTERNAL`.

use uuid::Uuid;

use crate::ExpectedVersion;

/// An error from the event store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The optimistic-concurrency check failed: someone else appended first. Reload and retry.
    #[error("stream {stream_id} expected {expected} but {}", describe_actual(*.actual))]
    WrongExpectedVersion {
        /// The stream that was appended to.
        stream_id: String,
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The stream's actual last version (`None`: no stream). When the conflict was a
        /// concurrent writer detected at insert, this is the version the caller raced for.
        actual: Option<u64>,
    },
    /// An event id already in the log was sent again with different content, or as part of a
    /// different append. Event ids must never be reused for another event.
    #[error("event id {event_id} is already recorded with different content")]
    EventIdReused {
        /// The reused id.
        event_id: Uuid,
    },
    /// Another append carrying this event id is committing at the same moment. Retrying
    /// resolves it: as an idempotent no-op if the other append had the same content.
    #[error("event id {event_id} is being appended concurrently")]
    ConcurrentAppend {
        /// The contended id.
        event_id: Uuid,
    },
    /// The append itself is malformed; the message names the field.
    #[error("invalid append: {0}")]
    InvalidAppend(String),
    /// A stored event could not be upcast to its current schema.
    #[error("cannot upcast {event_type} v{schema_version} (event {event_id}): {reason}")]
    Upcast {
        /// The event that failed.
        event_id: Uuid,
        /// Its stored type.
        event_type: String,
        /// The schema version the failing upcaster started from.
        schema_version: u32,
        /// What the upcaster said.
        reason: String,
    },
    /// The stored stream is not what was appended: an event no longer matches its hash, the
    /// chain is broken, or the stream does not end at its anchored head (its last events were
    /// deleted, or the head was forged). The store refuses to append to it or load it for a
    /// command; an operator must investigate (`linkwork verify`). `$all` names the whole log.
    #[error("stream {stream_id} failed its integrity check: {problem}")]
    Tampered {
        /// The stream, or `$all`.
        stream_id: String,
        /// What does not hold.
        problem: String,
    },
    /// The log is served read-only (an operator's choice while it is investigated).
    #[error("the log is read-only while its integrity is investigated")]
    ReadOnly,
    /// The connection string or options are invalid.
    #[error("invalid event store configuration: {0}")]
    Config(String),
    /// The database could not be reached or dropped the connection; retrying later may work.
    #[error("event store unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database failure.
    #[error("event store database error")]
    Database(#[source] sqlx::Error),
    /// Applying the checked-in schema migrations failed.
    #[error("event store migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

fn describe_actual(actual: Option<u64>) -> String {
    match actual {
        Some(version) => format!("is at version {version}"),
        None => "does not exist or was changed concurrently".to_owned(),
    }
}

impl StoreError {
    pub(crate) fn tampered(stream_id: &str, problem: impl std::fmt::Display) -> Self {
        Self::Tampered {
            stream_id: stream_id.to_owned(),
            problem: problem.to_string(),
        }
    }

    /// True for the optimistic-concurrency conflicts (gRPC `ABORTED`): reload and retry.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::WrongExpectedVersion { .. } | Self::ConcurrentAppend { .. }
        )
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error),
            other => Self::Database(other),
        }
    }
}
