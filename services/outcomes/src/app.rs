//! The application layer: who the referral's person is and whether the caller is a party
//! (the referral view), which instrument and value set score the answers (the reference data
//! in the log), then the referral's outcomes folded, decided and appended with the version
//! loaded. The clock is read here, once per request, and handed to the decider.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use eventstore::aggregate::{self, CommandError, StoredEvent};
use eventstore::{EventMetadata, EventStore, on_pool};
use measures::{AnswerError, Answers, Instrument, Person, ScoreError};
use uuid::Uuid;

use crate::catalogue::{Library, ReferenceData};
use crate::config::OutcomesSettings;
use crate::domain::events::{Actor, Answer, Event, Outcome};
use crate::domain::outcomes::{Circumstances, Command, Error, Recorded, ReferralOutcomes, Scored};
use crate::domain::placement::Episode;
use referral_view::{self as referral, Referral};

/// Schema version of every outcomes event type (no upcasters yet).
pub const SCHEMA_VERSION: u32 = 1;

impl StoredEvent for Event {
    fn event_type(&self) -> &'static str {
        Event::event_type(self)
    }
}

/// Why a request did not take effect, beyond the log's own failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// No such referral, or not one the caller is a party to: the same answer for both.
    #[error("no such referral")]
    NoSuchReferral,
    /// The referral's outcomes refused it.
    #[error(transparent)]
    Response(#[from] Error),
    /// The answers do not fit the instrument; names the item.
    #[error("answers: {0}")]
    Answers(AnswerError),
    /// An answer gives neither or both of an integer and a code.
    #[error("answers: {0}: give either an integer or a code")]
    AnswerShape(String),
    /// The same item answered twice.
    #[error("answers: {0}: answered more than once")]
    Repeated(String),
    /// No instrument by that id (and version).
    #[error("instrument: no such instrument (or version)")]
    UnknownInstrument,
    /// No value set by that id (and version).
    #[error("value_set: no such value set (or version)")]
    UnknownValueSet,
    /// A deployer's definition that cannot be used.
    #[error("definition: {0}")]
    Definition(String),
    /// That version of that instrument is already recorded with other content.
    #[error(
        "definition: instrument {0} is already recorded; a changed definition needs a new version"
    )]
    VersionTaken(String),
}

/// A failure of a request: refused, or the log failed.
pub type AppError = CommandError<Refused>;

/// Who asked, for the events' metadata.
#[derive(Debug, Clone)]
pub struct Context {
    /// The user or system, and their organisation.
    pub actor: Actor,
    /// The role they acted in.
    pub role: String,
    /// Shared by everything one request causes.
    pub correlation_id: Uuid,
}

impl Context {
    /// The caller's context.
    pub fn of(caller: &identity::Caller, correlation_id: Uuid) -> Self {
        Self {
            actor: Actor {
                id: caller.user.clone(),
                organisation: caller.organisation.clone(),
            },
            role: caller.role.clone(),
            correlation_id,
        }
    }

    /// The service itself, acting for `tenant` (recording its bundled reference data,
    /// deriving scores again).
    pub fn service(tenant: &str) -> Self {
        Self {
            actor: Actor {
                id: "linkwork-outcomes".to_owned(),
                organisation: tenant.to_owned(),
            },
            role: "system".to_owned(),
            correlation_id: Uuid::now_v7(),
        }
    }

    /// The metadata of events this context causes, about `subject` when they name a person.
    pub fn metadata(&self, tenant: &str, subject: Option<&str>) -> EventMetadata {
        EventMetadata {
            correlation_id: self.correlation_id,
            causation_id: None,
            traceparent: telemetry::current_traceparent(),
            actor: eventstore::Actor {
                id: self.actor.id.clone(),
                organisation: self.actor.organisation.clone(),
                role: self.role.clone(),
            },
            data_subject: subject.map(str::to_owned),
            tenant: tenant.to_owned(),
        }
    }
}

/// A response to record.
#[derive(Debug, Clone)]
pub struct NewResponse {
    /// The referral it is for.
    pub referral_id: Uuid,
    /// The id the client chose, or a new one.
    pub response_id: Uuid,
    /// The instrument's id.
    pub instrument: String,
    /// Its version; the latest when none.
    pub instrument_version: Option<String>,
    /// When the person answered.
    pub authored: DateTime<Utc>,
    /// The answers, as given.
    pub answers: Vec<Answer>,
}

/// The stream of one referral's outcomes.
pub fn stream_id(referral_id: Uuid) -> String {
    format!("outcomes-{}", referral_id.simple())
}

/// Runs the outcomes service's commands against its log.
#[derive(Debug, Clone)]
pub struct OutcomesApp {
    store: EventStore,
    library: Library,
    settings: OutcomesSettings,
}

impl OutcomesApp {
    /// The app over the outcomes log.
    pub fn new(store: EventStore, settings: OutcomesSettings) -> Self {
        Self {
            library: Library::new(store.clone()),
            store,
            settings,
        }
    }

