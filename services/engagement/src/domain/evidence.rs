//! Device and integrator evidence: one day's summary of one measure for one person (steps, active
//! minutes, app check-ins), with where it came from (the integrator, the device, the source
//! system and its own id for the record) and how much of the day the device was worn. What is
//! checked here is the summary alone, against the time the request was received — in range,
//! not from the future, a whole day; whether the person consented and the day falls within
//! their referral is the application's to check, as it holds the referral.
//!
//! A summary is recorded under an event id derived from its provenance ([`event_id`]), so the
//! same record sent twice is recognised and recorded once. Device evidence supplements the
//! registers: nothing here pays a provider or makes an outcome.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A measure a daily summary may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Steps in the day (LOINC 41950-7, `/d`).
    Steps,
    /// Minutes of moderate or vigorous activity in the day.
    ActiveMinutes,
    /// Times the person checked in on a social-prescribing app in the day.
    AppCheckIns,
}

impl Measure {
    /// Every measure.
    pub const ALL: [Self; 3] = [Self::Steps, Self::ActiveMinutes, Self::AppCheckIns];

    /// Its code, as recorded and published.
    pub fn code(self) -> &'static str {
        match self {
            Self::Steps => "steps",
            Self::ActiveMinutes => "active-minutes",
            Self::AppCheckIns => "app-check-ins",
        }
    }

    /// The measure a code names.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|measure| measure.code() == code)
    }

    /// Its UCUM unit: a count per day, or minutes per day.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Steps | Self::AppCheckIns => "/d",
            Self::ActiveMinutes => "min/d",
        }
    }

    /// The most a day can hold: beyond it a device has failed, not a person excelled. Steps:
    /// 100,000 is roughly a 70 km walk; minutes: the day's 1,440; check-ins: an app's sane
    /// ceiling.
    pub fn most_in_a_day(self) -> u32 {
        match self {
            Self::Steps => 100_000,
            Self::ActiveMinutes => 1_440,
            Self::AppCheckIns => 500,
        }
    }
}

/// Where a summary came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// The integrator's organisation: the caller that sent it.
    pub integrator: String,
    /// The device it was measured by, as the integrator names it, if it named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The system it came from (a URI), which gave it `source_id`.
    pub source_system: String,
    /// The record's id in that system: the same id twice is the same record.
    pub source_id: String,
}

/// One day's summary of one measure for one person's referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailySummary {
    /// The referral.
    pub referral_id: Uuid,
    /// The person's pseudonym.
    pub subject: String,
    /// What was measured.
    pub measure: Measure,
    /// The day, in the person's own time zone as the device kept it.
    pub day: NaiveDate,
    /// How much: steps, minutes or check-ins.
    pub value: u32,
    /// The share of the day the device was worn (or the app running), in per cent.
    pub coverage_percent: u8,
    /// Where it came from.
    pub provenance: Provenance,
}

/// What the engagement service records of device evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A daily summary was recorded.
    EvidenceRecorded {
        /// The summary.
        #[serde(flatten)]
        summary: DailySummary,
        /// When it was received.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::EvidenceRecorded { .. } => "evidence_recorded",
        }
    }
}

/// The stream a referral's device evidence is recorded in.
pub fn stream(referral_id: Uuid) -> String {
    format!("evidence-{}", referral_id.simple())
}

/// The namespace of evidence event ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c69_6e6b_776f_726b_0065_7669_6465_6e63);

