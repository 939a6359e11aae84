//! Starting the engagement service as a part of a host: its gRPC service, and, when wired to a
//! bus, its view of the referral service's referrals. (Its own events leave through the relay
//! the kit runs for it.) It asks the directory, its peer, who provides a service.

use proto::engagement::v1::engagement_service_server::EngagementServiceServer;
use servicekit::{Boxed, GrpcService, Part, Start, StartError};

use crate::app::EngagementApp;
use crate::config::EngagementSettings;
use crate::directory::Directory;
use crate::grpc::EngagementGrpc;

/// The durable name (and inbox key) of the service's consumer of referral events.
const REFERRAL_VIEW: &str = "engagement-referral-view";

/// The engagement service's part. Its tasks end when `start.stopper` stops.
pub fn start(start: Start) -> Boxed<'static, Result<Part, StartError>> {
    Box::pin(part(start))
}

async fn part(start: Start) -> Result<Part, StartError> {
    let settings = EngagementSettings::read(&start.settings, &start.tenant)?;
    let tasks = start
        .consume(
            referral_view::PRODUCER,
            REFERRAL_VIEW,
            referral_view::ReferralView,
        )
        .into_iter()
        .collect();
    let app = EngagementApp::new(start.store.clone(), Directory::new(&start.peers), settings);
    let grpc = EngagementServiceServer::new(EngagementGrpc::new(app));
    Ok(Part::new(
        crate::SERVICE.name,
        vec![GrpcService::new(grpc)],
        axum::Router::new(),
        tasks,
    ))
}
