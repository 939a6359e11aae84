//! Starting the billing service as a part of a host: its gRPC service and its background
//! work — when wired to a bus, its consumers of the referral, engagement and outcomes services'
//! events (noting billable facts in its log); the accrual processor over its log; and its
//! clock. (Its own events leave through the relay the kit runs for it.)
//!
//! A log served read-only (one that failed its integrity check) records nothing: then no
//! consumer, processor or clock runs, and the bus keeps the other services' events until the
//! log is served again.

use proto::billing::v1::billing_service_server::BillingServiceServer;
use servicekit::{Boxed, GrpcService, Part, Start, StartError};

use crate::app::BillingApp;
use crate::config::BillingSettings;
use crate::consumers::engagement::{self, EngagementConsumer};
use crate::consumers::outcomes::{self, OutcomesConsumer};
use crate::consumers::referral::ReferralConsumer;
use crate::grpc::BillingGrpc;
use crate::projections::accrual;

/// The durable names (and inbox keys) of the service's consumers.
const REFERRALS: &str = "billing-referrals";
const ATTENDANCE: &str = "billing-engagement";
const OUTCOMES: &str = "billing-outcomes";

/// The billing service's part. Its tasks end when `start.stopper` stops.
pub fn start(start: Start) -> Boxed<'static, Result<Part, StartError>> {
    Box::pin(part(start))
}

async fn part(start: Start) -> Result<Part, StartError> {
    let settings = BillingSettings::read(&start.settings, &start.tenant);
    let (store, tenant) = (&start.store, start.tenant.as_str());
    let mut tasks = Vec::new();
    if !store.is_read_only() {
        let referrals = ReferralConsumer::new(store.clone(), tenant);
        tasks.extend(start.consume(referral_view::PRODUCER, REFERRALS, referrals));
        let attendance = EngagementConsumer::new(store.clone(), tenant);
        tasks.extend(start.consume(engagement::PRODUCER, ATTENDANCE, attendance));
        let outcomes = OutcomesConsumer::new(store.clone(), tenant);
        tasks.extend(start.consume(outcomes::PRODUCER, OUTCOMES, outcomes));
        // Not `start.project`: the processor appends to the ledgers it reads, so it takes one
        // event per transaction (see `projections::accrual`).
        tasks.push(accrual::spawn(store.clone(), start.stopper.stopped()));
        let clock = crate::clock::run(
            store.clone(),
            settings.clock_every,
            start.tenant.clone(),
            start.stopper.stopped(),
        );
        tasks.push(tokio::spawn(clock));
    }
    let grpc =
        BillingServiceServer::new(BillingGrpc::new(BillingApp::new(store.clone(), settings)));
    Ok(Part::new(
        crate::SERVICE.name,
        vec![GrpcService::new(grpc)],
        axum::Router::new(),
        tasks,
    ))
}
