//! The OpenAPI 3.1 document of the JSON API, served at `/openapi.json`, generated from the
//! same descriptors the routes are: every route with its parameters, request body and
//! responses, each field's description from its proto comment and each field's limits as JSON
//! Schema keywords ([`contract::schema`]), so that a request the document allows is one the API
//! takes. Also the error shape, the bearer token as the security scheme, and tags pointing to
//! the two other HTTP APIs, FHIR (`/fhir`) and Open Referral UK (`/oruk`), described elsewhere.

mod operation;

use contract::schema::Components;
use serde_json::{Map, Value, json};

/// Statuses an operation can be refused with, the response component each refers to, and
/// what it means.
const ERRORS: [(&str, &str, &str); 12] = [
    (
        "400",
        "BadRequest",
        "Malformed: a field, parameter or header not of the form this document gives; the message names it",
    ),
    (
        "401",
        "Unauthorized",
        "No valid bearer token: missing, expired, not from the configured issuer or for another audience",
    ),
    ("403", "Forbidden", "The caller may not do this"),
    ("404", "NotFound", "Nothing by that id"),
    (
        "409",
        "Conflict",
        "Refused by the record's state (already exists, wrong status, withdrawn), or a concurrent change got there first (retry)",
    ),
    ("413", "PayloadTooLarge", "The body is over 256 KiB"),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not sent as application/json",
    ),
    (
        "422",
        "Unprocessable",
        "Well formed, but the service cannot act on it: a postcode it does not know, an NHS number whose check digit is wrong, a record named that does not exist; the message names the field",
    ),
    (
        "500",
        "InternalError",
        "A fault; the message says nothing more",
    ),
    (
        "503",
        "Unavailable",
        "The service behind this API is unavailable; try again",
    ),
    (
        "504",
        "GatewayTimeout",
        "The service did not answer in time; a command may have been recorded all the same",
    ),
    (
        "405",
        "MethodNotAllowed",
        "The path does not answer this method",
    ),
];

/// The document.
pub fn document() -> Value {
    let mut components = Components::default();
    let mut paths = Map::new();
    let mut tags = Vec::new();
    paths.insert("/openapi.json".into(), json!({ "get": this_document() }));
    for binding in contract::http::bindings() {
        let tag = operation::tag(binding);
        if !tags
            .iter()
            .any(|(name, _): &(String, String)| *name == tag.0)
        {
            tags.push(tag);
        }
        let entry = paths
            .entry(binding.path.clone())
            .or_insert_with(|| json!({}));
        if let Value::Object(entry) = entry {
            let method = binding.method.as_str().to_ascii_lowercase();
            entry.insert(method, operation::describe(binding, &mut components));
        }
    }
    let mut tags: Vec<Value> = tags
        .into_iter()
        .map(|(name, description)| json!({ "name": name, "description": description }))
        .collect();
    tags.extend(other_apis());
    let mut schemas = components.into_schemas();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "description": "Why a request was refused",
            "required": ["error"],
            "properties": {
                "error": { "type": "string", "description": "What went wrong, naming the field or parameter at fault" }
            }
        }),
    );
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
        "tags": tags,
        "externalDocs": {
            "description": "Open Referral UK, the standard the directory also publishes in",
            "url": "https://openreferraluk.org"
        },
        "security": [security_requirement()],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses(),
            "parameters": parameters(),
            "securitySchemes": security_schemes(),
        },
    })
}

const DESCRIPTION: &str = "The services' gRPC APIs as JSON: each route is declared on its \
    RPC in the protos (proto/linkwork), with the proto3 JSON mapping (proto field names). Who \
    is calling comes from the authenticating gateway in front of this API, in the headers \
    named as security schemes; without them every call is 401. Bodies are JSON \
    (content-type application/json), at most 256 KiB, and fields not in the schema are \
    refused. Times are RFC 3339. Text fields use \"\" for none; answers leave out unset \
    optional fields and messages. Every refusal is {\"error\": message}, the message naming \
    the field or parameter at fault: 400 when the request is not of the form this document \
    gives, 422 when it is but the service cannot act on it.";

fn this_document() -> Value {
    json!({
        "operationId": "getOpenApi",
        "tags": ["meta"],
        "summary": "This document",
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI 3.1 document of this API",
                "content": { "application/json": { "schema": { "type": "object" } } }
            }
        }
    })
}

fn other_apis() -> [Value; 3] {
    [
        json!({ "name": "meta", "description": "This document." }),
        json!({
            "name": "fhir",
            "description": "A separate API, not described here: referrals as FHIR R4 \
                (UK Core ServiceRequest in, HL7 Gravity Task out) under /fhir.",
            "externalDocs": { "description": "The FHIR API's base", "url": "/fhir" }
        }),
        json!({
            "name": "oruk",
            "description": "A separate API, not described here: the directory as Open \
                Referral UK (HSDS 3.0) under /oruk, open to anyone, read only.",
            "externalDocs": { "description": "The Open Referral UK API's root", "url": "/oruk/" }
        }),
    ]
}

/// A `$ref` to the response component answering `status`.
pub(crate) fn error_response(status: &str) -> Option<Value> {
    ERRORS
        .iter()
        .find(|(code, _, _)| *code == status)
        .map(|(_, name, _)| json!({ "$ref": format!("#/components/responses/{name}") }))
}

fn responses() -> Map<String, Value> {
    ERRORS
        .iter()
        .map(|(_, name, description)| {
            let response = json!({
                "description": description,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
            });
            ((*name).to_owned(), response)
        })
        .collect()
}

fn parameters() -> Value {
    json!({
        "CorrelationId": {
            "name": identity::CORRELATION_HEADER, "in": "header", "required": false,
            "description": "Ties the events the request causes to it; one is chosen when absent",
            "schema": {
                "type": "string",
                "format": "uuid",
                "pattern": contract::rules::format_pattern(contract::rules::Format::Uuid),
            }
        },
        "IdempotencyKey": {
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Makes a retry safe: the same key with the same request is answered \
                with the first answer, and nothing is done twice; the key with a different \
                request is 422, and while its first request is still being answered 409. Keys \
                are the caller's own and kept for a day",
            "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" }
        },
        "Traceparent": {
            "name": crate::call::TRACEPARENT, "in": "header", "required": false,
            "description": "W3C trace context, carried on to the services; one that is not \
                well formed is ignored, as the W3C recommendation asks",
            "schema": { "type": "string" }
        }
    })
}

/// The bearer token every operation needs: an OpenID Connect access token from the
/// deployment's issuer (`linkwork token` prints one for the embedded issuer of `up`).
fn security_schemes() -> Map<String, Value> {
    let bearer = json!({
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "An access token from the deployment's OpenID Connect issuer, signed with \
            an asymmetric key it publishes; user, organisation (ODS code) and role come from its \
            claims. Under `linkwork up`, `linkwork token --user U --organisation O --role R` \
            prints one."
    });
    Map::from_iter([(BEARER.to_owned(), bearer)])
}

const BEARER: &str = "bearer";

fn security_requirement() -> Value {
    json!({ BEARER: [] })
}
