//! [`EventStore`]: one service's log on PostgreSQL or SQLite, with the same behaviour on both.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use tokio::sync::{Mutex, watch};

use crate::PoolRef;
use crate::anchor::Anchor;
use crate::append;
use crate::heads::Heads;
use crate::tx::TxInner;
use crate::{
    AppendToStream, Appended, AppendedEvent, ExpectedVersion, NewEvent, StoreError, StoreOptions,
    Tx, Upcasters, heads, postgres, sqlite,
};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL: production, one database per service.
    Postgres,
    /// Embedded SQLite: the single-process default.
    Sqlite,
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// The event log of one service. Cheap to clone; clones share the pool.
#[derive(Debug, Clone)]
pub struct EventStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: Pool,
    upcasters: Upcasters,
    /// Bumped after every commit that appended, to wake this process's subscribers at once.
    wake: Arc<watch::Sender<u64>>,
    /// SQLite has one writer at a time; queueing writers here rather than in SQLite's busy
    /// handler keeps latency fair and avoids `SQLITE_BUSY` under load.
    sqlite_writer: Arc<Mutex<()>>,
    /// MACs anchored heads and checkpoints; its `Debug` hides the key.
    anchor: Anchor,
    /// Refuses every append: an operator chose to serve a log that failed its integrity check
    /// read-only while it is investigated.
    read_only: bool,
}

/// Retries for an append that raced another (`ExpectedVersion::Any`, or a reused event id).
const APPEND_ATTEMPTS: usize = 5;

