//! The register places of each referral (`engagement_places`), kept from the log's
//! `session_attended` and `session_missed` by a checkpointed subscription: a referral's places
//! are spread over its sessions' streams, and its timeline needs them together. Every recording
//! of a place is a row, so the register as it stood at any time can be read again; a rebuild
//! (table emptied, checkpoint forgotten) writes the same rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use eventstore::{
    EventHandler, EventStore, HandlerError, RecordedEvent, StoreError, Subscription,
    SubscriptionError, Tx, on_conn, on_pool,
};
use uuid::Uuid;

use crate::domain::session::{Event, Source, Status};

/// The subscription (checkpoint) name.
pub const SUBSCRIPTION: &str = "engagement.places";

/// Keeps `engagement_places` from the log.
#[derive(Debug, Default)]
pub struct PlacesProjection;

/// A place in a register, as it stood at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The session.
    pub session_id: Uuid,
    /// The person's place.
    pub status: Status,
    /// What it rests on.
    pub source: Source,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

impl EventHandler for PlacesProjection {
    async fn handle(&mut self, tx: &mut Tx, recorded: &RecordedEvent) -> Result<(), HandlerError> {
        if !matches!(
            recorded.event_type.as_str(),
            "session_attended" | "session_missed"
        ) {
            return Ok(());
        }
        let (session_id, referral_id, status, source, at) = match recorded.decode::<Event>()? {
            Event::SessionAttended {
                session_id,
                person,
                source,
                at,
                ..
            } => (session_id, person.referral_id, Status::Attended, source, at),
            Event::SessionMissed {
                session_id,
                person,
                status,
                source,
                at,
                ..
            } => (session_id, person.referral_id, status, source, at),
            Event::SessionScheduled { .. } => return Ok(()),
        };
        let sql = "INSERT INTO engagement_places (referral_id, session_id, status, source, \
                   at_micros) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
        on_conn!(tx, |conn| sqlx::query(sql)
            .bind(referral_id.to_string())
            .bind(session_id.to_string())
            .bind(status.code())
            .bind(source.code())
            .bind(at.timestamp_micros())
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }
}

fn corrupt(what: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(what.into()))
}

/// A status or source read back from its code.
fn code<T: serde::de::DeserializeOwned>(text: String) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.clone()))
        .map_err(|_| corrupt(format!("{text:?} is not a code this service records")))
}

/// The register places of `referral_id` as they stood at `as_of`: each session's latest, in
/// the order they were recorded.
pub async fn as_of(
    store: &EventStore,
    referral_id: Uuid,
    as_of: DateTime<Utc>,
) -> Result<Vec<Place>, StoreError> {
    let sql = "SELECT session_id, status, source, at_micros FROM engagement_places \
               WHERE referral_id = $1 AND at_micros <= $2 ORDER BY at_micros, session_id";
    let rows: Vec<(String, String, String, i64)> = on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(referral_id.to_string())
        .bind(as_of.timestamp_micros())
        .fetch_all(pool)
        .await)?;
    let mut latest: BTreeMap<Uuid, Place> = BTreeMap::new();
    for (session_id, status, source, at) in rows {
        let place = Place {
            session_id: Uuid::parse_str(&session_id)
                .map_err(|_| corrupt(format!("{session_id:?} is not a UUID")))?,
            status: code(status)?,
            source: code(source)?,
            at: DateTime::from_timestamp_micros(at)
                .ok_or_else(|| corrupt(format!("{at} is not a time")))?,
        };
        latest.insert(place.session_id, place);
    }
    let mut places: Vec<Place> = latest.into_values().collect();
    places.sort_by_key(|place| (place.at, place.session_id));
    Ok(places)
}

/// Rebuilds the places from the whole log, reporting events replayed; returns how many.
pub async fn rebuild(
    store: &EventStore,
    progress: impl FnMut(u64),
) -> Result<u64, SubscriptionError> {
    let subscription = Subscription::new(store.clone(), SUBSCRIPTION);
    let reset = async |tx: &mut Tx| -> Result<(), StoreError> {
        on_conn!(tx, |conn| sqlx::query("DELETE FROM engagement_places")
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    };
    subscription
        .rebuild(&mut PlacesProjection, reset, progress)
        .await
}
