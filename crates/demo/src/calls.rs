//! Calling the public APIs: who is calling (signed in with the instance's issuer, their token on
//! every call),
//! the clients, and how each answer is taken — retried when it may pass, "already there" when
//! a re-run sends the same id, an error naming the step otherwise.

use std::future::Future;
use std::time::{Duration, SystemTime};

use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use proto::engagement::v1::engagement_service_client::EngagementServiceClient;
use proto::outcomes::v1::outcomes_service_client::OutcomesServiceClient;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Response, Status};

use crate::Target;
use crate::error::DemoError;
use crate::fhir::Fhir;

/// How long to keep trying to connect, for an instance that is still starting.
const CONNECT_WAIT: Duration = Duration::from_secs(30);
/// Tries of a call that failed in a way that may pass (UNAVAILABLE, ABORTED).
const ATTEMPTS: u32 = 6;
/// How long an onward referral waits for the referral service to hear of a directory service.
const VIEW_WAIT: Duration = Duration::from_secs(90);
/// The longest any one call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the demo's tokens last: longer than the largest load takes.
const TOKEN_LASTS: Duration = Duration::from_secs(6 * 3600);

/// Someone the demo acts as, signed in: every call carries their bearer token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    token: String,
}

impl Caller {
    /// `body` as this caller's request.
    pub(crate) fn request<T>(&self, body: T) -> Request<T> {
        let mut request = Request::new(body);
        identity::present(&self.token, request.metadata_mut());
        request
    }

    /// The `Authorization` header, for HTTP.
    pub(crate) fn authorization(&self) -> (http::HeaderName, http::HeaderValue) {
        identity::bearer(&self.token)
    }
}

/// The public APIs of one instance.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub(crate) directory: DirectoryServiceClient<Channel>,
    pub(crate) referral: ReferralServiceClient<Channel>,
    pub(crate) outcomes: OutcomesServiceClient<Channel>,
    pub(crate) engagement: EngagementServiceClient<Channel>,
    pub(crate) fhir: Fhir,
    issuer: identity::LocalIssuer,
}

impl Clients {
    /// Connects to `target`, waiting a while for an instance that is still starting.
    pub(crate) async fn connect(target: &Target) -> Result<Self, DemoError> {
        let fhir = Fhir::new(&target.http)?;
        let endpoint = Endpoint::from_shared(target.grpc.clone())
            .map_err(|error| DemoError::Target {
                address: target.grpc.clone(),
                reason: error.to_string(),
            })?
            .connect_timeout(Duration::from_secs(5))
            .timeout(CALL_TIMEOUT);
        let deadline = tokio::time::Instant::now() + CONNECT_WAIT;
        let channel = loop {
            match endpoint.connect().await {
                Ok(channel) => break channel,
                Err(error) if tokio::time::Instant::now() < deadline => {
                    tracing::debug!(%error, "Linkwork not up yet");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(source) => {
                    return Err(DemoError::Unreachable {
                        service: "gRPC API",
                        address: target.grpc.clone(),
                        source,
                    });
                }
            }
        };
        Ok(Self {
            directory: DirectoryServiceClient::new(channel.clone()),
            referral: ReferralServiceClient::new(channel.clone()),
            outcomes: OutcomesServiceClient::new(channel.clone()),
            engagement: EngagementServiceClient::new(channel),
            fhir,
            issuer: target.issuer.clone(),
        })
    }

    /// `user` of `organisation` acting as `role`, signed in with the instance's issuer.
    pub(crate) fn sign_in(
        &self,
        user: &str,
        organisation: &str,
        role: &str,
    ) -> Result<Caller, DemoError> {
        let caller = identity::Caller::new(user, organisation, role);
        let token = self
            .issuer
            .token(&caller, TOKEN_LASTS)
            .map_err(|error| DemoError::Options(error.to_string()))?;
        Ok(Caller { token })
    }
}

/// Whether a write made something or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// Made now.
    Created,
    /// There from an earlier run.
    Existing,
}

fn transient(status: &Status) -> bool {
    matches!(status.code(), Code::Unavailable | Code::Aborted)
}

/// Runs `attempt` until it answers, retrying what may pass; a refusal names `step`.
pub(crate) async fn call<T, F, Fut>(step: &str, mut attempt: F) -> Result<T, DemoError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response<T>, Status>>,
{
    let mut wait = Duration::from_millis(100);
    let mut tries = 1;
    loop {
        match attempt().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) if transient(&status) && tries < ATTEMPTS => {
                tracing::debug!(step, %status, "retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
                tries += 1;
            }
            Err(status) => return Err(DemoError::refused(step, &status)),
        }
    }
}

/// A directory write: ALREADY_EXISTS is an earlier run's; DEADLINE_EXCEEDED means the write
/// was recorded but the index was slow to show it, which the next command waits out.
pub(crate) async fn write<T, F, Fut>(step: &str, attempt: F) -> Result<Written, DemoError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response<T>, Status>>,
{
    match call(step, attempt).await {
        Ok(_) => Ok(Written::Created),
        Err(DemoError::Refused {
            code: Code::AlreadyExists,
            ..
        }) => Ok(Written::Existing),
        Err(DemoError::Refused {
            code: Code::DeadlineExceeded,
            ..
        }) => {
            tracing::warn!(
                step,
                "recorded, but the directory index was slow to show it"
            );
            Ok(Written::Created)
        }
        Err(error) => Err(error),
    }
}

/// An onward referral: until the referral service has heard of a directory service over the
/// bus, it refuses referrals to it (FAILED_PRECONDITION), so those are retried for a while.
pub(crate) async fn until_known<T, F, Fut>(step: &str, mut attempt: F) -> Result<T, DemoError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response<T>, Status>>,
{
    let deadline = tokio::time::Instant::now() + VIEW_WAIT;
    loop {
        match call(step, &mut attempt).await {
            Err(DemoError::Refused { code, .. })
                if matches!(code, Code::FailedPrecondition | Code::NotFound)
                    && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            answer => return answer,
        }
    }
}

/// `days` from now, for offer deadlines.
pub(crate) fn in_days(days: u64) -> prost_types::Timestamp {
    prost_types::Timestamp::from(SystemTime::now() + Duration::from_secs(days * 24 * 3600))
}

/// A retryable call of `method` on a clone of `client`, as `caller`, with a clone of `body`:
/// what [`call`], [`write`] and [`until_known`] take.
macro_rules! rpc {
    ($client:expr, $method:ident, $caller:expr, $body:expr) => {{
        let client = $client.clone();
        let caller: &$crate::calls::Caller = $caller;
        let body = $body;
        move || {
            let mut client = client.clone();
            let request = caller.request(body.clone());
            async move { client.$method(request).await }
        }
    }};
}
pub(crate) use rpc;
