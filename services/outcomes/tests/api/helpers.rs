//! What the outcomes tests share: a log with the bundled reference data, referrals in the
//! service's view of them (as its bus consumer would write them), and callers.

use chrono::{DateTime, Duration, Utc};
use eventstore::{EventStore, Subscription};
use outcomes::app::Context;
use outcomes::projections::outcomes::{OutcomesProjection, SUBSCRIPTION};
use uuid::Uuid;

pub(crate) const GP_PRACTICE: &str = "Y01234";
pub(crate) const LINK_WORKERS: &str = "PCN-LW-01";
pub(crate) const ELSEWHERE: &str = "PCN-LW-02";

/// A referral as the outcomes service's view holds it.
#[derive(Debug, Clone)]
pub(crate) struct ReferralRow {
    pub(crate) referral_id: Uuid,
    pub(crate) subject: String,
    pub(crate) started: DateTime<Utc>,
    pub(crate) share_with_referrer: bool,
    pub(crate) age_band: Option<&'static str>,
    pub(crate) sex: Option<&'static str>,
}

impl ReferralRow {
    /// A referral from the GP practice, taken on by the link workers `started_days_ago`.
    pub(crate) fn new(started_days_ago: i64) -> Self {
        let referral_id = Uuid::new_v4();
        Self {
            referral_id,
            subject: format!("nhs-hmac:{}", referral_id.simple()),
            started: Utc::now() - Duration::days(started_days_ago),
            share_with_referrer: true,
            age_band: Some("45-54"),
            sex: Some("female"),
        }
    }
}

/// Records the bundled instruments and value sets in `store`, as the service does at start.
pub(crate) async fn with_reference_data(store: &EventStore) {
    outcomes::migrate(store).await.expect("migrations");
    let service = Context::service("QWE");
    outcomes::catalogue::record::bundled(store, &service.metadata("QWE", None), Utc::now())
        .await
        .expect("the bundled reference data");
}

/// Puts `referral` in the service's view of referrals.
pub(crate) async fn remember(store: &EventStore, referral: &ReferralRow) {
    let sql = "INSERT INTO referrals (referral_id, subject, referrer, owner, holder, \
               requested_micros, started_micros, share_with_referrer, age_band, sex) \
               VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9)";
    let requested = (referral.started - Duration::days(3)).timestamp_micros();
    let id = referral.referral_id.to_string();
    eventstore::on_pool!(store, |pool| sqlx::query(sql)
        .bind(&id)
        .bind(&referral.subject)
        .bind(GP_PRACTICE)
        .bind(LINK_WORKERS)
        .bind(requested)
        .bind(referral.started.timestamp_micros())
        .bind(referral.share_with_referrer)
        .bind(referral.age_band)
        .bind(referral.sex)
        .execute(pool)
        .await
        .map(drop))
    .expect("remember the referral");
}

/// Brings the outcomes read model up to the log.
pub(crate) async fn caught_up(store: &EventStore) {
    Subscription::new(store.clone(), SUBSCRIPTION)
        .catch_up(&mut OutcomesProjection)
        .await
        .expect("the read model caught up");
}

/// A caller of `organisation` acting as `role`.
pub(crate) fn caller(organisation: &str, role: &str) -> identity::Caller {
    identity::Caller::new(&format!("{role}-1"), organisation, role)
}