impl EventStore {
    /// Opens the log at `url` (`postgres://…` or `sqlite:…`). With `options.migrate` it applies
    /// the log's migrations and then adopts streams written before anchoring existed
    /// ([`EventStore::anchor_unanchored`]), under `options.anchor_key`.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("database url: {e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .after_connect(|conn, _| Box::pin(postgres::configure_connection(conn)))
                .connect_with(connect)
                .await?;
            Pool::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("database url: {e}")))?
                .create_if_missing(options.migrate)
                .journal_mode(SqliteJournalMode::Wal)
                // An acknowledged append must survive power loss.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(options.acquire_timeout)
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            Pool::Sqlite(pool)
        } else {
            return Err(StoreError::Config(format!(
                "database url must start with postgres:// or sqlite:, got {:?}",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let store = Self::from_pool(pool, Anchor::new(options.anchor_key.as_ref()));
        if options.migrate {
            store.migrate().await?;
            store.anchor_unanchored().await?;
        }
        Ok(store)
    }

    fn from_pool(pool: Pool, anchor: Anchor) -> Self {
        Self {
            inner: Arc::new(Inner {
                pool,
                upcasters: Upcasters::default(),
                wake: Arc::new(watch::channel(0).0),
                sqlite_writer: Arc::new(Mutex::new(())),
                anchor,
                read_only: false,
            }),
        }
    }

    /// Returns a store that upcasts old events with `upcasters` on every read path.
    /// Call once at start-up, before cloning.
    pub fn with_upcasters(self, upcasters: Upcasters) -> Self {
        let inner = Inner {
            pool: self.inner.pool.clone(),
            upcasters,
            wake: self.inner.wake.clone(),
            sqlite_writer: self.inner.sqlite_writer.clone(),
            anchor: self.inner.anchor.clone(),
            read_only: self.inner.read_only,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Returns a store that refuses every append ([`StoreError::ReadOnly`]) and reads as
    /// before: how an operator serves a log that failed its integrity check while it is
    /// investigated. Call once at start-up, before cloning.
    pub fn into_read_only(self) -> Self {
        let inner = Inner {
            pool: self.inner.pool.clone(),
            upcasters: self.inner.upcasters.clone(),
            wake: self.inner.wake.clone(),
            sqlite_writer: self.inner.sqlite_writer.clone(),
            anchor: self.inner.anchor.clone(),
            read_only: true,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Whether the store refuses appends.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // The log keeps its own migrations table so a service's projection migrations can
        // live in the same database without either seeing the other's versions as missing.
        match &self.inner.pool {
            Pool::Postgres(pool) => {
                let mut migrator = sqlx::migrate!("./migrations/postgres");
                migrator.dangerous_set_table_name("_eventstore_migrations");
                migrator.run(pool).await?;
            }
            Pool::Sqlite(pool) => {
                let mut migrator = sqlx::migrate!("./migrations/sqlite");
                migrator.dangerous_set_table_name("_eventstore_migrations");
                migrator.run(pool).await?;
            }
        }
        Ok(())
    }

    /// The database this store runs on.
    pub fn backend(&self) -> Backend {
        match self.inner.pool {
            Pool::Postgres(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    pub(crate) fn upcasters(&self) -> &Upcasters {
        &self.inner.upcasters
    }

    pub(crate) fn anchor(&self) -> &Anchor {
        &self.inner.anchor
    }

    /// True when the store was opened with an anchor key, so its anchors resist forgery and not
    /// only accidents (see [`StoreOptions::anchor_key`]).
    pub fn anchors_keyed(&self) -> bool {
        self.inner.anchor.is_keyed()
    }

    /// The pool, for a service's own queries (projections, read models). Use
    /// [`on_pool!`](crate::on_pool) to run one SQL text on either backend.
    pub fn pool_ref(&self) -> PoolRef<'_> {
        match &self.inner.pool {
            Pool::Postgres(pool) => PoolRef::Postgres(pool),
            Pool::Sqlite(pool) => PoolRef::Sqlite(pool),
        }
    }

    /// The PostgreSQL pool, for a service's own queries (`None` on SQLite).
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match &self.inner.pool {
            Pool::Postgres(pool) => Some(pool),
            Pool::Sqlite(_) => None,
        }
    }

    /// The SQLite pool, for a service's own queries (`None` on PostgreSQL).
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.inner.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    /// A receiver that changes whenever this process commits an append.
    pub(crate) fn local_appends(&self) -> watch::Receiver<u64> {
        self.inner.wake.subscribe()
    }

    /// Opens a write transaction on the service's database.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let (inner, guard) = match &self.inner.pool {
            Pool::Postgres(pool) => (TxInner::Postgres(pool.begin().await?), None),
            Pool::Sqlite(pool) => {
                let guard = self.inner.sqlite_writer.clone().lock_owned().await;
                // A deferred BEGIN that later writes fails with SQLITE_BUSY despite the busy
                // timeout; IMMEDIATE takes the write lock up front.
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                (TxInner::Sqlite(tx), Some(guard))
            }
        };
        Ok(Tx {
            inner,
            appended: false,
            wake: self.inner.wake.clone(),
            _write_guard: guard,
        })
    }

    /// Appends `events` to one stream if it is at `expected`. See [`EventStore::append_many`].
    pub async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended, StoreError> {
        let request = AppendToStream {
            stream_id: stream_id.to_owned(),
            expected,
            events,
        };
        let mut appended = self.append_many(std::slice::from_ref(&request)).await?;
        Ok(appended.remove(0))
    }

    /// Appends to several streams atomically: all or nothing.
    ///
    /// - Each stream's expected version is checked; a mismatch is
    ///   [`StoreError::WrongExpectedVersion`] and nothing is written.
    /// - Idempotent by event id: a retry with the same ids and content writes nothing and
    ///   returns the original positions (`already_recorded`); an id reused for different
    ///   content is [`StoreError::EventIdReused`].
    #[tracing::instrument(skip_all, fields(streams = requests.len()), err)]
    pub async fn append_many(
        &self,
        requests: &[AppendToStream],
    ) -> Result<Vec<Appended>, StoreError> {
        append::validate(requests)?;
        let may_retry_version = requests.iter().any(|r| r.expected == ExpectedVersion::Any);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.begin().await?;
            let error = match self.append_in(&mut tx, requests).await {
                Ok(appended) => {
                    tx.commit().await?;
                    return Ok(appended);
                }
                Err(error) => error,
            };
            let retry = match &error {
                StoreError::ConcurrentAppend { .. } => true,
                StoreError::WrongExpectedVersion { actual: None, .. } => may_retry_version,
                _ => false,
            };
            drop(tx);
            if !retry || attempt >= APPEND_ATTEMPTS {
                return Err(error);
            }
        }
    }

    /// Appends inside the caller's transaction, so events commit with the caller's other
    /// writes (a consumer's inbox row, a projection). Nothing is visible until `tx` commits.
    pub async fn append_in(
        &self,
        tx: &mut Tx,
        requests: &[AppendToStream],
    ) -> Result<Vec<Appended>, StoreError> {
        if self.inner.read_only {
            return Err(StoreError::ReadOnly);
        }
        append::validate(requests)?;
        let ids: Vec<_> = requests
            .iter()
            .flat_map(|r| r.events.iter().map(|e| e.event_id))
            .collect();
        // The first stream's heads and the idempotency check share a round trip on PostgreSQL.
        let (mut first_heads, existing) = match &mut tx.inner {
            TxInner::Postgres(conn) => {
                let (heads, existing) = postgres::probe(conn, &requests[0].stream_id, &ids).await?;
                (Some(heads), existing)
            }
            TxInner::Sqlite(conn) => (None, sqlite::find_events(conn, &ids).await?),
        };
        if !existing.is_empty() {
            return append::resolve_retry(requests, existing);
        }
        let recorded_at = Utc::now().trunc_subsecs(6);
        let mut results = Vec::with_capacity(requests.len());
        for request in requests {
            let current = match first_heads.take() {
                Some(heads) => heads,
                None => heads::read_in(&mut tx.inner, &request.stream_id).await?,
            };
            results.push(
                self.append_stream(tx, request, current, recorded_at)
                    .await?,
            );
        }
        // On PostgreSQL the `events_notify` trigger wakes other processes at commit.
        tx.appended = true;
        Ok(results)
    }

    /// Appends one stream's events onto `current`, its last event and anchored head, and moves
    /// the head to the new last event.
    async fn append_stream(
        &self,
        tx: &mut Tx,
        request: &AppendToStream,
        current: Heads,
        recorded_at: DateTime<Utc>,
    ) -> Result<Appended, StoreError> {
        let stream_id = request.stream_id.as_str();
        // Chaining onto a stream that no longer ends at its anchored head would extend a
        // tampered history and, worse, anchor it anew.
        let anchor = &self.inner.anchor;
        if let Some(problem) =
            anchor.head_problem(stream_id, current.last_link(), current.anchored.as_ref())
        {
            return Err(StoreError::tampered(stream_id, problem));
        }
        let rows = append::prepare_stream(request, current.last, recorded_at)?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let position = match &mut tx.inner {
                TxInner::Postgres(conn) => postgres::insert(conn, row, request.expected).await?,
                TxInner::Sqlite(conn) => sqlite::insert(conn, row, request.expected).await?,
            };
            events.push(AppendedEvent {
                event_id: row.event.event_id,
                stream_version: row.stream_version,
                position,
            });
        }
        if let Some(last) = rows.last() {
            let (version, chain_hash) = (last.stream_version, &last.chain_hash);
            heads::write_in(&mut tx.inner, anchor, stream_id, version, chain_hash).await?;
        }
        Ok(Appended {
            stream_id: request.stream_id.clone(),
            events,
            already_recorded: false,
        })
    }
}
