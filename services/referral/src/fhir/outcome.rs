//! FHIR `OperationOutcome` errors: every refusal names the element at fault and carries the
//! right HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppError;
use crate::domain::referral::Error;

/// A refusal, rendered as an `OperationOutcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The HTTP status.
    pub status: StatusCode,
    /// FHIR issue type code (`invalid`, `required`, `not-found`, `conflict`, `forbidden`,
    /// `business-rule`, `login`, `exception`).
    pub code: &'static str,
    /// What is wrong, for a person.
    pub diagnostics: String,
    /// The FHIRPath of the element at fault, when there is one.
    pub expression: Option<String>,
}

impl Outcome {
    /// A malformed or missing element: 400.
    pub fn invalid(expression: &str, diagnostics: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid",
            diagnostics: diagnostics.into(),
            expression: Some(expression.to_owned()),
        }
    }

    fn plain(status: StatusCode, code: &'static str, diagnostics: impl Into<String>) -> Self {
        Self {
            status,
            code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    /// No such resource (or not one the caller may see): 404.
    pub fn not_found(diagnostics: impl Into<String>) -> Self {
        Self::plain(StatusCode::NOT_FOUND, "not-found", diagnostics)
    }

    /// The caller's role may not do this: 403.
    pub fn forbidden(diagnostics: impl Into<String>) -> Self {
        Self::plain(StatusCode::FORBIDDEN, "forbidden", diagnostics)
    }

    /// Well formed, but not something the service can act on: 422, naming the element.
    pub fn unprocessable(expression: &str, diagnostics: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "business-rule",
            diagnostics: diagnostics.into(),
            expression: Some(expression.to_owned()),
        }
    }

    /// No valid bearer token: 401.
    pub fn unauthenticated(diagnostics: impl Into<String>) -> Self {
        Self::plain(StatusCode::UNAUTHORIZED, "login", diagnostics)
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let mut issue = json!({
            "severity": "error",
            "code": self.code,
            "diagnostics": self.diagnostics,
        });
        if let Some(expression) = self.expression {
            issue["expression"] = json!([expression]);
        }
        let body = json!({ "resourceType": "OperationOutcome", "issue": [issue] });
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/fhir+json"),
        );
        response
    }
}

impl From<AppError> for Outcome {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rejected(rejected) => {
                let message = rejected.to_string();
                match rejected {
                    Error::NotFound => Self::not_found(message),
                    Error::AlreadyExists => Self::plain(StatusCode::CONFLICT, "duplicate", message),
                    Error::NotAParty { .. }
                    | Error::OfferNotForYou(_)
                    | Error::NotAccountable(_) => {
                        Self::plain(StatusCode::FORBIDDEN, "forbidden", message)
                    }
                    _ => Self::plain(StatusCode::UNPROCESSABLE_ENTITY, "business-rule", message),
                }
            }
            AppError::Store(store) if store.is_conflict() => {
                Self::plain(StatusCode::CONFLICT, "conflict", store.to_string())
            }
            AppError::Store(eventstore::StoreError::Unavailable(_)) => Self::plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "transient",
                "the service is unavailable",
            ),
            other => {
                tracing::error!(error = %eventstore::error_chain(&other), "FHIR request failed");
                Self::plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "exception",
                    "internal error",
                )
            }
        }
    }
}
