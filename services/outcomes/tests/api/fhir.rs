//! The FHIR interface as a link worker's system calls it: Questionnaires out,
//! QuestionnaireResponses in — each checked against its Questionnaire, a refusal naming the
//! `linkId` — and the scores back as Observations derived from the response.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use outcomes::app::OutcomesApp;
use outcomes::config::OutcomesSettings;
use outcomes::domain::placement::Windows;
use outcomes::fhir::{RESPONSE_ID_SYSTEM, SCORE_SYSTEM};
use serde_json::{Value, json};
use testkit::{BackendKind, TestDatabase};
use uuid::Uuid;

use crate::helpers::{
    ELSEWHERE, GP_PRACTICE, LINK_WORKERS, ReferralRow, caller, caught_up, remember,
    with_reference_data,
};

testkit::on_both_backends!(
    every_instrument_is_a_questionnaire,
    a_response_that_does_not_fit_its_questionnaire_is_refused_naming_the_item,
    a_response_is_scored_into_observations_derived_from_it,
    an_eq5d_utility_says_which_value_set_valued_it,
    outcomes_reach_the_referrer_only_with_consent,
);

struct Api {
    router: axum::Router,
    store: eventstore::EventStore,
    _database: TestDatabase,
}

async fn api(kind: BackendKind) -> Api {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    with_reference_data(&store).await;
    let settings = OutcomesSettings {
        tenant: "QWE".to_owned(),
        windows: Windows {
            baseline_before: Duration::days(28),
            baseline_after: Duration::days(28),
            close_within: Duration::days(14),
            follow_up_every: Duration::weeks(12),
        },
    };
    let verifier = testkit::issuer().verifier();
    let authenticated =
        axum::middleware::from_fn_with_state(verifier, servicekit::authenticate_http);
    let router = outcomes::fhir::router(OutcomesApp::new(store.clone(), settings));
    Api {
        router: router.layer(authenticated),
        store,
        _database: database,
    }
}

impl Api {
    async fn send(
        &self,
        who: &identity::Caller,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let answer = testkit::http::call(&self.router, Some(who), method, uri, body).await;
        (answer.status, answer.body)
    }
}

fn link_worker() -> identity::Caller {
    caller(LINK_WORKERS, "link-worker")
}

/// SWEMWBS answered `level` to every item, for `referral_id`.
fn swemwbs(referral_id: Uuid, level: i64) -> Value {
    json!({
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://linkwork.nhs.uk/fhir/Questionnaire/swemwbs|1.0",
        "basedOn": [{ "reference": format!("ServiceRequest/{referral_id}") }],
        "authored": (Utc::now() - Duration::days(1)).to_rfc3339(),
        "item": (1..=7).map(|item| json!({
            "linkId": item.to_string(),
            "answer": [{ "valueInteger": level }],
        })).collect::<Vec<_>>(),
    })
}

fn entries(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .map(|entries| entries.iter().map(|entry| &entry["resource"]).collect())
        .unwrap_or_default()
}

