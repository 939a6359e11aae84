//! Refusals through the JSON API: each with the status the document lists and a message that
//! names what is wrong — the JSON's own faults found by the gateway, the rest by the services.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{ANY_BACKEND, CURATOR, GP, LINK_WORKER, NOBODY, Outgoing, Platform};
use crate::referral::new_referral;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_have_the_right_status_and_name_the_problem() {
    let platform = Platform::start(ANY_BACKEND).await;
    let unknown = Uuid::new_v4();

    // No identity: the services refuse, whatever the route.
    let anonymous = platform
        .get(NOBODY, "/api/v1/services?q=lunch")
        .await
        .refused(401);
    assert!(
        anonymous.starts_with("x-linkwork-user is missing"),
        "{anonymous}"
    );
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
    assert!(
        refused.starts_with("details.minimum_age: invalid type: string \"sixty\", expected u32"),
        "{refused}"
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
        refused.starts_with("websit: unknown field `websit`"),
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
        })
        .await;
    assert_eq!(too_large.status, 413, "{:#}", too_large.json);

    // The services' refusals, their messages kept.
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
    let mut bad_number = new_referral();
    bad_number["nhs_number"] = json!("401 023 2138");
    let refused = platform
        .post(GP, "/api/v1/referrals", bad_number)
        .await
        .refused(400);
    assert_eq!(refused, "nhs_number fails the modulus 11 check");
    let refused = platform
        .get(LINK_WORKER, "/api/v1/services/not-a-uuid")
        .await
        .refused(400);
    assert_eq!(refused, "service_id must be a UUID");
    let refused = platform
        .get(LINK_WORKER, "/api/v1/services?postcode=LW9%209ZZ")
        .await
        .refused(400);
    assert!(
        refused.starts_with("postcode: LW9 9ZZ is not a known postcode"),
        "{refused}"
    );
    let long = "a".repeat(501);
    let refused = platform
        .get(LINK_WORKER, &format!("/api/v1/services?q={long}"))
        .await
        .refused(400);
    assert!(refused.starts_with("q must be at most 500"), "{refused}");
    let refused = platform
        .get(LINK_WORKER, "/api/v1/services?latitude=north")
        .await
        .refused(400);
    assert_eq!(refused, "latitude must be a number of degrees");
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
    let mut referral = new_referral();
    referral["referral_id"] = json!(unknown);
    platform
        .post(GP, "/api/v1/referrals", referral.clone())
        .await
        .expect(201);
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
        })
        .await
        .refused(400)
}
