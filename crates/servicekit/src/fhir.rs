//! What every service's FHIR R4 API shares: refusals as `OperationOutcome`s naming the element
//! at fault with the right HTTP status ([`OperationOutcome`]), the caller the kit authenticated
//! ([`FhirCaller`]) held to the roles of the interaction's gRPC twin ([`admit`]), responses in
//! `application/fhir+json` ([`fhir_json`]), and the request's correlation id.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity::Caller;
use serde_json::{Value, json};
use uuid::Uuid;

/// The FHIR JSON media type.
pub const FHIR_JSON: &str = "application/fhir+json";

/// A body as FHIR JSON with `status`.
pub fn fhir_json(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

/// A refusal, rendered as an `OperationOutcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationOutcome {
    /// The HTTP status.
    pub status: StatusCode,
    /// FHIR issue type code (`invalid`, `required`, `not-found`, `conflict`, `forbidden`,
    /// `business-rule`, `login`, `exception`, `transient`).
    pub code: &'static str,
    /// What is wrong, for a person.
    pub diagnostics: String,
    /// The FHIRPath of the element at fault, when there is one.
    pub expression: Option<String>,
}

impl OperationOutcome {
    /// A refusal with `status` and issue `code`, naming no element.
    pub fn plain(status: StatusCode, code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self {
            status,
            code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    /// A malformed or missing element: 400, naming it.
    pub fn invalid(expression: &str, diagnostics: impl Into<String>) -> Self {
        Self {
            expression: Some(expression.to_owned()),
            ..Self::plain(StatusCode::BAD_REQUEST, "invalid", diagnostics)
        }
    }

    /// Well formed, but not something the service can act on: 422, naming the element.
    pub fn unprocessable(expression: &str, diagnostics: impl Into<String>) -> Self {
        Self {
            expression: Some(expression.to_owned()),
            ..Self::plain(
                StatusCode::UNPROCESSABLE_ENTITY,
                "business-rule",
                diagnostics,
            )
        }
    }

    /// No such resource (or not one the caller may see): 404.
    pub fn not_found(diagnostics: impl Into<String>) -> Self {
        Self::plain(StatusCode::NOT_FOUND, "not-found", diagnostics)
    }

    /// The caller may not do this: 403.
    pub fn forbidden(diagnostics: impl Into<String>) -> Self {
        Self::plain(StatusCode::FORBIDDEN, "forbidden", diagnostics)
    }

    /// No valid bearer token: 401.
    pub fn unauthenticated(diagnostics: impl Into<String>) -> Self {
        Self::plain(StatusCode::UNAUTHORIZED, "login", diagnostics)
    }

    /// The body is not FHIR JSON: 415.
    pub fn unsupported_media_type(resource: &str) -> Self {
        Self {
            expression: Some(resource.to_owned()),
            ..Self::plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid",
                format!("send {FHIR_JSON}"),
            )
        }
    }

    /// A store failure: 503 when it may pass, else 500 with nothing of the cause shown (it
    /// is logged).
    pub fn store(error: &eventstore::StoreError) -> Self {
        match error {
            eventstore::StoreError::Unavailable(_) => Self::plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "transient",
                "the service is unavailable",
            ),
            error if error.is_conflict() => {
                Self::plain(StatusCode::CONFLICT, "conflict", error.to_string())
            }
            error => {
                tracing::error!(error = %eventstore::error_chain(error), "FHIR request failed");
                Self::plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    "internal error",
                )
            }
        }
    }
}

impl OperationOutcome {
    /// What a command's failure leaves for the service to say: its own refusal, or — the log
    /// failed, or a bug (logged) — the `OperationOutcome` already.
    pub fn unless_rejected<E: std::error::Error + 'static>(
        error: eventstore::aggregate::CommandError<E>,
    ) -> Result<E, Self> {
        use eventstore::aggregate::CommandError;
        match error {
            CommandError::Rejected(refused) => Ok(refused),
            CommandError::Store(error) => Err(Self::store(&error)),
            other => {
                tracing::error!(error = %eventstore::error_chain(&other), "FHIR request failed");
                Err(Self::plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    "internal error",
                ))
            }
        }
    }
}

impl From<eventstore::StoreError> for OperationOutcome {
    fn from(error: eventstore::StoreError) -> Self {
        Self::store(&error)
    }
}

