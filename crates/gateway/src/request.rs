//! An HTTP request into its RPC's request message: path variables, then the query string (for
//! a route without a body) or the JSON body, then the limits its fields declare. Every refusal
//! is a 400 (413, 415) naming what is wrong and where.

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::header;
use axum::http::request::Parts;
use contract::http::{Binding, Body as Holds};
use contract::json::{self, Malformed};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use prost_reflect::DynamicMessage;

use crate::MAX_BODY_BYTES;
use crate::error::ApiError;

impl From<Malformed> for ApiError {
    fn from(malformed: Malformed) -> Self {
        ApiError::bad_request(malformed.0)
    }
}

/// `binding`'s request message, from the request.
pub(crate) async fn message(
    binding: &Binding,
    parts: &mut Parts,
    body: Body,
) -> Result<DynamicMessage, ApiError> {
    correlation_id(parts)?;
    idempotency_key(parts)?;
    let mut message = DynamicMessage::new(binding.rpc.input());
    let Path(variables) = Path::<Vec<(String, String)>>::from_request_parts(parts, &())
        .await
        .map_err(|rejection| ApiError::bad_request(format!("path: {}", rejection.body_text())))?;
    json::decode_path(&mut message, &variables)?;
    let in_path: Vec<&str> = binding.variables.iter().map(String::as_str).collect();
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
        .map_err(|rejection| ApiError::bad_request(format!("query: {}", rejection.body_text())))?;
    match &binding.body {
        Holds::Empty => json::decode_query(&mut message, &pairs, &in_path)?,
        holds => {
            // Every field is in the path or the body, so nothing is a query parameter.
            if let Some((name, _)) = pairs.first() {
                return Err(ApiError::bad_request(format!(
                    "{name} is not a query parameter here; this endpoint takes none"
                )));
            }
            let bytes = json_body(parts, body).await?;
            let field = match holds {
                Holds::Field(field) => Some(field),
                _ => None,
            };
            json::decode_body(&mut message, field, &bytes, &in_path)?;
        }
    }
    contract::validate(&message).map_err(|violation| ApiError::bad_request(violation.message))?;
    Ok(message)
}

/// The correlation id, if one was sent, must be one the services can record.
fn correlation_id(parts: &Parts) -> Result<(), ApiError> {
    let header = identity::CORRELATION_HEADER;
    match parts.headers.get(header).map(|value| value.to_str()) {
        None => Ok(()),
        Some(Ok(value)) if identity::is_correlation_id(value) => Ok(()),
        Some(_) => Err(ApiError::bad_request(format!("{header} must be a UUID"))),
    }
}

/// The header a client names a command's retries by.
pub(crate) const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// An idempotency key, if one was sent, must be one the services keep: 1 to 255 visible ASCII
/// characters (a UUID, say).
fn idempotency_key(parts: &Parts) -> Result<(), ApiError> {
    let Some(value) = parts.headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(());
    };
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(u8::is_ascii_graphic) {
        return Err(ApiError::bad_request(
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(())
}

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

/// The body's bytes, once it is declared JSON and within the size limit. Refusing anything
/// but JSON also keeps out cross-site form posts, which browsers send without asking first.
async fn json_body(parts: &Parts, body: Body) -> Result<axum::body::Bytes, ApiError> {
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_json);
    if !json {
        return Err(ApiError::unsupported_media_type());
    }
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => {
            Err(ApiError::payload_too_large(MAX_BODY_BYTES))
        }
        Err(_) => Err(ApiError::bad_request("body: it could not be read in full")),
    }
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_is_any_json_media_type() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
    }
}
