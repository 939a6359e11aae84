//! Who may change what. The directory is public to read, but each organisation's entries are
//! its own to change: its record, its services, and the venues it registered. A directory
//! administrator may change anyone's (and alone registers organisations and taxonomies, as the
//! protos' access rules say). To anyone else another organisation's entry is not there — the
//! same answer as for an id never used — so a write reveals nothing a read would not.
//!
//! Imports run as the operator and are not held to this: they are the administrator's tool.

use decider::Decider;

use crate::app::{AppError, DirectoryApp};
use crate::domain::entry::{self, EntryCommand, EntryError, Record};
use crate::domain::records::{Location, Organization};
use crate::domain::service::{self, Command, Service};

/// The role that may change every organisation's entries.
pub const DIRECTORY_ADMIN: &str = "directory-admin";

impl DirectoryApp {
    /// Refuses `command` on service `service_id` unless `actor` acts for the organisation that
    /// provides it (or is to provide it, for a new listing), or administers the directory.
    pub async fn authorise_service(
        &self,
        actor: &eventstore::Actor,
        service_id: &str,
        command: &Command,
    ) -> Result<(), AppError> {
        if actor.role == DIRECTORY_ADMIN {
            return Ok(());
        }
        if let Command::List {
            organisation_id, ..
        } = command
        {
            return match *organisation_id == actor.organisation {
                true => Ok(()),
                false => Err(AppError::UnknownReference {
                    field: "organisation_id".to_owned(),
                    kind: Organization::KIND,
                }),
            };
        }
        let history = self.history(service_id).await?;
        let provider = Service::fold(&history)
            .listed
            .map(|listed| listed.organisation_id);
        match provider {
            Some(provider) if provider == actor.organisation => Ok(()),
            // Not there, or not theirs: the same answer.
            _ => Err(service::Error::NotFound.into()),
        }
    }

    /// Refuses `command` on record `id` unless `actor` owns it or administers the directory:
    /// an organisation's record is its own; a venue belongs to the organisation that
    /// registered it. Registering needs only the role the proto asks for.
    pub async fn authorise_record<R: Record + Owned>(
        &self,
        actor: &eventstore::Actor,
        id: &str,
        command: &EntryCommand<R>,
    ) -> Result<(), AppError> {
        if actor.role == DIRECTORY_ADMIN || !matches!(command, EntryCommand::Update(_)) {
            return Ok(());
        }
        match R::owner(self, id).await? {
            Some(owner) if owner == actor.organisation => Ok(()),
            _ => Err(EntryError::NotFound(R::KIND).into()),
        }
    }
}

/// Which organisation owns a record.
pub trait Owned: Record {
    /// The owner of record `id`, `None` when it does not exist or no organisation owns it.
    fn owner(
        app: &DirectoryApp,
        id: &str,
    ) -> impl Future<Output = Result<Option<String>, AppError>> + Send;
}

impl Owned for Organization {
    async fn owner(app: &DirectoryApp, id: &str) -> Result<Option<String>, AppError> {
        let exists = app
            .store()
            .stream_version(&entry::stream_id::<Self>(id))
            .await?;
        Ok(exists.map(|_| id.to_owned()))
    }
}

impl Owned for Location {
    async fn owner(app: &DirectoryApp, id: &str) -> Result<Option<String>, AppError> {
        let first = app
            .store()
            .read_stream(&entry::stream_id::<Self>(id), 1, 1)
            .await?;
        Ok(first
            .into_iter()
            .next()
            .map(|event| event.metadata.actor.organisation))
    }
}

impl Owned for crate::domain::records::Taxonomy {
    async fn owner(_: &DirectoryApp, _: &str) -> Result<Option<String>, AppError> {
        Ok(None)
    }
}

impl Owned for crate::domain::records::TaxonomyTerm {
    async fn owner(_: &DirectoryApp, _: &str) -> Result<Option<String>, AppError> {
        Ok(None)
    }
}