    /// The log it runs against.
    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// The reference data it scores with.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The deployment's settings.
    pub fn settings(&self) -> &OutcomesSettings {
        &self.settings
    }

    /// The referral `referral_id` if `organisation` is a party to it.
    pub async fn referral_for(
        &self,
        referral_id: Uuid,
        organisation: &str,
    ) -> Result<Referral, AppError> {
        referral::find(&self.store, referral_id)
            .await?
            .filter(|referral| referral.has_party(organisation))
            .ok_or(CommandError::Rejected(Refused::NoSuchReferral))
    }

    /// Records `response` as `context`'s caller, scored under the reference data in force and
    /// placed in the referral's episode, and answers with its outcome and whether this request
    /// recorded it. A retry of the same response answers with the outcome the first one
    /// recorded (and false).
    pub async fn record(
        &self,
        response: NewResponse,
        context: &Context,
    ) -> Result<(Outcome, bool), AppError> {
        let referral = self
            .referral_for(response.referral_id, &context.actor.organisation)
            .await?;
        self.ensure_unused_elsewhere(response.response_id, response.referral_id)
            .await?;
        let data = self.library.current().await?;
        let instrument = data
            .instrument(&response.instrument, response.instrument_version.as_deref())
            .ok_or(CommandError::Rejected(Refused::UnknownInstrument))?;
        let answers = answers(&response.answers)?;
        let scored = score(&data, instrument, &answers, &person(&referral))?;
        let at = Utc::now();
        let recorded = Recorded {
            referral_id: response.referral_id,
            subject: referral.subject.clone(),
            instrument: instrument.id().to_owned(),
            instrument_version: instrument.version().to_string(),
            authored: response.authored,
            answers: response.answers,
        };
        let command = Command::Record {
            response_id: response.response_id,
            recorded,
            by: context.actor.clone(),
            scored: Box::new(scored),
            circumstances: self.circumstances(&referral, at),
        };
        let metadata = context.metadata(&self.settings.tenant, Some(&referral.subject));
        let handled = aggregate::execute::<ReferralOutcomes>(
            &self.store,
            &stream_id(response.referral_id),
            command,
            SCHEMA_VERSION,
            &metadata,
        )
        .await
        .map_err(refused)?;
        let outcome = handled.events.into_iter().find_map(|event| match event {
            Event::OutcomeRecorded(outcome) => Some(outcome),
            _ => None,
        });
        match outcome {
            Some(outcome) => Ok((outcome, true)),
            None => Ok((
                self.latest(response.referral_id, response.response_id)
                    .await?,
                false,
            )),
        }
    }

