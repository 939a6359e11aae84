//! Referrals under `/api/v1`: making one, moving it through its statuses, handing
//! responsibility on with offers, and the responsibility ledger's questions (the handoff trail,
//! who was accountable when, what an organisation holds). Each handler maps its JSON onto one
//! referral RPC and its answer back ([`wire`]); what makes a referral, an offer or a child
//! referral answers 201.
//!
//! Offers follow the proto: an offer belongs to a referral, and accepting or declining one
//! names both, so they live at `/referrals/{referral_id}/offers/{offer_id}/…`.

mod wire;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use proto::referral::v1 as pb;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::{Body, Params, QueryParams, Reason};
use crate::time::{to_proto, to_proto_opt};
use crate::upstream::{Caller, Upstream, answer};
use crate::{Api, Gateway, Verb};

const REFERRAL: Upstream = Upstream::Referral;

/// Adds the referral service's routes.
pub(crate) fn routes(api: Api) -> Api {
    use Verb::{Get, Post};
    api.add(Post, "/api/v1/referrals", create)
        .add(
            Post,
            "/api/v1/referrals/{referral_id}/status",
            change_status,
        )
        .add(Post, "/api/v1/referrals/{referral_id}/assign", assign)
        .add(
            Post,
            "/api/v1/referrals/{referral_id}/assessment",
            assessment,
        )
        .add(
            Post,
            "/api/v1/referrals/{referral_id}/contact-attempts",
            contact_attempt,
        )
        .add(
            Post,
            "/api/v1/referrals/{referral_id}/refer-onward",
            refer_onward,
        )
        .add(Post, "/api/v1/referrals/{referral_id}/complete", complete)
        .add(Post, "/api/v1/referrals/{referral_id}/decline", declined)
        .add(
            Post,
            "/api/v1/referrals/{referral_id}/consent/withdraw",
            withdraw_consent,
        )
        .add(Post, "/api/v1/referrals/{referral_id}/offers", offer)
        .add(
            Post,
            "/api/v1/referrals/{referral_id}/offers/{offer_id}/accept",
            accept_offer,
        )
        .add(
            Post,
            "/api/v1/referrals/{referral_id}/offers/{offer_id}/decline",
            decline_offer,
        )
        .add(Get, "/api/v1/referrals/{referral_id}/handoffs", handoffs)
        .add(
            Get,
            "/api/v1/referrals/{referral_id}/accountable",
            accountable,
        )
        .add(Get, "/api/v1/holdings", holdings)
}

type Answer<T> = Result<Json<T>, ApiError>;
type Created<T> = Result<(StatusCode, Json<T>), ApiError>;
type Caused = Answer<wire::Caused>;

/// The id the client chose, or a new one.
fn chosen_or_new(id: String) -> String {
    if id.is_empty() {
        Uuid::new_v4().to_string()
    } else {
        id
    }
}

async fn create(
    State(gateway): State<Gateway>,
    caller: Caller,
    Body(body): Body<wire::NewReferral>,
) -> Created<wire::Created> {
    let mut client = gateway.referral;
    let request = caller.request(pb::CreateReferralRequest {
        referral_id: chosen_or_new(body.referral_id),
        referrer_practitioner: body.referrer_practitioner,
        receiving_organisation: body.receiving_organisation,
        reason_codes: body.reason_codes,
        urgency: body.urgency,
        part_of: body.part_of,
        accept_by: to_proto_opt(body.accept_by),
        consent_share_with_providers: body.consent_share_with_providers,
        consent_share_outcome_with_referrer: body.consent_share_outcome_with_referrer,
        nhs_number: body.nhs_number,
        source: body.source,
    });
    let made = answer(REFERRAL, client.create_referral(request)).await?;
    let made = wire::Created {
        referral_id: made.referral_id,
        offer_id: made.offer_id,
    };
    Ok((StatusCode::CREATED, Json(made)))
}

async fn change_status(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<wire::StatusChange>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::ChangeStatusRequest {
        referral_id,
        status: body.status,
        reason: body.reason,
    });
    Ok(Json(
        answer(REFERRAL, client.change_status(request))
            .await?
            .into(),
    ))
}

async fn assign(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<wire::Assignment>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::AssignPractitionerRequest {
        referral_id,
        practitioner: body.practitioner,
    });
    Ok(Json(
        answer(REFERRAL, client.assign_practitioner(request))
            .await?
            .into(),
    ))
}

async fn assessment(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<wire::Assessment>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::RecordAssessmentRequest {
        referral_id,
        needs: body.needs,
        goals: body.goals,
    });
    Ok(Json(
        answer(REFERRAL, client.record_assessment(request))
            .await?
            .into(),
    ))
}

