//! What the outcomes service records. Reference data — instruments, value sets and the value set
//! in force — each in a stream of its own; each response in its own stream: the answers as
//! given, then every derivation of their scores. Stored event types are the snake_case variant
//! names; each keeps the contract `proto/linkwork/outcomes/v1/events.proto` publishes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user or system.
    pub id: String,
    /// The organisation they acted for.
    pub organisation: String,
}

/// One answer, as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The item answered.
    pub link_id: String,
    /// An integer item's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integer: Option<i32>,
    /// A choice item's answer: an option's code; empty for an integer item.
    #[serde(default)]
    pub code: String,
}

/// One score of a response: a decimal as the instrument reports it, and its band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// An item's `link_id`, or the instrument's total.
    pub code: String,
    /// e.g. "19.25".
    pub value: String,
    /// e.g. "high"; empty where the instrument has no bands for it.
    #[serde(default)]
    pub band: String,
}

/// An EQ-5D utility with the value set it was derived under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utility {
    /// e.g. "0.761".
    pub value: String,
    /// The value set's id.
    pub value_set: String,
    /// Its version.
    pub value_set_version: String,
    /// The scale the value is on, e.g. "eq-5d-3l-uk": utilities on different scales do not
    /// compare.
    pub scale: String,
    /// The health state valued, e.g. "11221".
    pub state: String,
}

/// A score's change from the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What changed.
    pub code: String,
    /// Follow-up minus baseline.
    pub delta: String,
    /// The minimal important difference it was held to; empty where the instrument gives none
    /// (the change is reported, not judged).
    pub mid: String,
    /// "improved", "no-meaningful-change" or "deteriorated"; empty where there is no MID.
    pub verdict: String,
}

/// A response's scores, as one derivation made them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The response scored.
    pub response_id: Uuid,
    /// Its referral.
    pub referral_id: Uuid,
    /// The person's pseudonym.
    pub subject: String,
    /// The instrument.
    pub instrument: String,
    /// Its version.
    pub instrument_version: String,
    /// When the person answered.
    pub authored: DateTime<Utc>,
    /// Where it falls in the episode.
    pub timepoint: String,
    /// Which scheduled follow-up it is (1 for the first), for a follow-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<u32>,
    /// The scores.
    pub scores: Vec<Score>,
    /// For EQ-5D.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility: Option<Utility>,
    /// From the baseline, when paired with one.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// The baseline it is paired with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_response_id: Option<Uuid>,
    /// Whether any change passes its minimal important difference for the better.
    pub mid_passed: bool,
    /// 1 for the first derivation, counting up.
    pub derivation: u32,
    /// Whether the person consented to outcomes reaching the referrer.
    pub share_with_referrer: bool,
    /// When this derivation was made (the time of the event that caused it).
    pub at: DateTime<Utc>,
}

/// What the outcomes service records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An instrument at one version, its whole definition.
    InstrumentPublished {
        /// e.g. "swemwbs".
        id: String,
        /// e.g. "1.0".
        version: String,
        /// Its name.
        title: String,
        /// Its Questionnaire's canonical URL.
        url: String,
        /// The definition in the instruments' data format.
        definition: serde_json::Value,
        /// When.
        at: DateTime<Utc>,
    },
    /// An EQ-5D value set at one version, without its table.
    ValueSetPublished {
        /// e.g. "dsu-2023".
        id: String,
        /// Its version.
        version: String,
        /// Its name.
        title: String,
        /// Where it comes from.
        source: String,
        /// When it was published, "YYYY-MM-DD".
        dated: String,
        /// The definition without its table.
        definition: serde_json::Value,
        /// How many parts its table comes in.
        parts: u32,
        /// SHA-256 of the table, hexadecimal.
        digest: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// One part of a value set's table.
    ValueSetRowsPublished {
        /// The value set.
        id: String,
        /// Its version.
        version: String,
        /// From 1 to its `parts`.
        part: u32,
        /// Rows: "state,age band,sex,utility".
        rows: Vec<String>,
    },
    /// A value set was put in force.
    ValueSetSelected {
        /// The value set.
        id: String,
        /// Its version.
        version: String,
        /// Who chose it.
        actor: Actor,
        /// From when.
        at: DateTime<Utc>,
    },
    /// A person's answers.
    ResponseRecorded {
        /// The response.
        response_id: Uuid,
        /// Its referral.
        referral_id: Uuid,
        /// The person's pseudonym.
        subject: String,
        /// The instrument.
        instrument: String,
        /// Its version.
        instrument_version: String,
        /// When the person answered.
        authored: DateTime<Utc>,
        /// The answers.
        answers: Vec<Answer>,
        /// Who recorded them.
        recorded_by: Actor,
        /// When.
        at: DateTime<Utc>,
    },
    /// A derivation of a response's scores.
    OutcomeRecorded(Outcome),
}

