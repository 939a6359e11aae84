//! The referral aggregate: its lifecycle (Gravity statuses) and its responsibility ledger.
//!
//! At every moment exactly one organisation, and once assigned one practitioner within it, is
//! accountable for the person's referral. Responsibility changes hands only by a two-phase
//! handoff: the holder offers it to a named organisation or practitioner, and it moves when
//! the offer is accepted; a declined or expired offer leaves it where it was. The referral
//! itself starts as an offer from the referrer to the receiving organisation, so accepting the
//! referral is accepting that offer. Every change of hands is one `ResponsibilityHandedOff`
//! event, which is what "who was accountable at T" reads.

use chrono::{DateTime, Utc};
use decider::Decider;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::age::AgeBand;
use super::nhs_number::SealedNhsNumber;
use super::person::{Age, Demographics, EthnicCategory, ImdDecile, Sealed, Sex};
use super::snomed::{ConceptId, SOCIAL_PRESCRIBING_DECLINED};
use super::status::{Party, Status};

/// Who is accountable: an organisation, and a practitioner in it once one is assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// ODS code or directory id of the organisation.
    pub organisation: String,
    /// The accountable practitioner, once assigned.
    pub practitioner: Option<String>,
}

/// The person or system issuing a command, as the application authenticated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// User or system id.
    pub id: String,
    /// The organisation they act for.
    pub organisation: String,
}

/// Where a referral comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A GP, PCN or other health professional.
    Practitioner,
    /// Another agency (council, housing, police, VCSE…).
    OtherAgency,
    /// The person themselves. The referrer is the person (no practitioner), and the message
    /// back goes to them.
    SelfReferral,
}

/// How urgent the referral is (FHIR `ServiceRequest.priority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    /// Normal.
    Routine,
    /// Sooner than routine.
    Urgent,
}

/// What the person agreed may be shared, and with whom. Withdrawable at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Details may go to VCSE providers the link worker refers them to.
    pub share_with_providers: bool,
    /// The outcome summary may go back to the referrer (otherwise only status and codes do).
    pub share_outcome_with_referrer: bool,
    /// Device data (daily summaries from wearables and apps: steps, active minutes, check-ins)
    /// may be recorded and shared with the parties to the referral. Referrals recorded before
    /// it was asked read as not given: consent is never presumed.
    #[serde(default)]
    pub share_device_data: bool,
}

/// A need named in the "what matters to me" conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// Loneliness or social isolation.
    Loneliness,
    /// Physical activity.
    PhysicalActivity,
    /// Money, debt or benefits.
    Money,
    /// Housing.
    Housing,
    /// Mental wellbeing.
    MentalWellbeing,
    /// Work, training or volunteering.
    Employment,
    /// Support as a carer.
    Caring,
}

impl Need {
    /// Every need, in the order above.
    pub const ALL: [Need; 7] = [
        Need::Loneliness,
        Need::PhysicalActivity,
        Need::Money,
        Need::Housing,
        Need::MentalWellbeing,
        Need::Employment,
        Need::Caring,
    ];

    /// Its code on the wire (as serialized).
    pub const fn code(self) -> &'static str {
        match self {
            Need::Loneliness => "loneliness",
            Need::PhysicalActivity => "physical-activity",
            Need::Money => "money",
            Need::Housing => "housing",
            Need::MentalWellbeing => "mental-wellbeing",
            Need::Employment => "employment",
            Need::Caring => "caring",
        }
    }
}

/// How an attempt to contact the person went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactOutcome {
    /// Spoke to them.
    Reached,
    /// No answer.
    NoAnswer,
    /// Left a message.
    LeftMessage,
    /// The contact details were wrong.
    WrongDetails,
}

/// What the directory says of a service, as the referral service's read model holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceAvailability {
    /// Takes direct referrals and has capacity.
    TakingReferrals,
    /// Takes referrals but has no capacity now.
    NoCapacity,
    /// Listed for signposting only: people contact it themselves.
    SignpostingOnly,
    /// Suspended by the directory's curators.
    Suspended,
    /// Withdrawn from the directory.
    Withdrawn,
    /// Not in the directory this service knows.
    Unknown,
}

