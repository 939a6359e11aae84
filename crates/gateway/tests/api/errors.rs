//! Refusals through the JSON API: each with the status the document lists and a message that
//! names what is wrong — the JSON's own faults found by the gateway, the rest by the services.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{ANY_BACKEND, CURATOR, GP, LINK_WORKER, NOBODY, Outgoing, Platform, Who};
use crate::referral::new_referral;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_have_the_right_status_and_name_the_problem() {
    let platform = Platform::start(ANY_BACKEND).await;
    let unknown = Uuid::new_v4();

    // No token: the services refuse, whatever the route.
    let anonymous = platform
        .get(NOBODY, "/api/v1/services?text=lunch")
        .await
        .refused(401);
    assert!(anonymous.contains("bearer token"), "{anonymous}");
    platform
        .post(NOBODY, "/api/v1/referrals", new_referral())
        .await
        .refused(401);

    // The JSON's own faults, named by path.
    let wrong_type = json!({ "organisation_id": unknown, "details": { "name": "Lunch", "minimum_age": "sixty" } });
    let refused = send_bad(
        &platform,
        "POST",
        "/api/v1/services",
        wrong_type.to_string(),
    )
    .await;
    assert_eq!(
        refused,
        "details.minimum_age must be a whole number from 0 to 4294967295"
    );
    let misspelt = json!({ "name": "Friends", "websit": "https://example.org" });
    let refused = send_bad(
        &platform,
        "POST",
        "/api/v1/organizations",
        misspelt.to_string(),
    )
    .await;
    assert!(
        refused.starts_with("websit is not a field here; the fields are organization_id, name"),
        "{refused}"
    );
    let refused = send_bad(
        &platform,
        "POST",
        "/api/v1/organizations",
        "{\"name\": ".to_owned(),
    )
    .await;
    assert!(refused.starts_with("body is not valid JSON"), "{refused}");
    let not_json = platform
        .send(Outgoing {
            who: CURATOR,
            method: "POST",
            path: "/api/v1/organizations",
            content_type: Some("text/plain"),
            body: b"name=Friends".to_vec(),
            well_formed: false,
            headers: Vec::new(),
        })
        .await;
    assert_eq!(not_json.status, 415);
    let huge = json!({ "name": "Friends", "description": "x".repeat(300 * 1024) });
    let too_large = platform
        .send(Outgoing {
            who: CURATOR,
            method: "POST",
            path: "/api/v1/organizations",
            content_type: Some("application/json"),
            body: huge.to_string().into_bytes(),
            well_formed: false,
            headers: Vec::new(),
        })
        .await;
    assert_eq!(too_large.status, 413, "{:#}", too_large.json);

    // What the document's schemas forbid, named as they name it.
    let bad_id = json!({ "organisation_id": "not-a-uuid", "details": { "name": "Lunch" } });
    let refused = send_bad(&platform, "POST", "/api/v1/services", bad_id.to_string()).await;
    assert_eq!(refused, "organisation_id must be a UUID");
    let no_details = json!({ "organisation_id": unknown });
    let refused = send_bad(
        &platform,
        "POST",
        "/api/v1/services",
        no_details.to_string(),
    )
    .await;
    assert_eq!(refused, "details is required");
    let refused = send_bad(
        &platform,
        "POST",
        "/api/v1/organizations",
        json!({ "name": "\u{3000}" }).to_string(),
    )
    .await;
    assert_eq!(refused, "name is required");
    let refused = send_bad(
        &platform,
        "PUT",
        &format!("/api/v1/services/{unknown}/capacity"),
        json!({ "capacity": { "available": 2.5, "unit": "places" } }).to_string(),
    )
    .await;
    assert_eq!(
        refused,
        "capacity.available must be a whole number from 0 to 4294967295"
    );
    let correlated = |id: &'static str| Outgoing {
        who: LINK_WORKER,
        method: "GET",
        path: "/api/v1/services",
        content_type: None,
        body: Vec::new(),
        well_formed: false,
        headers: vec![("x-correlation-id", id)],
    };
    let refused = platform.send(correlated("job-42")).await.refused(400);
    assert_eq!(refused, "x-correlation-id must be a UUID");
    platform
        .send(correlated("9f0c3c1e-8f9d-4a43-9d0e-0f3c1e8f9d4a"))
        .await
        .expect(200);
    // A token no issuer would sign is not passed on: the service says to sign in, rather
    // than the transport failing on an oversized header.
    let oversized = Who {
        user: "u".repeat(7_000).leak(),
        ..LINK_WORKER
    };
    let refused = platform
        .get(oversized, "/api/v1/services")
        .await
        .refused(401);
    assert!(refused.contains("bearer token"), "{refused}");

    // The services' refusals of well-formed requests, their messages kept.
    let mut bad_number = new_referral();
    bad_number["nhs_number"] = json!("401 023 2138");
    let refused = platform
        .post(GP, "/api/v1/referrals", bad_number)
        .await
        .refused(422);
    assert_eq!(refused, "nhs_number fails the modulus 11 check");
    let refused = platform
        .get(LINK_WORKER, "/api/v1/services/not-a-uuid")
        .await
        .refused(400);
    assert_eq!(refused, "service_id must be a UUID");
    let refused = platform
        .get(LINK_WORKER, "/api/v1/services?postcode=LW9%209ZZ")
        .await
        .refused(422);
    assert!(
        refused.starts_with("postcode: not a known postcode"),
        "{refused}"
    );
    let long = "a".repeat(501);
    let refused = platform
        .get(LINK_WORKER, &format!("/api/v1/services?text={long}"))
        .await
        .refused(400);
    assert_eq!(refused, "text must be at most 500 characters");
    let refused = platform
        .get(LINK_WORKER, "/api/v1/services?latitude=north")
        .await
        .refused(400);
    assert_eq!(refused, "latitude must be a number");
    let refused = platform
        .get(LINK_WORKER, "/api/v1/services?near=LW1")
        .await
        .refused(400);
    assert!(
        refused.starts_with("near is not a query parameter"),
        "{refused}"
    );
    let refused = platform
        .get(
            LINK_WORKER,
            &format!("/api/v1/referrals/{unknown}/accountable?at=yesterday"),
        )
        .await
        .refused(400);
    assert!(
        refused.starts_with("at must be an RFC 3339 date-time"),
        "{refused}"
    );

    // Unknown ids.
    let refused = platform
        .get(LINK_WORKER, &format!("/api/v1/services/{unknown}"))
        .await
        .refused(404);
    assert_eq!(refused, "no such service");
    platform
        .get(LINK_WORKER, &format!("/api/v1/services/{unknown}/history"))
        .await
        .refused(404);
    platform
        .post(
            LINK_WORKER,
            &format!("/api/v1/referrals/{unknown}/status"),
            json!({ "status": "accepted" }),
        )
        .await
        .refused(404);

    // Twice the same id.
    let organisation = json!({ "organization_id": unknown, "name": "Friends of St Mark's" });
    platform
        .post(CURATOR, "/api/v1/organizations", organisation.clone())
        .await
        .expect(201);
    platform
        .post(CURATOR, "/api/v1/organizations", organisation)
        .await
        .refused(409);
    // A referral's id again: the same request is a retry, answered as the first was; another
    // request with it is a conflict.
    let mut referral = new_referral();
    referral["referral_id"] = json!(unknown);
    let first = platform
        .post(GP, "/api/v1/referrals", referral.clone())
        .await
        .expect(201);
    let again = platform
        .post(GP, "/api/v1/referrals", referral.clone())
        .await
        .expect(201);
    assert_eq!(first, again);
    referral["urgency"] = json!("urgent");
    platform
        .post(GP, "/api/v1/referrals", referral)
        .await
        .refused(409);

    // Not API operations at all.
    let refused = platform.get(CURATOR, "/api/v1/nothing").await.refused(404);
    assert_eq!(refused, "no such endpoint: /api/v1/nothing");
    let refused = platform
        .send(Outgoing {
            who: CURATOR,
            method: "DELETE",
            path: "/api/v1/services",
            content_type: None,
            body: Vec::new(),
            well_formed: false,
            headers: Vec::new(),
        })
        .await
        .refused(405);
    assert_eq!(refused, "this endpoint does not answer DELETE");
}

/// Sends a body the document would not allow, as the curator; the 400's message.
async fn send_bad(platform: &Platform, method: &str, path: &str, body: String) -> String {
    platform
        .send(Outgoing {
            who: CURATOR,
            method,
            path,
            content_type: Some("application/json"),
            body: body.into_bytes(),
            well_formed: false,
            headers: Vec::new(),
        })
        .await
        .refused(400)
}
