//! The application layer: who provides the service (the directory), whose referral a place is
//! and whether the provider took it on (the referral view), then the session's stream folded,
//! decided and appended with the version loaded. The clock is read here, once per request.
//! A referral's lapses are read from its own stream, to its parties. Device evidence and the
//! timeline are [`evidence`]'s.

mod evidence;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use eventstore::aggregate::{self, CommandError, StoredEvent};
use eventstore::{EventMetadata, EventStore};
use referral_view::Referral;
use servicekit::OnBehalfOf;
use uuid::Uuid;

use crate::config::EngagementSettings;
use crate::directory::Directory;
use crate::domain::events::{self, Lapse};
use crate::domain::session::{Command, Error, Event, Person, Scheduled, Session, Source, Status};
use crate::token::{self, Claims, Signer};

pub use evidence::{
    Adherence, BASELINE_DAYS_BEFORE_REFERRAL, NewSummary, Rejected, Timeline, Unfit,
};

/// Schema version of every engagement event type (no upcasters yet).
pub const SCHEMA_VERSION: u32 = 1;

impl StoredEvent for Event {
    fn event_type(&self) -> &'static str {
        Event::event_type(self)
    }
}

impl StoredEvent for crate::domain::evidence::Event {
    fn event_type(&self) -> &'static str {
        crate::domain::evidence::Event::event_type(self)
    }
}

impl StoredEvent for events::Event {
    fn event_type(&self) -> &'static str {
        events::Event::event_type(self)
    }
}

/// The engagement service itself, as the actor of what it records on its own account:
/// statuses noted, clock ticks, lapses.
pub fn service_actor(tenant: &str) -> eventstore::Actor {
    eventstore::Actor {
        id: "linkwork-engagement".to_owned(),
        organisation: tenant.to_owned(),
        role: "system".to_owned(),
    }
}

/// Why a request did not take effect, beyond the log's own failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The session's rules.
    #[error(transparent)]
    Session(#[from] Error),
    /// No such directory service, or not the caller's organisation's: the same answer for
    /// both.
    #[error("service_id: no such service of yours")]
    NoSuchService,
    /// No such referral, or not one the caller's organisation took on.
    #[error("referral_id: no such referral taken on by you")]
    NoSuchReferral,
    /// The token is not good.
    #[error(transparent)]
    Token(#[from] token::Refused),
    /// The directory could not say who provides the service.
    #[error("the directory could not be asked who provides the service; try again")]
    DirectoryUnavailable,
    /// A token for anyone needs the person's referral named.
    #[error("referral_id is required with a token for the whole session")]
    NeedsReferral,
    /// No such referral, or not one the caller's organisation is a party to: the same answer
    /// for both.
    #[error("referral_id: no such referral of yours")]
    NotAParty,
    /// A summary of a batch of device evidence: nothing of the batch was recorded.
    #[error(transparent)]
    Evidence(#[from] Rejected),
}

/// A failure of a request: refused, or the log failed.
pub type AppError = CommandError<Refused>;

/// Who asked, for the events' metadata.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The caller.
    pub caller: &'a identity::Caller,
    /// Who the calls to peers are made for.
    pub on_behalf_of: OnBehalfOf<'a>,
}

impl<'a> Context<'a> {
    /// The caller of an HTTP request (a FHIR interaction), whose request's correlation id is
    /// `correlation_id`; nothing it does calls a peer.
    pub fn of_http(caller: &'a identity::Caller, correlation_id: Uuid) -> Self {
        Self {
            caller,
            on_behalf_of: OnBehalfOf {
                authorization: None,
                correlation_id,
            },
        }
    }
}

/// The stream of one session.
pub fn stream_id(session_id: Uuid) -> String {
    format!("session-{}", session_id.simple())
}

/// A session as the log has it, to its provider.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its id.
    pub session_id: Uuid,
    /// What, who and when.
    pub scheduled: Scheduled,
    /// Each person's place, by referral: status, source and when recorded.
    pub register: BTreeMap<Uuid, (Status, Source, DateTime<Utc>)>,
}