/// An open offer of responsibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Identifies the offer.
    pub offer_id: Uuid,
    /// Who it is offered to.
    pub to: Holder,
    /// When it escalates if nobody has accepted it.
    pub expires_at: DateTime<Utc>,
}

/// Everything needed to make a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestReferral {
    /// Who is referring.
    pub source: Source,
    /// The referrer (organisation and practitioner) who must hear the outcome.
    pub referrer: Holder,
    /// The organisation asked to take it on.
    pub receiving_organisation: String,
    /// Reasons for referral.
    pub reasons: Vec<ConceptId>,
    /// How urgent.
    pub urgency: Urgency,
    /// The parent referral, for an onward referral (`Task.partOf`).
    pub part_of: Option<Uuid>,
    /// When the receiving organisation must have accepted by before it escalates.
    pub accept_by: DateTime<Utc>,
    /// The offer that carries the referral to the receiving organisation.
    pub offer_id: Uuid,
    /// What the person agreed may be shared.
    pub consent: Consent,
    /// The person: their pseudonym and their NHS number sealed under their own key.
    pub person: SealedNhsNumber,
    /// Who they are, as far as outcomes and equity reporting need; each part optional.
    pub demographics: Demographics,
}

impl RequestReferral {
    /// Whether this asks for the referral `history` already records: the same referrer, person,
    /// reasons, urgency, receiving organisation, parent and consent. A client retrying a
    /// request whose answer it lost asks again for exactly that; the first request's deadline
    /// and offer stand.
    pub fn is_recorded_in(&self, history: &[Event]) -> bool {
        let Some(Event::Requested {
            source,
            referrer,
            receiving_organisation,
            reasons,
            urgency,
            part_of,
            consent,
            person,
            birth_date,
            sex,
            ethnic_category,
            postcode,
            ..
        }) = history.first()
        else {
            return false;
        };
        // Sealed details are compared by whether they were given: each sealing has a nonce of
        // its own, so the same date sealed twice never reads the same.
        let about = &self.demographics;
        *source == self.source
            && *referrer == self.referrer
            && *receiving_organisation == self.receiving_organisation
            && *reasons == self.reasons
            && *urgency == self.urgency
            && *part_of == self.part_of
            && *consent == self.consent
            && person.subject == self.person.subject
            && *sex == about.sex
            && *ethnic_category == about.ethnic_category
            && birth_date.is_some() == about.birth_date.is_some()
            && postcode.is_some() == about.postcode.is_some()
    }
}

/// The first offer a referral's history records: the one that carried it to the receiving
/// organisation.
pub fn first_offer(history: &[Event]) -> Option<Uuid> {
    history.iter().find_map(|event| match event {
        Event::ResponsibilityOffered { offer, .. } => Some(offer.offer_id),
        _ => None,
    })
}

