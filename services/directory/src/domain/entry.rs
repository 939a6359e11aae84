//! One aggregate for the directory's reference records (organisations, locations, taxonomies
//! and their terms), whose whole life is "register, then correct".
//!
//! Each change re-records the record in full (`<kind>_recorded`), so a reader never has to
//! merge partial updates, and a change that changes nothing records nothing: that is what lets
//! a feed be imported again without writing a single event for records that did not change.

use std::fmt::Debug;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use decider::Decider;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::provenance::Provenance;

/// A kind of reference record.
pub trait Record: Debug + Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync {
    /// Its stream category and the prefix of its stream ids, e.g. `organization`.
    const KIND: &'static str;
    /// The stored type of its one event, e.g. `organization_recorded`.
    const RECORDED: &'static str;

    /// The first rule the record breaks, as a message naming the field.
    fn check(&self) -> Result<(), String>;
}

/// What a curator or an import asks of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryCommand<R> {
    /// Register a new record; refused if the id is taken.
    Register(R),
    /// Correct an existing record; refused if there is none.
    Update(R),
    /// Register or correct a record from a feed (an upsert), keeping where it came from.
    Import(R, Provenance),
}

/// A command with the record's id and when it was issued.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryIssued<R> {
    /// The record's id.
    pub id: String,
    /// When (the application's clock).
    pub at: DateTime<Utc>,
    /// What.
    pub command: EntryCommand<R>,
}

/// The one event: the record as it now stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded<R> {
    /// The record's id.
    pub id: String,
    /// The record in full.
    pub record: R,
    /// The feed it came from, for imported records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Rules a record command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Registering an id that is taken.
    #[error("{0} is already registered")]
    AlreadyRegistered(&'static str),
    /// Updating a record that does not exist.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A malformed field, named.
    #[error("{0}")]
    Invalid(String),
}

/// The decider over records of kind `R`; its state is the record as it now stands.
#[derive(Debug)]
pub struct Entry<R>(PhantomData<R>);

impl<R: Record> Decider for Entry<R> {
    type State = Option<R>;
    type Command = EntryIssued<R>;
    type Event = Recorded<R>;
    type Error = EntryError;

    fn decide(state: &Option<R>, issued: EntryIssued<R>) -> Result<Vec<Recorded<R>>, EntryError> {
        let EntryIssued { id, at, command } = issued;
        let (record, provenance) = match (state, command) {
            (Some(_), EntryCommand::Register(_)) => {
                return Err(EntryError::AlreadyRegistered(R::KIND));
            }
            (None, EntryCommand::Update(_)) => return Err(EntryError::NotFound(R::KIND)),
            (_, EntryCommand::Register(record) | EntryCommand::Update(record)) => (record, None),
            (_, EntryCommand::Import(record, provenance)) => (record, Some(provenance)),
        };
        record.check().map_err(EntryError::Invalid)?;
        if state.as_ref() == Some(&record) {
            return Ok(vec![]);
        }
        Ok(vec![Recorded {
            id,
            record,
            provenance,
            at,
        }])
    }

    fn evolve(_: Option<R>, event: &Recorded<R>) -> Option<R> {
        Some(event.record.clone())
    }
}

/// The stream of record `id` of kind `R`.
pub fn stream_id<R: Record>(id: &str) -> String {
    format!("{}-{id}", R::KIND)
}
