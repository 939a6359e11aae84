//! HSDS schedules (RFC 5545 recurrence fields) as the directory's weekly openings.
//!
//! A plain weekly schedule (`freq: WEEKLY`, interval 1, `byday` a list of days) becomes days and
//! times the open-on-a-day filter can use. Anything else (monthly, fortnightly, "2MO") is kept
//! as words with no days, so it is shown to a person but never claimed as open on a date.

use chrono::{NaiveTime, Weekday};

use crate::domain::satellites::Schedule;
use crate::hsds::{self, Frequency};

/// Maps a schedule; `None` for one that says nothing usable.
pub fn schedule(schedule: &hsds::Schedule) -> Option<Schedule> {
    let opens_at = schedule.opens_at.as_deref().and_then(time);
    let closes_at = schedule.closes_at.as_deref().and_then(time);
    let description = super::text(&schedule.description).or_else(|| super::text(&schedule.notes));
    let weekly = match (schedule.freq, schedule.interval.unwrap_or(1)) {
        (Some(Frequency::Weekly), 1) => schedule.byday.as_deref().and_then(days),
        _ => None,
    };
    if let Some(days) = weekly {
        return Some(Schedule {
            days,
            opens_at,
            closes_at,
            valid_from: schedule.valid_from,
            valid_to: schedule.valid_to.or(schedule.until),
            description,
        });
    }
    let description = description.or_else(|| described(schedule, opens_at, closes_at))?;
    Some(Schedule {
        days: Vec::new(),
        opens_at: None,
        closes_at: None,
        valid_from: schedule.valid_from,
        valid_to: schedule.valid_to.or(schedule.until),
        description: Some(description),
    })
}

/// "MO,TU" as days; `None` if any part is not a plain day (e.g. "2MO") or there are none.
fn days(byday: &str) -> Option<Vec<Weekday>> {
    let mut days = Vec::new();
    for part in byday.split(',') {
        let day = match part.trim().to_ascii_uppercase().as_str() {
            "MO" => Weekday::Mon,
            "TU" => Weekday::Tue,
            "WE" => Weekday::Wed,
            "TH" => Weekday::Thu,
            "FR" => Weekday::Fri,
            "SA" => Weekday::Sat,
            "SU" => Weekday::Sun,
            _ => return None,
        };
        if !days.contains(&day) {
            days.push(day);
        }
    }
    (!days.is_empty()).then_some(days)
}

/// "10:00", "10:00:00" or "10:00:00Z" (an offset is dropped: feeds give local opening times).
fn time(text: &str) -> Option<NaiveTime> {
    let text = text.trim().trim_end_matches(['Z', 'z']);
    let text = match text.get(5..).and_then(|rest| rest.find(['+', '-'])) {
        Some(offset) => &text[..5 + offset],
        None => text,
    };
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()
}

/// A schedule's recurrence in words, for one the feed did not describe.
fn described(
    schedule: &hsds::Schedule,
    opens_at: Option<NaiveTime>,
    closes_at: Option<NaiveTime>,
) -> Option<String> {
    let mut parts = Vec::new();
    let interval = schedule.interval.unwrap_or(1);
    match (schedule.freq, interval) {
        (Some(Frequency::Weekly), 0 | 1) => parts.push("Weekly".to_owned()),
        (Some(Frequency::Weekly), n) => parts.push(format!("Every {n} weeks")),
        (Some(Frequency::Monthly), 0 | 1) => parts.push("Monthly".to_owned()),
        (Some(Frequency::Monthly), n) => parts.push(format!("Every {n} months")),
        (None, _) => {}
    }
    if let Some(byday) = super::text(&schedule.byday) {
        parts.push(format!("on {byday}"));
    }
    if let Some(monthday) = super::text(&schedule.bymonthday) {
        parts.push(format!("on day {monthday} of the month"));
    }
    match (opens_at, closes_at) {
        (Some(opens), Some(closes)) => parts.push(format!(
            "{} to {}",
            opens.format("%H:%M"),
            closes.format("%H:%M")
        )),
        (Some(opens), None) => parts.push(format!("from {}", opens.format("%H:%M"))),
        (None, Some(closes)) => parts.push(format!("until {}", closes.format("%H:%M"))),
        (None, None) => {}
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, Weekday};

    use super::{days, schedule, time};
    use crate::hsds;

    fn hsds_schedule(json: serde_json::Value) -> hsds::Schedule {
        serde_json::from_value(json).expect("a schedule")
    }

    #[test]
    fn weekly_schedules_become_days_and_times() {
        let mapped = schedule(&hsds_schedule(serde_json::json!({
            "id": "s1", "freq": "WEEKLY", "byday": "MO, tu", "opens_at": "10:00",
            "closes_at": "12:30:00Z"
        })))
        .expect("mapped");
        assert_eq!(mapped.days, [Weekday::Mon, Weekday::Tue]);
        assert_eq!(mapped.opens_at, NaiveTime::from_hms_opt(10, 0, 0));
        assert_eq!(mapped.closes_at, NaiveTime::from_hms_opt(12, 30, 0));
    }

    #[test]
    fn other_schedules_are_kept_in_words_with_no_days() {
        let monthly = schedule(&hsds_schedule(serde_json::json!({
            "id": "s2", "freq": "MONTHLY", "byday": "2TH", "opens_at": "18:00", "closes_at": "20:00"
        })))
        .expect("mapped");
        assert!(monthly.days.is_empty());
        assert_eq!(
            monthly.description.as_deref(),
            Some("Monthly on 2TH 18:00 to 20:00")
        );
        let fortnightly = schedule(&hsds_schedule(serde_json::json!({
            "id": "s3", "freq": "WEEKLY", "interval": 2, "byday": "WE", "description": "Alternate Wednesdays"
        })))
        .expect("mapped");
        assert!(fortnightly.days.is_empty());
        assert_eq!(
            fortnightly.description.as_deref(),
            Some("Alternate Wednesdays")
        );
        assert_eq!(
            schedule(&hsds_schedule(serde_json::json!({"id": "s4"}))),
            None
        );
    }

    #[test]
    fn times_and_days_parse_leniently_but_not_wrongly() {
        assert_eq!(time("09:15:00+01:00"), NaiveTime::from_hms_opt(9, 15, 0));
        assert_eq!(time("9am"), None);
        assert_eq!(days("1MO"), None);
        assert_eq!(days(""), None);
    }
}
