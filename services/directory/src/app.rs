//! The application layer: runs curators', providers' and imports' commands against the log.
//!
//! Each command is the shared load → fold → decide → append loop
//! ([`eventstore::aggregate::execute`]) plus the lookups a pure decider cannot make: that the
//! organisation, taxonomy terms and locations a service names exist, and where a location's
//! postcode is. The events it appends are what the relay publishes for other services.

use chrono::{DateTime, Utc};
use eventstore::aggregate::{self, CommandError, Handled, StoredEvent};
use eventstore::{EventMetadata, EventStore, StoreError};
use uuid::Uuid;

use crate::domain::entry::{self, Entry, EntryCommand, EntryError, EntryIssued, Record, Recorded};
use crate::domain::postcode::Postcode;
use crate::domain::records::{Location, Organization, TaxonomyTerm};
use crate::domain::service::{self, Command, Event, Issued, Service};
use crate::postcodes::PostcodeDirectory;

/// Schema version of every directory event type (no upcasters yet).
pub const SCHEMA_VERSION: u32 = 1;

/// Why a command did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The service's rules refused it.
    #[error(transparent)]
    Rejected(#[from] service::Error),
    /// A reference record's rules refused it.
    #[error(transparent)]
    RecordRejected(#[from] EntryError),
    /// The command names a record that does not exist (or, for a new listing, another
    /// organisation's: the same answer).
    #[error("{field}: no such {kind}")]
    UnknownReference {
        /// The field that names it.
        field: String,
        /// What kind of record it should be.
        kind: &'static str,
    },
    /// A location's postcode is not in the centroid table and no coordinates were given.
    #[error("address.postal_code: not a known postcode; give latitude and longitude")]
    UnknownPostcode,
    /// The log refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A directory event could not be written or read back (a bug or a missing upcaster).
    #[error("a directory event could not be (de)serialised")]
    Corrupt(#[source] serde_json::Error),
}

impl<E> From<CommandError<E>> for AppError
where
    E: std::error::Error + 'static,
    AppError: From<E>,
{
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Rejected(rejected) => rejected.into(),
            CommandError::Store(store) => Self::Store(store),
            CommandError::Encode(source) | CommandError::Corrupt { source, .. } => {
                Self::Corrupt(source)
            }
        }
    }
}

/// Who is acting, for the event metadata.
#[derive(Debug, Clone)]
pub struct Context {
    /// The acting user or system.
    pub actor: eventstore::Actor,
    /// Shared by everything one request causes.
    pub correlation_id: Uuid,
    /// The ICS.
    pub tenant: String,
}

impl Context {
    fn metadata(&self) -> EventMetadata {
        EventMetadata {
            correlation_id: self.correlation_id,
            causation_id: None,
            traceparent: telemetry::current_traceparent(),
            actor: self.actor.clone(),
            data_subject: None,
            tenant: self.tenant.clone(),
        }
    }
}

/// The stream of one directory service. Ids are restricted to `[A-Za-z0-9_-]` by the log.
pub fn stream_id(service_id: &str) -> String {
    format!("service-{service_id}")
}

impl StoredEvent for Event {
    fn event_type(&self) -> &'static str {
        Event::event_type(self)
    }
}

impl<R: Record> StoredEvent for Recorded<R> {
    fn event_type(&self) -> &'static str {
        R::RECORDED
    }
}

/// Runs directory commands against the log.
#[derive(Debug, Clone)]
pub struct DirectoryApp {
    store: EventStore,
    postcodes: PostcodeDirectory,
}

impl DirectoryApp {
    /// The app over the directory service's log (migrated with [`crate::migrate`]).
    pub fn new(store: EventStore) -> Self {
        let postcodes = PostcodeDirectory::new(store.clone());
        Self { store, postcodes }
    }

    /// The log it writes to.
    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// A service's history, oldest first: what "a service's full history is queryable" reads.
    pub async fn history(&self, service_id: &str) -> Result<Vec<Event>, AppError> {
        Ok(aggregate::load::<Event, service::Error>(&self.store, &stream_id(service_id)).await?)
    }

    /// A reference record's history, oldest first.
    pub async fn record_history<R: Record>(&self, id: &str) -> Result<Vec<Recorded<R>>, AppError> {
        Ok(
            aggregate::load::<Recorded<R>, EntryError>(&self.store, &entry::stream_id::<R>(id))
                .await?,
        )
    }

    /// Decides `command` for `service_id` now and appends what it causes.
    pub async fn handle(
        &self,
        service_id: &str,
        command: Command,
        context: &Context,
    ) -> Result<Vec<Event>, AppError> {
        Ok(self
            .handle_at(service_id, command, Utc::now(), context)
            .await?
            .events)
    }

