//! Settings of the commands that run services: the platform's own (where the logs are, the
//! bus, the listeners, the tenant) and every service's (as each declares them to the kit).
//! Flags, then `LINKWORK_…` environment variables, then a TOML config file, then defaults — the
//! first that says something wins. A setting that cannot be used stops the start with a
//! message naming it, before anything listens or writes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{ArgMatches, Args, Command, FromArgMatches};
use servicekit::{Kind, Setting, Storage};

use super::sign_in::{DEFAULT_AUDIENCE, Oidc};
use crate::registry;

/// The platform's settings from the command line or the environment (clap reads both; a flag
/// beats its variable). `None` means "not said here".
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct Overrides {
    /// A TOML file of settings (keys as the flags, with `_`: `data_dir = "…"`).
    #[arg(long, env = "LINKWORK_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Where the embedded databases, the in-process bus and generated keys live; kept across
    /// restarts.
    #[arg(long, env = "LINKWORK_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// HTTP listen address.
    #[arg(long, env = "LINKWORK_HTTP")]
    pub(crate) http: Option<SocketAddr>,
    /// gRPC listen address: the services, health and reflection.
    #[arg(long, env = "LINKWORK_GRPC")]
    pub(crate) grpc: Option<SocketAddr>,
    /// PostgreSQL instead of SQLite: `postgres://…/linkwork` names a prefix, and each
    /// service's log is a database of its own, `linkwork_<service>`, created if missing.
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
    /// The OpenID Connect issuer whose bearer tokens are accepted (its `iss`, e.g. NHS CIS2);
    /// its keys come from its discovery document. Required by `serve`; `up` without it runs
    /// its own issuer (see `linkwork token`).
    #[arg(long, env = "LINKWORK_OIDC_ISSUER")]
    pub(crate) oidc_issuer: Option<String>,
    /// The audience (`aud`) tokens must be for: this deployment's client id [default: linkwork].
    #[arg(long, env = "LINKWORK_OIDC_AUDIENCE")]
    pub(crate) oidc_audience: Option<String>,
    /// Where the issuer's keys are, if not where its discovery document says.
    #[arg(long, env = "LINKWORK_OIDC_JWKS_URL")]
    pub(crate) oidc_jwks_url: Option<String>,
    /// How the issuer's claims name the caller: `linkwork` (`sub`, `org`, `role`, `scope`) or
    /// `cis2` (the role the user selected among `nhsid_nrbac_roles`) [default: linkwork].
    #[arg(long, env = "LINKWORK_OIDC_CLAIMS", value_name = "linkwork|cis2")]
    pub(crate) oidc_claims: Option<String>,
    /// The issuer's role codes as Linkwork roles: `R8000=link-worker,R8001=referrer`.
    #[arg(long, env = "LINKWORK_OIDC_ROLE_MAP", value_name = "CODE=role,…")]
    pub(crate) oidc_role_map: Option<String>,
    #[command(flatten)]
    pub(crate) integrity: IntegrityFlags,
}

/// What each log is checked for before it is served. Flags only, never the config file: an
/// override of the integrity check is an operator's decision for one start.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub(crate) struct IntegrityFlags {
    /// Check every event of every log's hash chains before serving, not only each stream's
    /// anchored head (which is always checked).
    #[arg(long, env = "LINKWORK_VERIFY_ON_START")]
    pub(crate) verify_on_start: bool,
    /// Serve a log that fails its integrity check read-only (every command refused, reads as
    /// before) instead of refusing to start: for investigating it.
    #[arg(long)]
    pub(crate) serve_tampered_read_only: bool,
}

impl From<IntegrityFlags> for servicekit::Integrity {
    fn from(flags: IntegrityFlags) -> Self {
        Self {
            verify_on_start: flags.verify_on_start,
            serve_tampered_read_only: flags.serve_tampered_read_only,
        }
    }
}

/// The platform's keys in a config file; every other key must be a service's setting.
const PLATFORM_KEYS: [&str; 12] = [
    "data_dir",
    "http",
    "grpc",
    "database_url",
    "nats_url",
    "bus_prefix",
    "tenant",
    "oidc_issuer",
    "oidc_audience",
    "oidc_jwks_url",
    "oidc_claims",
    "oidc_role_map",
];

