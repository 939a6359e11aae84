//! Billable facts: what the referral, engagement and outcomes services (and the billing
//! service's own month ticks and grant awards) report, reduced to what accrual needs. Each
//! names the event that caused it. The service wiring builds them from the bus; accrual never
//! sees an event it would have to interpret.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::contract::{Evidence, Trigger};
use crate::domain::period::Month;

/// The person a fact is about, as the referral service publishes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their referral to the provider.
    pub referral_id: Uuid,
    /// Their pseudonym: per-person caps count by it, across referrals.
    pub subject: String,
    /// Their needs codes.
    pub needs: Vec<String>,
    /// Their age band code on the day of the referral, if known.
    pub age_band: Option<String>,
}

/// A paired change's verdict against its minimal important difference, as the outcomes
/// service publishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The change passed the MID for the better.
    Improved,
    /// Within the MID.
    NoMeaningfulChange,
    /// The change passed the MID for the worse.
    Deteriorated,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "kebab-case")]
pub enum What {
    /// The provider accepted a referral (`ReferralAccepted`).
    ReferralAccepted {
        /// Whose.
        person: Person,
    },
    /// A person attended a session (`SessionAttended`), on evidence that can pay: a
    /// device-only attendance cannot be written as one.
    SessionAttended {
        /// Who.
        person: Person,
        /// The session.
        session_id: Uuid,
        /// What it rests on.
        evidence: Evidence,
    },
    /// A person's episode with the provider completed (`EpisodeCompleted`).
    EpisodeCompleted {
        /// Whose.
        person: Person,
    },
    /// A paired change on an instrument was judged (`OutcomeRecorded`).
    OutcomeRecorded {
        /// Whose.
        person: Person,
        /// The instrument.
        instrument: String,
        /// The verdict; none where the instrument has no MID.
        verdict: Option<Verdict>,
    },
    /// A calendar month elapsed (the billing service's own tick).
    MonthElapsed {
        /// Which.
        month: Month,
    },
    /// The commissioner awarded the contract's micro-grant.
    MicroGrantAwarded,
}

/// One billable fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The event that reported it.
    pub source_event_id: Uuid,
    /// The provider organisation it concerns.
    pub provider: String,
    /// The day it happened.
    pub date: NaiveDate,
    /// What happened.
    #[serde(flatten)]
    pub what: What,
}

impl Fact {
    /// The trigger it could pay on.
    pub fn trigger(&self) -> Trigger {
        match self.what {
            What::ReferralAccepted { .. } => Trigger::AcceptedReferral,
            What::SessionAttended { .. } => Trigger::AttendedSession,
            What::EpisodeCompleted { .. } => Trigger::CompletedEpisode,
            What::OutcomeRecorded { .. } => Trigger::Outcome,
            What::MonthElapsed { .. } => Trigger::Block,
            What::MicroGrantAwarded => Trigger::MicroGrant,
        }
    }

    /// The person, for the facts about one.
    pub fn person(&self) -> Option<&Person> {
        match &self.what {
            What::ReferralAccepted { person }
            | What::SessionAttended { person, .. }
            | What::EpisodeCompleted { person }
            | What::OutcomeRecorded { person, .. } => Some(person),
            What::MonthElapsed { .. } | What::MicroGrantAwarded => None,
        }
    }

    /// What is paid at most once: a referral's acceptance and its completion, a person's place
    /// at one session (a register entry and a QR check-in for it are one attendance), a
    /// referral's improvement on one instrument (a rescoring or a later follow-up is not a
    /// second improvement), and the one-off micro-grant. A block month is keyed by its month.
    pub(crate) fn key(&self) -> String {
        let trigger = self.trigger().code();
        match &self.what {
            What::ReferralAccepted { person } | What::EpisodeCompleted { person } => {
                format!("{trigger}/{}", person.referral_id)
            }
            What::SessionAttended {
                person, session_id, ..
            } => format!("{trigger}/{session_id}/{}", person.referral_id),
            What::OutcomeRecorded {
                person, instrument, ..
            } => format!("{trigger}/{}/{instrument}", person.referral_id),
            What::MonthElapsed { month } => format!("{trigger}/{month}"),
            What::MicroGrantAwarded => trigger.to_owned(),
        }
    }
}

/// A source event entered in error, and what it takes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The event saying so (a referral's `entered-in-error`, a register's correction).
    pub source_event_id: Uuid,
    /// The day it was recorded: the clawback accrues on it, so it lands on the next claim.
    pub date: NaiveDate,
    /// What was entered in error.
    pub withdrawn: Withdrawn,
}

/// What was entered in error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum Withdrawn {
    /// A whole referral: every line any of its facts accrued.
    Referral(Uuid),
    /// One source event: the lines it accrued.
    Event(Uuid),
}
