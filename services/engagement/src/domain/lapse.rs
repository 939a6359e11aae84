//! Lapse detection as pure rules: what the service knows of one referral's engagement (a
//! [`Watch`]), and what each thing it observes does to it ([`apply`]) — maybe raising a lapse
//! or ending one ([`Alert`]). No clock is read here: time is what the events say, a clock tick
//! among them, so folding the same log under the same [`Rules`] raises the same alerts.
//!
//! A referral is watched while it is active (accepted, in progress or on hold). One lapse is
//! open at a time, raised once; it ends when the person attends or the referral stops being
//! active. The rules:
//!
//! - [`Rule::MissedInARow`]: so many sessions missed in a row — did not attend, or cancelled
//!   by the person; a session the provider called off does not count — checked as each is
//!   recorded.
//! - [`Rule::NoAttendance`]: so many days since the person last attended (or, never having
//!   attended, since the referral became active), checked at each clock tick; only once a
//!   provider has recorded a place for them in a register, since before that there is no
//!   register to be absent from (a referral to a link worker never has one).
//!
//! - [`Rule::DeviceActivityLow`]: the person's steps, on each of their last three days with
//!   valid device data (worn for enough of the day), well below their own average over the
//!   fortnight before — checked as each day's summary arrives, and only with at least a week
//!   of valid days in that fortnight to compare with. It ends when a valid day is back above
//!   the bar; only device evidence ends it, and it never ends a lapse another rule raised.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::session::Status;

/// The rules in force, as the deployment sets them; 0 turns a rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Sessions missed in a row that make a lapse.
    pub missed_in_a_row: u32,
    /// Days without attendance that make a lapse.
    pub days_without_attendance: u32,
    /// Steps below this share (per cent) of the person's own fortnight make a lapse.
    pub device_activity_below_percent: u32,
    /// The share of a day (per cent) a device must be worn for its summary to count.
    pub valid_coverage_percent: u32,
}

/// Days of low activity in a row, each a valid day, that make a device lapse.
pub const LOW_DAYS: usize = 3;
/// The days before them each is compared with.
pub const BASELINE_DAYS: i64 = 14;
/// Valid days the fortnight must hold for a comparison to mean anything.
pub const MIN_BASELINE_DAYS: usize = 7;

/// A lapse rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// So many sessions missed in a row.
    MissedInARow,
    /// So many days without attendance.
    NoAttendance,
    /// Device activity well below the person's own previous fortnight.
    DeviceActivityLow,
}

impl Rule {
    /// Its code, as recorded and published.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissedInARow => "missed-sessions-in-a-row",
            Self::NoAttendance => "no-attendance-for-days",
            Self::DeviceActivityLow => "device-activity-below-own-fortnight",
        }
    }

    /// The rule a code names.
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::MissedInARow,
            Self::NoAttendance,
            Self::DeviceActivityLow,
        ]
        .into_iter()
        .find(|rule| rule.code() == code)
    }
}

/// What the service knows of one referral's engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// The referral.
    pub referral_id: Uuid,
    /// The person's pseudonym.
    pub subject: String,
    /// Whether the referral is active.
    pub active: bool,
    /// When it first became active.
    pub since: Option<DateTime<Utc>>,
    /// When the person last attended.
    pub last_attended: Option<DateTime<Utc>>,
    /// Whether a provider has recorded a place for them in a register.
    pub registered: bool,
    /// The sessions missed since they last attended, in order: each once.
    pub missed: Vec<Uuid>,
    /// The rule of the open lapse, if one is.
    pub lapsed: Option<Rule>,
    /// Steps on the recent days with valid device data, oldest first: the fortnight the last
    /// days are compared with, and those days.
    pub steps: Vec<(NaiveDate, u32)>,
}

impl Watch {
    /// A referral the service has observed nothing of yet.
    pub fn new(referral_id: Uuid) -> Self {
        Self {
            referral_id,
            subject: String::new(),
            active: false,
            since: None,
            last_attended: None,
            registered: false,
            missed: Vec::new(),
            lapsed: None,
            steps: Vec::new(),
        }
    }
}

