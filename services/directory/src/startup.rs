//! Starting the directory service: its index, its gRPC service, the Open Referral UK API over
//! HTTP, and the relay that publishes its events — as a [`hosting::Part`], so it runs alone
//! (`linkwork serve directory`) or beside the other services (`linkwork up`).

use std::future::Future;

use chrono::Duration;
use eventstore::{EventStore, StoreError};
use hosting::{GrpcService, HostError, Part, Stopper};
use messaging::{BusWiring, Relay, RelaySettings};

use crate::app::DirectoryApp;
use crate::grpc::{DirectoryGrpc, DirectorySettings};
use crate::index::{IndexError, LiveIndex};
use crate::postcodes::PostcodeDirectory;

pub use hosting::Listeners;

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The migrations failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index could not be built from the log.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Serving failed.
    #[error(transparent)]
    Host(#[from] HostError),
}

/// What the directory is configured with.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// The ICS this deployment serves, recorded on every event.
    pub tenant: String,
    /// How long a verification lasts before a service is flagged stale.
    pub stale_after: Duration,
}

/// Migrates the directory's database, replays its log into the index and returns its part:
/// gRPC, the ORUK API and, when wired to a bus, the outbox relay of its events (which the
/// referral service's directory view reads). Its tasks end when `stopper` stops.
pub async fn start(
    store: EventStore,
    settings: ServeSettings,
    wiring: Option<BusWiring>,
    stopper: &Stopper,
) -> Result<Part, StartupError> {
    crate::migrate(&store).await?;
    let (index, indexing) =
        LiveIndex::start(store.clone(), settings.stale_after, stopper.stopped()).await?;
    tracing::info!(
        services = index.read().service_count(),
        "directory index built from the log"
    );
    let mut tasks = vec![indexing];
    if let Some(wiring) = wiring {
        let relay = Relay::new(
            store.clone(),
            wiring.bus.clone(),
            wiring.names("directory"),
            RelaySettings::default(),
        );
        let stopped = stopper.stopped();
        tasks.push(tokio::spawn(async move { relay.run(stopped).await }));
    }
    let postcodes = PostcodeDirectory::new(store.clone());
    let http = crate::oruk::router(index.clone(), postcodes.clone());
    let grpc = DirectoryGrpc::new(
        DirectoryApp::new(store),
        index,
        postcodes,
        DirectorySettings {
            tenant: settings.tenant,
        },
    );
    Ok(Part {
        name: "directory",
        grpc: vec![GrpcService::new(grpc.into_server())],
        http,
        tasks,
    })
}

/// Serves the directory alone until `shutdown` completes.
pub async fn serve(
    listeners: Listeners,
    store: EventStore,
    settings: ServeSettings,
    wiring: Option<BusWiring>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartupError> {
    let stopper = Stopper::new();
    let part = start(store, settings, wiring, &stopper).await?;
    hosting::host(
        listeners,
        vec![part],
        axum::Router::new(),
        stopper,
        shutdown,
    )
    .await?;
    Ok(())
}
