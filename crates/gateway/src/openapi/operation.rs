//! One route's operation in the document: its id, tag and words from the RPC's comment, its
//! path and query parameters and body from the request message, its success from the response
//! message, and the refusals it can answer.

use contract::docs;
use contract::http::{Binding, Body};
use contract::schema::{self, Components, Direction};
use serde_json::{Map, Value, json};

use super::error_response;

/// Refusals every operation can answer; one with a body also 413 and 415.
const REFUSALS: [&str; 9] = [
    "400", "401", "403", "404", "409", "422", "500", "503", "504",
];

/// The tag of `binding`'s service: its package's area (`referral`), with the service's comment.
pub(super) fn tag(binding: &Binding) -> (String, String) {
    let service = binding.rpc.parent_service();
    let area = service
        .package_name()
        .split('.')
        .nth(1)
        .unwrap_or(service.package_name())
        .to_owned();
    let description = service
        .parent_file()
        .file_descriptor_proto()
        .source_code_info
        .as_ref()
        .and_then(|info| {
            info.location
                .iter()
                .find(|location| location.path == [2])
                .and_then(|location| location.leading_comments.clone())
        })
        .map(|comment| first_paragraph(&comment))
        .unwrap_or_else(|| service.name().to_owned());
    (area, description)
}

fn first_paragraph(comment: &str) -> String {
    comment
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `CreateReferral` as `createReferral`.
fn operation_id(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The operation.
pub(super) fn describe(binding: &Binding, components: &mut Components) -> Value {
    let rpc = &binding.rpc;
    let comment = docs::method(rpc).unwrap_or_else(|| rpc.name().to_owned());
    let summary = comment
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('.');
    let mut operation = Map::new();
    operation.insert("operationId".into(), json!(operation_id(rpc.name())));
    operation.insert("tags".into(), json!([tag(binding).0]));
    operation.insert("summary".into(), json!(summary));
    let mut description = comment.replace('\n', " ");
    if let Some(access) = contract::access::of(&binding.grpc_path()) {
        let mut who: Vec<String> = access
            .roles
            .iter()
            .map(|role| format!("`{role}`"))
            .collect();
        who.extend(access.scopes.iter().map(|scope| format!("scope `{scope}`")));
        description.push_str(&format!(" Who may call it: {}.", who.join(", ")));
    }
    operation.insert("description".into(), json!(description));
    operation.insert("parameters".into(), Value::Array(parameters(binding)));
    if let Some(body) = request_body(binding, components) {
        operation.insert("requestBody".into(), body);
    }
    operation.insert(
        "responses".into(),
        Value::Object(responses(binding, components)),
    );
    Value::Object(operation)
}

fn parameters(binding: &Binding) -> Vec<Value> {
    let mut parameters = vec![
        json!({ "$ref": "#/components/parameters/CorrelationId" }),
        json!({ "$ref": "#/components/parameters/Traceparent" }),
    ];
    if binding.method != axum::http::Method::GET {
        parameters.push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
    }
    let input = binding.rpc.input();
    for name in &binding.variables {
        if let Some(field) = input.get_field_by_name(name) {
            parameters.push(parameter(&field, "path", true));
        }
    }
    for field in binding.query_fields() {
        let required = contract::rules::of(&field).is_some_and(|rules| rules.required);
        parameters.push(parameter(&field, "query", required));
    }
    parameters
}

fn parameter(field: &prost_reflect::FieldDescriptor, place: &str, required: bool) -> Value {
    let mut schema = schema::parameter(field);
    let description = schema
        .as_object_mut()
        .and_then(|schema| schema.remove("description"))
        .unwrap_or_else(|| json!(field.name()));
    let mut parameter = json!({
        "name": field.name(),
        "in": place,
        "required": required,
        "description": description,
        "schema": schema,
    });
    if field.is_list() {
        parameter["style"] = json!("form");
        parameter["explode"] = json!(true);
    }
    parameter
}

fn request_body(binding: &Binding, components: &mut Components) -> Option<Value> {
    let input = binding.rpc.input();
    let schema = match &binding.body {
        Body::Empty => return None,
        Body::Fields => {
            let in_path: Vec<&str> = binding.variables.iter().map(String::as_str).collect();
            components.object(&input, Direction::Request, &in_path)
        }
        Body::Field(field) => components.field(field, Direction::Request),
    };
    Some(json!({ "required": true, "content": { "application/json": { "schema": schema } } }))
}

fn responses(binding: &Binding, components: &mut Components) -> Map<String, Value> {
    let output = binding.rpc.output();
    let schema = match &binding.response_body {
        Some(field) => components.field(field, Direction::Response),
        None => components.reference(&output, Direction::Response),
    };
    let description = docs::message(&output).unwrap_or_else(|| output.name().to_owned());
    let mut success = json!({
        "description": description.replace('\n', " "),
        "content": { "application/json": { "schema": schema } },
    });
    if binding.location.is_some() {
        success["headers"] = json!({
            "Location": {
                "description": "Where what was made can be read",
                "schema": { "type": "string" }
            }
        });
    }
    let mut responses = Map::new();
    responses.insert(binding.status.as_u16().to_string(), success);
    let with_body = !matches!(binding.body, Body::Empty);
    let statuses = REFUSALS
        .iter()
        .copied()
        .chain(with_body.then_some(["413", "415"]).into_iter().flatten());
    for status in statuses {
        if let Some(reference) = error_response(status) {
            responses.insert(status.to_owned(), reference);
        }
    }
    responses
}

#[cfg(test)]
mod tests {
    #[test]
    fn operation_ids_are_the_rpc_names_in_lower_camel_case() {
        assert_eq!(super::operation_id("CreateReferral"), "createReferral");
        assert_eq!(super::first_paragraph("A b\nc.\n\nMore."), "A b c.");
    }
}
