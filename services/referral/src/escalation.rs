//! Escalating offers of responsibility nobody accepted in time, driven from the log.
//!
//! The deadlines live in the `open_offers` read model, rebuilt from the log, so a restart loses
//! none of them. Each due offer gets an `EscalateExpiredOffer` command through the application
//! layer like any other command: if the offer was accepted or declined in the meantime, the
//! decider refuses it and nothing is recorded.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use eventstore::{EventStore, error_chain};
use uuid::Uuid;

use crate::app::{AppError, Context, ReferralApp};
use crate::domain::referral::{Actor, Command, Issued};
use crate::projections::responsibility::due_offers;

/// The identity escalations are recorded under.
pub const SCHEDULER: &str = "referral-escalation-scheduler";

/// Escalates every offer due at `now`; returns how many were escalated.
pub async fn escalate_due(
    app: &ReferralApp,
    store: &EventStore,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut escalated = 0;
    for due in due_offers(store, now).await? {
        let issued = Issued {
            actor: Actor {
                id: SCHEDULER.to_owned(),
                organisation: SCHEDULER.to_owned(),
            },
            at: now,
            command: Command::EscalateExpiredOffer {
                offer_id: due.offer_id,
            },
        };
        let context = Context {
            correlation_id: Uuid::new_v4(),
            role: "system".to_owned(),
            data_subject: None,
            tenant: tenant.to_owned(),
        };
        match app.handle(due.referral_id, issued, &context).await {
            Ok(_) => escalated += 1,
            // Accepted, declined or escalated since the read model was updated.
            Err(AppError::Rejected(reason)) => {
                tracing::debug!(offer_id = %due.offer_id, %reason, "offer no longer open");
            }
            Err(error) => return Err(error),
        }
    }
    Ok(escalated)
}

/// Checks for due offers every `interval` until `shutdown` completes.
pub async fn run(
    app: ReferralApp,
    store: EventStore,
    tenant: String,
    interval: Duration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        if let Err(error) = escalate_due(&app, &store, &tenant, Utc::now()).await {
            tracing::warn!(error = %error_chain(&error), "escalation pass failed; retrying");
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