/// What can be asked of a referral.
/// One outcome measure as the message back reports it: the instrument, where in the episode
/// it was taken, each change from the baseline in words, and whether any passed its minimal
/// important difference for the better.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasuredOutcome {
    /// e.g. "swemwbs".
    pub instrument: String,
    /// Its version.
    pub instrument_version: String,
    /// "follow-up" or "close".
    pub timepoint: String,
    /// e.g. "metric +3.93 (MID 2.87): improved".
    pub changes: Vec<String>,
    /// Whether any change passed its MID for the better.
    pub mid_passed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Create the referral, offering it to the receiving organisation.
    Request(RequestReferral),
    /// Move the status (not to completed: see `Complete`).
    ChangeStatus {
        /// The target status.
        to: Status,
        /// Why (required for rejected, on-hold, cancelled, failed, entered-in-error).
        reason: Option<String>,
    },
    /// Finish the referral with an outcome, producing the message back to the referrer.
    Complete {
        /// What happened, for the referrer.
        outcome_summary: String,
        /// The person's outcome measures, paired with their baselines, as the outcomes service
        /// published them; they reach the referrer only with the person's consent.
        outcomes: Vec<MeasuredOutcome>,
    },
    /// Make a practitioner of the accountable organisation accountable.
    AssignPractitioner {
        /// The practitioner.
        practitioner: String,
    },
    /// Offer responsibility to another organisation or practitioner.
    OfferResponsibility {
        /// The offer.
        offer: Offer,
    },
    /// Accept the open offer.
    AcceptOffer {
        /// The offer accepted.
        offer_id: Uuid,
    },
    /// Decline the open offer.
    DeclineOffer {
        /// The offer declined.
        offer_id: Uuid,
        /// Why.
        reason: String,
    },
    /// Record an attempt to contact the person.
    RecordContactAttempt {
        /// How it went.
        outcome: ContactOutcome,
    },
    /// Record the "what matters to me" assessment.
    RecordAssessment {
        /// Needs identified.
        needs: Vec<Need>,
        /// Goals agreed with the person, in their words.
        goals: Vec<String>,
    },
    /// Refer the person on to a directory service (a child referral, `Task.partOf` this one).
    ReferOnward {
        /// The child referral's id.
        child_id: Uuid,
        /// The directory service.
        service_id: String,
        /// The organisation providing it.
        provider_organisation: String,
        /// What the directory says of the service now.
        availability: ServiceAvailability,
    },
    /// The person declined social prescribing (SNOMED CT 871711000000103).
    RecordDeclined {
        /// In the person's words, if they gave one.
        reason: String,
    },
    /// The person withdrew their consent to share.
    WithdrawConsent,
    /// Escalate an offer nobody accepted in time (issued by the scheduler, from the log).
    EscalateExpiredOffer {
        /// The offer.
        offer_id: Uuid,
    },
}

/// A command with who issued it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// Who.
    pub actor: Actor,
    /// When (the application's clock, so `decide` stays pure).
    pub at: DateTime<Utc>,
    /// What.
    pub command: Command,
}

/// What happened to a referral. Stored event types are the snake_case variant names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The referral was made. Referrals recorded before demographics were taken have none of
    /// them: each defaults to unknown.
    Requested {
        source: Source,
        referrer: Holder,
        receiving_organisation: String,
        reasons: Vec<ConceptId>,
        urgency: Urgency,
        part_of: Option<Uuid>,
        consent: Consent,
        person: SealedNhsNumber,
        /// The date of birth, sealed under the person's key; never published.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        birth_date: Option<Sealed>,
        /// FHIR administrative gender.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sex: Option<Sex>,
        /// NHS Data Dictionary ethnic category.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ethnic_category: Option<EthnicCategory>,
        /// The home postcode, sealed under the person's key; never published.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postcode: Option<Sealed>,
        /// The age band on the day the referral was made, derived from the date of birth.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        age_band: Option<AgeBand>,
        /// The deprivation decile of the postcode, when the directory could say.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        imd_decile: Option<ImdDecile>,
        at: DateTime<Utc>,
    },
    /// Someone tried to contact the person.
    ContactAttempted {
        outcome: ContactOutcome,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The "what matters to me" assessment.
    AssessmentRecorded {
        needs: Vec<Need>,
        goals: Vec<String>,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// A child referral to a directory service was made.
    OnwardReferralMade {
        child_id: Uuid,
        service_id: String,
        provider_organisation: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The person withdrew consent to share.
    ConsentWithdrawn { actor: Actor, at: DateTime<Utc> },
    /// The status moved.
    StatusChanged {
        from: Status,
        to: Status,
        actor: Actor,
        reason: Option<String>,
        at: DateTime<Utc>,
    },
    /// Responsibility was offered.
    ResponsibilityOffered {
        offer: Offer,
        by: Actor,
        at: DateTime<Utc>,
    },
    /// Responsibility moved.
    ResponsibilityHandedOff {
        offer_id: Option<Uuid>,
        from: Holder,
        to: Holder,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// The offer was declined; responsibility stays.
    OfferDeclined {
        offer_id: Uuid,
        actor: Actor,
        reason: String,
        at: DateTime<Utc>,
    },
    /// Nobody accepted in time; responsibility stays and the holder must act.
    OfferEscalated {
        offer_id: Uuid,
        holder: Holder,
        at: DateTime<Utc>,
    },
    /// The outcome message back to the referrer (PRSB "message back").
    MessageBackProduced {
        to: Holder,
        status: Status,
        code: Option<String>,
        summary: Option<String>,
        /// The person's outcome measures; none without their consent to share outcomes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        outcomes: Vec<MeasuredOutcome>,
        at: DateTime<Utc>,
    },
}

impl Event {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Requested { at, .. }
            | Self::ContactAttempted { at, .. }
            | Self::AssessmentRecorded { at, .. }
            | Self::OnwardReferralMade { at, .. }
            | Self::ConsentWithdrawn { at, .. }
            | Self::StatusChanged { at, .. }
            | Self::ResponsibilityOffered { at, .. }
            | Self::ResponsibilityHandedOff { at, .. }
            | Self::OfferDeclined { at, .. }
            | Self::OfferEscalated { at, .. }
            | Self::MessageBackProduced { at, .. } => *at,
        }
    }

    /// The stable stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Requested { .. } => "referral_requested",
            Self::StatusChanged { .. } => "referral_status_changed",
            Self::ResponsibilityOffered { .. } => "responsibility_offered",
            Self::ResponsibilityHandedOff { .. } => "responsibility_handed_off",
            Self::OfferDeclined { .. } => "responsibility_offer_declined",
            Self::OfferEscalated { .. } => "responsibility_offer_escalated",
            Self::MessageBackProduced { .. } => "message_back_produced",
            Self::ContactAttempted { .. } => "contact_attempted",
            Self::AssessmentRecorded { .. } => "assessment_recorded",
            Self::OnwardReferralMade { .. } => "onward_referral_made",
            Self::ConsentWithdrawn { .. } => "consent_withdrawn",
        }
    }
}

