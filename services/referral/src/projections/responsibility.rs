//! The responsibility ledger's read model: the handoff trail of each referral, who was
//! accountable at any instant, and what each organisation holds now.

use chrono::{DateTime, Utc};
use eventstore::{
    EventHandler, EventStore, HandlerError, RecordedEvent, StoreError, Tx, on_conn, on_pool,
};

use crate::domain::referral::{Event, Holder};
use crate::domain::status::Status;

/// The subscription (checkpoint) name.
pub const SUBSCRIPTION: &str = "referral.responsibility";

/// One holder's period of accountability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Who.
    pub holder: Holder,
    /// From when.
    pub since: DateTime<Utc>,
    /// Until when; `None` while they still hold it.
    pub until: Option<DateTime<Utc>>,
    /// How it came to them: `referral`, `offer-accepted` or `assignment`.
    pub via: String,
}

/// A referral an organisation holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The referral.
    pub referral_id: String,
    /// The accountable practitioner, if assigned.
    pub practitioner: Option<String>,
    /// Since when the organisation has held it.
    pub since: DateTime<Utc>,
    /// Its status.
    pub status: String,
}

/// Maintains the tables from referral events.
#[derive(Debug, Default)]
pub struct ResponsibilityProjection;

impl EventHandler for ResponsibilityProjection {
    async fn handle(&mut self, tx: &mut Tx, recorded: &RecordedEvent) -> Result<(), HandlerError> {
        let Some(referral_id) = recorded.stream_id.strip_prefix("referral-") else {
            return Ok(());
        };
        let seq = recorded.stream_version as i64;
        match recorded.decode::<Event>()? {
            Event::Requested { referrer, at, .. } => {
                open_period(tx, referral_id, seq, &referrer, at, "referral").await?;
                let sql = "INSERT INTO referral_statuses (referral_id, status) VALUES ($1, $2)";
                save_status(tx, sql, referral_id, Status::Requested).await?;
            }
            Event::ResponsibilityHandedOff {
                to, at, offer_id, ..
            } => {
                let sql = "UPDATE responsibility_periods SET until_micros = $2 \
                           WHERE referral_id = $1 AND until_micros IS NULL";
                let until = at.timestamp_micros();
                on_conn!(tx, |conn| sqlx::query(sql)
                    .bind(referral_id)
                    .bind(until)
                    .execute(conn)
                    .await
                    .map(drop))?;
                let via = if offer_id.is_some() {
                    "offer-accepted"
                } else {
                    "assignment"
                };
                open_period(tx, referral_id, seq, &to, at, via).await?;
                if let Some(offer_id) = offer_id {
                    close_offer(tx, offer_id).await?;
                }
            }
            Event::ResponsibilityOffered { offer, .. } => {
                let sql = "INSERT INTO open_offers (offer_id, referral_id, expires_micros) \
                           VALUES ($1, $2, $3)";
                let (offer_id, expires) = (
                    offer.offer_id.to_string(),
                    offer.expires_at.timestamp_micros(),
                );
                on_conn!(tx, |conn| {
                    let query = sqlx::query(sql)
                        .bind(&offer_id)
                        .bind(referral_id)
                        .bind(expires);
                    query.execute(conn).await.map(drop)
                })?;
            }
            Event::OfferDeclined { offer_id, .. } | Event::OfferEscalated { offer_id, .. } => {
                close_offer(tx, offer_id).await?;
            }
            Event::StatusChanged { to, .. } => {
                let sql = "UPDATE referral_statuses SET status = $2 WHERE referral_id = $1";
                save_status(tx, sql, referral_id, to).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

async fn close_offer(tx: &mut Tx, offer_id: uuid::Uuid) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM open_offers WHERE offer_id = $1";
    let offer_id = offer_id.to_string();
    on_conn!(tx, |conn| sqlx::query(sql)
        .bind(&offer_id)
        .execute(conn)
        .await
        .map(drop))
}

/// Runs `sql` (an insert or update of `referral_statuses`) with the referral and status code.
async fn save_status(
    tx: &mut Tx,
    sql: &'static str,
    referral_id: &str,
    status: Status,
) -> Result<(), sqlx::Error> {
    let code = status.code();
    on_conn!(tx, |conn| {
        let query = sqlx::query(sql).bind(referral_id).bind(code);
        query.execute(conn).await.map(drop)
    })
}

async fn open_period(
    tx: &mut Tx,
    referral_id: &str,
    seq: i64,
    holder: &Holder,
    since: DateTime<Utc>,
    via: &str,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO responsibility_periods \
               (referral_id, seq, organisation, practitioner, since_micros, via) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    let since = since.timestamp_micros();
    on_conn!(tx, |conn| {
        sqlx::query(sql)
            .bind(referral_id)
            .bind(seq)
            .bind(&holder.organisation)
            .bind(&holder.practitioner)
            .bind(since)
            .bind(via)
            .execute(conn)
            .await
            .map(drop)
    })?;
    Ok(())
}

type PeriodRow = (String, Option<String>, i64, Option<i64>, String);

fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

fn period((organisation, practitioner, since, until, via): PeriodRow) -> Period {
    Period {
        holder: Holder {
            organisation,
            practitioner,
        },
        since: time(since),
        until: until.map(time),
        via,
    }
}

/// Every holder of the referral in order: its handoff trail.
pub async fn trail(store: &EventStore, referral_id: &str) -> Result<Vec<Period>, StoreError> {
    let sql = "SELECT organisation, practitioner, since_micros, until_micros, via \
               FROM responsibility_periods WHERE referral_id = $1 ORDER BY seq";
    let rows: Vec<PeriodRow> = on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(referral_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(period).collect())
}

/// Who was accountable for the referral at `at` (`None` before it existed).
pub async fn accountable_at(
    store: &EventStore,
    referral_id: &str,
    at: DateTime<Utc>,
) -> Result<Option<Period>, StoreError> {
    let sql = "SELECT organisation, practitioner, since_micros, until_micros, via \
               FROM responsibility_periods WHERE referral_id = $1 AND since_micros <= $2 \
               AND (until_micros IS NULL OR until_micros > $2) ORDER BY seq DESC LIMIT 1";
    let at = at.timestamp_micros();
    let row: Option<PeriodRow> = on_pool!(store, |pool| {
        sqlx::query_as(sql)
            .bind(referral_id)
            .bind(at)
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.map(period))
}

/// The open referrals an organisation is accountable for now, longest-waiting first.
pub async fn holdings(store: &EventStore, organisation: &str) -> Result<Vec<Holding>, StoreError> {
    let sql = "SELECT p.referral_id, p.practitioner, p.since_micros, s.status \
               FROM responsibility_periods p JOIN referral_statuses s USING (referral_id) \
               WHERE p.organisation = $1 AND p.until_micros IS NULL \
               AND s.status NOT IN ('rejected', 'completed', 'cancelled', 'failed', 'entered-in-error') \
               ORDER BY p.since_micros, p.referral_id";
    let rows: Vec<(String, Option<String>, i64, String)> =
        on_pool!(store, |pool| sqlx::query_as(sql)
            .bind(organisation)
            .fetch_all(pool)
            .await)?;
    Ok(rows
        .into_iter()
        .map(|(referral_id, practitioner, since, status)| Holding {
            referral_id,
            practitioner,
            since: time(since),
            status,
        })
        .collect())
}

/// An offer whose deadline has passed with nobody accepting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueOffer {
    /// The referral.
    pub referral_id: uuid::Uuid,
    /// The offer.
    pub offer_id: uuid::Uuid,
}

/// Open offers whose deadline is at or before `now`, oldest first.
pub async fn due_offers(
    store: &EventStore,
    now: DateTime<Utc>,
) -> Result<Vec<DueOffer>, StoreError> {
    let sql = "SELECT referral_id, offer_id FROM open_offers WHERE expires_micros <= $1 \
               ORDER BY expires_micros, offer_id";
    let now = now.timestamp_micros();
    let rows: Vec<(String, String)> = on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(now)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(referral_id, offer_id)| {
            Some(DueOffer {
                referral_id: uuid::Uuid::parse_str(&referral_id).ok()?,
                offer_id: uuid::Uuid::parse_str(&offer_id).ok()?,
            })
        })
        .collect())
}

/// The tables this projection writes, emptied before a rebuild.
const TABLES: [&str; 3] = [
    "DELETE FROM responsibility_periods",
    "DELETE FROM referral_statuses",
    "DELETE FROM open_offers",
];

/// Rebuilds the responsibility ledger from the whole log (`linkwork replay responsibility`):
/// empties its tables and forgets its checkpoint in one transaction, then replays every
/// event. Run it with the service stopped; `progress` hears the events applied so far.
pub async fn rebuild(
    store: &EventStore,
    progress: impl FnMut(u64),
) -> Result<u64, eventstore::SubscriptionError> {
    let subscription = eventstore::Subscription::new(store.clone(), SUBSCRIPTION);
    let reset = async |tx: &mut Tx| -> Result<(), StoreError> {
        for sql in TABLES {
            on_conn!(tx, |conn| sqlx::query(sql).execute(conn).await.map(drop))?;
        }
        Ok(())
    };
    subscription
        .rebuild(&mut ResponsibilityProjection, reset, progress)
        .await
}
