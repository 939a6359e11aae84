//! The engagement service's clock: a background task that records `clock_ticked` in the log
//! (`clock-engagement`) every `clock_tick_minutes`. It is the one place the lapse rules' time
//! comes from the wall clock, and what it read is recorded, so that a replay judges at the
//! same instants. A tick is due one interval after the last one the log holds, so restarts
//! neither skip ticks nor crowd them; two processes racing to tick record one (the append
//! expects the version read).

use std::time::Duration;

use chrono::Utc;
use eventstore::{EventMetadata, EventStore, ExpectedVersion, NewEvent, StoreError};
use uuid::Uuid;

use crate::app::{SCHEMA_VERSION, service_actor};
use crate::domain::events::{CLOCK_STREAM, Event};

/// How long to wait after the log failed before trying again.
const RETRY: Duration = Duration::from_secs(30);

/// Ticks every `every` until `stopped`.
pub async fn run(
    store: EventStore,
    every: Duration,
    tenant: String,
    stopped: impl Future<Output = ()>,
) {
    tokio::pin!(stopped);
    loop {
        let wait = match tick_if_due(&store, every, &tenant).await {
            Ok(wait) => wait,
            Err(error) => {
                tracing::warn!(
                    error = %eventstore::error_chain(&error),
                    "the clock could not tick; trying again"
                );
                RETRY.min(every)
            }
        };
        tokio::select! {
            () = &mut stopped => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Records a tick if one is due, and answers how long until the next one is.
pub async fn tick_if_due(
    store: &EventStore,
    every: Duration,
    tenant: &str,
) -> Result<Duration, StoreError> {
    let version = store.stream_version(CLOCK_STREAM).await?;
    let last = match version {
        Some(version) => store.read_stream(CLOCK_STREAM, version, 1).await?,
        None => Vec::new(),
    };
    let now = Utc::now();
    if let Some(last) = last.first() {
        let due = last.occurred_at + every;
        if due > now {
            return Ok((due - now).to_std().unwrap_or(every));
        }
    }
    let tick = Event::ClockTicked { at: now };
    let metadata = EventMetadata {
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        traceparent: None,
        actor: service_actor(tenant),
        data_subject: None,
        tenant: tenant.to_owned(),
    };
    let event = NewEvent::json(
        Uuid::now_v7(),
        tick.event_type(),
        SCHEMA_VERSION,
        now,
        &tick,
        metadata,
    )
    .map_err(|error| StoreError::Config(format!("a clock tick is not JSON: {error}")))?;
    let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
    match store.append(CLOCK_STREAM, expected, vec![event]).await {
        Ok(_) => Ok(every),
        // Another process ticked first: its tick is the last one now.
        Err(error) if error.is_conflict() => Ok(Duration::ZERO),
        Err(error) => Err(error),
    }
}
