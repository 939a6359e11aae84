//! Recording reference data: the bundled instruments and value sets when the service starts,
//! a deployer's own instrument, and the choice of value set in force. Nothing here decides
//! whether a caller may do it — the API's roles do — only that what is recorded reads back.

use chrono::{DateTime, Utc};
use eventstore::{EventMetadata, EventStore, ExpectedVersion, NewEvent, StoreError};
use measures::{Instrument, ValueSet};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{INSTRUMENTS, ReferenceData, SELECTION, VALUE_SETS, load, table_stream};
use crate::app::SCHEMA_VERSION;
use crate::domain::events::{Actor, Event};

/// Rows of a value set's table per event: the DSU mapping's 31,250 rows in 13 parts of some
/// 60 kB each, well inside a bus message.
pub const ROWS_PER_PART: usize = 2_500;

/// What [`bundled`] recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Instrument versions recorded now.
    pub instruments: usize,
    /// Value sets recorded now.
    pub value_sets: usize,
}

/// Records every bundled instrument and value set the log does not hold yet, as `metadata`'s
/// actor (the service itself) at `at`. A bundled definition whose version the log holds with
/// other content is left as the log has it: a version, once recorded, is never redefined.
pub async fn bundled(
    store: &EventStore,
    metadata: &EventMetadata,
    at: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    let data = load(store).await?;
    let mut recorded = Recorded::default();
    for (file, json) in measures::bundled_instrument_files() {
        let instrument = Instrument::parse(json)
            .map_err(|error| StoreError::Config(format!("bundled {file}: {error}")))?;
        if held(&data, &instrument) {
            continue;
        }
        self::instrument(store, &instrument, metadata, at).await?;
        recorded.instruments += 1;
    }
    for (json, table) in measures::bundled_value_sets() {
        let value_set = ValueSet::parse(json, table)
            .map_err(|error| StoreError::Config(format!("bundled value set: {error}")))?;
        let reference = value_set.reference();
        if data
            .catalogue
            .value_set(&reference.id, reference.version.as_str())
            .is_some()
        {
            continue;
        }
        self::value_set(store, &value_set, table, metadata, at).await?;
        recorded.value_sets += 1;
    }
    Ok(recorded)
}

/// Whether the log holds `instrument`'s version already; with other content, says so.
fn held(data: &ReferenceData, instrument: &Instrument) -> bool {
    let reference = instrument.reference();
    match data
        .catalogue
        .instrument(&reference.id, reference.version.as_str())
    {
        Some(kept) if kept != instrument => {
            tracing::warn!(
                instrument = %reference,
                "the bundled definition differs from the one recorded under its version; the \
                 recorded one stands (a changed definition needs a new version)"
            );
            true
        }
        Some(_) => true,
        None => false,
    }
}

/// Records `instrument`'s definition.
pub async fn instrument(
    store: &EventStore,
    instrument: &Instrument,
    metadata: &EventMetadata,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let definition = instrument.definition();
    let event = Event::InstrumentPublished {
        id: definition.id.clone(),
        version: definition.version.to_string(),
        title: definition.title.clone(),
        url: definition.url.clone(),
        definition: to_json(instrument)?,
        at,
    };
    append(store, INSTRUMENTS, vec![event], metadata, at).await
}

/// Records `value_set`: its table's parts first, in a stream of their own, then its
/// definition, so that a reader who sees the definition finds the whole table.
pub async fn value_set(
    store: &EventStore,
    value_set: &ValueSet,
    table: Option<&str>,
    metadata: &EventMetadata,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let definition = value_set.definition();
    let (id, version) = (definition.id.clone(), definition.version.to_string());
    let lines: Vec<String> = table
        .map(|csv| csv.lines().map(|line| line.trim_end().to_owned()).collect())
        .unwrap_or_default();
    let lines: Vec<String> = lines.into_iter().filter(|line| !line.is_empty()).collect();
    let digest = hex::encode(Sha256::digest(lines.join("\n").as_bytes()));
    let parts: Vec<Event> = lines
        .chunks(ROWS_PER_PART)
        .zip(1..)
        .map(|(rows, part)| Event::ValueSetRowsPublished {
            id: id.clone(),
            version: version.clone(),
            part,
            rows: rows.to_vec(),
        })
        .collect();
    let count = u32::try_from(parts.len())
        .map_err(|_| StoreError::Config(format!("value set {id}: its table is too large")))?;
    if !parts.is_empty() {
        append(store, &table_stream(&id, &version), parts, metadata, at).await?;
    }
    let source = &definition.source;
    let event = Event::ValueSetPublished {
        id: id.clone(),
        version,
        title: definition.title.clone(),
        source: match &source.doi {
            Some(doi) => format!("{} (doi {doi})", source.citation),
            None => source.citation.clone(),
        },
        dated: definition.effective.as_str().to_owned(),
        definition: to_json(definition)?,
        parts: count,
        digest,
        at,
    };
    append(store, VALUE_SETS, vec![event], metadata, at).await
}

/// Records that value set `id` at `version` is in force from `at`, chosen by `actor`.
pub async fn selection(
    store: &EventStore,
    id: &str,
    version: &str,
    actor: Actor,
    metadata: &EventMetadata,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let event = Event::ValueSetSelected {
        id: id.to_owned(),
        version: version.to_owned(),
        actor,
        at,
    };
    append(store, SELECTION, vec![event], metadata, at).await
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|error| StoreError::Config(error.to_string()))
}

/// Appends to a catalogue stream whatever its version: each event stands alone, and a second
/// publication of the same version is ignored when read.
async fn append(
    store: &EventStore,
    stream: &str,
    events: Vec<Event>,
    metadata: &EventMetadata,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let events = events
        .iter()
        .map(|event| {
            NewEvent::json(
                Uuid::now_v7(),
                event.event_type(),
                SCHEMA_VERSION,
                at,
                event,
                metadata.clone(),
            )
            .map_err(|error| StoreError::Config(error.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    store.append(stream, ExpectedVersion::Any, events).await?;
    Ok(())
}
