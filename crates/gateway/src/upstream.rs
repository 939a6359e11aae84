//! Calling the services: who the caller is and which trace they are in, carried from the
//! HTTP request into gRPC metadata, and a time limit on every call.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};

use crate::error::ApiError;

/// The user the authenticating gateway verified.
const USER: &str = "x-linkwork-user";
/// The organisation they act for.
const ORGANISATION: &str = "x-linkwork-organisation";
/// The role they act in.
const ROLE: &str = "x-linkwork-role";
/// Ties the events a request causes to the request.
const CORRELATION: &str = "x-correlation-id";
/// W3C trace context.
pub(crate) const TRACEPARENT: &str = "traceparent";

/// The headers forwarded as they are.
const FORWARDED: [&str; 4] = [USER, ORGANISATION, ROLE, CORRELATION];

/// How long a call may take. Directory commands wait up to 5 s for their index to catch up
/// and then answer themselves; this only bounds a service that hangs.
const CALL_LIMIT: Duration = Duration::from_secs(15);

/// Which service a call goes to, for messages and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upstream {
    Referral,
    Directory,
}

impl Upstream {
    /// The service's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Referral => "referral",
            Self::Directory => "directory",
        }
    }
}

/// The caller, as the HTTP request's headers say: what goes on to the services. Missing or
/// unusable headers are left out, and the service answers UNAUTHENTICATED (401) for a missing
/// identity; deciding that is the service's job, not the facade's.
#[derive(Debug, Clone, Default)]
pub(crate) struct Caller {
    forwarded: Vec<(&'static str, AsciiMetadataValue)>,
    traceparent: Option<AsciiMetadataValue>,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let header = |key: &str| {
            let value = parts.headers.get(key)?;
            MetadataValue::try_from(value.as_bytes()).ok()
        };
        Ok(Self {
            forwarded: FORWARDED
                .into_iter()
                .filter_map(|key| Some((key, header(key)?)))
                .collect(),
            traceparent: header(TRACEPARENT),
        })
    }
}

impl Caller {
    /// The organisation the caller acts for, if the gateway said.
    pub(crate) fn organisation(&self) -> Option<&str> {
        self.forwarded
            .iter()
            .find(|(key, _)| *key == ORGANISATION)
            .and_then(|(_, value)| value.to_str().ok())
    }

    /// `message` as a gRPC request from the caller. The trace context is this hop's span when
    /// OpenTelemetry records spans, or else the caller's, passed on unchanged.
    pub(crate) fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let metadata = request.metadata_mut();
        for (key, value) in &self.forwarded {
            metadata.insert(*key, value.clone());
        }
        let traceparent = telemetry::current_traceparent()
            .and_then(|value| MetadataValue::try_from(value).ok())
            .or_else(|| self.traceparent.clone());
        if let Some(traceparent) = traceparent {
            metadata.insert(TRACEPARENT, traceparent);
        }
        request
    }
}

/// The answer to `call` on `upstream`, or its refusal as an [`ApiError`].
pub(crate) async fn answer<T>(
    upstream: Upstream,
    call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(CALL_LIMIT, call).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        Ok(Err(status)) => Err(ApiError::from_status(upstream, &status)),
        Err(_) => Err(ApiError::timed_out(upstream)),
    }
}

#[cfg(test)]
mod tests {
    use axum::extract::FromRequestParts;
    use axum::http::Request;

    use super::Caller;

    #[tokio::test]
    async fn identity_correlation_and_trace_headers_go_on_as_metadata() {
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let request = Request::builder()
            .header("x-linkwork-user", "lw-ana")
            .header("x-linkwork-organisation", "PCN-LW-01")
            .header("x-linkwork-role", "link-worker")
            .header("x-correlation-id", "9f0c3c1e-8f9d-4a43-9d0e-0f3c1e8f9d4a")
            .header("traceparent", traceparent)
            .header("authorization", "Bearer not-for-the-services")
            .body(())
            .expect("request");
        let (mut parts, ()) = request.into_parts();
        let caller = Caller::from_request_parts(&mut parts, &())
            .await
            .expect("infallible");
        assert_eq!(caller.organisation(), Some("PCN-LW-01"));
        let forwarded = caller.request(());
        let metadata = forwarded.metadata();
        let value = |key: &str| metadata.get(key).and_then(|v| v.to_str().ok());
        assert_eq!(value("x-linkwork-user"), Some("lw-ana"));
        assert_eq!(value("x-linkwork-role"), Some("link-worker"));
        assert_eq!(
            value("x-correlation-id"),
            Some("9f0c3c1e-8f9d-4a43-9d0e-0f3c1e8f9d4a")
        );
        assert_eq!(value("traceparent"), Some(traceparent));
        assert_eq!(value("authorization"), None);
    }
}
