//! The engagement service: whether people referred to a VCSE service come. Providers publish
//! the sessions of their directory services and keep their registers; a person checks in by
//! scanning the session's QR code; every attendance and every missed place is published for
//! the link worker, billing and the commissioner.
//!
//! - [`domain`]: a session and its register, as a pure decider.
//! - [`token`]: the signed, short-lived, good-once token a session's QR code carries.
//! - [`app`]: who provides the service (asked of the directory, [`directory`]), whose referral a
//!   place is and whether the provider took it on (`referral_view`), then the session decided.
//! - [`grpc`]: the gRPC API, its JSON routes declared on the proto.
//! - [`SERVICE`]: the service as the kit runs it ([`config`], [`startup`]).

pub mod app;
pub mod config;
pub mod directory;
pub mod domain;
pub mod grpc;
pub mod startup;
mod status;
pub mod token;

use eventstore::{EventStore, StoreError};
use servicekit::{Boxed, Service};

/// The engagement service, as the service kit runs it.
pub const SERVICE: Service = Service {
    name: "engagement",
    about: "Engagement: sessions of directory services, their registers and QR check-ins",
    settings: config::SETTINGS,
    consumes: &[referral_view::PRODUCER],
    migrate: migrate_boxed,
    start: startup::start,
    projections: &[],
    demo: None,
    http: &[],
};

/// Applies the service's own migrations: the referral view, with its own migrations table.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    referral_view::migrate(store).await
}

fn migrate_boxed(store: &EventStore) -> Boxed<'_, Result<(), StoreError>> {
    Box::pin(migrate(store))
}
