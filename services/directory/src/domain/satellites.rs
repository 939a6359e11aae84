//! The parts of a service a person needs before they go: when it runs, what it costs, who to
//! ask. Modelled on HSDS 3.0 `schedule`, `cost_option` and `contact`.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

/// A weekly opening (HSDS `schedule` with `freq: WEEKLY`).
///
/// Feeds also carry monthly and one-off schedules; those are kept as their description with no
/// days, so they are shown to a person but never claimed as "open" by the open-on-a-day filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The days of the week it runs.
    pub days: Vec<Weekday>,
    /// Opening time, local.
    pub opens_at: Option<NaiveTime>,
    /// Closing time, local.
    pub closes_at: Option<NaiveTime>,
    /// First day it applies.
    pub valid_from: Option<NaiveDate>,
    /// Last day it applies.
    pub valid_to: Option<NaiveDate>,
    /// In words, e.g. "every Tuesday except bank holidays".
    pub description: Option<String>,
}

impl Schedule {
    /// Whether this schedule has it open on `date`.
    pub fn open_on(&self, date: NaiveDate) -> bool {
        self.days.contains(&date.weekday())
            && self.valid_from.is_none_or(|from| from <= date)
            && self.valid_to.is_none_or(|to| date <= to)
    }

    /// The first rule this schedule breaks, naming the field under `field`.
    pub(crate) fn check(&self, field: &str) -> Result<(), String> {
        if let (Some(opens), Some(closes)) = (self.opens_at, self.closes_at)
            && opens >= closes
        {
            return Err(format!("{field}.opens_at must be before {field}.closes_at"));
        }
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && from > to
        {
            return Err(format!(
                "{field}.valid_from must not be after {field}.valid_to"
            ));
        }
        if self.days.is_empty() && self.description.as_deref().is_none_or(str::is_empty) {
            return Err(format!("{field} needs days or a description"));
        }
        Ok(())
    }
}

/// What it costs (HSDS `cost_option`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostOption {
    /// The price in pence, if it has one; `Some(0)` is free.
    pub amount_pence: Option<u64>,
    /// What the price is for, e.g. "per session", "Free to people on benefits".
    pub option: Option<String>,
    /// Anything else about it.
    pub amount_description: Option<String>,
}

/// Someone to ask (HSDS `contact` with its `phone`s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Their name.
    pub name: Option<String>,
    /// Their role.
    pub title: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Telephone numbers.
    pub phones: Vec<String>,
}

impl Contact {
    /// The first rule this contact breaks, naming the field under `field`.
    pub(crate) fn check(&self, field: &str) -> Result<(), String> {
        if self
            .email
            .as_deref()
            .is_some_and(|email| !email.contains('@'))
        {
            return Err(format!("{field}.email must be an e-mail address"));
        }
        if self.name.is_none() && self.email.is_none() && self.phones.is_empty() {
            return Err(format!(
                "{field} needs a name, an e-mail address or a phone"
            ));
        }
        Ok(())
    }
}
