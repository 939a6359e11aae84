//! `linkwork up`'s settings: flags, then `LINKWORK_…` environment variables, then a TOML
//! config file, then defaults — the first that says something wins. A setting that cannot be
//! used stops the start with a message naming it, before anything listens or writes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// Every setting `up` takes from the command line or the environment (clap reads both; a flag
/// beats its variable). `None` means "not said here".
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct Overrides {
    /// A TOML file of settings (keys as the flags, with `_`: `data_dir = "…"`).
    #[arg(long, env = "LINKWORK_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Where the embedded databases and the bus live; kept across restarts.
    #[arg(long, env = "LINKWORK_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// HTTP listen address: the JSON API, /fhir and /oruk.
    #[arg(long, env = "LINKWORK_HTTP")]
    pub(crate) http: Option<SocketAddr>,
    /// gRPC listen address: every service, health and reflection.
    #[arg(long, env = "LINKWORK_GRPC")]
    pub(crate) grpc: Option<SocketAddr>,
    /// PostgreSQL instead of SQLite: `postgres://…/linkwork` gives each service its own
    /// database, `linkwork_referral`, `linkwork_directory`, created if missing.
    #[arg(long, env = "LINKWORK_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
    /// NATS JetStream instead of the in-process bus.
    #[arg(long, env = "LINKWORK_NATS_URL")]
    pub(crate) nats_url: Option<String>,
    /// Subject and stream-name prefix on the bus.
    #[arg(long, env = "LINKWORK_BUS_PREFIX")]
    pub(crate) bus_prefix: Option<String>,
    /// The Integrated Care System this deployment serves, recorded on every event.
    #[arg(long, env = "LINKWORK_TENANT")]
    pub(crate) tenant: Option<String>,
    /// Days a directory service's verification lasts before it is flagged stale.
    #[arg(long, env = "LINKWORK_STALE_AFTER_DAYS")]
    pub(crate) stale_after_days: Option<u16>,
    /// Accept NHS numbers in the 999 test range (never in production).
    #[arg(long, env = "LINKWORK_ALLOW_TEST_NHS_NUMBERS")]
    pub(crate) allow_test_nhs_numbers: Option<bool>,
}

/// The same settings as a config file holds them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    http: Option<SocketAddr>,
    grpc: Option<SocketAddr>,
    database_url: Option<String>,
    nats_url: Option<String>,
    bus_prefix: Option<String>,
    tenant: Option<String>,
    stale_after_days: Option<u16>,
    allow_test_nhs_numbers: Option<bool>,
}

/// The settings `up` runs with, every one decided and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) data_dir: PathBuf,
    pub(crate) http: SocketAddr,
    pub(crate) grpc: SocketAddr,
    pub(crate) database_url: Option<String>,
    pub(crate) nats_url: Option<String>,
    pub(crate) bus_prefix: String,
    pub(crate) tenant: String,
    pub(crate) stale_after_days: u16,
    pub(crate) allow_test_nhs_numbers: bool,
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--config: cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("--config: {} is not valid", path.display()))
}

impl Overrides {
    /// Resolves every setting (flag/env, then file, then default) and checks them.
    pub(crate) fn resolve(self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let settings = Settings {
            data_dir: self
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("linkwork-data")),
            http: self
                .http
                .or(file.http)
                .unwrap_or(([127, 0, 0, 1], 8080).into()),
            grpc: self
                .grpc
                .or(file.grpc)
                .unwrap_or(([127, 0, 0, 1], 50051).into()),
            database_url: self.database_url.or(file.database_url),
            nats_url: self.nats_url.or(file.nats_url),
            bus_prefix: self
                .bus_prefix
                .or(file.bus_prefix)
                .unwrap_or_else(|| "linkwork".to_owned()),
            tenant: self
                .tenant
                .or(file.tenant)
                .unwrap_or_else(|| "local".to_owned()),
            stale_after_days: self
                .stale_after_days
                .or(file.stale_after_days)
                .unwrap_or(365),
            allow_test_nhs_numbers: self
                .allow_test_nhs_numbers
                .or(file.allow_test_nhs_numbers)
                .unwrap_or(false),
        };
        settings.check()?;
        Ok(settings)
    }
}

impl Settings {
    fn check(&self) -> anyhow::Result<()> {
        if self.tenant.trim().is_empty() {
            bail!("tenant (--tenant, LINKWORK_TENANT) must not be empty");
        }
        if self.stale_after_days == 0 {
            bail!(
                "stale_after_days (--stale-after-days, LINKWORK_STALE_AFTER_DAYS) must be at least 1"
            );
        }
        let prefix_ok = !self.bus_prefix.is_empty()
            && self
                .bus_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !prefix_ok {
            bail!("bus_prefix (--bus-prefix, LINKWORK_BUS_PREFIX) must be letters, digits, _ or -");
        }
        if let Some(url) = &self.database_url
            && !url.starts_with("postgres://")
            && !url.starts_with("postgresql://")
        {
            bail!(
                "database_url (--database-url, LINKWORK_DATABASE_URL) must be a postgres:// URL; without it, up uses SQLite in --data-dir"
            );
        }
        if let Some(url) = &self.nats_url
            && !url.starts_with("nats://")
            && !url.starts_with("tls://")
        {
            bail!("nats_url (--nats-url, LINKWORK_NATS_URL) must be a nats:// or tls:// URL");
        }
        if self.http == self.grpc && self.http.port() != 0 {
            bail!(
                "http and grpc must listen on different addresses (both are {})",
                self.http
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::Overrides;

    fn file(contents: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temporary file");
        file.write_all(contents.as_bytes()).expect("write");
        file
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let config = file("tenant = \"QWE\"\nhttp = \"127.0.0.1:9000\"\nstale_after_days = 90\n");
        let settings = Overrides {
            config: Some(config.path().to_owned()),
            http: Some(([127, 0, 0, 1], 9100).into()),
            ..Overrides::default()
        }
        .resolve()
        .expect("valid");
        assert_eq!(settings.http, ([127, 0, 0, 1], 9100).into());
        assert_eq!(settings.tenant, "QWE");
        assert_eq!(settings.stale_after_days, 90);
        assert_eq!(settings.grpc, ([127, 0, 0, 1], 50051).into());
        assert_eq!(settings.data_dir, std::path::PathBuf::from("linkwork-data"));
    }

    #[test]
    fn a_bad_setting_is_refused_naming_it() {
        let message =
            |overrides: Overrides| format!("{:#}", overrides.resolve().expect_err("refused"));
        let typo = file("tennant = \"QWE\"\n");
        let text = message(Overrides {
            config: Some(typo.path().to_owned()),
            ..Overrides::default()
        });
        assert!(text.contains("tennant"), "{text}");
        let wrong_type = file("stale_after_days = \"soon\"\n");
        let text = message(Overrides {
            config: Some(wrong_type.path().to_owned()),
            ..Overrides::default()
        });
        assert!(text.contains("stale_after_days"), "{text}");
        let text = message(Overrides {
            tenant: Some(" ".into()),
            ..Overrides::default()
        });
        assert!(text.starts_with("tenant"), "{text}");
        let text = message(Overrides {
            database_url: Some("mysql://x".into()),
            ..Overrides::default()
        });
        assert!(text.starts_with("database_url"), "{text}");
        let text = message(Overrides {
            config: Some("/nonexistent/linkwork.toml".into()),
            ..Overrides::default()
        });
        assert!(text.starts_with("--config"), "{text}");
    }
}
