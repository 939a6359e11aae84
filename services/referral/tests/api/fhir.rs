//! The FHIR interface as a GP system calls it: UK Core JSON in, Gravity Tasks out, and
//! OperationOutcomes that name the element at fault.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use referral::config::ReferralSettings;
use referral::fhir::{
    self, CONSENT_OUTCOME, CONSENT_PROVIDERS, NHS_NUMBER, ODS, REFERRAL_ID, SNOMED,
};
use referral::vault::VaultKeys;
use serde_json::{Value, json};
use testkit::{BackendKind, TestDatabase};
use tower::ServiceExt;
use uuid::Uuid;

use crate::helpers::{GP_PRACTICE, LINK_WORKERS};

testkit::on_both_backends!(
    a_service_request_becomes_a_task_its_parties_can_read,
    invalid_fhir_gets_an_operation_outcome_naming_the_element,
);

async fn api(kind: BackendKind) -> (axum::Router, TestDatabase) {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    referral::migrate(&store).await.expect("migrations");
    let settings = ReferralSettings {
        tenant: "QWE".to_owned(),
        vault_keys: VaultKeys {
            pseudonym_key: [1; 32],
            master_key: [2; 32],
        },
        allow_test_nhs_numbers: false,
    };
    // Authenticated as every service process authenticates its HTTP APIs.
    let verifier = testkit::issuer().verifier();
    let authenticated =
        axum::middleware::from_fn_with_state(verifier, servicekit::authenticate_http);
    (fhir::router(store, settings).layer(authenticated), database)
}

pub(crate) fn service_request(referral_id: Uuid) -> Value {
    json!({
        "resourceType": "ServiceRequest",
        "identifier": [{ "system": REFERRAL_ID, "value": referral_id.to_string() }],
        "status": "active",
        "intent": "order",
        "code": { "coding": [{ "system": SNOMED, "code": "871731000000106" }] },
        "reasonCode": [{ "coding": [{ "system": SNOMED, "code": "871731000000106" }] }],
        "priority": "routine",
        "subject": { "identifier": { "system": NHS_NUMBER, "value": "4010232137" } },
        "requester": { "reference": "Practitioner/dr-patel" },
        "performer": [{ "identifier": { "system": ODS, "value": LINK_WORKERS } }],
        "extension": [
            { "url": CONSENT_PROVIDERS, "valueBoolean": true },
            { "url": CONSENT_OUTCOME, "valueBoolean": true }
        ]
    })
}

async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    organisation: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(organisation) = organisation {
        let caller = identity::Caller::new("someone", organisation, "link-worker");
        let (name, value) = identity::bearer(&testkit::token(&caller));
        request = request.header(name, value);
    }
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/fhir+json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        location,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn a_service_request_becomes_a_task_its_parties_can_read(kind: BackendKind) {
    let (router, _database) = api(kind).await;
    let referral_id = Uuid::new_v4();
    let body = Some(service_request(referral_id));
    let (status, location, task) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        Some(GP_PRACTICE),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(location, Some(format!("/fhir/Task/{referral_id}")));
    assert_eq!(task["resourceType"], "Task");
    assert_eq!(task["status"], "requested");
    assert_eq!(
        task["focus"]["reference"],
        format!("ServiceRequest/{referral_id}")
    );
    assert_eq!(task["owner"]["identifier"]["value"], LINK_WORKERS);
    assert_eq!(task["requester"]["identifier"]["value"], GP_PRACTICE);
    assert!(
        !task.to_string().contains("4010232137"),
        "no NHS number in the Task"
    );

    let (status, _, read) = call(
        &router,
        "GET",
        &format!("/fhir/Task/{referral_id}"),
        Some(GP_PRACTICE),
        None,
    )
    .await;
    assert_eq!((status, &read), (StatusCode::OK, &task));
    let search = format!("/fhir/Task?focus=ServiceRequest/{referral_id}");
    let (status, _, bundle) = call(&router, "GET", &search, Some(LINK_WORKERS), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (bundle["type"].as_str(), bundle["total"].as_u64()),
        (Some("searchset"), Some(1))
    );
    assert_eq!(
        bundle["entry"][0]["resource"]["id"],
        referral_id.to_string()
    );

    let (status, _, _) = call(
        &router,
        "GET",
        &format!("/fhir/Task/{referral_id}"),
        Some("ELSEWHERE"),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another organisation cannot see it"
    );
    let (_, _, empty) = call(&router, "GET", &search, Some("ELSEWHERE"), None).await;
    assert_eq!(empty["total"], 0);

    // Creation is conditional on the business identifier: the same request again is answered
    // with the Task the first one made; the identifier with another request is refused.
    let again = Some(service_request(referral_id));
    let (status, location, retried) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        Some(GP_PRACTICE),
        again,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(location, Some(format!("/fhir/Task/{referral_id}")));
    assert_eq!(retried["id"], referral_id.to_string());
    let mut different = service_request(referral_id);
    different["priority"] = json!("urgent");
    let (status, _, outcome) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        Some(GP_PRACTICE),
        Some(different),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{outcome}");
    assert_eq!(
        outcome["issue"][0]["expression"][0],
        "ServiceRequest.identifier"
    );
}

