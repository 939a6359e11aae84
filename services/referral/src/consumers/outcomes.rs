//! The referral service's view of the person's outcome measures, for the message back: each
//! response the outcomes service paired with its baseline (at follow-up or at close), its
//! latest derivation, from the outcomes service's published `outcome_recorded` events
//! (`proto/linkwork/outcomes/v1/events.proto`). Whether they reach the referrer is the
//! referral's own consent, decided when the message back is produced.

use std::collections::BTreeMap;

use contract::events::decode_if;
use eventstore::{EventStore, HandlerError, StoreError, Tx, on_conn, on_pool};
use messaging::{BusHandler, ReceivedEvent};
use proto::outcomes::v1 as outcomes;

use crate::domain::referral::MeasuredOutcome;

/// The producing service.
pub const PRODUCER: &str = "outcomes";

/// The consumer's durable name (and inbox key).
pub const CONSUMER: &str = "referral-outcomes-view";

/// Where in the episode a measure is paired with the baseline.
const PAIRED: [&str; 2] = ["follow-up", "close"];

/// Applies `outcome_recorded` events to `measured_outcomes` in the consumer's transaction.
#[derive(Debug, Default)]
pub struct OutcomesView;

impl BusHandler for OutcomesView {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let (service, event) = (received.service.as_str(), &received.event);
        let (kind, payload) = (event.event_type.as_str(), &event.payload[..]);
        let Some(recorded) = decode_if::<outcomes::OutcomeRecorded>(service, kind, payload)? else {
            return Ok(());
        };
        if !PAIRED.contains(&recorded.timepoint.as_str()) {
            return Ok(());
        }
        let measured = serde_json::to_string(&measured(&recorded))?;
        let authored = recorded
            .authored
            .map_or(0, |at| at.seconds.saturating_mul(1_000_000));
        // A later derivation (another value set in force) replaces an earlier one.
        let sql = "INSERT INTO measured_outcomes (response_id, referral_id, instrument, \
                   derivation, authored_micros, outcome) VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (response_id) DO UPDATE SET derivation = $4, outcome = $6 \
                   WHERE measured_outcomes.derivation < $4";
        on_conn!(tx, |conn| {
            let query = sqlx::query(sql)
                .bind(&recorded.response_id)
                .bind(&recorded.referral_id)
                .bind(&recorded.instrument)
                .bind(i64::from(recorded.derivation))
                .bind(authored)
                .bind(&measured);
            query.execute(conn).await.map(drop)
        })?;
        Ok(())
    }
}

/// An outcome as the message back words it.
fn measured(recorded: &outcomes::OutcomeRecorded) -> MeasuredOutcome {
    MeasuredOutcome {
        instrument: recorded.instrument.clone(),
        instrument_version: recorded.instrument_version.clone(),
        timepoint: recorded.timepoint.clone(),
        changes: recorded
            .changes
            .iter()
            .filter(|change| !change.verdict.is_empty())
            .map(|change| {
                let sign = if change.delta.starts_with('-') {
                    ""
                } else {
                    "+"
                };
                format!(
                    "{} {sign}{} (MID {}): {}",
                    change.code, change.delta, change.mid, change.verdict
                )
            })
            .collect(),
        mid_passed: recorded.mid_passed,
    }
}

/// The latest paired measure of each instrument for `referral_id`, by instrument.
pub async fn measured_outcomes(
    store: &EventStore,
    referral_id: uuid::Uuid,
) -> Result<Vec<MeasuredOutcome>, StoreError> {
    let sql = "SELECT instrument, outcome FROM measured_outcomes WHERE referral_id = $1 \
               ORDER BY authored_micros, response_id";
    let rows: Vec<(String, String)> = on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(referral_id.to_string())
        .fetch_all(pool)
        .await)?;
    let mut latest = BTreeMap::new();
    for (instrument, outcome) in rows {
        // Only what this consumer wrote is read back; a row that no longer reads is skipped.
        if let Ok(outcome) = serde_json::from_str::<MeasuredOutcome>(&outcome) {
            latest.insert(instrument, outcome);
        }
    }
    Ok(latest.into_values().collect())
}
