//! Starting the outcomes service as a part of a host: the bundled reference data recorded if
//! the log does not hold it yet; its gRPC service and FHIR API; and the background work — the
//! outcomes read model, the rescorer and, when wired to a bus, its view of the referral
//! service's referrals. (Its own events leave through the relay the kit runs for it.)

use std::sync::Arc;

use chrono::Utc;
use proto::outcomes::v1::outcomes_service_server::OutcomesServiceServer;
use servicekit::{Boxed, GrpcService, Part, Start, StartError};
use tokio::sync::Notify;

use crate::app::{Context, OutcomesApp};
use crate::catalogue::record;
use crate::config::OutcomesSettings;
use crate::grpc::OutcomesGrpc;
use crate::projections::outcomes;
use crate::rescore;
use referral_view as referral;

/// The durable name (and inbox key) of the service's consumer of referral events.
const REFERRAL_VIEW: &str = "outcomes-referral-view";

/// The outcomes service's part. Its tasks end when `start.stopper` stops.
pub fn start(start: Start) -> Boxed<'static, Result<Part, StartError>> {
    Box::pin(part(start))
}

async fn part(start: Start) -> Result<Part, StartError> {
    let fail = |error| StartError::of(crate::SERVICE.name, error);
    let settings = OutcomesSettings::read(&start.settings, &start.tenant);
    let (store, tenant) = (&start.store, &start.tenant);
    if !store.is_read_only() {
        let service = Context::service(tenant);
        let recorded = record::bundled(store, &service.metadata(tenant, None), Utc::now())
            .await
            .map_err(fail)?;
        if recorded != record::Recorded::default() {
            tracing::info!(
                instruments = recorded.instruments,
                value_sets = recorded.value_sets,
                "bundled outcome instruments and value sets recorded in the log"
            );
        }
    }
    let app = OutcomesApp::new(store.clone(), settings);
    let mut tasks = vec![start.project(outcomes::SUBSCRIPTION, outcomes::OutcomesProjection)];
    tasks.extend(start.consume(referral::PRODUCER, REFERRAL_VIEW, referral::ReferralView));
    let wake = Arc::new(Notify::new());
    if !store.is_read_only() {
        let rescoring = rescore::run(app.clone(), Arc::clone(&wake), start.stopper.stopped());
        tasks.push(tokio::spawn(rescoring));
    }
    let http = crate::fhir::router(app.clone());
    let grpc = OutcomesServiceServer::new(OutcomesGrpc::new(app, wake));
    Ok(Part::new(
        crate::SERVICE.name,
        vec![GrpcService::new(grpc)],
        http,
        tasks,
    ))
}