/// Runs engagement commands against its log.
#[derive(Debug, Clone)]
pub struct EngagementApp {
    store: EventStore,
    directory: Directory,
    signer: Signer,
    settings: EngagementSettings,
}

fn refused(error: CommandError<Error>) -> AppError {
    match error {
        CommandError::Rejected(error) => CommandError::Rejected(Refused::Session(error)),
        CommandError::Store(error) => CommandError::Store(error),
        CommandError::Encode(error) => CommandError::Encode(error),
        CommandError::Corrupt { event_id, source } => CommandError::Corrupt { event_id, source },
    }
}

impl EngagementApp {
    /// The app over the engagement log, asking `directory` who provides a service.
    pub fn new(store: EventStore, directory: Directory, settings: EngagementSettings) -> Self {
        Self {
            signer: Signer::new(settings.check_in_key),
            store,
            directory,
            settings,
        }
    }

    fn metadata(&self, context: &Context<'_>, subject: Option<&str>) -> EventMetadata {
        EventMetadata {
            correlation_id: context.on_behalf_of.correlation_id,
            causation_id: None,
            traceparent: telemetry::current_traceparent(),
            actor: eventstore::Actor {
                id: context.caller.user.clone(),
                organisation: context.caller.organisation.clone(),
                role: context.caller.role.clone(),
            },
            data_subject: subject.map(str::to_owned),
            tenant: self.settings.tenant.clone(),
        }
    }

    async fn execute(
        &self,
        session_id: Uuid,
        command: Command,
        metadata: &EventMetadata,
    ) -> Result<Vec<Event>, AppError> {
        let handled = aggregate::execute::<Session>(
            &self.store,
            &stream_id(session_id),
            command,
            SCHEMA_VERSION,
            metadata,
        )
        .await
        .map_err(refused)?;
        Ok(handled.events)
    }

    /// Session `session_id`, if it is the caller's organisation's.
    pub async fn session(&self, session_id: Uuid, organisation: &str) -> Result<Found, AppError> {
        let history = aggregate::load::<Event, Error>(&self.store, &stream_id(session_id))
            .await
            .map_err(refused)?;
        let session = <Session as decider::Decider>::fold(&history);
        match session.scheduled {
            Some(scheduled) if scheduled.organisation_id == organisation => Ok(Found {
                session_id,
                scheduled,
                register: session.register,
            }),
            _ => Err(CommandError::Rejected(Refused::Session(Error::NotFound))),
        }
    }

    /// Publishes a session of `service_id` for the caller's organisation, which must provide
    /// it.
    pub async fn schedule(
        &self,
        session_id: Uuid,
        service_id: Uuid,
        times: (DateTime<Utc>, DateTime<Utc>),
        title: String,
        context: &Context<'_>,
    ) -> Result<Found, AppError> {
        let organisation = &context.caller.organisation;
        let provider = self
            .directory
            .provider_of(service_id, context.on_behalf_of)
            .await
            .map_err(|_| CommandError::Rejected(Refused::DirectoryUnavailable))?;
        if provider.as_ref() != Some(organisation) {
            return Err(CommandError::Rejected(Refused::NoSuchService));
        }
        let command = Command::Schedule {
            session_id,
            scheduled: Scheduled {
                service_id,
                organisation_id: organisation.clone(),
                starts_at: times.0,
                ends_at: times.1,
                title,
            },
            at: Utc::now(),
        };
        self.execute(session_id, command, &self.metadata(context, None))
            .await?;
        self.session(session_id, organisation).await
    }

    /// The referral `referral_id` if `organisation` has taken it on.
    async fn taken_on(&self, referral_id: Uuid, organisation: &str) -> Result<Referral, AppError> {
        referral_view::find(&self.store, referral_id)
            .await?
            .filter(|referral| {
                (referral.owner == organisation || referral.holder == organisation)
                    && referral.is_taken_on()
            })
            .ok_or(CommandError::Rejected(Refused::NoSuchReferral))
    }