impl Event {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::InstrumentPublished { .. } => "instrument_published",
            Self::ValueSetPublished { .. } => "value_set_published",
            Self::ValueSetRowsPublished { .. } => "value_set_rows_published",
            Self::ValueSetSelected { .. } => "value_set_selected",
            Self::ResponseRecorded { .. } => "response_recorded",
            Self::OutcomeRecorded(_) => "outcome_recorded",
        }
    }
}

#[cfg(test)]
impl Outcome {
    /// An EQ-5D follow-up paired with its baseline, improved past the MID, for tests.
    pub(crate) fn sample() -> Self {
        use chrono::TimeZone;
        let at = || {
            Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
                .single()
                .expect("a date")
        };
        Outcome {
            response_id: Uuid::nil(),
            referral_id: Uuid::max(),
            subject: "nhs-hmac:ab".to_owned(),
            instrument: "eq5d5l".to_owned(),
            instrument_version: "1.0".to_owned(),
            authored: at(),
            timepoint: "follow-up".to_owned(),
            follow_up: Some(1),
            scores: vec![Score {
                code: "vas".to_owned(),
                value: "70".to_owned(),
                band: String::new(),
            }],
            utility: Some(Utility {
                value: "0.761".to_owned(),
                value_set: "dsu-2023".to_owned(),
                value_set_version: "1.0".to_owned(),
                scale: "eq-5d-3l-uk".to_owned(),
                state: "24112".to_owned(),
            }),
            changes: vec![Change {
                code: "utility".to_owned(),
                delta: "0.100".to_owned(),
                mid: "0.082".to_owned(),
                verdict: "improved".to_owned(),
            }],
            baseline_response_id: Some(Uuid::max()),
            mid_passed: true,
            derivation: 2,
            share_with_referrer: true,
            at: at(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("a date")
    }

    fn actor() -> Actor {
        Actor {
            id: "lw-1".to_owned(),
            organisation: "PCN-LW-01".to_owned(),
        }
    }

    /// One of every kind, with optional parts both present and absent.
    fn samples() -> Vec<Event> {
        let outcome = Outcome::sample();
        let unpaired = Outcome {
            follow_up: None,
            utility: None,
            changes: Vec::new(),
            baseline_response_id: None,
            ..outcome.clone()
        };
        vec![
            Event::InstrumentPublished {
                id: "ons4".to_owned(),
                version: "1.0".to_owned(),
                title: "ONS4".to_owned(),
                url: "https://linkwork.nhs.uk/fhir/Questionnaire/ons4".to_owned(),
                definition: serde_json::json!({ "id": "ons4" }),
                at: at(),
            },
            Event::ValueSetPublished {
                id: "dsu-2023".to_owned(),
                version: "1.0".to_owned(),
                title: "DSU".to_owned(),
                source: "Hernández Alava 2023".to_owned(),
                dated: "2023".to_owned(),
                definition: serde_json::json!({ "id": "dsu-2023" }),
                parts: 13,
                digest: "00".to_owned(),
                at: at(),
            },
            Event::ValueSetRowsPublished {
                id: "dsu-2023".to_owned(),
                version: "1.0".to_owned(),
                part: 1,
                rows: vec!["state,age_band,sex,utility_3l_uk".to_owned()],
            },
            Event::ValueSetSelected {
                id: "vanhout-2012".to_owned(),
                version: "1.0".to_owned(),
                actor: actor(),
                at: at(),
            },
            Event::ResponseRecorded {
                response_id: Uuid::nil(),
                referral_id: Uuid::max(),
                subject: "nhs-hmac:ab".to_owned(),
                instrument: "ucla3".to_owned(),
                instrument_version: "1.0".to_owned(),
                authored: at(),
                answers: vec![
                    Answer {
                        link_id: "lonely".to_owned(),
                        integer: None,
                        code: "never".to_owned(),
                    },
                    Answer {
                        link_id: "vas".to_owned(),
                        integer: Some(70),
                        code: String::new(),
                    },
                ],
                recorded_by: actor(),
                at: at(),
            },
            Event::OutcomeRecorded(outcome),
            Event::OutcomeRecorded(unpaired),
        ]
    }

    #[test]
    fn every_outcomes_event_keeps_its_published_contract() {
        for event in samples() {
            let payload = serde_json::to_vec(&event).expect("events serialise");
            let kept =
                contract::events::conforms(crate::SERVICE.name, event.event_type(), &payload);
            assert_eq!(kept, Ok(()), "{}", event.event_type());
            // What the relay publishes is the whole event but its stored type's tag (the
            // envelope says the type): nothing of it is the service's own.
            let published = contract::events::published_payload(
                crate::SERVICE.name,
                event.event_type(),
                &payload,
            );
            let published: serde_json::Value = serde_json::from_slice(&published).expect("JSON");
            let mut recorded: serde_json::Value = serde_json::to_value(&event).expect("JSON");
            recorded.as_object_mut().map(|fields| fields.remove("type"));
            assert_eq!(published, recorded, "{}", event.event_type());
        }
    }
}
