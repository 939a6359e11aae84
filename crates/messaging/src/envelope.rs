//! Encoding events into the protobuf `EventEnvelope` that travels on the bus, and back.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use eventstore::{Actor, EventMetadata, Position, RecordedEvent};
use prost::Message;
use proto::events::v1::{self as pb, EventEnvelope};
use uuid::Uuid;

/// An event as a consumer receives it: the producer's recorded event and its service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedEvent {
    /// The producing service.
    pub service: String,
    /// The event, with the producer's stream version and log position.
    pub event: RecordedEvent,
}

fn optional(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// Encodes `event` of `service` as an envelope.
pub fn encode_envelope(service: &str, event: &RecordedEvent) -> Bytes {
    let meta = &event.metadata;
    EventEnvelope {
        event_id: event.event_id.to_string(),
        stream_id: event.stream_id.clone(),
        stream_version: event.stream_version,
        global_position: event.position.global_position,
        event_type: event.event_type.clone(),
        schema_version: event.schema_version,
        occurred_at_unix_micros: event.occurred_at.timestamp_micros(),
        recorded_at_unix_micros: event.recorded_at.timestamp_micros(),
        correlation_id: meta.correlation_id.to_string(),
        causation_id: meta
            .causation_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        traceparent: optional(&meta.traceparent),
        actor: Some(pb::Actor {
            id: meta.actor.id.clone(),
            organisation: meta.actor.organisation.clone(),
            role: meta.actor.role.clone(),
        }),
        data_subject: optional(&meta.data_subject),
        tenant: meta.tenant.clone(),
        service: service.to_owned(),
        payload: event.payload.clone(),
    }
    .encode_to_vec()
    .into()
}

/// Why an envelope could not be decoded. Such a message can never succeed, so consumers
/// terminate it rather than retry.
#[derive(Debug, thiserror::Error)]
#[error("malformed event envelope: {0}")]
pub struct MalformedEnvelope(String);

fn uuid_field(name: &str, value: &str) -> Result<Uuid, MalformedEnvelope> {
    Uuid::parse_str(value).map_err(|e| MalformedEnvelope(format!("{name}: {e}")))
}

fn time_field(name: &str, micros: i64) -> Result<DateTime<Utc>, MalformedEnvelope> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| MalformedEnvelope(format!("{name}: {micros} is out of range")))
}

/// Decodes an envelope.
pub fn decode_envelope(bytes: &[u8]) -> Result<ReceivedEvent, MalformedEnvelope> {
    let envelope = EventEnvelope::decode(bytes).map_err(|e| MalformedEnvelope(e.to_string()))?;
    let actor = envelope.actor.unwrap_or_default();
    let causation_id = match envelope.causation_id.as_str() {
        "" => None,
        id => Some(uuid_field("causation_id", id)?),
    };
    let event = RecordedEvent {
        event_id: uuid_field("event_id", &envelope.event_id)?,
        stream_id: envelope.stream_id,
        stream_version: envelope.stream_version,
        position: Position {
            global_position: envelope.global_position,
            ..Position::START
        },
        event_type: envelope.event_type,
        schema_version: envelope.schema_version,
        occurred_at: time_field("occurred_at", envelope.occurred_at_unix_micros)?,
        recorded_at: time_field("recorded_at", envelope.recorded_at_unix_micros)?,
        payload: envelope.payload,
        metadata: EventMetadata {
            correlation_id: uuid_field("correlation_id", &envelope.correlation_id)?,
            causation_id,
            traceparent: non_empty(envelope.traceparent),
            actor: Actor {
                id: actor.id,
                organisation: actor.organisation,
                role: actor.role,
            },
            data_subject: non_empty(envelope.data_subject),
            tenant: envelope.tenant,
        },
    };
    Ok(ReceivedEvent {
        service: envelope.service,
        event,
    })
}
