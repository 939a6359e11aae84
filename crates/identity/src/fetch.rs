//! Fetching an OpenID Connect issuer's keys: its discovery document
//! (`<issuer>/.well-known/openid-configuration`) names its JWKS. Bounded in size and time;
//! TLS with the system's root certificates (rustls with ring, already in the tree).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::JwkSet;

/// The largest document read.
const MAX_BYTES: usize = 1024 * 1024;
/// How long a fetch may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The issuer's JWKS: at `jwks_url`, or where its discovery document says.
pub(crate) async fn jwks(issuer: &str, jwks_url: Option<&str>) -> Result<JwkSet, String> {
    let url = match jwks_url {
        Some(url) => url.to_owned(),
        None => {
            let discovery = format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            );
            let document: serde_json::Value = get_json(&discovery).await?;
            document["jwks_uri"]
                .as_str()
                .ok_or_else(|| format!("{discovery} names no jwks_uri"))?
                .to_owned()
        }
    };
    get_json(&url).await
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let https = HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|error| error.to_string())?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let request = Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(Empty::new())
        .map_err(|error| format!("{url}: {error}"))?;
    let response = tokio::time::timeout(TIMEOUT, client.request(request))
        .await
        .map_err(|_| format!("{url}: no answer in {TIMEOUT:?}"))?
        .map_err(|error| format!("{url}: {error}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("{url} answered {}", response.status()));
    }
    let body = Limited::new(response.into_body(), MAX_BYTES)
        .collect()
        .await
        .map_err(|error| format!("{url}: {error}"))?
        .to_bytes();
    serde_json::from_slice(&body).map_err(|error| format!("{url}: {error}"))
}
