//! The billing service: money to VCSE providers under contracts with their commissioners, with
//! every penny explained by an event (issue 14, `docs/adr/0012`).
//!
//! - [`domain`]: money in pence, contracts and their versions, accrual, a contract's ledger,
//!   claims, and the ARRS reimbursement view — pure, tested with given/when/then.
//! - [`consumers`]: the referral, engagement and outcomes services' events, kept as the
//!   referral view and reduced to billable facts noted in the billing log.
//! - [`clock`]: the month ends, recorded in the log, on which block payments accrue.
//! - [`projections`]: the accrual processor, which folds the log in order and appends each
//!   contract's lines to its ledger with the version it read.
//! - [`app`]: contracts and claims, load → decide → append, to their parties only.
//! - [`grpc`]: the gRPC API, its JSON routes declared on the proto.
//! - [`SERVICE`]: the service as the kit runs it ([`config`], [`startup`]).

pub mod app;
pub mod clock;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod grpc;
pub mod projections;
pub mod startup;
mod status;

use std::sync::Arc;

use eventstore::{EventStore, StoreError};
use servicekit::{Boxed, Projection, Rebuild, Service, StartError};

/// The billing service, as the service kit runs it.
pub const SERVICE: Service = Service {
    name: "billing",
    about: "Billing: contracts with providers, lines accrued from what the other services \
            publish, monthly claims decided and paid",
    settings: config::SETTINGS,
    consumes: &[referral_view::PRODUCER, "engagement", "outcomes"],
    migrate: migrate_boxed,
    start: startup::start,
    projections: &[Projection {
        name: "accrual",
        about: "Each contract's lines, derived again from the log's facts in its order (lines \
                already in a ledger are found, not accrued twice)",
        rebuild: rebuild_accrual,
    }],
    demo: None,
    http: &[],
};

/// Applies the service's own migrations — the referral view and billing's tables — each with
/// its own migrations table, beside the log's.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    referral_view::migrate(store).await?;
    servicekit::apply_migrations(store, sqlx::migrate!("./migrations"), "_billing_migrations").await
}

fn migrate_boxed(store: &EventStore) -> Boxed<'_, Result<(), StoreError>> {
    Box::pin(migrate(store))
}

fn rebuild_accrual(rebuild: Rebuild) -> Boxed<'static, Result<String, StartError>> {
    Box::pin(async move {
        let Rebuild {
            store, progress, ..
        } = rebuild;
        let progress = Arc::clone(&progress);
        let replayed = projections::accrual::rebuild(&store, |done| progress(done))
            .await
            .map_err(|error| StartError::of(SERVICE.name, error))?;
        Ok(format!("accrual replayed over {replayed} events"))
    })
}