/// Rules a command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The referral already exists.
    #[error("the referral already exists")]
    AlreadyExists,
    /// There is no such referral (or none the caller is a party to).
    #[error("no such referral")]
    NotFound,
    /// The parent named does not exist, or the caller is no party to it.
    #[error("part_of: no such referral")]
    NoSuchParent,
    /// A practitioner's referral names the practitioner; a self-referral names none.
    #[error(
        "referrer.practitioner must be given for a practitioner's referral and empty for a self-referral"
    )]
    ReferrerMismatch,
    /// A referral needs at least one reason.
    #[error("reasons must name at least one SNOMED CT concept")]
    NoReasons,
    /// The actor's organisation is neither party.
    #[error("{organisation} is not a party to this referral")]
    NotAParty { organisation: String },
    /// The status table forbids this move for this party.
    #[error("{party:?} may not move a referral from {from} to {to}")]
    TransitionNotAllowed {
        from: Status,
        to: Status,
        party: Party,
    },
    /// The status needs a reason.
    #[error("a reason is required to move a referral to {0}")]
    ReasonRequired(Status),
    /// Only the accountable organisation may do this.
    #[error("only the accountable organisation may {0}")]
    NotAccountable(&'static str),
    /// Another offer is open.
    #[error("an offer of responsibility is already open")]
    OfferAlreadyOpen,
    /// The offer named is not the open one.
    #[error("no open offer {0}")]
    NoSuchOffer(Uuid),
    /// The offer is for someone else.
    #[error("the offer is for {0}, not for you")]
    OfferNotForYou(String),
    /// The offer expired before it was accepted.
    #[error("the offer expired at {0}")]
    OfferExpired(DateTime<Utc>),
    /// The offer has not expired yet.
    #[error("the offer does not expire until {0}")]
    OfferNotExpired(DateTime<Utc>),
    /// The referral is closed.
    #[error("the referral is {0}")]
    Closed(Status),
    /// Only while accepted or in progress.
    #[error("the referral must be accepted or in progress, not {0}")]
    NotActive(Status),
    /// The person has not consented to their details going to providers.
    #[error("the person has not consented to sharing with providers")]
    NoConsentToShare,
    /// The directory says the service cannot take the referral.
    #[error("the service cannot take referrals: {0:?}")]
    ServiceUnavailable(ServiceAvailability),
    /// An assessment needs at least one need or goal.
    #[error("an assessment must record at least one need or goal")]
    EmptyAssessment,
    /// An expiry in the past, or offering to the current holder.
    #[error("invalid offer: {0}")]
    InvalidOffer(&'static str),
    /// The person was born after the day the referral is made.
    #[error("birth_date must not be after the day of the referral")]
    BornAfterReferral,
}

/// The state folded from a referral's events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Referral {
    /// `None` until requested.
    pub opened: Option<Opened>,
}

