//! Integrators' daily summaries as FHIR `Observation`s: one at a time (201, then 200 for the
//! same record), or a batch Bundle recorded all or none — a refusal an `OperationOutcome`
//! naming the entry and element — and read back by the referral's parties alone.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use engagement::app::EngagementApp;
use engagement::config::{CHECK_IN_KEY, EngagementSettings};
use engagement::directory::Directory;
use engagement::domain::evidence;
use engagement::fhir::MEASURE_SYSTEM;
use serde_json::{Value, json};
use servicekit::fhir::{PSEUDONYM_SYSTEM, REFERRAL_ID_SYSTEM};
use testkit::BackendKind;
use uuid::Uuid;

use crate::helpers::{Running, VCSE_A, VCSE_B, spawn};

testkit::on_both_backends!(
    an_observation_is_recorded_then_recognised,
    a_bundle_with_one_unfit_entry_records_nothing_and_names_it,
    a_bundle_is_recorded_whole_and_read_back_by_parties_alone,
);

struct Api {
    router: axum::Router,
    running: Running,
}

async fn api(kind: BackendKind) -> Api {
    let running = spawn(kind).await;
    let store = running.store().await;
    let settings = servicekit::Settings::default().with_secret(CHECK_IN_KEY.name, [5; 32]);
    let settings = EngagementSettings::read(&settings, "QWE").expect("settings");
    let app = EngagementApp::new(store, Directory::new(&servicekit::Peers::none()), settings);
    let verifier = testkit::issuer().verifier();
    let authenticated =
        axum::middleware::from_fn_with_state(verifier, servicekit::authenticate_http);
    Api {
        router: engagement::fhir::router(app).layer(authenticated),
        running,
    }
}

impl Api {
    async fn send(
        &self,
        (organisation, role): (&str, &str),
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let caller = identity::Caller::new(&format!("{role}-1"), organisation, role);
        let answer = testkit::http::call(&self.router, Some(&caller), method, uri, body).await;
        (answer.status, answer.body)
    }

    async fn consenting(&self) -> Uuid {
        let referral_id = self.running.referral(VCSE_A, "accepted").await;
        self.running.consent_to_device_data(referral_id).await;
        referral_id
    }

    async fn recorded(&self, referral_id: Uuid) -> usize {
        let store = self.running.store().await;
        let stream = evidence::stream(referral_id);
        store.load_stream(&stream).await.expect("the stream").len()
    }
}

const INTEGRATOR: (&str, &str) = ("INT-FITCO", "integrator");

/// A day's steps as an integrator sends them: `days` ago, over the day's period.
pub(crate) fn observation(referral_id: Uuid, days: i64, steps: i64, source_id: &str) -> Value {
    let day = (Utc::now() - Duration::days(days)).date_naive();
    json!({
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{ "system": "https://fitco.example/daily", "value": source_id }],
        "basedOn": [{ "reference": format!("ServiceRequest/{referral_id}") }],
        "code": { "coding": [{ "system": "http://loinc.org", "code": "41950-7" }] },
        "effectivePeriod": {
            "start": format!("{day}T00:00:00+01:00"),
            "end": format!("{}T00:00:00+01:00", day.succ_opt().expect("a next day")),
        },
        "valueQuantity": { "value": steps, "unit": "/d", "system": "http://unitsofmeasure.org", "code": "/d" },
        "device": { "display": "wrist-7" },
        "component": [{
            "code": { "coding": [{ "system": MEASURE_SYSTEM, "code": "wear-coverage" }] },
            "valueQuantity": { "value": 85, "unit": "%", "code": "%" },
        }],
    })
}

pub(crate) fn bundle(kind: &str, observations: &[Value]) -> Value {
    let entries: Vec<Value> = observations
        .iter()
        .map(|resource| {
            json!({ "resource": resource, "request": { "method": "POST", "url": "Observation" } })
        })
        .collect();
    json!({ "resourceType": "Bundle", "type": kind, "entry": entries })
}

pub(crate) fn expression(outcome: &Value) -> &str {
    outcome["issue"][0]["expression"][0]
        .as_str()
        .unwrap_or_default()
}

