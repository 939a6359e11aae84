//! Where `linkwork up` keeps things in its data folder: one SQLite log per service, the
//! in-process bus beside them, generated keys under `keys/`. Operator commands (`verify`,
//! `replay`) find a service's log here with `--data-dir`.

use std::path::Path;

/// The services `up` runs, each with a log of its own.
pub(crate) const SERVICES: [&str; 2] = ["referral", "directory"];

/// The SQLite URL of `name` (a service, or `bus`) in `folder`.
pub(crate) fn sqlite_url(folder: &Path, name: &str) -> String {
    format!(
        "sqlite://{}",
        folder.join(format!("{name}.sqlite")).display()
    )
}

/// Where to find one service's log: a database URL, or `up`'s data folder.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub(crate) struct LogLocation {
    /// The service's database: `postgres://…` or `sqlite:…`.
    #[arg(long, env = "LINKWORK_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
    /// The data folder of `linkwork up`.
    #[arg(long, env = "LINKWORK_DATA_DIR")]
    pub(crate) data_dir: Option<std::path::PathBuf>,
}

impl LogLocation {
    /// The logs to open, each with its service's name when it came from the data folder.
    pub(crate) fn logs(&self, services: &[&'static str]) -> Vec<(Option<&'static str>, String)> {
        match (&self.database_url, &self.data_dir) {
            (Some(url), _) => vec![(None, url.clone())],
            (None, Some(folder)) => services
                .iter()
                .map(|service| (Some(*service), sqlite_url(folder, service)))
                .collect(),
            (None, None) => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SERVICES, sqlite_url};

    #[test]
    fn every_service_has_a_log_of_its_own() {
        let urls: Vec<_> = SERVICES
            .iter()
            .map(|service| sqlite_url(std::path::Path::new("/data"), service))
            .collect();
        assert_eq!(
            urls,
            [
                "sqlite:///data/referral.sqlite",
                "sqlite:///data/directory.sqlite"
            ]
        );
    }
}
