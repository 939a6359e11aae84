//! What the ORUK API answers when it cannot answer the question: a status and a JSON body
//! `{"error": "<message>"}` whose message names the parameter or id at fault.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a request was not answered.
#[derive(Debug, thiserror::Error)]
pub(super) enum ApiError {
    /// A malformed or contradictory parameter, named in the message.
    #[error("{0}")]
    BadRequest(String),
    /// No record with the id asked for, or no such endpoint.
    #[error("{0}")]
    NotFound(String),
    /// A dependency (the postcode table) failed; the cause is logged, not sent.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// A 400 naming `parameter`.
    pub(super) fn parameter(parameter: &str, problem: impl std::fmt::Display) -> Self {
        Self::BadRequest(format!("{parameter}: {problem}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}