/// A referral that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The referrer.
    pub referrer: Holder,
    /// The organisation that owns the task (the performer).
    pub owner: String,
    /// Current status.
    pub status: Status,
    /// Who is accountable now.
    pub holder: Holder,
    /// The open offer, if any.
    pub offer: Option<Offer>,
    /// What may be shared.
    pub consent: Consent,
}

impl Opened {
    /// Whether `organisation` is a party to the referral: the one that referred, the one that
    /// owns the task, the one holding the person now, or the one an open offer is for. No one
    /// else may act on it, read it, or learn that it exists.
    pub fn has_party(&self, organisation: &str) -> bool {
        self.referrer.organisation == organisation
            || self.owner == organisation
            || self.holder.organisation == organisation
            || self
                .offer
                .as_ref()
                .is_some_and(|offer| offer.to.organisation == organisation)
    }

    fn party_of(&self, actor: &Actor) -> Result<Party, Error> {
        if actor.organisation == self.owner {
            Ok(Party::Performer)
        } else if actor.organisation == self.referrer.organisation {
            Ok(Party::Requester)
        } else {
            Err(Error::NotAParty {
                organisation: actor.organisation.clone(),
            })
        }
    }
}

impl Decider for Referral {
    type State = Referral;
    type Command = Issued;
    type Event = Event;
    type Error = Error;

    fn decide(state: &Referral, issued: Issued) -> Result<Vec<Event>, Error> {
        let Issued { actor, at, command } = issued;
        let Some(opened) = &state.opened else {
            return match command {
                Command::Request(request) => open(actor, at, request),
                _ => Err(Error::NotFound),
            };
        };
        // To anyone who is no party to it, the referral is not there: the same answer as for
        // an id that was never used, so ids reveal nothing. The scheduler escalates offers on
        // everyone's behalf.
        let scheduled = matches!(command, Command::EscalateExpiredOffer { .. });
        let creating = matches!(command, Command::Request(_));
        if !scheduled && !creating && !opened.has_party(&actor.organisation) {
            return Err(Error::NotFound);
        }
        match command {
            Command::Request(_) => Err(Error::AlreadyExists),
            Command::ChangeStatus { to, reason } => change_status(opened, actor, at, to, reason),
            Command::Complete {
                outcome_summary,
                outcomes,
            } => complete(opened, actor, at, outcome_summary, outcomes),
            Command::AssignPractitioner { practitioner } => assign(opened, actor, at, practitioner),
            Command::OfferResponsibility { offer } => {
                offer_responsibility(opened, actor, at, offer)
            }
            Command::AcceptOffer { offer_id } => accept_offer(opened, actor, at, offer_id),
            Command::DeclineOffer { offer_id, reason } => {
                let offer = open_offer(opened, offer_id)?;
                offered_to(offer, &actor)?;
                Ok(vec![Event::OfferDeclined {
                    offer_id,
                    actor,
                    reason,
                    at,
                }])
            }
            Command::RecordContactAttempt { outcome } => {
                ensure_active_holder(opened, &actor)?;
                Ok(vec![Event::ContactAttempted { outcome, actor, at }])
            }
            Command::RecordAssessment { needs, goals } => {
                ensure_active_holder(opened, &actor)?;
                if needs.is_empty() && goals.iter().all(|goal| goal.trim().is_empty()) {
                    return Err(Error::EmptyAssessment);
                }
                Ok(vec![Event::AssessmentRecorded {
                    needs,
                    goals,
                    actor,
                    at,
                }])
            }
            Command::ReferOnward {
                child_id,
                service_id,
                provider_organisation,
                availability,
            } => {
                ensure_active_holder(opened, &actor)?;
                if !opened.consent.share_with_providers {
                    return Err(Error::NoConsentToShare);
                }
                if availability != ServiceAvailability::TakingReferrals {
                    return Err(Error::ServiceUnavailable(availability));
                }
                Ok(vec![Event::OnwardReferralMade {
                    child_id,
                    service_id,
                    provider_organisation,
                    actor,
                    at,
                }])
            }
            Command::RecordDeclined { reason } => declined(opened, actor, at, reason),
            Command::WithdrawConsent => {
                ensure_open(opened)?;
                opened.party_of(&actor)?;
                Ok(vec![Event::ConsentWithdrawn { actor, at }])
            }
            Command::EscalateExpiredOffer { offer_id } => {
                let offer = open_offer(opened, offer_id)?;
                if at < offer.expires_at {
                    return Err(Error::OfferNotExpired(offer.expires_at));
                }
                let holder = opened.holder.clone();
                Ok(vec![Event::OfferEscalated {
                    offer_id,
                    holder,
                    at,
                }])
            }
        }
    }