/// Something observed of a referral, or of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The referral's status is now `status` (a FHIR `Task.status` code).
    StatusNoted {
        /// The person's pseudonym.
        subject: String,
        /// The status.
        status: String,
        /// When it changed.
        at: DateTime<Utc>,
    },
    /// The person attended a session.
    Attended {
        /// The session.
        session_id: Uuid,
        /// The person's pseudonym.
        subject: String,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
    /// The person's place in a session went unused.
    Missed {
        /// The session.
        session_id: Uuid,
        /// The person's pseudonym.
        subject: String,
        /// Why: did not attend, or cancelled by whom.
        status: Status,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
    /// The clock ticked.
    Tick {
        /// The time it read.
        at: DateTime<Utc>,
    },
    /// A day's steps arrived from a device.
    Steps {
        /// The person's pseudonym.
        subject: String,
        /// The day summarised.
        day: NaiveDate,
        /// Its steps.
        steps: u32,
        /// The share of the day the device was worn, in per cent.
        coverage_percent: u8,
        /// When it was received.
        at: DateTime<Utc>,
    },
}

/// A lapse raised or ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// `rule` is met.
    Lapsed {
        /// The rule.
        rule: Rule,
        /// What it rests on.
        evidence: String,
        /// When the event that met it happened.
        at: DateTime<Utc>,
    },
    /// The lapse under `rule` ended.
    Resumed {
        /// The rule of the lapse.
        rule: Rule,
        /// Why it ended.
        evidence: String,
        /// When the event that ended it happened.
        at: DateTime<Utc>,
    },
}

/// The statuses in which a referral is active: taken on and not closed.
fn is_active(status: &str) -> bool {
    matches!(status, "accepted" | "in-progress" | "on-hold")
}

/// Whether a missed place counts against the person.
fn counts(status: Status) -> bool {
    matches!(status, Status::DidNotAttend | Status::CancelledByPerson)
}

/// What observing `event` does to `watch` under `rules`: the watch after it, and the lapses it
/// raised or ended.
pub fn apply(mut watch: Watch, event: &Observed, rules: &Rules) -> (Watch, Vec<Alert>) {
    let mut alerts = Vec::new();
    match event {
        Observed::StatusNoted {
            subject,
            status,
            at,
        } => {
            learn(&mut watch, subject);
            if is_active(status) {
                watch.active = true;
                watch.since.get_or_insert(*at);
            } else {
                watch.active = false;
                alerts.extend(end(&mut watch, format!("the referral is {status}"), *at));
            }
        }
        Observed::Attended {
            session_id,
            subject,
            at,
        } => {
            learn(&mut watch, subject);
            watch.registered = true;
            watch.missed.clear();
            watch.last_attended = Some(watch.last_attended.map_or(*at, |last| last.max(*at)));
            alerts.extend(end(
                &mut watch,
                format!("attended session {session_id}"),
                *at,
            ));
        }
        Observed::Missed {
            session_id,
            subject,
            status,
            at,
        } => {
            learn(&mut watch, subject);
            watch.registered = true;
            if !counts(*status) {
                // A place the provider called off, even one first recorded as missed.
                watch.missed.retain(|missed| missed != session_id);
            } else if !watch.missed.contains(session_id) {
                watch.missed.push(*session_id);
                alerts.extend(missed_in_a_row(&mut watch, rules, *at));
            }
        }
        Observed::Tick { at } => alerts.extend(no_attendance(&mut watch, rules, *at)),
        Observed::Steps {
            subject,
            day,
            steps,
            coverage_percent,
            at,
        } => {
            learn(&mut watch, subject);
            if u32::from(*coverage_percent) >= rules.valid_coverage_percent {
                alerts.extend(device_activity(&mut watch, rules, (*day, *steps), *at));
            }
        }
    }
    (watch, alerts)
}

fn learn(watch: &mut Watch, subject: &str) {
    if !subject.is_empty() {
        subject.clone_into(&mut watch.subject);
    }
}

/// Whether a new lapse may be raised: the referral is active and none is open.
fn may_lapse(watch: &Watch) -> bool {
    watch.active && watch.lapsed.is_none()
}

/// Ends the open lapse, if one is.
fn end(watch: &mut Watch, evidence: String, at: DateTime<Utc>) -> Option<Alert> {
    let rule = watch.lapsed.take()?;
    Some(Alert::Resumed { rule, evidence, at })
}

