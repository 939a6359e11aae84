//! Running parts on shared listeners.

use std::convert::Infallible;
use std::future::Future;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::body::Body;
use tonic::codegen::{Service, http};
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic_health::ServingStatus;

use eventstore::EventStore;
use identity::Verifier;

use crate::authenticate::{AuthenticationLayer, authenticate_http};
use crate::idempotency::Idempotent;
use crate::{Stopper, ValidationLayer};

/// One gRPC service, ready to be added to the process's server. Kept as "how to add it"
/// rather than as a router, because tonic's routers each carry a fallback and cannot be
/// merged.
pub struct GrpcService {
    name: &'static str,
    add: Box<dyn FnOnce(Routes, Option<EventStore>) -> Routes + Send>,
}

impl std::fmt::Debug for GrpcService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcService")
            .field("name", &self.name)
            .finish()
    }
}

impl GrpcService {
    /// Wraps a tonic service (a generated `…Server<T>`).
    pub fn new<S>(service: S) -> Self
    where
        S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        Self {
            name: S::NAME,
            // With its service's log, its commands are answered once per idempotency key.
            add: Box::new(move |routes, log| match log {
                Some(store) => routes.add_service(Idempotent::new(service, store)),
                None => routes.add_service(service),
            }),
        }
    }

    /// Its fully qualified name, e.g. `linkwork.referral.v1.ReferralService`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// What one service contributes to a process.
#[derive(Debug)]
pub struct Part {
    /// The service's name, for logs.
    pub name: &'static str,
    /// Its gRPC services; health reports each as serving.
    pub grpc: Vec<GrpcService>,
    /// Its HTTP routes, already under their own base path (`/fhir`, `/oruk`).
    pub http: axum::Router,
    /// Its background work (projections, relays, consumers), which ends when the process's
    /// [`Stopper`] is stopped.
    pub tasks: Vec<JoinHandle<()>>,
    /// The service's log, which the kit gives it once started (idempotency keys live there).
    pub(crate) log: Option<EventStore>,
}

impl Part {
    /// The part of service `name`: its gRPC services, HTTP routes and background tasks.
    pub fn new(
        name: &'static str,
        grpc: Vec<GrpcService>,
        http: axum::Router,
        tasks: Vec<JoinHandle<()>>,
    ) -> Self {
        Self {
            name,
            grpc,
            http,
            tasks,
            log: None,
        }
    }
}

/// The process's two listeners.
#[derive(Debug)]
pub struct Listeners {
    /// gRPC: every part's services, health and reflection.
    pub grpc: TcpListener,
    /// HTTP: every part's routes.
    pub http: TcpListener,
}

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The gRPC server failed.
    #[error("gRPC server failed")]
    Grpc(#[from] tonic::transport::Error),
    /// The HTTP server failed.
    #[error("HTTP server failed")]
    Http(#[source] std::io::Error),
}

/// Serves `parts` (and `extra_http`, routes that belong to the process rather than to one
/// service, such as the JSON API, which authenticates through the services it calls) until
/// `shutdown` completes; then stops every part's tasks through `stopper` and waits for them,
/// so nothing accepted is lost to an abrupt exit. Every caller of a part is authenticated with
/// `verifier` first.
pub async fn host(
    listeners: Listeners,
    parts: Vec<Part>,
    extra_http: axum::Router,
    verifier: Verifier,
    stopper: Stopper,
    shutdown: impl Future<Output = ()>,
) -> Result<(), HostError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|error| tracing::error!(%error, "reflection unavailable"))
        .ok();
    let mut routes = Routes::new(health_service);
    let mut http = extra_http;
    let mut tasks = Vec::new();
    let mut names = Vec::new();
    for part in parts {
        for service in part.grpc {
            health
                .set_service_status(service.name, ServingStatus::Serving)
                .await;
            routes = (service.add)(routes, part.log.clone());
        }
        let authenticated =
            axum::middleware::from_fn_with_state(verifier.clone(), authenticate_http);
        http = http.merge(part.http.layer(authenticated));
        tasks.extend(part.tasks);
        names.push(part.name);
    }
    if let Some(reflection) = reflection {
        routes = routes.add_service(reflection);
    }
    let http_server = tokio::spawn({
        let stopped = stopper.stopped();
        async move {
            axum::serve(listeners.http, http)
                .with_graceful_shutdown(stopped)
                .await
        }
    });
    tracing::info!(services = ?names, "serving");
    let served = tonic::transport::Server::builder()
        .layer(AuthenticationLayer::new(verifier))
        .layer(ValidationLayer)
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listeners.grpc),
            shutdown,
        )
        .await;
    stopper.stop();
    let http_result = http_server.await;
    for task in tasks {
        if let Err(error) = task.await {
            tracing::error!(%error, "a background task failed");
        }
    }
    tracing::info!(services = ?names, "stopped");
    served?;
    match http_result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(HostError::Http(error)),
        Err(error) => Err(HostError::Http(std::io::Error::other(error))),
    }
}
