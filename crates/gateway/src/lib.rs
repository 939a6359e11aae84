//! The JSON API a web front end and integrators use: a small REST facade under `/api/v1` over
//! the referral and directory services' gRPC, and `/openapi.json`, the OpenAPI 3.1 document
//! that describes it. Referral's FHIR API (`/fhir`) and the directory's Open Referral UK API
//! (`/oruk`) are separate APIs, only pointed to from the document.
//!
//! The facade keeps no state and decides nothing. A request is checked only as far as JSON
//! needs (types, unknown fields, each named by its path), mapped field by field onto the
//! service's request message and sent with the caller's identity; the answer is mapped back.
//! The services' refusals become HTTP statuses in one place ([`error`]), keeping their messages,
//! which name the field at fault.
//!
//! Trust: the identity headers `x-linkwork-user`, `x-linkwork-organisation` and
//! `x-linkwork-role` are forwarded as they arrive (docs/adr/0004). Like the services, this
//! router must only be reachable through the authenticating gateway that sets them.
//!
//! - [`directory`] and [`referral`]: the handlers and their JSON shapes.
//! - [`extract`]: JSON bodies, paths and query strings, with errors naming the field.
//! - [`upstream`]: the caller's headers into gRPC metadata; calls with a time limit.
//! - [`openapi`]: the document.

mod directory;
mod error;
mod extract;
mod openapi;
mod referral;
mod time;
mod upstream;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post, put};
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use tonic::transport::Channel;
use tracing::Instrument;

use crate::error::ApiError;

pub use openapi::document as openapi;

/// Largest request body accepted, as the services' gRPC limit.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Where the services are. Lazy channels (`Endpoint::connect_lazy`) are fine: a service that
/// is down is a 503 for the requests that need it, not a failure to start.
#[derive(Debug, Clone)]
pub struct Upstreams {
    /// The referral service's gRPC endpoint.
    pub referral: Channel,
    /// The directory service's gRPC endpoint.
    pub directory: Channel,
}

/// What every handler shares: a client of each service.
#[derive(Debug, Clone)]
struct Gateway {
    referral: ReferralServiceClient<Channel>,
    directory: DirectoryServiceClient<Channel>,
}

/// The `/api/v1` routes and `/openapi.json`, ready to be served alone or merged into the
/// process's HTTP router (they claim nothing outside `/api/` and `/openapi.json`, and set no
/// fallback).
pub fn router(upstreams: Upstreams) -> Router {
    let state = Gateway {
        referral: ReferralServiceClient::new(upstreams.referral),
        directory: DirectoryServiceClient::new(upstreams.directory),
    };
    api().router.with_state(state)
}

/// Every method and path [`router`] answers (path parameters in braces), in the order they
/// are added: what the OpenAPI document must describe.
pub fn routes() -> Vec<(Method, &'static str)> {
    api().listed
}

/// The router under construction, and the routes it has been given so far.
struct Api {
    router: Router<Gateway>,
    listed: Vec<(Method, &'static str)>,
}

/// The methods the API uses.
#[derive(Debug, Clone, Copy)]
enum Verb {
    Get,
    Post,
    Put,
}

impl Api {
    /// Routes `verb path` to `handler` and lists it.
    fn add<H, T>(mut self, verb: Verb, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, Gateway>,
        T: 'static,
    {
        let (method, route): (Method, MethodRouter<Gateway>) = match verb {
            Verb::Get => (Method::GET, get(handler)),
            Verb::Post => (Method::POST, post(handler)),
            Verb::Put => (Method::PUT, put(handler)),
        };
        self.router = self.router.route(path, route);
        self.listed.push((method, path));
        self
    }
}

fn api() -> Api {
    let document = openapi::document().to_string();
    let api = Api {
        router: Router::new(),
        listed: Vec::new(),
    };
    let api = api.add(Verb::Get, "/openapi.json", move || async move {
        let json = HeaderValue::from_static("application/json");
        ([(header::CONTENT_TYPE, json)], document).into_response()
    });
    let api = directory::routes(api);
    let Api { router, listed } = referral::routes(api);
    let router = router
        // A catch-all rather than a fallback, as `/oruk` does: a merged router may have only
        // one fallback, and unknown API paths should still answer JSON.
        .route("/api/{*path}", any(no_such_endpoint))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(traced));
    Api { router, listed }
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
        .get(upstream::TRACEPARENT)
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
