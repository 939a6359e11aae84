//! What a service that works with referrals knows of each, kept from the referral service's
//! published events (decoded into the contracts it declares,
//! `proto/linkwork/referral/v1/events.proto`) by the service's own idempotent bus consumer:
//! whose person each referral is, who its parties are, its status, when its episode started and
//! closed, and the person's consents. The outcomes and engagement services each keep one, in
//! their own database ([`migrate`]), under their own consumer name. Events the view does not
//! read are skipped.

use contract::events::decode_if;
use std::collections::BTreeMap;

use eventstore::{EventStore, HandlerError, PoolRef, StoreError, Tx, on_conn, on_pool};
use messaging::{BusHandler, ReceivedEvent};
use prost_types::Timestamp;
use proto::referral::v1 as referral;
use uuid::Uuid;

/// The producing service.
pub const PRODUCER: &str = "referral";

/// Applies the view's table to `store`, with a migrations table of its own beside the
/// service's.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    servicekit::apply_migrations(
        store,
        sqlx::migrate!("./migrations"),
        "_referral_view_migrations",
    )
    .await
}

/// Applies referral events to `referrals` in the consumer's transaction.
#[derive(Debug, Default)]
pub struct ReferralView;

/// A referral as the view holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Its id, hyphenated.
    pub referral_id: Uuid,
    /// The person's pseudonym.
    pub subject: String,
    /// The organisation that referred.
    pub referrer: String,
    /// The organisation that owns the task.
    pub owner: String,
    /// The organisation holding the person now.
    pub holder: String,
    /// The organisation an open offer is for.
    pub offered_to: Option<String>,
    /// The referral it was made onward from, for an onward referral.
    pub part_of: Option<Uuid>,
    /// Its FHIR `Task.status` code now, e.g. "accepted".
    pub status: String,
    /// When it was made, in microseconds since the epoch.
    pub requested_micros: i64,
    /// When the receiving organisation took it on: the episode's start.
    pub started_micros: Option<i64>,
    /// When it closed.
    pub closed_micros: Option<i64>,
    /// Whether the person consented to sharing their details with providers.
    pub share_with_providers: bool,
    /// Whether the person consented to their outcomes reaching the referrer.
    pub share_with_referrer: bool,
    /// Whether the person consented to their device data (wearables, apps) being recorded and
    /// shared with the parties to their referral.
    pub share_device_data: bool,
    /// The person's age band when referred, if the referral said.
    pub age_band: Option<String>,
    /// The person's sex, if the referral said.
    pub sex: Option<String>,
}

impl Referral {
    /// Whether `organisation` is a party to it, as the referral service decides it: the
    /// referrer, the owner, the holder, or the organisation an open offer is for.
    pub fn has_party(&self, organisation: &str) -> bool {
        self.referrer == organisation
            || self.owner == organisation
            || self.holder == organisation
            || self.offered_to.as_deref() == Some(organisation)
    }

    /// Whether the receiving organisation has taken it on and it is not closed: accepted, in
    /// progress or on hold.
    pub fn is_taken_on(&self) -> bool {
        matches!(self.status.as_str(), "accepted" | "in-progress" | "on-hold")
    }

    /// Whether `organisation` may see the person's outcomes: a party, and for the referrer
    /// alone (neither owning nor holding it) only with the person's consent.
    pub fn shows_outcomes_to(&self, organisation: &str) -> bool {
        let cares = self.owner == organisation
            || self.holder == organisation
            || self.offered_to.as_deref() == Some(organisation);
        cares || (self.referrer == organisation && self.share_with_referrer)
    }
}

fn micros(at: Option<&Timestamp>) -> i64 {
    at.map_or(0, |at| {
        at.seconds
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(at.nanos / 1000))
    })
}

/// The referral a referral stream's id names (`referral-<simple uuid>`); `None` for any other
/// stream. What every consumer of the referral service's events reads the referral from.
pub fn referral_of_stream(stream_id: &str) -> Option<Uuid> {
    Uuid::try_parse(stream_id.strip_prefix("referral-")?).ok()
}

async fn run(
    tx: &mut Tx,
    sql: &'static str,
    id: &str,
    value: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_conn!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(value)
        .execute(conn)
        .await
        .map(drop))
}

