//! The gRPC adapter: proto ↔ domain, nothing else. Requests, already held to the limits their
//! protos declare, are parsed into commands (a value the domain's types refuse is
//! INVALID_ARGUMENT naming the field; who the person is, in `person`), run through the
//! application layer, and errors mapped once (`status.rs`).

mod person;

use chrono::{DateTime, Utc};
use eventstore::EventStore;
use prost_types::Timestamp;
use proto::referral::v1 as pb;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use identity::Caller;

use crate::app::{self, Context, ReferralApp};
use crate::config::ReferralSettings;
use crate::consumers::engagement;
use crate::consumers::outcomes::measured_outcomes;
use crate::demographics::Intake;
use crate::deprivation::Deprivation;
use crate::domain::nhs_number::NhsNumber;
use crate::domain::nhs_number::SealedNhsNumber;
use crate::domain::person::Demographics;
use crate::domain::referral::{
    Command, Consent, Event, Holder, Issued, Offer, RequestReferral, Source, Urgency, first_offer,
};
use crate::domain::snomed::ConceptId;
use crate::domain::status::Status as TaskStatus;
use crate::projections::responsibility::{self, Period};
use crate::reads::{Read, ReadReferral};
use crate::vault::{Vault, VaultError};
use servicekit::OnBehalfOf;

/// The referral service's gRPC implementation.
#[derive(Debug, Clone)]
pub struct ReferralGrpc {
    app: ReferralApp,
    store: EventStore,
    vault: Vault,
    intake: Intake,
    settings: ReferralSettings,
}

impl ReferralGrpc {
    /// Serves `store`'s referrals, asking `deprivation` how deprived people's areas are.
    pub fn new(store: EventStore, settings: ReferralSettings, deprivation: Deprivation) -> Self {
        let vault = Vault::new(store.clone(), settings.vault_keys.clone());
        Self {
            app: ReferralApp::new(store.clone()),
            intake: Intake::new(vault.clone(), deprivation),
            vault,
            store,
            settings,
        }
    }

    fn context<T>(
        &self,
        request: &Request<T>,
        role: String,
        data_subject: Option<String>,
    ) -> Context {
        Context {
            correlation_id: identity::correlation_id(request.metadata()),
            role,
            data_subject,
            tenant: self.settings.tenant.clone(),
        }
    }

    /// A read by `caller` through `function`, for the audit of reads.
    fn read<'a, T>(
        &self,
        request: &Request<T>,
        caller: &'a Caller,
        function: &'static str,
    ) -> Read<'a> {
        Read {
            caller,
            correlation_id: identity::correlation_id(request.metadata()),
            function,
        }
    }

    /// Runs `command` on `referral_id` as the request's caller.
    async fn run<T>(
        &self,
        request: &Request<T>,
        referral_id: Uuid,
        command: Command,
    ) -> Result<Vec<Event>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let context = self.context(request, caller.role.clone(), None);
        let issued = Issued {
            actor: app::actor(&caller),
            at: Utc::now(),
            command,
        };
        Ok(self.app.handle(referral_id, issued, &context).await?)
    }
}

fn vault_status(error: VaultError) -> Status {
    match error {
        VaultError::Store(store) => store.into(),
        VaultError::Corrupt => {
            tracing::error!("the vault failed to seal");
            Status::internal("internal error")
        }
    }
}

/// Parses a kebab-case code into one of the domain's enums, naming the field if it is not one.
fn code<T: serde::de::DeserializeOwned>(field: &str, value: &str) -> Result<T, Status> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| Status::invalid_argument(format!("{field} is not one of the codes it takes")))
}

fn uuid(field: &str, value: &str) -> Result<Uuid, Status> {
    Uuid::parse_str(value).map_err(|_| Status::invalid_argument(format!("{field} must be a UUID")))
}

