//! The gRPC adapter: proto ↔ application, nothing else. Requests, already held to the limits
//! their protos declare and to the roles their RPCs admit, are parsed (a value the domain's
//! types refuse is INVALID_ARGUMENT naming the field), run through the application layer, and
//! errors mapped once (`status.rs`). Every answer carrying a claim's lines is recorded in the
//! audit of reads before it leaves.
//!
//! - [`terms`]: a contract's terms read from a request, and a contract as the API shows it.
//! - [`claims`]: a claim as the API shows it.

mod claims;
mod terms;

use proto::billing::v1 as pb;
use proto::billing::v1::billing_service_server::BillingService;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use identity::Caller;

use crate::app::claims::{ClaimView, Decision};
use crate::app::contracts::NewContract;
use crate::app::{BillingApp, Context};
use crate::domain::claim::Rejection;
use crate::domain::period::Month;
use terms::{as_requested, day, funding, invalid};

/// The billing service's gRPC implementation.
#[derive(Debug, Clone)]
pub struct BillingGrpc {
    app: BillingApp,
}

impl BillingGrpc {
    /// Serves `app`.
    pub fn new(app: BillingApp) -> Self {
        Self { app }
    }

    /// `view`, with its lines, once the caller's reading them is recorded.
    async fn answer(
        &self,
        view: &ClaimView,
        context: &Context,
        function: &'static str,
    ) -> Result<Response<pb::Claim>, Status> {
        claims::record_read(self.app.store(), view, context, function).await?;
        Ok(Response::new(claims::claim(view, true)))
    }
}

fn uuid(field: &str, value: &str) -> Result<Uuid, Status> {
    Uuid::parse_str(value).map_err(|_| invalid(field, "a UUID"))
}

fn context<T>(request: &Request<T>) -> Result<Context, Status> {
    Ok(Context {
        caller: Caller::of_grpc(request.extensions())?,
        correlation_id: identity::correlation_id(request.metadata()),
    })
}

#[tonic::async_trait]
impl BillingService for BillingGrpc {
    async fn agree_contract(
        &self,
        request: Request<pb::AgreeContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let context = context(&request)?;
        let message = request.into_inner();
        let new = NewContract {
            contract_id: match message.contract_id.as_str() {
                "" => Uuid::now_v7(),
                chosen => uuid("contract_id", chosen)?,
            },
            provider: message.provider.trim().to_owned(),
            funding: funding(&message.funding)?,
            effective_from: day("effective_from", &message.effective_from)?,
            terms: terms::terms(
                &message.tariffs,
                message.caps.as_ref(),
                message.eligibility.as_ref(),
            )?,
        };
        let agreed = self.app.agree(new, &context).await.map_err(as_requested)?;
        Ok(Response::new(terms::contract(&agreed)))
    }

    async fn amend_contract(
        &self,
        request: Request<pb::AmendContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let context = context(&request)?;
        let message = request.into_inner();
        let contract_id = uuid("contract_id", &message.contract_id)?;
        let effective_from = day("effective_from", &message.effective_from)?;
        let terms = terms::terms(
            &message.tariffs,
            message.caps.as_ref(),
            message.eligibility.as_ref(),
        )?;
        let amended = self
            .app
            .amend(contract_id, effective_from, terms, &context)
            .await
            .map_err(as_requested)?;
        Ok(Response::new(terms::contract(&amended)))
    }

    async fn end_contract(
        &self,
        request: Request<pb::EndContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let context = context(&request)?;
        let message = request.into_inner();
        let contract_id = uuid("contract_id", &message.contract_id)?;
        let last_day = day("last_day", &message.last_day)?;
        let reason = message.reason.trim().to_owned();
        let ended = self
            .app
            .end(contract_id, last_day, reason, &context)
            .await?;
        Ok(Response::new(terms::contract(&ended)))
    }

    async fn get_contract(
        &self,
        request: Request<pb::GetContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let context = context(&request)?;
        let contract_id = uuid("contract_id", &request.get_ref().contract_id)?;
        let contract = self.app.contract(contract_id, &context).await?;
        Ok(Response::new(terms::contract(&contract)))
    }