async fn an_observation_is_recorded_then_recognised(kind: BackendKind) {
    let api = api(kind).await;
    let referral_id = api.consenting().await;
    let sent = observation(referral_id, 1, 6_543, "obs-1");

    let (status, created) = api
        .send(INTEGRATOR, "POST", "/fhir/Observation", Some(sent.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["valueQuantity"]["value"], 6_543);
    assert_eq!(created["component"][0]["valueQuantity"]["value"], 85);
    assert_eq!(created["device"]["display"], "wrist-7");
    assert_eq!(
        created["basedOn"][0]["identifier"]["system"],
        REFERRAL_ID_SYSTEM
    );
    assert_eq!(created["subject"]["identifier"]["system"], PSEUDONYM_SYSTEM);

    let (status, again) = api
        .send(INTEGRATOR, "POST", "/fhir/Observation", Some(sent))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], created["id"]);
    assert_eq!(api.recorded(referral_id).await, 1);

    // Not an integrator: refused before anything is read.
    let (status, _) = api
        .send(
            (VCSE_A, "vcse-provider"),
            "POST",
            "/fhir/Observation",
            Some(observation(referral_id, 2, 1, "obs-2")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_bundle_with_one_unfit_entry_records_nothing_and_names_it(kind: BackendKind) {
    let api = api(kind).await;
    let referral_id = api.consenting().await;
    let unconsented = api.running.referral(VCSE_A, "accepted").await;
    let good = observation(referral_id, 2, 5_000, "b-1");
    let mut worn_too_long = observation(referral_id, 1, 10, "b-2");
    worn_too_long["component"][0]["valueQuantity"]["value"] = json!(140);
    let mut half_a_day = observation(referral_id, 1, 10, "b-2");
    half_a_day["effectivePeriod"]["end"] = half_a_day["effectivePeriod"]["start"].clone();
    let mut other_person = observation(referral_id, 1, 10, "b-2");
    other_person["subject"] =
        json!({ "identifier": { "system": PSEUDONYM_SYSTEM, "value": "nhs-hmac:someone" } });
    let mut no_identifier = observation(referral_id, 1, 10, "b-2");
    no_identifier["identifier"] = json!([]);
    let cases = [
        (
            observation(referral_id, 1, 250_000, "b-2"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bundle.entry[1].resource.valueQuantity.value",
        ),
        (
            observation(referral_id, -3, 10, "b-2"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bundle.entry[1].resource.effective",
        ),
        (
            worn_too_long,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bundle.entry[1].resource.component",
        ),
        (
            observation(unconsented, 1, 10, "b-2"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bundle.entry[1].resource.basedOn",
        ),
        (
            other_person,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bundle.entry[1].resource.subject",
        ),
        (
            half_a_day,
            StatusCode::BAD_REQUEST,
            "Bundle.entry[1].resource.effectivePeriod",
        ),
        (
            no_identifier,
            StatusCode::BAD_REQUEST,
            "Bundle.entry[1].resource.identifier",
        ),
    ];
    for (unfit, status, at) in cases {
        let body = bundle("batch", &[good.clone(), unfit]);
        let (answered, outcome) = api.send(INTEGRATOR, "POST", "/fhir", Some(body)).await;
        assert_eq!(answered, status, "{outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(expression(&outcome), at, "{outcome}");
        assert_eq!(api.recorded(referral_id).await, 0, "{outcome}");
    }
    let (status, outcome) = api
        .send(
            INTEGRATOR,
            "POST",
            "/fhir",
            Some(bundle("collection", &[good])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(expression(&outcome), "Bundle.type");
}

async fn a_bundle_is_recorded_whole_and_read_back_by_parties_alone(kind: BackendKind) {
    let api = api(kind).await;
    let referral_id = api.consenting().await;
    let observations = [
        observation(referral_id, 3, 4_000, "t-1"),
        observation(referral_id, 2, 5_000, "t-2"),
    ];
    let (status, answer) = api
        .send(
            INTEGRATOR,
            "POST",
            "/fhir",
            Some(bundle("transaction", &observations)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["type"], "transaction-response");
    assert_eq!(answer["entry"][0]["response"]["status"], "201 Created");
    assert_eq!(api.recorded(referral_id).await, 2);

    // The same Bundle again, with one new entry: two recognised, one recorded.
    let mut more = observations.to_vec();
    more.push(observation(referral_id, 1, 6_000, "t-3"));
    let (_, answer) = api
        .send(INTEGRATOR, "POST", "/fhir", Some(bundle("batch", &more)))
        .await;
    let statuses: Vec<&str> = answer["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["response"]["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["200 OK", "200 OK", "201 Created"]);
    assert_eq!(api.recorded(referral_id).await, 3);

    let location = answer["entry"][2]["response"]["location"]
        .as_str()
        .expect("a location");
    let uri = format!("/fhir/{location}");
    let (status, read) = api.send((VCSE_A, "vcse-provider"), "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["valueQuantity"]["value"], 6_000);
    let (status, _) = api.send((VCSE_B, "vcse-provider"), "GET", &uri, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .send(
            (VCSE_A, "vcse-provider"),
            "GET",
            "/fhir/Observation/not-an-id",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
