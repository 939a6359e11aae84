//! The events each service publishes, as their producers declare them in
//! `proto/linkwork/<service>/v1/events.proto` (`linkwork.events.v1.event`).
//!
//! - Consumers decode a payload into the generated contract type ([`decode_if`]): fields the
//!   contract does not name are ignored, so a producer may record more without breaking them.
//! - Producers prove in their tests that every event they record keeps its contract
//!   ([`conforms`]): a payload missing a field the contract promises is a test failure there,
//!   before any consumer decodes a default in its place.
//! - [`catalogue`] lists every published event with its subject and payload message, for
//!   integrator-facing documentation.
//! - [`published_payload`] is what of a recorded payload is published: the fields its contract
//!   declares and nothing else, so what a producer keeps for itself (sealed personal data)
//!   never reaches the bus.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost_reflect::{DeserializeOptions, DynamicMessage, Kind, MessageDescriptor, Value};
use proto::Published;

use crate::pool;

/// Why a payload could not be read as its contract says.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// The contract type is not in the compiled descriptors (a build fault).
    #[error("no contract {0} is compiled in")]
    Unknown(String),
    /// The payload is not JSON of the contract's shape.
    #[error("the {event_type} payload does not match its contract: {reason}")]
    Mismatch {
        /// The event type.
        event_type: String,
        /// What did not match.
        reason: String,
    },
}

/// The payload of a `service`'s event of type `event_type` as `T`, or `None` when the event is
/// not a `T`.
pub fn decode_if<T: Published>(
    service: &str,
    event_type: &str,
    payload: &[u8],
) -> Result<Option<T>, ContractError> {
    if service != T::SERVICE || event_type != T::EVENT_TYPE {
        return Ok(None);
    }
    let descriptor = pool()
        .get_message_by_name(&T::full_name())
        .ok_or_else(|| ContractError::Unknown(T::full_name()))?;
    let mismatch = |reason: String| ContractError::Mismatch {
        event_type: event_type.to_owned(),
        reason,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let message = DynamicMessage::deserialize_with_options(descriptor, &mut deserializer, &options)
        .map_err(|error| mismatch(error.to_string()))?;
    message
        .transcode_to::<T>()
        .map(Some)
        .map_err(|error| mismatch(error.to_string()))
}

/// One published event type.
#[derive(Debug, Clone)]
pub struct PublishedEvent {
    /// The producing service.
    pub service: String,
    /// The aggregate category (the first part of its stream ids).
    pub category: String,
    /// The stored event type.
    pub event_type: String,
    /// The contract message.
    pub message: MessageDescriptor,
}

impl PublishedEvent {
    /// The NATS subjects its events are published on, under a deployment's `prefix`.
    pub fn subject(&self, prefix: &str) -> String {
        format!(
            "{prefix}.{}.{}.*.{}",
            self.service, self.category, self.event_type
        )
    }
}

/// Every published event type of every service, by service and then as declared.
pub fn catalogue() -> Vec<PublishedEvent> {
    let pool = pool();
    let Some(extension) = pool.get_extension_by_name("linkwork.events.v1.event") else {
        return Vec::new();
    };
    let mut out: Vec<PublishedEvent> = pool
        .all_messages()
        .filter_map(|message| {
            let options = message.options();
            if !options.has_extension(&extension) {
                return None;
            }
            let marked = options.get_extension(&extension);
            let text = |name: &str| match &*marked {
                Value::Message(marked) => marked
                    .get_field_by_name(name)
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let service = message.package_name().split('.').nth(1)?.to_owned();
            Some(PublishedEvent {
                service,
                category: text("category"),
                event_type: text("type"),
                message,
            })
        })
        .collect();
    out.sort_by(|a, b| a.service.cmp(&b.service));
    out
}

/// The contract of `service`'s events of type `event_type`, looked up once per process (the
/// relay asks for every event it publishes).
fn contract_of(service: &str, event_type: &str) -> Option<&'static MessageDescriptor> {
    static CONTRACTS: OnceLock<HashMap<(String, String), MessageDescriptor>> = OnceLock::new();
    CONTRACTS
        .get_or_init(|| {
            catalogue()
                .into_iter()
                .map(|event| ((event.service, event.event_type), event.message))
                .collect()
        })
        .get(&(service.to_owned(), event_type.to_owned()))
}

/// What is published of a payload `service` recorded as `event_type`: its JSON with only the
/// fields the contract declares, at every depth of the contract's own messages. Fails closed:
/// an event type with no contract, or a payload that is not a JSON object, publishes `{}` (each
/// producer's tests prove every type it records has a contract that its payloads keep).
pub fn published_payload(service: &str, event_type: &str, payload: &[u8]) -> Vec<u8> {
    const NOTHING: &[u8] = b"{}";
    let Some(contract) = contract_of(service, event_type) else {
        return NOTHING.to_vec();
    };
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return NOTHING.to_vec();
    };
    if !json.is_object() {
        return NOTHING.to_vec();
    }
    keep_declared(contract, &mut json);
    serde_json::to_vec(&json).unwrap_or_else(|_| NOTHING.to_vec())
}