/// The platform's settings, every one decided and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Platform {
    pub(crate) data_dir: PathBuf,
    pub(crate) http: SocketAddr,
    pub(crate) grpc: SocketAddr,
    pub(crate) storage: Storage,
    pub(crate) nats_url: Option<String>,
    pub(crate) bus_prefix: String,
    pub(crate) tenant: String,
    /// The audience tokens must be for.
    pub(crate) audience: String,
    /// The deployment's issuer; `None` is `up`'s own.
    pub(crate) oidc: Option<Oidc>,
    /// What each log is checked for before it is served.
    pub(crate) integrity: servicekit::Integrity,
}

/// Service settings given as flags or environment variables, by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServiceFlags(pub(crate) HashMap<String, String>);

/// Adds a flag (with its variable) for each of `settings` but secrets, which are never flags.
pub(crate) fn add_flags<'a>(
    mut command: Command,
    settings: impl Iterator<Item = &'a Setting>,
) -> Command {
    for setting in settings {
        let arg = clap::Arg::new(setting.name)
            .long(setting.flag())
            .env(setting.variable())
            .help(setting.help);
        let arg = match setting.kind {
            Kind::Secret => continue,
            Kind::Flag => arg
                .num_args(0..=1)
                .default_missing_value("true")
                .value_name("true|false")
                .value_parser(["true", "false"]),
            Kind::Whole { .. } => arg.value_name("NUMBER"),
        };
        command = command.arg(arg);
    }
    command
}

/// What `matches` holds for `settings`.
pub(crate) fn read_flags<'a>(
    matches: &ArgMatches,
    settings: impl Iterator<Item = &'a Setting>,
) -> ServiceFlags {
    let given = settings
        .filter(|setting| !matches!(setting.kind, Kind::Secret))
        .filter_map(|setting| {
            let value = matches.get_one::<String>(setting.name)?;
            Some((setting.name.to_owned(), value.clone()))
        })
        .collect();
    ServiceFlags(given)
}

impl FromArgMatches for ServiceFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(read_flags(matches, registry::settings()))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.extend(read_flags(matches, registry::settings()).0);
        Ok(())
    }
}

impl Args for ServiceFlags {
    fn augment_args(command: Command) -> Command {
        add_flags(command, registry::settings())
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

fn read_file(path: &Path) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--config: cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("--config: {} is not valid TOML", path.display()))
}

/// A file value as a setting's text: `90`, `true`, `"QWE"` → `90`, `true`, `QWE`.
fn file_text(key: &str, value: &toml::Value) -> anyhow::Result<String> {
    Ok(match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(number) => number.to_string(),
        toml::Value::Boolean(flag) => flag.to_string(),
        _ => bail!("--config: {key} must be text, a whole number or true/false"),
    })
}

/// A platform key from the file, parsed as `T`.
fn from_file<T: std::str::FromStr>(file: &toml::Table, key: &str) -> anyhow::Result<Option<T>> {
    let Some(value) = file.get(key) else {
        return Ok(None);
    };
    let text = file_text(key, value)?;
    text.parse()
        .map(Some)
        .map_err(|_| anyhow::anyhow!("--config: {key} = {text:?} is not usable"))
}

