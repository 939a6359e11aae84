//! A directory service (HSDS `service`): what it offers, to whom, whether it takes referrals and
//! has room, and when someone last checked.
//!
//! Its events are read by other services (the referral service refuses onward referrals to
//! services that are withdrawn, suspended or full), so their shapes are a contract: every change
//! of details re-publishes `service_listed` in full, and capacity, suspension and withdrawal each
//! have an event of their own.

use chrono::{DateTime, Utc};
use decider::Decider;
use serde::{Deserialize, Serialize};

/// What a service is and who it is for (a subset of HSDS 3.0 `service`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// The service's name.
    pub name: String,
    /// What it offers, for a person.
    pub description: String,
    /// Taxonomy term ids it is classified under (the needs it meets).
    pub taxonomy_terms: Vec<String>,
    /// Youngest age accepted.
    pub minimum_age: Option<u8>,
    /// Oldest age accepted.
    pub maximum_age: Option<u8>,
    /// True if it takes direct referrals; false if it is for signposting only.
    pub takes_referrals: bool,
    /// Languages it works in (BCP 47 tags).
    pub languages: Vec<String>,
}

/// Places free now (HSDS 3.1 `service_capacity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    /// Places available.
    pub available: u32,
    /// Places in all, if known.
    pub maximum: Option<u32>,
    /// What a place is, e.g. "places", "appointments".
    pub unit: String,
}

/// What curators and providers ask of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// List a new service.
    List {
        /// The providing organisation.
        organisation_id: String,
        /// Its details.
        details: Details,
    },
    /// Replace its details.
    Update {
        /// The new details.
        details: Details,
    },
    /// Record its capacity now.
    SetCapacity(Capacity),
    /// Take it out of use for a while.
    Suspend {
        /// Why.
        reason: String,
    },
    /// Bring a suspended service back.
    Reinstate,
    /// Remove it for good.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// Record that someone checked the details are true.
    Verify {
        /// Who checked (e-mail of the assurer).
        assurer: String,
    },
}

/// A command with when it was issued (the application's clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The service's id.
    pub service_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub command: Command,
}

/// What happened to a service. Stored event types are the snake_case variant names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Listed, or re-listed with new details.
    ServiceListed {
        service_id: String,
        organisation_id: String,
        takes_referrals: bool,
        details: Details,
        at: DateTime<Utc>,
    },
    /// Its capacity changed.
    ServiceCapacityChanged {
        service_id: String,
        available: u32,
        maximum: Option<u32>,
        unit: String,
        at: DateTime<Utc>,
    },
    /// Suspended.
    ServiceSuspended {
        service_id: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// Reinstated after a suspension.
    ServiceReinstated {
        service_id: String,
        at: DateTime<Utc>,
    },
    /// Withdrawn for good.
    ServiceWithdrawn {
        service_id: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// Its details were checked (HSDS `assured_date`).
    ServiceVerified {
        service_id: String,
        assurer: String,
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The stable stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ServiceListed { .. } => "service_listed",
            Self::ServiceCapacityChanged { .. } => "service_capacity_changed",
            Self::ServiceSuspended { .. } => "service_suspended",
            Self::ServiceReinstated { .. } => "service_reinstated",
            Self::ServiceWithdrawn { .. } => "service_withdrawn",
            Self::ServiceVerified { .. } => "service_verified",
        }
    }
}

/// Rules a command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Listing a service that exists.
    #[error("the service is already listed")]
    AlreadyListed,
    /// Changing a service that does not exist.
    #[error("no such service")]
    NotFound,
    /// Changing a withdrawn service.
    #[error("the service was withdrawn")]
    Withdrawn,
    /// Suspending a suspended service.
    #[error("the service is already suspended")]
    AlreadySuspended,
    /// Reinstating a service that is not suspended.
    #[error("the service is not suspended")]
    NotSuspended,
    /// A malformed field, named.
    #[error("{0}")]
    Invalid(String),
}

/// Where a service stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Standing {
    /// In use.
    #[default]
    Active,
    /// Out of use for a while.
    Suspended,
    /// Gone.
    Withdrawn,
}

/// The state folded from a service's events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    /// `None` until listed.
    pub listed: Option<Listed>,
}

/// A listed service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The providing organisation.
    pub organisation_id: String,
    /// Its details.
    pub details: Details,
    /// Its capacity, once set.
    pub capacity: Option<Capacity>,
    /// Where it stands.
    pub standing: Standing,
    /// When its details were last checked.
    pub assured_at: Option<DateTime<Utc>>,
}

impl Listed {
    /// Whether its details were last checked longer ago than `period` before `now` (or never).
    pub fn is_stale(&self, now: DateTime<Utc>, period: chrono::Duration) -> bool {
        self.assured_at.is_none_or(|assured| now - assured > period)
    }
}

