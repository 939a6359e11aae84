//! Where a deployment keeps its logs, and the one way their names are made from it: each
//! service has a log of its own, named after the service. On SQLite, `<data dir>/<service>.sqlite`;
//! on PostgreSQL, `--database-url postgres://…/lw` names a prefix and the referral service's log
//! is the database `lw_referral`. Every command that opens a log (`up`, `serve`, `verify`,
//! `replay`, the directory's imports) opens it here, so they all find the same one.

use std::path::{Path, PathBuf};

use eventstore::{EventStore, StoreError, StoreOptions};
use sqlx::Connection as _;

/// Where the logs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// SQLite files in a folder (`linkwork up`'s data folder).
    Folder(PathBuf),
    /// A database per service on a PostgreSQL server, named `<prefix>_<service>`.
    Postgres {
        /// `postgres://user@host:5432`, without a database.
        server: String,
        /// The databases' prefix: the URL's database name.
        prefix: String,
        /// The URL's query (`sslmode=require`, say), kept for every database.
        query: Option<String>,
    },
}

/// Whether opening a log may make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Make the database (and the log's tables) if missing: a service starting.
    OrCreate,
    /// Only an existing log, left as it is: operator tools that read one.
    Existing,
}

/// Why a log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database URL is not one to use.
    #[error("database_url (--database-url, LINKWORK_DATABASE_URL) {0}")]
    Url(String),
    /// No such log, and this command does not make one.
    #[error("there is no {service} log at {place}: {hint}")]
    Missing {
        /// The service.
        service: String,
        /// Where it was looked for.
        place: String,
        /// What to do about it.
        hint: &'static str,
    },
    /// The server could not be reached or refused.
    #[error("cannot open the {service} log at {place}")]
    Open {
        /// The service.
        service: String,
        /// Where.
        place: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The database could not be made.
    #[error("cannot create the database {database}: {reason}")]
    Create {
        /// The database.
        database: String,
        /// Why.
        reason: String,
    },
}

const NEVER_RUN: &str = "has a service of this deployment run with these settings?";

