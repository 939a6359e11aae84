//! Who is calling. Identity is established by the authenticating gateway in front of the
//! service (CIS2 for staff, mTLS for integrators), which forwards it in request metadata; the
//! service must never be reachable except through that gateway. This module only reads what the
//! gateway set, and refuses a request without it.

use tonic::metadata::MetadataMap;

use crate::domain::referral::Actor;

/// Metadata keys the gateway sets.
pub const USER: &str = "x-linkwork-user";
/// The organisation the user acts for.
pub const ORGANISATION: &str = "x-linkwork-organisation";
/// The role they act in.
pub const ROLE: &str = "x-linkwork-role";
/// Optional: ties the request's events to an originating request.
pub const CORRELATION: &str = "x-correlation-id";

/// The caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Who, for which organisation.
    pub actor: Actor,
    /// In which role.
    pub role: String,
}

/// Reads the caller with `get` (a header lookup); the error names the missing header.
pub fn caller_from<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Caller, String> {
    let required = |key: &str| {
        let value = get(key).map(str::trim).unwrap_or_default();
        if value.is_empty() || value.len() > 200 || value.chars().any(char::is_control) {
            return Err(format!(
                "{key} is missing or malformed: the request did not come through the gateway"
            ));
        }
        Ok(value.to_owned())
    };
    Ok(Caller {
        actor: Actor {
            id: required(USER)?,
            organisation: required(ORGANISATION)?,
        },
        role: required(ROLE)?,
    })
}

/// Reads the caller from gRPC `metadata`.
pub fn caller(metadata: &MetadataMap) -> Result<Caller, tonic::Status> {
    caller_from(|key| metadata.get(key).and_then(|value| value.to_str().ok()))
        .map_err(tonic::Status::unauthenticated)
}

/// Reads the caller from HTTP `headers`.
pub fn caller_from_headers(headers: &axum::http::HeaderMap) -> Result<Caller, String> {
    caller_from(|key| headers.get(key).and_then(|value| value.to_str().ok()))
}

/// The correlation id the caller sent, or a new one.
pub fn correlation_id(metadata: &MetadataMap) -> uuid::Uuid {
    metadata
        .get(CORRELATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| uuid::Uuid::parse_str(value).ok())
        .unwrap_or_else(uuid::Uuid::new_v4)
}
