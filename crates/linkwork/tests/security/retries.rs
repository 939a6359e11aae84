//! T19, safe retries through the running platform: an `Idempotency-Key` on a JSON command
//! answers the same request with the first answer, a different request with 422, requests
//! racing on one key with one answer and 409s, and another caller's same key as a key of its
//! own; FHIR creation is conditional on the referral's business identifier.

use serde_json::{Value, json};
use testkit::BackendKind;
use uuid::Uuid;

use crate::platform::{Answer, Outgoing, Platform, Who};

testkit::on_both_backends!(a_retried_command_is_answered_once);

const ADMIN: Who = Who::new("admin", "ICB", "directory-admin");
const OTHER_ADMIN: Who = Who::new("admin-2", "ICB", "directory-admin");
const GP: Who = Who::new("dr-a", "LWP-A", "referrer");

async fn with_key(platform: &Platform, who: Who, key: &str, body: &Value) -> Answer {
    let token = platform.token(who);
    platform
        .send(Outgoing {
            method: "POST",
            path: "/api/v1/organizations",
            token: Some(&token),
            content_type: Some("application/json"),
            body: body.to_string().into_bytes(),
            headers: vec![("idempotency-key", key.to_owned())],
        })
        .await
}

async fn a_retried_command_is_answered_once(kind: BackendKind) {
    let platform = Platform::up(kind).await;
    // No id in the body: without the key, each request would register another organisation.
    let body = json!({ "name": "Riverside Trust" });
    let key = Uuid::new_v4().to_string();
    let first = with_key(&platform, ADMIN, &key, &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = with_key(&platform, ADMIN, &key, &body).await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));

    let different = with_key(&platform, ADMIN, &key, &json!({ "name": "Hillside" })).await;
    assert_eq!(different.status, 422, "{}", different.body);
    assert!(
        different.body.contains("Idempotency-Key"),
        "{}",
        different.body
    );

    let theirs = with_key(&platform, OTHER_ADMIN, &key, &body).await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert_ne!(
        theirs.json()["id"],
        first.json()["id"],
        "another caller's key is its own"
    );

    let bad = with_key(&platform, ADMIN, "a key with spaces", &body).await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    // Racing on one key: one registration, every other answer the same or 409.
    let key = Uuid::new_v4().to_string();
    let racing = json!({ "name": "Racing Trust" });
    let token = platform.token(ADMIN);
    let answers: Vec<Answer> = tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        platform.send_now(Outgoing {
                            method: "POST",
                            path: "/api/v1/organizations",
                            token: Some(&token),
                            content_type: Some("application/json"),
                            body: racing.to_string().into_bytes(),
                            headers: vec![("idempotency-key", key.clone())],
                        })
                    })
                })
                .collect();
            racers
                .into_iter()
                .map(|racer| racer.join().expect("an answer"))
                .collect()
        })
    });
    let made: Vec<&Answer> = answers.iter().filter(|a| a.status == 201).collect();
    assert!(!made.is_empty(), "{answers:?}");
    assert!(
        made.iter().all(|answer| answer.body == made[0].body),
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|a| a.status == 201 || a.status == 409),
        "{answers:?}"
    );

    // FHIR: the same ServiceRequest again is the Task the first made; If-None-Exist agrees.
    let referral_id = Uuid::new_v4();
    let token = platform.token(GP);
    let request = service_request(referral_id);
    let post = |headers: Vec<(&'static str, String)>| Outgoing {
        method: "POST",
        path: "/fhir/ServiceRequest",
        token: Some(&token),
        content_type: Some("application/fhir+json"),
        body: request.to_string().into_bytes(),
        headers,
    };
    let created = platform.send(post(Vec::new())).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let condition = format!("identifier=https://linkwork.nhs.uk/Id/referral|{referral_id}");
    let found = platform
        .send(post(vec![("if-none-exist", condition)]))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["id"], created.json()["id"]);
}

fn service_request(referral_id: Uuid) -> Value {
    json!({
        "resourceType": "ServiceRequest",
        "identifier": [{ "system": "https://linkwork.nhs.uk/Id/referral", "value": referral_id.to_string() }],
        "status": "active",
        "intent": "order",
        "code": { "coding": [{ "system": "http://snomed.info/sct", "code": "871731000000106" }] },
        "reasonCode": [{ "coding": [{ "system": "http://snomed.info/sct", "code": "871731000000106" }] }],
        "priority": "routine",
        "subject": { "identifier": { "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018" } },
        "requester": { "reference": "Practitioner/dr-a" },
        "performer": [{ "identifier": { "system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "PCN-A" } }],
    })
}
