//! Who is calling: the one place where a request's caller is learned, and stated.
//!
//! Callers prove who they are with an OAuth2 / OpenID Connect bearer token (a JWT) from the
//! deployment's issuer: staff through NHS CIS2, integrators with client credentials and scopes.
//! Every service process verifies it ([`Verifier`]: the issuer's keys, fetched and cached,
//! asymmetric algorithms only, issuer, audience and times checked) and maps its claims to a
//! [`Caller`] — user, organisation (ODS code), role and scopes — through configuration
//! ([`ClaimMapping`]). The service kit does this before any handler runs and hands handlers the
//! result; handlers ask [`Caller::of_grpc`] or [`Caller::of_http`]. Nothing a client sends in
//! any other header is taken as who it is.
//!
//! The platform on one machine runs its own issuer ([`LocalIssuer`]), whose key lives in the
//! data folder: `linkwork token` and the demo sign tokens with it.
//!
//! The gateway forwards the caller's token to the services unchanged ([`forward`]); clients
//! state theirs with [`present`].

mod claims;
mod fetch;
mod issuer;
mod verifier;

use http::HeaderMap;
use http::header::{AUTHORIZATION, HeaderValue};
use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use uuid::Uuid;

pub use claims::ClaimMapping;
pub use issuer::{IssuerError, LocalIssuer};
pub use verifier::{AuthError, KeySource, Verifier, VerifierConfig};

/// Optional: ties the events a request causes to the request that caused them.
const CORRELATION: &str = "x-correlation-id";

/// The longest `Authorization` header taken: real tokens are a few KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Who is calling, as their verified token says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The acting user, or the client of an integrator.
    pub user: String,
    /// The organisation they act for (an ODS code, or the directory's id of a provider).
    pub organisation: String,
    /// The role they act in, e.g. `link-worker`.
    pub role: String,
    /// What an integrator's client may do, e.g. `evidence:write`; empty for staff.
    pub scopes: Vec<String>,
}

/// A request without a caller the services can accept (UNAUTHENTICATED, HTTP 401). The message
/// says what is wrong with the credentials, never what they held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unauthenticated(pub String);

impl From<Unauthenticated> for tonic::Status {
    fn from(error: Unauthenticated) -> Self {
        tonic::Status::unauthenticated(error.0)
    }
}

/// The caller the kit's authentication found, in a request's extensions.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

/// Why the kit's authentication refused a request's credentials, in its extensions, for an
/// HTTP API to answer in its own error shape.
#[derive(Debug, Clone)]
pub struct Refused(pub Unauthenticated);

/// What a request without credentials is told.
pub const NO_TOKEN: &str = "sign in: send a bearer token from this deployment's identity \
                            provider in the Authorization header";

impl Caller {
    /// `user` of `organisation`, acting as `role`, with no scopes.
    pub fn new(user: &str, organisation: &str, role: &str) -> Self {
        Self {
            user: user.to_owned(),
            organisation: organisation.to_owned(),
            role: role.to_owned(),
            scopes: Vec::new(),
        }
    }

    /// The same caller with `scopes`.
    pub fn with_scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|scope| (*scope).to_owned()).collect();
        self
    }

    /// The caller of a gRPC request.
    pub fn of_grpc(extensions: &tonic::Extensions) -> Result<Self, Unauthenticated> {
        extensions
            .get::<Authenticated>()
            .map(|found| found.0.clone())
            .ok_or_else(|| Unauthenticated(NO_TOKEN.to_owned()))
    }

    /// The caller of an HTTP request: the credentials' refusal when they were refused.
    pub fn of_http(extensions: &http::Extensions) -> Result<Self, Unauthenticated> {
        if let Some(Refused(refusal)) = extensions.get::<Refused>() {
            return Err(refusal.clone());
        }
        extensions
            .get::<Authenticated>()
            .map(|found| found.0.clone())
            .ok_or_else(|| Unauthenticated(NO_TOKEN.to_owned()))
    }

    /// Whether the caller's client holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|held| held == scope)
    }
}

/// States `token` on an outgoing gRPC request, as a client does.
pub fn present(token: &str, metadata: &mut MetadataMap) {
    if let Ok(value) = AsciiMetadataValue::try_from(format!("Bearer {token}")) {
        metadata.insert(AUTHORIZATION.as_str(), value);
    }
}

/// `token` as an HTTP `Authorization` header, as a client sends it.
pub fn bearer(token: &str) -> (http::header::HeaderName, HeaderValue) {
    let value = HeaderValue::from_str(&format!("Bearer {token}"))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
    (AUTHORIZATION, value)
}

/// The correlation id the caller sent (a UUID), or a new one.
pub fn correlation_id(metadata: &MetadataMap) -> Uuid {
    metadata
        .get(CORRELATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
        .unwrap_or_else(Uuid::new_v4)
}

/// Whether `value` is a correlation id the services take: a UUID in its hyphenated form.
pub fn is_correlation_id(value: &str) -> bool {
    value.len() == 36 && Uuid::try_parse(value).is_ok()
}

/// The header a caller's correlation id travels in.
pub const CORRELATION_HEADER: &str = CORRELATION;

/// Carries the caller's credentials (and correlation id) from an HTTP request onto the gRPC
/// request it causes, as they arrived: the service verifies them. A header too long for any
/// token is not carried, so the service answers UNAUTHENTICATED rather than the transport
/// refusing an oversized header.
pub fn forward(headers: &HeaderMap, metadata: &mut MetadataMap) {
    for (key, limit) in [(AUTHORIZATION.as_str(), MAX_TOKEN_BYTES), (CORRELATION, 36)] {
        let Some(value) = headers.get(key) else {
            continue;
        };
        if value.len() > limit {
            continue;
        }
        if let Ok(value) = AsciiMetadataValue::try_from(value.as_bytes()) {
            metadata.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests;
