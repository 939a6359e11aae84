//! Who the outcomes benchmark records for: referrals held by one PCN and in progress, written
//! into the outcomes service's referral view (`referral_view`) as its bus consumer would have
//! written them, and each referral's EQ-5D-5L responses — a baseline the day after the episode
//! starts, then follow-ups at the default schedule, every twelve weeks. Answers come from a
//! seed.

use chrono::{DateTime, Duration, TimeZone, Utc};
use eventstore::{EventStore, on_conn};
use outcomes::app::NewResponse;
use outcomes::domain::events::Answer;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// The ICS on every event.
pub(crate) const TENANT: &str = "QWE";
/// The PCN whose link worker records every response (the referrals' owner and holder).
pub(crate) const PCN: &str = "PCN-A";
/// The GP practice that referred.
const REFERRER: &str = "Y01234";
/// The DSU mapping's age bands: a utility needs one, and the person's sex.
const AGE_BANDS: [&str; 5] = ["18-34", "35-44", "45-54", "55-64", "65+"];
/// EQ-5D-5L's five dimensions (`crates/measures/data/instruments/eq5d5l-1.0.json`).
const DIMENSIONS: [&str; 5] = [
    "mobility",
    "self-care",
    "usual-activities",
    "pain-discomfort",
    "anxiety-depression",
];

/// One referral as the view holds it.
#[derive(Debug)]
struct Referral {
    id: Uuid,
    subject: String,
    started: DateTime<Utc>,
    age_band: &'static str,
    sex: &'static str,
}

/// The referrals and how many responses each gets.
#[derive(Debug)]
pub(crate) struct Population {
    referrals: Vec<Referral>,
    per_referral: u64,
}

impl Population {
    /// `referrals` referrals started a minute apart from 6 January 2025, each to get
    /// `per_referral` responses.
    pub(crate) fn new(referrals: u64, per_referral: u64) -> Self {
        let first = Utc
            .with_ymd_and_hms(2025, 1, 6, 9, 0, 0)
            .single()
            .expect("a valid date");
        let referrals = (0..referrals)
            .map(|n| Referral {
                id: Uuid::new_v4(),
                subject: format!("hmac-sha256:{:032x}", Uuid::new_v4().as_u128()),
                started: first + Duration::minutes(n as i64),
                age_band: AGE_BANDS[n as usize % AGE_BANDS.len()],
                sex: if n % 2 == 0 { "female" } else { "male" },
            })
            .collect();
        Self {
            referrals,
            per_referral,
        }
    }

    /// How many responses in all.
    pub(crate) fn responses(&self) -> u64 {
        self.referrals.len() as u64 * self.per_referral
    }

    /// The first `n` referrals' ids.
    pub(crate) fn sample(&self, n: usize) -> Vec<Uuid> {
        self.referrals
            .iter()
            .take(n)
            .map(|referral| referral.id)
            .collect()
    }

    /// "100000 × 1", referrals × responses each.
    pub(crate) fn shape(&self) -> String {
        format!("{} × {}", self.referrals.len(), self.per_referral)
    }

    /// Writes every referral into the `referrals` view, in one transaction (not measured).
    pub(crate) async fn insert_view(&self, store: &EventStore) -> anyhow::Result<()> {
        let sql = "INSERT INTO referrals (referral_id, subject, referrer, owner, holder, \
                   status, requested_micros, started_micros, share_with_referrer, age_band, sex) \
                   VALUES ($1, $2, $3, $4, $4, 'in-progress', $5, $6, TRUE, $7, $8)";
        let mut tx = store.begin().await?;
        for referral in &self.referrals {
            let started = referral.started.timestamp_micros();
            let requested = started - Duration::days(3).num_microseconds().unwrap_or(0);
            on_conn!(tx, |conn| sqlx::query(sql)
                .bind(referral.id.to_string())
                .bind(&referral.subject)
                .bind(REFERRER)
                .bind(PCN)
                .bind(requested)
                .bind(started)
                .bind(referral.age_band)
                .bind(referral.sex)
                .execute(conn)
                .await
                .map(drop))?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Each referral's responses in the order they are answered, dealt round-robin to
    /// `writers`: a referral's responses stay with one writer, in order, as its baseline must
    /// be recorded before the follow-ups paired with it.
    pub(crate) fn dealt(&self, writers: usize, seed: u64) -> Vec<Vec<NewResponse>> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut dealt: Vec<Vec<NewResponse>> = (0..writers).map(|_| Vec::new()).collect();
        for (n, referral) in self.referrals.iter().enumerate() {
            for k in 0..self.per_referral {
                // A baseline the day after the start, then follow-ups every twelve weeks.
                let days = match k {
                    0 => 1,
                    k => 84 * k as i64,
                };
                dealt[n % writers].push(NewResponse {
                    referral_id: referral.id,
                    response_id: Uuid::new_v4(),
                    instrument: "eq5d5l".to_owned(),
                    instrument_version: None,
                    authored: referral.started + Duration::days(days),
                    answers: answers(&mut rng),
                });
            }
        }
        dealt
    }
}

/// A random health state (each dimension at level 1–5) and VAS (0–100).
fn answers(rng: &mut StdRng) -> Vec<Answer> {
    let integer = |link_id: &str, value: i32| Answer {
        link_id: link_id.to_owned(),
        integer: Some(value),
        code: String::new(),
    };
    let mut answers: Vec<Answer> = DIMENSIONS
        .iter()
        .map(|dimension| integer(dimension, rng.random_range(1..=5)))
        .collect();
    answers.push(integer("vas", rng.random_range(0..=100)));
    answers
}
