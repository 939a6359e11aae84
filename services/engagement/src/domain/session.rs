//! One session — an occurrence of a directory service — as a pure decider: scheduled once by
//! its provider, then its register, one place per person, kept by the provider or filled by the
//! person's QR check-in. A token is good once: a check-in with a token already used is refused,
//! whoever presents it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use decider::Decider;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A person's place in a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// They came.
    Attended,
    /// They did not come, and did not say.
    DidNotAttend,
    /// The provider called it off.
    CancelledByProvider,
    /// They said they could not come.
    CancelledByPerson,
}

impl Status {
    /// Its code, as published.
    pub fn code(self) -> &'static str {
        match self {
            Self::Attended => "attended",
            Self::DidNotAttend => "did-not-attend",
            Self::CancelledByProvider => "cancelled-by-provider",
            Self::CancelledByPerson => "cancelled-by-person",
        }
    }
}

/// What an attendance rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The provider's register.
    Register,
    /// The person's scan of the session's QR code.
    QrCheckIn,
    /// An integrator's system.
    Integrator,
}

impl Source {
    /// Its code, as published.
    pub fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::QrCheckIn => "qr-check-in",
            Self::Integrator => "integrator",
        }
    }
}

/// A session as scheduled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduled {
    /// The directory service it is an occurrence of.
    pub service_id: Uuid,
    /// Its provider.
    pub organisation_id: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// What it is called on the day.
    pub title: String,
}

/// Whose place it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their referral to the provider.
    pub referral_id: Uuid,
    /// Their pseudonym.
    pub subject: String,
}

/// What the engagement service records of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The provider published it.
    SessionScheduled {
        /// The session.
        session_id: Uuid,
        /// What, who and when.
        #[serde(flatten)]
        scheduled: Scheduled,
        /// When it was published.
        at: DateTime<Utc>,
    },
    /// A person came.
    SessionAttended {
        /// The session.
        session_id: Uuid,
        /// Who.
        #[serde(flatten)]
        person: Person,
        /// The session's service and provider, for consumers.
        service_id: Uuid,
        /// The provider.
        organisation_id: String,
        /// What it rests on.
        source: Source,
        /// The check-in token used, kept so it is never good again (not published).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_id: Option<Uuid>,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
    /// A person's place went unused.
    SessionMissed {
        /// The session.
        session_id: Uuid,
        /// Who.
        #[serde(flatten)]
        person: Person,
        /// The session's service.
        service_id: Uuid,
        /// The provider.
        organisation_id: String,
        /// Did not attend, or cancelled by whom.
        status: Status,
        /// What it rests on.
        source: Source,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::SessionScheduled { .. } => "session_scheduled",
            Self::SessionAttended { .. } => "session_attended",
            Self::SessionMissed { .. } => "session_missed",
        }
    }
}

/// A session's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// As scheduled, once it is.
    pub scheduled: Option<Scheduled>,
    /// Each person's place, by referral: its status and source.
    pub register: BTreeMap<Uuid, (Status, Source, DateTime<Utc>)>,
    /// Check-in tokens already used.
    pub used_tokens: BTreeSet<Uuid>,
}

/// What may be asked of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Publish it, for `organisation`.
    Schedule {
        /// The session.
        session_id: Uuid,
        /// What, who and when.
        scheduled: Scheduled,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Record a person's place in the register, as `organisation`.
    Record {
        /// The session.
        session_id: Uuid,
        /// Who.
        person: Person,
        /// Their place.
        status: Status,
        /// Who asks: only the provider keeps its register.
        organisation: String,
        /// Now.
        at: DateTime<Utc>,
    },
    /// A person checks in with a token the service signed for this session.
    CheckIn {
        /// The session.
        session_id: Uuid,
        /// Who.
        person: Person,
        /// The token's id.
        token_id: Uuid,
        /// Now.
        at: DateTime<Utc>,
    },
}

/// Rules a command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No such session, or not the caller's organisation's.
    #[error("no such session")]
    NotFound,
    /// The session id is used for another session.
    #[error("session_id is already used for another session")]
    IdUsed,
    /// A session ends after it starts.
    #[error("ends_at must be after starts_at")]
    EndsBeforeStart,
    /// Attended, before the session started.
    #[error("status: the session has not started yet")]
    NotStarted,
    /// Did not attend, before the session ended.
    #[error("status: the session has not ended yet")]
    NotEnded,
    /// The token was used before.
    #[error("token: already used")]
    TokenUsed,
}

/// How early a person may check in, or be registered as attended, before the start.
const EARLY: chrono::Duration = chrono::Duration::minutes(30);

