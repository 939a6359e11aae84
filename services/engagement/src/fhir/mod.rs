//! The FHIR R4 interface for integrators' device evidence, under `/fhir`: `POST
//! /fhir/Observation` records one daily summary (201 with the Observation; 200 when the same
//! record was recorded before); `POST /fhir` takes a `batch` or `transaction` Bundle of them,
//! recorded all or none — one entry refused refuses the Bundle, naming the entry; `GET
//! /fhir/Observation/{id}` reads one back, to the parties of its referral while the person
//! consents, every read recorded. Callers are authenticated by the service kit and held to the
//! roles of each interaction's gRPC twin. Refusals are `OperationOutcome`s naming the element
//! at fault.

mod observation;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};
use servicekit::fhir::{FhirCaller, OperationOutcome, admit, fhir_json};
use uuid::Uuid;

use crate::app::{AppError, Context, EngagementApp, NewSummary, Refused, Unfit};
use crate::domain::evidence::{self, DailySummary, Refusal};

pub use observation::MEASURE_SYSTEM;

/// Largest request body accepted: a Bundle of [`MAX_ENTRIES`] summaries.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Most entries a Bundle may hold.
const MAX_ENTRIES: usize = 1000;
/// The gRPC twins whose declared roles the FHIR interactions share.
const RECORD: &str = "/linkwork.engagement.v1.EngagementService/RecordEvidence";
const READ: &str = "/linkwork.engagement.v1.EngagementService/GetTimeline";

