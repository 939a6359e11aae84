//! The OpenAPI document against the router: every route the router serves is documented and
//! every documented operation is routed (to a handler that calls its service), and the
//! document hangs together (references resolve, path parameters are declared).

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tonic::transport::Endpoint;
use tower::ServiceExt;
use uuid::Uuid;

/// The router, with services that are not there: every call to one is a 503.
fn router_without_services() -> axum::Router {
    let nowhere = Endpoint::from_static("http://127.0.0.1:1").connect_lazy();
    gateway::router(gateway::Upstreams::all_at(nowhere))
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
        .map(|(method, path)| (method.as_str().to_ascii_lowercase(), path))
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
    // Counted per service, so that one service's new route cannot hide another's lost one.
    let mut per_service: BTreeMap<String, usize> = BTreeMap::new();
    for binding in contract::http::bindings() {
        let service = binding.rpc.parent_service().full_name().to_owned();
        *per_service.entry(service).or_default() += 1;
    }
    // Every route is a declared RPC's, but the document's own.
    assert_eq!(per_service.values().sum::<usize>() + 1, routed.len());
    assert!(routed.contains(&("get".to_owned(), "/openapi.json".to_owned())));
    for (service, routes) in [
        ("linkwork.directory.v1.DirectoryService", 19),
        ("linkwork.referral.v1.ReferralService", 16),
    ] {
        assert_eq!(per_service.get(service), Some(&routes), "{per_service:#?}");
    }
}

/// Strings worth trying where a schema asks for text of some shape.
const SHAPES: [&str; 8] = [
    "x",
    "871731000000106",
    "401 023 2137",
    "GB",
    "someone@example.org",
    "10:00",
    "2030-01-01",
    "2030-01",
];

/// The `$ref`'d schema, or `schema` itself.
fn resolve<'d>(document: &'d Value, schema: &'d Value) -> &'d Value {
    match schema["$ref"].as_str() {
        Some(pointer) => document
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{pointer} does not resolve")),
        None => schema,
    }
}

/// The smallest value `schema` allows: required properties only, one item where one is needed.
fn example(document: &Value, schema: &Value) -> Value {
    let schema = resolve(document, schema);
    if let Some(values) = schema["enum"].as_array() {
        return values
            .iter()
            .find(|v| *v != "")
            .cloned()
            .unwrap_or(Value::Null);
    }
    match schema["type"].as_str() {
        Some("object") => {
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            let properties = required.iter().filter_map(|name| {
                let name = name.as_str()?;
                Some((
                    name.to_owned(),
                    example(document, &schema["properties"][name]),
                ))
            });
            Value::Object(properties.collect())
        }
        Some("array") => match schema["minItems"].as_u64() {
            Some(n) if n > 0 => json!([example(document, &schema["items"])]),
            _ => json!([]),
        },
        Some("integer") | Some("number") => schema["minimum"].clone().max_or_zero(),
        Some("boolean") => json!(false),
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => json!(Uuid::new_v4()),
            Some("date-time") => json!("2030-01-01T00:00:00Z"),
            _ => {
                let candidates = [json!(Uuid::new_v4())]
                    .into_iter()
                    .chain(SHAPES.map(|s| json!(s)));
                candidates
                    .into_iter()
                    .find(|candidate| allows(document, schema, candidate))
                    .unwrap_or_else(|| panic!("no example for {schema}"))
            }
        },
        _ => Value::Null,
    }
}

trait OrZero {
    fn max_or_zero(self) -> Value;
}

impl OrZero for Value {
    /// The minimum, if the schema gives one at or above zero, else zero.
    fn max_or_zero(self) -> Value {
        match self.as_f64() {
            Some(minimum) if minimum > 0.0 => self,
            _ => json!(0),
        }
    }
}

fn allows(document: &Value, schema: &Value, value: &Value) -> bool {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        "allOf": [schema]
    });
    jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("the schema compiles")
        .is_valid(value)
}

/// A request the document allows for `operation` at `template`: its path variables, required
/// query parameters and body filled with the smallest values the schemas allow.
fn allowed_request(document: &Value, template: &str, operation: &Value) -> (String, Option<Value>) {
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut path = template.to_owned();
    let mut query = Vec::new();
    for parameter in &parameters {
        let parameter = resolve(document, parameter);
        let name = parameter["name"].as_str().unwrap_or_default();
        let value = example(document, &parameter["schema"]);
        let text = value
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        match parameter["in"].as_str() {
            Some("path") => path = path.replace(&format!("{{{name}}}"), &text),
            Some("query") if parameter["required"] == true => query.push(format!("{name}={text}")),
            _ => {}
        }
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let body = operation
        .get("requestBody")
        .map(|body| example(document, &body["content"]["application/json"]["schema"]));
    (path, body)
}

#[tokio::test]
async fn every_documented_operation_reaches_its_service() {
    let document = gateway::openapi();
    for (method, template) in documented(&document) {
        let operation = &document["paths"][&template][&method];
        let (path, body) = allowed_request(&document, &template, operation);
        let mut request = Request::builder()
            .method(method.to_ascii_uppercase().as_str())
            .uri(&path);
        let caller = identity::Caller::new("someone", "ORG", "tester");
        let (name, value) = identity::bearer(&testkit::token(&caller));
        request = request.header(name, value);
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
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
        assert!(answer.contains("is unavailable; try again"), "{answer}");
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

/// Who the person is, as a referrer may say it, and the directory's postcode areas, in the
/// document as the protos declare them.
#[test]
fn the_document_shows_a_persons_details_and_postcode_areas() {
    let document = gateway::openapi();
    let create = &document["paths"]["/api/v1/referrals"]["post"];
    let schema = &create["requestBody"]["content"]["application/json"]["schema"];
    let properties = &schema["properties"];
    let either = |field: &str, key: &str| properties[field]["anyOf"][1][key].clone();
    assert_eq!(either("birth_date", "format"), "date", "{schema:#}");
    assert_eq!(
        properties["sex"]["enum"],
        json!(["", "male", "female", "other", "unknown"]),
        "{schema:#}"
    );
    let categories = properties["ethnic_category"]["enum"]
        .as_array()
        .expect("codes");
    assert_eq!(categories.len(), 19, "18 codes and empty: {schema:#}");
    assert!(categories.contains(&json!("99")) && categories.contains(&json!("Z")));
    assert!(
        either("postcode", "pattern")
            .as_str()
            .is_some_and(|pattern| pattern.contains("[Gg][Ii][Rr]")),
        "{schema:#}"
    );
    assert_eq!(properties["postcode"]["maxLength"], 20);
    // Each field is described by its own comment, not the paragraph introducing them all.
    let described = properties["birth_date"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(described.starts_with("Date of birth"), "{described}");
    let area = &document["paths"]["/api/v1/postcodes/{postcode}/area"]["get"];
    assert_eq!(area["operationId"], "getPostcodeArea", "{area:#}");
    let answer = &document["components"]["schemas"]["linkwork.directory.v1.PostcodeArea"];
    assert_eq!(
        answer["properties"]["imd_decile"]["type"], "integer",
        "{answer:#}"
    );
}
