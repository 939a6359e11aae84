//! Safe retries: a command sent with an `Idempotency-Key` (the JSON API's header, carried to
//! the service as `idempotency-key` metadata) is answered once. Sending it again — after a
//! timeout, a dropped connection, a lost answer — gets the first answer back and changes
//! nothing; the same key with a different request is INVALID_ARGUMENT (HTTP 422); the same
//! key while the first request is still being answered is ABORTED (HTTP 409). Keys are the
//! caller's own: the same key from another caller, or for another RPC, is another key. This is
//! the IETF HTTPAPI working group's `Idempotency-Key` draft, kept in each service's own
//! database so that every replica answers the same.
//!
//! Only answers that succeeded are kept: a refused request changed nothing, so its retry is
//! simply decided again. Keys are kept for a day.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use eventstore::{EventStore, StoreError, on_pool};
use http_body_util::{BodyExt, Full};
use identity::Authenticated;
use sha2::{Digest, Sha256};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::http::{HeaderMap, HeaderValue, Request, Response};
use tonic::server::NamedService;
use tower::Service;

/// The metadata a key travels in.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The longest key taken (the draft suggests a UUID; some clients send longer).
const MAX_KEY: usize = 255;
/// How long a key is kept, in seconds.
const KEPT_FOR: i64 = 24 * 3600;
/// Keys older than a day are swept once every this many new keys.
const SWEEP_EVERY: u64 = 1000;

/// A service whose commands are answered once per key.
pub(crate) struct Idempotent<S> {
    inner: S,
    keys: Arc<Keys>,
}

impl<S: Clone> Clone for Idempotent<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            keys: self.keys.clone(),
        }
    }
}

impl<S: NamedService> NamedService for Idempotent<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Idempotent<S> {
    /// `inner`, keeping its answers in `store`.
    pub(crate) fn new(inner: S, store: EventStore) -> Self {
        Self {
            inner,
            keys: Arc::new(Keys {
                store,
                made: AtomicU64::new(0),
            }),
        }
    }
}

/// The keys of one service's log.
struct Keys {
    store: EventStore,
    /// New keys so far, to sweep old ones now and then.
    made: AtomicU64,
}

type Answer = Result<Response<Body>, Infallible>;

impl<S> Service<Request<Body>> for Idempotent<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Answer> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let Some(key) = request.headers().get(IDEMPOTENCY_KEY).cloned() else {
            return Box::pin(inner.call(request));
        };
        let keys = self.keys.clone();
        Box::pin(async move {
            let Some(key) = usable(&key) else {
                return refuse(Status::invalid_argument(format!(
                    "Idempotency-Key: 1 to {MAX_KEY} visible ASCII characters"
                )));
            };
            let (parts, body) = request.into_parts();
            let Ok(body) = body.collect().await.map(|collected| collected.to_bytes()) else {
                return refuse(Status::cancelled("the request was not received in full"));
            };
            let Some(Authenticated(caller)) = parts.extensions.get::<Authenticated>() else {
                return refuse(Status::unauthenticated(identity::NO_TOKEN));
            };
            let scope = digest(&[
                caller.user.as_bytes(),
                caller.organisation.as_bytes(),
                parts.uri.path().as_bytes(),
                key.as_bytes(),
            ]);
            let fingerprint = digest(&[&body]);
            match keys.reserve(&scope, &fingerprint).await {
                Ok(Reserved::New) => {}
                Ok(Reserved::Answered(response)) => return Ok(replay(response)),
                Ok(Reserved::Different) => {
                    return refuse(Status::invalid_argument(
                        "Idempotency-Key: already used for a different request",
                    ));
                }
                Ok(Reserved::InProgress) => {
                    return refuse(Status::aborted(
                        "Idempotency-Key: a request with this key is still being answered; \
                         retry shortly",
                    ));
                }
                Err(error) => return refuse(store_status(&error)),
            }
            let request = Request::from_parts(parts, Body::new(Full::new(body)));
            let answer = answered(inner.call(request).await).await;
            let kept = match &answer {
                Answered::Succeeded { data, .. } => keys.keep(&scope, data).await,
                Answered::Other(_) => keys.release(&scope).await,
            };
            if let Err(error) = kept {
                // The command took effect; only its retry cannot be recognised. Say so now
                // rather than let a retry act twice.
                tracing::error!(error = %eventstore::error_chain(&error), "an answer could not be kept");
            }
            Ok(answer.into_response())
        })
    }
}

/// A key that is 1 to 255 visible ASCII characters.
fn usable(key: &HeaderValue) -> Option<String> {
    let text = key.to_str().ok()?;
    let visible = text.bytes().all(|byte| byte.is_ascii_graphic());
    (!text.is_empty() && text.len() <= MAX_KEY && visible).then(|| text.to_owned())
}

