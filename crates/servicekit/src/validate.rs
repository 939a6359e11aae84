//! Every gRPC request is checked against the limits its proto declares before the service's
//! handler sees it: a request that breaks one is answered INVALID_ARGUMENT, naming the field,
//! and one larger than the ingest limit RESOURCE_EXHAUSTED. The same limits the JSON API and
//! its OpenAPI document state, so a gRPC client is held to exactly what a JSON client is.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use prost_reflect::{DynamicMessage, MessageDescriptor};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::http::{Request, Response};
use tower::{Layer, Service};

/// The largest request message accepted: the gRPC ingest limit.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Bytes before a gRPC message in its frame: a compression flag and a 4-byte length.
const FRAME_HEADER: usize = 5;

/// The layer that puts [`Validated`] in front of the process's gRPC services.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidationLayer;

impl<S> Layer<S> for ValidationLayer {
    type Service = Validated<S>;

    fn layer(&self, inner: S) -> Validated<S> {
        Validated { inner }
    }
}

/// A gRPC service whose requests are checked first.
#[derive(Debug, Clone)]
pub struct Validated<S> {
    inner: S,
}

/// The request message of each unary RPC the protos declare, by gRPC path.
fn inputs() -> &'static HashMap<String, MessageDescriptor> {
    static INPUTS: OnceLock<HashMap<String, MessageDescriptor>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        contract::pool()
            .services()
            .flat_map(|service| service.methods().collect::<Vec<_>>())
            .filter(|method| !method.is_client_streaming())
            .map(|method| {
                let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
                (path, method.input())
            })
            .collect()
    })
}

type Answer = Result<Response<Body>, Infallible>;

impl<S> Service<Request<Body>> for Validated<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Answer> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was made ready is the one to call (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let Some(input) = inputs().get(request.uri().path()).cloned() else {
            return Box::pin(inner.call(request));
        };
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let bytes = match Limited::new(body, MAX_REQUEST_BYTES + FRAME_HEADER)
                .collect()
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(error) if error.is::<LengthLimitError>() => {
                    let limit = MAX_REQUEST_BYTES / 1024;
                    return refuse(Status::resource_exhausted(format!(
                        "the request is larger than {limit} KiB"
                    )));
                }
                Err(_) => return refuse(Status::cancelled("the request was not received in full")),
            };
            if let Some(violation) = violation(&input, &bytes) {
                return refuse(Status::invalid_argument(violation));
            }
            inner
                .call(Request::from_parts(parts, Body::new(Full::new(bytes))))
                .await
        })
    }
}

fn refuse(status: Status) -> Answer {
    Ok(status.into_http())
}

/// The first broken limit of the one message framed in `bytes`. A frame this cannot read
/// (compressed, several messages, not the request type) is left for tonic to refuse.
fn violation(input: &MessageDescriptor, bytes: &Bytes) -> Option<String> {
    let (header, message) = bytes.split_at_checked(FRAME_HEADER)?;
    let compressed = header[0] != 0;
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if compressed || length != message.len() {
        return None;
    }
    let decoded = DynamicMessage::decode(input.clone(), message).ok()?;
    contract::validate(&decoded)
        .err()
        .map(|violation| violation.message)
}
