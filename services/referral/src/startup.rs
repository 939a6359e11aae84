//! Starting the referral service as a part of a host: its gRPC service, the FHIR API, and the
//! background work that keeps its read models and deadlines current — the responsibility
//! projection, the escalation scheduler and, when wired to a bus, its consumer of the
//! directory's events. (Its own events leave through the relay the kit runs for it.)

use std::time::Duration;

use eventstore::Subscription;
use messaging::{Consumer, ConsumerSettings};
use proto::referral::v1::referral_service_server::ReferralServiceServer;
use servicekit::{Boxed, GrpcService, Part, Start, StartError};

use crate::app::ReferralApp;
use crate::config::ReferralSettings;
use crate::consumers::directory;
use crate::escalation;
use crate::grpc::ReferralGrpc;
use crate::projections::responsibility;

/// How often the escalation scheduler looks for offers past their deadline.
const ESCALATION_INTERVAL: Duration = Duration::from_secs(30);

/// The referral service's part. Its tasks end when `start.stopper` stops.
pub fn start(start: Start) -> Boxed<'static, Result<Part, StartError>> {
    Box::pin(part(start))
}

async fn part(start: Start) -> Result<Part, StartError> {
    let Start {
        store,
        settings,
        tenant,
        wiring,
        stopper,
    } = start;
    let settings = ReferralSettings::read(&settings, &tenant)?;
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
        ESCALATION_INTERVAL,
        stopper.stopped(),
    )));
    if let Some(wiring) = wiring {
        let producer = wiring.names(directory::PRODUCER);
        let consumer = ConsumerSettings::new(
            directory::CONSUMER,
            &producer.stream_name(),
            &producer.all_subjects(),
        );
        let consumer = Consumer::new(store.clone(), wiring.bus, consumer);
        let stopped = stopper.stopped();
        tasks.push(tokio::spawn(async move {
            consumer.run(&mut directory::DirectoryView, stopped).await;
        }));
    }
    let http = crate::fhir::router(store.clone(), settings.clone());
    let grpc = ReferralServiceServer::new(ReferralGrpc::new(store, settings));
    Ok(Part::new(
        crate::SERVICE.name,
        vec![GrpcService::new(grpc)],
        http,
        tasks,
    ))
}
