//! Starting the referral service: its gRPC server (with health and reflection) and the
//! background work that keeps its read models and deadlines current.

use std::future::Future;
use std::time::Duration;

use eventstore::{EventStore, StoreError, Subscription};
use messaging::{Consumer, ConsumerSettings, Relay, RelaySettings};
use proto::referral::v1::referral_service_server::ReferralServiceServer;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::ReferralApp;
use crate::escalation;
use crate::grpc::{ReferralGrpc, ReferralSettings};
use crate::projections::{self, responsibility};

/// Largest request accepted (the gRPC ingest limit).
const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Why the service stopped.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The read-model migrations failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The gRPC server failed.
    #[error("gRPC server failed")]
    Transport(#[from] tonic::transport::Error),
}

/// The service's two listeners.
#[derive(Debug)]
pub struct Listeners {
    /// gRPC (with health and reflection).
    pub grpc: TcpListener,
    /// HTTP: the FHIR API under `/fhir`.
    pub http: TcpListener,
}

pub use messaging::BusWiring;

/// Serves the referral service until `shutdown` completes: gRPC, FHIR over HTTP, the
/// responsibility projection, the escalation scheduler and, when wired to a bus, the outbox
/// relay of its events and its consumer of the directory's.
pub async fn serve(
    listeners: Listeners,
    store: EventStore,
    settings: ReferralSettings,
    wiring: Option<BusWiring>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartupError> {
    projections::migrate(&store).await?;
    let (stop, stopped) = watch::channel(false);
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };

    let projection = Subscription::new(store.clone(), responsibility::SUBSCRIPTION);
    let projecting = tokio::spawn({
        let until_stopped = until_stopped();
        async move {
            projection
                .run(&mut responsibility::ResponsibilityProjection, until_stopped)
                .await;
        }
    });
    let escalating = tokio::spawn(escalation::run(
        ReferralApp::new(store.clone()),
        store.clone(),
        settings.tenant.clone(),
        Duration::from_secs(30),
        until_stopped(),
    ));

    let mut bus_tasks = Vec::new();
    if let Some(wiring) = wiring {
        let bus = wiring.bus.clone();
        let names = wiring.names("referral");
        let relay = Relay::new(store.clone(), bus.clone(), names, RelaySettings::default());
        let until = until_stopped();
        bus_tasks.push(tokio::spawn(async move { relay.run(until).await }));
        let directory = wiring.names("directory");
        let consumer = ConsumerSettings::new(
            crate::directory::CONSUMER,
            &directory.stream_name(),
            &directory.all_subjects(),
        );
        let consumer = Consumer::new(store.clone(), bus, consumer);
        let until = until_stopped();
        bus_tasks.push(tokio::spawn(async move {
            consumer
                .run(&mut crate::directory::DirectoryView, until)
                .await;
        }));
    }

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<ReferralServiceServer<ReferralGrpc>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|error| {
            tracing::error!(%error, "reflection unavailable");
        })
        .ok();
    let fhir = crate::fhir::router(store.clone(), settings.clone());
    let http = tokio::spawn({
        let until_stopped = until_stopped();
        async move {
            axum::serve(listeners.http, fhir)
                .with_graceful_shutdown(until_stopped)
                .await
        }
    });
    let referrals = ReferralServiceServer::new(ReferralGrpc::new(store, settings))
        .max_decoding_message_size(MAX_REQUEST_BYTES);
    let served = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_optional_service(reflection)
        .add_service(referrals)
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listeners.grpc),
            shutdown,
        )
        .await;
    let _ = stop.send(true);
    let (_, _, http) = tokio::join!(projecting, escalating, http);
    if let Ok(Err(error)) = http {
        tracing::error!(%error, "FHIR HTTP server failed");
    }
    for task in bus_tasks {
        let _ = task.await;
    }
    tracing::info!("referral service stopped");
    Ok(served?)
}
