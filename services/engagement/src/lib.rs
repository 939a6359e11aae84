//! The engagement service: whether people referred to a VCSE service come. Providers publish
//! the sessions of their directory services and keep their registers; a person checks in by
//! scanning the session's QR code; integrators send daily device summaries for people who
//! consented; every attendance and every missed place is published for the link worker,
//! billing and the commissioner, and a referral's timeline and adherence read together.
//!
//! - [`domain`]: a session and its register, as a pure decider; the lapse rules, as pure
//!   functions of what the log holds.
//! - [`token`]: the signed, short-lived, good-once token a session's QR code carries.
//! - [`app`]: who provides the service (asked of the directory, [`directory`]), whose referral a
//!   place is and whether the provider took it on (`referral_view`), then the session decided;
//!   a referral's lapses, to its parties.
//! - [`consumers`]: the referral service's events, kept as the referral view, each status
//!   change noted in the engagement log.
//! - [`clock`]: the ticks, recorded in the log, at which time-based lapse rules are judged.
//! - [`projections`]: the lapse evaluator, which judges lapses from the log and records them.
//! - [`grpc`]: the gRPC API, its JSON routes declared on the proto; [`fhir`]: integrators'
//!   device evidence as FHIR `Observation`s, one or a Bundle.
//! - [`intake`]: the same evidence published by integrators on NATS, each on its own subject.
//! - [`SERVICE`]: the service as the kit runs it ([`config`], [`startup`]).

pub mod app;
pub mod clock;
pub mod config;
pub mod consumers;
pub mod directory;
pub mod domain;
pub mod fhir;
pub mod grpc;
pub mod intake;
pub mod projections;
pub mod startup;
mod status;
pub mod token;

use std::sync::Arc;

use eventstore::{EventStore, StoreError};
use servicekit::{Boxed, HttpApi, Projection, Rebuild, Service, StartError};

/// The engagement service, as the service kit runs it.
pub const SERVICE: Service = Service {
    name: "engagement",
    about: "Engagement: sessions of directory services, their registers and QR check-ins",
    settings: config::SETTINGS,
    consumes: &[referral_view::PRODUCER],
    migrate: migrate_boxed,
    start: startup::start,
    projections: &[
        Projection {
            name: "lapses",
            about: "Each referral's engagement under the lapse rules; lapses judged again from \
                    the log",
            rebuild: rebuild_lapses,
        },
        Projection {
            name: "places",
            about: "Each referral's register places, as its timeline shows them",
            rebuild: rebuild_places,
        },
    ],
    demo: None,
    http: &[HttpApi {
        path: "/fhir",
        about: "FHIR R4: integrators' daily device summaries (Observation, or a batch Bundle)",
    }],
};

/// Applies the service's own migrations — the referral view and the lapse rules' read model —
/// each with its own migrations table, beside the log's.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    referral_view::migrate(store).await?;
    servicekit::apply_migrations(
        store,
        sqlx::migrate!("./migrations"),
        "_engagement_migrations",
    )
    .await
}

fn migrate_boxed(store: &EventStore) -> Boxed<'_, Result<(), StoreError>> {
    Box::pin(migrate(store))
}

fn rebuild_lapses(rebuild: Rebuild) -> Boxed<'static, Result<String, StartError>> {
    Box::pin(async move {
        let Rebuild {
            store,
            settings,
            progress,
        } = rebuild;
        let progress = Arc::clone(&progress);
        let rules = config::rules(&settings);
        let replayed = projections::lapses::rebuild(&store, rules, |done| progress(done))
            .await
            .map_err(|error| StartError::of(SERVICE.name, error))?;
        Ok(format!("lapses judged again from {replayed} events"))
    })
}

fn rebuild_places(rebuild: Rebuild) -> Boxed<'static, Result<String, StartError>> {
    Box::pin(async move {
        let progress = Arc::clone(&rebuild.progress);
        let replayed = projections::places::rebuild(&rebuild.store, |done| progress(done))
            .await
            .map_err(|error| StartError::of(SERVICE.name, error))?;
        Ok(format!("register places kept again from {replayed} events"))
    })
}