impl OperationOutcome {
    /// The `OperationOutcome` resource itself, for an answer that is not an HTTP response (a
    /// reply on the bus).
    pub fn resource(&self) -> Value {
        let mut issue = json!({
            "severity": "error",
            "code": self.code,
            "diagnostics": self.diagnostics,
        });
        if let Some(expression) = &self.expression {
            issue["expression"] = json!([expression]);
        }
        json!({ "resourceType": "OperationOutcome", "issue": [issue] })
    }
}

impl IntoResponse for OperationOutcome {
    fn into_response(self) -> Response {
        fhir_json(self.status, self.resource())
    }
}

/// The caller the service kit authenticated, for a FHIR route; a refusal is an
/// `OperationOutcome` with code `login` (401).
#[derive(Debug, Clone)]
pub struct FhirCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for FhirCaller {
    type Rejection = OperationOutcome;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, OperationOutcome> {
        Caller::of_http(&parts.extensions)
            .map(FhirCaller)
            .map_err(|refusal| OperationOutcome::unauthenticated(refusal.0))
    }
}

/// Refuses a caller whose role the interaction's gRPC twin (`path`, e.g.
/// `/linkwork.outcomes.v1.OutcomesService/RecordResponse`) does not admit.
pub fn admit(caller: &Caller, path: &str) -> Result<(), OperationOutcome> {
    match contract::access::allows(path, &caller.role, &caller.scopes) {
        true => Ok(()),
        false => Err(OperationOutcome::forbidden(format!(
            "a caller acting as {} may not do this",
            caller.role
        ))),
    }
}

/// Refuses a body that is not (FHIR) JSON.
pub fn expect_json(headers: &HeaderMap, resource: &str) -> Result<(), OperationOutcome> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    match content_type.starts_with(FHIR_JSON) || content_type.starts_with("application/json") {
        true => Ok(()),
        false => Err(OperationOutcome::unsupported_media_type(resource)),
    }
}

/// The correlation id the caller sent (a UUID), or a new one.
pub fn correlation_id(headers: &HeaderMap) -> Uuid {
    headers
        .get(identity::CORRELATION_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
        .unwrap_or_else(Uuid::new_v4)
}

/// The identifier system of a Linkwork referral's id (a UUID), as every service's FHIR API
/// names it.
pub const REFERRAL_ID_SYSTEM: &str = "https://linkwork.nhs.uk/Id/referral";

/// The identifier system of a person's pseudonym: who a record is about, never who they are.
pub const PSEUDONYM_SYSTEM: &str = "https://linkwork.nhs.uk/Id/person-pseudonym";

/// The referral a resource's `basedOn` names (its element `{resource}.basedOn`):
/// `ServiceRequest/<id>` or `Task/<id>` (the referral service's resources share the referral's
/// id), or the referral's identifier in [`REFERRAL_ID_SYSTEM`]. Several naming one referral are
/// fine; naming two is refused.
pub fn based_on_referral(body: &Value, resource: &str) -> Result<Uuid, OperationOutcome> {
    let at = format!("{resource}.basedOn");
    let refuse = || {
        OperationOutcome::invalid(
            &at,
            format!(
                "basedOn must name the referral: ServiceRequest/<id>, or an identifier in \
                 {REFERRAL_ID_SYSTEM}"
            ),
        )
    };
    let based_on = body["basedOn"].as_array().ok_or_else(refuse)?;
    let mut found = None;
    for reference in based_on {
        let id = match (&reference["reference"], &reference["identifier"]) {
            (Value::String(reference), _) => reference
                .strip_prefix("ServiceRequest/")
                .or_else(|| reference.strip_prefix("Task/"))
                .and_then(|id| Uuid::parse_str(id).ok()),
            (_, identifier) if identifier["system"] == REFERRAL_ID_SYSTEM => identifier["value"]
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok()),
            _ => None,
        };
        match (found, id) {
            (_, None) => {}
            (None, id) => found = id,
            (Some(earlier), Some(id)) if earlier != id => {
                return Err(OperationOutcome::invalid(
                    &at,
                    "basedOn names more than one referral",
                ));
            }
            _ => {}
        }
    }
    found.ok_or_else(refuse)
}