impl Overrides {
    /// Decides every platform setting (flag or environment, then file, then default) and
    /// gathers the services' (flags and environment beat the file); checks both.
    /// `tenant_required`: whether the tenant must be said (a service run alone in production).
    pub(crate) fn resolve(
        self,
        flags: ServiceFlags,
        tenant_required: bool,
    ) -> anyhow::Result<(Platform, HashMap<String, String>)> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => toml::Table::new(),
        };
        let mut given = HashMap::new();
        for (key, value) in &file {
            if PLATFORM_KEYS.contains(&key.as_str()) {
                continue;
            }
            if !registry::settings().any(|setting| setting.name == key) {
                bail!("--config: {key} is not a setting; see linkwork up --help");
            }
            given.insert(key.clone(), file_text(key, value)?);
        }
        given.extend(flags.0);
        let tenant = self.tenant.or(from_file(&file, "tenant")?);
        if tenant_required && tenant.is_none() {
            bail!("tenant (--tenant, LINKWORK_TENANT) must be given");
        }
        let data_dir = self
            .data_dir
            .or(from_file(&file, "data_dir")?)
            .unwrap_or_else(|| PathBuf::from("linkwork-data"));
        let storage = match self.database_url.or(from_file(&file, "database_url")?) {
            Some(url) => Storage::postgres(&url)?,
            None => Storage::Folder(data_dir.clone()),
        };
        let audience = self
            .oidc_audience
            .or(from_file(&file, "oidc_audience")?)
            .unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned());
        let oidc = match self.oidc_issuer.or(from_file(&file, "oidc_issuer")?) {
            Some(issuer) => Some(Oidc::new(
                issuer,
                audience.clone(),
                self.oidc_jwks_url.or(from_file(&file, "oidc_jwks_url")?),
                self.oidc_claims
                    .or(from_file(&file, "oidc_claims")?)
                    .as_deref(),
                self.oidc_role_map
                    .or(from_file(&file, "oidc_role_map")?)
                    .as_deref(),
            )?),
            None => None,
        };
        let platform = Platform {
            http: self
                .http
                .or(from_file(&file, "http")?)
                .unwrap_or(([127, 0, 0, 1], 8080).into()),
            grpc: self
                .grpc
                .or(from_file(&file, "grpc")?)
                .unwrap_or(([127, 0, 0, 1], 50051).into()),
            storage,
            data_dir,
            nats_url: self.nats_url.or(from_file(&file, "nats_url")?),
            bus_prefix: self
                .bus_prefix
                .or(from_file(&file, "bus_prefix")?)
                .unwrap_or_else(|| "linkwork".to_owned()),
            tenant: tenant.unwrap_or_else(|| "local".to_owned()),
            audience,
            oidc,
            integrity: self.integrity.into(),
        };
        platform.check()?;
        Ok((platform, given))
    }
}

impl Platform {
    /// Its two listeners, bound; an address in use stops the command naming the setting.
    pub(crate) async fn listen(&self) -> anyhow::Result<servicekit::Listeners> {
        let grpc = tokio::net::TcpListener::bind(self.grpc)
            .await
            .with_context(|| format!("grpc: cannot listen on {}", self.grpc))?;
        let http = tokio::net::TcpListener::bind(self.http)
            .await
            .with_context(|| format!("http: cannot listen on {}", self.http))?;
        Ok(servicekit::Listeners { grpc, http })
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.tenant.trim().is_empty() {
            bail!("tenant (--tenant, LINKWORK_TENANT) must not be empty");
        }
        let prefix_ok = !self.bus_prefix.is_empty()
            && self
                .bus_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !prefix_ok {
            bail!("bus_prefix (--bus-prefix, LINKWORK_BUS_PREFIX) must be letters, digits, _ or -");
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

/// Where to find the services' logs, for the operator tools: a data folder or a PostgreSQL
/// deployment, named as `up` and `serve` name them, and the key that anchors them.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = true)]
pub(crate) struct Location {
    /// The deployment's PostgreSQL prefix: `postgres://…/linkwork` (each service's log is
    /// `linkwork_<service>`).
    #[arg(long, env = "LINKWORK_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
    /// The data folder of `linkwork up`: its logs, unless --database-url says they are on
    /// PostgreSQL, and its keys.
    #[arg(long, env = "LINKWORK_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
}

impl Location {
    /// The storage named.
    pub(crate) fn storage(&self) -> anyhow::Result<Storage> {
        match (&self.database_url, &self.data_dir) {
            (Some(url), _) => Ok(Storage::postgres(url)?),
            (None, Some(folder)) => Ok(Storage::Folder(folder.clone())),
            (None, None) => bail!("give --database-url or --data-dir"),
        }
    }

    /// The key the logs are anchored with, for opening them as `open` says.
    pub(crate) fn anchor_key(&self, open: servicekit::Open) -> anyhow::Result<Option<[u8; 32]>> {
        super::anchor_key::for_tools(self.data_dir.as_deref(), open)
    }

    /// `service`'s log.
    pub(crate) async fn open(
        &self,
        service: &str,
        open: servicekit::Open,
    ) -> anyhow::Result<eventstore::EventStore> {
        let key = self.anchor_key(open)?;
        Ok(self.storage()?.open(service, open, key).await?)
    }
}

#[cfg(test)]
mod tests;
