//! T12, the BOLA matrix (OWASP API1): every route that names an object — taken from the
//! descriptors, so a new route joins the matrix by being declared — is called by every role of
//! another organisation on organisation A's objects, with a request that is otherwise valid.
//! Every attempt must be refused: PERMISSION_DENIED (403) when the role may not call the route
//! at all, and otherwise NOT_FOUND (404) with the very answer an id never used gets, so that
//! nothing is learnt. The FHIR interactions on a Task, and on the person's outcomes (a
//! QuestionnaireResponse for A's referral, the Observations of its person), are tried the same
//! way. Then A's own people read and use the same objects, which proves the matrix aimed at
//! real ones.
//!
//! The directory's reads (a service, its history) are open data, published as Open Referral
//! UK, and so is what it says of a postcode's area (the ONS Postcode Directory's deprivation
//! rank); a check-in's authority is the token a session's QR code carries: they are not in the
//! matrix, and the test says so by name.

use std::collections::BTreeMap;

use contract::http::{Binding, bindings};
use serde_json::{Value, json};
use testkit::BackendKind;
use uuid::Uuid;

use crate::platform::{Answer, Outgoing, Platform, Who};

/// Organisation A's people, and the ICB's directory administrator who registers organisations.
const VCSE_A: &str = "0190a2b4-0000-7000-8000-00000000a001";
const VCSE_B: &str = "0190a2b4-0000-7000-8000-00000000b001";
const GP_A: Who = Who::new("dr-a", "LWP-A", "referrer");
const LINK_WORKER_A: Who = Who::new("lw-a", "PCN-A", "link-worker");
const CURATOR_A: Who = Who::new("cur-a", VCSE_A, "directory-curator");
const PROVIDER_A: Who = Who::new("prov-a", VCSE_A, "vcse-provider");
const ADMIN: Who = Who::new("admin", "ICB", "directory-admin");
const COMMISSIONER_A: Who = Who::new("com-a", "ICB-A", "commissioner");

/// Another organisation's people, in every role there is.
const ATTACKERS: [Who; 7] = [
    Who::new("dr-b", "LWP-B", "referrer"),
    Who::new("lw-b", "PCN-B", "link-worker"),
    Who::new("cur-b", VCSE_B, "directory-curator"),
    Who::new("prov-b", VCSE_B, "vcse-provider"),
    Who::new("citizen-b", "NHS-LOGIN", "citizen"),
    Who::new("aud-b", "ICB-B", "auditor"),
    Who::new("com-b", "ICB-B", "commissioner"),
];

/// The routes whose objects anyone signed in may read: the directory is open data, and a
/// postcode names a place, which no organisation owns.
const OPEN_DATA: [&str; 3] = ["GetService", "ServiceHistory", "GetPostcodeArea"];

/// The routes whose authority is a token the service signed for one object, not the caller's
/// organisation: a check-in carries the token a session's QR code showed, and whoever holds it
/// may use it once (the engagement service's tests prove every other token refused).
const TOKEN_AUTHORISED: [&str; 1] = ["CheckIn"];

/// A's objects, by the name of the path variable that holds their ids.
type Objects = BTreeMap<&'static str, String>;

testkit::on_both_backends!(no_one_of_another_organisation_reaches_an_object_of_a);

