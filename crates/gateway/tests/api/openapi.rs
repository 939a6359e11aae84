//! The OpenAPI document against the router: every route the router serves is documented and
//! every documented operation is routed (to a handler that calls its service), and the
//! document hangs together (references resolve, path parameters are declared).

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tonic::transport::Endpoint;
use tower::ServiceExt;
use uuid::Uuid;

/// The router, with services that are not there: every call to one is a 503.
fn router_without_services() -> axum::Router {
    let nowhere = Endpoint::from_static("http://127.0.0.1:1").connect_lazy();
    gateway::router(gateway::Upstreams {
        referral: nowhere.clone(),
        directory: nowhere,
    })
}

/// `(method, path template)` of every documented operation.
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item");
            methods
                .keys()
                .filter(|key| *key != "parameters")
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect()
}

#[test]
fn every_route_is_documented_and_nothing_else_is() {
    let routed: BTreeSet<(String, String)> = gateway::routes()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_ascii_lowercase(), path.to_owned()))
        .collect();
    let documented = documented(&gateway::openapi());
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
    assert_eq!(routed.len(), 31, "{routed:#?}");
}

#[tokio::test]
async fn every_documented_operation_reaches_its_service() {
    let document = gateway::openapi();
    for (method, template) in documented(&document) {
        let operation = &document["paths"][&template][&method];
        // Every `{parameter}` becomes an id; a body, when one is taken, is the emptiest JSON.
        let path = template
            .split('/')
            .map(|segment| match segment.starts_with('{') {
                true => Uuid::new_v4().to_string(),
                false => segment.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let mut request = Request::builder()
            .method(method.to_ascii_uppercase().as_str())
            .uri(&path)
            .header("x-linkwork-user", "someone")
            .header("x-linkwork-organisation", "ORG")
            .header("x-linkwork-role", "tester");
        let body = if operation.get("requestBody").is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from("{}")
        } else {
            Body::empty()
        };
        let response = router_without_services()
            .oneshot(request.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let answer = String::from_utf8_lossy(&bytes);
        if template == "/openapi.json" {
            assert_eq!(status, StatusCode::OK);
            let served: Value = serde_json::from_slice(&bytes).expect("JSON");
            assert_eq!(served, document);
            continue;
        }
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path} did not reach its service: {answer}"
        );
        assert!(
            answer.contains("service is unavailable; try again"),
            "{answer}"
        );
    }
}

#[test]
fn the_document_hangs_together() {
    let document = gateway::openapi();
    assert_eq!(document["openapi"], "3.1.0");
    let mut operation_ids = BTreeSet::new();
    for (method, template) in documented(&document) {
        let operation = &document["paths"][&template][&method];
        let name = format!("{method} {template}");
        let id = operation["operationId"].as_str().expect("an operationId");
        assert!(operation_ids.insert(id.to_owned()), "{id} is used twice");
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .map(|parameters| {
                parameters
                    .iter()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let in_template: BTreeSet<&str> = template
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(declared, in_template, "{name}: path parameters");
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{name}: no success"
        );
        if template.starts_with("/api/") {
            for status in ["400", "401", "500", "503", "504"] {
                assert!(responses.contains_key(status), "{name}: no {status}");
            }
            let takes_body = operation.get("requestBody").is_some();
            assert_eq!(responses.contains_key("415"), takes_body, "{name}: 415");
        }
    }
    let mut unresolved = Vec::new();
    references(&document, &mut |reference| {
        let resolves = reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
            .is_some();
        if !resolves {
            unresolved.push(reference.to_owned());
        }
    });
    assert!(
        unresolved.is_empty(),
        "references that resolve to nothing: {unresolved:?}"
    );
    let tags: Vec<&str> = document["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|tag| tag["externalDocs"]["url"].as_str())
        .collect();
    assert_eq!(
        tags,
        ["/fhir", "/oruk/"],
        "the other two APIs are pointed to"
    );
}

/// Calls `found` with every `$ref` in `value`.
fn references(value: &Value, found: &mut impl FnMut(&str)) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => found(reference),
                    _ => references(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}
