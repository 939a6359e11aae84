//! Each RPC's JSON route, as its proto declares it with `google.api.http` (the convention of
//! grpc-gateway and Envoy's transcoder) and `linkwork.api.v1.answer`: the method and path,
//! which request fields the path and body hold (the rest are query parameters), which response
//! field is the body, and the status and `Location` of a success.

use std::sync::OnceLock;

use http::{Method, StatusCode};
use prost_reflect::{DynamicMessage, FieldDescriptor, MethodDescriptor, Value};

use crate::pool;
use crate::rules::HttpAnswer;

/// What the HTTP body of a request holds.
#[derive(Debug, Clone)]
pub enum Body {
    /// Nothing: every field not in the path is a query parameter.
    Empty,
    /// Every request field the path does not hold (`body: "*"`).
    Fields,
    /// One field (`body: "details"`).
    Field(FieldDescriptor),
}

/// One RPC's JSON route.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The RPC.
    pub rpc: MethodDescriptor,
    /// The HTTP method.
    pub method: Method,
    /// The path, its variables in braces: `/api/v1/referrals/{referral_id}/status`.
    pub path: String,
    /// The request fields the path's variables name, in order.
    pub variables: Vec<String>,
    /// What the body holds.
    pub body: Body,
    /// The response field that is the answer's body; the whole response when `None`.
    pub response_body: Option<FieldDescriptor>,
    /// The status of a success.
    pub status: StatusCode,
    /// A `Location` header's template, whose variables name response fields.
    pub location: Option<String>,
}

impl Binding {
    /// The gRPC path the route calls: `/linkwork.referral.v1.ReferralService/ChangeStatus`.
    pub fn grpc_path(&self) -> String {
        format!(
            "/{}/{}",
            self.rpc.parent_service().full_name(),
            self.rpc.name()
        )
    }

    /// The request fields given as query parameters.
    pub fn query_fields(&self) -> Vec<FieldDescriptor> {
        if !matches!(self.body, Body::Empty) {
            return Vec::new();
        }
        self.rpc
            .input()
            .fields()
            .filter(|field| !self.variables.iter().any(|name| name == field.name()))
            .filter(crate::json::takes_text)
            .collect()
    }

    /// The `Location` of a success whose response is `response`, when the route has one.
    pub fn location_of(&self, response: &DynamicMessage) -> Option<String> {
        let template = self.location.as_deref()?;
        let mut out = String::new();
        for (index, part) in template.split(['{', '}']).enumerate() {
            if index % 2 == 0 {
                out.push_str(part);
                continue;
            }
            let value = response.get_field_by_name(part)?;
            let text = value.as_str()?;
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return None;
            }
            out.push_str(text);
        }
        Some(out)
    }
}

/// Every declared route, in the order the protos declare them.
pub fn bindings() -> &'static [Binding] {
    static BINDINGS: OnceLock<Vec<Binding>> = OnceLock::new();
    BINDINGS.get_or_init(|| {
        declared()
            .into_iter()
            .filter_map(|declared| declared.ok())
            .collect()
    })
}

/// Every declaration that cannot be served, named; empty when all is well (a test asserts it).
pub fn check_bindings() -> Vec<String> {
    let mut problems: Vec<String> = declared()
        .into_iter()
        .filter_map(|declared| declared.err())
        .collect();
    // OpenAPI cannot say that one query parameter needs another, so no rule may.
    for binding in bindings() {
        for field in binding.query_fields() {
            if crate::rules::of(&field).is_some_and(|rules| !rules.requires.is_empty()) {
                let name = field.full_name();
                problems.push(format!(
                    "{name} is a query parameter: it cannot require another"
                ));
            }
        }
    }
    problems
}

fn declared() -> Vec<Result<Binding, String>> {
    let pool = pool();
    let (Some(http), Some(answer)) = (
        pool.get_extension_by_name("google.api.http"),
        pool.get_extension_by_name("linkwork.api.v1.answer"),
    ) else {
        return vec![Err(
            "the google.api.http and linkwork.api.v1.answer options are missing".into(),
        )];
    };
    let mut out = Vec::new();
    for service in pool.services() {
        for rpc in service.methods() {
            let options = rpc.options();
            if !options.has_extension(&http) {
                continue;
            }
            let Value::Message(rule) = options.get_extension(&http).into_owned() else {
                continue;
            };
            let answer = match options.get_extension(&answer).as_ref() {
                Value::Message(answer) => answer.transcode_to::<HttpAnswer>().unwrap_or_default(),
                _ => HttpAnswer::default(),
            };
            out.push(
                binding(&rpc, &rule, &answer)
                    .map_err(|problem| format!("{}: {problem}", rpc.full_name())),
            );
        }
    }
    out
}

fn text(rule: &DynamicMessage, name: &str) -> String {
    rule.get_field_by_name(name)
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn binding(
    rpc: &MethodDescriptor,
    rule: &DynamicMessage,
    answer: &HttpAnswer,
) -> Result<Binding, String> {
    let verbs = [
        ("get", Method::GET),
        ("put", Method::PUT),
        ("post", Method::POST),
        ("delete", Method::DELETE),
        ("patch", Method::PATCH),
    ];
    let Some((path, method)) = verbs
        .into_iter()
        .map(|(name, method)| (text(rule, name), method))
        .find(|(path, _)| !path.is_empty())
    else {
        return Err("a google.api.http rule needs get, put, post, delete or patch".into());
    };
    let input = rpc.input();
    let variables = variables(&path)?;
    for variable in &variables {
        if input
            .get_field_by_name(variable)
            .is_none_or(|field| field.is_list() || !crate::json::takes_text(&field))
        {
            return Err(format!(
                "the path names {variable}, which is not a single field of the request"
            ));
        }
    }
    let body = match text(rule, "body").as_str() {
        "" => Body::Empty,
        "*" => Body::Fields,
        name => Body::Field(
            input
                .get_field_by_name(name)
                .ok_or_else(|| format!("body names {name}, which the request does not have"))?,
        ),
    };
    if method == Method::GET && !matches!(body, Body::Empty) {
        return Err("a GET route takes no body".into());
    }
    let response_body = match text(rule, "response_body").as_str() {
        "" => None,
        name => Some(rpc.output().get_field_by_name(name).ok_or_else(|| {
            format!("response_body names {name}, which the response does not have")
        })?),
    };
    let status = match answer.status {
        0 => StatusCode::OK,
        code => u16::try_from(code)
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
            .filter(StatusCode::is_success)
            .ok_or_else(|| format!("answer.status {code} is not a success status"))?,
    };
    let location = (!answer.location.is_empty()).then(|| answer.location.clone());
    Ok(Binding {
        rpc: rpc.clone(),
        method,
        path,
        variables,
        body,
        response_body,
        status,
        location,
    })
}

/// The variables of a path template: `{name}` segments only (no `{name=…}` patterns or
/// wildcards, which no route needs).
fn variables(path: &str) -> Result<Vec<String>, String> {
    if !path.starts_with('/') {
        return Err(format!("the path {path} does not start with /"));
    }
    let mut out = Vec::new();
    for segment in path.split('/').skip(1) {
        let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            if segment.contains(['{', '}', '*', ':']) {
                return Err(format!("the path segment {segment} is not supported"));
            }
            continue;
        };
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "the path variable {{{inner}}} must be a field name"
            ));
        }
        out.push(inner.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_declared_route_can_be_served() {
        assert_eq!(super::check_bindings(), Vec::<String>::new());
        assert!(!super::bindings().is_empty());
    }
}
