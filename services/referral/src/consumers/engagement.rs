//! The referral service's view of the engagement service's open lapses, so that the link
//! worker's holdings say when someone drifts away: each `engagement_lapsed` is kept until its
//! `engagement_resumed`, shown on the referral the link workers hold — the lapsed referral's
//! parent when it is an onward referral to a provider, as this service's own log says.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use contract::events::decode_if;
use eventstore::aggregate;
use eventstore::{EventStore, HandlerError, StoreError, Tx, on_conn, on_pool};
use messaging::{BusHandler, ReceivedEvent};
use proto::engagement::v1 as engagement;
use uuid::Uuid;

use crate::app::stream_id;
use crate::domain::referral::{Error, Event};

/// The producing service.
pub const PRODUCER: &str = "engagement";

/// The consumer's durable name (and inbox key).
pub const CONSUMER: &str = "referral-engagement-lapses";

/// An open lapse, as the holdings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLapse {
    /// The referral that lapsed (the held one, or an onward referral made from it).
    pub referral_id: String,
    /// The rule met.
    pub rule: String,
    /// What it rests on.
    pub evidence: String,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// Applies lapse events to `open_lapses` in the consumer's transaction.
#[derive(Debug)]
pub struct LapsesView {
    store: EventStore,
}

impl LapsesView {
    /// The view, finding onward referrals' parents in `store`.
    pub fn new(store: EventStore) -> Self {
        Self { store }
    }

    /// The referral a lapse on `referral_id` is shown on: its parent, for an onward referral.
    async fn shown_on(&self, referral_id: &str) -> Result<String, StoreError> {
        let Ok(id) = Uuid::parse_str(referral_id) else {
            return Ok(referral_id.to_owned());
        };
        let history = aggregate::load::<Event, Error>(&self.store, &stream_id(id)).await;
        let parent = history.ok().and_then(|history| {
            history.into_iter().find_map(|event| match event {
                Event::Requested { part_of, .. } => part_of,
                _ => None,
            })
        });
        Ok(parent.unwrap_or(id).to_string())
    }
}

impl BusHandler for LapsesView {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let (service, event) = (received.service.as_str(), &received.event);
        let (kind, payload) = (event.event_type.as_str(), &event.payload[..]);
        if let Some(lapsed) = decode_if::<engagement::EngagementLapsed>(service, kind, payload)? {
            let referral_id = normal(&lapsed.referral_id);
            let shown_on = self.shown_on(&referral_id).await?;
            let since = lapsed
                .at
                .map_or(0, |at| at.seconds.saturating_mul(1_000_000));
            let sql = "INSERT INTO open_lapses (referral_id, rule, shown_on, evidence, \
                       since_micros) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
            on_conn!(tx, |conn| {
                let query = sqlx::query(sql)
                    .bind(&referral_id)
                    .bind(&lapsed.rule)
                    .bind(&shown_on)
                    .bind(&lapsed.evidence)
                    .bind(since);
                query.execute(conn).await.map(drop)
            })?;
        } else if let Some(resumed) =
            decode_if::<engagement::EngagementResumed>(service, kind, payload)?
        {
            let sql = "DELETE FROM open_lapses WHERE referral_id = $1 AND rule = $2";
            let referral_id = normal(&resumed.referral_id);
            on_conn!(tx, |conn| sqlx::query(sql)
                .bind(&referral_id)
                .bind(&resumed.rule)
                .execute(conn)
                .await
                .map(drop))?;
        }
        Ok(())
    }
}

/// A referral id as this service writes it (hyphenated), whatever the producer sent.
fn normal(referral_id: &str) -> String {
    Uuid::parse_str(referral_id).map_or_else(|_| referral_id.to_owned(), |id| id.to_string())
}

/// The open lapses shown on each of `referral_ids`, by referral.
pub async fn open_on(
    store: &EventStore,
    referral_ids: &[String],
) -> Result<BTreeMap<String, Vec<OpenLapse>>, StoreError> {
    let sql = "SELECT shown_on, referral_id, rule, evidence, since_micros FROM open_lapses \
               ORDER BY since_micros";
    let rows: Vec<(String, String, String, String, i64)> =
        on_pool!(store, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    let mut open: BTreeMap<String, Vec<OpenLapse>> = BTreeMap::new();
    for (shown_on, referral_id, rule, evidence, since) in rows {
        if !referral_ids.contains(&shown_on) {
            continue;
        }
        open.entry(shown_on).or_default().push(OpenLapse {
            referral_id,
            rule,
            evidence,
            since: DateTime::from_timestamp_micros(since).unwrap_or_default(),
        });
    }
    Ok(open)
}