/// Breaks one element of a valid `ServiceRequest`.
type Breakage = Box<dyn Fn(&mut Value)>;

async fn invalid_fhir_gets_an_operation_outcome_naming_the_element(kind: BackendKind) {
    let (router, _database) = api(kind).await;
    let cases: Vec<(Breakage, &str)> = vec![
        (
            Box::new(|sr| sr["resourceType"] = json!("Patient")),
            "resourceType",
        ),
        (
            Box::new(|sr| sr["status"] = json!("draft")),
            "ServiceRequest.status",
        ),
        (
            Box::new(|sr| sr["subject"] = json!({})),
            "ServiceRequest.subject.identifier.system",
        ),
        (
            Box::new(|sr| sr["subject"]["identifier"]["value"] = json!("4010232138")),
            "ServiceRequest.subject.identifier.value",
        ),
        (
            Box::new(|sr| sr["reasonCode"][0]["coding"][0]["code"] = json!("22298007")),
            "ServiceRequest.reasonCode[0].coding[0].code",
        ),
        (
            Box::new(|sr| sr["performer"] = json!([])),
            "ServiceRequest.performer[0].identifier.system",
        ),
        (
            Box::new(|sr| sr["priority"] = json!("whenever")),
            "ServiceRequest.priority",
        ),
        (
            Box::new(|sr| sr["identifier"][0]["value"] = json!("not-a-uuid")),
            "ServiceRequest.identifier[0].value",
        ),
    ];
    for (break_it, expression) in cases {
        let mut body = service_request(Uuid::new_v4());
        break_it(&mut body);
        let (got, _, outcome) = call(
            &router,
            "POST",
            "/fhir/ServiceRequest",
            Some(GP_PRACTICE),
            Some(body),
        )
        .await;
        assert_eq!(got, StatusCode::BAD_REQUEST, "{expression}: {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(
            outcome["issue"][0]["expression"][0], expression,
            "{outcome}"
        );
        assert!(
            outcome["issue"][0]["diagnostics"]
                .as_str()
                .is_some_and(|text| !text.is_empty())
        );
    }

    let (status, _, outcome) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        None,
        Some(service_request(Uuid::new_v4())),
    )
    .await;
    assert_eq!(
        (status, outcome["issue"][0]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("login"))
    );
    let (status, _, _) = call(&router, "GET", "/fhir/Task", Some(GP_PRACTICE), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "focus is required");

    let request = Request::builder()
        .method("POST")
        .uri("/fhir/ServiceRequest")
        .header(
            "authorization",
            format!(
                "Bearer {}",
                testkit::token(&identity::Caller::new("dr-patel", GP_PRACTICE, "referrer"))
            ),
        )
        .header("content-type", "application/fhir+json")
        .body(Body::from("{ not json"))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
