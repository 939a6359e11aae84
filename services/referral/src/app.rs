//! The application layer: load a referral's stream, fold it, decide, append with the version
//! that was loaded. No rules live here; it only feeds the decider and records its answer.

use chrono::Utc;
use decider::Decider;
use eventstore::aggregate::{self, CommandError, StoredEvent};
use eventstore::{AppendToStream, EventMetadata, EventStore, ExpectedVersion, NewEvent};
use uuid::Uuid;

use crate::consumers::directory;
use crate::domain::person::{Age, BirthDate, Demographics};
use crate::domain::referral::{
    Actor, Command, Error, Event, Holder, Issued, Referral, RequestReferral, Source,
};

/// Schema version of every referral event type (no upcasters yet).
pub const SCHEMA_VERSION: u32 = 1;

/// Why a command did not take effect: the referral's rules refused it, or the log did.
pub type AppError = CommandError<Error>;

impl StoredEvent for Event {
    fn event_type(&self) -> &'static str {
        Event::event_type(self)
    }
}

/// Who asked, for the event metadata.
#[derive(Debug, Clone)]
pub struct Context {
    /// Shared by everything one request causes.
    pub correlation_id: Uuid,
    /// The role the actor acted in.
    pub role: String,
    /// Pseudonymous subject of the referral.
    pub data_subject: Option<String>,
    /// The ICS.
    pub tenant: String,
}

/// The domain's actor for an identified caller.
pub fn actor(caller: &identity::Caller) -> Actor {
    Actor {
        id: caller.user.clone(),
        organisation: caller.organisation.clone(),
    }
}

/// The stream of one referral.
pub fn stream_id(referral_id: Uuid) -> String {
    format!("referral-{}", referral_id.simple())
}

/// A referral [`ReferralApp::create`] made, or found made by the same request before.
#[derive(Debug, Clone)]
pub struct Made {
    /// Its history.
    pub history: Vec<Event>,
    /// Whether this request made it (false: an earlier one did).
    pub now: bool,
}

/// Runs referral commands against the log.
#[derive(Debug, Clone)]
pub struct ReferralApp {
    store: EventStore,
}

impl ReferralApp {
    /// The app over the referral service's log.
    pub fn new(store: EventStore) -> Self {
        Self { store }
    }

    /// The log it runs against.
    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// Loads a referral's history.
    pub async fn history(&self, referral_id: Uuid) -> Result<Vec<Event>, AppError> {
        aggregate::load::<Event, Error>(&self.store, &stream_id(referral_id)).await
    }

    /// Makes the referral `request` asks for, as `actor`. A retry — the
    /// same id, asked for in the same words by the same referrer — answers with the referral the
    /// first request made instead of a conflict, so a client whose answer was lost can simply
    /// ask again; the same id with anything else is still ALREADY_EXISTS.
    pub async fn create(
        &self,
        referral_id: Uuid,
        actor: Actor,
        request: RequestReferral,
        context: &Context,
    ) -> Result<Made, AppError> {
        let issued = Issued {
            actor,
            at: Utc::now(),
            command: Command::Request(request.clone()),
        };
        let now = match self.handle(referral_id, issued, context).await {
            Ok(_) => true,
            Err(AppError::Rejected(Error::AlreadyExists)) => false,
            Err(error) => return Err(error),
        };
        let history = self.history(referral_id).await?;
        if !now && !request.is_recorded_in(&history) {
            return Err(AppError::Rejected(Error::AlreadyExists));
        }
        Ok(Made { history, now })
    }

    /// Decides `issued` against the referral's current state and appends what it causes,
    /// expecting the version it loaded: a concurrent change makes this a conflict, never a
    /// lost update.
    #[tracing::instrument(skip_all, fields(referral_id = %referral_id), err(level = "info"))]
    pub async fn handle(
        &self,
        referral_id: Uuid,
        issued: Issued,
        context: &Context,
    ) -> Result<Vec<Event>, AppError> {
        if let Command::Request(RequestReferral {
            part_of: Some(parent),
            ..
        }) = &issued.command
        {
            self.ensure_party_to(*parent, &issued.actor).await?;
        }
        // Every event about the person names them by their pseudonym (the envelope's
        // `data_subject`), whoever's command caused it.
        let context = match &context.data_subject {
            Some(_) => context.clone(),
            None => Context {
                data_subject: subject_of(&self.history(referral_id).await?),
                ..context.clone()
            },
        };
        let metadata = metadata(&issued.actor, &context);
        let handled = aggregate::execute::<Referral>(
            &self.store,
            &stream_id(referral_id),
            issued,
            SCHEMA_VERSION,
            &metadata,
        )
        .await?;
        Ok(handled.events)
    }
}

