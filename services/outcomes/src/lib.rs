//! The outcomes service: what social prescribing did for a person, measured with the
//! instruments link workers, commissioners and NICE expect, scored under versioned reference
//! data and paired into the person's episode.
//!
//! - [`catalogue`]: instruments and EQ-5D value sets as events — the bundled ones
//!   (`crates/measures`) recorded once, a deployer's own added — and the value set in force.
//! - [`domain`]: what the service records, a referral's outcomes as a pure decider, and where
//!   a response falls in its episode.
//! - [`app`]: recording a response — the referral's parties only, scored at once, paired with
//!   its baseline — and the reference data's own commands; [`rescore`]: every score derived
//!   again when another value set or instrument version is put in force.
//! - [`grpc`] and [`fhir`]: the gRPC API, and FHIR R4 (Questionnaire, QuestionnaireResponse in,
//!   Observation out).
//! - the referral service's events, kept as a view of each referral's person, parties, episode
//!   dates and consent (`referral_view`, by the service's own consumer).
//! - [`projections`]: every derivation of every outcome, for reads "as of" any date.
//! - [`SERVICE`]: the service as the kit runs it ([`config`], [`startup`]).

pub mod app;
pub mod catalogue;
pub mod config;
pub mod domain;
pub mod fhir;
pub mod grpc;
pub mod projections;
pub mod rescore;
pub mod startup;
mod status;

use std::sync::Arc;

use eventstore::{EventStore, StoreError};
use servicekit::{Boxed, HttpApi, Projection, Rebuild, Service, StartError};

/// The outcomes service, as the service kit runs it.
pub const SERVICE: Service = Service {
    name: "outcomes",
    about: "Outcomes: wellbeing and quality of life measured, scored under versioned reference \
            data, paired into episodes",
    settings: config::SETTINGS,
    consumes: &[referral_view::PRODUCER],
    migrate: migrate_boxed,
    start: startup::start,
    projections: &[Projection {
        name: "outcomes",
        about: "Every derivation of every scored response, for reads as of any date",
        rebuild: rebuild_outcomes,
    }],
    demo: None,
    http: &[HttpApi {
        path: "/fhir",
        about: "FHIR R4: outcome instruments (Questionnaire, QuestionnaireResponse in, Observation out)",
    }],
};

/// Applies the service's own migrations — the referral view and the outcomes read model —
/// each with its own migrations table, beside the log's.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    referral_view::migrate(store).await?;
    servicekit::apply_migrations(
        store,
        sqlx::migrate!("./migrations"),
        "_outcomes_migrations",
    )
    .await
}

fn migrate_boxed(store: &EventStore) -> Boxed<'_, Result<(), StoreError>> {
    Box::pin(migrate(store))
}

fn rebuild_outcomes(rebuild: Rebuild) -> Boxed<'static, Result<String, StartError>> {
    Box::pin(async move {
        let Rebuild {
            store, progress, ..
        } = rebuild;
        let progress = Arc::clone(&progress);
        let replayed = projections::outcomes::rebuild(&store, |done| progress(done))
            .await
            .map_err(|error| StartError::of(SERVICE.name, error))?;
        Ok(format!("outcomes rebuilt from {replayed} events"))
    })
}