    fn evolve(mut state: Referral, event: &Event) -> Referral {
        match (&mut state.opened, event) {
            (
                None,
                Event::Requested {
                    referrer,
                    receiving_organisation,
                    consent,
                    ..
                },
            ) => {
                state.opened = Some(Opened {
                    referrer: referrer.clone(),
                    owner: receiving_organisation.clone(),
                    status: Status::Requested,
                    holder: referrer.clone(),
                    offer: None,
                    consent: *consent,
                });
            }
            (Some(opened), Event::ConsentWithdrawn { .. }) => {
                opened.consent = Consent {
                    share_with_providers: false,
                    share_outcome_with_referrer: false,
                    share_device_data: false,
                };
            }
            (Some(opened), Event::StatusChanged { to, .. }) => opened.status = *to,
            (Some(opened), Event::ResponsibilityOffered { offer, .. }) => {
                opened.offer = Some(offer.clone())
            }
            (Some(opened), Event::ResponsibilityHandedOff { to, offer_id, .. }) => {
                opened.holder = to.clone();
                opened.owner = to.organisation.clone();
                if offer_id.is_some() {
                    opened.offer = None;
                }
            }
            (Some(opened), Event::OfferDeclined { .. } | Event::OfferEscalated { .. }) => {
                opened.offer = None
            }
            _ => {}
        }
        state
    }
}

fn open(actor: Actor, at: DateTime<Utc>, request: RequestReferral) -> Result<Vec<Event>, Error> {
    let RequestReferral {
        source,
        referrer,
        receiving_organisation,
        reasons,
        urgency,
        part_of,
        accept_by,
        offer_id,
        consent,
        person,
        demographics,
    } = request;
    let names_practitioner = referrer.practitioner.is_some();
    if names_practitioner != (source == Source::Practitioner) {
        return Err(Error::ReferrerMismatch);
    }
    if reasons.is_empty() {
        return Err(Error::NoReasons);
    }
    if accept_by <= at {
        return Err(Error::InvalidOffer("accept_by must be in the future"));
    }
    let age_band = age_band(demographics.birth_date.as_ref().map(|birth| birth.age), at)?;
    let Demographics {
        birth_date,
        sex,
        ethnic_category,
        postcode,
        imd_decile,
    } = demographics;
    let offer = Offer {
        offer_id,
        to: Holder {
            organisation: receiving_organisation.clone(),
            practitioner: None,
        },
        expires_at: accept_by,
    };
    Ok(vec![
        Event::Requested {
            source,
            referrer,
            receiving_organisation,
            reasons,
            urgency,
            part_of,
            consent,
            person,
            birth_date: birth_date.map(|birth| birth.sealed),
            sex,
            ethnic_category,
            postcode,
            age_band,
            imd_decile,
            at,
        },
        Event::ResponsibilityOffered {
            offer,
            by: actor,
            at,
        },
    ])
}