    /// Decides `command` for `service_id` as of `at` (an import's verification uses the feed's
    /// assured date) and appends what it causes, expecting the version it loaded.
    #[tracing::instrument(skip_all, fields(service_id = %service_id), err(level = "info"))]
    pub async fn handle_at(
        &self,
        service_id: &str,
        command: Command,
        at: DateTime<Utc>,
        context: &Context,
    ) -> Result<Handled<Event>, AppError> {
        self.check_references(&command).await?;
        let issued = Issued {
            service_id: service_id.to_owned(),
            at,
            command,
        };
        let metadata = context.metadata();
        Ok(aggregate::execute::<Service>(
            &self.store,
            &stream_id(service_id),
            issued,
            SCHEMA_VERSION,
            &metadata,
        )
        .await?)
    }

    /// Registers, updates or imports a reference record. A location without coordinates gets
    /// its postcode's centroid.
    #[tracing::instrument(skip_all, fields(kind = R::KIND, id = %id), err(level = "info"))]
    pub async fn record<R: Record + Referencing>(
        &self,
        id: &str,
        command: EntryCommand<R>,
        context: &Context,
    ) -> Result<Handled<Recorded<R>>, AppError> {
        let command = match command {
            EntryCommand::Register(record) => EntryCommand::Register(record.resolve(self).await?),
            EntryCommand::Update(record) => EntryCommand::Update(record.resolve(self).await?),
            EntryCommand::Import(record, provenance) => {
                EntryCommand::Import(record.resolve(self).await?, provenance)
            }
        };
        let issued = EntryIssued {
            id: id.to_owned(),
            at: Utc::now(),
            command,
        };
        let metadata = context.metadata();
        Ok(aggregate::execute::<Entry<R>>(
            &self.store,
            &entry::stream_id::<R>(id),
            issued,
            SCHEMA_VERSION,
            &metadata,
        )
        .await?)
    }

    /// Fails unless record `id` of kind `R` exists.
    async fn require<R: Record>(&self, field: &str, id: &str) -> Result<(), AppError> {
        let exists = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && self
                .store
                .stream_version(&entry::stream_id::<R>(id))
                .await?
                .is_some();
        if exists {
            return Ok(());
        }
        Err(AppError::UnknownReference {
            field: field.to_owned(),
            kind: R::KIND,
        })
    }

    async fn check_references(&self, command: &Command) -> Result<(), AppError> {
        match command {
            Command::List {
                organisation_id,
                details,
            }
            | Command::Import {
                organisation_id,
                details,
                ..
            } => {
                self.require::<Organization>("organisation_id", organisation_id)
                    .await?;
                for (index, term) in details.taxonomy_terms.iter().enumerate() {
                    self.require::<TaxonomyTerm>(&format!("details.taxonomy_terms[{index}]"), term)
                        .await?;
                }
            }
            Command::Update { details } => {
                for (index, term) in details.taxonomy_terms.iter().enumerate() {
                    self.require::<TaxonomyTerm>(&format!("details.taxonomy_terms[{index}]"), term)
                        .await?;
                }
            }
            Command::AddLocation { location_id, .. } => {
                self.require::<Location>("location_id", location_id).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// What a record needs looked up before its decider sees it.
pub trait Referencing: Sized {
    /// The record with its lookups done, or the reference it names that does not exist.
    fn resolve(self, app: &DirectoryApp) -> impl Future<Output = Result<Self, AppError>> + Send;
}

impl Referencing for Organization {
    async fn resolve(self, _: &DirectoryApp) -> Result<Self, AppError> {
        Ok(self)
    }
}

impl Referencing for crate::domain::records::Taxonomy {
    async fn resolve(self, _: &DirectoryApp) -> Result<Self, AppError> {
        Ok(self)
    }
}

impl Referencing for TaxonomyTerm {
    async fn resolve(self, app: &DirectoryApp) -> Result<Self, AppError> {
        app.require::<crate::domain::records::Taxonomy>("taxonomy_id", &self.taxonomy_id)
            .await?;
        if let Some(parent) = &self.parent_id {
            app.require::<TaxonomyTerm>("parent_id", parent).await?;
        }
        Ok(self)
    }
}

impl Referencing for Location {
    async fn resolve(mut self, app: &DirectoryApp) -> Result<Self, AppError> {
        if self.latitude.is_some() {
            return Ok(self);
        }
        let Some(address) = &mut self.address else {
            return Ok(self);
        };
        let postcode = Postcode::parse(&address.postal_code)
            .map_err(|error| EntryError::Invalid(format!("address.postal_code: {error}")))?;
        address.postal_code = postcode.as_str().to_owned();
        let point = app
            .postcodes
            .locate(&postcode)
            .await?
            .ok_or(AppError::UnknownPostcode)?;
        self.latitude = Some(point.latitude);
        self.longitude = Some(point.longitude);
        Ok(self)
    }
}
