//! What the engagement service is configured with: the key its check-in tokens are signed with
//! and how long one is good for, the lapse rules, what makes a day's device data valid, and how
//! often its clock ticks — declared to
//! the service kit (each a flag or variable and a config-file key; the key from the
//! environment, or kept in the data folder under `up`).

use chrono::Duration;
use servicekit::{Kind, Setting, SettingError, Settings};

use crate::domain::lapse::Rules;

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

/// The missed-sessions rule: so many missed in a row is a lapse.
pub const LAPSE_MISSED_IN_A_ROW: Setting = Setting {
    name: "lapse_missed_in_a_row",
    help: "Sessions a person may miss in a row (did not attend, or cancelled themselves; not \
           those the provider called off) before their engagement is reported lapsed; 0 turns \
           the rule off.",
    kind: Kind::Whole {
        default: 2,
        min: 0,
        max: 20,
    },
    demo: None,
};

/// The no-attendance rule: so many days without coming is a lapse.
pub const LAPSE_DAYS_WITHOUT_ATTENDANCE: Setting = Setting {
    name: "lapse_days_without_attendance",
    help: "Days without attendance, while the referral is active and a provider keeps a \
           register for the person, before their engagement is reported lapsed; 0 turns the \
           rule off.",
    kind: Kind::Whole {
        default: 21,
        min: 0,
        max: 365,
    },
    demo: None,
};

/// The device-activity rule: steps below this share of the person's own fortnight.
pub const LAPSE_DEVICE_BELOW_PERCENT: Setting = Setting {
    name: "lapse_device_below_percent",
    help: "Per cent of a person's own average daily steps, over the fortnight before, below \
           which their last three days with valid device data report their engagement lapsed \
           (device evidence only supplements the registers); 0 turns the rule off.",
    kind: Kind::Whole {
        default: 50,
        min: 0,
        max: 100,
    },
    demo: None,
};

/// How much of a day a device must be worn for its summary to count.
pub const DEVICE_VALID_COVERAGE_PERCENT: Setting = Setting {
    name: "device_valid_coverage_percent",
    help: "Per cent of a day a device must have been worn (its summary's coverage) for the \
           day to count as valid device data: in adherence and in the device-activity rule.",
    kind: Kind::Whole {
        default: 50,
        min: 1,
        max: 100,
    },
    demo: None,
};

/// How often the clock ticks: the instants at which time-based lapse rules are judged.
pub const CLOCK_TICK_MINUTES: Setting = Setting {
    name: "clock_tick_minutes",
    help: "Minutes between the engagement service's clock ticks, recorded in its log, at \
           which lapses that depend on elapsed time are judged.",
    kind: Kind::Whole {
        default: 60,
        min: 1,
        max: 1440,
    },
    demo: None,
};

/// Every setting the service takes.
pub const SETTINGS: &[Setting] = &[
    CHECK_IN_KEY,
    CHECK_IN_MINUTES,
    LAPSE_MISSED_IN_A_ROW,
    LAPSE_DAYS_WITHOUT_ATTENDANCE,
    LAPSE_DEVICE_BELOW_PERCENT,
    DEVICE_VALID_COVERAGE_PERCENT,
    CLOCK_TICK_MINUTES,
];

/// What an engagement deployment runs with.
#[derive(Debug, Clone)]
pub struct EngagementSettings {
    /// The ICS this deployment serves, recorded on every event.
    pub tenant: String,
    /// The check-in tokens' key.
    pub check_in_key: [u8; 32],
    /// How long a token is good for.
    pub check_in_for: Duration,
    /// How often the clock ticks.
    pub clock_tick: std::time::Duration,
    /// The lapse rules, and what makes a day's device data valid.
    pub rules: Rules,
}

impl EngagementSettings {
    /// The settings of a deployment serving `tenant`, read from what the kit resolved.
    pub fn read(settings: &Settings, tenant: &str) -> Result<Self, SettingError> {
        Ok(Self {
            tenant: tenant.to_owned(),
            check_in_key: settings.secret(&CHECK_IN_KEY)?,
            // Bounded to 720 by its declaration.
            check_in_for: Duration::minutes(settings.whole(&CHECK_IN_MINUTES).min(720) as i64),
            // At least a minute, at most a day, by its declaration.
            clock_tick: std::time::Duration::from_secs(
                settings.whole(&CLOCK_TICK_MINUTES).clamp(1, 1440) * 60,
            ),
            rules: rules(settings),
        })
    }
}

/// The lapse rules `settings` set: read without the check-in key, so that `linkwork replay`,
/// which holds no secrets, judges with the very rules the service runs with.
pub fn rules(settings: &Settings) -> Rules {
    // Bounded by their declarations.
    let bounded = |setting: &Setting, max: u64| settings.whole(setting).min(max) as u32;
    Rules {
        missed_in_a_row: bounded(&LAPSE_MISSED_IN_A_ROW, 20),
        days_without_attendance: bounded(&LAPSE_DAYS_WITHOUT_ATTENDANCE, 365),
        device_activity_below_percent: bounded(&LAPSE_DEVICE_BELOW_PERCENT, 100),
        valid_coverage_percent: bounded(&DEVICE_VALID_COVERAGE_PERCENT, 100),
    }
}