/// A payload that breaks its contract fails the delivery, which is retried, loudly; the
/// referral service's contract tests keep that from happening.
impl BusHandler for ReferralView {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let (service, event) = (received.service.as_str(), &received.event);
        let (kind, payload) = (event.event_type.as_str(), &event.payload[..]);
        let Some(id) = referral_of_stream(&event.stream_id).map(|id| id.to_string()) else {
            return Ok(());
        };
        let id = id.as_str();
        if let Some(requested) = decode_if::<referral::ReferralRequested>(service, kind, payload)? {
            let subject = event.metadata.data_subject.clone().unwrap_or_default();
            let referrer = requested
                .referrer
                .map(|holder| holder.organisation)
                .unwrap_or_default();
            let consent = requested.consent.unwrap_or_default();
            let sql = "INSERT INTO referrals (referral_id, subject, referrer, owner, holder, \
                       requested_micros, share_with_referrer, age_band, sex, part_of, \
                       share_with_providers, share_device_data) \
                       VALUES ($1, $2, $3, $4, $3, $5, $6, $7, $8, $9, $10, $11) \
                       ON CONFLICT DO NOTHING";
            on_conn!(tx, |conn| {
                let query = sqlx::query(sql)
                    .bind(id)
                    .bind(&subject)
                    .bind(&referrer)
                    .bind(&requested.receiving_organisation)
                    .bind(micros(requested.at.as_ref()))
                    .bind(consent.share_outcome_with_referrer)
                    .bind(requested.age_band.as_deref())
                    .bind(requested.sex.as_deref())
                    .bind(requested.part_of.as_deref())
                    .bind(consent.share_with_providers)
                    .bind(consent.share_device_data);
                query.execute(conn).await.map(drop)
            })?;
        } else if let Some(offered) =
            decode_if::<referral::ResponsibilityOffered>(service, kind, payload)?
        {
            let to = offered
                .offer
                .and_then(|offer| offer.to)
                .map(|to| to.organisation);
            let sql = "UPDATE referrals SET offered_to = $2 WHERE referral_id = $1";
            run(tx, sql, id, to.as_deref()).await?;
        } else if let Some(handed) =
            decode_if::<referral::ResponsibilityHandedOff>(service, kind, payload)?
        {
            let to = handed.to.map(|to| to.organisation).unwrap_or_default();
            // Taken on through an offer: the offer is no longer open, and the one who took it
            // owns the task.
            let sql = match handed.offer_id.is_some() {
                true => {
                    "UPDATE referrals SET holder = $2, owner = $2, offered_to = NULL \
                         WHERE referral_id = $1"
                }
                false => "UPDATE referrals SET holder = $2 WHERE referral_id = $1",
            };
            run(tx, sql, id, Some(&to)).await?;
        } else if decode_if::<referral::ResponsibilityOfferDeclined>(service, kind, payload)?
            .is_some()
            || decode_if::<referral::ResponsibilityOfferEscalated>(service, kind, payload)?
                .is_some()
        {
            let sql = "UPDATE referrals SET offered_to = $2 WHERE referral_id = $1";
            run(tx, sql, id, None).await?;
        } else if let Some(changed) =
            decode_if::<referral::ReferralStatusChanged>(service, kind, payload)?
        {
            // Taken on: the episode starts; closed: it ends. Each is its first time.
            let sql = "UPDATE referrals SET status = $3, \
                       started_micros = CASE WHEN $3 = 'accepted' \
                           THEN COALESCE(started_micros, $2) ELSE started_micros END, \
                       closed_micros = CASE WHEN $3 IN ('completed', 'cancelled', 'failed', \
                           'rejected', 'entered-in-error') \
                           THEN COALESCE(closed_micros, $2) ELSE closed_micros END \
                       WHERE referral_id = $1";
            on_conn!(tx, |conn| sqlx::query(sql)
                .bind(id)
                .bind(micros(changed.at.as_ref()))
                .bind(&changed.to)
                .execute(conn)
                .await
                .map(drop))?;
        } else if decode_if::<referral::ConsentWithdrawn>(service, kind, payload)?.is_some() {
            // Withdrawal is of every consent at once: the referral service has no partial one.
            let sql = "UPDATE referrals SET share_with_referrer = FALSE, \
                       share_with_providers = FALSE, share_device_data = FALSE \
                       WHERE referral_id = $1";
            on_conn!(tx, |conn| sqlx::query(sql)
                .bind(id)
                .execute(conn)
                .await
                .map(drop))?;
        }
        Ok(())
    }
}

/// The columns a [`Row`] reads, for `concat!` (the SQL stays a literal).
macro_rules! columns {
    () => {
        "subject, referrer, owner, holder, offered_to, requested_micros, started_micros, \
         closed_micros, share_with_referrer, age_band, sex, part_of, status, \
         share_with_providers, share_device_data"
    };
}

