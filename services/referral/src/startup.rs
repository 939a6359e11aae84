//! Starting the referral service as a part of a host: its gRPC service, the FHIR API, and the
//! background work that keeps its read models and deadlines current — the responsibility
//! projection, the escalation scheduler and, when wired to a bus, its consumers of the
//! directory's events, of the outcomes service's measures (for the message back) and of the
//! engagement service's lapses (for the link worker's holdings). (Its own events leave through the relay the kit runs for it.) It calls
//! the directory, its peer, for the deprivation of people's postcodes.

use std::time::Duration;

use proto::referral::v1::referral_service_server::ReferralServiceServer;
use servicekit::{Boxed, GrpcService, Part, Start, StartError};

use crate::app::ReferralApp;
use crate::config::ReferralSettings;
use crate::consumers::{directory, engagement, outcomes};
use crate::deprivation::Deprivation;
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
    let settings = ReferralSettings::read(&start.settings, &start.tenant)?;
    let store = start.store.clone();
    let mut tasks = vec![start.project(
        responsibility::SUBSCRIPTION,
        responsibility::ResponsibilityProjection,
    )];
    tasks.push(tokio::spawn(escalation::run(
        ReferralApp::new(store.clone()),
        store.clone(),
        settings.tenant.clone(),
        ESCALATION_INTERVAL,
        start.stopper.stopped(),
    )));
    tasks.extend(start.consume(
        directory::PRODUCER,
        directory::CONSUMER,
        directory::DirectoryView,
    ));
    tasks.extend(start.consume(
        outcomes::PRODUCER,
        outcomes::CONSUMER,
        outcomes::OutcomesView,
    ));
    tasks.extend(start.consume(
        engagement::PRODUCER,
        engagement::CONSUMER,
        engagement::LapsesView::new(store.clone()),
    ));
    let deprivation = Deprivation::new(&start.peers);
    let http = crate::fhir::router(store.clone(), settings.clone(), deprivation.clone());
    let grpc = ReferralServiceServer::new(ReferralGrpc::new(store, settings, deprivation));
    Ok(Part::new(
        crate::SERVICE.name,
        vec![GrpcService::new(grpc)],
        http,
        tasks,
    ))
}