/// Removes from `json` every field `message` does not declare (by its proto name or its JSON
/// name, as decoding reads either), and so on inside each field that is one of the contract's
/// own messages, or a map of them (a timestamp or other well-known type is kept whole).
fn keep_declared(message: &MessageDescriptor, json: &mut serde_json::Value) {
    let serde_json::Value::Object(object) = json else {
        return;
    };
    let field = |name: &str| {
        message
            .get_field_by_name(name)
            .or_else(|| message.get_field_by_json_name(name))
    };
    object.retain(|name, _| field(name).is_some());
    for (name, value) in object.iter_mut() {
        let Some(field) = field(name) else {
            continue;
        };
        let (inner, map) = match field.kind() {
            Kind::Message(entry) if field.is_map() => (entry.map_entry_value_field().kind(), true),
            kind => (kind, false),
        };
        let Kind::Message(inner) = inner else {
            continue;
        };
        if inner.full_name().starts_with("google.protobuf.") {
            continue;
        }
        match value {
            serde_json::Value::Object(entries) if map => {
                entries
                    .values_mut()
                    .for_each(|item| keep_declared(&inner, item));
            }
            serde_json::Value::Array(items) => {
                items
                    .iter_mut()
                    .for_each(|item| keep_declared(&inner, item));
            }
            value => keep_declared(&inner, value),
        }
    }
}

/// Whether a payload `service` recorded as `event_type` keeps its contract: one is declared,
/// the payload decodes as it, and every field it promises is there (a field the contract marks
/// `optional`, or a message, may be absent). Each broken promise is named.
pub fn conforms(service: &str, event_type: &str, payload: &[u8]) -> Result<(), Vec<String>> {
    let Some(declared) = catalogue()
        .into_iter()
        .find(|event| event.service == service && event.event_type == event_type)
    else {
        return Err(vec![format!(
            "{service} records {event_type}, for which no contract is declared in \
             proto/linkwork/{service}/v1/events.proto"
        )]);
    };
    let json: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|error| vec![format!("{event_type}: not JSON: {error}")])?;
    let mut problems = Vec::new();
    promised(&declared.message, &json, event_type, &mut problems);
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    if let Err(error) = DynamicMessage::deserialize_with_options(declared.message, &json, &options)
    {
        problems.push(format!("{event_type}: {error}"));
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems),
    }
}

