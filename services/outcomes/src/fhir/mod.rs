//! The FHIR R4 interface, under `/fhir`: `GET /fhir/Questionnaire` lists each instrument (and
//! `GET /fhir/Questionnaire/{id}` reads one); `POST /fhir/QuestionnaireResponse` records and
//! scores a response, checked against its Questionnaire, answered 201 with the response (200
//! when the same response, by its identifier, was recorded before); `GET
//! /fhir/QuestionnaireResponse/{id}` reads it back; `GET /fhir/Observation` searches the scores
//! by `derived-from`, `subject` and `code`. Callers are authenticated by the service kit and
//! held to the roles of each interaction's gRPC twin; people's outcomes are shown only to the
//! parties of their referral (the referrer only with the person's consent), and every such read
//! is recorded. Refusals are `OperationOutcome`s naming the element at fault.

mod observation;
mod questionnaire;
mod questionnaire_response;

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use measures::{AnswerError, Instrument};
use serde_json::{Value, json};
use servicekit::fhir::{FhirCaller, OperationOutcome, PSEUDONYM_SYSTEM, admit, fhir_json};
use uuid::Uuid;

use crate::app::{AppError, Context, NewResponse, OutcomesApp, Refused};
use crate::catalogue::ReferenceData;
use crate::domain::events::{Event, Outcome};
use crate::domain::outcomes::Error;
use crate::projections::outcomes::{self as read_model, Filter};
use referral_view as referral;

pub use observation::{OUTCOME_SYSTEM, SCORE_SYSTEM, VALUE_SET_SYSTEM};
pub use questionnaire_response::RESPONSE_ID_SYSTEM;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 256 * 1024;
/// The gRPC twins whose declared roles the FHIR interactions share.
const RECORD: &str = "/linkwork.outcomes.v1.OutcomesService/RecordResponse";
const READ: &str = "/linkwork.outcomes.v1.OutcomesService/ListOutcomes";

/// The `/fhir` routes.
pub fn router(app: OutcomesApp) -> Router {
    Router::new()
        .route("/fhir/Questionnaire", get(search_questionnaires))
        .route("/fhir/Questionnaire/{id}", get(read_questionnaire))
        .route("/fhir/QuestionnaireResponse", post(create_response))
        .route("/fhir/QuestionnaireResponse/{id}", get(read_response))
        .route("/fhir/Observation", get(search_observations))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

/// A search result `Bundle` of `resources`.
fn bundle(resources: Vec<Value>) -> Response {
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|resource| {
            let url = format!(
                "{}/{}",
                resource["resourceType"].as_str().unwrap_or_default(),
                resource["id"].as_str().unwrap_or_default()
            );
            json!({ "fullUrl": url, "resource": resource, "search": { "mode": "match" } })
        })
        .collect();
    fhir_json(
        StatusCode::OK,
        json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": entries.len(),
            "entry": entries,
        }),
    )
}

/// `GET /fhir/Questionnaire[?url=…[|version]][&version=…]`: every instrument version.
async fn search_questionnaires(
    State(app): State<OutcomesApp>,
    FhirCaller(_): FhirCaller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, OperationOutcome> {
    let data = app.library().current().await?;
    let (url, version) = match query.get("url").map(|url| url.split_once('|')) {
        Some(Some((url, version))) => (Some(url), Some(version)),
        Some(None) => (query.get("url").map(String::as_str), None),
        None => (None, None),
    };
    let version = version.or(query.get("version").map(String::as_str));
    let resources = data
        .catalogue
        .instruments()
        .filter(|instrument| url.is_none_or(|url| instrument.definition().url == url))
        .filter(|instrument| version.is_none_or(|version| instrument.version().as_str() == version))
        .map(questionnaire::resource)
        .collect();
    Ok(bundle(resources))
}

/// `GET /fhir/Questionnaire/{id}`, the id being `<instrument>-<version>`.
async fn read_questionnaire(
    State(app): State<OutcomesApp>,
    FhirCaller(_): FhirCaller,
    Path(id): Path<String>,
) -> Result<Response, OperationOutcome> {
    let data = app.library().current().await?;
    let found = data
        .catalogue
        .instruments()
        .find(|instrument| questionnaire::id(instrument) == id)
        .ok_or_else(|| OperationOutcome::not_found("no such Questionnaire"))?;
    Ok(fhir_json(StatusCode::OK, questionnaire::resource(found)))
}

/// The instrument a Questionnaire canonical names: at its version, or the latest.
fn instrument_at<'a>(
    data: &'a ReferenceData,
    url: &str,
    version: Option<&str>,
) -> Option<&'a Instrument> {
    let id = data
        .catalogue
        .instruments()
        .find(|instrument| instrument.definition().url == url)?
        .id()
        .to_owned();
    data.instrument(&id, version)
}