/// The age band on the referral's own day, from the command's time rather than a clock, so a
/// decision replayed later bands the person as it did then.
fn age_band(age: Option<Age>, at: DateTime<Utc>) -> Result<Option<AgeBand>, Error> {
    let today = at.date_naive();
    match age {
        None => Ok(None),
        Some(Age::Banded(band)) => Ok(Some(band)),
        Some(Age::BornOn(born)) if born > today => Err(Error::BornAfterReferral),
        Some(Age::BornOn(born)) => Ok(Some(AgeBand::on(born, today))),
    }
}

fn change_status(
    opened: &Opened,
    actor: Actor,
    at: DateTime<Utc>,
    to: Status,
    reason: Option<String>,
) -> Result<Vec<Event>, Error> {
    if to == Status::Completed {
        let party = opened.party_of(&actor)?;
        let from = opened.status;
        return Err(Error::TransitionNotAllowed { from, to, party });
    }
    let from = authorise(opened, &actor, to)?;
    let reason = reason.filter(|r| !r.trim().is_empty());
    if Status::needs_reason(to) && reason.is_none() {
        return Err(Error::ReasonRequired(to));
    }
    let mut events = vec![Event::StatusChanged {
        from,
        to,
        actor: actor.clone(),
        reason: reason.clone(),
        at,
    }];
    match to {
        // Accepting the referral accepts the offer that carried it: responsibility moves.
        Status::Accepted => {
            let taken = Holder {
                organisation: opened.owner.clone(),
                practitioner: None,
            };
            let offer_id = opened.offer.as_ref().map(|offer| offer.offer_id);
            events.push(Event::ResponsibilityHandedOff {
                offer_id,
                from: opened.holder.clone(),
                to: taken,
                actor,
                at,
            });
        }
        Status::Rejected => {
            if let Some(offer) = &opened.offer {
                let reason = reason.clone().unwrap_or_default();
                events.push(Event::OfferDeclined {
                    offer_id: offer.offer_id,
                    actor,
                    reason,
                    at,
                });
            }
            events.push(message_back(
                opened,
                to,
                None,
                reason.unwrap_or_default(),
                Vec::new(),
                at,
            ));
        }
        Status::Cancelled | Status::Failed => {
            events.push(message_back(
                opened,
                to,
                None,
                reason.unwrap_or_default(),
                Vec::new(),
                at,
            ));
        }
        _ => {}
    }
    Ok(events)
}

/// Checks the status table lets `actor`'s party move the referral to `to`; returns the
/// status it moves from.
fn authorise(opened: &Opened, actor: &Actor, to: Status) -> Result<Status, Error> {
    let party = opened.party_of(actor)?;
    let from = opened.status;
    if !from.allows(to, party) {
        return Err(Error::TransitionNotAllowed { from, to, party });
    }
    Ok(from)
}

fn complete(
    opened: &Opened,
    actor: Actor,
    at: DateTime<Utc>,
    summary: String,
    outcomes: Vec<MeasuredOutcome>,
) -> Result<Vec<Event>, Error> {
    let from = authorise(opened, &actor, Status::Completed)?;
    Ok(vec![
        Event::StatusChanged {
            from,
            to: Status::Completed,
            actor,
            reason: None,
            at,
        },
        message_back(opened, Status::Completed, None, summary, outcomes, at),
    ])
}

/// The PRSB message back. Without consent to share the outcome (never given, or withdrawn),
/// only the status and any code reach the referrer: neither the summary nor the measures.
fn message_back(
    opened: &Opened,
    status: Status,
    code: Option<String>,
    summary: String,
    outcomes: Vec<MeasuredOutcome>,
    at: DateTime<Utc>,
) -> Event {
    let shared = opened.consent.share_outcome_with_referrer;
    Event::MessageBackProduced {
        to: opened.referrer.clone(),
        status,
        code,
        summary: shared.then_some(summary),
        outcomes: match shared {
            true => outcomes,
            false => Vec::new(),
        },
        at,
    }
}

fn ensure_active_holder(opened: &Opened, actor: &Actor) -> Result<(), Error> {
    if !matches!(opened.status, Status::Accepted | Status::InProgress) {
        return Err(Error::NotActive(opened.status));
    }
    if actor.organisation != opened.holder.organisation {
        return Err(Error::NotAccountable("work on this referral"));
    }
    Ok(())
}