async fn contact_attempt(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<wire::ContactAttempt>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::RecordContactAttemptRequest {
        referral_id,
        outcome: body.outcome,
    });
    Ok(Json(
        answer(REFERRAL, client.record_contact_attempt(request))
            .await?
            .into(),
    ))
}

async fn refer_onward(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<wire::Onward>,
) -> Created<wire::ReferredOnward> {
    let mut client = gateway.referral;
    let request = caller.request(pb::ReferOnwardRequest {
        referral_id,
        child_referral_id: chosen_or_new(body.child_referral_id),
        service_id: body.service_id,
        accept_by: to_proto_opt(body.accept_by),
    });
    let child = answer(REFERRAL, client.refer_onward(request)).await?;
    let child = wire::ReferredOnward {
        child_referral_id: child.child_referral_id,
    };
    Ok((StatusCode::CREATED, Json(child)))
}

async fn complete(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<wire::Completion>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::CompleteReferralRequest {
        referral_id,
        outcome_summary: body.outcome_summary,
    });
    Ok(Json(
        answer(REFERRAL, client.complete_referral(request))
            .await?
            .into(),
    ))
}

async fn declined(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<Reason>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::RecordDeclinedRequest {
        referral_id,
        reason: body.reason,
    });
    Ok(Json(
        answer(REFERRAL, client.record_declined(request))
            .await?
            .into(),
    ))
}

async fn withdraw_consent(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::WithdrawConsentRequest { referral_id });
    Ok(Json(
        answer(REFERRAL, client.withdraw_consent(request))
            .await?
            .into(),
    ))
}

async fn offer(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    Body(body): Body<wire::NewOffer>,
) -> Created<wire::Offered> {
    let mut client = gateway.referral;
    let request = caller.request(pb::OfferResponsibilityRequest {
        referral_id,
        to: body.to.map(Into::into),
        expires_at: to_proto_opt(body.expires_at),
    });
    let offered = answer(REFERRAL, client.offer_responsibility(request)).await?;
    let offered = wire::Offered {
        offer_id: offered.offer_id,
    };
    Ok((StatusCode::CREATED, Json(offered)))
}

async fn accept_offer(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params((referral_id, offer_id)): Params<(String, String)>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::AcceptOfferRequest {
        referral_id,
        offer_id,
    });
    Ok(Json(
        answer(REFERRAL, client.accept_offer(request)).await?.into(),
    ))
}

async fn decline_offer(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params((referral_id, offer_id)): Params<(String, String)>,
    Body(body): Body<Reason>,
) -> Caused {
    let mut client = gateway.referral;
    let request = caller.request(pb::DeclineOfferRequest {
        referral_id,
        offer_id,
        reason: body.reason,
    });
    Ok(Json(
        answer(REFERRAL, client.decline_offer(request))
            .await?
            .into(),
    ))
}

async fn handoffs(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
) -> Answer<wire::Trail> {
    let mut client = gateway.referral;
    let request = caller.request(pb::GetHandoffTrailRequest { referral_id });
    Ok(Json(
        answer(REFERRAL, client.get_handoff_trail(request))
            .await?
            .into(),
    ))
}

async fn accountable(
    State(gateway): State<Gateway>,
    caller: Caller,
    Params(referral_id): Params<String>,
    params: QueryParams,
) -> Answer<wire::Accountable> {
    params.only(&["at"])?;
    let at = match params.one("at")? {
        None => Utc::now(),
        Some(at) => DateTime::parse_from_rfc3339(at.trim())
            .map_err(|_| {
                ApiError::bad_request("at must be an RFC 3339 date-time, e.g. 2026-11-02T09:30:00Z")
            })?
            .to_utc(),
    };
    let mut client = gateway.referral;
    let request = caller.request(pb::GetAccountableAtRequest {
        referral_id,
        at: Some(to_proto(at)),
    });
    Ok(Json(
        answer(REFERRAL, client.get_accountable_at(request))
            .await?
            .into(),
    ))
}

async fn holdings(
    State(gateway): State<Gateway>,
    caller: Caller,
    params: QueryParams,
) -> Answer<wire::Holdings> {
    params.only(&["organisation"])?;
    let organisation = match params.one("organisation")? {
        Some(organisation) => organisation.to_owned(),
        None => caller.organisation().unwrap_or_default().to_owned(),
    };
    let mut client = gateway.referral;
    let request = caller.request(pb::ListHoldingsRequest { organisation });
    Ok(Json(
        answer(REFERRAL, client.list_holdings(request))
            .await?
            .into(),
    ))
}
