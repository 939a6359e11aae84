//! Read models, each rebuilt from the log by a checkpointed subscription.

pub mod responsibility;

use eventstore::{EventStore, StoreError, on_pool};

/// Applies the service's own migrations — read models and the NHS number vault's key table —
/// with its own migrations table, beside the log's.
pub async fn migrate(store: &EventStore) -> Result<(), StoreError> {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.dangerous_set_table_name("_referral_migrations");
    on_pool!(store, |pool| migrator.run(pool).await)?;
    Ok(())
}
