//! The gRPC API as `linkwork serve outcomes` serves it: responses recorded, scored and paired
//! into the episode; every malformed request refused naming the field; another value set put
//! in force deriving every utility again while "as of" still shows what was known before;
//! and a deployer's own instrument, in the bundled ones' format.

use std::time::Duration;

use chrono::Utc;
use prost_types::Timestamp;
use proto::outcomes::v1 as pb;
use proto::outcomes::v1::outcomes_service_client::OutcomesServiceClient;
use servicekit::Settings;
use testkit::{BackendKind, Spawn, Spawned};
use tonic::transport::Channel;
use tonic::{Code, Request};
use uuid::Uuid;

use crate::helpers::{ELSEWHERE, GP_PRACTICE, LINK_WORKERS, ReferralRow, caller, remember};

testkit::on_both_backends!(
    a_follow_up_is_paired_with_its_baseline,
    every_malformed_request_is_refused_naming_the_field,
    another_value_set_derives_every_utility_again,
    a_deployer_adds_an_instrument_in_the_same_format,
);

struct Running {
    client: OutcomesServiceClient<Channel>,
    spawned: Spawned,
}

async fn spawn(kind: BackendKind) -> Running {
    let spawned = Spawn::new(&outcomes::SERVICE, Settings::default(), kind)
        .start()
        .await;
    Running {
        client: OutcomesServiceClient::new(spawned.channel.clone()),
        spawned,
    }
}

impl Running {
    async fn referral(&self, row: &ReferralRow) {
        remember(&self.spawned.store(outcomes::SERVICE.name).await, row).await;
    }

    /// The referral's outcomes now, as its link workers see them.
    async fn outcomes(&mut self, referral: &ReferralRow) -> Vec<pb::Outcome> {
        listed(&mut self.client, referral.referral_id).await
    }
}

/// `referral_id`'s outcomes now, as its link workers see them.
async fn listed(
    client: &mut OutcomesServiceClient<Channel>,
    referral_id: Uuid,
) -> Vec<pb::Outcome> {
    let list = pb::ListOutcomesRequest {
        referral_id: referral_id.to_string(),
        as_of: None,
    };
    let listed = client.list_outcomes(link_worker(list)).await;
    listed.expect("listed").into_inner().outcomes
}

fn as_role<T>(organisation: &str, role: &str, body: T) -> Request<T> {
    testkit::signed_in(&caller(organisation, role), Request::new(body))
}

fn link_worker<T>(body: T) -> Request<T> {
    as_role(LINK_WORKERS, "link-worker", body)
}

