//! Turning a stored row into a [`RecordedEvent`], the same way for both backends.
//!
//! Both backends select the same columns in the same order (see `EVENT_COLUMNS` in each backend
//! module), so one decoder serves both; it is a macro because the row types differ.

/// Decodes the first 19 columns of an events row into a `RecordedEvent`.
macro_rules! decode_event_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        let stream_version: i64 = row.try_get(5)?;
        let schema_version: i64 = row.try_get(7)?;
        $crate::RecordedEvent {
            position: $crate::Position {
                global_position: row.try_get(0)?,
                epoch: row.try_get(1)?,
                transaction_id: row.try_get(2)?,
            },
            event_id: row.try_get(3)?,
            stream_id: row.try_get(4)?,
            stream_version: u64::try_from(stream_version).unwrap_or_default(),
            event_type: row.try_get(6)?,
            schema_version: u32::try_from(schema_version).unwrap_or_default(),
            occurred_at: row.try_get(8)?,
            recorded_at: row.try_get(9)?,
            metadata: $crate::EventMetadata {
                correlation_id: row.try_get(10)?,
                causation_id: row.try_get(11)?,
                traceparent: row.try_get(12)?,
                actor: $crate::Actor {
                    id: row.try_get(13)?,
                    organisation: row.try_get(14)?,
                    role: row.try_get(15)?,
                },
                data_subject: row.try_get(16)?,
                tenant: row.try_get(17)?,
            },
            payload: row.try_get(18)?,
        }
    }};
}

/// Decodes an events row including its two stored hashes (columns 19 and 20).
macro_rules! decode_stored_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        $crate::verify::StoredEvent {
            content_hash: row.try_get(19)?,
            chain_hash: row.try_get(20)?,
            event: decode_event_row!(row),
        }
    }};
}

pub(crate) use {decode_event_row, decode_stored_row};