/// The referral `referral_id` as the view holds it, if the view has heard of it.
pub async fn find(store: &EventStore, referral_id: Uuid) -> Result<Option<Referral>, StoreError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM referrals WHERE referral_id = $1"
    );
    let id = referral_id.to_string();
    let row: Option<Row> = on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(&id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(|row| row.into_referral(referral_id)))
}

/// The referrals of `referral_ids` the view has heard of, by id, in one query: what a request
/// naming many referrals (a batch of device evidence) reads.
pub async fn find_many(
    store: &EventStore,
    referral_ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Referral>, StoreError> {
    let ids: Vec<String> = referral_ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<Keyed> = match store.pool_ref() {
        PoolRef::Postgres(pool) => {
            let sql = concat!(
                "SELECT referral_id, ",
                columns!(),
                " FROM referrals WHERE referral_id = ANY($1)"
            );
            sqlx::query_as(sql).bind(&ids).fetch_all(pool).await?
        }
        PoolRef::Sqlite(pool) => {
            // SQLite takes no arrays: the ids go as one JSON array, unpacked by json_each (a
            // UUID's text needs no escaping).
            let sql = concat!(
                "SELECT referral_id, ",
                columns!(),
                " FROM referrals WHERE referral_id IN (SELECT value FROM json_each($1))"
            );
            let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
            let json = format!("[{}]", quoted.join(","));
            sqlx::query_as(sql).bind(json).fetch_all(pool).await?
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|keyed| {
            let referral_id = Uuid::parse_str(&keyed.referral_id).ok()?;
            Some((referral_id, keyed.row.into_referral(referral_id)))
        })
        .collect())
}

/// A row of the view with its id.
#[derive(sqlx::FromRow)]
struct Keyed {
    referral_id: String,
    #[sqlx(flatten)]
    row: Row,
}

impl Row {
    fn into_referral(self, referral_id: Uuid) -> Referral {
        Referral {
            referral_id,
            subject: self.subject,
            referrer: self.referrer,
            owner: self.owner,
            holder: self.holder,
            offered_to: self.offered_to,
            part_of: self.part_of.and_then(|id| Uuid::parse_str(&id).ok()),
            status: self.status,
            requested_micros: self.requested_micros,
            started_micros: self.started_micros,
            closed_micros: self.closed_micros,
            share_with_providers: self.share_with_providers,
            share_with_referrer: self.share_with_referrer,
            share_device_data: self.share_device_data,
            age_band: self.age_band,
            sex: self.sex,
        }
    }
}

/// A row of the view, as stored.
#[derive(sqlx::FromRow)]
struct Row {
    subject: String,
    referrer: String,
    owner: String,
    holder: String,
    offered_to: Option<String>,
    requested_micros: i64,
    started_micros: Option<i64>,
    closed_micros: Option<i64>,
    share_with_referrer: bool,
    age_band: Option<String>,
    sex: Option<String>,
    part_of: Option<String>,
    status: String,
    share_with_providers: bool,
    share_device_data: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referral() -> Referral {
        Referral {
            referral_id: Uuid::nil(),
            subject: "nhs-hmac:x".to_owned(),
            referrer: "GP".to_owned(),
            owner: "PCN".to_owned(),
            holder: "PCN".to_owned(),
            offered_to: Some("VCSE".to_owned()),
            part_of: None,
            status: "accepted".to_owned(),
            requested_micros: 0,
            started_micros: None,
            closed_micros: None,
            share_with_providers: true,
            share_with_referrer: false,
            share_device_data: false,
            age_band: None,
            sex: None,
        }
    }

    #[test]
    fn the_referrer_sees_outcomes_only_with_consent() {
        let mut referral = referral();
        assert!(referral.has_party("GP") && !referral.shows_outcomes_to("GP"));
        assert!(referral.shows_outcomes_to("PCN") && referral.shows_outcomes_to("VCSE"));
        assert!(!referral.has_party("ELSEWHERE") && !referral.shows_outcomes_to("ELSEWHERE"));
        referral.share_with_referrer = true;
        assert!(referral.shows_outcomes_to("GP"));
    }

    #[test]
    fn referral_streams_name_their_referral() {
        let id = Uuid::new_v4();
        assert_eq!(
            referral_of_stream(&format!("referral-{}", id.simple())),
            Some(id)
        );
        assert_eq!(referral_of_stream("service-1"), None);
        assert_eq!(referral_of_stream("referral-not-a-uuid"), None);
    }
}