impl ReferralApp {
    /// A referral made `part_of` another must be made by a party to that one: anyone else
    /// learns only that there is no such parent.
    async fn ensure_party_to(&self, parent: Uuid, actor: &Actor) -> Result<(), AppError> {
        let history = self.history(parent).await?;
        let party = Referral::fold(&history)
            .opened
            .is_some_and(|opened| opened.has_party(&actor.organisation));
        match party {
            true => Ok(()),
            false => Err(AppError::Rejected(Error::NoSuchParent)),
        }
    }

    /// Refers the person on to a directory service: records it on the parent referral and
    /// makes the child referral (`part_of` the parent) in one atomic append. The directory
    /// view decides availability; a withdrawn, suspended or full service is refused here,
    /// before anything is sent.
    #[tracing::instrument(skip_all, fields(parent = %parent_id, child = %child_id), err(level = "info"))]
    pub async fn refer_onward(
        &self,
        parent_id: Uuid,
        child_id: Uuid,
        service_id: &str,
        issued_by: Actor,
        accept_by: chrono::DateTime<Utc>,
        context: &Context,
    ) -> Result<Vec<Event>, AppError> {
        let (availability, provider) = directory::availability(&self.store, service_id).await?;
        let history = self.history(parent_id).await?;
        let parent = Referral::fold(&history);
        let at = Utc::now();
        let refer = Command::ReferOnward {
            child_id,
            service_id: service_id.to_owned(),
            provider_organisation: provider.clone().unwrap_or_default(),
            availability,
        };
        let parent_events = Referral::decide(
            &parent,
            Issued {
                actor: issued_by.clone(),
                at,
                command: refer,
            },
        )
        .map_err(AppError::Rejected)?;
        let Some(opened) = parent.opened else {
            return Err(AppError::Rejected(Error::NotFound));
        };
        let Some(Event::Requested {
            reasons,
            urgency,
            person,
            birth_date,
            sex,
            ethnic_category,
            postcode,
            age_band,
            imd_decile,
            ..
        }) = history.first().cloned()
        else {
            return Err(AppError::Rejected(Error::NotFound));
        };
        let subject = person.subject.clone();
        // The same person: the child carries what the parent recorded of them, the age band
        // as the parent banded them (its maker sees only the sealed date).
        let demographics = Demographics {
            birth_date: birth_date.zip(age_band).map(|(sealed, band)| BirthDate {
                sealed,
                age: Age::Banded(band),
            }),
            sex,
            ethnic_category,
            postcode,
            imd_decile,
        };
        let child = RequestReferral {
            source: Source::Practitioner,
            referrer: Holder {
                organisation: opened.holder.organisation,
                practitioner: Some(issued_by.id.clone()),
            },
            receiving_organisation: provider.unwrap_or_default(),
            reasons,
            urgency,
            part_of: Some(parent_id),
            accept_by,
            offer_id: Uuid::new_v4(),
            consent: opened.consent,
            person,
            demographics,
        };
        let child_events = Referral::decide(
            &Referral::default(),
            Issued {
                actor: issued_by.clone(),
                at,
                command: Command::Request(child),
            },
        )
        .map_err(AppError::Rejected)?;
        // Both referrals' events are about the same person.
        let context = &Context {
            data_subject: Some(subject),
            ..context.clone()
        };
        let requests = [
            AppendToStream {
                stream_id: stream_id(parent_id),
                expected: ExpectedVersion::Exact(history.len() as u64),
                events: encode(&parent_events, &issued_by, context)?,
            },
            AppendToStream {
                stream_id: stream_id(child_id),
                expected: ExpectedVersion::NoStream,
                events: encode(&child_events, &issued_by, context)?,
            },
        ];
        self.store.append_many(&requests).await?;
        Ok(parent_events.into_iter().chain(child_events).collect())
    }
}

/// The pseudonym of the person a referral's history is about.
fn subject_of(history: &[Event]) -> Option<String> {
    history.iter().find_map(|event| match event {
        Event::Requested { person, .. } => Some(person.subject.clone()),
        _ => None,
    })
}

/// The metadata of every event one request causes.
fn metadata(actor: &Actor, context: &Context) -> EventMetadata {
    EventMetadata {
        correlation_id: context.correlation_id,
        causation_id: None,
        traceparent: telemetry::current_traceparent(),
        actor: eventstore::Actor {
            id: actor.id.clone(),
            organisation: actor.organisation.clone(),
            role: context.role.clone(),
        },
        data_subject: context.data_subject.clone(),
        tenant: context.tenant.clone(),
    }
}

/// Turns decided events into events for the log, with the request's metadata.
fn encode(events: &[Event], actor: &Actor, context: &Context) -> Result<Vec<NewEvent>, AppError> {
    aggregate::encode::<Event, Error>(
        events,
        SCHEMA_VERSION,
        Utc::now(),
        &metadata(actor, context),
    )
}