fn days_ago(days: i64) -> Timestamp {
    let at = Utc::now() - chrono::Duration::days(days);
    Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

fn integer(link_id: &str, value: i32) -> pb::Answer {
    pb::Answer {
        link_id: link_id.to_owned(),
        integer: Some(value),
        code: String::new(),
    }
}

fn swemwbs(referral: &ReferralRow, level: i32, authored: Timestamp) -> pb::RecordResponseRequest {
    pb::RecordResponseRequest {
        referral_id: referral.referral_id.to_string(),
        instrument: "swemwbs".to_owned(),
        authored: Some(authored),
        answers: (1..=7)
            .map(|item| integer(&item.to_string(), level))
            .collect(),
        ..Default::default()
    }
}

/// EQ-5D-5L 24112 with a VAS of `vas`.
fn eq5d(referral: &ReferralRow, vas: i32, authored: Timestamp) -> pb::RecordResponseRequest {
    let levels = [
        ("mobility", 2),
        ("self-care", 4),
        ("usual-activities", 1),
        ("pain-discomfort", 1),
        ("anxiety-depression", 2),
        ("vas", vas),
    ];
    pb::RecordResponseRequest {
        referral_id: referral.referral_id.to_string(),
        instrument: "eq5d5l".to_owned(),
        authored: Some(authored),
        answers: levels
            .iter()
            .map(|(link_id, level)| integer(link_id, *level))
            .collect(),
        ..Default::default()
    }
}

async fn a_follow_up_is_paired_with_its_baseline(kind: BackendKind) {
    let mut running = spawn(kind).await;
    // Taken on 100 days ago: a measure 99 days ago is the baseline, one today a follow-up.
    let referral = ReferralRow::new(100);
    running.referral(&referral).await;
    let baseline = running
        .client
        .record_response(link_worker(swemwbs(&referral, 2, days_ago(99))))
        .await
        .expect("the baseline")
        .into_inner();
    let baseline = baseline.outcome.expect("an outcome");
    assert_eq!(baseline.timepoint, "baseline");
    let follow_up = running
        .client
        .record_response(link_worker(swemwbs(&referral, 3, days_ago(0))))
        .await
        .expect("the follow-up")
        .into_inner()
        .outcome
        .expect("an outcome");
    assert_eq!(follow_up.timepoint, "follow-up");
    assert_eq!(
        follow_up.follow_up, 1,
        "99 days in: nearest the first, at 12 weeks"
    );
    assert_eq!(follow_up.baseline_response_id, baseline.response_id);
    let metric = follow_up
        .changes
        .iter()
        .find(|change| change.code == "metric")
        .expect("the metric's change");
    // Raw 14 → 21 is 15.32 → 19.25 on the metric: 3.93, past the MID of 2.87.
    assert_eq!(metric.mid, "2.87");
    assert_eq!(metric.verdict, "improved");
    assert!(follow_up.mid_passed);

    // The referral's outcomes, newest first, to its parties; the referrer with consent.
    let list = pb::ListOutcomesRequest {
        referral_id: referral.referral_id.to_string(),
        as_of: None,
    };
    let outcomes = running
        .client
        .list_outcomes(as_role(GP_PRACTICE, "referrer", list.clone()))
        .await
        .expect("the referrer consented to see them");
    let outcomes = outcomes.into_inner().outcomes;
    let shown: Vec<&str> = outcomes.iter().map(|o| o.timepoint.as_str()).collect();
    assert_eq!(shown, ["follow-up", "baseline"]);
    let hidden = running
        .client
        .list_outcomes(as_role(ELSEWHERE, "link-worker", list))
        .await
        .expect_err("not a party");
    assert_eq!(hidden.code(), Code::NotFound);

    let private = ReferralRow {
        share_with_referrer: false,
        ..ReferralRow::new(10)
    };
    running.referral(&private).await;
    let refused = running
        .client
        .list_outcomes(as_role(
            GP_PRACTICE,
            "referrer",
            pb::ListOutcomesRequest {
                referral_id: private.referral_id.to_string(),
                as_of: None,
            },
        ))
        .await
        .expect_err("no consent");
    assert_eq!(refused.code(), Code::PermissionDenied);
}

async fn every_malformed_request_is_refused_naming_the_field(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral = ReferralRow::new(10);
    running.referral(&referral).await;
    let valid = || swemwbs(&referral, 3, days_ago(1));
    type Change = Box<dyn Fn(&mut pb::RecordResponseRequest)>;
    let cases: Vec<(Change, Code, &str)> = vec![
        (
            Box::new(|r| r.referral_id = "42".to_owned()),
            Code::InvalidArgument,
            "referral_id",
        ),
        (
            Box::new(|r| r.response_id = "x".to_owned()),
            Code::InvalidArgument,
            "response_id",
        ),
        (
            Box::new(|r| r.instrument = "mycaw".to_owned()),
            Code::InvalidArgument,
            "instrument",
        ),
        (
            Box::new(|r| r.instrument_version = "9.9".to_owned()),
            Code::InvalidArgument,
            "instrument",
        ),
        (
            Box::new(|r| r.authored = None),
            Code::InvalidArgument,
            "authored",
        ),
        (
            Box::new(|r| r.authored = Some(days_ago(-3))),
            Code::InvalidArgument,
            "authored",
        ),
        (
            Box::new(|r| r.answers.clear()),
            Code::InvalidArgument,
            "answers",
        ),
        (
            Box::new(|r| r.answers[0].integer = Some(6)),
            Code::InvalidArgument,
            "1: expected",
        ),
        (
            Box::new(|r| {
                r.answers.remove(3);
            }),
            Code::InvalidArgument,
            "4: required",
        ),
        (
            Box::new(|r| r.answers[0].code = "often".to_owned()),
            Code::InvalidArgument,
            "1: give either",
        ),
        (
            Box::new(|r| r.answers[1].integer = None),
            Code::InvalidArgument,
            "2: give either",
        ),
        (
            Box::new(|r| r.answers.push(integer("3", 1))),
            Code::InvalidArgument,
            "3: answered more",
        ),
        (
            Box::new(|r| r.answers.push(integer("8", 1))),
            Code::InvalidArgument,
            "8: the instrument",
        ),
        (
            Box::new(|r| r.referral_id = Uuid::new_v4().to_string()),
            Code::NotFound,
            "no such referral",
        ),
    ];
    for (change, code, named) in cases {
        let mut request = valid();
        change(&mut request);
        let status = running
            .client
            .record_response(link_worker(request))
            .await
            .expect_err("refused");
        assert_eq!(status.code(), code, "{status:?}");
        assert!(
            status.message().contains(named),
            "{named}: {}",
            status.message()
        );
    }
    // The same id for other answers; and a role that may not record.
    let mut first = valid();
    first.response_id = Uuid::new_v4().to_string();
    running
        .client
        .record_response(link_worker(first.clone()))
        .await
        .expect("recorded");
    let retried = running
        .client
        .record_response(link_worker(first.clone()))
        .await
        .expect("a retry answers as the first");
    assert_eq!(retried.into_inner().response_id, first.response_id);
    first.answers[0].integer = Some(1);
    let reused = running
        .client
        .record_response(link_worker(first))
        .await
        .expect_err("the id is used");
    assert_eq!(reused.code(), Code::AlreadyExists);
    let gp = running
        .client
        .record_response(as_role(GP_PRACTICE, "referrer", valid()))
        .await
        .expect_err("a referrer records no responses");
    assert_eq!(gp.code(), Code::PermissionDenied);
    // Nothing refused was recorded: the retry's response is the only one.
    assert_eq!(running.outcomes(&referral).await.len(), 1);
}

/// Waits until `referral_id`'s outcomes show a derivation under `value_set`.
async fn until_valued_with(
    client: &mut OutcomesServiceClient<Channel>,
    referral_id: Uuid,
    value_set: &str,
) -> Vec<pb::Outcome> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let outcomes = listed(client, referral_id).await;
        let valued = |outcome: &pb::Outcome| {
            outcome
                .utility
                .as_ref()
                .is_some_and(|utility| utility.value_set == value_set)
        };
        if !outcomes.is_empty() && outcomes.iter().all(valued) {
            return outcomes;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never derived again: {outcomes:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn another_value_set_derives_every_utility_again(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral = ReferralRow::new(100);
    running.referral(&referral).await;
    for (vas, authored) in [(60, days_ago(99)), (80, days_ago(0))] {
        running
            .client
            .record_response(link_worker(eq5d(&referral, vas, authored)))
            .await
            .expect("recorded");
    }
    let first = until_valued_with(&mut running.client, referral.referral_id, "dsu-2023").await;
    assert_eq!(
        first[1].utility.as_ref().map(|u| u.value.as_str()),
        Some("0.761")
    );
    let before = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;

    let denied = running
        .client
        .select_value_set(link_worker(pb::SelectValueSetRequest {
            value_set: "vanhout-2012".to_owned(),
            version: String::new(),
        }))
        .await
        .expect_err("only an outcomes admin chooses");
    assert_eq!(denied.code(), Code::PermissionDenied);
    let admin = |body| as_role("ICB-QWE", "outcomes-admin", body);
    let unknown = running
        .client
        .select_value_set(admin(pb::SelectValueSetRequest {
            value_set: "vanhout-2099".to_owned(),
            version: String::new(),
        }))
        .await
        .expect_err("no such value set");
    assert_eq!(unknown.code(), Code::InvalidArgument);
    let selected = running
        .client
        .select_value_set(admin(pb::SelectValueSetRequest {
            value_set: "vanhout-2012".to_owned(),
            version: String::new(),
        }))
        .await
        .expect("selected")
        .into_inner()
        .selected
        .expect("the value set");
    assert!(selected.in_force);

    let again = until_valued_with(&mut running.client, referral.referral_id, "vanhout-2012").await;
    assert!(again.iter().all(|outcome| outcome.derivation == 2));
    let follow_up = &again[0];
    assert_eq!(follow_up.timepoint, "follow-up", "the placement stands");
    assert_eq!(follow_up.baseline_response_id, again[1].response_id);
    // What was known before the selection: the first derivations, under the DSU mapping.
    let then = running
        .client
        .list_outcomes(link_worker(pb::ListOutcomesRequest {
            referral_id: referral.referral_id.to_string(),
            as_of: Some(Timestamp {
                seconds: before.timestamp(),
                nanos: i32::try_from(before.timestamp_subsec_nanos()).unwrap_or(0),
            }),
        }))
        .await
        .expect("listed as of")
        .into_inner()
        .outcomes;
    assert!(then.iter().all(|outcome| {
        outcome.derivation == 1
            && outcome
                .utility
                .as_ref()
                .is_some_and(|u| u.value_set == "dsu-2023")
    }));
    let value_sets = running
        .client
        .list_value_sets(link_worker(pb::ListValueSetsRequest {}))
        .await
        .expect("listed")
        .into_inner()
        .value_sets;
    let in_force: Vec<&str> = value_sets
        .iter()
        .filter(|value_set| value_set.in_force)
        .map(|value_set| value_set.id.as_str())
        .collect();
    assert_eq!(in_force, ["vanhout-2012"]);
    assert_eq!(value_sets.len(), 4);
}

/// A deployer's own instrument: made up for this test, standing in for a licensed one.
fn fixture(title: &str) -> String {
    fixture_at("1.0", title, serde_json::json!([]))
}

/// The fixture at `version`, its one score banded by `bands`.
fn fixture_at(version: &str, title: &str, bands: serde_json::Value) -> String {
    serde_json::json!({
        "id": "test-fixture-concerns",
        "version": version,
        "title": title,
        "url": "https://example.org/fhir/Questionnaire/test-fixture-concerns",
        "source": { "citation": "A test fixture, not a real instrument" },
        "licence": "Test fixture only",
        "interpretation": "Higher is worse.",
        "items": [
            { "linkId": "concern", "text": "How much does it bother you?", "required": true,
              "answer": { "type": "integer", "min": 0, "max": 6 } }
        ],
        "scoring": [
            { "kind": "item", "code": "concern", "title": "Concern", "item": "concern",
              "better": "lower", "bands": bands }
        ],
        "mids": [
            { "component": "concern", "value": "1", "default": true,
              "basis": "test fixture" }
        ]
    })
    .to_string()
}

async fn a_deployer_adds_an_instrument_in_the_same_format(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let admin = |body| as_role("ICB-QWE", "outcomes-admin", body);
    let published = running
        .client
        .publish_instrument(admin(pb::PublishInstrumentRequest {
            definition: fixture("Concerns (test fixture)"),
        }))
        .await;
    let published = match published {
        Ok(published) => published.into_inner(),
        Err(status) => panic!("the fixture was refused: {}", status.message()),
    };
    assert_eq!(published.id, "test-fixture-concerns");
    running
        .client
        .publish_instrument(admin(pb::PublishInstrumentRequest {
            definition: fixture("Concerns (test fixture)"),
        }))
        .await
        .expect("the same definition again is a retry");
    let changed = running
        .client
        .publish_instrument(admin(pb::PublishInstrumentRequest {
            definition: fixture("Concerns, renamed"),
        }))
        .await
        .expect_err("a version is never redefined");
    assert_eq!(changed.code(), Code::FailedPrecondition);
    let broken = running
        .client
        .publish_instrument(admin(pb::PublishInstrumentRequest {
            definition: "{\"id\": 1}".to_owned(),
        }))
        .await
        .expect_err("not a definition");
    assert_eq!(broken.code(), Code::InvalidArgument);
    assert!(
        broken.message().starts_with("definition"),
        "{}",
        broken.message()
    );
    let instruments = running
        .client
        .list_instruments(link_worker(pb::ListInstrumentsRequest {}))
        .await
        .expect("listed")
        .into_inner()
        .instruments;
    assert!(instruments.iter().any(|i| i.id == "test-fixture-concerns"));

    let referral = ReferralRow::new(10);
    running.referral(&referral).await;
    let scored = running
        .client
        .record_response(link_worker(pb::RecordResponseRequest {
            referral_id: referral.referral_id.to_string(),
            instrument: "test-fixture-concerns".to_owned(),
            authored: Some(days_ago(1)),
            answers: vec![integer("concern", 4)],
            ..Default::default()
        }))
        .await
        .expect("scored with the deployer's instrument")
        .into_inner()
        .outcome
        .expect("an outcome");
    assert_eq!(scored.scores[0].value, "4");

    // A new version of the instrument derives its responses again, as a second derivation.
    let banded = serde_json::json!([
        { "min": 0, "max": 2, "label": "mild" },
        { "min": 3, "max": 6, "label": "marked" },
    ]);
    running
        .client
        .publish_instrument(admin(pb::PublishInstrumentRequest {
            definition: fixture_at("1.1", "Concerns (test fixture), banded", banded),
        }))
        .await
        .expect("a new version");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let again = loop {
        let outcomes = running.outcomes(&referral).await;
        if outcomes
            .iter()
            .any(|outcome| outcome.instrument_version == "1.1")
        {
            break outcomes;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never derived again: {outcomes:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(again[0].derivation, 2);
    assert_eq!(again[0].scores[0].band, "marked");
}
