//! The FHIR interface as a GP system calls it: UK Core JSON in, Gravity Tasks out, and
//! OperationOutcomes that name the element at fault.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use referral::config::ReferralSettings;
use referral::deprivation::Deprivation;
use referral::domain::age::AgeBand;
use referral::domain::person::Sealed;
use referral::fhir::{
    self, CONSENT_DEVICE_DATA, CONSENT_OUTCOME, CONSENT_PROVIDERS, ETHNIC_CATEGORY,
    ETHNIC_CATEGORY_ENGLAND, NHS_NUMBER, ODS, REFERRAL_ID, SNOMED,
};
use referral::vault::VaultKeys;
use referral::vault::{Detail, Vault};
use serde_json::{Value, json};
use servicekit::Peers;
use testkit::{BackendKind, TestDatabase};
use tower::ServiceExt;
use uuid::Uuid;

use crate::helpers::{GP_PRACTICE, LINK_WORKERS};

testkit::on_both_backends!(
    a_service_request_becomes_a_task_its_parties_can_read,
    invalid_fhir_gets_an_operation_outcome_naming_the_element,
    a_contained_uk_core_patient_says_who_the_person_is,
    a_contained_patient_is_checked_element_by_element,
    each_consent_extension_is_read_as_its_own_consent,
);

/// The vault's keys in these tests.
fn keys() -> VaultKeys {
    VaultKeys {
        pseudonym_key: [1; 32],
        master_key: [2; 32],
    }
}

async fn api(kind: BackendKind) -> (axum::Router, TestDatabase) {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    referral::migrate(&store).await.expect("migrations");
    let settings = ReferralSettings {
        tenant: "QWE".to_owned(),
        vault_keys: keys(),
        allow_test_nhs_numbers: false,
    };
    // Authenticated as every service process authenticates its HTTP APIs.
    let verifier = testkit::issuer().verifier();
    let authenticated =
        axum::middleware::from_fn_with_state(verifier, servicekit::authenticate_http);
    // No directory: every deprivation decile is unknown (the demographics tests ask one).
    let deprivation = Deprivation::new(&Peers::none());
    let router = fhir::router(store, settings, deprivation);
    (router.layer(authenticated), database)
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
            { "url": CONSENT_OUTCOME, "valueBoolean": true },
            { "url": CONSENT_DEVICE_DATA, "valueBoolean": true }
        ]
    })
}

/// A `ServiceRequest` whose subject is a contained UK Core `Patient`: date of birth, gender,
/// a work and a home address, and their ethnic category.
pub(crate) fn service_request_with_patient(referral_id: Uuid) -> Value {
    let mut request = service_request(referral_id);
    request["contained"] = json!([{
        "resourceType": "Patient",
        "id": "person",
        "identifier": [
            { "system": "https://example.org/local-mrn", "value": "MRN-1" },
            { "system": NHS_NUMBER, "value": "4010232137" }
        ],
        "birthDate": "1961-03-14",
        "gender": "female",
        "address": [
            { "use": "work", "postalCode": "LW9 9ZZ" },
            { "use": "home", "line": ["1 High Street"], "postalCode": "lw5 1ab" }
        ],
        "extension": [{
            "url": ETHNIC_CATEGORY,
            "valueCodeableConcept": { "coding": [{
                "system": ETHNIC_CATEGORY_ENGLAND,
                "code": "N",
                "display": "Black or Black British - African"
            }] }
        }]
    }]);
    request["subject"] = json!({ "reference": "#person" });
    request
}

async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    organisation: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let caller = organisation
        .map(|organisation| identity::Caller::new("someone", organisation, "link-worker"));
    let answer = testkit::http::call(router, caller.as_ref(), method, uri, body).await;
    (answer.status, answer.location, answer.body)
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