impl Decider for Session {
    type State = Session;
    type Command = Command;
    type Event = Event;
    type Error = Error;

    fn decide(state: &Session, command: Command) -> Result<Vec<Event>, Error> {
        match command {
            Command::Schedule {
                session_id,
                scheduled,
                at,
            } => match &state.scheduled {
                // The same again is a retry; anything else under the id is refused.
                Some(existing) if *existing == scheduled => Ok(Vec::new()),
                Some(_) => Err(Error::IdUsed),
                None if scheduled.ends_at <= scheduled.starts_at => Err(Error::EndsBeforeStart),
                None => Ok(vec![Event::SessionScheduled {
                    session_id,
                    scheduled,
                    at,
                }]),
            },
            Command::Record {
                session_id,
                person,
                status,
                organisation,
                at,
            } => {
                let scheduled = state
                    .scheduled
                    .as_ref()
                    .filter(|scheduled| scheduled.organisation_id == organisation)
                    .ok_or(Error::NotFound)?;
                match status {
                    Status::Attended if at < scheduled.starts_at - EARLY => {
                        return Err(Error::NotStarted);
                    }
                    Status::DidNotAttend if at < scheduled.ends_at => return Err(Error::NotEnded),
                    _ => {}
                }
                if state
                    .register
                    .get(&person.referral_id)
                    .is_some_and(|(kept, _, _)| *kept == status)
                {
                    return Ok(Vec::new());
                }
                Ok(vec![place(
                    session_id,
                    scheduled,
                    person,
                    status,
                    Source::Register,
                    None,
                    at,
                )])
            }
            Command::CheckIn {
                session_id,
                person,
                token_id,
                at,
            } => {
                let scheduled = state.scheduled.as_ref().ok_or(Error::NotFound)?;
                if state.used_tokens.contains(&token_id) {
                    return Err(Error::TokenUsed);
                }
                if at < scheduled.starts_at - EARLY {
                    return Err(Error::NotStarted);
                }
                Ok(vec![place(
                    session_id,
                    scheduled,
                    person,
                    Status::Attended,
                    Source::QrCheckIn,
                    Some(token_id),
                    at,
                )])
            }
        }
    }

    fn evolve(mut state: Session, event: &Event) -> Session {
        match event {
            Event::SessionScheduled { scheduled, .. } => state.scheduled = Some(scheduled.clone()),
            Event::SessionAttended {
                person,
                source,
                token_id,
                at,
                ..
            } => {
                state
                    .register
                    .insert(person.referral_id, (Status::Attended, *source, *at));
                state.used_tokens.extend(*token_id);
            }
            Event::SessionMissed {
                person,
                status,
                source,
                at,
                ..
            } => {
                state
                    .register
                    .insert(person.referral_id, (*status, *source, *at));
            }
        }
        state
    }
}

