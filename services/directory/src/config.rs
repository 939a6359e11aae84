//! What the directory service is configured with: its settings as it declares them to the
//! service kit (each a flag, a `LINKWORK_…` variable and a config-file key), and as it reads
//! them once it starts.

use chrono::Duration;
use servicekit::{Kind, Setting, Settings};

/// How long a verification lasts before a service is flagged stale.
pub const STALE_AFTER_DAYS: Setting = Setting {
    name: "stale_after_days",
    help: "Days a directory service's verification lasts before it is flagged stale in every \
           result; a year is the usual assurance cycle.",
    kind: Kind::Whole {
        default: 365,
        min: 1,
        max: 3650,
    },
    demo: None,
};

/// Every setting the service takes.
pub const SETTINGS: &[Setting] = &[STALE_AFTER_DAYS];

/// What a directory deployment runs with.
#[derive(Debug, Clone)]
pub struct DirectorySettings {
    /// The ICS this deployment serves, recorded on every event.
    pub tenant: String,
    /// How long a verification lasts before a service is flagged stale.
    pub stale_after: Duration,
}

impl DirectorySettings {
    /// The settings of a deployment serving `tenant`, read from what the kit resolved.
    pub fn read(settings: &Settings, tenant: &str) -> Self {
        // Bounded to 3650 days by the declaration, so the conversion never saturates.
        let days = i64::try_from(settings.whole(&STALE_AFTER_DAYS)).unwrap_or(i64::MAX);
        Self {
            tenant: tenant.to_owned(),
            stale_after: Duration::days(days),
        }
    }
}
