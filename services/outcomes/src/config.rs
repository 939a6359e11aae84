//! What the outcomes service is configured with: the windows that place a response in a
//! person's episode and the follow-up schedule, declared to the service kit (each a flag, a `LINKWORK_…` variable and a
//! config-file key), and as the service reads them once it starts.

use chrono::Duration;
use servicekit::{Kind, Setting, Settings};

use crate::domain::placement::Windows;

/// How long before the episode starts a measure still counts as its baseline.
pub const BASELINE_DAYS_BEFORE: Setting = Setting {
    name: "baseline_days_before",
    help: "Days before a link-worker episode starts that a first measure still counts as its \
           baseline (a GP may measure at referral).",
    kind: Kind::Whole {
        default: 28,
        min: 0,
        max: 365,
    },
    demo: None,
};

/// How long after the episode starts a first measure still counts as its baseline.
pub const BASELINE_DAYS_AFTER: Setting = Setting {
    name: "baseline_days_after",
    help: "Days after a link-worker episode starts that a first measure still counts as its \
           baseline (usually taken at the first meeting). The demo's episodes all start the day \
           it loads, so `up --demo` makes it 0: its baselines are dated before, its follow-ups \
           that day.",
    kind: Kind::Whole {
        default: 28,
        min: 0,
        max: 365,
    },
    demo: Some("0"),
};

/// How close to the episode's end a measure counts as its close.
pub const CLOSE_WITHIN_DAYS: Setting = Setting {
    name: "close_within_days",
    help: "Days before a link-worker episode closes (and any time after) that a measure counts \
           as taken at its close.",
    kind: Kind::Whole {
        default: 14,
        min: 0,
        max: 365,
    },
    demo: None,
};

/// How far apart scheduled follow-ups are.
pub const FOLLOW_UP_WEEKS: Setting = Setting {
    name: "follow_up_weeks",
    help: "Weeks between scheduled follow-up measures, from the start of a link-worker \
           episode: a follow-up is numbered by the scheduled one it is nearest (the first at \
           12 weeks, the second at 24, … by default).",
    kind: Kind::Whole {
        default: 12,
        min: 1,
        max: 104,
    },
    demo: None,
};

/// Every setting the service takes.
pub const SETTINGS: &[Setting] = &[
    BASELINE_DAYS_BEFORE,
    BASELINE_DAYS_AFTER,
    CLOSE_WITHIN_DAYS,
    FOLLOW_UP_WEEKS,
];

/// What an outcomes deployment runs with.
#[derive(Debug, Clone)]
pub struct OutcomesSettings {
    /// The ICS this deployment serves, recorded on every event.
    pub tenant: String,
    /// The windows that place a response in its episode.
    pub windows: Windows,
}

impl OutcomesSettings {
    /// The settings of a deployment serving `tenant`, read from what the kit resolved.
    pub fn read(settings: &Settings, tenant: &str) -> Self {
        // Each is bounded to 365 days by its declaration.
        let days = |setting: &Setting| Duration::days(settings.whole(setting).min(365) as i64);
        Self {
            tenant: tenant.to_owned(),
            windows: Windows {
                baseline_before: days(&BASELINE_DAYS_BEFORE),
                baseline_after: days(&BASELINE_DAYS_AFTER),
                close_within: days(&CLOSE_WITHIN_DAYS),
                // Bounded to 104 weeks by its declaration.
                follow_up_every: Duration::weeks(settings.whole(&FOLLOW_UP_WEEKS).min(104) as i64),
            },
        }
    }
}
