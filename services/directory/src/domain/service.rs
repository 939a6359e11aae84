//! A directory service (HSDS `service`): what it offers, to whom, whether it takes referrals and
//! has room, and when someone last checked.
//!
//! Its events are read by other services (the referral service refuses onward referrals to
//! services that are withdrawn, suspended or full), so their shapes are a contract: every change
//! of details re-publishes `service_listed` in full, and capacity, suspension and withdrawal each
//! have an event of their own.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use decider::Decider;
use serde::{Deserialize, Serialize};

use super::provenance::Provenance;
use super::satellites::{Contact, CostOption, Schedule};

/// What a service is, who it is for, when it runs and how to reach it (HSDS 3.0 `service`
/// with its eligibility, schedules, cost options, languages and contacts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// The service's name.
    pub name: String,
    /// What it offers, for a person.
    pub description: String,
    /// Its web page.
    #[serde(default)]
    pub url: Option<String>,
    /// Its e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Taxonomy term ids it is classified under (the needs it meets).
    pub taxonomy_terms: Vec<String>,
    /// Youngest age accepted.
    pub minimum_age: Option<u8>,
    /// Oldest age accepted.
    pub maximum_age: Option<u8>,
    /// Who else it is for, in words (e.g. "carers", "people living with dementia").
    #[serde(default)]
    pub eligibility_description: Option<String>,
    /// True if it takes direct referrals; false if it is for signposting only.
    pub takes_referrals: bool,
    /// Languages it works in (BCP 47 tags).
    pub languages: Vec<String>,
    /// When it runs.
    #[serde(default)]
    pub schedules: Vec<Schedule>,
    /// What it costs.
    #[serde(default)]
    pub cost_options: Vec<CostOption>,
    /// Who to ask.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// How long the waiting list is, for services that take people onto one when full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistBand {
    /// Seen within two weeks.
    UpToTwoWeeks,
    /// Two to six weeks.
    TwoToSixWeeks,
    /// Longer than six weeks.
    OverSixWeeks,
}

impl WaitlistBand {
    /// Every band, shortest first.
    pub const ALL: [WaitlistBand; 3] =
        [Self::UpToTwoWeeks, Self::TwoToSixWeeks, Self::OverSixWeeks];

    /// Its wire name.
    pub fn code(self) -> &'static str {
        match self {
            Self::UpToTwoWeeks => "up_to_two_weeks",
            Self::TwoToSixWeeks => "two_to_six_weeks",
            Self::OverSixWeeks => "over_six_weeks",
        }
    }
}

