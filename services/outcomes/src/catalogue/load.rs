//! Reading the reference data back from the log into a `measures::Catalogue`.
//!
//! Every definition passes the same checks it passed when it was published. One that no
//! longer does (recorded by a later version of the service, say) is left out with a warning
//! rather than stopping the service: scores already derived from it stay in the log, and
//! nothing new can be scored with it. The first publication of an (id, version) is the one
//! that counts; a second, as two processes starting at once may make, is ignored.

use std::collections::BTreeMap;

use eventstore::{EventStore, RecordedEvent, StoreError};
use measures::{Instrument, ValueSet, ValueSetDefinition};
use sha2::{Digest, Sha256};

use super::{INSTRUMENTS, ReferenceData, SELECTION, VALUE_SETS, table_stream};
use crate::domain::events::Event;

/// The reference data `store` holds now.
pub async fn load(store: &EventStore) -> Result<ReferenceData, StoreError> {
    let mut data = ReferenceData::default();
    for event in decoded(store, INSTRUMENTS).await? {
        let Event::InstrumentPublished {
            id,
            version,
            definition,
            ..
        } = event
        else {
            continue;
        };
        if data.catalogue.instrument(&id, &version).is_some() {
            continue;
        }
        match serde_json::from_value::<Instrument>(definition) {
            Ok(instrument) => {
                if let Err(error) = data.catalogue.add_instrument(instrument) {
                    tracing::warn!(%id, %version, %error, "a published instrument was left out");
                }
            }
            Err(error) => {
                tracing::warn!(%id, %version, %error, "a published instrument no longer reads");
            }
        }
    }
    for event in decoded(store, VALUE_SETS).await? {
        let Event::ValueSetPublished {
            id,
            version,
            definition,
            parts,
            digest,
            ..
        } = event
        else {
            continue;
        };
        if data.catalogue.value_set(&id, &version).is_some() {
            continue;
        }
        match value_set(store, &id, &version, definition, parts, &digest).await? {
            Ok(value_set) => {
                if let Err(error) = data.catalogue.add_value_set(value_set) {
                    tracing::warn!(%id, %version, %error, "a published value set was left out");
                }
            }
            Err(problem) => {
                tracing::warn!(%id, %version, %problem, "a published value set no longer reads");
            }
        }
    }
    for event in decoded(store, SELECTION).await? {
        if let Event::ValueSetSelected {
            id, version, at, ..
        } = event
            && let Ok(version) = version.parse()
        {
            data.selected = Some((measures::Reference::new(&id, version), at));
        }
    }
    Ok(data)
}

/// A stream's events, checked against its hash chain and decoded; one this service cannot
/// decode is a defect worth failing for.
async fn decoded(store: &EventStore, stream: &str) -> Result<Vec<Event>, StoreError> {
    store
        .load_stream_verified(stream)
        .await?
        .iter()
        .map(|recorded: &RecordedEvent| {
            recorded
                .decode::<Event>()
                .map_err(|error| StoreError::Database(sqlx::Error::Decode(Box::new(error))))
        })
        .collect()
}

/// A value set from its definition and the table parts in its own stream, which must put
/// together to the digest it was published with.
async fn value_set(
    store: &EventStore,
    id: &str,
    version: &str,
    definition: serde_json::Value,
    parts: u32,
    digest: &str,
) -> Result<Result<ValueSet, String>, StoreError> {
    let definition: ValueSetDefinition = match serde_json::from_value(definition) {
        Ok(definition) => definition,
        Err(error) => return Ok(Err(error.to_string())),
    };
    if parts == 0 {
        return Ok(ValueSet::from_definition(definition, None).map_err(|e| e.to_string()));
    }
    let mut rows_by_part = BTreeMap::new();
    for event in decoded(store, &table_stream(id, version)).await? {
        if let Event::ValueSetRowsPublished { part, rows, .. } = event {
            rows_by_part.entry(part).or_insert(rows);
        }
    }
    if rows_by_part.len() != parts as usize || rows_by_part.keys().copied().ne(1..=parts) {
        return Ok(Err(format!(
            "its table has {} of {parts} parts",
            rows_by_part.len()
        )));
    }
    let table = rows_by_part
        .into_values()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    if hex::encode(Sha256::digest(table.as_bytes())) != digest {
        return Ok(Err(
            "its table does not match the digest it was published with".into(),
        ));
    }
    Ok(ValueSet::from_definition(definition, Some(&table)).map_err(|e| e.to_string()))
}
