//! Calling a service: the request message encoded and sent over gRPC with the caller's
//! identity and trace context and a time limit; the answer decoded and turned into the JSON
//! response the route declares.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use contract::http::Binding;
use prost::Message as _;
use prost_reflect::{DynamicMessage, Value};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;

use crate::codec::RawCodec;
use crate::error::ApiError;

/// W3C trace context.
pub(crate) const TRACEPARENT: &str = "traceparent";

/// How long a call may take. Directory commands wait up to 5 s for their index to catch up
/// and then answer themselves; this only bounds a service that hangs.
const CALL_LIMIT: Duration = Duration::from_secs(15);

/// Calls `binding`'s RPC on `channel` with `message`, as the caller `headers` name.
pub(crate) async fn unary(
    channel: Channel,
    binding: &Binding,
    headers: &HeaderMap,
    message: DynamicMessage,
    service: &str,
) -> Result<DynamicMessage, ApiError> {
    let mut grpc = tonic::client::Grpc::new(channel);
    let mut request = tonic::Request::new(message.encode_to_vec().into());
    identity::forward(headers, request.metadata_mut());
    // Checked well formed; the service keeps the answer under it.
    if let Some(key) = headers
        .get(crate::request::IDEMPOTENCY_HEADER)
        .and_then(|value| MetadataValue::try_from(value.as_bytes()).ok())
    {
        request
            .metadata_mut()
            .insert(crate::request::IDEMPOTENCY_HEADER, key);
    }
    // This hop's span when OpenTelemetry records spans, or else the caller's context as it came.
    let traceparent = telemetry::current_traceparent()
        .and_then(|value| MetadataValue::try_from(value).ok())
        .or_else(|| {
            // A W3C traceparent is 55 characters; anything much longer is not one.
            let value = headers
                .get(TRACEPARENT)
                .filter(|value| value.len() <= 128)?;
            MetadataValue::try_from(value.as_bytes()).ok()
        });
    if let Some(traceparent) = traceparent {
        request.metadata_mut().insert(TRACEPARENT, traceparent);
    }
    request.set_timeout(CALL_LIMIT);
    let path = PathAndQuery::try_from(binding.grpc_path())
        .map_err(|_| ApiError::internal("a route names an RPC path that is not a path"))?;
    let call = async {
        grpc.ready()
            .await
            .map_err(|_| tonic::Status::unavailable("the service is not reachable"))?;
        grpc.unary(request, path, RawCodec).await
    };
    let bytes = match tokio::time::timeout(CALL_LIMIT, call).await {
        Ok(Ok(response)) => response.into_inner(),
        Ok(Err(status)) => return Err(ApiError::from_status(service, &status)),
        Err(_) => return Err(ApiError::timed_out(service)),
    };
    DynamicMessage::decode(binding.rpc.output(), bytes).map_err(|error| {
        tracing::error!(%error, rpc = binding.rpc.full_name(), "the service's answer did not decode");
        ApiError::internal("internal error")
    })
}

/// The JSON response to a call that answered `output`: the declared status, the declared
/// response field (or all of it) as the body, and a `Location` where the route has one.
pub(crate) fn respond(binding: &Binding, output: &DynamicMessage) -> Response {
    let body = match &binding.response_body {
        Some(field) => match output.get_field(field).as_ref() {
            Value::Message(inner) => contract::json::encode(inner),
            _ => contract::json::encode(output),
        },
        None => contract::json::encode(output),
    };
    let mut response = (binding.status, Json(body)).into_response();
    let location = binding
        .location_of(output)
        .and_then(|location| HeaderValue::try_from(location).ok());
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}
