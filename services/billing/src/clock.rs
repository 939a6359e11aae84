//! The billing service's clock: a background task that, every `billing_clock_minutes`, records
//! `month_ended` in the log (`clock-billing`) for each calendar month that has ended since the
//! last one it recorded (on a new log, the month before this one). Block payments accrue on
//! these, so the wall clock is read in one place and what it read is recorded: a replay
//! accrues the same months. Each month's event id derives from the month, and the append
//! expects the version read, so two processes racing record it once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use eventstore::{EventMetadata, EventStore, NewEvent, Position, StoreError};
use uuid::Uuid;

use crate::app::{SCHEMA_VERSION, expected, service_actor};
use crate::domain::noted::{CLOCK_STREAM, Noted, month_ended_id};
use crate::domain::period::Month;

/// How long to wait after the log failed before trying again.
const RETRY: Duration = Duration::from_secs(30);

/// Looks at the calendar every `every` until `stopped`.
pub async fn run(
    store: EventStore,
    every: Duration,
    tenant: String,
    stopped: impl Future<Output = ()>,
) {
    tokio::pin!(stopped);
    loop {
        let wait = match close_months(&store, &tenant, Utc::now()).await {
            Ok(_) => every,
            Err(error) => {
                tracing::warn!(
                    error = %eventstore::error_chain(&error),
                    "the billing clock could not record a month's end; trying again"
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

/// Records the end of every month that has ended by `now` since the last one recorded (on a
/// new log, only last month's), and answers every month end the log holds, oldest first, with
/// its position.
pub async fn close_months(
    store: &EventStore,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(Month, Position)>, StoreError> {
    let recorded = ended(store).await?;
    let last_ended = Month::of(Month::of(now.date_naive()).first_day() - chrono::Days::new(1));
    let mut month = recorded
        .last()
        .map_or(last_ended, |(month, _)| month.next());
    let mut events = Vec::new();
    while month <= last_ended {
        events.push(month_ended(month, now, tenant)?);
        if month.next() == month {
            break;
        }
        month = month.next();
    }
    if events.is_empty() {
        return Ok(recorded);
    }
    match store
        .append(CLOCK_STREAM, expected(recorded.len() as u64), events)
        .await
    {
        // Another process recorded them first (its ids are these months' too).
        Ok(_) | Err(StoreError::EventIdReused { .. }) => {}
        Err(error) if error.is_conflict() => {}
        Err(error) => return Err(error),
    }
    ended(store).await
}

/// Every month end the log holds, oldest first, with its position.
async fn ended(store: &EventStore) -> Result<Vec<(Month, Position)>, StoreError> {
    let recorded = store.load_stream(CLOCK_STREAM).await?;
    let mut months = Vec::with_capacity(recorded.len());
    for event in recorded {
        let noted: Noted = event
            .decode()
            .map_err(|error| StoreError::Config(format!("a month end is not JSON: {error}")))?;
        if let Noted::MonthEnded { month, .. } = noted {
            months.push((month, event.position));
        }
    }
    Ok(months)
}

fn month_ended(month: Month, at: DateTime<Utc>, tenant: &str) -> Result<NewEvent, StoreError> {
    let ended = Noted::MonthEnded { month, at };
    let metadata = EventMetadata {
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        traceparent: None,
        actor: service_actor(tenant),
        data_subject: None,
        tenant: tenant.to_owned(),
    };
    NewEvent::json(
        month_ended_id(month),
        ended.event_type(),
        SCHEMA_VERSION,
        at,
        &ended,
        metadata,
    )
    .map_err(|error| StoreError::Config(format!("a month end is not JSON: {error}")))
}
