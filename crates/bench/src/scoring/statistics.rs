//! Planner statistics on PostgreSQL, kept up as autovacuum keeps them. The benchmark machine's
//! server runs with `autovacuum = off` (a CI setting), so its tables are never analysed. The
//! append's idempotency check (`event_id = ANY($2)`) is a prepared statement; planned on the
//! empty log, its generic plan is a sequential scan, which stays for the pooled connection's
//! life (sqlx recycles one after 30 minutes), so every append then scans the whole log.
//! Autovacuum analyses a table that has grown by a tenth, looking once a minute: at these
//! rates, every minute. So does this.

use std::time::Duration;

use eventstore::EventStore;
use tokio::task::JoinHandle;

/// How often autovacuum looks, by default (`autovacuum_naptime`).
const NAPTIME: Duration = Duration::from_secs(60);

/// `ANALYZE` once a minute on a PostgreSQL store until dropped; nothing on SQLite.
#[derive(Debug)]
pub(crate) struct Analyser(Option<JoinHandle<()>>);

impl Analyser {
    pub(crate) fn start(store: &EventStore) -> Self {
        let Some(pool) = store.pg_pool().cloned() else {
            return Self(None);
        };
        Self(Some(tokio::spawn(async move {
            let mut every = tokio::time::interval(NAPTIME);
            every.tick().await;
            loop {
                every.tick().await;
                if let Err(error) = sqlx::query("ANALYZE").execute(&pool).await {
                    eprintln!("ANALYZE failed: {error}");
                }
            }
        })))
    }
}

impl Drop for Analyser {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}
