//! Every request a service process takes is authenticated before anything else reads it: its
//! bearer token verified against the deployment's issuer ([`identity::Verifier`]) and the
//! caller it names put in the request's extensions, where handlers find it
//! ([`identity::Caller::of_grpc`], [`identity::Caller::of_http`]). No other header is taken as
//! who a caller is.
//!
//! gRPC: a request without a valid token is UNAUTHENTICATED, and a caller whose role (or
//! integrator scope) the RPC's proto does not admit (`linkwork.api.v1.access`) is
//! PERMISSION_DENIED, both before the request's body is read. Health and reflection are open.
//! HTTP: the caller, or why the credentials were refused, is put in the extensions for each
//! API to answer in its own shape; an open API (Open Referral UK) never asks.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{Request as HttpRequest, State};
use axum::middleware::Next;
use axum::response::Response as HttpResponse;
use identity::{AuthError, Authenticated, Refused, Verifier};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::http::header::AUTHORIZATION;
use tonic::codegen::http::{Request, Response};
use tower::{Layer, Service};

/// Paths every client may call: health checks (Kubernetes probes) and reflection.
fn open(path: &str) -> bool {
    path.starts_with("/grpc.health.") || path.starts_with("/grpc.reflection.")
}

/// The layer that puts [`Authenticating`] in front of the process's gRPC services.
#[derive(Debug, Clone)]
pub struct AuthenticationLayer {
    verifier: Verifier,
}

impl AuthenticationLayer {
    /// Authenticating with `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }
}

impl<S> Layer<S> for AuthenticationLayer {
    type Service = Authenticating<S>;

    fn layer(&self, inner: S) -> Authenticating<S> {
        Authenticating {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// A gRPC service whose callers are authenticated and admitted first.
#[derive(Debug, Clone)]
pub struct Authenticating<S> {
    inner: S,
    verifier: Verifier,
}

type Answer = Result<Response<Body>, Infallible>;

impl<S> Service<Request<Body>> for Authenticating<S>
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

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let path = request.uri().path().to_owned();
        if open(&path) {
            return Box::pin(inner.call(request));
        }
        let verifier = self.verifier.clone();
        Box::pin(async move {
            let header = request
                .headers()
                .get(AUTHORIZATION)
                .map(|value| value.as_bytes().to_vec());
            let caller = match verifier.authenticate(header.as_deref()).await {
                Ok(Some(caller)) => caller,
                Ok(None) => return refuse(Status::unauthenticated(identity::NO_TOKEN)),
                Err(AuthError::Unauthenticated(refusal)) => return refuse(refusal.into()),
                Err(AuthError::Unavailable(reason)) => {
                    tracing::error!(%reason, "cannot verify tokens");
                    return refuse(Status::unavailable(
                        "the identity provider cannot be reached",
                    ));
                }
            };
            if !contract::access::allows(&path, &caller.role, &caller.scopes) {
                return refuse(Status::permission_denied(format!(
                    "a caller acting as {} may not do this",
                    caller.role
                )));
            }
            request.extensions_mut().insert(Authenticated(caller));
            inner.call(request).await
        })
    }
}

fn refuse(status: Status) -> Answer {
    Ok(status.into_http())
}

/// HTTP middleware: the caller, or the refusal of their credentials, into the extensions.
pub async fn authenticate_http(
    State(verifier): State<Verifier>,
    mut request: HttpRequest,
    next: Next,
) -> HttpResponse {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .map(|value| value.as_bytes().to_vec());
    match verifier.authenticate(header.as_deref()).await {
        Ok(Some(caller)) => {
            request.extensions_mut().insert(Authenticated(caller));
        }
        Ok(None) => {}
        Err(AuthError::Unauthenticated(refusal)) => {
            request.extensions_mut().insert(Refused(refusal));
        }
        Err(AuthError::Unavailable(reason)) => {
            tracing::error!(%reason, "cannot verify tokens");
            let refusal =
                identity::Unauthenticated("the identity provider cannot be reached".to_owned());
            request.extensions_mut().insert(Refused(refusal));
        }
    }
    next.run(request).await
}
