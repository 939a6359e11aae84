//! Which organisation provides a directory service: the directory's answer, asked over gRPC on
//! behalf of the provider scheduling a session (their bearer token goes with the question).
//! A session is published only for a service its provider provides, so when the directory
//! cannot say — not configured, unreachable, slow — scheduling is refused as UNAVAILABLE
//! rather than recorded unchecked.

use std::time::Duration;

use proto::directory::v1 as pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use servicekit::{OnBehalfOf, Peers};
use tonic::transport::Channel;
use tonic::{Code, Status};
use uuid::Uuid;

/// The directory, as the kit names it among the peers.
pub const DIRECTORY: &str = "directory";

/// The longest scheduling waits for the directory's answer.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// Asks the directory who provides a service.
#[derive(Debug, Clone)]
pub struct Directory {
    channel: Option<Channel>,
}

impl Directory {
    /// Asking the directory among `peers`.
    pub fn new(peers: &Peers) -> Self {
        Self {
            channel: peers.channel(DIRECTORY),
        }
    }

    /// The organisation providing `service_id`; `None` when the directory has no such service.
    /// The error is why the directory could not say (logged; the caller is told to retry).
    pub async fn provider_of(
        &self,
        service_id: Uuid,
        caller: OnBehalfOf<'_>,
    ) -> Result<Option<String>, Status> {
        let unavailable = || Status::unavailable("the directory could not be asked");
        let channel = self.channel.clone().ok_or_else(unavailable)?;
        let mut request = tonic::Request::new(pb::GetServiceRequest {
            service_id: service_id.to_string(),
        });
        caller.present(request.metadata_mut());
        let mut client = DirectoryServiceClient::new(channel);
        let asked = tokio::time::timeout(LOOKUP_TIMEOUT, client.get_service(request)).await;
        match asked {
            Ok(Ok(found)) => Ok(found.into_inner().service.map(|s| s.organisation_id)),
            Ok(Err(status)) if status.code() == Code::NotFound => Ok(None),
            Ok(Err(status)) => {
                tracing::warn!(code = ?status.code(), "the directory did not answer");
                Err(unavailable())
            }
            Err(_) => {
                tracing::warn!(timeout = ?LOOKUP_TIMEOUT, "the directory did not answer in time");
                Err(unavailable())
            }
        }
    }
}