fn raise(watch: &mut Watch, rule: Rule, evidence: String, at: DateTime<Utc>) -> Option<Alert> {
    watch.lapsed = Some(rule);
    Some(Alert::Lapsed { rule, evidence, at })
}

/// [`Rule::MissedInARow`], as a place is missed.
fn missed_in_a_row(watch: &mut Watch, rules: &Rules, at: DateTime<Utc>) -> Option<Alert> {
    let threshold = rules.missed_in_a_row as usize;
    if threshold == 0 || watch.missed.len() < threshold || !may_lapse(watch) {
        return None;
    }
    let sessions: Vec<String> = watch.missed.iter().map(Uuid::to_string).collect();
    let evidence = format!(
        "missed {} sessions in a row: {}",
        watch.missed.len(),
        sessions.join(", ")
    );
    raise(watch, Rule::MissedInARow, evidence, at)
}

/// [`Rule::NoAttendance`], as the clock ticks. The evidence states the days that actually
/// passed (not the threshold), so that it depends on the log alone.
fn no_attendance(watch: &mut Watch, rules: &Rules, at: DateTime<Utc>) -> Option<Alert> {
    let days = rules.days_without_attendance;
    if days == 0 || !watch.registered || !may_lapse(watch) {
        return None;
    }
    let from = watch.last_attended.or(watch.since)?;
    if from + Duration::days(i64::from(days)) > at {
        return None;
    }
    let evidence = format!(
        "no attendance for {} days since {}",
        (at - from).num_days(),
        from.format("%Y-%m-%d")
    );
    raise(watch, Rule::NoAttendance, evidence, at)
}

/// [`Rule::DeviceActivityLow`], as a valid day's steps arrive. A day that arrives late (not the
/// latest known) joins the record but judges nothing, so the judgement is always of the most
/// recent days.
fn device_activity(
    watch: &mut Watch,
    rules: &Rules,
    (day, steps): (NaiveDate, u32),
    at: DateTime<Utc>,
) -> Option<Alert> {
    let percent = rules.device_activity_below_percent;
    if percent == 0 {
        return None;
    }
    match watch.steps.binary_search_by_key(&day, |(known, _)| *known) {
        Ok(index) => watch.steps[index].1 = steps,
        Err(index) => watch.steps.insert(index, (day, steps)),
    }
    let latest = watch.steps.last().map(|(known, _)| *known)?;
    // Keep the fortnight before the earliest of the last days that could still be judged.
    let window = Duration::days(BASELINE_DAYS + LOW_DAYS as i64 * 2);
    watch.steps.retain(|(known, _)| *known + window > latest);
    if day != latest {
        return None;
    }
    let recent = &watch.steps[watch.steps.len().saturating_sub(LOW_DAYS)..];
    let first = recent.first()?.0;
    let baseline: Vec<u64> = watch
        .steps
        .iter()
        .filter(|(known, _)| *known < first && *known + Duration::days(BASELINE_DAYS) >= first)
        .map(|(_, steps)| u64::from(*steps))
        .collect();
    if baseline.len() < MIN_BASELINE_DAYS {
        return None;
    }
    let mean = baseline.iter().sum::<u64>() / baseline.len() as u64;
    let low = |steps: u32| u64::from(steps) * 100 < mean * u64::from(percent);
    if !low(steps) {
        if watch.lapsed != Some(Rule::DeviceActivityLow) {
            return None;
        }
        let evidence = format!(
            "{steps} steps on {day}, at least {percent}% of the {mean} a day of the fortnight \
             before"
        );
        return end(watch, evidence, at);
    }
    if recent.len() < LOW_DAYS || !recent.iter().all(|(_, steps)| low(*steps)) || !may_lapse(watch)
    {
        return None;
    }
    let days: Vec<String> = recent
        .iter()
        .map(|(day, steps)| format!("{steps} on {day}"))
        .collect();
    let evidence = format!(
        "steps below {percent}% of their own {mean} a day over {} valid days of the fortnight \
         before: {}",
        baseline.len(),
        days.join(", ")
    );
    raise(watch, Rule::DeviceActivityLow, evidence, at)
}

#[cfg(test)]
mod tests;
