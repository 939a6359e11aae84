//! One request to a service's HTTP routes (its FHIR API) in process, as an integrator's or a
//! link worker's system sends it: signed in as the caller, a JSON body as `application/fhir+json`,
//! the answer's status, `Location` and JSON body back.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use identity::Caller;
use serde_json::Value;
use tower::ServiceExt;

/// What a route answered.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body as JSON; `Null` when empty or not JSON.
    pub body: Value,
}

/// Sends `method uri` with `body` to `router`, signed in as `caller` (none: anonymous).
pub async fn call(
    router: &axum::Router,
    caller: Option<&Caller>,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(caller) = caller {
        let (name, value) = identity::bearer(&crate::token(caller));
        request = request.header(name, value);
    }
    let body = match body {
        Some(body) => {
            request = request.header(header::CONTENT_TYPE, "application/fhir+json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(request.body(body).expect("a request"))
        .await
        .expect("routes answer every request");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    Answer {
        status,
        location,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}