/// The id the client chose, or a new one: a client that chooses its own can retry without
/// making a second referral.
fn chosen_or_new(field: &str, value: &str) -> Result<Uuid, Status> {
    match value {
        "" => Ok(Uuid::new_v4()),
        chosen => uuid(field, chosen),
    }
}

fn time(field: &str, value: Option<Timestamp>) -> Result<DateTime<Utc>, Status> {
    let value = value.ok_or_else(|| Status::invalid_argument(format!("{field} is required")))?;
    let nanos = u32::try_from(value.nanos).ok();
    nanos
        .and_then(|nanos| DateTime::from_timestamp(value.seconds, nanos))
        .ok_or_else(|| Status::invalid_argument(format!("{field} is not a valid timestamp")))
}

/// Text as recorded: trimmed. Its limits (required, length, no control characters) are the
/// proto's, checked before any handler runs.
fn text(value: String) -> String {
    value.trim().to_owned()
}

/// Text that may be left out: `None` when empty.
fn optional_text(value: String) -> Option<String> {
    let value = text(value);
    (!value.is_empty()).then_some(value)
}

fn timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

fn holder(holder: Holder) -> pb::Holder {
    pb::Holder {
        organisation: holder.organisation,
        practitioner: holder.practitioner.unwrap_or_default(),
    }
}

fn period(period: Period) -> pb::Period {
    pb::Period {
        holder: Some(holder(period.holder)),
        since: Some(timestamp(period.since)),
        until: period.until.map(timestamp),
        via: period.via,
    }
}

fn caused(events: Vec<Event>) -> Response<pb::CommandResponse> {
    let event_types = events
        .iter()
        .map(|event| event.event_type().to_owned())
        .collect();
    Response::new(pb::CommandResponse { event_types })
}

