//! A person's outcomes end to end, with the referral and outcomes services each on a log of
//! its own and the bus between them — NATS JetStream with PostgreSQL, and the in-process bus
//! with SQLite: a GP refers with the person's consent to share outcomes; the link workers take
//! the referral on; the outcomes service learns of it (its party, its episode start, the
//! person's age band and sex, the consent) only from the referral's published events; a
//! baseline and a follow-up are scored, paired and judged against the MID, the EQ-5D utility
//! under the DSU mapping for the person's age band and sex; the GP sees them, and the message
//! back when the link worker closes the loop carries them; when a person withdraws consent,
//! the GP sees neither. On JetStream, the published
//! `outcome_recorded` carries the scores, the change and the pseudonym — never more.

use std::time::Duration;

use linkwork_tests::world::{BusHome, BusKind, own_bus};
use proto::outcomes::v1 as outcomes_pb;
use proto::outcomes::v1::outcomes_service_client::OutcomesServiceClient;
use proto::referral::v1 as referral_pb;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use referral::config::{MASTER_KEY, PSEUDONYM_KEY};
use serde_json::Value;
use servicekit::Settings;
use testkit::{BackendKind, Spawn};
use tonic::transport::Channel;
use tonic::{Code, Request};
use uuid::Uuid;

const GP_PRACTICE: &str = "Y01234";
const LINK_WORKERS: &str = "PCN-LW-01";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_jetstream_on_postgres() {
    outcomes_follow_the_referral(BusKind::JetStream, BackendKind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_in_process_bus_on_sqlite() {
    outcomes_follow_the_referral(BusKind::InProcess, BackendKind::Sqlite).await;
}

fn as_role<T>(user: &str, organisation: &str, role: &str, body: T) -> Request<T> {
    let caller = identity::Caller::new(user, organisation, role);
    testkit::signed_in(&caller, Request::new(body))
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

/// EQ-5D-5L 24112 with a VAS of `vas`, and dimension `mobility` as given.
fn eq5d(
    referral_id: Uuid,
    mobility: i32,
    vas: i32,
    authored: chrono::DateTime<chrono::Utc>,
) -> outcomes_pb::RecordResponseRequest {
    let levels = [
        ("mobility", mobility),
        ("self-care", 4),
        ("usual-activities", 1),
        ("pain-discomfort", 1),
        ("anxiety-depression", 2),
        ("vas", vas),
    ];
    outcomes_pb::RecordResponseRequest {
        referral_id: referral_id.to_string(),
        instrument: "eq5d5l".to_owned(),
        authored: Some(timestamp(authored)),
        answers: levels
            .iter()
            .map(|(link_id, level)| outcomes_pb::Answer {
                link_id: (*link_id).to_owned(),
                integer: Some(*level),
                code: String::new(),
            })
            .collect(),
        ..Default::default()
    }
}

/// Records `request` once the outcomes service has heard of the referral (NOT_FOUND until
/// the referral's events arrive over the bus).
async fn record_when_known(
    client: &mut OutcomesServiceClient<Channel>,
    request: outcomes_pb::RecordResponseRequest,
) -> outcomes_pb::Outcome {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let sent = as_role("lw-ana", LINK_WORKERS, "link-worker", request.clone());
        match client.record_response(sent).await {
            Ok(recorded) => return recorded.into_inner().outcome.expect("an outcome"),
            Err(status) if status.code() == Code::NotFound => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the referral never arrived"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => panic!("refused: {status:?}"),
        }
    }
}

/// The GP's view of the referral's outcomes until `done` says it is what was expected.
async fn gp_sees(
    client: &mut OutcomesServiceClient<Channel>,
    referral_id: Uuid,
    done: impl Fn(&Result<Vec<outcomes_pb::Outcome>, Code>) -> bool,
) -> Result<Vec<outcomes_pb::Outcome>, Code> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let list = outcomes_pb::ListOutcomesRequest {
            referral_id: referral_id.to_string(),
            as_of: None,
        };
        let seen = client
            .list_outcomes(as_role("dr-patel", GP_PRACTICE, "referrer", list))
            .await
            .map(|listed| listed.into_inner().outcomes)
            .map_err(|status| status.code());
        if done(&seen) {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the GP kept seeing {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A GP refers a woman of fifty, consenting to share outcomes with the GP, and the link
/// workers take her on; answers with the referral's id.
async fn refer_and_take_on(referrals: &mut ReferralServiceClient<Channel>) -> Uuid {
    let referral_id = Uuid::new_v4();
    let request = referral_pb::CreateReferralRequest {
        referral_id: referral_id.to_string(),
        referrer_practitioner: "dr-patel".to_owned(),
        receiving_organisation: LINK_WORKERS.to_owned(),
        reason_codes: vec!["871731000000106".to_owned()],
        accept_by: Some(timestamp(chrono::Utc::now() + chrono::Duration::days(3))),
        nhs_number: "401 023 2137".to_owned(),
        consent_share_with_providers: true,
        consent_share_outcome_with_referrer: true,
        // Fifty on the day of the referral, whenever the test runs: the 45-54 band.
        birth_date: (chrono::Utc::now().date_naive() - chrono::Duration::days(50 * 365 + 30))
            .to_string(),
        sex: "female".to_owned(),
        ethnic_category: "A".to_owned(),
        ..Default::default()
    };
    referrals
        .create_referral(as_role("dr-patel", GP_PRACTICE, "referrer", request))
        .await
        .expect("referred");
    move_to(referrals, referral_id, "accepted").await;
    referral_id
}

/// The link workers move `referral_id` to `status`.
async fn move_to(referrals: &mut ReferralServiceClient<Channel>, referral_id: Uuid, status: &str) {
    let change = referral_pb::ChangeStatusRequest {
        referral_id: referral_id.to_string(),
        status: status.to_owned(),
        reason: String::new(),
    };
    referrals
        .change_status(as_role("lw-ana", LINK_WORKERS, "link-worker", change))
        .await
        .expect("moved");
}

/// The referral service's message back for `referral_id`, from its log.
async fn message_back(store: &eventstore::EventStore, referral_id: Uuid) -> Value {
    let stream = format!("referral-{}", referral_id.simple());
    let history = store
        .load_stream(&stream)
        .await
        .expect("the referral's stream");
    let produced = history
        .iter()
        .find(|event| event.event_type == "message_back_produced")
        .expect("a message back");
    produced.decode().expect("JSON")
}

/// Waits until the referral service has heard of `count` paired measures for `referral_id`.
async fn until_measures_reach_the_referral(
    store: &eventstore::EventStore,
    referral_id: Uuid,
    count: usize,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let sql = "SELECT response_id FROM measured_outcomes WHERE referral_id = $1";
        let rows: Vec<(String,)> = eventstore::on_pool!(store, |pool| sqlx::query_as(sql)
            .bind(referral_id.to_string())
            .fetch_all(pool)
            .await)
        .expect("the referral's view of the measures");
        if rows.len() >= count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the measures never reached it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn outcomes_follow_the_referral(bus: BusKind, backend: BackendKind) {
    testkit::init_logging();
    let (wiring, home) = own_bus(bus).await;
    let prefix = wiring.prefix.clone();
    let referral_settings = Settings::default()
        .with_secret(PSEUDONYM_KEY.name, [7; 32])
        .with_secret(MASTER_KEY.name, [9; 32]);
    let referral = Spawn::new(&referral::SERVICE, referral_settings, backend)
        .wired(wiring.clone())
        .start()
        .await;
    // The episode starts today, so the baseline is the measure taken before it (up to 28 days)
    // and any measure after the start is a follow-up.
    let outcomes_settings = Settings::default().with("baseline_days_after", "0");
    let outcomes = Spawn::new(&outcomes::SERVICE, outcomes_settings, backend)
        .wired(wiring)
        .start()
        .await;

    let mut referrals = ReferralServiceClient::new(referral.channel.clone());
    let referral_id = refer_and_take_on(&mut referrals).await;
    let baseline_at = chrono::Utc::now() - chrono::Duration::days(1);

    let mut client = OutcomesServiceClient::new(outcomes.channel.clone());
    let baseline = record_when_known(&mut client, eq5d(referral_id, 2, 60, baseline_at)).await;
    assert_eq!(baseline.timepoint, "baseline");
    let utility = baseline.utility.as_ref().expect("a utility");
    // The DSU mapping's published check: 24112, a woman aged 45-54, is 0.761 — the age band
    // and sex came from the referral's published event.
    assert_eq!(
        (utility.value.as_str(), utility.value_set.as_str()),
        ("0.761", "dsu-2023")
    );

    // Wait for the episode's start to arrive before the follow-up: until then, a measure today
    // falls in the baseline window of the referral's own date.
    let follow_up = loop {
        let outcome =
            record_when_known(&mut client, eq5d(referral_id, 1, 85, chrono::Utc::now())).await;
        if outcome.timepoint == "follow-up" {
            break outcome;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(follow_up.baseline_response_id, baseline.response_id);
    let change = follow_up
        .changes
        .iter()
        .find(|change| change.code == "utility")
        .expect("the utility's change");
    assert!(
        !change.verdict.is_empty(),
        "judged against the MID: {change:?}"
    );

    let seen = gp_sees(&mut client, referral_id, |seen| {
        seen.as_ref().is_ok_and(|outcomes| {
            outcomes
                .iter()
                .any(|o| o.response_id == follow_up.response_id)
        })
    })
    .await;
    assert!(seen.is_ok());

    // On JetStream: what left the outcomes service for billing and the commissioner.
    if let BusHome::Nats(nats) = &home {
        let context = nats.jetstream();
        let subject = format!(
            "{prefix}.outcomes.outcomes.outcomes-{}.outcome_recorded",
            referral_id.simple()
        );
        let message =
            linkwork_tests::published::last_on(&context, &prefix, "outcomes", &subject).await;
        let raw = String::from_utf8_lossy(&message.payload).to_string();
        assert!(!raw.contains("4010232137"), "no NHS number on the bus");
        let envelope = messaging::decode_envelope(&message.payload).expect("an envelope");
        let published: Value = envelope.event.decode().expect("JSON");
        assert_eq!(published["subject"], baseline.subject.as_str());
        assert_eq!(
            envelope.event.metadata.data_subject.as_deref(),
            Some(baseline.subject.as_str())
        );
        assert_eq!(published["instrument"], "eq5d5l");
        assert_eq!(published["utility"]["value_set"], "dsu-2023");
        assert!(
            published["changes"]
                .as_array()
                .is_some_and(|changes| !changes.is_empty())
        );
        assert_eq!(published["share_with_referrer"], true);
    }

    // The link worker closes the loop: the message back carries the measure, with consent.
    let referral_store = referral.store(referral::SERVICE.name).await;
    until_measures_reach_the_referral(&referral_store, referral_id, 1).await;
    move_to(&mut referrals, referral_id, "in-progress").await;
    let complete = referral_pb::CompleteReferralRequest {
        referral_id: referral_id.to_string(),
        outcome_summary: "Joined the walking group".to_owned(),
    };
    referrals
        .complete_referral(as_role("lw-ana", LINK_WORKERS, "link-worker", complete))
        .await
        .expect("completed");
    let back = message_back(&referral_store, referral_id).await;
    assert_eq!(back["outcomes"][0]["instrument"], "eq5d5l", "{back}");
    assert_eq!(back["outcomes"][0]["timepoint"], "follow-up", "{back}");

    // Another person withdraws consent: the GP no longer sees their outcomes, and the message
    // back carries none.
    let withdrawing = refer_and_take_on(&mut referrals).await;
    let measured = record_when_known(
        &mut client,
        eq5d(
            withdrawing,
            2,
            60,
            chrono::Utc::now() - chrono::Duration::days(1),
        ),
    )
    .await;
    let follow_up = loop {
        let outcome =
            record_when_known(&mut client, eq5d(withdrawing, 1, 85, chrono::Utc::now())).await;
        if outcome.timepoint == "follow-up" {
            break outcome;
        }
    };
    assert_eq!(follow_up.baseline_response_id, measured.response_id);
    until_measures_reach_the_referral(&referral_store, withdrawing, 1).await;
    referrals
        .withdraw_consent(as_role(
            "lw-ana",
            LINK_WORKERS,
            "link-worker",
            referral_pb::WithdrawConsentRequest {
                referral_id: withdrawing.to_string(),
            },
        ))
        .await
        .expect("withdrawn");
    let hidden = gp_sees(&mut client, withdrawing, |seen| {
        *seen == Err(Code::PermissionDenied)
    })
    .await;
    assert_eq!(hidden, Err(Code::PermissionDenied));
    move_to(&mut referrals, withdrawing, "in-progress").await;
    let complete = referral_pb::CompleteReferralRequest {
        referral_id: withdrawing.to_string(),
        outcome_summary: "Joined the walking group".to_owned(),
    };
    referrals
        .complete_referral(as_role("lw-ana", LINK_WORKERS, "link-worker", complete))
        .await
        .expect("completed");
    let back = message_back(&referral_store, withdrawing).await;
    assert!(
        back.get("outcomes").is_none() && back["summary"].is_null(),
        "{back}"
    );

    outcomes.stop().await.expect("the outcomes service stopped");
    referral.stop().await.expect("the referral service stopped");
}
