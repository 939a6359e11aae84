//! Starting the referral service: its gRPC service, the FHIR API, and the background work
//! that keeps its read models and deadlines current — as a [`hosting::Part`], so it runs alone
//! (`linkwork serve referral`) or beside the other services (`linkwork up`).

use std::future::Future;
use std::time::Duration;

use eventstore::{EventStore, StoreError, Subscription};
use hosting::{GrpcService, HostError, Part, Stopper};
use messaging::{Consumer, ConsumerSettings, Relay, RelaySettings};
use proto::referral::v1::referral_service_server::ReferralServiceServer;

use crate::app::ReferralApp;
use crate::escalation;
use crate::grpc::{ReferralGrpc, ReferralSettings};
use crate::projections::{self, responsibility};

pub use hosting::Listeners;
pub use messaging::BusWiring;

/// Largest request accepted (the gRPC ingest limit).
const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The read-model migrations failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Serving failed.
    #[error(transparent)]
    Host(#[from] HostError),
}

/// Migrates the referral service's read models and returns its part: gRPC, FHIR over HTTP,
/// the responsibility projection, the escalation scheduler and, when wired to a bus, the
/// outbox relay of its events and its consumer of the directory's. Its tasks end when
/// `stopper` stops.
pub async fn start(
    store: EventStore,
    settings: ReferralSettings,
    wiring: Option<BusWiring>,
    stopper: &Stopper,
) -> Result<Part, StartupError> {
    projections::migrate(&store).await?;
    let projection = Subscription::new(store.clone(), responsibility::SUBSCRIPTION);
    let stopped = stopper.stopped();
    let mut tasks = vec![tokio::spawn(async move {
        projection
            .run(&mut responsibility::ResponsibilityProjection, stopped)
            .await;
    })];
    tasks.push(tokio::spawn(escalation::run(
        ReferralApp::new(store.clone()),
        store.clone(),
        settings.tenant.clone(),
        Duration::from_secs(30),
        stopper.stopped(),
    )));
    if let Some(wiring) = wiring {
        let relay = Relay::new(
            store.clone(),
            wiring.bus.clone(),
            wiring.names("referral"),
            RelaySettings::default(),
        );
        let stopped = stopper.stopped();
        tasks.push(tokio::spawn(async move { relay.run(stopped).await }));
        let directory = wiring.names("directory");
        let consumer = ConsumerSettings::new(
            crate::directory::CONSUMER,
            &directory.stream_name(),
            &directory.all_subjects(),
        );
        let consumer = Consumer::new(store.clone(), wiring.bus, consumer);
        let stopped = stopper.stopped();
        tasks.push(tokio::spawn(async move {
            consumer
                .run(&mut crate::directory::DirectoryView, stopped)
                .await;
        }));
    }
    let http = crate::fhir::router(store.clone(), settings.clone());
    let grpc = ReferralServiceServer::new(ReferralGrpc::new(store, settings))
        .max_decoding_message_size(MAX_REQUEST_BYTES);
    Ok(Part {
        name: "referral",
        grpc: vec![GrpcService::new(grpc)],
        http,
        tasks,
    })
}

/// Serves the referral service alone until `shutdown` completes.
pub async fn serve(
    listeners: Listeners,
    store: EventStore,
    settings: ReferralSettings,
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
