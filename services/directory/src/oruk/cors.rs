//! Open CORS, as Open Referral UK requires of every response: any web page may read the API,
//! with no key and no credentials. A tiny middleware rather than a crate: the whole policy is
//! one header on every response and a fixed answer to preflights.

use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Headers a preflight is told it may send when it does not say which it wants.
const DEFAULT_HEADERS: &str = "Accept, Accept-Language, Content-Type";

/// Answers preflights (`OPTIONS`) itself with 204, and adds `Access-Control-Allow-Origin: *` to
/// everything, errors included.
pub(super) async fn open(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        preflight(request.headers().get(ACCESS_CONTROL_REQUEST_HEADERS))
    } else {
        next.run(request).await
    };
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

fn preflight(requested_headers: Option<&HeaderValue>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    // A read-only API with no credentials has no header worth refusing: allow what was asked.
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        requested_headers
            .cloned()
            .unwrap_or(HeaderValue::from_static(DEFAULT_HEADERS)),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}
