//! What the engagement service is configured with: the key its check-in tokens are signed with
//! and how long one is good for, declared to the service kit (each a flag or variable and a
//! config-file key; the key from the environment, or kept in the data folder under `up`).

use chrono::Duration;
use servicekit::{Kind, Setting, SettingError, Settings};

/// The key check-in tokens are signed with.
pub const CHECK_IN_KEY: Setting = Setting {
    name: "check_in_key",
    help: "Key that signs the check-in tokens a session's QR code carries (64 hexadecimal \
           digits). Changing it voids every token issued under the old one.",
    kind: Kind::Secret,
    demo: None,
};

/// How long a check-in token is good for.
pub const CHECK_IN_MINUTES: Setting = Setting {
    name: "check_in_minutes",
    help: "Minutes a session's check-in token (its QR code) stays good after it is issued.",
    kind: Kind::Whole {
        default: 15,
        min: 1,
        max: 720,
    },
    demo: None,
};

/// Every setting the service takes.
pub const SETTINGS: &[Setting] = &[CHECK_IN_KEY, CHECK_IN_MINUTES];

/// What an engagement deployment runs with.
#[derive(Debug, Clone)]
pub struct EngagementSettings {
    /// The ICS this deployment serves, recorded on every event.
    pub tenant: String,
    /// The check-in tokens' key.
    pub check_in_key: [u8; 32],
    /// How long a token is good for.
    pub check_in_for: Duration,
}

impl EngagementSettings {
    /// The settings of a deployment serving `tenant`, read from what the kit resolved.
    pub fn read(settings: &Settings, tenant: &str) -> Result<Self, SettingError> {
        Ok(Self {
            tenant: tenant.to_owned(),
            check_in_key: settings.secret(&CHECK_IN_KEY)?,
            // Bounded to 720 by its declaration.
            check_in_for: Duration::minutes(settings.whole(&CHECK_IN_MINUTES).min(720) as i64),
        })
    }
}
