//! What the API answers when it cannot do what was asked: a status and a JSON body
//! `{"error": "<message>"}`, the one error shape of every route. The services' gRPC refusals
//! are mapped once, in [`ApiError::from_status`]; their messages, which name the field at
//! fault, are kept for every refusal that is the caller's to fix, and replaced by a plain one
//! (the cause logged) for faults that are not.

use axum::Json;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tonic::Code;

/// Why a request was not answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// What went wrong, for the caller.
    pub(crate) message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// A malformed request: one the OpenAPI document says is not of the operation's form. The
    /// message names the field, parameter or header at fault.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A body that is not JSON by its content type.
    pub(crate) fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as JSON, with content-type: application/json",
        )
    }

    /// A body over the size limit.
    pub(crate) fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} KiB", limit / 1024),
        )
    }

    /// A path under `/api` that names no endpoint.
    pub(crate) fn no_such_endpoint(path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no such endpoint: {path}"))
    }

    /// An endpoint that does not answer `method`.
    pub(crate) fn method_not_allowed(method: &Method) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("this endpoint does not answer {method}"),
        )
    }

    /// A fault of the gateway's own; `message` says nothing the caller could misuse.
    pub(crate) fn internal(message: &str) -> Self {
        tracing::error!(message, "the gateway failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }

    /// No channel leads to `service`.
    pub(crate) fn unavailable(service: &str) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the {service} is unavailable; try again"),
        )
    }

    /// The service did not answer within the gateway's limit.
    pub(crate) fn timed_out(service: &str) -> Self {
        tracing::warn!(service, "the service did not answer in time");
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "the {service} did not answer in time; a command may still have been \
                 recorded, so check before repeating it"
            ),
        )
    }

    /// The one mapping from a service's gRPC status to HTTP. The gateway has already checked
    /// the request's form, so what the service still finds invalid (an unknown postcode, a
    /// wrong check digit, coordinates without their pair) is a well-formed request it cannot
    /// process: 422.
    pub(crate) fn from_status(service: &str, status: &tonic::Status) -> Self {
        let message = status.message();
        let (http, kept) = match status.code() {
            Code::InvalidArgument => (StatusCode::UNPROCESSABLE_ENTITY, true),
            Code::NotFound => (StatusCode::NOT_FOUND, true),
            Code::AlreadyExists | Code::FailedPrecondition => (StatusCode::CONFLICT, true),
            // A refusal that already says to retry (an idempotency key in use) is kept as it is.
            Code::Aborted if message.contains("retry") => (StatusCode::CONFLICT, true),
            Code::Aborted => {
                return Self::new(
                    StatusCode::CONFLICT,
                    format!("{message}: a concurrent change got there first; retry"),
                );
            }
            Code::Unauthenticated => (StatusCode::UNAUTHORIZED, true),
            // The services' only exhaustion a client causes is a request over the limit; what
            // else the status may carry is theirs.
            Code::ResourceExhausted => {
                return Self::new(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large");
            }
            Code::PermissionDenied => (StatusCode::FORBIDDEN, true),
            Code::DeadlineExceeded => (StatusCode::GATEWAY_TIMEOUT, true),
            Code::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, false),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, false),
        };
        if kept {
            return Self::new(http, message);
        }
        // Transport errors carry addresses and causes the caller has no use for.
        tracing::error!(service, code = ?status.code(), message, "the service failed");
        if http == StatusCode::SERVICE_UNAVAILABLE {
            return Self::unavailable(service);
        }
        Self::new(http, "internal error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use tonic::{Code, Status};

    use super::ApiError;

    fn mapped(code: Code, message: &str) -> (StatusCode, String) {
        let error = ApiError::from_status("DirectoryService", &Status::new(code, message));
        (error.status, error.message)
    }

    #[test]
    fn refusals_keep_the_services_message_and_faults_do_not() {
        let kept = [
            (Code::InvalidArgument, StatusCode::UNPROCESSABLE_ENTITY),
            (Code::NotFound, StatusCode::NOT_FOUND),
            (Code::AlreadyExists, StatusCode::CONFLICT),
            (Code::FailedPrecondition, StatusCode::CONFLICT),
            (Code::Unauthenticated, StatusCode::UNAUTHORIZED),
            (Code::PermissionDenied, StatusCode::FORBIDDEN),
            (Code::DeadlineExceeded, StatusCode::GATEWAY_TIMEOUT),
        ];
        for (code, status) in kept {
            assert_eq!(
                mapped(code, "postcode: LW9 9ZZ is not a known postcode"),
                (
                    status,
                    "postcode: LW9 9ZZ is not a known postcode".to_owned()
                ),
                "{code:?}"
            );
        }
        let (status, message) = mapped(Code::Aborted, "service changed");
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(message.starts_with("service changed") && message.ends_with("retry"));
        assert_eq!(
            mapped(Code::Unavailable, "tcp connect error: 10.0.0.7:50051"),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the DirectoryService is unavailable; try again".to_owned()
            )
        );
        assert_eq!(
            mapped(Code::ResourceExhausted, "sqlx: pool exhausted"),
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request is too large".to_owned()
            )
        );
        for code in [Code::Internal, Code::Unknown, Code::DataLoss] {
            assert_eq!(
                mapped(code, "sqlx: relation does not exist"),
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_owned()
                )
            );
        }
    }
}