impl Storage {
    /// The PostgreSQL deployment `url` names (`postgres://…/<prefix>`).
    pub fn postgres(url: &str) -> Result<Self, StorageError> {
        if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(StorageError::Url(
                "must be a postgres:// URL; without it, logs are SQLite files in --data-dir"
                    .to_owned(),
            ));
        }
        let (before_query, query) = match url.split_once('?') {
            Some((url, query)) => (url, Some(query.to_owned())),
            None => (url, None),
        };
        let Some((server, prefix)) = before_query.rsplit_once('/') else {
            return Err(StorageError::Url(
                "must name a database, e.g. postgres://host/linkwork".to_owned(),
            ));
        };
        let usable = !prefix.is_empty()
            && prefix.len() <= 40
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !usable || server.ends_with('/') {
            return Err(StorageError::Url(format!(
                "must name a database of 1 to 40 letters, digits and _, e.g. postgres://host/linkwork; got {prefix:?}"
            )));
        }
        Ok(Self::Postgres {
            server: server.to_owned(),
            prefix: prefix.to_lowercase(),
            query,
        })
    }

    /// The URL of `service`'s log.
    pub fn url(&self, service: &str) -> String {
        match self {
            Self::Folder(folder) => sqlite_url(folder, service),
            Self::Postgres {
                server,
                prefix,
                query,
            } => with_query(&format!("{server}/{prefix}_{service}"), query.as_deref()),
        }
    }

    /// Where `service`'s log is, in words without credentials.
    pub fn place(&self, service: &str) -> String {
        match self {
            Self::Folder(folder) => folder
                .join(format!("{service}.sqlite"))
                .display()
                .to_string(),
            Self::Postgres { prefix, .. } => format!("the PostgreSQL database {prefix}_{service}"),
        }
    }

    /// Opens `service`'s log, making it first when `open` allows, its stream heads anchored
    /// with `anchor_key` (the one every process opening this log must use).
    pub async fn open(
        &self,
        service: &str,
        open: Open,
        anchor_key: Option<[u8; 32]>,
    ) -> Result<EventStore, StorageError> {
        let place = self.place(service);
        let missing = |hint| StorageError::Missing {
            service: service.to_owned(),
            place: place.clone(),
            hint,
        };
        match (self, open) {
            (Self::Folder(folder), Open::Existing)
                if !folder.join(format!("{service}.sqlite")).exists() =>
            {
                return Err(missing(NEVER_RUN));
            }
            (Self::Folder(folder), Open::OrCreate) => {
                std::fs::create_dir_all(folder).map_err(|error| StorageError::Create {
                    database: folder.display().to_string(),
                    reason: error.to_string(),
                })?;
            }
            (Self::Postgres { .. }, open) if !self.database_exists(service).await? => match open {
                Open::OrCreate => self.create_database(service).await?,
                Open::Existing => return Err(missing(NEVER_RUN)),
            },
            _ => {}
        }
        let options = StoreOptions {
            migrate: open == Open::OrCreate,
            anchor_key,
            ..StoreOptions::default()
        };
        EventStore::connect(&self.url(service), options)
            .await
            .map_err(|source| StorageError::Open {
                service: service.to_owned(),
                place,
                source,
            })
    }

    /// The in-process bus's file, beside the logs (or in `folder` when the logs are on
    /// PostgreSQL).
    pub fn bus_url(folder: &Path) -> String {
        sqlite_url(folder, "bus")
    }

    /// A connection to the server's maintenance database, for what is done to databases.
    async fn maintenance(&self) -> Result<sqlx::PgConnection, StorageError> {
        let Self::Postgres { server, query, .. } = self else {
            return Err(StorageError::Url("is not a PostgreSQL server".to_owned()));
        };
        let url = with_query(&format!("{server}/postgres"), query.as_deref());
        sqlx::PgConnection::connect(&url)
            .await
            .map_err(|error| StorageError::Url(format!("cannot reach {server}: {error}")))
    }

    fn database(&self, service: &str) -> String {
        match self {
            Self::Postgres { prefix, .. } => format!("{prefix}_{service}"),
            Self::Folder(_) => service.to_owned(),
        }
    }

    async fn database_exists(&self, service: &str) -> Result<bool, StorageError> {
        let mut admin = self.maintenance().await?;
        let found: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(self.database(service))
            .fetch_optional(&mut admin)
            .await
            .map_err(|error| StorageError::Url(format!("cannot list databases: {error}")))?;
        Ok(found.is_some())
    }

    async fn create_database(&self, service: &str) -> Result<(), StorageError> {
        let database = self.database(service);
        let mut admin = self.maintenance().await?;
        // Prefix and service name are letters, digits and _ (checked above): safe to quote.
        let create = format!("CREATE DATABASE \"{database}\"");
        match sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut admin)
            .await
        {
            Ok(_) => Ok(()),
            // Another process made it first (two services starting at once): as good.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => Ok(()),
            Err(error) => Err(StorageError::Create {
                database,
                reason: error.to_string(),
            }),
        }
    }
}

fn sqlite_url(folder: &Path, name: &str) -> String {
    format!(
        "sqlite://{}",
        folder.join(format!("{name}.sqlite")).display()
    )
}

fn with_query(url: &str, query: Option<&str>) -> String {
    match query {
        Some(query) => format!("{url}?{query}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::Storage;

    #[test]
    fn every_service_has_a_log_of_its_own_named_from_the_deployment() {
        let folder = Storage::Folder("/data".into());
        assert_eq!(folder.url("referral"), "sqlite:///data/referral.sqlite");
        let postgres =
            Storage::postgres("postgres://lw@db:5432/Linkwork?sslmode=require").expect("valid");
        assert_eq!(
            postgres.url("directory"),
            "postgres://lw@db:5432/linkwork_directory?sslmode=require"
        );
        assert_eq!(
            postgres.place("directory"),
            "the PostgreSQL database linkwork_directory"
        );
    }

    #[test]
    fn a_url_that_cannot_name_databases_is_refused() {
        for bad in [
            "mysql://x/lw",
            "postgres://host",
            "postgres://host/",
            "postgres://host/l-w",
        ] {
            let refused = Storage::postgres(bad).expect_err(bad).to_string();
            assert!(
                refused.starts_with("database_url (--database-url"),
                "{refused}"
            );
        }
    }
}
