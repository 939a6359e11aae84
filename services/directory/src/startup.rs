//! Starting the directory service: its index, its gRPC server (with health and reflection),
//! the Open Referral UK API over HTTP, and the relay that publishes its events.

use std::future::Future;

use chrono::Duration;
use eventstore::{EventStore, StoreError};
use messaging::{BusWiring, Relay, RelaySettings};
use proto::directory::v1::directory_service_server::DirectoryServiceServer;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::DirectoryApp;
use crate::grpc::{DirectoryGrpc, DirectorySettings};
use crate::index::{IndexError, LiveIndex};
use crate::postcodes::PostcodeDirectory;

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The migrations failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index could not be built from the log.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The gRPC server failed.
    #[error("gRPC server failed")]
    Transport(#[from] tonic::transport::Error),
}

/// The service's two listeners.
#[derive(Debug)]
pub struct Listeners {
    /// gRPC (with health and reflection).
    pub grpc: TcpListener,
    /// HTTP: the Open Referral UK API under `/oruk`.
    pub http: TcpListener,
}

/// What the directory is configured with.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// The ICS this deployment serves, recorded on every event.
    pub tenant: String,
    /// How long a verification lasts before a service is flagged stale.
    pub stale_after: Duration,
}

/// Serves the directory until `shutdown` completes: replays its log into the index, then runs
/// gRPC, the ORUK API and, when wired to a bus, the outbox relay of its events (which the
/// referral service's directory view reads).
pub async fn serve(
    listeners: Listeners,
    store: EventStore,
    settings: ServeSettings,
    wiring: Option<BusWiring>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartupError> {
    crate::migrate(&store).await?;
    let (stop, stopped) = watch::channel(false);
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let (index, indexing) =
        LiveIndex::start(store.clone(), settings.stale_after, until_stopped()).await?;
    tracing::info!(
        services = index.read().service_count(),
        "directory index built from the log"
    );

    let relaying = wiring.map(|wiring| {
        let relay = Relay::new(
            store.clone(),
            wiring.bus.clone(),
            wiring.names("directory"),
            RelaySettings::default(),
        );
        let until = until_stopped();
        tokio::spawn(async move { relay.run(until).await })
    });

    let postcodes = PostcodeDirectory::new(store.clone());
    let oruk = crate::oruk::router(index.clone(), postcodes.clone());
    let http = tokio::spawn({
        let until_stopped = until_stopped();
        async move {
            axum::serve(listeners.http, oruk)
                .with_graceful_shutdown(until_stopped)
                .await
        }
    });

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<DirectoryServiceServer<DirectoryGrpc>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|error| tracing::error!(%error, "reflection unavailable"))
        .ok();
    let grpc = DirectoryGrpc::new(
        DirectoryApp::new(store),
        index,
        postcodes,
        DirectorySettings {
            tenant: settings.tenant,
        },
    );
    let served = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_optional_service(reflection)
        .add_service(grpc.into_server())
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listeners.grpc),
            shutdown,
        )
        .await;
    let _ = stop.send(true);
    if let Ok(Err(error)) = http.await {
        tracing::error!(%error, "ORUK HTTP server failed");
    }
    let _ = indexing.await;
    if let Some(relaying) = relaying {
        let _ = relaying.await;
    }
    tracing::info!("directory service stopped");
    Ok(served?)
}