fn create_request(
    caller_organisation: String,
    body: pb::CreateReferralRequest,
    person: SealedNhsNumber,
) -> Result<RequestReferral, Status> {
    let reasons = body
        .reason_codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            ConceptId::parse(code)
                .map_err(|e| Status::invalid_argument(format!("reason_codes[{i}]: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let urgency = match body.urgency.as_str() {
        "" | "routine" => Urgency::Routine,
        "urgent" => Urgency::Urgent,
        _ => {
            return Err(Status::invalid_argument(
                "urgency must be \"routine\" or \"urgent\"",
            ));
        }
    };
    let part_of = match body.part_of.as_str() {
        "" => None,
        id => Some(uuid("part_of", id)?),
    };
    let source = match body.source.as_str() {
        "" => Source::Practitioner,
        other => code("source", other)?,
    };
    let request = RequestReferral {
        source,
        referrer: Holder {
            organisation: caller_organisation,
            practitioner: optional_text(body.referrer_practitioner),
        },
        receiving_organisation: text(body.receiving_organisation),
        reasons,
        urgency,
        part_of,
        accept_by: time("accept_by", body.accept_by)?,
        offer_id: Uuid::new_v4(),
        consent: Consent {
            share_with_providers: body.consent_share_with_providers,
            share_outcome_with_referrer: body.consent_share_outcome_with_referrer,
            share_device_data: body.consent_share_device_data,
        },
        person,
        // Sealed and looked up once every other field has been read.
        demographics: Demographics::default(),
    };
    Ok(request)
}

#[tonic::async_trait]
impl pb::referral_service_server::ReferralService for ReferralGrpc {
    async fn create_referral(
        &self,
        request: Request<pb::CreateReferralRequest>,
    ) -> Result<Response<pb::CreateReferralResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let referral_id = chosen_or_new("referral_id", &request.get_ref().referral_id)?;
        let allow_test = self.settings.allow_test_nhs_numbers;
        let nhs_number = NhsNumber::parse(&request.get_ref().nhs_number, allow_test)
            .map_err(|error| Status::invalid_argument(error.to_string()))?;
        let given = person::given(request.get_ref(), Utc::now().date_naive())?;
        let person = self.vault.seal(&nhs_number).await.map_err(vault_status)?;
        let subject = Some(person.subject.clone());
        let body = request.get_ref().clone();
        // Every field checked before the directory is asked anything.
        let mut made = create_request(caller.organisation.clone(), body, person)?;
        let on_behalf_of = OnBehalfOf::of_grpc(request.metadata());
        made.demographics = self
            .intake
            .demographics(&made.person.subject, given, on_behalf_of)
            .await
            .map_err(vault_status)?;
        let context = self.context(&request, caller.role.clone(), subject);
        let made = self
            .app
            .create(referral_id, app::actor(&caller), made, &context)
            .await?;
        let offer_id = first_offer(&made.history).map(|id| id.to_string());
        Ok(Response::new(pb::CreateReferralResponse {
            referral_id: referral_id.to_string(),
            offer_id: offer_id.unwrap_or_default(),
        }))
    }

    async fn change_status(
        &self,
        request: Request<pb::ChangeStatusRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let to = TaskStatus::from_code(&body.status)
            .ok_or_else(|| Status::invalid_argument("status must be a FHIR Task.status code"))?;
        let reason = optional_text(body.reason);
        let events = self
            .run(&request, referral_id, Command::ChangeStatus { to, reason })
            .await?;
        Ok(caused(events))
    }

    async fn complete_referral(
        &self,
        request: Request<pb::CompleteReferralRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let outcome_summary = text(body.outcome_summary);
        let outcomes = measured_outcomes(&self.store, referral_id).await?;
        let complete = Command::Complete {
            outcome_summary,
            outcomes,
        };
        let events = self.run(&request, referral_id, complete).await?;
        Ok(caused(events))
    }

    async fn assign_practitioner(
        &self,
        request: Request<pb::AssignPractitionerRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let practitioner = text(body.practitioner);
        let events = self
            .run(
                &request,
                referral_id,
                Command::AssignPractitioner { practitioner },
            )
            .await?;
        Ok(caused(events))
    }

    async fn offer_responsibility(
        &self,
        request: Request<pb::OfferResponsibilityRequest>,
    ) -> Result<Response<pb::OfferResponsibilityResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let to = body
            .to
            .ok_or_else(|| Status::invalid_argument("to is required"))?;
        let offer = Offer {
            offer_id: Uuid::new_v4(),
            to: Holder {
                organisation: text(to.organisation),
                practitioner: optional_text(to.practitioner),
            },
            expires_at: time("expires_at", body.expires_at)?,
        };
        let offer_id = offer.offer_id;
        self.run(
            &request,
            referral_id,
            Command::OfferResponsibility { offer },
        )
        .await?;
        Ok(Response::new(pb::OfferResponsibilityResponse {
            offer_id: offer_id.to_string(),
        }))
    }

    async fn accept_offer(
        &self,
        request: Request<pb::AcceptOfferRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let offer_id = uuid("offer_id", &body.offer_id)?;
        let events = self
            .run(&request, referral_id, Command::AcceptOffer { offer_id })
            .await?;
        Ok(caused(events))
    }

    async fn decline_offer(
        &self,
        request: Request<pb::DeclineOfferRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let offer_id = uuid("offer_id", &body.offer_id)?;
        let reason = text(body.reason);
        let events = self
            .run(
                &request,
                referral_id,
                Command::DeclineOffer { offer_id, reason },
            )
            .await?;
        Ok(caused(events))
    }

    async fn refer_onward(
        &self,
        request: Request<pb::ReferOnwardRequest>,
    ) -> Result<Response<pb::ReferOnwardResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let child_id = chosen_or_new("child_referral_id", &body.child_referral_id)?;
        let service_id = text(body.service_id);
        let accept_by = time("accept_by", body.accept_by)?;
        let context = self.context(&request, caller.role.clone(), None);
        self.app
            .refer_onward(
                referral_id,
                child_id,
                &service_id,
                app::actor(&caller),
                accept_by,
                &context,
            )
            .await?;
        Ok(Response::new(pb::ReferOnwardResponse {
            child_referral_id: child_id.to_string(),
        }))
    }

    async fn record_contact_attempt(
        &self,
        request: Request<pb::RecordContactAttemptRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let outcome = code("outcome", &body.outcome)?;
        let events = self
            .run(
                &request,
                referral_id,
                Command::RecordContactAttempt { outcome },
            )
            .await?;
        Ok(caused(events))
    }

    async fn record_assessment(
        &self,
        request: Request<pb::RecordAssessmentRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let needs = body
            .needs
            .iter()
            .enumerate()
            .map(|(i, need)| code(&format!("needs[{i}]"), need))
            .collect::<Result<Vec<_>, _>>()?;
        let goals = body.goals.into_iter().map(text).collect();
        let events = self
            .run(
                &request,
                referral_id,
                Command::RecordAssessment { needs, goals },
            )
            .await?;
        Ok(caused(events))
    }

    async fn record_declined(
        &self,
        request: Request<pb::RecordDeclinedRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        let reason = optional_text(body.reason).unwrap_or_default();
        let events = self
            .run(&request, referral_id, Command::RecordDeclined { reason })
            .await?;
        Ok(caused(events))
    }

    async fn withdraw_consent(
        &self,
        request: Request<pb::WithdrawConsentRequest>,
    ) -> Result<Response<pb::CommandResponse>, Status> {
        let referral_id = uuid("referral_id", &request.get_ref().referral_id)?;
        let events = self
            .run(&request, referral_id, Command::WithdrawConsent)
            .await?;
        Ok(caused(events))
    }

    async fn get_handoff_trail(
        &self,
        request: Request<pb::GetHandoffTrailRequest>,
    ) -> Result<Response<pb::HandoffTrail>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let referral_id = uuid("referral_id", &request.get_ref().referral_id)?;
        self.read(&request, &caller, "referral.GetHandoffTrail")
            .referral(&self.store, referral_id)
            .await?;
        let periods = responsibility::trail(&self.store, &referral_id.simple().to_string()).await?;
        Ok(Response::new(pb::HandoffTrail {
            periods: periods.into_iter().map(period).collect(),
        }))
    }

    async fn get_accountable_at(
        &self,
        request: Request<pb::GetAccountableAtRequest>,
    ) -> Result<Response<pb::GetAccountableAtResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let body = request.get_ref().clone();
        let referral_id = uuid("referral_id", &body.referral_id)?;
        self.read(&request, &caller, "referral.GetAccountableAt")
            .referral(&self.store, referral_id)
            .await?;
        // Unset is "now": who holds it at this moment.
        let at = match body.at {
            None => Utc::now(),
            given => time("at", given)?,
        };
        let found =
            responsibility::accountable_at(&self.store, &referral_id.simple().to_string(), at)
                .await?;
        Ok(Response::new(pb::GetAccountableAtResponse {
            period: found.map(period),
        }))
    }

    async fn list_holdings(
        &self,
        request: Request<pb::ListHoldingsRequest>,
    ) -> Result<Response<pb::ListHoldingsResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        // Unset is the caller's own organisation.
        let organisation = match optional_text(request.get_ref().organisation.clone()) {
            Some(organisation) => organisation,
            None => caller.organisation.clone(),
        };
        // What an organisation holds names people in its care: only its own staff may list it.
        if organisation != caller.organisation {
            return Err(Status::permission_denied(
                "organisation: only its own members may list an organisation's holdings",
            ));
        }
        // The list names no one, but says whom the organisation holds: recorded as a read.
        self.read(&request, &caller, "referral.ListHoldings")
            .record(&self.store, None, format!("holdings/{organisation}"), true)
            .await?;
        let holdings = responsibility::holdings(&self.store, &organisation).await?;
        let ids: Vec<String> = holdings
            .iter()
            .map(|held| {
                Uuid::parse_str(&held.referral_id)
                    .map_or_else(|_| held.referral_id.clone(), |id| id.to_string())
            })
            .collect();
        let mut lapses = engagement::open_on(&self.store, &ids).await?;
        let holdings = holdings
            .into_iter()
            .zip(ids)
            .map(|(held, referral_id)| pb::Holding {
                lapses: lapses
                    .remove(&referral_id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|lapse| pb::OpenLapse {
                        referral_id: lapse.referral_id,
                        rule: lapse.rule,
                        evidence: lapse.evidence,
                        since: Some(timestamp(lapse.since)),
                    })
                    .collect(),
                referral_id,
                practitioner: held.practitioner.unwrap_or_default(),
                since: Some(timestamp(held.since)),
                status: held.status,
            })
            .collect();
        Ok(Response::new(pb::ListHoldingsResponse { holdings }))
    }

    async fn list_record_accesses(
        &self,
        request: Request<pb::ListRecordAccessesRequest>,
    ) -> Result<Response<pb::ListRecordAccessesResponse>, Status> {
        let caller = Caller::of_grpc(request.extensions())?;
        let body = request.get_ref();
        let allow_test = self.settings.allow_test_nhs_numbers;
        let nhs_number = NhsNumber::parse(&body.nhs_number, allow_test)
            .map_err(|error| Status::invalid_argument(error.to_string()))?;
        let limit = match body.limit {
            0 => 100,
            limit => limit,
        };
        let subject = self.vault.pseudonym(&nhs_number);
        // Asking who has looked is itself a look at the person's record.
        self.read(&request, &caller, "referral.ListRecordAccesses")
            .record(
                &self.store,
                Some(subject.clone()),
                format!("accesses/{subject}"),
                true,
            )
            .await?;
        let accesses = self.store.accesses_to(&subject, limit as usize).await?;
        Ok(Response::new(pb::ListRecordAccessesResponse {
            accesses: accesses.into_iter().map(record_access).collect(),
        }))
    }
}

