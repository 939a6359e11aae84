//! The directory service: the knowledge of local services that link workers refer people to,
//! kept as events so it stays current and its history is queryable, and shared through Open
//! Referral UK (HSDS 3.0).
//!
//! - [`domain`]: the pure aggregates — services, and the reference records (organisations,
//!   locations, taxonomies and terms) they point at.
//! - [`app`]: commands against the log, with the lookups the aggregates cannot make.
//! - [`index`]: the in-memory read model search and the ORUK API answer from, folded from the
//!   log and kept current by tailing it.
//! - [`postcodes`]: the ONS postcode-centroid table proximity search starts from.

pub mod app;
pub mod domain;
pub mod grpc;
pub mod hsds;
pub mod import;
pub mod index;
pub mod oruk;
pub mod postcodes;
pub mod startup;
pub mod status;

use eventstore::{EventStore, StoreError, on_pool};

/// Applies the directory's own migrations (the postcode table) beside the log's, with their
/// own migrations table.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.dangerous_set_table_name("_directory_migrations");
    on_pool!(store, |pool| migrator.run(pool).await)?;
    Ok(())
}
