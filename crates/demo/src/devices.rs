//! Device evidence for the people who consented to share it, through the engagement service's
//! gRPC API as an activity app's integrator sends it: a daily steps summary for each of the
//! last three weeks (the app worn for most of most days, a few days too little to count), sent
//! in one nightly batch. Most people walk about as much each day; one in four walked far less
//! over the last three days, and the engagement service raises a device-activity lapse for
//! them. All of it synthetic, grown from the seed, and named so by its source system.

use chrono::{Duration, Utc};
use proto::engagement::v1 as pb;
use rand::Rng;

use crate::calls::{rpc, until_known};
use crate::error::DemoError;
use crate::journey::Journey;
use crate::seed;

/// The integrator, an activity app, as the demo signs it in.
pub(crate) const INTEGRATOR: &str = "INT-LINBRIDGE-STEPS";
/// The integrator's nightly job, as its tokens name it.
pub(crate) const SYNC_USER: &str = "linbridge-steps-nightly-sync";
/// The app's records, marked as the demo's synthetic data.
const SOURCE_SYSTEM: &str = "https://linbridge-steps.example/synthetic-daily-summaries";
/// Days of steps sent, ending yesterday.
const DAYS: i64 = 21;
/// Days at the end of a slowing person's record that are well below their own usual.
const SLOWING_DAYS: i64 = 3;

/// Sends the person's last [`DAYS`] days of steps against their referral to the link workers;
/// returns how many summaries.
pub(crate) async fn send(journey: &Journey<'_>) -> Result<usize, DemoError> {
    let person = journey.person;
    let mut rng = seed::rng(journey.seed, "person/steps", person.number);
    let usual: i64 = rng.random_range(3_000..11_000);
    let slowing = journey.pick(41, 4) == 0;
    let today = Utc::now().date_naive();
    let summaries = (1..=DAYS)
        .rev()
        .map(|ago| {
            let day = today - Duration::days(ago);
            let usual_day = usual + rng.random_range(-1_500..1_500);
            let value = match slowing && ago <= SLOWING_DAYS {
                true => usual_day / 5,
                false => usual_day,
            };
            let coverage_percent = match rng.random_range(0..10) {
                0 => rng.random_range(10..45),
                _ => rng.random_range(70..101),
            };
            pb::DailySummary {
                referral_id: journey.referral_id.clone(),
                measure: "steps".to_owned(),
                day: day.to_string(),
                value: value.max(0),
                coverage_percent,
                device: format!("synthetic-wristband-{}", person.number),
                source_system: SOURCE_SYSTEM.to_owned(),
                source_id: format!("{}/{day}", journey.referral_id),
            }
        })
        .collect::<Vec<_>>();
    let count = summaries.len();
    let integrator = journey
        .clients
        .sign_in(SYNC_USER, INTEGRATOR, "integrator")?;
    let body = pb::RecordEvidenceRequest { summaries };
    let step = journey.step("the activity app's integrator sends three weeks of steps");
    // The engagement service hears of the referral (and the consent) over the bus.
    until_known(
        &step,
        rpc!(
            journey.clients.engagement,
            record_evidence,
            &integrator,
            body
        ),
    )
    .await?;
    Ok(count)
}