async fn a_contained_uk_core_patient_says_who_the_person_is(kind: BackendKind) {
    let (router, database) = api(kind).await;
    let referral_id = Uuid::new_v4();
    let body = Some(service_request_with_patient(referral_id));
    let (status, _, task) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        Some(GP_PRACTICE),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    for never in ["1961", "LW5", "lw5", "4010232137"] {
        assert!(
            !task.to_string().contains(never),
            "{never} in the Task: {task}"
        );
    }

    let store = database.store().await;
    let event = crate::demographics::requested(&store, referral_id).await;
    let text = String::from_utf8_lossy(&event.payload).to_string();
    for clear in ["1961-03-14", "LW5 1AB", "lw5 1ab", "LW9 9ZZ", "4010232137"] {
        assert!(!text.contains(clear), "{clear} in the log in clear: {text}");
    }
    let recorded: Value = serde_json::from_slice(&event.payload).expect("JSON");
    let born = chrono::NaiveDate::from_ymd_opt(1961, 3, 14).expect("a date");
    let band = AgeBand::on(born, event.occurred_at.date_naive());
    assert_eq!(recorded["age_band"], band.code());
    assert_eq!(recorded["sex"], "female");
    assert_eq!(recorded["ethnic_category"], "N");
    // The vault opens what was sealed: the date, and the home address's postcode, normalised.
    let vault = Vault::new(store.clone(), keys());
    let subject = event.metadata.data_subject.clone().expect("a pseudonym");
    let open = |detail, field: &str| {
        let sealed = Sealed(recorded[field].as_str().expect(field).to_owned());
        let (vault, subject) = (vault.clone(), subject.clone());
        async move {
            vault
                .open_detail(&subject, detail, &sealed)
                .await
                .expect("opens")
        }
    };
    assert_eq!(
        open(Detail::BirthDate, "birth_date").await.as_deref(),
        Some("1961-03-14")
    );
    assert_eq!(
        open(Detail::Postcode, "postcode").await.as_deref(),
        Some("LW5 1AB")
    );

    // The same request again is the same referral; another person's details are not.
    let again = Some(service_request_with_patient(referral_id));
    let (status, _, _) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        Some(GP_PRACTICE),
        again,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut other = service_request_with_patient(referral_id);
    other["contained"][0]["gender"] = json!("male");
    let (status, _, _) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        Some(GP_PRACTICE),
        Some(other),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A Patient that says nothing beyond the NHS number records nothing more.
    let bare_id = Uuid::new_v4();
    let mut bare = service_request_with_patient(bare_id);
    bare["contained"][0] = json!({
        "resourceType": "Patient",
        "id": "person",
        "identifier": [{ "system": NHS_NUMBER, "value": "4010232137" }]
    });
    let (status, _, _) = call(
        &router,
        "POST",
        "/fhir/ServiceRequest",
        Some(GP_PRACTICE),
        Some(bare),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let recorded: Value = serde_json::from_slice(
        &crate::demographics::requested(&store, bare_id)
            .await
            .payload,
    )
    .expect("JSON");
    for absent in [
        "birth_date",
        "sex",
        "ethnic_category",
        "postcode",
        "age_band",
        "imd_decile",
    ] {
        assert!(recorded.get(absent).is_none(), "{absent}: {recorded}");
    }
}

async fn a_contained_patient_is_checked_element_by_element(kind: BackendKind) {
    let (router, database) = api(kind).await;
    let patient = "ServiceRequest.contained[0]";
    let cases: Vec<(Breakage, String)> = vec![
        (
            Box::new(|sr| sr["contained"][0]["birthDate"] = json!("1961")),
            format!("{patient}.birthDate"),
        ),
        (
            Box::new(|sr| sr["contained"][0]["birthDate"] = json!("2999-01-01")),
            format!("{patient}.birthDate"),
        ),
        (
            Box::new(|sr| sr["contained"][0]["birthDate"] = json!("1880-01-01")),
            format!("{patient}.birthDate"),
        ),
        (
            Box::new(|sr| sr["contained"][0]["gender"] = json!("F")),
            format!("{patient}.gender"),
        ),
        (
            Box::new(|sr| {
                sr["contained"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] =
                    json!("Q")
            }),
            format!("{patient}.extension[0].valueCodeableConcept.coding[0].code"),
        ),
        (
            Box::new(|sr| {
                sr["contained"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["system"] =
                    json!("https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryWales")
            }),
            format!("{patient}.extension[0].valueCodeableConcept.coding"),
        ),
        (
            Box::new(|sr| sr["contained"][0]["address"][1]["postalCode"] = json!("SW1A 1CA")),
            format!("{patient}.address[1].postalCode"),
        ),
        (
            Box::new(|sr| sr["contained"][0]["identifier"][1]["value"] = json!("4010232138")),
            format!("{patient}.identifier[1].value"),
        ),
        (
            Box::new(|sr| sr["contained"][0]["identifier"] = json!([])),
            format!("{patient}.identifier"),
        ),
        (
            Box::new(|sr| sr["subject"]["reference"] = json!("#nobody")),
            "ServiceRequest.subject.reference".to_owned(),
        ),
        (
            Box::new(|sr| sr["subject"]["reference"] = json!("Patient/123")),
            "ServiceRequest.subject.reference".to_owned(),
        ),
        (
            Box::new(|sr| {
                sr["subject"]["identifier"] = json!({ "system": NHS_NUMBER, "value": "4010232145" })
            }),
            "ServiceRequest.subject.identifier".to_owned(),
        ),
    ];
    for (break_it, expression) in cases {
        let mut body = service_request_with_patient(Uuid::new_v4());
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
        assert_eq!(
            outcome["issue"][0]["expression"][0],
            expression.as_str(),
            "{outcome}"
        );
        let said = outcome.to_string();
        for never in ["1961-03-14", "SW1A 1CA", "4010232138", "4010232145"] {
            assert!(!said.contains(never), "{never} repeated: {said}");
        }
    }
    let store = database.store().await;
    let recorded = store
        .read_all(eventstore::Position::START, 10)
        .await
        .expect("the log");
    assert!(recorded.is_empty(), "nothing recorded: {recorded:?}");
}

/// A `ServiceRequest` giving one consent and withholding the others, then one the other way
/// round: each extension is read into its own consent, and one left out is not given.
async fn each_consent_extension_is_read_as_its_own_consent(kind: BackendKind) {
    let (router, database) = api(kind).await;
    let store = database.store().await;
    let given = |url: &str| -> Value {
        [CONSENT_PROVIDERS, CONSENT_OUTCOME, CONSENT_DEVICE_DATA]
            .into_iter()
            .map(|each| json!({ "url": each, "valueBoolean": each == url }))
            .collect()
    };
    let recorded = |extensions: Value| {
        let (router, store) = (router.clone(), store.clone());
        async move {
            let referral_id = Uuid::new_v4();
            let mut body = service_request(referral_id);
            body["extension"] = extensions;
            let made = call(
                &router,
                "POST",
                "/fhir/ServiceRequest",
                Some(GP_PRACTICE),
                Some(body),
            );
            let (status, _, task) = made.await;
            assert_eq!(status, StatusCode::CREATED, "{task}");
            let event = crate::demographics::requested(&store, referral_id).await;
            let payload: Value = serde_json::from_slice(&event.payload).expect("JSON");
            payload["consent"].clone()
        }
    };
    let consent = |providers: bool, outcome: bool, devices: bool| {
        json!({
            "share_with_providers": providers,
            "share_outcome_with_referrer": outcome,
            "share_device_data": devices,
        })
    };
    assert_eq!(
        recorded(given(CONSENT_DEVICE_DATA)).await,
        consent(false, false, true)
    );
    assert_eq!(
        recorded(given(CONSENT_PROVIDERS)).await,
        consent(true, false, false)
    );
    assert_eq!(
        recorded(given(CONSENT_OUTCOME)).await,
        consent(false, true, false)
    );
    let without_device_data = json!([
        { "url": CONSENT_PROVIDERS, "valueBoolean": true },
        { "url": CONSENT_OUTCOME, "valueBoolean": true }
    ]);
    assert_eq!(
        recorded(without_device_data).await,
        consent(true, true, false)
    );
}
