//! The referral service: the closed loop from referrer to link worker to VCSE providers and
//! back, and the responsibility ledger that says who is accountable for a person's referral at
//! any moment.
//!
//! - [`domain`]: the referral decider (its Gravity status table, two-phase responsibility
//!   handoffs, consent, onward referrals), NHS number and SNOMED CT parsing.
//! - [`app`]: commands against the log, with the lookups the decider cannot make.
//! - [`grpc`] and [`fhir`]: the gRPC API, and FHIR R4 (UK Core ServiceRequest in, HL7 Gravity
//!   Task out).
//! - [`reads`]: who may read a referral (its parties), and the audit of every read.
//! - [`projections`]: the responsibility ledger (handoff trail, accountable at T, holdings).
//! - [`consumers`]: the directory's published events, kept as a view of which services can
//!   take a referral.
//! - [`escalation`]: offers nobody accepted in time, escalated from the log.
//! - [`vault`]: NHS numbers, dates of birth and postcodes sealed under a key per person; other
//!   services see a pseudonym, an age band and a deprivation decile.
//! - [`demographics`] and [`deprivation`]: who the person is on the way in — sealed, and the
//!   deprivation of their postcode asked of the directory, a peer, on the caller's behalf.
//! - [`SERVICE`]: the service as the kit runs it ([`config`], [`startup`]).

pub mod app;
pub mod config;
pub mod consumers;
pub mod demographics;
pub mod deprivation;
pub mod domain;
pub mod escalation;
pub mod fhir;
pub mod grpc;
pub mod projections;
pub mod reads;
pub mod startup;
mod status;
pub mod vault;

use std::sync::Arc;

use eventstore::{EventStore, StoreError};
use servicekit::{Boxed, HttpApi, Projection, Rebuild, Service, StartError};

/// The referral service, as the service kit runs it.
pub const SERVICE: Service = Service {
    name: "referral",
    about: "Referrals and the responsibility ledger: who is accountable for each person",
    settings: config::SETTINGS,
    consumes: &[
        consumers::directory::PRODUCER,
        consumers::outcomes::PRODUCER,
    ],
    migrate: migrate_boxed,
    start: startup::start,
    projections: &[Projection {
        name: "responsibility",
        about: "The responsibility ledger: handoff trails, who was accountable when, holdings \
                and open offers",
        rebuild: rebuild_responsibility,
    }],
    demo: None,
    http: &[HttpApi {
        path: "/fhir",
        about: "FHIR R4: referrals (UK Core ServiceRequest in, HL7 Gravity Task out)",
    }],
};

/// Applies the service's own migrations — read models and the NHS number vault's key table —
/// with its own migrations table, beside the log's.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    servicekit::apply_migrations(
        store,
        sqlx::migrate!("./migrations"),
        "_referral_migrations",
    )
    .await
}

fn migrate_boxed(store: &EventStore) -> Boxed<'_, Result<(), StoreError>> {
    Box::pin(migrate(store))
}

fn rebuild_responsibility(rebuild: Rebuild) -> Boxed<'static, Result<String, StartError>> {
    Box::pin(async move {
        let Rebuild {
            store, progress, ..
        } = rebuild;
        let progress = Arc::clone(&progress);
        let replayed = projections::responsibility::rebuild(&store, |done| progress(done))
            .await
            .map_err(|error| StartError::of(SERVICE.name, error))?;
        Ok(format!(
            "responsibility ledger rebuilt from {replayed} events"
        ))
    })
}
