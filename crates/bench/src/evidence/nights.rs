//! Who the device-evidence benchmark records for and what an integrator sends: referrals in
//! progress whose people consented to share device data, written into the engagement service's
//! referral view as its bus consumer would have written them, and each night's summaries of
//! the day before — one day, every person, one to three measures each — posted in batches, as
//! an integrator's nightly job posts FHIR Bundles (at most 1,000 entries). A night's values
//! come from the seed and the night alone, so a night can be sent again unchanged.

use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use engagement::app::NewSummary;
use engagement::domain::evidence::Measure;
use eventstore::{EventStore, on_pool};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// The integrator's organisation: the caller of every batch.
pub(crate) const INTEGRATOR: &str = "INT-FITCO";
/// The link workers' PCN, owner and holder of every referral.
const PCN: &str = "PCN-A";
/// The GP practice that referred.
const REFERRER: &str = "Y01234";
/// The integrator's source system.
const SOURCE_SYSTEM: &str = "https://fitco.example/daily-summaries";

/// One referral as the view holds it.
#[derive(Debug)]
struct Referral {
    id: Uuid,
    subject: String,
}

/// The referrals, the nights, and how each night is sent.
#[derive(Debug)]
pub(crate) struct Nights {
    referrals: Vec<Referral>,
    /// The first day summarised; the last is yesterday.
    first: NaiveDate,
    days: u64,
    measures: Vec<Measure>,
    /// People per batch: a batch holds their summaries of every measure.
    people_per_batch: usize,
}

impl Nights {
    /// `referrals` referrals, each summarised on each of the last `days` days in `measures`
    /// measures (1 to 3: steps, active minutes, app check-ins), sent in batches of at most
    /// `batch` summaries.
    pub(crate) fn new(referrals: u64, days: u64, measures: usize, batch: usize) -> Self {
        let measures: Vec<Measure> = Measure::ALL.into_iter().take(measures.max(1)).collect();
        let today = Utc::now().date_naive();
        Self {
            referrals: (0..referrals)
                .map(|_| Referral {
                    id: Uuid::new_v4(),
                    subject: format!("hmac-sha256:{:032x}", Uuid::new_v4().as_u128()),
                })
                .collect(),
            first: today - Duration::days(days as i64),
            days,
            people_per_batch: (batch / measures.len()).max(1),
            measures,
        }
    }

    /// How many summaries in all.
    pub(crate) fn summaries(&self) -> u64 {
        self.referrals.len() as u64 * self.days * self.measures.len() as u64
    }

    /// How many nights.
    pub(crate) fn nights(&self) -> u64 {
        self.days
    }

    /// Summaries in a full batch.
    pub(crate) fn batch(&self) -> usize {
        self.people_per_batch * self.measures.len()
    }

    /// "10000 × 100 × 1", referrals × days × measures.
    pub(crate) fn shape(&self) -> String {
        format!(
            "{} × {} × {}",
            self.referrals.len(),
            self.days,
            self.measures.len()
        )
    }

    /// Writes every referral into the `referrals` view, in progress, made a week before the
    /// first day summarised, the person consenting to share device data; many rows a
    /// statement (not measured).
    pub(crate) async fn insert_view(&self, store: &EventStore) -> anyhow::Result<()> {
        const ROWS_PER_STATEMENT: usize = 200;
        let made = (self.first - Duration::days(7)).and_time(NaiveTime::MIN);
        let requested = made.and_utc().timestamp_micros();
        let started = (made + Duration::days(2)).and_utc().timestamp_micros();
        for chunk in self.referrals.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| {
                    let bound: Vec<String> = (1..=7).map(|k| format!("${}", row * 7 + k)).collect();
                    format!("({}, 'in-progress', TRUE, TRUE, TRUE)", bound.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO referrals (referral_id, subject, referrer, owner, holder, \
                 requested_micros, started_micros, status, share_with_referrer, \
                 share_with_providers, share_device_data) VALUES {}",
                rows.join(", ")
            );
            on_pool!(store, |pool| {
                // Built from placeholders only: every value is bound.
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for referral in chunk {
                    query = query
                        .bind(referral.id.to_string())
                        .bind(referral.subject.as_str())
                        .bind(REFERRER)
                        .bind(PCN)
                        .bind(PCN)
                        .bind(requested)
                        .bind(started);
                }
                query.execute(pool).await.map(drop)
            })?;
        }
        Ok(())
    }

    /// Night `night`'s batches (from 0, the first day): every referral's summaries of that
    /// day, in referral order, each person's measures together.
    pub(crate) fn night(&self, night: u64, seed: u64) -> Vec<Vec<NewSummary>> {
        let mut rng = StdRng::seed_from_u64(seed ^ night.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let day = self.first + Duration::days(night as i64);
        self.referrals
            .chunks(self.people_per_batch)
            .map(|people| {
                people
                    .iter()
                    .flat_map(|referral| {
                        self.measures
                            .iter()
                            .map(|&measure| summary(referral, measure, day, &mut rng))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .collect()
    }
}

/// One day's summary of one measure, with plausible values and how long the device was worn.
fn summary(referral: &Referral, measure: Measure, day: NaiveDate, rng: &mut StdRng) -> NewSummary {
    let value = match measure {
        Measure::Steps => rng.random_range(500..15_000),
        Measure::ActiveMinutes => rng.random_range(0..120),
        Measure::AppCheckIns => rng.random_range(0..6),
    };
    NewSummary {
        referral_id: referral.id,
        subject: Some(referral.subject.clone()),
        measure,
        day,
        value,
        coverage: rng.random_range(30..=100),
        device: Some(format!(
            "fitco-band-{}",
            &referral.id.simple().to_string()[..8]
        )),
        source_system: SOURCE_SYSTEM.to_owned(),
        source_id: format!("{}/{day}/{}", referral.id.simple(), measure.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_night_holds_every_persons_measures_in_batches_and_is_the_same_when_sent_again() {
        let nights = Nights::new(25, 3, 2, 10);
        assert_eq!(nights.summaries(), 150);
        assert_eq!(nights.batch(), 10);
        let night = nights.night(1, 7);
        let sizes: Vec<usize> = night.iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 10, 10, 10, 10]);
        assert_eq!(night, nights.night(1, 7));
        assert_ne!(night, nights.night(2, 7));
        assert!(
            night
                .iter()
                .flatten()
                .all(|s| s.day == nights.first + Duration::days(1))
        );
    }
}
