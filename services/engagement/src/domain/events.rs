//! What the engagement service records beside its sessions: each referral's status as the
//! referral service published it, noted in this log ([`Event::ReferralStatusNoted`]); the
//! ticks of its clock ([`Event::ClockTicked`]); and the lapses it judges from those and the
//! registers ([`Event::EngagementLapsed`], [`Event::EngagementResumed`]). Lapses are judged from
//! this log alone, with time taken from its events, so a replay judges them the same.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The stream a referral's noted statuses are recorded in.
pub fn followed_stream(referral_id: Uuid) -> String {
    format!("followed-{}", referral_id.simple())
}

/// The stream the clock's ticks are recorded in.
pub const CLOCK_STREAM: &str = "clock-engagement";

/// The stream a referral's lapses are recorded in.
pub fn lapses_stream(referral_id: Uuid) -> String {
    format!("lapses-{}", referral_id.simple())
}

/// A lapse raised or ended, for one referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alerted {
    /// The referral.
    pub referral_id: Uuid,
    /// The person's pseudonym.
    pub subject: String,
    /// The rule's code, e.g. "missed-sessions-in-a-row".
    pub rule: String,
    /// What it rests on, in words.
    pub evidence: String,
    /// When the event that raised or ended it happened.
    pub at: DateTime<Utc>,
}

/// What the engagement service records of referrals, time and lapses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The referral service changed a referral's status.
    ReferralStatusNoted {
        /// The referral.
        referral_id: Uuid,
        /// The person's pseudonym.
        subject: String,
        /// Its FHIR `Task.status` code now.
        status: String,
        /// When the referral service changed it.
        at: DateTime<Utc>,
    },
    /// The clock ticked.
    ClockTicked {
        /// The time it read.
        at: DateTime<Utc>,
    },
    /// A lapse rule was met.
    EngagementLapsed(Alerted),
    /// A lapse ended.
    EngagementResumed(Alerted),
}

impl Event {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ReferralStatusNoted { .. } => "referral_status_noted",
            Self::ClockTicked { .. } => "clock_ticked",
            Self::EngagementLapsed(_) => "engagement_lapsed",
            Self::EngagementResumed(_) => "engagement_resumed",
        }
    }
}

/// One lapse as its events tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lapse {
    /// The rule met.
    pub rule: String,
    /// What it rests on.
    pub evidence: String,
    /// When it was met.
    pub lapsed_at: DateTime<Utc>,
    /// When it ended and why; `None` while it is open.
    pub resumed: Option<(DateTime<Utc>, String)>,
}

/// A referral's lapses, oldest first, from its lapse stream's events: each resumption ends
/// the open lapse.
pub fn lapses(events: &[Event]) -> Vec<Lapse> {
    let mut lapses: Vec<Lapse> = Vec::new();
    for event in events {
        match event {
            Event::EngagementLapsed(alerted) => lapses.push(Lapse {
                rule: alerted.rule.clone(),
                evidence: alerted.evidence.clone(),
                lapsed_at: alerted.at,
                resumed: None,
            }),
            Event::EngagementResumed(alerted) => {
                if let Some(open) = lapses.last_mut().filter(|lapse| lapse.resumed.is_none()) {
                    open.resumed = Some((alerted.at, alerted.evidence.clone()));
                }
            }
            Event::ReferralStatusNoted { .. } | Event::ClockTicked { .. } => {}
        }
    }
    lapses
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0)
            .single()
            .expect("a date")
    }

    fn alerted(rule: &str, evidence: &str, day: u32) -> Alerted {
        Alerted {
            referral_id: Uuid::from_u128(7),
            subject: "nhs-hmac:7".to_owned(),
            rule: rule.to_owned(),
            evidence: evidence.to_owned(),
            at: at(day),
        }
    }

    fn every_kind() -> Vec<Event> {
        vec![
            Event::ReferralStatusNoted {
                referral_id: Uuid::from_u128(7),
                subject: "nhs-hmac:7".to_owned(),
                status: "accepted".to_owned(),
                at: at(1),
            },
            Event::ClockTicked { at: at(2) },
            Event::EngagementLapsed(alerted("missed-sessions-in-a-row", "missed 2", 3)),
            Event::EngagementResumed(alerted("missed-sessions-in-a-row", "attended", 4)),
        ]
    }

    #[test]
    fn every_event_keeps_its_published_contract() {
        for event in every_kind() {
            let payload = serde_json::to_vec(&event).expect("JSON");
            let kept = contract::events::conforms("engagement", event.event_type(), &payload);
            assert_eq!(kept, Ok(()), "{}", event.event_type());
            let read: Event = serde_json::from_slice(&payload).expect("read back");
            assert_eq!(read, event);
        }
    }

    #[test]
    fn a_resumption_ends_the_open_lapse_and_a_later_lapse_stays_open() {
        let events = [
            Event::EngagementLapsed(alerted("missed-sessions-in-a-row", "missed 2", 3)),
            Event::EngagementResumed(alerted("missed-sessions-in-a-row", "attended", 4)),
            Event::EngagementLapsed(alerted("no-attendance-for-days", "no attendance", 28)),
        ];
        let told = lapses(&events);
        assert_eq!(told.len(), 2);
        assert_eq!(told[0].resumed, Some((at(4), "attended".to_owned())));
        assert_eq!(
            (told[1].rule.as_str(), told[1].resumed.as_ref()),
            ("no-attendance-for-days", None)
        );
    }
}