    async fn draft_claim(
        &self,
        request: Request<pb::DraftClaimRequest>,
    ) -> Result<Response<pb::Claim>, Status> {
        let context = context(&request)?;
        let message = request.get_ref();
        let contract_id = uuid("contract_id", &message.contract_id)?;
        let month =
            Month::parse(message.month.trim()).ok_or_else(|| invalid("month", "YYYY-MM"))?;
        let view = self.app.draft(contract_id, month, &context).await?;
        self.answer(&view, &context, "billing.DraftClaim").await
    }

    async fn list_claims(
        &self,
        request: Request<pb::ListClaimsRequest>,
    ) -> Result<Response<pb::ListClaimsResponse>, Status> {
        let context = context(&request)?;
        let contract_id = uuid("contract_id", &request.get_ref().contract_id)?;
        let listed = self.app.claims(contract_id, &context).await?;
        Ok(Response::new(pb::ListClaimsResponse {
            claims: listed
                .iter()
                .map(|view| claims::claim(view, false))
                .collect(),
        }))
    }

    async fn get_claim(
        &self,
        request: Request<pb::GetClaimRequest>,
    ) -> Result<Response<pb::Claim>, Status> {
        let context = context(&request)?;
        let claim_id = uuid("claim_id", &request.get_ref().claim_id)?;
        let (view, _) = self.app.claim(claim_id, &context).await?;
        self.answer(&view, &context, "billing.GetClaim").await
    }

    async fn submit_claim(
        &self,
        request: Request<pb::SubmitClaimRequest>,
    ) -> Result<Response<pb::Claim>, Status> {
        let context = context(&request)?;
        let claim_id = uuid("claim_id", &request.get_ref().claim_id)?;
        let view = self.app.submit(claim_id, &context).await?;
        self.answer(&view, &context, "billing.SubmitClaim").await
    }

    async fn decide_claim(
        &self,
        request: Request<pb::DecideClaimRequest>,
    ) -> Result<Response<pb::Claim>, Status> {
        let context = context(&request)?;
        let message = request.into_inner();
        let claim_id = uuid("claim_id", &message.claim_id)?;
        let decision = decision(message)?;
        let view = self.app.decide(claim_id, decision, &context).await?;
        self.answer(&view, &context, "billing.DecideClaim").await
    }

    async fn record_payment(
        &self,
        request: Request<pb::RecordPaymentRequest>,
    ) -> Result<Response<pb::Claim>, Status> {
        let context = context(&request)?;
        let message = request.into_inner();
        let claim_id = uuid("claim_id", &message.claim_id)?;
        let paid_on = day("paid_on", &message.paid_on)?;
        let remittance = message.remittance.trim().to_owned();
        let view = self
            .app
            .pay(claim_id, remittance, paid_on, &context)
            .await?;
        self.answer(&view, &context, "billing.RecordPayment").await
    }
}

/// The decision a request asks for: the rejected lines only with "partly-approve", the reason
/// only with "reject".
fn decision(message: pb::DecideClaimRequest) -> Result<Decision, Status> {
    let reason = message.reason.trim().to_owned();
    match message.decision.as_str() {
        "partly-approve" if !reason.is_empty() => Err(invalid(
            "reason",
            "only with \"reject\": a partly approved claim gives a reason per rejected line",
        )),
        "partly-approve" => message
            .rejected
            .into_iter()
            .enumerate()
            .map(|(i, rejection)| {
                Ok(Rejection {
                    line_id: uuid(&format!("rejected[{i}].line_id"), &rejection.line_id)?,
                    reason: rejection.reason.trim().to_owned(),
                })
            })
            .collect::<Result<Vec<_>, Status>>()
            .map(Decision::ApprovePartly),
        _ if !message.rejected.is_empty() => {
            Err(invalid("rejected", "only with \"partly-approve\""))
        }
        "approve" if !reason.is_empty() => Err(invalid("reason", "only with \"reject\"")),
        "approve" => Ok(Decision::Approve),
        "reject" => Ok(Decision::Reject(reason)),
        _ => Err(invalid("decision", "approve, partly-approve or reject")),
    }
}