fn record_access(access: eventstore::AccessRecord) -> pb::RecordAccess {
    pb::RecordAccess {
        at: Some(timestamp(access.at)),
        user: access.user,
        organisation: access.organisation,
        role: access.role,
        function: access.function,
        record: access.record,
        correlation_id: access.correlation_id.to_string(),
        outcome: match access.outcome {
            eventstore::AccessOutcome::Allowed => "allowed",
            eventstore::AccessOutcome::Denied => "denied",
        }
        .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use contract::rules::declared_values;

    use super::code;
    use crate::domain::referral::{ContactOutcome, Need, Source, Urgency};
    use crate::domain::status::Status;

    const PACKAGE: &str = "linkwork.referral.v1";

    fn declared(message: &str, field: &str) -> Vec<String> {
        let values = declared_values(&format!("{PACKAGE}.{message}"), field);
        assert!(!values.is_empty(), "{message}.{field} declares its values");
        values
    }

    #[test]
    fn every_code_the_protos_allow_is_one_the_domain_reads_and_back() {
        let statuses: Vec<String> = Status::ALL.iter().map(|s| s.code().to_owned()).collect();
        assert_eq!(declared("ChangeStatusRequest", "status"), statuses);
        let needs: Vec<String> = Need::ALL.iter().map(|n| n.code().to_owned()).collect();
        assert_eq!(declared("RecordAssessmentRequest", "needs"), needs);
        for value in declared("CreateReferralRequest", "urgency") {
            assert!(code::<Urgency>("urgency", &value).is_ok(), "{value}");
        }
        for value in declared("CreateReferralRequest", "source") {
            assert!(code::<Source>("source", &value).is_ok(), "{value}");
        }
        for value in declared("RecordContactAttemptRequest", "outcome") {
            assert!(code::<ContactOutcome>("outcome", &value).is_ok(), "{value}");
        }
    }
}