async fn no_one_of_another_organisation_reaches_an_object_of_a(kind: BackendKind) {
    let platform = Platform::up(kind).await;
    let objects = set_up_organisation_a(&platform).await;
    let mut attempts = 0;
    let mut refusals = Vec::new();
    let object_routes: Vec<&Binding> = bindings()
        .iter()
        .filter(|binding| !binding.variables.is_empty())
        .collect();
    assert!(
        object_routes.len() >= 25,
        "the matrix covers every object route"
    );
    for binding in &object_routes {
        let name = binding.rpc.name();
        if OPEN_DATA.contains(&name) || TOKEN_AUTHORISED.contains(&name) {
            continue;
        }
        let path = path_to(binding, &objects);
        let never_used = path_to(binding, &never_used(&objects));
        let body = body_for(name, &objects);
        for who in ATTACKERS {
            attempts += 1;
            let answer = call(&platform, who, binding, &path, &body).await;
            let admitted = contract::access::allows(&binding.grpc_path(), who.role, &[]);
            let expected = match admitted {
                false => 403,
                true => 404,
            };
            if answer.status != expected {
                refusals.push(format!(
                    "{name} as {} of {}: {} {}",
                    who.role, who.organisation, answer.status, answer.body
                ));
                continue;
            }
            if admitted {
                let unused = call(&platform, who, binding, &never_used, &body).await;
                if (unused.status, &unused.body) != (answer.status, &answer.body) {
                    refusals.push(format!(
                        "{name} as {}: A's object answered {} {}, an unused id {} {}",
                        who.role, answer.status, answer.body, unused.status, unused.body
                    ));
                }
            }
        }
    }
    for who in ATTACKERS {
        for path in [
            format!("/fhir/Task/{}", objects["referral_id"]),
            format!("/fhir/Task?focus=ServiceRequest/{}", objects["referral_id"]),
        ] {
            attempts += 1;
            let answer = platform.get(who, &path).await;
            // A search finds nothing; a read finds no Task; a role that reads no Tasks is
            // refused before anything is looked up.
            let hidden = match (answer.status, path.contains('?')) {
                (200, true) => answer.json()["total"] == 0,
                (status, _) => status == 404 || status == 403,
            };
            if !hidden {
                refusals.push(format!(
                    "{path} as {}: {} {}",
                    who.role, answer.status, answer.body
                ));
            }
        }
        attempts += 1;
        let response = questionnaire_response(&objects["referral_id"]);
        let answer = platform
            .json(who, "POST", "/fhir/QuestionnaireResponse", &response)
            .await;
        if answer.status != 404 && answer.status != 403 {
            refusals.push(format!(
                "a QuestionnaireResponse for A's referral as {}: {} {}",
                who.role, answer.status, answer.body
            ));
        }
    }
    assert!(
        refusals.is_empty(),
        "{} of {attempts} cross-organisation attempts were not refused as they should be:\n{}",
        refusals.len(),
        refusals.join("\n")
    );
    // The objects were real: their own people see them.
    let trail = format!("/api/v1/referrals/{}/handoffs", objects["referral_id"]);
    assert_eq!(platform.get(GP_A, &trail).await.status, 200);
    assert_eq!(platform.get(LINK_WORKER_A, &trail).await.status, 200);
    let task = format!("/fhir/Task/{}", objects["referral_id"]);
    assert_eq!(platform.get(GP_A, &task).await.status, 200);
    let claim = format!("/api/v1/claims/{}", objects["claim_id"]);
    assert_eq!(platform.get(COMMISSIONER_A, &claim).await.status, 200);
    // A's link worker records a response for A's referral (once the outcomes service has
    // heard of it over the bus), and only A's people see its scores.
    let responses = format!("/api/v1/referrals/{}/responses", objects["referral_id"]);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let recorded = loop {
        let answer = platform
            .json(LINK_WORKER_A, "POST", &responses, &swemwbs())
            .await;
        if answer.status != 404 || tokio::time::Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let subject = recorded.json()["outcome"]["subject"]
        .as_str()
        .expect("the pseudonym")
        .to_owned();
    let observations = format!("/fhir/Observation?subject={subject}");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while platform.get(LINK_WORKER_A, &observations).await.json()["total"] == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "A's link worker never saw the scores"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for who in ATTACKERS {
        let answer = platform.get(who, &observations).await;
        let hidden = answer.status == 403 || (answer.status == 200 && answer.json()["total"] == 0);
        assert!(
            hidden,
            "A's person's scores as {}: {} {}",
            who.role, answer.status, answer.body
        );
    }
    let rename = json!({ "name": "A Trust, renamed by its own curator" });
    let path = format!("/api/v1/organizations/{VCSE_A}");
    let renamed = platform.json(CURATOR_A, "PUT", &path, &rename).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    println!("T12: {attempts} cross-organisation attempts, all refused");
}

/// Organisation A's directory entries and a referral it made, through the JSON API.
async fn set_up_organisation_a(platform: &Platform) -> Objects {
    for (id, name) in [(VCSE_A, "A Trust"), (VCSE_B, "B Trust")] {
        let body = json!({ "organization_id": id, "name": name });
        let made = platform
            .json(ADMIN, "POST", "/api/v1/organizations", &body)
            .await;
        assert_eq!(made.status, 201, "{}", made.body);
    }
    let location = Uuid::new_v4().to_string();
    let body =
        json!({ "location_id": location, "name": "A hall", "latitude": 52.6, "longitude": -1.1 });
    let made = platform
        .json(CURATOR_A, "POST", "/api/v1/locations", &body)
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let service = Uuid::new_v4().to_string();
    let body = json!({
        "service_id": service,
        "organisation_id": VCSE_A,
        "details": { "name": "A lunch club", "takes_referrals": true },
    });
    let made = platform
        .json(CURATOR_A, "POST", "/api/v1/services", &body)
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let link = Uuid::new_v4().to_string();
    let body = json!({ "service_at_location_id": link, "location_id": location });
    let path = format!("/api/v1/services/{service}/locations");
    let made = platform.json(CURATOR_A, "POST", &path, &body).await;
    assert!(made.status < 300, "{}", made.body);
    let capacity = json!({ "capacity": { "available": 3, "unit": "places" } });
    let path = format!("/api/v1/services/{service}/capacity");
    let set = platform.json(PROVIDER_A, "PUT", &path, &capacity).await;
    assert_eq!(set.status, 200, "{}", set.body);
    let times = json!({ "service_id": service, "starts_at": in_days(1), "ends_at": in_days(2) });
    let session = platform
        .json(PROVIDER_A, "POST", "/api/v1/sessions", &times)
        .await;
    assert_eq!(session.status, 201, "{}", session.body);
    let referral = platform
        .json(GP_A, "POST", "/api/v1/referrals", &referral_to("PCN-A"))
        .await;
    assert_eq!(referral.status, 201, "{}", referral.body);
    let referral = referral.json();
    let (contract_id, claim_id) = contract_and_claim(platform).await;
    BTreeMap::from([
        ("organization_id", VCSE_A.to_owned()),
        ("location_id", location),
        ("service_id", service),
        ("service_at_location_id", link),
        ("referral_id", text(&referral["referral_id"])),
        ("offer_id", text(&referral["offer_id"])),
        ("session_id", text(&session.json()["session_id"])),
        ("contract_id", contract_id),
        ("claim_id", claim_id),
    ])
}

/// A's commissioner's block contract with A's provider, from the first of the month before
/// last, and its claim for last month once the billing service has accrued it.
async fn contract_and_claim(platform: &Platform) -> (String, String) {
    let tariff = json!({ "trigger": "block", "amount": "1,000.00" });
    let from = (chrono::Utc::now().date_naive() - chrono::Months::new(2)).format("%Y-%m-01");
    let body = json!({ "provider": VCSE_A, "funding": "icb", "effective_from": from.to_string(),
        "tariffs": [tariff] });
    let agreed = platform
        .json(COMMISSIONER_A, "POST", "/api/v1/contracts", &body)
        .await;
    assert_eq!(agreed.status, 201, "{}", agreed.body);
    let contract_id = text(&agreed.json()["contract_id"]);
    let path = format!("/api/v1/contracts/{contract_id}/claims");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let drafted = loop {
        let month = json!({ "month": last_month() });
        let answer = platform.json(PROVIDER_A, "POST", &path, &month).await;
        if answer.status != 503 || tokio::time::Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(drafted.status, 201, "{}", drafted.body);
    (contract_id, text(&drafted.json()["claim_id"]))
}

fn last_month() -> String {
    (chrono::Utc::now().date_naive() - chrono::Months::new(1))
        .format("%Y-%m")
        .to_string()
}

fn day_in(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

fn text(value: &Value) -> String {
    value.as_str().expect("an id").to_owned()
}

/// A referral from A's practice (synthetic test NHS number).
pub(crate) fn referral_to(organisation: &str) -> Value {
    json!({
        "referrer_practitioner": "dr-a",
        "receiving_organisation": organisation,
        "reason_codes": ["871731000000106"],
        "accept_by": in_days(3),
        "consent_share_with_providers": true,
        "consent_share_outcome_with_referrer": true,
        "nhs_number": "999 000 0018",
    })
}

/// A SWEMWBS response, every item answered 3, as the JSON API takes it.
fn swemwbs() -> Value {
    let answers: Vec<Value> = (1..=7)
        .map(|item| json!({ "link_id": item.to_string(), "integer": 3 }))
        .collect();
    json!({
        "instrument": "swemwbs",
        "authored": in_days(-1),
        "answers": answers,
    })
}

/// The same response as a FHIR QuestionnaireResponse for `referral_id`.
fn questionnaire_response(referral_id: &str) -> Value {
    let items: Vec<Value> = (1..=7)
        .map(|item| json!({ "linkId": item.to_string(), "answer": [{ "valueInteger": 3 }] }))
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://linkwork.nhs.uk/fhir/Questionnaire/swemwbs",
        "basedOn": [{ "reference": format!("ServiceRequest/{referral_id}") }],
        "authored": in_days(-1),
        "item": items,
    })
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Fresh ids in place of every object's.
fn never_used(objects: &Objects) -> Objects {
    objects
        .keys()
        .map(|name| (*name, Uuid::new_v4().to_string()))
        .collect()
}

/// The route's path, its variables holding `objects`' ids.
fn path_to(binding: &Binding, objects: &Objects) -> String {
    let mut path = binding.path.clone();
    for variable in &binding.variables {
        let id = objects
            .get(variable.as_str())
            .unwrap_or_else(|| panic!("the matrix has no object for {variable}"));
        path = path.replace(&format!("{{{variable}}}"), id);
    }
    path
}

/// A body each route would take from its object's owner: valid in every field, so that a
/// refusal can only be the object's.
fn body_for(rpc: &str, objects: &Objects) -> Option<Value> {
    let details = json!({ "name": "PWNED" });
    Some(match rpc {
        "UpdateOrganization" | "UpdateLocation" => json!({ "name": "PWNED" }),
        "UpdateService" => json!({ "details": details }),
        "AddServiceLocation" => json!({ "location_id": objects["location_id"] }),
        "SetCapacity" => json!({ "capacity": { "available": 0, "unit": "places" } }),
        "SuspendService" | "WithdrawService" => json!({ "reason": "PWNED" }),
        "VerifyService" => json!({ "assurer": "pwned@example.org" }),
        "ChangeStatus" => json!({ "status": "cancelled", "reason": "PWNED" }),
        "CompleteReferral" => json!({ "outcome_summary": "PWNED" }),
        "AssignPractitioner" => json!({ "practitioner": "mallory" }),
        "OfferResponsibility" => {
            json!({ "to": { "organisation": "PCN-B" }, "expires_at": in_days(2) })
        }
        "DeclineOffer" => json!({ "reason": "PWNED" }),
        "ReferOnward" => json!({ "service_id": objects["service_id"], "accept_by": in_days(2) }),
        "RecordContactAttempt" => json!({ "outcome": "reached" }),
        "RecordAssessment" => json!({ "needs": ["loneliness"], "goals": ["PWNED"] }),
        "RecordDeclined" => json!({ "reason": "PWNED" }),
        "RecordResponse" => swemwbs(),
        "RecordAttendance" => {
            json!({ "referral_id": objects["referral_id"], "status": "attended" })
        }
        "IssueCheckIn" => json!({}),
        "AmendContract" => json!({ "effective_from": day_in(1),
            "tariffs": [{ "trigger": "block", "amount": "1.00" }] }),
        "EndContract" => json!({ "last_day": day_in(1), "reason": "PWNED" }),
        "DraftClaim" => json!({ "month": last_month() }),
        "SubmitClaim" => json!({}),
        "DecideClaim" => json!({ "decision": "approve" }),
        "RecordPayment" => json!({ "remittance": "PWNED", "paid_on": day_in(0) }),
        "ReinstateService"
        | "RemoveServiceLocation"
        | "AcceptOffer"
        | "WithdrawConsent"
        | "GetHandoffTrail"
        | "GetAccountableAt"
        | "ListOutcomes"
        | "GetSession"
        | "ListLapses"
        | "GetTimeline"
        | "GetContract"
        | "ListClaims"
        | "GetClaim" => return None,
        other => panic!("the matrix has no request for {other}: add one"),
    })
}

async fn call(
    platform: &Platform,
    who: Who,
    binding: &Binding,
    path: &str,
    body: &Option<Value>,
) -> Answer {
    let token = platform.token(who);
    let bytes = body
        .as_ref()
        .map(|body| body.to_string().into_bytes())
        .unwrap_or_default();
    platform
        .send(Outgoing {
            method: binding.method.as_str(),
            path,
            token: Some(&token),
            content_type: body.as_ref().map(|_| "application/json"),
            body: bytes,
            ..Outgoing::default()
        })
        .await
}
