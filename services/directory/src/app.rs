//! The application layer: load a service's stream, fold it, decide, append with the version
//! that was loaded. The events are what the relay publishes for other services to read.

use chrono::Utc;
use decider::Decider;
use eventstore::{EventMetadata, EventStore, ExpectedVersion, NewEvent, StoreError};
use uuid::Uuid;

use crate::domain::service::{Command, Error, Event, Issued, Service};

/// Schema version of every directory event type (no upcasters yet).
pub const SCHEMA_VERSION: u32 = 1;

/// Why a command did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The service's rules refused it.
    #[error(transparent)]
    Rejected(#[from] Error),
    /// The log refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored event could not be read back, or a new one written.
    #[error("a directory event could not be (de)serialised")]
    Corrupt(#[source] serde_json::Error),
}

/// Who is acting, for the event metadata.
#[derive(Debug, Clone)]
pub struct Context {
    /// The acting user or system.
    pub actor: eventstore::Actor,
    /// Shared by everything one request causes.
    pub correlation_id: Uuid,
    /// The ICS.
    pub tenant: String,
}

/// The stream of one directory service. Ids are restricted to `[A-Za-z0-9_-]` by the log.
pub fn stream_id(service_id: &str) -> String {
    format!("service-{service_id}")
}

/// Runs directory commands against the log.
#[derive(Debug, Clone)]
pub struct DirectoryApp {
    store: EventStore,
}

impl DirectoryApp {
    /// The app over the directory service's log.
    pub fn new(store: EventStore) -> Self {
        Self { store }
    }

    /// A service's history, oldest first: what "a service's full history is queryable" reads.
    pub async fn history(&self, service_id: &str) -> Result<Vec<Event>, AppError> {
        self.store
            .load_stream(&stream_id(service_id))
            .await?
            .iter()
            .map(|recorded| recorded.decode().map_err(AppError::Corrupt))
            .collect()
    }

    /// Decides `command` for `service_id` and appends what it causes, expecting the version it
    /// loaded, so a concurrent change is a conflict rather than a lost update.
    #[tracing::instrument(skip_all, fields(service_id = %service_id), err)]
    pub async fn handle(
        &self,
        service_id: &str,
        command: Command,
        context: &Context,
    ) -> Result<Vec<Event>, AppError> {
        let history = self.history(service_id).await?;
        let expected = match history.len() {
            0 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(n as u64),
        };
        let at = Utc::now();
        let issued = Issued {
            service_id: service_id.to_owned(),
            at,
            command,
        };
        let events = Service::decide(&Service::fold(&history), issued)?;
        if events.is_empty() {
            return Ok(events);
        }
        let metadata = EventMetadata {
            correlation_id: context.correlation_id,
            causation_id: None,
            traceparent: telemetry::current_traceparent(),
            actor: context.actor.clone(),
            data_subject: None,
            tenant: context.tenant.clone(),
        };
        let new_events = events
            .iter()
            .map(|event| {
                NewEvent::json(
                    Uuid::now_v7(),
                    event.event_type(),
                    SCHEMA_VERSION,
                    at,
                    event,
                    metadata.clone(),
                )
                .map_err(AppError::Corrupt)
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.store
            .append(&stream_id(service_id), expected, new_events)
            .await?;
        Ok(events)
    }
}
