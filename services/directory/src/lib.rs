//! The directory service: the knowledge of local services that link workers refer people to,
//! kept as events so it stays current and its history is queryable, and shared through Open
//! Referral UK (HSDS 3.0).
//!
//! - [`domain`]: the pure aggregates — services, and the reference records (organisations,
//!   locations, taxonomies and terms) they point at.
//! - [`app`]: commands against the log, with the lookups the aggregates cannot make;
//!   [`authority`]: whose entries each caller may change.
//! - [`grpc`] and [`oruk`]: the gRPC API, and the Open Referral UK read API ([`hsds`] its
//!   shapes).
//! - [`projections`]: the in-memory index search and the ORUK API answer from, folded from the
//!   log and kept current by tailing it.
//! - [`postcodes`]: the ONS postcode-centroid table proximity search starts from, and the
//!   deprivation of each postcode's area (`GetPostcodeArea`, which the referral service asks).
//! - [`import`]: Open Referral UK feeds into the log, writing nothing for unchanged records.
//! - [`SERVICE`]: the service as the kit runs it ([`config`], [`startup`]).

pub mod app;
pub mod authority;
pub mod config;
pub mod domain;
pub mod grpc;
pub mod hsds;
pub mod import;
pub mod oruk;
pub mod postcodes;
pub mod projections;
pub mod startup;
pub mod status;

use eventstore::{EventStore, StoreError};
use servicekit::{Boxed, HttpApi, Projection, Rebuild, Service, StartError};

use crate::config::DirectorySettings;
use crate::postcodes::{DEMO_REGION_CSV, PostcodeDirectory};
use crate::projections::index::LiveIndex;

/// The directory service, as the service kit runs it.
pub const SERVICE: Service = Service {
    name: "directory",
    about: "Local services knowledge, search and the Open Referral UK API",
    settings: config::SETTINGS,
    consumes: &[],
    migrate: migrate_boxed,
    start: startup::start,
    projections: &[Projection {
        name: "directory-index",
        about: "The search index, rebuilt in memory from the log: checks every event still \
                folds (after an upcaster change, say) and reports what it holds",
        rebuild: rebuild_index,
    }],
    demo: Some(load_demo_postcodes),
    http: &[HttpApi {
        path: "/oruk",
        about: "Open Referral UK 3.0: the directory, open to anyone",
    }],
};

/// Applies the directory's own migrations (the postcode table) beside the log's, with their
/// own migrations table.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    servicekit::apply_migrations(
        store,
        sqlx::migrate!("./migrations"),
        "_directory_migrations",
    )
    .await
}

fn migrate_boxed(store: &EventStore) -> Boxed<'_, Result<(), StoreError>> {
    Box::pin(migrate(store))
}

/// The fictional demo region's postcodes, which no API takes (they come from the ONS).
fn load_demo_postcodes(store: &EventStore) -> Boxed<'_, Result<(), StartError>> {
    Box::pin(async move {
        PostcodeDirectory::new(store.clone())
            .load_csv(DEMO_REGION_CSV.as_bytes(), |_| {})
            .await
            .map(drop)
            .map_err(|error| StartError::of(SERVICE.name, error))
    })
}

fn rebuild_index(rebuild: Rebuild) -> Boxed<'static, Result<String, StartError>> {
    Box::pin(async move {
        let settings = DirectorySettings::read(&rebuild.settings, "");
        let (index, task) = LiveIndex::start(rebuild.store, settings.stale_after, async {})
            .await
            .map_err(|error| StartError::of(SERVICE.name, error))?;
        let _ = task.await;
        let index = index.read();
        Ok(format!(
            "directory index rebuilt: {} services, {} organisations, {} taxonomy terms",
            index.service_count(),
            index.organisations().len(),
            index.terms().len()
        ))
    })
}