/// `POST /fhir/QuestionnaireResponse`: records and scores the response. 201 with it; 200 when
/// the same response (by its identifier) was recorded before.
async fn create_response(
    State(app): State<OutcomesApp>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OperationOutcome> {
    admit(&caller, RECORD)?;
    servicekit::fhir::expect_json(&headers, "QuestionnaireResponse")?;
    let resource: Value = serde_json::from_slice(&body).map_err(|_| {
        OperationOutcome::invalid("QuestionnaireResponse", "the body is not well-formed JSON")
    })?;
    let parsed = questionnaire_response::parse(&resource)?;
    if parsed.authored > chrono::Utc::now() + chrono::Duration::minutes(5) {
        return Err(OperationOutcome::invalid(
            "QuestionnaireResponse.authored",
            "authored is in the future",
        ));
    }
    let data = app.library().current().await?;
    let instrument = instrument_at(&data, &parsed.questionnaire, parsed.version.as_deref())
        .ok_or_else(|| {
            OperationOutcome::unprocessable(
                "QuestionnaireResponse.questionnaire",
                "no such Questionnaire (or version): see GET /fhir/Questionnaire",
            )
        })?;
    let context = Context::of(&caller, servicekit::fhir::correlation_id(&headers));
    let answers = parsed.answers.clone();
    let response = NewResponse {
        referral_id: parsed.referral_id,
        response_id: parsed.response_id.unwrap_or_else(Uuid::now_v7),
        instrument: instrument.id().to_owned(),
        instrument_version: Some(instrument.version().to_string()),
        authored: parsed.authored,
        answers: parsed.answers,
    };
    let url = instrument.definition().url.clone();
    let (outcome, now) = app.record(response, &context).await.map_err(refusal)?;
    let status = match now {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    let mut response = fhir_json(
        status,
        questionnaire_response::resource(&outcome, &url, &answers),
    );
    if let Ok(location) = HeaderValue::from_str(&format!(
        "/fhir/QuestionnaireResponse/{}",
        outcome.response_id
    )) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The item an answer refusal names.
fn link_id_of(error: &AnswerError) -> &str {
    match error {
        AnswerError::UnknownItem { link_id }
        | AnswerError::Missing { link_id }
        | AnswerError::WrongType { link_id, .. }
        | AnswerError::OutOfRange { link_id, .. }
        | AnswerError::UnknownOption { link_id } => link_id,
    }
}

/// A refusal of the application layer as an OperationOutcome naming the element at fault.
fn refusal(error: AppError) -> OperationOutcome {
    let refused = match OperationOutcome::unless_rejected(error) {
        Ok(refused) => refused,
        Err(outcome) => return outcome,
    };
    let message = refused.to_string();
    match &refused {
        Refused::Answers(error) => OperationOutcome::invalid(
            &questionnaire_response::item_expression(link_id_of(error)),
            error.to_string(),
        ),
        Refused::AnswerShape(link_id) | Refused::Repeated(link_id) => {
            OperationOutcome::invalid(&questionnaire_response::item_expression(link_id), message)
        }
        Refused::NoSuchReferral | Refused::Response(Error::NotFound) => {
            OperationOutcome::not_found(message)
        }
        Refused::Response(Error::IdUsed) => OperationOutcome {
            expression: Some("QuestionnaireResponse.identifier".to_owned()),
            ..OperationOutcome::plain(StatusCode::CONFLICT, "duplicate", message)
        },
        Refused::UnknownInstrument
        | Refused::UnknownValueSet
        | Refused::Definition(_)
        | Refused::VersionTaken(_) => {
            OperationOutcome::unprocessable("QuestionnaireResponse.questionnaire", message)
        }
    }
}

/// Whether the caller may see `referral_id`'s outcomes: a party (the referrer only with the
/// person's consent). Each referral asked about is recorded in the audit of reads.
struct Visibility<'a> {
    app: &'a OutcomesApp,
    reader: servicekit::Reader<'a>,
    known: BTreeMap<Uuid, bool>,
}

impl Visibility<'_> {
    async fn allows(&mut self, referral_id: Uuid) -> Result<bool, OperationOutcome> {
        if let Some(known) = self.known.get(&referral_id) {
            return Ok(*known);
        }
        let organisation = &self.reader.caller.organisation;
        let found = referral::find(self.app.store(), referral_id).await?;
        let allowed = found
            .as_ref()
            .is_some_and(|referral| referral.shows_outcomes_to(organisation));
        if let Some(referral) = found.filter(|referral| referral.has_party(organisation)) {
            let record = format!("referral/{referral_id}/outcomes");
            self.reader
                .record(self.app.store(), Some(referral.subject), record, allowed)
                .await?;
        }
        self.known.insert(referral_id, allowed);
        Ok(allowed)
    }
}

/// `GET /fhir/QuestionnaireResponse/{id}`: the response as recorded, to whoever may see the
/// referral's outcomes.
async fn read_response(
    State(app): State<OutcomesApp>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, OperationOutcome> {
    admit(&caller, READ)?;
    let missing = || OperationOutcome::not_found("no such QuestionnaireResponse");
    let response_id = Uuid::parse_str(&id).map_err(|_| missing())?;
    let filter = Filter {
        response_id: Some(response_id.to_string()),
        ..Filter::default()
    };
    let outcome = read_model::as_of(app.store(), &filter, chrono::Utc::now())
        .await?
        .into_iter()
        .next()
        .ok_or_else(missing)?;
    let mut visibility = Visibility {
        app: &app,
        reader: servicekit::Reader {
            caller: &caller,
            correlation_id: servicekit::fhir::correlation_id(&headers),
            function: "outcomes.ReadQuestionnaireResponse",
        },
        known: BTreeMap::new(),
    };
    if !visibility.allows(outcome.referral_id).await? {
        return Err(missing());
    }
    let history = app
        .store()
        .load_stream_verified(&crate::app::stream_id(outcome.referral_id))
        .await?;
    let answers = history
        .iter()
        .filter_map(|recorded| recorded.decode::<Event>().ok())
        .find_map(|event| match event {
            Event::ResponseRecorded {
                response_id: id,
                answers,
                ..
            } if id == response_id => Some(answers),
            _ => None,
        })
        .ok_or_else(missing)?;
    let data = app.library().current().await?;
    let url = data
        .catalogue
        .instrument(&outcome.instrument, &outcome.instrument_version)
        .map(|instrument| instrument.definition().url.clone())
        .unwrap_or_default();
    Ok(fhir_json(
        StatusCode::OK,
        questionnaire_response::resource(&outcome, &url, &answers),
    ))
}

/// `GET /fhir/Observation?derived-from=QuestionnaireResponse/<id>&subject=<pseudonym>&code=…`:
/// the scores, latest derivation of each response; at least `derived-from` or `subject`.
async fn search_observations(
    State(app): State<OutcomesApp>,
    FhirCaller(caller): FhirCaller,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, OperationOutcome> {
    admit(&caller, READ)?;
    let known = ["derived-from", "subject", "subject:identifier", "code"];
    if let Some(unknown) = query.keys().find(|name| !known.contains(&name.as_str())) {
        return Err(OperationOutcome::invalid(
            "Observation",
            format!(
                "{} is not a search parameter here: use derived-from, subject or code",
                measures::shown_link_id(unknown)
            ),
        ));
    }
    let response_id = match query.get("derived-from") {
        Some(reference) => Some(
            reference
                .strip_prefix("QuestionnaireResponse/")
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or_else(|| {
                    OperationOutcome::invalid(
                        "Observation.derivedFrom",
                        "derived-from must be QuestionnaireResponse/<id>",
                    )
                })?
                .to_string(),
        ),
        None => None,
    };
    let subject = query
        .get("subject:identifier")
        .or(query.get("subject"))
        .map(|subject| match subject.split_once('|') {
            Some((PSEUDONYM_SYSTEM, value)) => Ok(value.to_owned()),
            Some(_) => Err(OperationOutcome::invalid(
                "Observation.subject",
                format!("subject is the person's pseudonym, in {PSEUDONYM_SYSTEM}"),
            )),
            None => Ok(subject.clone()),
        })
        .transpose()?;
    if response_id.is_none() && subject.is_none() {
        return Err(OperationOutcome::invalid(
            "Observation",
            "search by derived-from or subject (and code)",
        ));
    }
    let code = query.get("code").map(|code| {
        code.split_once('|')
            .map_or(code.as_str(), |(_, code)| code)
            .to_owned()
    });
    let filter = Filter {
        subject,
        response_id,
        ..Filter::default()
    };
    let outcomes: Vec<Outcome> =
        read_model::as_of(app.store(), &filter, chrono::Utc::now()).await?;
    let mut visibility = Visibility {
        app: &app,
        reader: servicekit::Reader {
            caller: &caller,
            correlation_id: servicekit::fhir::correlation_id(&headers),
            function: "outcomes.SearchObservation",
        },
        known: BTreeMap::new(),
    };
    let mut resources = Vec::new();
    for outcome in outcomes {
        if !visibility.allows(outcome.referral_id).await? {
            continue;
        }
        resources.extend(
            observation::resources(&outcome)
                .into_iter()
                .filter(|resource| {
                    code.as_ref()
                        .is_none_or(|code| resource["code"]["coding"][0]["code"] == code.as_str())
                }),
        );
    }
    Ok(bundle(resources))
}