/// The `/fhir` routes.
pub fn router(app: EngagementApp) -> Router {
    Router::new()
        .route("/fhir", post(record_bundle))
        .route("/fhir/Observation", post(record_observation))
        .route("/fhir/Observation/{id}", get(read_observation))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

fn json_body(headers: &HeaderMap, body: &Bytes, resource: &str) -> Result<Value, OperationOutcome> {
    servicekit::fhir::expect_json(headers, resource)?;
    serde_json::from_slice(body)
        .map_err(|_| OperationOutcome::invalid(resource, "the body is not well-formed JSON"))
}

/// `POST /fhir/Observation`: one daily summary.
async fn record_observation(
    State(app): State<EngagementApp>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OperationOutcome> {
    admit(&caller, RECORD)?;
    let resource = json_body(&headers, &body, "Observation")?;
    let summary = observation::parse(&resource, "Observation")?;
    let context = Context::of_http(&caller, servicekit::fhir::correlation_id(&headers));
    let recorded = app
        .record_evidence(vec![summary], &context)
        .await
        .map_err(|error| refusal(error, |_| "Observation".to_owned()))?;
    let Some((summary, now)) = recorded.into_iter().next() else {
        return Err(OperationOutcome::invalid(
            "Observation",
            "nothing to record",
        ));
    };
    let id = evidence::event_id(&summary.provenance).to_string();
    let status = match now {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    let mut response = fhir_json(status, observation::resource(&id, &summary));
    if let Ok(location) = HeaderValue::from_str(&format!("/fhir/Observation/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `POST /fhir` with a `batch` or `transaction` Bundle of Observations: all or none.
async fn record_bundle(
    State(app): State<EngagementApp>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OperationOutcome> {
    admit(&caller, RECORD)?;
    let bundle = json_body(&headers, &body, "Bundle")?;
    if bundle["resourceType"] != "Bundle" {
        return Err(OperationOutcome::invalid(
            "Bundle.resourceType",
            "POST /fhir takes a Bundle",
        ));
    }
    let summaries = summaries_of(&bundle)?;
    let context = Context::of_http(&caller, servicekit::fhir::correlation_id(&headers));
    let recorded = app
        .record_evidence(summaries, &context)
        .await
        .map_err(|error| refused(&bundle, error))?;
    Ok(fhir_json(StatusCode::OK, answer(&bundle, &recorded)))
}

/// The summaries an integrator sent: one Observation, or a `batch` or `transaction` Bundle of
/// them. Shared by `POST /fhir` and the NATS intake ([`crate::intake`]), which take the same
/// JSON.
pub(crate) fn summaries_of(body: &Value) -> Result<Vec<NewSummary>, OperationOutcome> {
    match body["resourceType"].as_str() {
        Some("Observation") => return Ok(vec![observation::parse(body, "Observation")?]),
        Some("Bundle") => {}
        _ => {
            return Err(OperationOutcome::invalid(
                "resourceType",
                "an Observation, or a batch or transaction Bundle of them, is expected",
            ));
        }
    }
    if !matches!(body["type"].as_str(), Some("batch" | "transaction")) {
        return Err(OperationOutcome::invalid(
            "Bundle.type",
            "type must be batch or transaction (either is recorded all or none)",
        ));
    }
    let entries = body["entry"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return Err(OperationOutcome::invalid(
            "Bundle.entry",
            format!("a Bundle holds 1 to {MAX_ENTRIES} entries"),
        ));
    }
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| entry_summary(entry, index))
        .collect()
}

/// What recording `body`'s summaries answers: the Observation recorded, or a `batch-response`
/// or `transaction-response` Bundle with each entry's status and location.
pub(crate) fn answer(body: &Value, recorded: &[(DailySummary, bool)]) -> Value {
    if body["resourceType"] == "Observation"
        && let Some((summary, _)) = recorded.first()
    {
        let id = evidence::event_id(&summary.provenance).to_string();
        return observation::resource(&id, summary);
    }
    let answers: Vec<Value> = recorded
        .iter()
        .map(|(summary, now)| {
            let id = evidence::event_id(&summary.provenance);
            let status = match now {
                true => "201 Created",
                false => "200 OK",
            };
            json!({ "response": { "status": status, "location": format!("Observation/{id}") } })
        })
        .collect();
    let kind = body["type"].as_str().unwrap_or("batch");
    json!({
        "resourceType": "Bundle",
        "type": format!("{kind}-response"),
        "entry": answers,
    })
}

/// A refusal of `body`'s summaries as an OperationOutcome naming the Observation, or the
/// Bundle entry, at fault.
pub(crate) fn refused(body: &Value, error: AppError) -> OperationOutcome {
    match body["resourceType"] == "Observation" {
        true => refusal(error, |_| "Observation".to_owned()),
        false => refusal(error, |index| format!("Bundle.entry[{index}].resource")),
    }
}

/// Entry `index` of a Bundle as a summary: a POST of an Observation.
fn entry_summary(entry: &Value, index: usize) -> Result<NewSummary, OperationOutcome> {
    let at = format!("Bundle.entry[{index}]");
    let request = &entry["request"];
    let posts_observation = request["method"] == "POST"
        && request["url"]
            .as_str()
            .is_some_and(|url| url.trim_end_matches('/') == "Observation");
    if !posts_observation {
        return Err(OperationOutcome::invalid(
            &format!("{at}.request"),
            "each entry's request must be POST Observation",
        ));
    }
    observation::parse(&entry["resource"], &format!("{at}.resource"))
}

/// `GET /fhir/Observation/{id}`: a recorded summary, to its referral's parties.
async fn read_observation(
    State(app): State<EngagementApp>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, OperationOutcome> {
    admit(&caller, READ)?;
    let missing = || OperationOutcome::not_found("no such Observation");
    let id = Uuid::parse_str(&id).map_err(|_| missing())?;
    let summary = app
        .evidence_for(id, &caller.organisation)
        .await
        .map_err(|error| refusal(error, |_| "Observation".to_owned()))?
        .ok_or_else(missing)?;
    let reader = servicekit::Reader {
        caller: &caller,
        correlation_id: servicekit::fhir::correlation_id(&headers),
        function: "engagement.ReadObservation",
    };
    let record = format!("referral/{}/evidence/{id}", summary.referral_id);
    reader
        .record(app.store(), Some(summary.subject.clone()), record, true)
        .await?;
    Ok(fhir_json(
        StatusCode::OK,
        observation::resource(&id.to_string(), &summary),
    ))
}

/// The element of an Observation a refusal is about.
fn element(why: &Unfit) -> &'static str {
    match why {
        Unfit::Invalid(Refusal::OutOfRange { .. }) => "valueQuantity.value",
        Unfit::Invalid(Refusal::FutureDated { .. }) | Unfit::OutsideReferral(..) => "effective",
        Unfit::Invalid(Refusal::Coverage { .. }) => "component",
        Unfit::Invalid(Refusal::Provenance(_)) | Unfit::Conflict(_) => "identifier",
        Unfit::NoSuchReferral | Unfit::NotConsented => "basedOn",
        Unfit::OtherPerson => "subject",
    }
}

/// A refusal of the application layer as an OperationOutcome naming the element at fault,
/// within the resource `at(index)` names.
fn refusal(error: AppError, at: impl Fn(usize) -> String) -> OperationOutcome {
    let refused = match OperationOutcome::unless_rejected(error) {
        Ok(refused) => refused,
        Err(outcome) => return outcome,
    };
    match &refused {
        Refused::Evidence(rejected) => {
            let expression = format!("{}.{}", at(rejected.index), element(&rejected.why));
            let message = rejected.to_string();
            match rejected.why {
                Unfit::Conflict(_) => OperationOutcome {
                    expression: Some(expression),
                    ..OperationOutcome::plain(StatusCode::CONFLICT, "duplicate", message)
                },
                _ => OperationOutcome::unprocessable(&expression, message),
            }
        }
        Refused::NotAParty => OperationOutcome::not_found("no such Observation"),
        other => OperationOutcome::unprocessable(&at(0), other.to_string()),
    }
}
