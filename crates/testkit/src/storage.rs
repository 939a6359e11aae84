//! Logs of the test's own, named as a deployment names them ([`servicekit::Storage`]): a
//! temporary data folder, or a PostgreSQL prefix no other test uses, whose databases the kit
//! makes as services open them and which are dropped after the test.

use eventstore::EventStore;
use servicekit::{Open, Storage};
use sqlx::{Connection, PgConnection};

use crate::{BackendKind, postgres_admin_url};

/// A deployment's storage that exists for one test.
#[derive(Debug)]
pub struct TestStorage {
    /// The storage, for the kit.
    pub storage: Storage,
    /// The PostgreSQL prefix whose databases to drop.
    prefix: Option<String>,
    _folder: Option<tempfile::TempDir>,
}

impl TestStorage {
    /// Fresh storage on `kind`. Panics, naming the server, if PostgreSQL is unreachable: a test
    /// that needs it must fail, not skip.
    pub async fn new(kind: BackendKind) -> Self {
        match kind {
            BackendKind::Sqlite => {
                let folder = tempfile::tempdir().expect("temporary folder");
                Self {
                    storage: Storage::Folder(folder.path().to_owned()),
                    prefix: None,
                    _folder: Some(folder),
                }
            }
            BackendKind::Postgres => {
                let admin = postgres_admin_url();
                if let Err(error) = PgConnection::connect(&admin).await {
                    panic!(
                        "PostgreSQL is not reachable at {admin} ({error}). Start it with: \
                         pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
                    );
                }
                let prefix = format!("test_{}", crate::unique_suffix());
                let server = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(server, _)| server);
                let storage =
                    Storage::postgres(&format!("{server}/{prefix}")).expect("a usable test prefix");
                Self {
                    storage,
                    prefix: Some(prefix),
                    _folder: None,
                }
            }
        }
    }

    /// How `linkwork up` and `serve` are told where this storage is: `--data-dir <folder>` or
    /// `--database-url postgres://…/<prefix>`.
    pub fn arguments(&self) -> Vec<String> {
        match &self.storage {
            Storage::Folder(folder) => vec!["--data-dir".to_owned(), folder.display().to_string()],
            Storage::Postgres { server, prefix, .. } => {
                vec!["--database-url".to_owned(), format!("{server}/{prefix}")]
            }
        }
    }

    /// `service`'s log, as the service itself opens it.
    pub async fn store(&self, service: &str) -> EventStore {
        self.storage
            // Tests anchor with the public label, as the services they spawn do.
            .open(service, Open::OrCreate, None)
            .await
            .expect("the service's log opens")
    }
}

impl Drop for TestStorage {
    fn drop(&mut self) {
        if let Some(prefix) = self.prefix.take() {
            // The prefix is `test_` and hex digits: safe to quote; `_` escaped for LIKE.
            crate::database::drop_databases(&format!(
                "SELECT datname FROM pg_database WHERE datname LIKE '{prefix}\\_%'"
            ));
        }
    }
}
