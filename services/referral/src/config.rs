//! What the referral service is configured with: its settings as it declares them to the
//! service kit (each a flag, a `LINKWORK_…` variable and a config-file key), and as it reads
//! them once it starts.

use servicekit::{Kind, Setting, SettingError, Settings};

use crate::vault::VaultKeys;

/// Accept NHS numbers in the 999 test range.
pub const ALLOW_TEST_NHS_NUMBERS: Setting = Setting {
    name: "allow_test_nhs_numbers",
    help: "Accept NHS numbers in the 999 test range (never in production).",
    kind: Kind::Flag,
    demo: Some("true"),
};

/// The key of the HMAC that turns an NHS number into a pseudonym.
pub const PSEUDONYM_KEY: Setting = Setting {
    name: "pseudonym_key",
    help: "The key (64 hexadecimal digits) of the HMAC that turns an NHS number into the \
           pseudonym other services see.",
    kind: Kind::Secret,
    demo: None,
};

/// The key that wraps each person's data key.
pub const MASTER_KEY: Setting = Setting {
    name: "master_key",
    help: "The key (64 hexadecimal digits) that wraps each person's key in the NHS number vault.",
    kind: Kind::Secret,
    demo: None,
};

/// Every setting the service takes.
pub const SETTINGS: &[Setting] = &[ALLOW_TEST_NHS_NUMBERS, PSEUDONYM_KEY, MASTER_KEY];

/// What a referral service deployment runs with.
#[derive(Debug, Clone)]
pub struct ReferralSettings {
    /// The ICS this deployment serves.
    pub tenant: String,
    /// The vault's secrets.
    pub vault_keys: VaultKeys,
    /// Accept NHS numbers in the 999 test range (never in production).
    pub allow_test_nhs_numbers: bool,
}

impl ReferralSettings {
    /// The settings of a deployment serving `tenant`, read from what the kit resolved.
    pub fn read(settings: &Settings, tenant: &str) -> Result<Self, SettingError> {
        Ok(Self {
            tenant: tenant.to_owned(),
            vault_keys: VaultKeys {
                pseudonym_key: settings.secret(&PSEUDONYM_KEY)?,
                master_key: settings.secret(&MASTER_KEY)?,
            },
            allow_test_nhs_numbers: settings.flag(&ALLOW_TEST_NHS_NUMBERS),
        })
    }
}