/// The event recording `person`'s `status` at `scheduled`.
fn place(
    session_id: Uuid,
    scheduled: &Scheduled,
    person: Person,
    status: Status,
    source: Source,
    token_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Event {
    let (service_id, organisation_id) = (scheduled.service_id, scheduled.organisation_id.clone());
    match status {
        Status::Attended => Event::SessionAttended {
            session_id,
            person,
            service_id,
            organisation_id,
            source,
            token_id,
            at,
        },
        missed => Event::SessionMissed {
            session_id,
            person,
            service_id,
            organisation_id,
            status: missed,
            source,
            at,
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use testkit::given;

    use super::*;

    fn hour(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 3, 10, 0, 0)
            .single()
            .expect("a date")
            + Duration::hours(n)
    }

    const SESSION: Uuid = Uuid::from_u128(1);
    const PROVIDER: &str = "VCSE-A";

    fn scheduled() -> Scheduled {
        Scheduled {
            service_id: Uuid::from_u128(2),
            organisation_id: PROVIDER.to_owned(),
            starts_at: hour(0),
            ends_at: hour(2),
            title: "Tuesday walk".to_owned(),
        }
    }

    fn history() -> Vec<Event> {
        vec![Event::SessionScheduled {
            session_id: SESSION,
            scheduled: scheduled(),
            at: hour(-48),
        }]
    }

    fn person(n: u128) -> Person {
        Person {
            referral_id: Uuid::from_u128(n),
            subject: format!("nhs-hmac:{n}"),
        }
    }

    fn record(status: Status, at: i64) -> Command {
        Command::Record {
            session_id: SESSION,
            person: person(7),
            status,
            organisation: PROVIDER.to_owned(),
            at: hour(at),
        }
    }

    fn check_in(token: u128, who: u128, at: i64) -> Command {
        Command::CheckIn {
            session_id: SESSION,
            person: person(who),
            token_id: Uuid::from_u128(token),
            at: hour(at),
        }
    }

    #[test]
    fn a_session_is_scheduled_once_and_ends_after_it_starts() {
        let schedule = |scheduled| Command::Schedule {
            session_id: SESSION,
            scheduled,
            at: hour(-48),
        };
        given::<Session>(&[])
            .when(schedule(scheduled()))
            .then(&history());
        given::<Session>(&history())
            .when(schedule(scheduled()))
            .then(&[]);
        let mut other = scheduled();
        other.title = "Thursday walk".to_owned();
        given::<Session>(&history())
            .when(schedule(other))
            .then_err(Error::IdUsed);
        let mut backwards = scheduled();
        backwards.ends_at = hour(-1);
        given::<Session>(&[])
            .when(schedule(backwards))
            .then_err(Error::EndsBeforeStart);
    }

    #[test]
    fn the_provider_keeps_the_register_and_no_one_else() {
        let attended = Session::decide(&Session::fold(&history()), record(Status::Attended, 1))
            .expect("recorded");
        assert!(matches!(
            &attended[..],
            [Event::SessionAttended {
                source: Source::Register,
                token_id: None,
                ..
            }]
        ));
        let mut elsewhere = record(Status::Attended, 1);
        if let Command::Record { organisation, .. } = &mut elsewhere {
            *organisation = "VCSE-B".to_owned();
        }
        given::<Session>(&history())
            .when(elsewhere)
            .then_err(Error::NotFound);
        given::<Session>(&[])
            .when(record(Status::Attended, 1))
            .then_err(Error::NotFound);
    }

    #[test]
    fn a_place_is_recorded_only_when_the_day_allows() {
        given::<Session>(&history())
            .when(record(Status::Attended, -2))
            .then_err(Error::NotStarted);
        given::<Session>(&history())
            .when(record(Status::DidNotAttend, 1))
            .then_err(Error::NotEnded);
        let missed = Session::decide(&Session::fold(&history()), record(Status::DidNotAttend, 3))
            .expect("recorded");
        assert!(matches!(
            &missed[..],
            [Event::SessionMissed {
                status: Status::DidNotAttend,
                ..
            }]
        ));
        // Cancelled by either side at any time; the same place again changes nothing.
        let mut cancelled = history();
        cancelled.extend(
            Session::decide(
                &Session::fold(&history()),
                record(Status::CancelledByPerson, -24),
            )
            .expect("cancelled"),
        );
        given::<Session>(&cancelled)
            .when(record(Status::CancelledByPerson, -20))
            .then(&[]);
    }

    #[test]
    fn a_token_is_good_once_whoever_presents_it() {
        let mut checked_in = history();
        checked_in.extend(
            Session::decide(&Session::fold(&history()), check_in(5, 7, 0)).expect("checked in"),
        );
        assert!(matches!(
            &checked_in[1],
            Event::SessionAttended {
                source: Source::QrCheckIn,
                token_id: Some(_),
                ..
            }
        ));
        given::<Session>(&checked_in)
            .when(check_in(5, 7, 1))
            .then_err(Error::TokenUsed);
        given::<Session>(&checked_in)
            .when(check_in(5, 8, 1))
            .then_err(Error::TokenUsed);
        let other_token = Session::decide(&Session::fold(&checked_in), check_in(6, 8, 1));
        assert!(
            other_token.is_ok(),
            "a fresh token checks the next person in"
        );
        given::<Session>(&history())
            .when(check_in(5, 7, -3))
            .then_err(Error::NotStarted);
    }

    #[test]
    fn every_event_keeps_its_published_contract_and_the_token_stays_here() {
        let mut events = history();
        events.extend(Session::decide(&Session::fold(&history()), check_in(5, 7, 0)).expect("in"));
        events.extend(
            Session::decide(&Session::fold(&history()), record(Status::DidNotAttend, 3))
                .expect("missed"),
        );
        for event in &events {
            let payload = serde_json::to_vec(event).expect("JSON");
            let kept = contract::events::conforms("engagement", event.event_type(), &payload);
            assert_eq!(kept, Ok(()), "{}", event.event_type());
            let published =
                contract::events::published_payload("engagement", event.event_type(), &payload);
            let published: serde_json::Value = serde_json::from_slice(&published).expect("JSON");
            assert!(published.get("token_id").is_none(), "{published}");
        }
    }
}
