//! The outcomes read model: every derivation of every scored response, for FHIR's searches
//! across referrals (by person, by response) and for finding what to derive again; folded from
//! the outcomes log by a checkpointed subscription and rebuildable from it. Outcomes "as of" a
//! date are, per response, the latest derivation recorded by then — so a report of last month
//! shows what was known last month. (One referral's outcomes are read from its own stream,
//! which a caller's writes reach at once.)

use chrono::{DateTime, Utc};
use eventstore::{
    EventHandler, EventStore, HandlerError, RecordedEvent, StoreError, Tx, on_conn, on_pool,
};

use crate::domain::events::{Event, Outcome};

/// The subscription (checkpoint) name.
pub const SUBSCRIPTION: &str = "outcomes.outcomes";

/// Keeps `outcomes` from the log.
#[derive(Debug, Default)]
pub struct OutcomesProjection;

impl EventHandler for OutcomesProjection {
    async fn handle(&mut self, tx: &mut Tx, recorded: &RecordedEvent) -> Result<(), HandlerError> {
        if recorded.event_type != "outcome_recorded" {
            return Ok(());
        }
        let Event::OutcomeRecorded(outcome) = recorded.decode::<Event>()? else {
            return Ok(());
        };
        let sql = "INSERT INTO outcomes (response_id, derivation, referral_id, subject, \
                   instrument, instrument_version, value_set, authored_micros, derived_micros, \
                   payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT DO NOTHING";
        let value_set = outcome
            .utility
            .as_ref()
            .map(|utility| format!("{} v{}", utility.value_set, utility.value_set_version));
        let payload = serde_json::to_string(&outcome)?;
        on_conn!(tx, |conn| {
            let query = sqlx::query(sql)
                .bind(outcome.response_id.to_string())
                .bind(i64::from(outcome.derivation))
                .bind(outcome.referral_id.to_string())
                .bind(&outcome.subject)
                .bind(&outcome.instrument)
                .bind(&outcome.instrument_version)
                .bind(value_set.as_deref())
                .bind(outcome.authored.timestamp_micros())
                .bind(outcome.at.timestamp_micros())
                .bind(&payload);
            query.execute(conn).await.map(drop)
        })?;
        Ok(())
    }
}

/// Which outcomes to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Of one person (pseudonym).
    pub subject: Option<String>,
    /// Of one instrument.
    pub instrument: Option<String>,
    /// Of one response.
    pub response_id: Option<String>,
}

/// The outcomes `filter` selects as known at `as_of`: per response, its latest derivation
/// recorded by then; newest answered first.
pub async fn as_of(
    store: &EventStore,
    filter: &Filter,
    as_of: DateTime<Utc>,
) -> Result<Vec<Outcome>, StoreError> {
    let sql = "SELECT payload FROM outcomes WHERE derived_micros <= $1 \
               AND ($2 IS NULL OR subject = $2) AND ($3 IS NULL OR instrument = $3) \
               AND ($4 IS NULL OR response_id = $4) \
               ORDER BY authored_micros DESC, response_id, derivation DESC";
    let rows: Vec<(String,)> = on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(as_of.timestamp_micros())
        .bind(filter.subject.as_deref())
        .bind(filter.instrument.as_deref())
        .bind(filter.response_id.as_deref())
        .fetch_all(pool)
        .await)?;
    let mut latest: Vec<Outcome> = Vec::new();
    for (payload,) in rows {
        let outcome: Outcome = serde_json::from_str(&payload)
            .map_err(|error| StoreError::Database(sqlx::Error::Decode(Box::new(error))))?;
        // Rows come per response, its latest derivation first.
        if latest
            .last()
            .is_some_and(|kept| kept.response_id == outcome.response_id)
        {
            continue;
        }
        latest.push(outcome);
    }
    Ok(latest)
}

/// Rebuilds the read model from the whole log, reporting events replayed; returns how many.
pub async fn rebuild(
    store: &EventStore,
    progress: impl FnMut(u64),
) -> Result<u64, eventstore::SubscriptionError> {
    let subscription = eventstore::Subscription::new(store.clone(), SUBSCRIPTION);
    let reset = async |tx: &mut Tx| -> Result<(), StoreError> {
        on_conn!(tx, |conn| sqlx::query("DELETE FROM outcomes")
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    };
    subscription
        .rebuild(&mut OutcomesProjection, reset, progress)
        .await
}
