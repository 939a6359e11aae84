//! GETs against an untrusted feed: bounded in size and time, retried with back-off when the
//! failure may pass, following a few redirects but never from https down to http.
//!
//! Built on hyper-util's pooled client and rustls with the ring provider, both already in the
//! tree for gRPC and NATS, with the system's root certificates. No proxy support: a feed behind
//! a proxy is saved to files and imported from them.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, LOCATION, USER_AGENT};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt, Empty, LengthLimitError, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::source::{Limits, SourceError};

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// A client for one import.
#[derive(Debug, Clone)]
pub(super) struct Fetcher {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    limits: Limits,
}

/// Why one attempt failed.
enum Failure {
    /// Worth another try: a timeout, a dropped connection, 429 or a 5xx.
    Transient(String),
    /// Will fail again.
    Permanent(String),
}

impl Fetcher {
    /// A client with the system's root certificates.
    pub(super) fn new(limits: Limits) -> Result<Self, SourceError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|error| SourceError::Tls(error.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self { client, limits })
    }

    /// The body at `url`, or `None` if the server says there is nothing there (404, 410).
    pub(super) async fn get(&self, url: &str) -> Result<Option<Bytes>, SourceError> {
        let failed = |reason: String| SourceError::Http {
            url: url.to_owned(),
            reason,
        };
        let mut wait = self.limits.backoff;
        let mut attempt = 1;
        loop {
            match self.attempt(url).await {
                Ok(body) => return Ok(body),
                Err(Failure::Permanent(reason)) => return Err(failed(reason)),
                Err(Failure::Transient(reason)) if attempt >= self.limits.attempts => {
                    return Err(failed(format!("{reason} (after {attempt} attempts)")));
                }
                Err(Failure::Transient(reason)) => {
                    tracing::warn!(%url, %reason, attempt, "feed request failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
            }
        }
    }

    /// One try, redirects included, within the time limit.
    async fn attempt(&self, url: &str) -> Result<Option<Bytes>, Failure> {
        let timeout = self.limits.timeout;
        tokio::time::timeout(timeout, self.follow(url))
            .await
            .unwrap_or_else(|_| Err(Failure::Transient(format!("no answer within {timeout:?}"))))
    }

    async fn follow(&self, url: &str) -> Result<Option<Bytes>, Failure> {
        let mut uri: Uri = url
            .parse()
            .map_err(|error| Failure::Permanent(format!("not a URL: {error}")))?;
        for _ in 0..=MAX_REDIRECTS {
            let request = Request::get(uri.clone())
                .header(ACCEPT, "application/json")
                .header(USER_AGENT, "linkwork-directory-import")
                .body(Empty::new())
                .map_err(|error| Failure::Permanent(error.to_string()))?;
            let response = self
                .client
                .request(request)
                .await
                .map_err(|error| Failure::Transient(chain(&error)))?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                uri = redirect(&uri, response.headers().get(LOCATION))?;
                continue;
            }
            if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
                return Ok(None);
            }
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                return Err(Failure::Transient(format!("HTTP {status}")));
            }
            if !status.is_success() {
                return Err(Failure::Permanent(format!("HTTP {status}")));
            }
            let limit = self.limits.max_bytes;
            return match Limited::new(response.into_body(), limit).collect().await {
                Ok(collected) => Ok(Some(collected.to_bytes())),
                Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(
                    Failure::Permanent(format!("the response is larger than {limit} bytes")),
                ),
                Err(error) => Err(Failure::Transient(format!(
                    "the response broke off: {error}"
                ))),
            };
        }
        Err(Failure::Permanent(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }
}

/// Where a redirect points, resolved against the URL that answered with it.
fn redirect(from: &Uri, location: Option<&http::HeaderValue>) -> Result<Uri, Failure> {
    let location = location
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| Failure::Permanent("a redirect without a Location".to_owned()))?;
    let to: Uri = if location.starts_with('/') {
        let (Some(scheme), Some(authority)) = (from.scheme_str(), from.authority()) else {
            return Err(Failure::Permanent(
                "a redirect from a relative URL".to_owned(),
            ));
        };
        format!("{scheme}://{authority}{location}")
            .parse()
            .map_err(|_| Failure::Permanent(format!("a redirect to {location:?}")))?
    } else {
        location
            .parse()
            .map_err(|_| Failure::Permanent(format!("a redirect to {location:?}")))?
    };
    match (from.scheme_str(), to.scheme_str()) {
        (_, Some("https")) | (Some("http"), Some("http")) => Ok(to),
        _ => Err(Failure::Permanent(format!(
            "a redirect to {location:?}, which is not https"
        ))),
    }
}

/// An error with its causes, for a connection failure's message ("error trying to connect:
/// dns error: …").
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
