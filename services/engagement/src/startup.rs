//! Starting the engagement service as a part of a host: its gRPC service and its background
//! work — when wired to a bus, its consumer of the referral service's events (the referral view,
//! and each status change noted in its log), and on NATS its intake of integrators' device
//! summaries; the lapse evaluator over its log; and its clock. (Its own events leave through
//! the relay the kit runs for it.) It asks the directory, its peer, who provides a service.
//!
//! A log served read-only (one that failed its integrity check) records nothing: then neither
//! the consumer, the intake, the evaluator nor the clock runs, and the bus keeps the referral
//! events and integrators' messages until the log is served again.

use proto::engagement::v1::engagement_service_server::EngagementServiceServer;
use servicekit::{Boxed, GrpcService, Part, Start, StartError};

use crate::app::EngagementApp;
use crate::config::{self, EngagementSettings};
use crate::consumers::referral::ReferralConsumer;
use crate::directory::Directory;
use crate::grpc::EngagementGrpc;
use crate::projections::lapses::{self, LapseEvaluator};
use crate::projections::places::{self, PlacesProjection};

/// The durable name (and inbox key) of the service's consumer of referral events.
const REFERRAL_VIEW: &str = "engagement-referral-view";

/// The engagement service's part. Its tasks end when `start.stopper` stops.
pub fn start(start: Start) -> Boxed<'static, Result<Part, StartError>> {
    Box::pin(part(start))
}

async fn part(start: Start) -> Result<Part, StartError> {
    let settings = EngagementSettings::read(&start.settings, &start.tenant)?;
    let store = &start.store;
    let mut tasks = Vec::new();
    if !store.is_read_only() {
        let consumer = ReferralConsumer::new(store.clone(), &start.tenant);
        tasks.extend(start.consume(referral_view::PRODUCER, REFERRAL_VIEW, consumer));
        let evaluator = LapseEvaluator::new(store.clone(), config::rules(&start.settings));
        tasks.push(start.project(lapses::SUBSCRIPTION, evaluator));
        tasks.push(start.project(places::SUBSCRIPTION, PlacesProjection));
        let clock = crate::clock::run(
            store.clone(),
            settings.clock_tick,
            start.tenant.clone(),
            start.stopper.stopped(),
        );
        tasks.push(tokio::spawn(clock));
    }
    let app = EngagementApp::new(store.clone(), Directory::new(&start.peers), settings);
    let http = crate::fhir::router(app.clone());
    tasks.extend(crate::intake::start(&start, &app).await?);
    let grpc = EngagementServiceServer::new(EngagementGrpc::new(app));
    Ok(Part::new(
        crate::SERVICE.name,
        vec![GrpcService::new(grpc)],
        http,
        tasks,
    ))
}