fn digest(parts: &[&[u8]]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().to_vec()
}

fn refuse(status: Status) -> Answer {
    Ok(status.into_http())
}

fn store_status(error: &StoreError) -> Status {
    tracing::error!(error = %eventstore::error_chain(error), "idempotency keys unavailable");
    Status::unavailable("the service is unavailable; try again")
}

/// What reserving a key found.
enum Reserved {
    /// The key is new: answer the request.
    New,
    /// Answered before: this is the answer.
    Answered(Vec<u8>),
    /// Used for a different request.
    Different,
    /// Its first request is still being answered.
    InProgress,
}

impl Keys {
    async fn reserve(&self, scope: &[u8], fingerprint: &[u8]) -> Result<Reserved, StoreError> {
        let now = chrono::Utc::now().timestamp();
        if self
            .made
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(SWEEP_EVERY)
        {
            let sweep = "DELETE FROM idempotency_keys WHERE created_at < $1";
            on_pool!(self.store, |pool| sqlx::query(sweep)
                .bind(now - KEPT_FOR)
                .execute(pool)
                .await
                .map(drop))?;
        }
        let insert = "INSERT INTO idempotency_keys (scope, fingerprint, created_at) \
                      VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        let inserted = on_pool!(self.store, |pool| sqlx::query(insert)
            .bind(scope)
            .bind(fingerprint)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if inserted == 1 {
            return Ok(Reserved::New);
        }
        let select = "SELECT fingerprint, response FROM idempotency_keys WHERE scope = $1";
        let found: Option<(Vec<u8>, Option<Vec<u8>>)> = on_pool!(self.store, |pool| {
            sqlx::query_as(select)
                .bind(scope)
                .fetch_optional(pool)
                .await
        })?;
        Ok(match found {
            // Released between the insert and the select: a retry may go ahead next time.
            None => Reserved::InProgress,
            Some((stored, _)) if stored != fingerprint => Reserved::Different,
            Some((_, Some(response))) => Reserved::Answered(response),
            Some((_, None)) => Reserved::InProgress,
        })
    }

    async fn keep(&self, scope: &[u8], response: &[u8]) -> Result<(), StoreError> {
        let update = "UPDATE idempotency_keys SET response = $1 WHERE scope = $2";
        on_pool!(self.store, |pool| sqlx::query(update)
            .bind(response)
            .bind(scope)
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    async fn release(&self, scope: &[u8]) -> Result<(), StoreError> {
        let delete = "DELETE FROM idempotency_keys WHERE scope = $1";
        on_pool!(self.store, |pool| sqlx::query(delete)
            .bind(scope)
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }
}

/// How the service answered.
enum Answered {
    /// OK: the response message's frame, and the headers it came with.
    Succeeded { headers: HeaderMap, data: Bytes },
    /// Anything else, passed on as it was.
    Other(Response<Body>),
}

async fn answered(answer: Answer) -> Answered {
    let Ok(response) = answer;
    // A trailers-only answer (a refusal) carries its status in the headers.
    let refused = response
        .headers()
        .get("grpc-status")
        .is_some_and(|status| status.as_bytes() != b"0");
    if refused {
        return Answered::Other(response);
    }
    let (parts, body) = response.into_parts();
    let Ok(collected) = body.collect().await else {
        return Answered::Other(Status::internal("internal error").into_http());
    };
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let data = collected.to_bytes();
    match trailers
        .get("grpc-status")
        .is_some_and(|status| status == "0")
    {
        true => Answered::Succeeded {
            headers: parts.headers,
            data,
        },
        false => Answered::Other(with_body(parts.headers, data, trailers)),
    }
}

impl Answered {
    fn into_response(self) -> Response<Body> {
        match self {
            Answered::Succeeded { headers, data } => ok_response(headers, data),
            Answered::Other(response) => response,
        }
    }
}

/// A successful answer kept before, sent again.
fn replay(data: Vec<u8>) -> Response<Body> {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/grpc"));
    ok_response(headers, Bytes::from(data))
}

fn ok_response(headers: HeaderMap, data: Bytes) -> Response<Body> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    with_body(headers, data, trailers)
}

fn with_body(headers: HeaderMap, data: Bytes, trailers: HeaderMap) -> Response<Body> {
    let body = Full::new(data)
        .map_err(|never| match never {})
        .with_trailers(async move { Some(Ok::<_, Status>(trailers)) });
    let mut response = Response::new(Body::new(body));
    *response.headers_mut() = headers;
    response
}
