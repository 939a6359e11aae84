//! The OpenAPI 3.1 document of the JSON API, served at `/openapi.json`: every route under
//! `/api/v1` with its parameters, request body and responses (the error shape included), the
//! identity headers as security schemes, and tags pointing to the two other HTTP APIs, FHIR
//! (`/fhir`) and Open Referral UK (`/oruk`), which are described elsewhere.
//!
//! Built in code from small helpers ([`Op`]) and the schemas in [`schemas`]; the gateway's
//! tests check it against the router (every route documented, every documented operation
//! answered) and the JSON the API really sends against these schemas.

mod operations;
mod schemas;

use serde_json::{Map, Value, json};

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, operation) in operations::all() {
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        if let Value::Object(entry) = entry {
            entry.insert(method.to_owned(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Linkwork API",
            "version": "1.0.0",
            "summary": "Social prescribing referrals and the local services directory, as JSON.",
            "description": DESCRIPTION,
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "servers": [{ "url": "/", "description": "This deployment" }],
        "tags": [
            { "name": "directory", "description": "Local services: search, and the curator's commands." },
            { "name": "referrals", "description": "Referrals and the responsibility ledger." },
            { "name": "meta", "description": "This document." },
            {
                "name": "fhir",
                "description": "A separate API, not described here: referrals as FHIR R4 \
                    (UK Core ServiceRequest in, HL7 Gravity Task out) under /fhir.",
                "externalDocs": { "description": "The FHIR API's base", "url": "/fhir" }
            },
            {
                "name": "oruk",
                "description": "A separate API, not described here: the directory as Open \
                    Referral UK (HSDS 3.0) under /oruk, open to anyone, read only.",
                "externalDocs": { "description": "The Open Referral UK API's root", "url": "/oruk/" }
            }
        ],
        "externalDocs": {
            "description": "Open Referral UK, the standard the directory also publishes in",
            "url": "https://openreferraluk.org"
        },
        "security": [{ "user": [], "organisation": [], "role": [] }],
        "paths": paths,
        "components": schemas::components(),
    })
}

const DESCRIPTION: &str = "A JSON facade over the referral and directory services. Who is \
    calling comes from the authenticating gateway in front of this API, in the headers \
    x-linkwork-user, x-linkwork-organisation and x-linkwork-role; without them every call is \
    401. Bodies are JSON (content-type application/json), at most 256 KiB, and unknown fields \
    are refused. Times are RFC 3339. Text fields use \"\" for none. Every refusal is \
    {\"error\": message}, the message naming the field or parameter at fault.";

/// One operation, built up.
pub(super) struct Op(Map<String, Value>);

/// A reference to a component schema.
pub(super) fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Statuses every API operation can answer, and the response component each refers to.
const ERRORS: [(&str, &str); 10] = [
    ("400", "BadRequest"),
    ("401", "Unauthorized"),
    ("403", "Forbidden"),
    ("404", "NotFound"),
    ("409", "Conflict"),
    ("413", "PayloadTooLarge"),
    ("415", "UnsupportedMediaType"),
    ("500", "InternalError"),
    ("503", "Unavailable"),
    ("504", "GatewayTimeout"),
];

impl Op {
    /// An operation of the API, which every refusal common to all of them can answer.
    pub(super) fn new(id: &str, tag: &str, summary: &str) -> Self {
        let mut op = Map::new();
        op.insert("operationId".into(), json!(id));
        op.insert("tags".into(), json!([tag]));
        op.insert("summary".into(), json!(summary));
        op.insert(
            "parameters".into(),
            json!([
                { "$ref": "#/components/parameters/CorrelationId" },
                { "$ref": "#/components/parameters/Traceparent" }
            ]),
        );
        op.insert("responses".into(), json!({}));
        Self(op).errors(&["400", "401", "500", "503", "504"])
    }

    /// Says more than the summary.
    pub(super) fn describe(mut self, text: &str) -> Self {
        self.0.insert("description".into(), json!(text));
        self
    }

    /// Adds a parameter.
    pub(super) fn param(mut self, parameter: Value) -> Self {
        if let Some(Value::Array(parameters)) = self.0.get_mut("parameters") {
            parameters.push(parameter);
        }
        self
    }

    /// Takes a JSON body of component schema `name`.
    pub(super) fn body(mut self, name: &str) -> Self {
        self.0.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": schema(name) } } }),
        );
        self.errors(&["413", "415"])
    }

    /// Answers `status` with a JSON body of component schema `name`.
    pub(super) fn answers(mut self, status: &str, description: &str, name: &str) -> Self {
        if let Some(Value::Object(responses)) = self.0.get_mut("responses") {
            responses.insert(
                status.into(),
                json!({
                    "description": description,
                    "content": { "application/json": { "schema": schema(name) } }
                }),
            );
        }
        self
    }

    /// Can be refused with each of `statuses`.
    pub(super) fn errors(mut self, statuses: &[&str]) -> Self {
        if let Some(Value::Object(responses)) = self.0.get_mut("responses") {
            for status in statuses {
                if let Some((_, component)) = ERRORS.iter().find(|(code, _)| code == status) {
                    let reference = format!("#/components/responses/{component}");
                    responses.insert((*status).into(), json!({ "$ref": reference }));
                }
            }
        }
        self
    }

    /// The operation as JSON.
    pub(super) fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// A path parameter holding a UUID.
pub(super) fn path_id(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true, "description": description,
        "schema": { "type": "string", "format": "uuid" }
    })
}

/// A query parameter.
pub(super) fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}
