//! T17, the audit of reads, through the running platform: every read of a person's record —
//! JSON API, FHIR, allowed or refused — is one row in the audit, in order, and the auditor's
//! question is itself recorded; the database refuses to change or remove a row.

use serde_json::json;
use testkit::BackendKind;

use crate::platform::{Platform, Who};

testkit::on_both_backends!(every_read_is_audited_and_the_audit_cannot_be_changed);

const GP: Who = Who::new("dr-a", "LWP-A", "referrer");
const LINK_WORKER: Who = Who::new("lw-a", "PCN-A", "link-worker");
const STRANGER: Who = Who::new("lw-b", "PCN-B", "link-worker");
const AUDITOR: Who = Who::new("ig-lead", "ICB", "auditor");

async fn every_read_is_audited_and_the_audit_cannot_be_changed(kind: BackendKind) {
    let platform = Platform::up(kind).await;
    let made = platform
        .json(
            GP,
            "POST",
            "/api/v1/referrals",
            &crate::bola::referral_to("PCN-A"),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let referral = made.json()["referral_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    // A mix of readers, routes and outcomes, in an order the audit must keep.
    let reads = [
        (
            LINK_WORKER,
            format!("/api/v1/referrals/{referral}/handoffs"),
            "allowed",
        ),
        (
            STRANGER,
            format!("/api/v1/referrals/{referral}/accountable"),
            "denied",
        ),
        (GP, format!("/fhir/Task/{referral}"), "allowed"),
        (STRANGER, format!("/fhir/Task/{referral}"), "denied"),
        (
            GP,
            format!("/api/v1/referrals/{referral}/accountable"),
            "allowed",
        ),
        (
            LINK_WORKER,
            format!("/fhir/Task?focus=ServiceRequest/{referral}"),
            "allowed",
        ),
        (
            STRANGER,
            format!("/api/v1/referrals/{referral}/handoffs"),
            "denied",
        ),
    ];
    for (who, path, _) in &reads {
        platform.get(*who, path).await;
    }
    let question = json!({ "nhs_number": "9990000018" });
    let answer = platform
        .json(AUDITOR, "POST", "/api/v1/record-accesses/search", &question)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let accesses = answer.json()["accesses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let seen: Vec<(String, String)> = accesses
        .iter()
        .map(|access| {
            (
                access["user"].as_str().unwrap_or_default().to_owned(),
                access["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut expected: Vec<(String, String)> = vec![("ig-lead".to_owned(), "allowed".to_owned())];
    expected.extend(
        reads
            .iter()
            .rev()
            .map(|(who, _, outcome)| (who.user.to_owned(), (*outcome).to_owned())),
    );
    assert_eq!(seen, expected, "one row per read, newest first");

    let store = platform.store("referral").await;
    for statement in [
        "UPDATE access_audit SET user_id = 'nobody'",
        "DELETE FROM access_audit",
    ] {
        let refused = eventstore::on_pool!(store, |pool| sqlx::query(statement)
            .execute(pool)
            .await
            .map(drop));
        assert!(refused.is_err(), "{statement} must be refused");
    }
}
