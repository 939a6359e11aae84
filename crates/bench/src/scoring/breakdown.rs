//! Where a re-derivation's time goes. The rescorer's pass is one opaque call, so its steps for
//! one referral are taken again here, through the same public functions and in the same order
//! as `outcomes::rescore`, with a timer between each: over a sample of referrals made out of
//! date again by putting the default value set back in force, after the measured pass.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use decider::Decider;
use eventstore::ExpectedVersion;
use eventstore::aggregate;
use outcomes::app::{self, Context, OutcomesApp, SCHEMA_VERSION, stream_id};
use outcomes::domain::events::Event;
use outcomes::domain::outcomes::{Command, Error, ReferralOutcomes};
use referral_view as referral;
use uuid::Uuid;

use super::population::TENANT;

/// The value set put back in force (the bundled default).
const PUT_BACK: &str = "dsu-2023";

/// The steps timed, in order.
pub(crate) const STEPS: [&str; 5] = [
    "find referral",
    "load + fold",
    "score",
    "decide + encode",
    "append",
];

/// Time spent in each step over a sample.
#[derive(Debug, Default)]
pub(crate) struct Breakdown {
    /// Referrals derived again.
    pub(crate) referrals: usize,
    /// Derivations recorded.
    pub(crate) derivations: usize,
    /// Total time in each of [`STEPS`].
    pub(crate) steps: [Duration; STEPS.len()],
}

impl Breakdown {
    /// Mean milliseconds per referral in each step, and in all.
    pub(crate) fn per_referral_ms(&self) -> ([f64; STEPS.len()], f64) {
        let per = |total: Duration| total.as_secs_f64() * 1000.0 / self.referrals.max(1) as f64;
        let steps = self.steps.map(per);
        (steps, per(self.steps.iter().sum()))
    }
}

/// Puts the default value set back in force, then derives `referrals` again step by step.
pub(crate) async fn rederive(app: &OutcomesApp, referrals: &[Uuid]) -> anyhow::Result<Breakdown> {
    let context = Context::service(TENANT);
    app.select_value_set(PUT_BACK, None, &context).await?;
    let data = app.library().current().await?;
    let mut breakdown = Breakdown::default();
    for &referral_id in referrals {
        let mut lap = Instant::now();
        let mut time = |step: usize| {
            breakdown.steps[step] += lap.elapsed();
            lap = Instant::now();
        };
        let referral = referral::find(app.store(), referral_id)
            .await?
            .context("a referral in the view")?;
        time(0);
        let stream = stream_id(referral_id);
        let loaded = aggregate::load_folded::<ReferralOutcomes>(app.store(), &stream).await?;
        time(1);
        let person = app::person(&referral);
        let mut rescored = Vec::new();
        for response in &loaded.state.responses {
            let instrument = data
                .catalogue
                .latest_instrument(&response.recorded.instrument)
                .context("the instrument")?;
            let answers = app::answers(&response.recorded.answers)?;
            rescored.push((
                response.response_id,
                app::score(&data, instrument, &answers, &person)?,
            ));
        }
        time(2);
        let command = Command::Derive {
            rescored,
            circumstances: app.circumstances(&referral, Utc::now()),
        };
        let events = ReferralOutcomes::decide(&loaded.state, command)?;
        let metadata = context.metadata(TENANT, Some(&referral.subject));
        let encoded =
            aggregate::encode::<Event, Error>(&events, SCHEMA_VERSION, Utc::now(), &metadata)?;
        time(3);
        let expected = ExpectedVersion::Exact(loaded.version);
        app.store().append(&stream, expected, encoded).await?;
        time(4);
        breakdown.referrals += 1;
        breakdown.derivations += events.len();
    }
    Ok(breakdown)
}
