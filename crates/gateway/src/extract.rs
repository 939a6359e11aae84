//! Reading requests: JSON bodies, path parameters and query strings, each refused with a 400
//! (413, 415) whose message names what is wrong and where — `details.minimum_age: invalid type:
//! string "sixty", expected u32`, `latitude must be a number` — as `{"error": …}`.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::MAX_BODY_BYTES;
use crate::error::ApiError;

/// A body that gives only a reason: suspending or withdrawing a service
/// (`POST /services/{service_id}/suspend`, `/withdraw`), declining an offer or a referral
/// (`POST /referrals/{referral_id}/offers/{offer_id}/decline`, `/referrals/{referral_id}/decline`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Reason {
    pub(crate) reason: String,
}

/// A JSON request body, deserialized as `T`. Unknown fields are refused by `T` itself
/// (`deny_unknown_fields`), so a misspelt field is an error rather than silently ignored.
#[derive(Debug)]
pub(crate) struct Body<T>(pub(crate) T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::payload_too_large(MAX_BODY_BYTES)
    } else {
        ApiError::bad_request(format!("body: {}", rejection.body_text()))
    }
}

/// `bytes` as a `T`, or a message naming the field at fault.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Serde would read a struct from an array, by position; a body is an object.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(ApiError::bad_request("body must be a JSON object"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() && path != "." {
            ApiError::bad_request(format!("{path}: {inner}"))
        } else if inner.is_data() {
            ApiError::bad_request(format!("body: {inner}"))
        } else {
            ApiError::bad_request(format!("body is not valid JSON: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|error| ApiError::bad_request(format!("body is not valid JSON: {error}")))?;
    Ok(parsed)
}

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(is_json);
        // Refusing anything but JSON also keeps out cross-site form posts, which browsers send
        // without asking first.
        if !json {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(Body)
    }
}

/// Path parameters, as `Path<T>` reads them, refused as JSON.
#[derive(Debug)]
pub(crate) struct Params<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(params)| Params(params))
            .map_err(|rejection| ApiError::bad_request(format!("path: {}", rejection.body_text())))
    }
}

/// A query string's parameters, in order, repeats kept.
#[derive(Debug, Default)]
pub(crate) struct QueryParams(pub(crate) Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| QueryParams(pairs))
            .map_err(|rejection| ApiError::bad_request(format!("query: {}", rejection.body_text())))
    }
}

impl QueryParams {
    /// Refuses any parameter not in `known`, so a misspelt filter is not silently ignored.
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        match self
            .0
            .iter()
            .find(|(name, _)| !known.contains(&name.as_str()))
        {
            Some((name, _)) => Err(ApiError::bad_request(format!(
                "{name} is not a query parameter here; use {}",
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }

    /// Every value of the repeatable parameter `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// The value of `name`, given at most once.
    pub(crate) fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.0.iter().filter(|(key, _)| key == name);
        let first = values.next().map(|(_, value)| value.as_str());
        if values.next().is_some() {
            return Err(ApiError::bad_request(format!(
                "{name} may be given only once"
            )));
        }
        Ok(first)
    }

    /// The value of `name` as a `T`; `what` says what it must be when it is not one.
    pub(crate) fn parsed<T: FromStr>(&self, name: &str, what: &str) -> Result<Option<T>, ApiError> {
        self.one(name)?
            .map(|value| {
                value
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::bad_request(format!("{name} must be {what}")))
            })
            .transpose()
    }

    /// `true` or `false`; absent is false.
    pub(crate) fn flag(&self, name: &str) -> Result<bool, ApiError> {
        Ok(self.parsed(name, "true or false")?.unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::{QueryParams, is_json, parse_json};

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        #[serde(default)]
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        age: u32,
    }

    fn refusal(json: &str) -> String {
        parse_json::<Outer>(json.as_bytes())
            .expect_err("refused")
            .message
    }

    #[test]
    fn bad_bodies_are_refused_naming_the_field() {
        assert!(
            refusal(r#"{"name": "x", "items": [{"age": 1}, {"age": "old"}]}"#)
                .starts_with("items[1].age: invalid type: string \"old\", expected u32")
        );
        assert!(refusal(r#"{"name": "x", "nmae": 1}"#).starts_with("nmae: unknown field"));
        assert!(refusal(r#"{"items": []}"#).starts_with("body: missing field `name`"));
        assert!(refusal(r#"{"name": "x", "name": "y"}"#).contains("duplicate field `name`"));
        assert!(refusal(r#"{"name": "x""#).starts_with("body is not valid JSON"));
        assert!(refusal(r#"{"name": "x"} trailing"#).starts_with("body is not valid JSON"));
        assert_eq!(refusal(" [\"x\"]"), "body must be a JSON object");
        assert_eq!(refusal(""), "body must be a JSON object");
    }

    #[test]
    fn json_is_any_json_media_type() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
    }

    #[test]
    fn query_parameters_are_checked_by_name() {
        let params = QueryParams(vec![
            ("taxonomy_term".into(), "a".into()),
            ("taxonomy_term".into(), "b".into()),
            ("age".into(), "sixty".into()),
            ("takes_referrals".into(), "true".into()),
        ]);
        assert_eq!(params.all("taxonomy_term"), ["a", "b"]);
        assert_eq!(
            params.one("taxonomy_term").expect_err("twice").message,
            "taxonomy_term may be given only once"
        );
        assert_eq!(
            params
                .parsed::<u32>("age", "a whole number")
                .expect_err("not a number")
                .message,
            "age must be a whole number"
        );
        assert!(params.flag("takes_referrals").expect("flag"));
        assert!(!params.flag("with_capacity").expect("absent"));
        assert!(
            params
                .only(&["taxonomy_term", "age"])
                .expect_err("unknown")
                .message
                .starts_with("takes_referrals is not a query parameter here")
        );
    }
}
