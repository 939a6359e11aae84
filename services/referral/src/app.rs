//! The application layer: load a referral's stream, fold it, decide, append with the version
//! that was loaded. No rules live here; it only feeds the decider and records its answer.

use chrono::Utc;
use decider::Decider;
use eventstore::{EventMetadata, EventStore, ExpectedVersion, NewEvent, StoreError};
use uuid::Uuid;

use crate::domain::referral::{Error, Event, Issued, Referral};

/// Schema version of every referral event type (no upcasters yet).
pub const SCHEMA_VERSION: u32 = 1;

/// Why a command did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The referral's rules refused it.
    #[error(transparent)]
    Rejected(#[from] Error),
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

/// Who asked, for the event metadata.
#[derive(Debug, Clone)]
pub struct Context {
    /// Shared by everything one request causes.
    pub correlation_id: Uuid,
    /// The role the actor acted in.
    pub role: String,
    /// Pseudonymous subject of the referral.
    pub data_subject: Option<String>,
    /// The ICS.
    pub tenant: String,
}

/// The stream of one referral.
pub fn stream_id(referral_id: Uuid) -> String {
    format!("referral-{}", referral_id.simple())
}

/// Runs referral commands against the log.
#[derive(Debug, Clone)]
pub struct ReferralApp {
    store: EventStore,
}

impl ReferralApp {
    /// The app over the referral service's log.
    pub fn new(store: EventStore) -> Self {
        Self { store }
    }

    /// Loads a referral's history.
    pub async fn history(&self, referral_id: Uuid) -> Result<Vec<Event>, AppError> {
        self.store
            .load_stream(&stream_id(referral_id))
            .await?
            .iter()
            .map(|recorded| {
                recorded.decode().map_err(|source| AppError::Corrupt {
                    event_id: recorded.event_id,
                    source,
                })
            })
            .collect()
    }

    /// Decides `issued` against the referral's current state and appends what it causes,
    /// expecting the version it loaded: a concurrent change makes this a conflict, never a
    /// lost update.
    #[tracing::instrument(skip_all, fields(referral_id = %referral_id), err)]
    pub async fn handle(
        &self,
        referral_id: Uuid,
        issued: Issued,
        context: &Context,
    ) -> Result<Vec<Event>, AppError> {
        let history = self.history(referral_id).await?;
        let expected = match history.len() {
            0 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(n as u64),
        };
        let actor = issued.actor.clone();
        let state = Referral::fold(&history);
        let events = Referral::decide(&state, issued)?;
        if events.is_empty() {
            return Ok(events);
        }
        let metadata = EventMetadata {
            correlation_id: context.correlation_id,
            causation_id: None,
            traceparent: telemetry::current_traceparent(),
            actor: eventstore::Actor {
                id: actor.id,
                organisation: actor.organisation,
                role: context.role.clone(),
            },
            data_subject: context.data_subject.clone(),
            tenant: context.tenant.clone(),
        };
        let now = Utc::now();
        let new_events = events
            .iter()
            .map(|event| {
                NewEvent::json(
                    Uuid::now_v7(),
                    event.event_type(),
                    SCHEMA_VERSION,
                    now,
                    event,
                    metadata.clone(),
                )
                .map_err(AppError::Encode)
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.store
            .append(&stream_id(referral_id), expected, new_events)
            .await?;
        Ok(events)
    }
}
