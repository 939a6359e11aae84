//! The JSON API a web front end and integrators use: every RPC whose proto declares a JSON
//! route (`google.api.http`) is served under `/api/v1` by one generic handler, and
//! `/openapi.json` is the OpenAPI 3.1 document generated from the same descriptors. Adding an
//! RPC with a route to a proto adds it here, with its documentation; nothing in this crate names
//! a service, a route or a field.
//!
//! A request becomes the RPC's request message by the proto3 JSON mapping (path variables,
//! then the query string or the JSON body; [`contract::json`]), is checked against the limits
//! its fields declare ([`contract::validate`]) — a malformed request is a 400 naming the field,
//! and never reaches the service — and is sent with the caller's identity and trace context.
//! The answer comes back as JSON with the proto's field names. The services' refusals become
//! HTTP statuses in one place ([`error`]); everything is answered as `{"error": message}`.
//!
//! Referral's FHIR API (`/fhir`) and the directory's Open Referral UK API (`/oruk`) are
//! separate APIs, only pointed to from the document.
//!
//! - [`request`]: path, query and body into the request message.
//! - [`call`]: the call to the service, with identity, trace context and a time limit.
//! - [`openapi`]: the document.

mod call;
mod codec;
mod error;
mod openapi;
mod request;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, any, get, on};
use contract::http::Binding;
use tonic::transport::Channel;
use tracing::Instrument;

use crate::error::ApiError;

pub use openapi::document as openapi;

/// Largest request body accepted, as the services' gRPC limit.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Where the services are: a channel per gRPC service, or one channel for all of them (every
/// service in one process). Lazy channels (`Endpoint::connect_lazy`) are fine: a service that
/// is down is a 503 for the requests that need it, not a failure to start.
#[derive(Debug, Clone)]
pub struct Upstreams {
    every: Option<Channel>,
    by_service: HashMap<String, Channel>,
}

impl Upstreams {
    /// Every service behind one channel.
    pub fn all_at(channel: Channel) -> Self {
        Self {
            every: Some(channel),
            by_service: HashMap::new(),
        }
    }

    /// The gRPC service `service` (a full name, `linkwork.referral.v1.ReferralService`) at
    /// `channel`.
    pub fn with(mut self, service: &str, channel: Channel) -> Self {
        self.by_service.insert(service.to_owned(), channel);
        self
    }

    fn channel(&self, binding: &Binding) -> Option<Channel> {
        let service = binding.rpc.parent_service();
        self.by_service
            .get(service.full_name())
            .or(self.every.as_ref())
            .cloned()
    }
}

/// The `/api/v1` routes and `/openapi.json`, ready to be served alone or merged into the
/// process's HTTP router (they claim nothing outside `/api/` and `/openapi.json`, and set no
/// fallback).
pub fn router(upstreams: Upstreams) -> Router {
    let upstreams = Arc::new(upstreams);
    let document = openapi::document().to_string();
    let mut router: Router<Arc<Upstreams>> = Router::new().route(
        "/openapi.json",
        get(move || async move {
            let json = HeaderValue::from_static("application/json");
            ([(header::CONTENT_TYPE, json)], document).into_response()
        }),
    );
    for binding in contract::http::bindings() {
        let filter = MethodFilter::try_from(binding.method.clone()).unwrap_or(MethodFilter::GET);
        let handler = move |State(upstreams): State<Arc<Upstreams>>, request: Request| {
            answer(binding, upstreams, request)
        };
        router = router.route(&binding.path, on(filter, handler));
    }
    router
        // A catch-all rather than a fallback, as `/oruk` does: a merged router may have only
        // one fallback, and unknown API paths should still answer JSON.
        .route("/api/{*path}", any(no_such_endpoint))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(traced))
        .with_state(upstreams)
}

/// Every method and path [`router`] answers (path variables in braces): what the OpenAPI
/// document must describe.
pub fn routes() -> Vec<(Method, String)> {
    let mut routes = vec![(Method::GET, "/openapi.json".to_owned())];
    routes.extend(
        contract::http::bindings()
            .iter()
            .map(|binding| (binding.method.clone(), binding.path.clone())),
    );
    routes
}

/// The one handler: the request into the RPC's message, the call, the answer as JSON.
async fn answer(
    binding: &'static Binding,
    upstreams: Arc<Upstreams>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let service = binding.rpc.parent_service().name().to_owned();
    let answered = async {
        let message = request::message(binding, &mut parts, body).await?;
        let channel = upstreams
            .channel(binding)
            .ok_or_else(|| ApiError::unavailable(&service))?;
        let output = call::unary(channel, binding, &parts.headers, message, &service).await?;
        Ok::<_, ApiError>(call::respond(binding, &output))
    };
    answered.await.unwrap_or_else(IntoResponse::into_response)
}

async fn no_such_endpoint(request: Request) -> ApiError {
    ApiError::no_such_endpoint(request.uri().path())
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::method_not_allowed(&method)
}

/// Runs the request in a span that continues the caller's trace (W3C `traceparent`), so the
/// trace context sent on to the services names this hop, and marks the answer `no-store`. The
/// path is recorded (it holds only ids) but never the query, which can carry personal data (a
/// person's postcode).
async fn traced(request: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "api",
        method = %request.method(),
        path = %request.uri().path()
    );
    if let Some(parent) = request
        .headers()
        .get(call::TRACEPARENT)
        .and_then(|value| value.to_str().ok())
    {
        telemetry::set_parent(&span, parent);
    }
    let mut response = next.run(request).instrument(span.clone()).await;
    // Answers can hold personal data: no browser or proxy may keep a copy.
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    tracing::debug!(parent: &span, status = response.status().as_u16(), "answered");
    response
}
