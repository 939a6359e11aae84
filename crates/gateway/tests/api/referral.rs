//! A GP makes a referral through the JSON API, the link workers accept its offer, and the
//! responsibility ledger answers who holds it; the link worker's commands follow through to
//! completion, and a second organisation is offered responsibility and declines.

use serde_json::{Value, json};
use testkit::BackendKind;

use crate::helpers::{
    GP, LINK_WORKER, LINK_WORKERS, OTHER_LINK_WORKER, OTHER_PCN, Outgoing, Platform, eventually,
    in_seconds,
};

testkit::on_both_backends!(
    a_referral_made_over_json_is_accepted_and_the_ledger_says_who_holds_it,
    who_the_person_is_is_taken_over_json_and_refused_naming_the_field,
);

/// A referral from the GP practice to the link workers, for a person with a test NHS number.
pub(crate) fn new_referral() -> Value {
    json!({
        "referrer_practitioner": "dr-patel",
        "receiving_organisation": LINK_WORKERS,
        "reason_codes": ["871731000000106"],
        "urgency": "routine",
        "accept_by": in_seconds(3 * 24 * 3600),
        "consent_share_with_providers": true,
        "consent_share_outcome_with_referrer": true,
        "nhs_number": "999 000 0018"
    })
}

async fn a_referral_made_over_json_is_accepted_and_the_ledger_says_who_holds_it(kind: BackendKind) {
    let platform = Platform::start(kind).await;
    let made = platform
        .post(GP, "/api/v1/referrals", new_referral())
        .await
        .expect(201);
    let referral = made["referral_id"]
        .as_str()
        .expect("an id chosen")
        .to_owned();
    let offer = made["offer_id"].as_str().expect("the first offer");
    let path = |rest: &str| format!("/api/v1/referrals/{referral}{rest}");

    let accepted = platform
        .post_empty(LINK_WORKER, &path(&format!("/offers/{offer}/accept")))
        .await
        .expect(200);
    assert_eq!(
        accepted["event_types"],
        json!(["referral_status_changed", "responsibility_handed_off"])
    );

    let at = in_seconds(2);
    let accountable = eventually(
        || async {
            let path = path(&format!("/accountable?at={at}"));
            platform.get(LINK_WORKER, &path).await.expect(200)
        },
        |answer| answer["period"]["holder"]["organisation"] == LINK_WORKERS,
    )
    .await;
    assert_eq!(accountable["period"]["via"], "offer-accepted");
    let before = platform
        .get(GP, &path("/accountable?at=2020-01-01T00:00:00Z"))
        .await
        .expect(200);
    assert_eq!(
        before["period"],
        Value::Null,
        "the referral did not exist then"
    );
    let trail = platform.get(GP, &path("/handoffs")).await.expect(200);
    let via: Vec<&str> = trail["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|period| period["via"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(via, ["referral", "offer-accepted"]);
    assert_eq!(
        trail["periods"][0]["holder"]["organisation"],
        GP.organisation
    );
    assert!(trail["periods"][1]["until"].is_null(), "still held");

    // Without `organisation`, the caller's own holdings.
    let holdings = eventually(
        || async {
            platform
                .get(LINK_WORKER, "/api/v1/holdings")
                .await
                .expect(200)
        },
        |answer| answer["holdings"].as_array().is_some_and(|h| !h.is_empty()),
    )
    .await;
    assert_eq!(holdings["holdings"][0]["referral_id"], referral.as_str());
    assert_eq!(holdings["holdings"][0]["status"], "accepted");
    // Another organisation may not list them: they name people in the link workers' care.
    let refused = platform
        .get(GP, &format!("/api/v1/holdings?organisation={LINK_WORKERS}"))
        .await
        .expect(403);
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|message| message.starts_with("organisation")),
        "{refused}"
    );

    let worked = [
        ("/assign", json!({ "practitioner": "lw-ana" })),
        ("/contact-attempts", json!({ "outcome": "reached" })),
        (
            "/assessment",
            json!({ "needs": ["loneliness"], "goals": ["Get out once a week"] }),
        ),
        ("/status", json!({ "status": "in-progress" })),
    ];
    for (rest, body) in worked {
        let caused = platform
            .post(LINK_WORKER, &path(rest), body)
            .await
            .expect(200);
        assert!(
            !caused["event_types"].as_array().expect("types").is_empty(),
            "{rest}"
        );
    }

    let offered = platform
        .post(
            LINK_WORKER,
            &path("/offers"),
            json!({ "to": { "organisation": OTHER_PCN }, "expires_at": in_seconds(24 * 3600) }),
        )
        .await
        .expect(201);
    let offer = offered["offer_id"].as_str().expect("an offer");
    let declined = platform
        .post(
            OTHER_LINK_WORKER,
            &path(&format!("/offers/{offer}/decline")),
            json!({ "reason": "no capacity this month" }),
        )
        .await
        .expect(200);
    assert_eq!(
        declined["event_types"],
        json!(["responsibility_offer_declined"])
    );

    platform
        .post(
            LINK_WORKER,
            &path("/complete"),
            json!({ "outcome_summary": "Joined the Tuesday lunch club" }),
        )
        .await
        .expect(200);
    let closed = platform
        .post_empty(LINK_WORKER, &path("/consent/withdraw"))
        .await
        .refused(409);
    assert!(!closed.is_empty());

    // A referral the person declines.
    let second = platform
        .post(GP, "/api/v1/referrals", new_referral())
        .await
        .expect(201);
    let second = second["referral_id"].as_str().expect("id").to_owned();
    let declined = platform
        .post(
            LINK_WORKER,
            &format!("/api/v1/referrals/{second}/decline"),
            json!({ "reason": "" }),
        )
        .await
        .expect(200);
    assert!(
        declined["event_types"]
            .as_array()
            .expect("types")
            .contains(&json!("referral_status_changed"))
    );
}

/// The person's date of birth, sex, ethnic category and postcode, as the JSON API takes them;
/// a value outside what the proto declares is refused naming its field.
async fn who_the_person_is_is_taken_over_json_and_refused_naming_the_field(kind: BackendKind) {
    let platform = Platform::start(kind).await;
    let mut referral = new_referral();
    referral["birth_date"] = json!("1961-03-14");
    referral["sex"] = json!("female");
    referral["ethnic_category"] = json!("99");
    referral["postcode"] = json!("lw1 1da");
    platform
        .post(GP, "/api/v1/referrals", referral.clone())
        .await
        .expect(201);
    // Not what the document allows, 400; allowed, but not a date of birth the service can
    // take, 422.
    for (field, value, status, refusal) in [
        (
            "birth_date",
            "14/03/1961",
            400,
            "birth_date must be a date as YYYY-MM-DD",
        ),
        (
            "birth_date",
            "2999-01-01",
            422,
            "birth_date must not be in the future",
        ),
        ("sex", "F", 400, "sex must be one of"),
        (
            "ethnic_category",
            "T",
            400,
            "ethnic_category must be one of",
        ),
        (
            "postcode",
            "SW1A 1CA",
            400,
            "postcode must be a UK postcode such as SW1A 1AA",
        ),
    ] {
        let mut bad = referral.clone();
        bad[field] = json!(value);
        let refused = platform
            .send(Outgoing {
                who: GP,
                method: "POST",
                path: "/api/v1/referrals",
                content_type: Some("application/json"),
                body: bad.to_string().into_bytes(),
                well_formed: false,
                headers: Vec::new(),
            })
            .await
            .refused(status);
        assert!(refused.starts_with(refusal), "{field} {value}: {refused}");
    }
}
