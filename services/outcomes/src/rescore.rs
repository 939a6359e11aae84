//! Deriving scores again when the reference data moves on: another EQ-5D value set put in
//! force, or a new version of an instrument. Each affected response gets a new derivation
//! (an `OutcomeRecorded` with its number one higher); the earlier ones stay in the log, so
//! reading "as of" an earlier date still shows what was known then.
//!
//! The rescorer runs in the background, woken by a selection and once at start — so that work
//! a stopped process left undone is finished by the next. It finds what is out of date from
//! the outcomes read model, after waiting for it to catch up with the log, and re-derives
//! referral by referral through the same decider as recording; deriving twice adds nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use eventstore::aggregate::{self, CommandError};
use eventstore::{EventStore, StoreError, Subscription, on_pool};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::app::{self, AppError, Context, OutcomesApp, SCHEMA_VERSION, stream_id};
use crate::catalogue::ReferenceData;
use crate::domain::outcomes::{Command, Error, ReferralOutcomes};
use crate::projections::outcomes::SUBSCRIPTION;
use referral_view as referral;

/// How long a pass waits for the read model to catch up with the log.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(60);

/// What one pass derived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rederived {
    /// Referrals with a response out of date.
    pub referrals: usize,
    /// New derivations recorded.
    pub derivations: usize,
}

/// The latest derivation of one response, as the read model holds it.
struct Latest {
    referral_id: String,
    instrument: String,
    instrument_version: String,
    value_set: Option<String>,
}

/// Derives again every response whose latest derivation is not what the reference data in
/// force would give, and answers with what it did.
pub async fn rederive(app: &OutcomesApp) -> Result<Rederived, AppError> {
    caught_up(app.store()).await?;
    let data = app.library().current().await?;
    let stale = stale_referrals(app.store(), &data).await?;
    let mut done = Rederived {
        referrals: stale.len(),
        ..Rederived::default()
    };
    for referral_id in stale {
        done.derivations += rederive_referral(app, &data, referral_id).await?;
    }
    Ok(done)
}

/// Waits until the read model has seen everything the log held when asked, so that no
/// response recorded before a selection is missed.
async fn caught_up(store: &EventStore) -> Result<(), StoreError> {
    let Some(target) = store.last_committed_position().await? else {
        return Ok(());
    };
    let subscription = Subscription::new(store.clone(), SUBSCRIPTION);
    let waited = tokio::time::timeout(CATCH_UP_WITHIN, async {
        while subscription
            .checkpoint()
            .await?
            .is_none_or(|at| at < target)
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok::<_, StoreError>(())
    })
    .await;
    match waited {
        Ok(caught_up) => caught_up,
        Err(_) => {
            // Go on with what it has: what it missed is found on the next pass.
            tracing::warn!("the outcomes read model is behind the log; deriving what it shows");
            Ok(())
        }
    }
}

/// The referrals with a response whose latest derivation used another version of its
/// instrument than the latest, or another value set than the one in force for it.
async fn stale_referrals(
    store: &EventStore,
    data: &ReferenceData,
) -> Result<BTreeSet<Uuid>, StoreError> {
    let sql = "SELECT response_id, referral_id, instrument, instrument_version, value_set \
               FROM outcomes ORDER BY response_id, derivation DESC";
    let rows: Vec<(String, String, String, String, Option<String>)> =
        on_pool!(store, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    let mut latest: BTreeMap<String, Latest> = BTreeMap::new();
    for (response_id, referral_id, instrument, instrument_version, value_set) in rows {
        // Rows come per response, its latest derivation first.
        latest.entry(response_id).or_insert(Latest {
            referral_id,
            instrument,
            instrument_version,
            value_set,
        });
    }
    let mut stale = BTreeSet::new();
    for response in latest.into_values() {
        let Some(instrument) = data.catalogue.latest_instrument(&response.instrument) else {
            continue;
        };
        let expected = data
            .value_set_for(instrument)
            .map(|value_set| value_set.reference().to_string());
        let outdated = instrument.version().as_str() != response.instrument_version
            || (expected.is_some() && response.value_set != expected);
        if outdated && let Ok(id) = Uuid::parse_str(&response.referral_id) {
            stale.insert(id);
        }
    }
    Ok(stale)
}

/// Derives again the responses of `referral_id` with the reference data in `data`; answers
/// with how many derivations it recorded. A response whose answers the latest version of its
/// instrument does not take keeps its scores.
async fn rederive_referral(
    app: &OutcomesApp,
    data: &ReferenceData,
    referral_id: Uuid,
) -> Result<usize, AppError> {
    let Some(referral) = referral::find(app.store(), referral_id).await? else {
        return Ok(0);
    };
    let person = app::person(&referral);
    let stream = stream_id(referral_id);
    let context = Context::service(&app.settings().tenant);
    let metadata = context.metadata(&app.settings().tenant, Some(&referral.subject));
    // Scored and decided on one load, appended expecting its version: a response recorded
    // meanwhile makes the append a conflict, so load again and retry.
    for _ in 0..3 {
        let loaded = aggregate::load_folded::<ReferralOutcomes>(app.store(), &stream)
            .await
            .map_err(|error| CommandError::Store(store_error(error)))?;
        let mut rescored = Vec::new();
        for response in &loaded.state.responses {
            let Some(instrument) = data
                .catalogue
                .latest_instrument(&response.recorded.instrument)
            else {
                continue;
            };
            let Ok(answers) = app::answers(&response.recorded.answers) else {
                continue;
            };
            if let Ok(scored) = app::score(data, instrument, &answers, &person) {
                rescored.push((response.response_id, scored));
            }
        }
        let command = Command::Derive {
            rescored,
            circumstances: app.circumstances(&referral, Utc::now()),
        };
        match aggregate::execute_loaded::<ReferralOutcomes>(
            app.store(),
            &stream,
            &loaded,
            command,
            SCHEMA_VERSION,
            &metadata,
        )
        .await
        {
            Ok(handled) => return Ok(handled.events.len()),
            Err(CommandError::Store(error)) if error.is_conflict() => continue,
            Err(error) => return Err(CommandError::Store(store_error(error))),
        }
    }
    Ok(0)
}

/// A failure while deriving again, as a store failure: nothing a caller sent is at fault.
fn store_error(error: CommandError<Error>) -> StoreError {
    match error {
        CommandError::Store(error) => error,
        other => StoreError::Config(other.to_string()),
    }
}

/// Runs [`rederive`] once at start and again whenever `wake` is notified, until `stopped`.
pub async fn run(app: OutcomesApp, wake: Arc<Notify>, stopped: impl Future<Output = ()>) {
    tokio::pin!(stopped);
    loop {
        match rederive(&app).await {
            Ok(done) if done.derivations > 0 => tracing::info!(
                referrals = done.referrals,
                derivations = done.derivations,
                "outcomes derived again under the reference data in force"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(
                error = %eventstore::error_chain(&error),
                "deriving outcomes again failed; retried on the next selection or start"
            ),
        }
        tokio::select! {
            () = &mut stopped => return,
            () = wake.notified() => {}
        }
    }
}
