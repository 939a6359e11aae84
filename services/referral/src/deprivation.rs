//! How deprived the area a person lives in is: the directory's answer for their postcode (the
//! decile of the English Index of Multiple Deprivation, from the ONS Postcode Directory it
//! holds), asked over gRPC on behalf of whoever is making the referral — their bearer token
//! goes with the question, and the directory verifies it as it would any caller's.
//!
//! A referral never waits long on this, and never fails for it: when the directory is not
//! configured, unreachable, slow (more than [`LOOKUP_TIMEOUT`]) or does not know the postcode,
//! the decile is recorded as unknown, and why is logged (never the postcode).

use std::time::Duration;

use proto::directory::v1 as pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use servicekit::{OnBehalfOf, Peers};
use tonic::Code;
use tonic::transport::Channel;

use crate::domain::person::ImdDecile;
use crate::domain::postcode::Postcode;

/// The directory, as the kit names it among the peers.
pub const DIRECTORY: &str = "directory";

/// The longest a referral waits for the directory's answer.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// Asks the directory for postcodes' deprivation.
#[derive(Debug, Clone)]
pub struct Deprivation {
    directory: Option<Channel>,
}

impl Deprivation {
    /// Asking the directory among `peers`; when there is none, every decile is unknown.
    pub fn new(peers: &Peers) -> Self {
        let directory = peers.channel(DIRECTORY);
        if directory.is_none() {
            tracing::warn!(
                "no directory peer: referrals will record the deprivation of where people live \
                 as unknown"
            );
        }
        Self { directory }
    }

    /// The IMD decile of `postcode`'s area, or `None` when it cannot be had in time.
    pub async fn decile(&self, postcode: &Postcode, caller: OnBehalfOf<'_>) -> Option<ImdDecile> {
        let Some(channel) = self.directory.clone() else {
            tracing::info!("deprivation unknown: no directory to ask");
            return None;
        };
        let asked = tokio::time::timeout(LOOKUP_TIMEOUT, ask(channel, postcode, caller)).await;
        let answer = match asked {
            Ok(Ok(answer)) => answer,
            Ok(Err(status)) if status.code() == Code::NotFound => {
                tracing::info!("deprivation unknown: the directory does not know the postcode");
                return None;
            }
            Ok(Err(status)) => {
                tracing::warn!(
                    code = ?status.code(),
                    message = status.message(),
                    "deprivation unknown: the directory did not answer"
                );
                return None;
            }
            Err(_) => {
                tracing::warn!(
                    timeout = ?LOOKUP_TIMEOUT,
                    "deprivation unknown: the directory did not answer in time"
                );
                return None;
            }
        };
        let decile = answer.imd_decile.and_then(ImdDecile::new);
        if decile.is_none() {
            tracing::info!("deprivation unknown: the directory has no rank for the postcode");
        }
        decile
    }
}

async fn ask(
    channel: Channel,
    postcode: &Postcode,
    caller: OnBehalfOf<'_>,
) -> Result<pb::PostcodeArea, tonic::Status> {
    let mut request = tonic::Request::new(pb::GetPostcodeAreaRequest {
        postcode: postcode.expose().to_owned(),
    });
    caller.present(request.metadata_mut());
    let mut client = DirectoryServiceClient::new(channel);
    Ok(client.get_postcode_area(request).await?.into_inner())
}