/// Places free now (HSDS 3.1 `service_capacity`), or a waiting list when there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    /// Places available; zero when people go onto a waiting list.
    pub available: u32,
    /// Places in all, if known.
    pub maximum: Option<u32>,
    /// What a place is, e.g. "places", "appointments".
    pub unit: String,
    /// How long the waiting list is, when it is full but still taking people.
    #[serde(default)]
    pub waitlist: Option<WaitlistBand>,
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
    /// List or update it from a feed (an upsert): nothing is recorded if nothing changed.
    Import {
        /// The providing organisation.
        organisation_id: String,
        /// Its details as the feed has them.
        details: Details,
        /// Which feed, and its id there.
        provenance: Provenance,
    },
    /// Say it is delivered at a location (HSDS `service_at_location`).
    AddLocation {
        /// The link's own id.
        service_at_location_id: String,
        /// The location (registered beforehand).
        location_id: String,
    },
    /// Say it is no longer delivered at a location.
    RemoveLocation {
        /// The link's id.
        service_at_location_id: String,
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
#[allow(
    clippy::large_enum_variant,
    reason = "events are built one or two per command; boxing the details would only add noise"
)]
pub enum Event {
    /// Listed, or re-listed with new details.
    ServiceListed {
        service_id: String,
        organisation_id: String,
        takes_referrals: bool,
        details: Details,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provenance: Option<Provenance>,
        at: DateTime<Utc>,
    },
    /// Its capacity changed.
    ServiceCapacityChanged {
        service_id: String,
        available: u32,
        maximum: Option<u32>,
        unit: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        waitlist: Option<WaitlistBand>,
        at: DateTime<Utc>,
    },
    /// It is delivered at a location.
    ServiceLocationAdded {
        service_id: String,
        service_at_location_id: String,
        location_id: String,
        at: DateTime<Utc>,
    },
    /// It is no longer delivered at a location.
    ServiceLocationRemoved {
        service_id: String,
        service_at_location_id: String,
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
    /// The service it happened to.
    pub fn service_id(&self) -> &str {
        match self {
            Self::ServiceListed { service_id, .. }
            | Self::ServiceCapacityChanged { service_id, .. }
            | Self::ServiceLocationAdded { service_id, .. }
            | Self::ServiceLocationRemoved { service_id, .. }
            | Self::ServiceSuspended { service_id, .. }
            | Self::ServiceReinstated { service_id, .. }
            | Self::ServiceWithdrawn { service_id, .. }
            | Self::ServiceVerified { service_id, .. } => service_id,
        }
    }

    /// The stable stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ServiceListed { .. } => "service_listed",
            Self::ServiceCapacityChanged { .. } => "service_capacity_changed",
            Self::ServiceLocationAdded { .. } => "service_location_added",
            Self::ServiceLocationRemoved { .. } => "service_location_removed",
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
    /// Linking a location twice under different link ids, or reusing a link id.
    #[error("the service is already at that location")]
    AlreadyAtLocation,
    /// Removing a link that does not exist.
    #[error("no such service_at_location")]
    NoSuchLocation,
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
    /// Who last checked them (an e-mail address).
    pub assurer: Option<String>,
    /// Where it is delivered: service_at_location id → location id.
    pub locations: BTreeMap<String, String>,
    /// The feed it was last imported from, if any.
    pub provenance: Option<Provenance>,
}

impl Listed {
    /// Whether its details were last checked longer ago than `period` before `now` (or never).
    pub fn is_stale(&self, now: DateTime<Utc>, period: chrono::Duration) -> bool {
        self.assured_at.is_none_or(|assured| now - assured > period)
    }
}

fn validate(details: &Details) -> Result<(), Error> {
    let invalid = |message: &str| Err(Error::Invalid(message.to_owned()));
    if details.name.trim().is_empty() || details.name.chars().count() > 300 {
        return invalid("details.name must be 1 to 300 characters");
    }
    if details
        .email
        .as_deref()
        .is_some_and(|email| !email.contains('@'))
    {
        return invalid("details.email must be an e-mail address");
    }
    for (index, schedule) in details.schedules.iter().enumerate() {
        schedule
            .check(&format!("details.schedules[{index}]"))
            .map_err(Error::Invalid)?;
    }
    for (index, contact) in details.contacts.iter().enumerate() {
        contact
            .check(&format!("details.contacts[{index}]"))
            .map_err(Error::Invalid)?;
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

/// The `service_listed` event for `details`, unless they are what the service already has.
fn relisted(
    service_id: String,
    organisation_id: String,
    details: Details,
    provenance: Option<Provenance>,
    current: Option<&Listed>,
    at: DateTime<Utc>,
) -> Result<Vec<Event>, Error> {
    validate(&details)?;
    if current.is_some_and(|listed| {
        listed.details == details && listed.organisation_id == organisation_id
    }) {
        return Ok(vec![]);
    }
    let takes_referrals = details.takes_referrals;
    Ok(vec![Event::ServiceListed {
        service_id,
        organisation_id,
        takes_referrals,
        details,
        provenance,
        at,
    }])
}

fn capacity_changed(
    service_id: String,
    capacity: Capacity,
    at: DateTime<Utc>,
) -> Result<Vec<Event>, Error> {
    let Capacity {
        available,
        maximum,
        unit,
        waitlist,
    } = capacity;
    if maximum.is_some_and(|maximum| available > maximum) {
        return Err(Error::Invalid(
            "capacity.available must not be above capacity.maximum".to_owned(),
        ));
    }
    if unit.trim().is_empty() {
        return Err(Error::Invalid("capacity.unit is required".to_owned()));
    }
    if waitlist.is_some() && available > 0 {
        return Err(Error::Invalid(
            "capacity.waitlist is only for a service with no places available".to_owned(),
        ));
    }
    Ok(vec![Event::ServiceCapacityChanged {
        service_id,
        available,
        maximum,
        unit,
        waitlist,
        at,
    }])
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
                } => relisted(service_id, organisation_id, details, None, None, at),
                Command::Import {
                    organisation_id,
                    details,
                    provenance,
                } => relisted(
                    service_id,
                    organisation_id,
                    details,
                    Some(provenance),
                    None,
                    at,
                ),
                _ => Err(Error::NotFound),
            };
        };
        if listed.standing == Standing::Withdrawn {
            return Err(Error::Withdrawn);
        }
        match command {
            Command::List { .. } => Err(Error::AlreadyListed),
            Command::Update { details } => relisted(
                service_id,
                listed.organisation_id.clone(),
                details,
                listed.provenance.clone(),
                Some(listed),
                at,
            ),
            Command::Import {
                organisation_id,
                details,
                provenance,
            } => relisted(
                service_id,
                organisation_id,
                details,
                Some(provenance),
                Some(listed),
                at,
            ),
            Command::AddLocation {
                service_at_location_id,
                location_id,
            } => match listed.locations.get(&service_at_location_id) {
                Some(existing) if *existing == location_id => Ok(vec![]),
                Some(_) => Err(Error::AlreadyAtLocation),
                None if listed.locations.values().any(|l| *l == location_id) => {
                    Err(Error::AlreadyAtLocation)
                }
                None => Ok(vec![Event::ServiceLocationAdded {
                    service_id,
                    service_at_location_id,
                    location_id,
                    at,
                }]),
            },
            Command::RemoveLocation {
                service_at_location_id,
            } => {
                if !listed.locations.contains_key(&service_at_location_id) {
                    return Err(Error::NoSuchLocation);
                }
                Ok(vec![Event::ServiceLocationRemoved {
                    service_id,
                    service_at_location_id,
                    at,
                }])
            }
            Command::SetCapacity(capacity) => capacity_changed(service_id, capacity, at),
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
                    provenance,
                    ..
                },
            ) => {
                state.listed = Some(Listed {
                    organisation_id: organisation_id.clone(),
                    details: details.clone(),
                    capacity: None,
                    standing: Standing::Active,
                    assured_at: None,
                    assurer: None,
                    locations: BTreeMap::new(),
                    provenance: provenance.clone(),
                });
            }
            (
                Some(listed),
                Event::ServiceListed {
                    organisation_id,
                    details,
                    provenance,
                    ..
                },
            ) => {
                listed.organisation_id = organisation_id.clone();
                listed.details = details.clone();
                listed.provenance = provenance.clone();
            }
            (
                Some(listed),
                Event::ServiceCapacityChanged {
                    available,
                    maximum,
                    unit,
                    waitlist,
                    ..
                },
            ) => {
                listed.capacity = Some(Capacity {
                    available: *available,
                    maximum: *maximum,
                    unit: unit.clone(),
                    waitlist: *waitlist,
                });
            }
            (
                Some(listed),
                Event::ServiceLocationAdded {
                    service_at_location_id,
                    location_id,
                    ..
                },
            ) => {
                listed
                    .locations
                    .insert(service_at_location_id.clone(), location_id.clone());
            }
            (
                Some(listed),
                Event::ServiceLocationRemoved {
                    service_at_location_id,
                    ..
                },
            ) => {
                listed.locations.remove(service_at_location_id);
            }
            (Some(listed), Event::ServiceSuspended { .. }) => listed.standing = Standing::Suspended,
            (Some(listed), Event::ServiceReinstated { .. }) => listed.standing = Standing::Active,
            (Some(listed), Event::ServiceWithdrawn { .. }) => listed.standing = Standing::Withdrawn,
            (Some(listed), Event::ServiceVerified { at, assurer, .. }) => {
                listed.assured_at = Some(*at);
                listed.assurer = Some(assurer.clone());
            }
            _ => {}
        }
        state
    }
}
