//! The FHIR R4 interface, under `/fhir`: `POST /fhir/ServiceRequest` makes a referral (UK Core
//! JSON, answered 201 with a Location; conditional on its business identifier, so a retry gets
//! the same Task), `GET /fhir/Task/{id}` and `GET /fhir/Task?focus=…` show it in HL7 Gravity
//! terms to its parties only, each read recorded. Callers are authenticated by the service kit
//! and held to the roles of the gRPC twin of each interaction. Refusals are `OperationOutcome`s
//! naming the element at fault, never echoing what was sent. The person may be described by a
//! contained UK Core Patient (date of birth, gender, postcode, ethnic category) as well as
//! named by NHS number.

mod outcome;
mod patient;
mod service_request;
mod task;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use eventstore::EventStore;
use serde_json::{Value, json};
use uuid::Uuid;

pub use outcome::{Outcome, refused};
pub use patient::{ETHNIC_CATEGORY, ETHNIC_CATEGORY_ENGLAND};
pub use service_request::{
    CONSENT_DEVICE_DATA, CONSENT_OUTCOME, CONSENT_PROVIDERS, NHS_NUMBER, ODS, REFERRAL_ID, SNOMED,
};
use servicekit::fhir::{FhirCaller, admit, correlation_id, fhir_json};

use identity::Caller;

use crate::app::{self, Context, ReferralApp};
use crate::config::ReferralSettings;
use crate::demographics::Intake;
use crate::deprivation::Deprivation;
use crate::domain::referral::{Error, Event, Holder, RequestReferral, Source};
use crate::reads::{Read, ReadReferral};
use crate::vault::{Vault, VaultError};
use servicekit::OnBehalfOf;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long the receiving organisation has to accept a referral made over FHIR.
const ACCEPT_WITHIN_DAYS: i64 = 3;

#[derive(Debug, Clone)]
struct FhirState {
    app: ReferralApp,
    vault: Vault,
    intake: Intake,
    settings: ReferralSettings,
}

