//! The document's components: the JSON shapes (one per Rust type in the `wire` modules), the
//! error responses, the tracing headers and the identity headers as security schemes.
//!
//! Request shapes have `additionalProperties: false`, as the API refuses unknown fields; answer
//! shapes list every property as required, as the API always sends every one (`null` when
//! unset).

mod directory;
mod referral;

use serde_json::{Map, Value, json};

use super::schema as reference;

/// The `components` object.
pub(super) fn components() -> Value {
    let mut schemas = Map::new();
    schemas.insert(
        "Error".into(),
        answer(
            "Why a request was refused",
            json!({ "error": text("What went wrong, naming the field or parameter at fault") }),
        ),
    );
    directory::add(&mut schemas);
    referral::add(&mut schemas);
    json!({
        "schemas": schemas,
        "responses": responses(),
        "parameters": {
            "CorrelationId": {
                "name": "x-correlation-id", "in": "header", "required": false,
                "description": "Ties the events the request causes to it; one is chosen when absent",
                "schema": { "type": "string", "format": "uuid" }
            },
            "Traceparent": {
                "name": "traceparent", "in": "header", "required": false,
                "description": "W3C trace context, carried on to the services",
                "schema": { "type": "string" }
            }
        },
        "securitySchemes": {
            "user": identity("x-linkwork-user", "The user, as the authenticating gateway verified them"),
            "organisation": identity("x-linkwork-organisation", "The organisation (ODS code) they act for"),
            "role": identity("x-linkwork-role", "The role they act in")
        }
    })
}

fn identity(header: &str, description: &str) -> Value {
    json!({
        "type": "apiKey", "in": "header", "name": header,
        "description": format!("{description}. Set by the authenticating gateway in front of this API, never by the client.")
    })
}

fn responses() -> Value {
    let error = |description: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": reference("Error") } }
        })
    };
    json!({
        "BadRequest": error("Malformed: a field, parameter or path of the wrong form, or one the service refuses; the message names it"),
        "Unauthorized": error("No identity: the request did not come through the authenticating gateway"),
        "Forbidden": error("The caller may not do this"),
        "NotFound": error("Nothing by that id"),
        "Conflict": error("Refused by the record's state (already exists, wrong status, withdrawn), or a concurrent change got there first (retry)"),
        "PayloadTooLarge": error("The body is over 256 KiB"),
        "UnsupportedMediaType": error("The body is not sent as application/json"),
        "InternalError": error("A fault; the message says nothing more"),
        "Unavailable": error("The service behind this API is unavailable; try again"),
        "GatewayTimeout": error("The service did not answer in time; a command may have been recorded all the same")
    })
}

/// A string.
pub(super) fn text(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

/// A UUID.
pub(super) fn uuid(description: &str) -> Value {
    json!({ "type": "string", "format": "uuid", "description": description })
}

/// One of `codes`.
pub(super) fn code(description: &str, codes: &[&str]) -> Value {
    json!({ "type": "string", "enum": codes, "description": description })
}

/// An RFC 3339 instant.
pub(super) fn time(description: &str) -> Value {
    json!({ "type": "string", "format": "date-time", "description": description })
}

/// An RFC 3339 instant or null.
pub(super) fn time_or_null(description: &str) -> Value {
    json!({ "type": ["string", "null"], "format": "date-time", "description": description })
}

/// A whole number, 0 or more.
pub(super) fn whole(description: &str) -> Value {
    json!({ "type": "integer", "minimum": 0, "description": description })
}

/// A whole number, 0 or more, or null.
pub(super) fn whole_or_null(description: &str) -> Value {
    json!({ "type": ["integer", "null"], "minimum": 0, "description": description })
}

/// A number or null.
pub(super) fn number_or_null(description: &str) -> Value {
    json!({ "type": ["number", "null"], "description": description })
}

/// True or false.
pub(super) fn flag(description: &str) -> Value {
    json!({ "type": "boolean", "description": description })
}

/// A list of `items`.
pub(super) fn list(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// Component `name`, or null.
pub(super) fn reference_or_null(name: &str) -> Value {
    json!({ "anyOf": [reference(name), { "type": "null" }] })
}

/// A request body's shape: unknown fields refused, only `required` needed.
pub(super) fn request(description: &str, required: &[&str], properties: Value) -> Value {
    json!({
        "type": "object", "description": description, "required": required,
        "properties": properties, "additionalProperties": false
    })
}

/// An answer's shape: every property always sent.
pub(super) fn answer(description: &str, properties: Value) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .map(|properties| properties.keys().collect())
        .unwrap_or_default();
    json!({
        "type": "object", "description": description, "required": required,
        "properties": properties, "additionalProperties": false
    })
}

/// The event types a command recorded.
pub(super) fn event_types() -> Value {
    json!({
        "type": "array", "items": { "type": "string" },
        "description": "Stored types of the events recorded, in order; empty when nothing changed"
    })
}