    /// Records `referral_id`'s place in the caller's session's register.
    pub async fn record(
        &self,
        session_id: Uuid,
        referral_id: Uuid,
        status: Status,
        context: &Context<'_>,
    ) -> Result<Vec<Event>, AppError> {
        let organisation = &context.caller.organisation;
        self.session(session_id, organisation).await?;
        let referral = self.taken_on(referral_id, organisation).await?;
        let command = Command::Record {
            session_id,
            person: Person {
                referral_id,
                subject: referral.subject.clone(),
            },
            status,
            organisation: organisation.clone(),
            at: Utc::now(),
        };
        let metadata = self.metadata(context, Some(&referral.subject));
        self.execute(session_id, command, &metadata).await
    }

    /// A token for the caller's session's QR code: for `referral_id` alone, or for anyone the
    /// provider took on.
    pub async fn issue(
        &self,
        session_id: Uuid,
        referral_id: Option<Uuid>,
        organisation: &str,
    ) -> Result<Claims, AppError> {
        self.session(session_id, organisation).await?;
        if let Some(referral_id) = referral_id {
            self.taken_on(referral_id, organisation).await?;
        }
        let claims = Claims {
            token_id: Uuid::now_v7(),
            session_id,
            referral_id,
            expires_at: Utc::now() + self.settings.check_in_for,
        };
        Ok(claims)
    }

    /// The token text for `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        self.signer.sign(claims)
    }

    /// Checks in the person the token (or, for a session-wide token, `referral_id`) names.
    /// The token is the authority: the session's provider must have taken the person on.
    pub async fn check_in(
        &self,
        session_id: Uuid,
        token: &str,
        referral_id: Option<Uuid>,
        context: &Context<'_>,
    ) -> Result<Vec<Event>, AppError> {
        let now = Utc::now();
        let claims = self
            .signer
            .check(token, session_id, referral_id, now)
            .map_err(|refusal| CommandError::Rejected(Refused::Token(refusal)))?;
        let referral_id = claims
            .referral_id
            .or(referral_id)
            .ok_or(CommandError::Rejected(Refused::NeedsReferral))?;
        let history = aggregate::load::<Event, Error>(&self.store, &stream_id(session_id))
            .await
            .map_err(refused)?;
        let session = <Session as decider::Decider>::fold(&history);
        let provider = session
            .scheduled
            .as_ref()
            .map(|scheduled| scheduled.organisation_id.clone())
            .ok_or(CommandError::Rejected(Refused::Session(Error::NotFound)))?;
        let referral = self.taken_on(referral_id, &provider).await?;
        let command = Command::CheckIn {
            session_id,
            person: Person {
                referral_id,
                subject: referral.subject.clone(),
            },
            token_id: claims.token_id,
            at: now,
        };
        let metadata = self.metadata(context, Some(&referral.subject));
        self.execute(session_id, command, &metadata).await
    }

    /// The referral `referral_id` if `organisation` is a party to it.
    async fn party_to(&self, referral_id: Uuid, organisation: &str) -> Result<Referral, AppError> {
        referral_view::find(&self.store, referral_id)
            .await?
            .filter(|referral| referral.has_party(organisation))
            .ok_or(CommandError::Rejected(Refused::NotAParty))
    }

    /// The referral `referral_id` and its lapses, oldest first, if `organisation` is a party to
    /// it.
    pub async fn lapses(
        &self,
        referral_id: Uuid,
        organisation: &str,
    ) -> Result<(Referral, Vec<Lapse>), AppError> {
        let referral = self.party_to(referral_id, organisation).await?;
        let stream = events::lapses_stream(referral_id);
        let history = aggregate::load::<events::Event, Refused>(&self.store, &stream).await?;
        Ok((referral, events::lapses(&history)))
    }

    /// The log, for the audit of reads.
    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// The share of a day (per cent) a device must be worn for its data to count.
    pub fn valid_coverage_percent(&self) -> u32 {
        self.settings.rules.valid_coverage_percent
    }
}
