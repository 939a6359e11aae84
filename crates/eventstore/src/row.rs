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

/// The stream's anchored head beside each of its events, as columns 21 to 23: uncorrelated
/// subqueries, which both backends evaluate once per statement. `$1` is the stream id.
macro_rules! anchored_head_columns {
    () => {
        "(SELECT stream_version FROM stream_heads WHERE stream_id = $1), \
         (SELECT chain_hash FROM stream_heads WHERE stream_id = $1), \
         (SELECT mac FROM stream_heads WHERE stream_id = $1)"
    };
}

/// Decodes columns 21 to 23 (see `anchored_head_columns!`) into an `Option<AnchoredHead>`.
macro_rules! decode_anchored_head {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        let version: Option<i64> = row.try_get(21)?;
        let chain_hash: Option<Vec<u8>> = row.try_get(22)?;
        let mac: Option<Vec<u8>> = row.try_get(23)?;
        match (version, chain_hash, mac) {
            (Some(version), Some(chain_hash), Some(mac)) => Some($crate::anchor::AnchoredHead {
                version: u64::try_from(version).unwrap_or_default(),
                chain_hash,
                mac,
            }),
            _ => None,
        }
    }};
}

/// Decodes every row with `$decode` (one of the macros above), as a `StoreError` result.
macro_rules! decode_rows {
    ($rows:expr, $decode:ident) => {
        $rows
            .iter()
            .map(|row| Ok($decode!(row)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err($crate::StoreError::from)
    };
}

/// The INSERT of one prepared row, identical on both backends but for what it returns.
macro_rules! insert_event {
    ($row:expr, $returning:literal) => {{
        let row = $row;
        let event = row.event;
        let meta = &event.metadata;
        sqlx::query_as(concat!(
            "INSERT INTO events (event_id, stream_id, stream_version, event_type, \
                schema_version, occurred_at, recorded_at, correlation_id, causation_id, \
                traceparent, actor_id, actor_organisation, actor_role, data_subject, tenant, \
                payload, content_hash, chain_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                $17, $18) RETURNING ",
            $returning
        ))
        .bind(event.event_id)
        .bind(row.stream_id)
        .bind(row.stream_version as i64)
        .bind(&event.event_type)
        .bind(i64::from(event.schema_version))
        .bind(chrono::SubsecRound::trunc_subsecs(event.occurred_at, 6))
        .bind(row.recorded_at)
        .bind(meta.correlation_id)
        .bind(meta.causation_id)
        .bind(&meta.traceparent)
        .bind(&meta.actor.id)
        .bind(&meta.actor.organisation)
        .bind(&meta.actor.role)
        .bind(&meta.data_subject)
        .bind(&meta.tenant)
        .bind(&event.payload)
        .bind(row.content_hash.as_slice())
        .bind(row.chain_hash.as_slice())
    }};
}

pub(crate) use {
    anchored_head_columns, decode_anchored_head, decode_event_row, decode_rows, decode_stored_row,
    insert_event,
};