/// The id a summary from `provenance` is recorded under: the integrator, source system and
/// source id name one record, however often it is sent. (A newline cannot occur in a source
/// system URI or an organisation code, so the parts cannot run together.)
pub fn event_id(provenance: &Provenance) -> Uuid {
    let name = format!(
        "{}\n{}\n{}",
        provenance.integrator, provenance.source_system, provenance.source_id
    );
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// Why a summary is refused, naming what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The value is outside what a day can hold.
    #[error("value: {value} {unit} is out of range for {measure} (0 to {most})")]
    OutOfRange {
        /// The measure's code.
        measure: &'static str,
        /// The value sent.
        value: i64,
        /// The measure's unit.
        unit: &'static str,
        /// The most a day holds.
        most: u32,
    },
    /// The day has not begun yet.
    #[error("day: {day} is in the future")]
    FutureDated {
        /// The day sent.
        day: NaiveDate,
    },
    /// The coverage is not a share of a day.
    #[error("coverage: {percent} is not a share of the day in per cent (0 to 100)")]
    Coverage {
        /// The coverage sent.
        percent: i64,
    },
    /// The provenance lacks what identifies the record.
    #[error("provenance: {0} is required")]
    Provenance(&'static str),
}

/// Checks `value` and `coverage` of a `measure` for `day`, received at `now`: the numbers a
/// summary may hold. A day later than today is refused; today is allowed, since a device
/// summarises the day so far and sends again (with the same source id, or a new one) later.
pub fn check(
    measure: Measure,
    day: NaiveDate,
    value: i64,
    coverage: i64,
    now: DateTime<Utc>,
) -> Result<(u32, u8), Refusal> {
    let most = measure.most_in_a_day();
    let value = u32::try_from(value)
        .ok()
        .filter(|value| *value <= most)
        .ok_or(Refusal::OutOfRange {
            measure: measure.code(),
            value,
            unit: measure.unit(),
            most,
        })?;
    let coverage_percent = u8::try_from(coverage)
        .ok()
        .filter(|percent| *percent <= 100)
        .ok_or(Refusal::Coverage { percent: coverage })?;
    // A person a time zone ahead of UTC starts their day before UTC does.
    if day > (now + chrono::Duration::hours(14)).date_naive() {
        return Err(Refusal::FutureDated { day });
    }
    Ok((value, coverage_percent))
}

/// Checks the parts of `provenance` that name the record.
pub fn check_provenance(provenance: &Provenance) -> Result<(), Refusal> {
    if provenance.source_system.trim().is_empty() {
        return Err(Refusal::Provenance("the source system"));
    }
    if provenance.source_id.trim().is_empty() {
        return Err(Refusal::Provenance("the record's id in its source system"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0)
            .single()
            .expect("a time")
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("a day")
    }

    #[test]
    fn each_measure_takes_zero_to_its_daily_most_and_refuses_beyond() {
        for measure in Measure::ALL {
            let most = i64::from(measure.most_in_a_day());
            assert_eq!(check(measure, day(9), 0, 80, now()), Ok((0, 80)));
            assert_eq!(
                check(measure, day(9), most, 80, now()).map(|(value, _)| i64::from(value)),
                Ok(most)
            );
            for value in [-1, most + 1, i64::MAX] {
                let Err(refused) = check(measure, day(9), value, 80, now()) else {
                    panic!("{value} {} accepted", measure.code());
                };
                assert!(matches!(refused, Refusal::OutOfRange { .. }), "{value}");
                assert!(refused.to_string().starts_with("value: "), "{refused}");
            }
        }
    }

    #[test]
    fn coverage_is_a_percentage() {
        assert_eq!(check(Measure::Steps, day(9), 10, 100, now()), Ok((10, 100)));
        for percent in [-1, 101, 1000] {
            assert_eq!(
                check(Measure::Steps, day(9), 10, percent, now()),
                Err(Refusal::Coverage { percent })
            );
        }
    }

    #[test]
    fn today_is_accepted_and_a_day_after_anyones_today_is_refused() {
        assert!(check(Measure::Steps, day(10), 10, 50, now()).is_ok());
        // 09:00 UTC is already the 10th everywhere, and the 11th nowhere until 10:00 UTC.
        assert!(check(Measure::Steps, day(11), 10, 50, now()).is_err());
        assert_eq!(
            check(Measure::Steps, day(12), 10, 50, now()),
            Err(Refusal::FutureDated { day: day(12) })
        );
    }

    #[test]
    fn the_same_provenance_is_the_same_record_and_any_part_changes_it() {
        let provenance = Provenance {
            integrator: "INT01".to_owned(),
            device: Some("watch-1".to_owned()),
            source_system: "https://fitco.example/records".to_owned(),
            source_id: "r-1".to_owned(),
        };
        let same = Provenance {
            device: None,
            ..provenance.clone()
        };
        assert_eq!(event_id(&provenance), event_id(&same));
        for other in [
            Provenance {
                integrator: "INT02".to_owned(),
                ..provenance.clone()
            },
            Provenance {
                source_system: "https://other.example".to_owned(),
                ..provenance.clone()
            },
            Provenance {
                source_id: "r-2".to_owned(),
                ..provenance.clone()
            },
        ] {
            assert_ne!(event_id(&provenance), event_id(&other));
        }
    }

    #[test]
    fn provenance_must_name_the_record() {
        let provenance = Provenance {
            integrator: "INT01".to_owned(),
            device: None,
            source_system: "https://fitco.example/records".to_owned(),
            source_id: "r-1".to_owned(),
        };
        assert_eq!(check_provenance(&provenance), Ok(()));
        let no_id = Provenance {
            source_id: " ".to_owned(),
            ..provenance.clone()
        };
        assert!(check_provenance(&no_id).is_err());
        let no_system = Provenance {
            source_system: String::new(),
            ..provenance
        };
        assert!(check_provenance(&no_system).is_err());
    }
}
