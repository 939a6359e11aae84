//! A call to a peer made on someone's behalf: their bearer token exactly as they sent it, their
//! request's correlation id and the current trace context go with it, so the peer verifies
//! them as it would any caller and the call is one trace with theirs.

use tonic::metadata::{MetadataMap, MetadataValue};
use uuid::Uuid;

/// Who a call to a peer is made for.
#[derive(Debug, Clone, Copy)]
pub struct OnBehalfOf<'a> {
    /// The caller's `Authorization` header, exactly as they sent it.
    pub authorization: Option<&'a str>,
    /// Their request's correlation id.
    pub correlation_id: Uuid,
}

impl<'a> OnBehalfOf<'a> {
    /// The caller of a gRPC request with `metadata`.
    pub fn of_grpc(metadata: &'a MetadataMap) -> Self {
        Self {
            authorization: metadata
                .get("authorization")
                .and_then(|value| value.to_str().ok()),
            correlation_id: identity::correlation_id(metadata),
        }
    }

    /// Puts the caller's credentials, correlation id and trace context on a request to a peer.
    /// A header too long for any token stays behind, and the peer refuses the call as it would
    /// refuse the caller.
    pub fn present(&self, metadata: &mut MetadataMap) {
        let authorization = self
            .authorization
            .filter(|value| value.len() <= identity::MAX_TOKEN_BYTES)
            .and_then(|value| MetadataValue::try_from(value).ok());
        if let Some(authorization) = authorization {
            metadata.insert("authorization", authorization);
        }
        if let Ok(correlation) = MetadataValue::try_from(self.correlation_id.to_string()) {
            metadata.insert(identity::CORRELATION_HEADER, correlation);
        }
        let traceparent = telemetry::current_traceparent()
            .and_then(|value| MetadataValue::try_from(value.as_str()).ok());
        if let Some(traceparent) = traceparent {
            metadata.insert("traceparent", traceparent);
        }
    }
}