/// Names in `problems` each field `message` promises that `json` lacks.
fn promised(
    message: &MessageDescriptor,
    json: &serde_json::Value,
    at: &str,
    problems: &mut Vec<String>,
) {
    let serde_json::Value::Object(object) = json else {
        problems.push(format!("{at} is not a JSON object"));
        return;
    };
    for field in message.fields() {
        let path = format!("{at}.{}", field.name());
        let inner = match field.kind() {
            Kind::Message(inner) if !inner.full_name().starts_with("google.protobuf.") => {
                Some(inner)
            }
            _ => None,
        };
        match (object.get(field.name()), inner) {
            (None, None) if !field.supports_presence() => {
                problems.push(format!("{path} is promised but not recorded"));
            }
            (Some(serde_json::Value::Array(items)), Some(inner)) => {
                for (index, item) in items.iter().enumerate() {
                    promised(&inner, item, &format!("{path}[{index}]"), problems);
                }
            }
            (Some(value @ serde_json::Value::Object(_)), Some(inner)) => {
                promised(&inner, value, &path, problems);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_names_each_event_once_with_its_subject() {
        let catalogue = catalogue();
        let mut seen = std::collections::HashSet::new();
        for event in &catalogue {
            assert!(
                seen.insert((event.service.clone(), event.event_type.clone())),
                "{} is declared twice",
                event.event_type
            );
            assert!(!event.category.is_empty() && !event.event_type.is_empty());
        }
        let listed = catalogue
            .iter()
            .find(|event| event.event_type == "service_listed")
            .expect("the directory publishes service_listed");
        assert_eq!(
            listed.subject("linkwork"),
            "linkwork.directory.service.*.service_listed"
        );
    }

    #[test]
    fn payloads_decode_into_their_contract_ignoring_what_it_does_not_name() {
        use proto::directory::v1::{ServiceCapacityChanged, ServiceListed};
        let payload = br#"{"type":"service_capacity_changed","service_id":"s-1","available":3,
            "maximum":null,"unit":"places","at":"2026-11-02T09:00:00.5Z","new_field":[1]}"#;
        let changed =
            decode_if::<ServiceCapacityChanged>("directory", "service_capacity_changed", payload)
                .expect("decodes")
                .expect("is one");
        assert_eq!((changed.service_id.as_str(), changed.available), ("s-1", 3));
        assert_eq!(changed.maximum, None);
        assert_eq!(changed.at.map(|at| at.nanos), Some(500_000_000));
        let other = decode_if::<ServiceListed>("directory", "service_capacity_changed", payload);
        assert!(matches!(other, Ok(None)));
        let broken = decode_if::<ServiceCapacityChanged>(
            "directory",
            "service_capacity_changed",
            br#"{"available":"three"}"#,
        );
        assert!(matches!(broken, Err(ContractError::Mismatch { .. })));
    }

    #[test]
    fn only_what_the_contract_declares_is_published() {
        let recorded = br#"{"type":"service_capacity_changed","service_id":"s-1","available":3,
            "maximum":null,"unit":"places","at":"2026-11-02T09:00:00Z","kept_to_itself":"x"}"#;
        let published = published_payload("directory", "service_capacity_changed", recorded);
        let published: serde_json::Value = serde_json::from_slice(&published).expect("JSON");
        let mut names: Vec<&str> = published
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["at", "available", "maximum", "service_id", "unit"]);
        assert_eq!(
            published_payload("directory", "service_teleported", recorded),
            b"{}"
        );
        assert_eq!(
            published_payload("directory", "service_capacity_changed", b"[1]"),
            b"{}"
        );
        // A field under its JSON name is the contract's as much as under its proto name.
        let camel = published_payload(
            "directory",
            "service_capacity_changed",
            br#"{"serviceId":"s-1","keptToItself":"x"}"#,
        );
        assert_eq!(camel, br#"{"serviceId":"s-1"}"#);
    }

    #[test]
    fn a_payload_missing_a_promised_field_breaks_its_contract() {
        let kept = br#"{"service_id":"s-1","reason":"venue closed","at":"2026-11-02T09:00:00Z"}"#;
        assert_eq!(conforms("directory", "service_suspended", kept), Ok(()));
        let renamed = br#"{"service_id":"s-1","why":"venue closed","at":"2026-11-02T09:00:00Z"}"#;
        let problems = conforms("directory", "service_suspended", renamed).expect_err("broken");
        assert_eq!(
            problems,
            ["service_suspended.reason is promised but not recorded"]
        );
        let undeclared = conforms("directory", "service_teleported", kept).expect_err("none");
        assert!(
            undeclared[0].contains("no contract is declared"),
            "{undeclared:?}"
        );
    }
}
