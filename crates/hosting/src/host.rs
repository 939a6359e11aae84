//! Running parts on shared listeners.

use std::future::Future;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::service::Routes;
use tonic_health::ServingStatus;

use crate::Stopper;

/// What one service contributes to a process.
#[derive(Debug)]
pub struct Part {
    /// The service's name, for logs.
    pub name: &'static str,
    /// Its gRPC services, as built by `tonic::service::Routes`.
    pub grpc: Routes,
    /// The fully qualified gRPC service names the health service reports as serving.
    pub grpc_names: Vec<&'static str>,
    /// Its HTTP routes, already under their own base path (`/fhir`, `/oruk`).
    pub http: axum::Router,
    /// Its background work (projections, relays, consumers), which ends when the process's
    /// [`Stopper`] is stopped.
    pub tasks: Vec<JoinHandle<()>>,
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
/// service) until `shutdown` completes; then stops every part's tasks through `stopper` and
/// waits for them, so nothing accepted is lost to an abrupt exit.
pub async fn host(
    listeners: Listeners,
    parts: Vec<Part>,
    extra_http: axum::Router,
    stopper: Stopper,
    shutdown: impl Future<Output = ()>,
) -> Result<(), HostError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|error| tracing::error!(%error, "reflection unavailable"))
        .ok();
    let mut grpc = axum::Router::new();
    let mut http = extra_http;
    let mut tasks = Vec::new();
    let mut names = Vec::new();
    for part in parts {
        for name in &part.grpc_names {
            health
                .set_service_status(*name, ServingStatus::Serving)
                .await;
        }
        grpc = grpc.merge(part.grpc.into_axum_router());
        http = http.merge(part.http);
        tasks.extend(part.tasks);
        names.push(part.name);
    }
    let mut routes = Routes::from(grpc).add_service(health_service);
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
