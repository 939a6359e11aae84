//! The FHIR R4 interface, under `/fhir`: `POST /fhir/ServiceRequest` makes a referral (UK Core
//! JSON, answered 201 with a Location), `GET /fhir/Task/{id}` and `GET /fhir/Task?focus=…` show
//! it in HL7 Gravity terms. Refusals are `OperationOutcome`s naming the element at fault.

mod outcome;
mod service_request;
mod task;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use eventstore::EventStore;
use serde_json::{Value, json};
use uuid::Uuid;

pub use outcome::Outcome;
pub use service_request::{
    CONSENT_OUTCOME, CONSENT_PROVIDERS, NHS_NUMBER, ODS, REFERRAL_ID, SNOMED,
};

use identity::Caller;

use crate::app::{self, Context, ReferralApp};
use crate::config::ReferralSettings;
use crate::domain::referral::{Command, Event, Holder, Issued, RequestReferral, Source};
use crate::vault::{Vault, VaultError};

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long the receiving organisation has to accept a referral made over FHIR.
const ACCEPT_WITHIN_DAYS: i64 = 3;

#[derive(Debug, Clone)]
struct FhirState {
    app: ReferralApp,
    vault: Vault,
    settings: ReferralSettings,
}

/// The `/fhir` routes.
pub fn router(store: EventStore, settings: ReferralSettings) -> Router {
    let state = FhirState {
        app: ReferralApp::new(store.clone()),
        vault: Vault::new(store, settings.vault_keys.clone()),
        settings,
    };
    Router::new()
        .route("/fhir/ServiceRequest", post(create_service_request))
        .route("/fhir/Task", get(search_tasks))
        .route("/fhir/Task/{id}", get(read_task))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

fn fhir_json(status: StatusCode, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json"),
    );
    response
}

fn caller(headers: &HeaderMap) -> Result<Caller, Outcome> {
    Caller::from_headers(headers)
        .map_err(|unidentified| Outcome::unauthenticated(unidentified.to_string()))
}

fn vault_outcome(error: VaultError) -> Outcome {
    match error {
        VaultError::Store(store) => crate::app::AppError::Store(store).into(),
        VaultError::Corrupt => crate::app::AppError::Store(eventstore::StoreError::Config(
            "the NHS number vault could not seal".to_owned(),
        ))
        .into(),
    }
}

async fn create_service_request(
    State(state): State<FhirState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Outcome> {
    let caller = caller(&headers)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !(content_type.starts_with("application/fhir+json")
        || content_type.starts_with("application/json"))
    {
        let mut outcome = Outcome::invalid("ServiceRequest", "send application/fhir+json");
        outcome.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return Err(outcome);
    }
    let resource: Value = serde_json::from_slice(&body).map_err(|error| {
        Outcome::invalid("ServiceRequest", format!("the body is not JSON: {error}"))
    })?;
    let parsed = service_request::parse(&resource, state.settings.allow_test_nhs_numbers)?;
    let person = state
        .vault
        .seal(&parsed.nhs_number)
        .await
        .map_err(vault_outcome)?;
    let referral_id = parsed.referral_id.unwrap_or_else(Uuid::new_v4);
    let now = Utc::now();
    let context = Context {
        correlation_id: Uuid::new_v4(),
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
    };
    let issued = Issued {
        actor: app::actor(&caller),
        at: now,
        command: Command::Request(request),
    };
    state.app.handle(referral_id, issued, &context).await?;
    let history = state.app.history(referral_id).await?;
    let task = task::render(referral_id, &history)
        .ok_or_else(|| Outcome::not_found("the referral vanished"))?;
    let mut response = fhir_json(StatusCode::CREATED, task);
    if let Ok(location) = HeaderValue::from_str(&format!("/fhir/Task/{referral_id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The referral's history if the caller's organisation may see it.
async fn visible_history(
    state: &FhirState,
    caller: &Caller,
    id: &str,
) -> Result<Option<(Uuid, Vec<Event>)>, Outcome> {
    let Ok(referral_id) = Uuid::parse_str(id) else {
        return Ok(None);
    };
    let history = state.app.history(referral_id).await?;
    // Someone else's referral is "not found", so ids reveal nothing (no BOLA oracle).
    Ok(task::visible_to(&history, &caller.organisation).then_some((referral_id, history)))
}

async fn read_task(
    State(state): State<FhirState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Outcome> {
    let caller = caller(&headers)?;
    let found = visible_history(&state, &caller, &id).await?;
    let task = found.and_then(|(referral_id, history)| task::render(referral_id, &history));
    let task = task.ok_or_else(|| Outcome::not_found(format!("Task/{id} is not known")))?;
    Ok(fhir_json(StatusCode::OK, task))
}

async fn search_tasks(
    State(state): State<FhirState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Outcome> {
    let caller = caller(&headers)?;
    let focus = params
        .get("focus")
        .ok_or_else(|| Outcome::invalid("focus", "the focus search parameter is required"))?;
    let id = focus.strip_prefix("ServiceRequest/").unwrap_or(focus);
    let found = visible_history(&state, &caller, id).await?;
    let tasks: Vec<Value> = found
        .and_then(|(referral_id, history)| task::render(referral_id, &history))
        .into_iter()
        .map(|task| json!({ "fullUrl": format!("Task/{}", task["id"].as_str().unwrap_or_default()), "resource": task, "search": { "mode": "match" } }))
        .collect();
    let bundle = json!({ "resourceType": "Bundle", "type": "searchset", "total": tasks.len(), "entry": tasks });
    Ok(fhir_json(StatusCode::OK, bundle))
}