/// The `/fhir` routes, asking `deprivation` how deprived people's areas are.
pub fn router(store: EventStore, settings: ReferralSettings, deprivation: Deprivation) -> Router {
    let vault = Vault::new(store.clone(), settings.vault_keys.clone());
    let state = FhirState {
        app: ReferralApp::new(store),
        intake: Intake::new(vault.clone(), deprivation),
        vault,
        settings,
    };
    Router::new()
        .route("/fhir/ServiceRequest", post(create_service_request))
        .route("/fhir/Task", get(search_tasks))
        .route("/fhir/Task/{id}", get(read_task))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

fn vault_outcome(error: VaultError) -> Outcome {
    match error {
        VaultError::Store(store) => Outcome::store(&store),
        VaultError::Corrupt => Outcome::store(&eventstore::StoreError::Config(
            "the vault could not seal".to_owned(),
        )),
    }
}

/// The gRPC paths whose declared roles the FHIR interactions share: making a referral, and
/// reading one.
const CREATE: &str = "/linkwork.referral.v1.ReferralService/CreateReferral";
const READ: &str = "/linkwork.referral.v1.ReferralService/GetHandoffTrail";

/// The referral id `If-None-Exist` names: only `identifier=<REFERRAL_ID>|<uuid>` is taken.
fn if_none_exist(headers: &HeaderMap) -> Result<Option<Uuid>, Outcome> {
    let Some(value) = headers.get("if-none-exist") else {
        return Ok(None);
    };
    let refuse = || {
        Outcome::invalid(
            "If-None-Exist",
            format!("If-None-Exist must be identifier={REFERRAL_ID}|<uuid>"),
        )
    };
    let text = value.to_str().map_err(|_| refuse())?;
    let id = text
        .strip_prefix("identifier=")
        .and_then(|search| search.strip_prefix(REFERRAL_ID))
        .and_then(|rest| rest.strip_prefix('|'))
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(refuse)?;
    Ok(Some(id))
}

/// `POST /fhir/ServiceRequest`: 201 with the Task it made. Creation is conditional on the
/// referral's business identifier (given in the resource, or as `If-None-Exist`): the same
/// request again answers 200 with the Task the first one made; the identifier with a
/// different request is 422.
async fn create_service_request(
    State(state): State<FhirState>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    admit(&caller, CREATE)?;
    servicekit::fhir::expect_json(&headers, "ServiceRequest")?;
    let conditional = if_none_exist(&headers)?;
    let resource: Value = serde_json::from_slice(&body)
        .map_err(|_| Outcome::invalid("ServiceRequest", "the body is not well-formed JSON"))?;
    let now = Utc::now();
    let allow_test = state.settings.allow_test_nhs_numbers;
    let parsed = service_request::parse(&resource, allow_test, now.date_naive())?;
    let referral_id = match (parsed.referral_id, conditional) {
        (Some(given), Some(asked)) if given != asked => {
            return Err(Outcome::invalid(
                "ServiceRequest.identifier",
                "the identifier and If-None-Exist name different referrals",
            ));
        }
        (given, asked) => given.or(asked).unwrap_or_else(Uuid::new_v4),
    };
    let person = state
        .vault
        .seal(&parsed.nhs_number)
        .await
        .map_err(vault_outcome)?;
    let correlation_id = correlation_id(&headers);
    let on_behalf_of = OnBehalfOf {
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok()),
        correlation_id,
    };
    let demographics = state
        .intake
        .demographics(&person.subject, parsed.given, on_behalf_of)
        .await
        .map_err(vault_outcome)?;
    let context = Context {
        correlation_id,
        role: caller.role.clone(),
        data_subject: Some(person.subject.clone()),
        tenant: state.settings.tenant.clone(),
    };
    let request = RequestReferral {
        source: Source::Practitioner,
        referrer: Holder {
            organisation: caller.organisation.clone(),
            practitioner: Some(parsed.requester),
        },
        receiving_organisation: parsed.performer,
        reasons: parsed.reasons,
        urgency: parsed.urgency,
        part_of: parsed.part_of,
        accept_by: now + chrono::Duration::days(ACCEPT_WITHIN_DAYS),
        offer_id: Uuid::new_v4(),
        consent: parsed.consent,
        person,
        demographics,
    };
    let made = state
        .app
        .create(referral_id, app::actor(&caller), request, &context)
        .await
        .map_err(|error| match error {
            app::AppError::Rejected(Error::AlreadyExists) => Outcome::unprocessable(
                "ServiceRequest.identifier",
                "the identifier is already used for a different referral",
            ),
            other => refused(other),
        })?;
    let task = task::render(referral_id, &made.history)
        .ok_or_else(|| Outcome::not_found("the referral vanished"))?;
    let status = match made.now {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    let mut response = fhir_json(status, task);
    if let Ok(location) = HeaderValue::from_str(&format!("/fhir/Task/{referral_id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The referral's history when the caller is a party to it; `None` otherwise, exactly as for
/// an id never used. The read is recorded either way.
async fn visible_history(
    state: &FhirState,
    caller: &Caller,
    headers: &HeaderMap,
    function: &'static str,
    id: &str,
) -> Result<Option<(Uuid, Vec<Event>)>, Outcome> {
    admit(caller, READ)?;
    let Ok(referral_id) = Uuid::parse_str(id) else {
        return Ok(None);
    };
    let read = Read {
        caller,
        correlation_id: correlation_id(headers),
        function,
    };
    match read.referral(state.app.store(), referral_id).await {
        Ok(history) => Ok(Some((referral_id, history))),
        Err(app::AppError::Rejected(Error::NotFound)) => Ok(None),
        Err(error) => Err(refused(error)),
    }
}

async fn read_task(
    State(state): State<FhirState>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let found = visible_history(&state, &caller, &headers, "fhir.Task.read", &id).await?;
    let task = found.and_then(|(referral_id, history)| task::render(referral_id, &history));
    let task = task.ok_or_else(|| Outcome::not_found("no Task by that id"))?;
    Ok(fhir_json(StatusCode::OK, task))
}

async fn search_tasks(
    State(state): State<FhirState>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Outcome> {
    let focus = params
        .get("focus")
        .ok_or_else(|| Outcome::invalid("focus", "the focus search parameter is required"))?;
    let id = focus.strip_prefix("ServiceRequest/").unwrap_or(focus);
    let found = visible_history(&state, &caller, &headers, "fhir.Task.search", id).await?;
    let tasks: Vec<Value> = found
        .and_then(|(referral_id, history)| task::render(referral_id, &history))
        .into_iter()
        .map(|task| json!({ "fullUrl": format!("Task/{}", task["id"].as_str().unwrap_or_default()), "resource": task, "search": { "mode": "match" } }))
        .collect();
    let bundle = json!({ "resourceType": "Bundle", "type": "searchset", "total": tasks.len(), "entry": tasks });
    Ok(fhir_json(StatusCode::OK, bundle))
}