async fn every_instrument_is_a_questionnaire(kind: BackendKind) {
    let api = api(kind).await;
    let (status, bundle) = api
        .send(&link_worker(), "GET", "/fhir/Questionnaire", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let questionnaires = entries(&bundle);
    let mut urls: Vec<&str> = questionnaires
        .iter()
        .filter_map(|q| q["url"].as_str())
        .collect();
    urls.sort_unstable();
    assert_eq!(
        urls,
        ["eq5d5l", "ons4", "swemwbs", "ucla3", "wemwbs"]
            .map(|id| format!("https://linkwork.nhs.uk/fhir/Questionnaire/{id}"))
    );
    let ucla = questionnaires
        .iter()
        .find(|q| q["id"] == "ucla3-1.0")
        .expect("UCLA-3");
    assert_eq!(ucla["version"], "1.0");
    assert_eq!(ucla["item"][3]["linkId"], "lonely");
    assert_eq!(
        ucla["item"][3]["answerOption"][0]["valueCoding"]["code"],
        "often-always"
    );
    let url = "/fhir/Questionnaire?url=https://linkwork.nhs.uk/fhir/Questionnaire/ons4%7C1.0";
    let (_, only) = api.send(&link_worker(), "GET", url, None).await;
    assert_eq!(entries(&only).len(), 1);
    let (status, one) = api
        .send(
            &link_worker(),
            "GET",
            "/fhir/Questionnaire/swemwbs-1.0",
            None,
        )
        .await;
    assert_eq!(
        (status, &one["item"][0]["extension"][1]["valueInteger"]),
        (StatusCode::OK, &json!(5))
    );
    let (status, _) = api
        .send(&link_worker(), "GET", "/fhir/Questionnaire/swemwbs-9", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_response_that_does_not_fit_its_questionnaire_is_refused_naming_the_item(
    kind: BackendKind,
) {
    let api = api(kind).await;
    let referral = ReferralRow::new(10);
    remember(&api.store, &referral).await;
    let id = referral.referral_id;
    let item = |link_id: &str| format!("QuestionnaireResponse.item.where(linkId='{link_id}')");
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Change, StatusCode, String)> = vec![
        (
            Box::new(|r| {
                r["item"].as_array_mut().expect("items").remove(2);
            }),
            StatusCode::BAD_REQUEST,
            item("3"),
        ),
        (
            Box::new(|r| r["item"][4]["answer"][0]["valueInteger"] = json!(6)),
            StatusCode::BAD_REQUEST,
            item("5"),
        ),
        (
            Box::new(|r| r["item"][0]["answer"][0] = json!({ "valueCoding": { "code": "often" } })),
            StatusCode::BAD_REQUEST,
            item("1"),
        ),
        (
            Box::new(|r| {
                r["item"]
                    .as_array_mut()
                    .expect("items")
                    .push(json!({ "linkId": "8", "answer": [{ "valueInteger": 1 }] }));
            }),
            StatusCode::BAD_REQUEST,
            item("8"),
        ),
        (
            Box::new(|r| {
                r["item"]
                    .as_array_mut()
                    .expect("items")
                    .push(json!({ "linkId": "2", "answer": [{ "valueInteger": 1 }] }));
            }),
            StatusCode::BAD_REQUEST,
            item("2"),
        ),
        (
            Box::new(|r| r["item"][1]["answer"] = json!([{ "valueString": "4" }])),
            StatusCode::BAD_REQUEST,
            item("2"),
        ),
        (
            Box::new(|r| {
                r["questionnaire"] = json!("https://linkwork.nhs.uk/fhir/Questionnaire/swemwbs|7.0")
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "QuestionnaireResponse.questionnaire".to_owned(),
        ),
        (
            Box::new(|r| r["authored"] = json!((Utc::now() + Duration::days(2)).to_rfc3339())),
            StatusCode::BAD_REQUEST,
            "QuestionnaireResponse.authored".to_owned(),
        ),
    ];
    for (change, status, expression) in cases {
        let mut resource = swemwbs(id, 3);
        change(&mut resource);
        let (got, outcome) = api
            .send(
                &link_worker(),
                "POST",
                "/fhir/QuestionnaireResponse",
                Some(resource),
            )
            .await;
        assert_eq!(got, status, "{outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(
            outcome["issue"][0]["expression"][0],
            expression.as_str(),
            "{outcome}"
        );
    }
    // A UCLA-3 choice that is not one of the item's options.
    let items = ["companionship", "left-out", "isolated", "lonely"].map(
        |link_id| json!({ "linkId": link_id, "answer": [{ "valueCoding": { "code": "always" } }] }),
    );
    let ucla = json!({
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://linkwork.nhs.uk/fhir/Questionnaire/ucla3",
        "basedOn": [{ "reference": format!("ServiceRequest/{id}") }],
        "authored": Utc::now().to_rfc3339(),
        "item": items,
    });
    let (status, outcome) = api
        .send(
            &link_worker(),
            "POST",
            "/fhir/QuestionnaireResponse",
            Some(ucla),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(outcome["issue"][0]["expression"][0], item("companionship"));
    // Someone else's referral, and a role that may not record.
    let (status, _) = api
        .send(
            &caller(ELSEWHERE, "link-worker"),
            "POST",
            "/fhir/QuestionnaireResponse",
            Some(swemwbs(id, 3)),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .send(
            &caller(GP_PRACTICE, "referrer"),
            "POST",
            "/fhir/QuestionnaireResponse",
            Some(swemwbs(id, 3)),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nothing refused was recorded.
    caught_up(&api.store).await;
    let search = format!("/fhir/Observation?subject={}", referral.subject);
    let (_, bundle) = api.send(&link_worker(), "GET", &search, None).await;
    assert!(entries(&bundle).is_empty(), "{bundle}");
}

async fn a_response_is_scored_into_observations_derived_from_it(kind: BackendKind) {
    let api = api(kind).await;
    let referral = ReferralRow::new(10);
    remember(&api.store, &referral).await;
    let response_id = Uuid::new_v4();
    let mut resource = swemwbs(referral.referral_id, 3);
    resource["identifier"] = json!({ "system": RESPONSE_ID_SYSTEM, "value": response_id });
    let (status, created) = api
        .send(
            &link_worker(),
            "POST",
            "/fhir/QuestionnaireResponse",
            Some(resource.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["id"], response_id.to_string());
    assert_eq!(
        created["subject"]["identifier"]["value"],
        referral.subject.as_str()
    );
    // The same response again is a retry; other answers under its identifier are not.
    let (status, _) = api
        .send(
            &link_worker(),
            "POST",
            "/fhir/QuestionnaireResponse",
            Some(resource.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    resource["item"][0]["answer"][0]["valueInteger"] = json!(5);
    let (status, _) = api
        .send(
            &link_worker(),
            "POST",
            "/fhir/QuestionnaireResponse",
            Some(resource),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    caught_up(&api.store).await;
    let search = format!("/fhir/Observation?derived-from=QuestionnaireResponse/{response_id}");
    let (status, bundle) = api.send(&link_worker(), "GET", &search, None).await;
    assert_eq!(status, StatusCode::OK);
    let observations = entries(&bundle);
    let metric = observations
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "swemwbs-metric")
        .expect("the metric");
    // Seven answers of 3 are a raw score of 21, which the Rasch table converts to 19.25.
    assert_eq!(metric["valueQuantity"]["value"], json!(19.25));
    assert_eq!(
        metric["component"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "baseline"
    );
    assert_eq!(
        metric["derivedFrom"][0]["reference"],
        format!("QuestionnaireResponse/{response_id}")
    );
    let by_code = format!(
        "/fhir/Observation?subject={}&code={SCORE_SYSTEM}%7Cswemwbs-raw",
        referral.subject
    );
    let (_, bundle) = api.send(&link_worker(), "GET", &by_code, None).await;
    let raw = entries(&bundle);
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0]["valueQuantity"]["value"], json!(21));
    let (status, read) = api
        .send(
            &link_worker(),
            "GET",
            &format!("/fhir/QuestionnaireResponse/{response_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["item"][0]["answer"][0]["valueInteger"], 3);
    let (status, _) = api
        .send(
            &link_worker(),
            "GET",
            "/fhir/Observation?code=swemwbs-raw",
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a search needs a person or a response"
    );
    let (status, _) = api
        .send(&link_worker(), "GET", "/fhir/Observation?patient=x", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn an_eq5d_utility_says_which_value_set_valued_it(kind: BackendKind) {
    let api = api(kind).await;
    let referral = ReferralRow::new(10);
    remember(&api.store, &referral).await;
    let levels = [
        ("mobility", 2),
        ("self-care", 4),
        ("usual-activities", 1),
        ("pain-discomfort", 1),
        ("anxiety-depression", 2),
        ("vas", 70),
    ];
    let items = levels.map(
        |(link_id, level)| json!({ "linkId": link_id, "answer": [{ "valueInteger": level }] }),
    );
    let resource = json!({
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://linkwork.nhs.uk/fhir/Questionnaire/eq5d5l",
        "basedOn": [{ "identifier": {
            "system": "https://linkwork.nhs.uk/Id/referral",
            "value": referral.referral_id.to_string(),
        }}],
        "authored": Utc::now().to_rfc3339(),
        "item": items,
    });
    let (status, created) = api
        .send(
            &link_worker(),
            "POST",
            "/fhir/QuestionnaireResponse",
            Some(resource),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    caught_up(&api.store).await;
    let search = format!(
        "/fhir/Observation?derived-from=QuestionnaireResponse/{}&code=eq5d5l-utility",
        created["id"].as_str().expect("an id")
    );
    let (_, bundle) = api.send(&link_worker(), "GET", &search, None).await;
    let utility = entries(&bundle);
    assert_eq!(utility.len(), 1);
    // The DSU mapping's published check: 24112, a woman aged 45-54, is 0.761.
    assert_eq!(utility[0]["valueQuantity"]["value"], json!(0.761));
    assert_eq!(utility[0]["method"]["coding"][0]["code"], "dsu-2023|1.0");
}

async fn outcomes_reach_the_referrer_only_with_consent(kind: BackendKind) {
    let api = api(kind).await;
    let shared = ReferralRow::new(10);
    let private = ReferralRow {
        share_with_referrer: false,
        ..ReferralRow::new(10)
    };
    for referral in [&shared, &private] {
        remember(&api.store, referral).await;
        let (status, _) = api
            .send(
                &link_worker(),
                "POST",
                "/fhir/QuestionnaireResponse",
                Some(swemwbs(referral.referral_id, 4)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    caught_up(&api.store).await;
    let gp = caller(GP_PRACTICE, "referrer");
    let seen = |referral: &ReferralRow| format!("/fhir/Observation?subject={}", referral.subject);
    let (_, bundle) = api.send(&gp, "GET", &seen(&shared), None).await;
    assert!(!entries(&bundle).is_empty(), "consented: {bundle}");
    let (_, bundle) = api.send(&gp, "GET", &seen(&private), None).await;
    assert!(entries(&bundle).is_empty(), "not consented: {bundle}");
    let (_, bundle) = api
        .send(
            &caller(ELSEWHERE, "link-worker"),
            "GET",
            &seen(&shared),
            None,
        )
        .await;
    assert!(entries(&bundle).is_empty(), "not a party: {bundle}");
    // Each read of a referral's outcomes is in the audit of reads, allowed or not.
    let accesses = api
        .store
        .accesses_by_record(&format!("referral/{}/outcomes", private.referral_id), 10)
        .await
        .expect("the audit");
    assert!(
        accesses
            .iter()
            .any(|access| access.organisation == GP_PRACTICE
                && access.outcome == eventstore::AccessOutcome::Denied)
    );
}