    /// Referral `referral_id`'s outcomes as known at `as_of`: per response, the latest
    /// derivation recorded by then; newest answered first. Read from the referral's own
    /// stream, so a caller sees its own writes at once.
    pub async fn outcomes_as_of(
        &self,
        referral_id: Uuid,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<Outcome>, AppError> {
        let history = aggregate::load::<Event, Error>(&self.store, &stream_id(referral_id))
            .await
            .map_err(refused)?;
        let mut latest: Vec<Outcome> = Vec::new();
        for event in history {
            let Event::OutcomeRecorded(outcome) = event else {
                continue;
            };
            if outcome.at > as_of {
                continue;
            }
            match latest
                .iter_mut()
                .find(|kept| kept.response_id == outcome.response_id)
            {
                Some(kept) => *kept = outcome,
                None => latest.push(outcome),
            }
        }
        latest.sort_by(|a, b| {
            b.authored
                .cmp(&a.authored)
                .then(a.response_id.cmp(&b.response_id))
        });
        Ok(latest)
    }

    /// The latest derivation of response `response_id` of referral `referral_id`.
    async fn latest(&self, referral_id: Uuid, response_id: Uuid) -> Result<Outcome, AppError> {
        let history = aggregate::load::<Event, Error>(&self.store, &stream_id(referral_id)).await;
        let history = history.map_err(refused)?;
        <ReferralOutcomes as decider::Decider>::fold(&history)
            .response(response_id)
            .and_then(|response| response.latest.clone())
            .ok_or(CommandError::Rejected(Refused::Response(Error::NotFound)))
    }

    /// A response id is the response's wherever it is used: the same id under another
    /// referral is refused as used.
    async fn ensure_unused_elsewhere(
        &self,
        response_id: Uuid,
        referral_id: Uuid,
    ) -> Result<(), AppError> {
        let sql = "SELECT referral_id FROM outcomes WHERE response_id = $1 LIMIT 1";
        let found: Option<(String,)> = on_pool!(&self.store, |pool| sqlx::query_as(sql)
            .bind(response_id.to_string())
            .fetch_optional(pool)
            .await)
        .map_err(eventstore::StoreError::from)?;
        match found {
            Some((used_by,)) if used_by != referral_id.to_string() => {
                Err(CommandError::Rejected(Refused::Response(Error::IdUsed)))
            }
            _ => Ok(()),
        }
    }

    /// What the decider needs to know of `referral` at `at`.
    pub fn circumstances(&self, referral: &Referral, at: DateTime<Utc>) -> Circumstances {
        let time = |micros: i64| DateTime::from_timestamp_micros(micros).unwrap_or_default();
        Circumstances {
            episode: Episode {
                requested: time(referral.requested_micros),
                started: referral.started_micros.map(time),
                closed: referral.closed_micros.map(time),
            },
            windows: self.settings.windows,
            share_with_referrer: referral.share_with_referrer,
            at,
        }
    }

    /// Records `instrument` (a deployer's own, in the bundled ones' format) as `context`'s
    /// caller. The same definition again is a retry; another definition under a version the
    /// log holds is refused.
    pub async fn publish_instrument(
        &self,
        definition: &str,
        context: &Context,
    ) -> Result<Arc<Instrument>, AppError> {
        let instrument = Instrument::parse(definition)
            .map_err(|error| CommandError::Rejected(Refused::Definition(error.to_string())))?;
        let data = self.library.current().await?;
        let reference = instrument.reference();
        match data
            .catalogue
            .instrument(&reference.id, reference.version.as_str())
        {
            Some(kept) if *kept == instrument => return Ok(Arc::new(instrument)),
            Some(_) => {
                return Err(CommandError::Rejected(Refused::VersionTaken(
                    reference.to_string(),
                )));
            }
            None => {}
        }
        let metadata = context.metadata(&self.settings.tenant, None);
        crate::catalogue::record::instrument(&self.store, &instrument, &metadata, Utc::now())
            .await?;
        Ok(Arc::new(instrument))
    }

    /// Puts value set `id` (at `version`, or its latest) in force from now, as `context`'s
    /// caller; scores are derived again under it by the rescorer. Answers with the value set's
    /// id and version.
    pub async fn select_value_set(
        &self,
        id: &str,
        version: Option<&str>,
        context: &Context,
    ) -> Result<(String, String), AppError> {
        let data = self.library.current().await?;
        let value_set = match version {
            Some(version) => data.catalogue.value_set(id, version),
            None => data.catalogue.latest_value_set(id),
        }
        .ok_or(CommandError::Rejected(Refused::UnknownValueSet))?;
        let reference = value_set.reference().clone();
        let metadata = context.metadata(&self.settings.tenant, None);
        crate::catalogue::record::selection(
            &self.store,
            &reference.id,
            reference.version.as_str(),
            context.actor.clone(),
            &metadata,
            Utc::now(),
        )
        .await?;
        Ok((reference.id, reference.version.to_string()))
    }
}

/// What the domain's refusals become here.
fn refused(error: CommandError<Error>) -> AppError {
    match error {
        CommandError::Rejected(error) => CommandError::Rejected(Refused::Response(error)),
        CommandError::Store(error) => CommandError::Store(error),
        CommandError::Encode(error) => CommandError::Encode(error),
        CommandError::Corrupt { event_id, source } => CommandError::Corrupt { event_id, source },
    }
}

/// The answers as `measures` reads them: each gives an integer or a code, and each item is
/// answered once.
pub fn answers(given: &[Answer]) -> Result<Answers, AppError> {
    let mut answers = Answers::new();
    for answer in given {
        let link_id = measures::shown_link_id(&answer.link_id);
        if answers.get(&answer.link_id).is_some() {
            return Err(CommandError::Rejected(Refused::Repeated(link_id)));
        }
        match (answer.integer, answer.code.as_str()) {
            (Some(integer), "") => answers.insert(&answer.link_id, i64::from(integer)),
            (None, code) if !code.is_empty() => answers.insert(&answer.link_id, code),
            _ => return Err(CommandError::Rejected(Refused::AnswerShape(link_id))),
        }
    }
    Ok(answers)
}

/// What a value set may need to know of the referral's person.
pub fn person(referral: &Referral) -> Person {
    Person {
        age_band: referral
            .age_band
            .as_deref()
            .and_then(|band| band.parse().ok()),
        sex: referral.sex.as_deref().and_then(|sex| sex.parse().ok()),
    }
}

/// Scores `answers` with `instrument` under the value set in force for it. A value set that
/// needs what is not known of the person (the DSU mapping: age band and sex) gives no utility
/// rather than a wrong one; the other scores stand.
pub fn score(
    data: &ReferenceData,
    instrument: &Instrument,
    answers: &Answers,
    person: &Person,
) -> Result<Scored, AppError> {
    let value_set = data.value_set_for(instrument);
    let scores = match instrument.score(answers, person, value_set) {
        Err(ScoreError::NeedsAgeBand { .. } | ScoreError::NeedsSex { .. }) => {
            instrument.score(answers, person, None)
        }
        scored => scored,
    };
    let scores = scores.map_err(|error| match error {
        ScoreError::Answers(error) => CommandError::Rejected(Refused::Answers(error)),
        other => CommandError::Rejected(Refused::Definition(other.to_string())),
    })?;
    Ok(Scored {
        instrument: Arc::new(instrument.clone()),
        scores,
    })
}
