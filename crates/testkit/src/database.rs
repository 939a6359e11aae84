//! A database of the test's own, on either backend.

use std::time::Duration;

use eventstore::{EventStore, StoreOptions};
use sqlx::{Connection, PgConnection};

/// Which backend a conformance test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// A fresh database on the shared PostgreSQL server.
    Postgres,
    /// A fresh SQLite file in a temporary folder.
    Sqlite,
}

/// The admin connection string for the shared PostgreSQL (override with
/// `LINKWORK_TEST_POSTGRES_URL`).
pub fn postgres_admin_url() -> String {
    std::env::var("LINKWORK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that exists for one test and is dropped after it.
#[derive(Debug)]
pub struct TestDatabase {
    /// Connection string of the test's database.
    pub url: String,
    kind: BackendKind,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// Creates a database on `kind`.
    pub async fn new(kind: BackendKind) -> Self {
        match kind {
            BackendKind::Postgres => Self::postgres().await,
            BackendKind::Sqlite => Self::sqlite(),
        }
    }

    /// Creates `test_<random>` on the shared PostgreSQL server. Panics, naming the server,
    /// if it is unreachable: a test that needs PostgreSQL must fail, not skip.
    pub async fn postgres() -> Self {
        let admin = postgres_admin_url();
        let name = format!("test_{}", crate::unique_suffix());
        let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|error| {
            panic!(
                "PostgreSQL is not reachable at {admin} ({error}). Start it with: \
                 pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            )
        });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        Self {
            url: format!("{base}/{name}"),
            kind: BackendKind::Postgres,
            pg_name: Some(name),
            _dir: None,
        }
    }

    /// Creates an SQLite file in a temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("log.sqlite").display());
        Self {
            url,
            kind: BackendKind::Sqlite,
            pg_name: None,
            _dir: Some(dir),
        }
    }

    /// The backend.
    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    /// Opens the event store on this database with default options.
    pub async fn store(&self) -> EventStore {
        self.store_with(StoreOptions::default()).await
    }

    /// Opens the event store on this database.
    pub async fn store_with(&self, options: StoreOptions) -> EventStore {
        EventStore::connect(&self.url, options)
            .await
            .expect("open the event store on the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_databases(&format!("SELECT '{name}'"));
        }
    }
}

/// Drops the databases the query `names` lists (a `SELECT` of their names), from a thread of
/// its own: drops run outside async, and a test's databases must go whether it passed or not.
pub(crate) fn drop_databases(names: &str) {
    let names = names.to_owned();
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let mut conn = PgConnection::connect(&postgres_admin_url()).await?;
            let found: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(names))
                .fetch_all(&mut conn)
                .await?;
            for (name,) in found {
                let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                tokio::time::timeout(
                    Duration::from_secs(30),
                    sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut conn),
                )
                .await??;
            }
            Ok::<_, anyhow::Error>(())
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(()))) {
        eprintln!("warning: could not drop a test's databases");
    }
}