fn declined(
    opened: &Opened,
    actor: Actor,
    at: DateTime<Utc>,
    reason: String,
) -> Result<Vec<Event>, Error> {
    let from = authorise(opened, &actor, Status::Cancelled)?;
    let reason = match reason.trim() {
        "" => "declined social prescribing".to_owned(),
        _ => reason,
    };
    let code = Some(SOCIAL_PRESCRIBING_DECLINED.to_owned());
    Ok(vec![
        Event::StatusChanged {
            from,
            to: Status::Cancelled,
            actor,
            reason: Some(reason.clone()),
            at,
        },
        message_back(opened, Status::Cancelled, code, reason, Vec::new(), at),
    ])
}

fn ensure_open(opened: &Opened) -> Result<(), Error> {
    if opened.status.is_terminal() {
        return Err(Error::Closed(opened.status));
    }
    Ok(())
}

fn assign(
    opened: &Opened,
    actor: Actor,
    at: DateTime<Utc>,
    practitioner: String,
) -> Result<Vec<Event>, Error> {
    ensure_open(opened)?;
    if actor.organisation != opened.holder.organisation || opened.status == Status::Requested {
        return Err(Error::NotAccountable("assign a practitioner"));
    }
    let to = Holder {
        organisation: opened.holder.organisation.clone(),
        practitioner: Some(practitioner),
    };
    if to == opened.holder {
        return Ok(vec![]);
    }
    Ok(vec![Event::ResponsibilityHandedOff {
        offer_id: None,
        from: opened.holder.clone(),
        to,
        actor,
        at,
    }])
}

fn offer_responsibility(
    opened: &Opened,
    actor: Actor,
    at: DateTime<Utc>,
    offer: Offer,
) -> Result<Vec<Event>, Error> {
    ensure_open(opened)?;
    if actor.organisation != opened.holder.organisation {
        return Err(Error::NotAccountable("offer responsibility"));
    }
    if opened.offer.is_some() {
        return Err(Error::OfferAlreadyOpen);
    }
    if offer.expires_at <= at {
        return Err(Error::InvalidOffer("expires_at must be in the future"));
    }
    if offer.to == opened.holder {
        return Err(Error::InvalidOffer("it is already theirs"));
    }
    Ok(vec![Event::ResponsibilityOffered {
        offer,
        by: actor,
        at,
    }])
}

fn open_offer(opened: &Opened, offer_id: Uuid) -> Result<&Offer, Error> {
    opened
        .offer
        .as_ref()
        .filter(|offer| offer.offer_id == offer_id)
        .ok_or(Error::NoSuchOffer(offer_id))
}

fn offered_to(offer: &Offer, actor: &Actor) -> Result<(), Error> {
    let practitioner_matches = offer
        .to
        .practitioner
        .as_ref()
        .is_none_or(|p| *p == actor.id);
    if actor.organisation != offer.to.organisation || !practitioner_matches {
        let to = offer
            .to
            .practitioner
            .clone()
            .unwrap_or_else(|| offer.to.organisation.clone());
        return Err(Error::OfferNotForYou(to));
    }
    Ok(())
}

fn accept_offer(
    opened: &Opened,
    actor: Actor,
    at: DateTime<Utc>,
    offer_id: Uuid,
) -> Result<Vec<Event>, Error> {
    ensure_open(opened)?;
    let offer = open_offer(opened, offer_id)?;
    offered_to(offer, &actor)?;
    if at >= offer.expires_at {
        return Err(Error::OfferExpired(offer.expires_at));
    }
    // The initial offer is accepted by accepting the referral (a status change).
    if opened.status == Status::Requested || opened.status == Status::Received {
        return change_status(opened, actor, at, Status::Accepted, None);
    }
    Ok(vec![Event::ResponsibilityHandedOff {
        offer_id: Some(offer_id),
        from: opened.holder.clone(),
        to: offer.to.clone(),
        actor,
        at,
    }])
}
