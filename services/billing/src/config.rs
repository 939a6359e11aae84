//! What the billing service is configured with — how often its clock looks at the calendar —
//! declared to the service kit (a flag, a `LINKWORK_…` variable and a config-file key), and as
//! the service reads it once it starts. The tenant comes from the deployment.

use servicekit::{Kind, Setting, Settings};

/// How often the clock looks for a month that has ended.
pub const BILLING_CLOCK_MINUTES: Setting = Setting {
    name: "billing_clock_minutes",
    help: "Minutes between the billing service's looks at the calendar: the first after a \
           month ends records `month_ended` in its log, on which every contract's block payment \
           for that month accrues.",
    kind: Kind::Whole {
        default: 60,
        min: 1,
        max: 1440,
    },
    demo: None,
};

/// Every setting the service takes.
pub const SETTINGS: &[Setting] = &[BILLING_CLOCK_MINUTES];

/// What a billing deployment runs with.
#[derive(Debug, Clone)]
pub struct BillingSettings {
    /// The ICS this deployment serves, recorded on every event.
    pub tenant: String,
    /// How often the clock looks at the calendar.
    pub clock_every: std::time::Duration,
}

impl BillingSettings {
    /// The settings of a deployment serving `tenant`, read from what the kit resolved.
    pub fn read(settings: &Settings, tenant: &str) -> Self {
        // At least a minute, at most a day, by its declaration.
        let minutes = settings.whole(&BILLING_CLOCK_MINUTES).clamp(1, 1440);
        Self {
            tenant: tenant.to_owned(),
            clock_every: std::time::Duration::from_secs(minutes * 60),
        }
    }
}