fn validate(details: &Details) -> Result<(), Error> {
    let invalid = |message: &str| Err(Error::Invalid(message.to_owned()));
    if details.name.trim().is_empty() || details.name.len() > 300 {
        return invalid("details.name must be 1 to 300 characters");
    }
    if let (Some(min), Some(max)) = (details.minimum_age, details.maximum_age)
        && min > max
    {
        return invalid("details.minimum_age must not be above details.maximum_age");
    }
    if details
        .taxonomy_terms
        .iter()
        .any(|term| term.trim().is_empty())
    {
        return invalid("details.taxonomy_terms must not contain empty terms");
    }
    Ok(())
}

fn reason(reason: String) -> Result<String, Error> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(Error::Invalid("reason is required".to_owned()));
    }
    Ok(reason)
}

impl Decider for Service {
    type State = Service;
    type Command = Issued;
    type Event = Event;
    type Error = Error;

    fn decide(state: &Service, issued: Issued) -> Result<Vec<Event>, Error> {
        let Issued {
            service_id,
            at,
            command,
        } = issued;
        let Some(listed) = &state.listed else {
            return match command {
                Command::List {
                    organisation_id,
                    details,
                } => {
                    validate(&details)?;
                    let takes_referrals = details.takes_referrals;
                    Ok(vec![Event::ServiceListed {
                        service_id,
                        organisation_id,
                        takes_referrals,
                        details,
                        at,
                    }])
                }
                _ => Err(Error::NotFound),
            };
        };
        if listed.standing == Standing::Withdrawn {
            return Err(Error::Withdrawn);
        }
        match command {
            Command::List { .. } => Err(Error::AlreadyListed),
            Command::Update { details } => {
                validate(&details)?;
                if details == listed.details {
                    return Ok(vec![]);
                }
                let organisation_id = listed.organisation_id.clone();
                let takes_referrals = details.takes_referrals;
                Ok(vec![Event::ServiceListed {
                    service_id,
                    organisation_id,
                    takes_referrals,
                    details,
                    at,
                }])
            }
            Command::SetCapacity(Capacity {
                available,
                maximum,
                unit,
            }) => {
                if maximum.is_some_and(|maximum| available > maximum) {
                    return Err(Error::Invalid(
                        "available must not be above maximum".to_owned(),
                    ));
                }
                if unit.trim().is_empty() {
                    return Err(Error::Invalid("unit is required".to_owned()));
                }
                Ok(vec![Event::ServiceCapacityChanged {
                    service_id,
                    available,
                    maximum,
                    unit,
                    at,
                }])
            }
            Command::Suspend { reason: why } => match listed.standing {
                Standing::Suspended => Err(Error::AlreadySuspended),
                _ => Ok(vec![Event::ServiceSuspended {
                    service_id,
                    reason: reason(why)?,
                    at,
                }]),
            },
            Command::Reinstate => match listed.standing {
                Standing::Suspended => Ok(vec![Event::ServiceReinstated { service_id, at }]),
                _ => Err(Error::NotSuspended),
            },
            Command::Withdraw { reason: why } => Ok(vec![Event::ServiceWithdrawn {
                service_id,
                reason: reason(why)?,
                at,
            }]),
            Command::Verify { assurer } => {
                if !assurer.contains('@') {
                    return Err(Error::Invalid(
                        "assurer must be an e-mail address".to_owned(),
                    ));
                }
                Ok(vec![Event::ServiceVerified {
                    service_id,
                    assurer,
                    at,
                }])
            }
        }
    }

    fn evolve(mut state: Service, event: &Event) -> Service {
        match (&mut state.listed, event) {
            (
                None,
                Event::ServiceListed {
                    organisation_id,
                    details,
                    ..
                },
            ) => {
                state.listed = Some(Listed {
                    organisation_id: organisation_id.clone(),
                    details: details.clone(),
                    capacity: None,
                    standing: Standing::Active,
                    assured_at: None,
                });
            }
            (Some(listed), Event::ServiceListed { details, .. }) => {
                listed.details = details.clone()
            }
            (
                Some(listed),
                Event::ServiceCapacityChanged {
                    available,
                    maximum,
                    unit,
                    ..
                },
            ) => {
                listed.capacity = Some(Capacity {
                    available: *available,
                    maximum: *maximum,
                    unit: unit.clone(),
                });
            }
            (Some(listed), Event::ServiceSuspended { .. }) => listed.standing = Standing::Suspended,
            (Some(listed), Event::ServiceReinstated { .. }) => listed.standing = Standing::Active,
            (Some(listed), Event::ServiceWithdrawn { .. }) => listed.standing = Standing::Withdrawn,
            (Some(listed), Event::ServiceVerified { at, .. }) => listed.assured_at = Some(*at),
            _ => {}
        }
        state
    }
}
