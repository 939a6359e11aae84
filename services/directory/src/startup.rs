//! Starting the directory service as a part of a host: its index, folded from the log before
//! it serves; its gRPC service; and the Open Referral UK API over HTTP. (Its events, which the
//! referral service's directory view reads, leave through the relay the kit runs for it.)

use servicekit::{Boxed, GrpcService, Part, Start, StartError};

use crate::app::DirectoryApp;
use crate::config::DirectorySettings;
use crate::grpc::DirectoryGrpc;
use crate::postcodes::PostcodeDirectory;
use crate::projections::index::LiveIndex;

/// The directory's part. Its tasks end when `start.stopper` stops.
pub fn start(start: Start) -> Boxed<'static, Result<Part, StartError>> {
    Box::pin(part(start))
}

async fn part(start: Start) -> Result<Part, StartError> {
    let Start {
        store,
        settings,
        tenant,
        stopper,
        ..
    } = start;
    let settings = DirectorySettings::read(&settings, &tenant);
    let (index, indexing) =
        LiveIndex::start(store.clone(), settings.stale_after, stopper.stopped())
            .await
            .map_err(|error| StartError::of(crate::SERVICE.name, error))?;
    tracing::info!(
        services = index.read().service_count(),
        "directory index built from the log"
    );
    let tasks = vec![indexing];
    let postcodes = PostcodeDirectory::new(store.clone());
    let http = crate::oruk::router(index.clone(), postcodes.clone());
    let grpc = DirectoryGrpc::new(DirectoryApp::new(store), index, postcodes, settings);
    Ok(Part::new(
        crate::SERVICE.name,
        vec![GrpcService::new(grpc.into_server())],
        http,
        tasks,
    ))
}
