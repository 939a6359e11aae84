//! Integrators' daily summaries published on NATS, on real JetStream: the same FHIR JSON as
//! `POST /fhir`, recorded as the integrator whose subject it came on, once however often it is
//! sent; a refused Bundle records nothing, is answered with an `OperationOutcome` naming the
//! entry and is not delivered again.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::pull;
use engagement::config::CHECK_IN_KEY;
use engagement::domain::evidence;
use engagement::intake::{self, IntakeNames};
use futures::StreamExt as _;
use messaging::{Bus, BusWiring};
use proto::engagement::v1 as pb;
use proto::engagement::v1::engagement_service_client::EngagementServiceClient;
use serde_json::Value;
use servicekit::Settings;
use testkit::{BackendKind, Spawn, TestNats};
use uuid::Uuid;

use crate::evidence_fhir::{bundle, expression, observation};
use crate::helpers::{Running, VCSE_A, as_role};

testkit::on_both_backends!(
    a_bundle_on_the_subject_is_recorded_once_however_often_it_is_sent,
    a_refused_bundle_records_nothing_and_the_answer_names_the_entry,
    the_subject_names_the_integrator,
);

const FITCO: &str = "INT-FITCO";
const WALKCO: &str = "INT-WALKCO";

/// The engagement service on JetStream under the test's own prefix (no directory: evidence
/// needs none).
async fn spawn_on(nats: &TestNats, kind: BackendKind) -> Running {
    let wiring = BusWiring {
        bus: Bus::jetstream(nats.jetstream()),
        prefix: nats.prefix.clone(),
    };
    let settings = Settings::default().with_secret(CHECK_IN_KEY.name, [5; 32]);
    let spawned = Spawn::new(&engagement::SERVICE, settings, kind)
        .wired(wiring)
        .start()
        .await;
    Running {
        client: EngagementServiceClient::new(spawned.channel.clone()),
        spawned,
        service_id: String::new(),
    }
}

/// A referral A took on, whose person consents to share device data.
async fn consenting(running: &Running) -> Uuid {
    let referral_id = running.referral(VCSE_A, "accepted").await;
    running.consent_to_device_data(referral_id).await;
    referral_id
}

/// Publishes `body` on `integrator`'s subject, asking for the answer on a subject of its reply
/// space, and waits for that answer.
async fn publish(nats: &TestNats, integrator: &str, body: &Value) -> Value {
    let names = IntakeNames::new(&nats.prefix);
    let reply_to = format!("{}.{}", names.reply_space(integrator), Uuid::new_v4());
    let mut answers = nats
        .client
        .subscribe(reply_to.clone())
        .await
        .expect("a subscription");
    let mut headers = HeaderMap::new();
    headers.insert(intake::REPLY_TO, reply_to.as_str());
    nats.jetstream()
        .publish_with_headers(names.subject(integrator), headers, body.to_string().into())
        .await
        .expect("published")
        .await
        .expect("stored by JetStream");
    let answer = tokio::time::timeout(Duration::from_secs(30), answers.next())
        .await
        .expect("an answer within 30 s")
        .expect("an answer");
    serde_json::from_slice(&answer.payload).expect("JSON")
}

/// The evidence events of `referral_id`'s stream.
async fn recorded(running: &Running, referral_id: Uuid) -> usize {
    let store = running.store().await;
    let stream = evidence::stream(referral_id);
    store.load_stream(&stream).await.expect("the stream").len()
}

/// `referral_id`'s device days, as A reads its timeline.
async fn device_days(running: &mut Running, referral_id: Uuid) -> Vec<pb::DeviceDay> {
    let body = pb::GetTimelineRequest {
        referral_id: referral_id.to_string(),
        as_of: None,
    };
    let timeline = running
        .client
        .get_timeline(as_role(VCSE_A, "vcse-provider", body))
        .await
        .expect("the timeline")
        .into_inner();
    timeline
        .entries
        .into_iter()
        .filter_map(|entry| match entry.entry {
            Some(pb::timeline_entry::Entry::DeviceDay(day)) => Some(day),
            _ => None,
        })
        .collect()
}

fn statuses(answer: &Value) -> Vec<&str> {
    answer["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["response"]["status"].as_str().unwrap_or_default())
        .collect()
}

/// Waits until the intake has settled every message it was given (acknowledged or
/// terminated), and says how many deliveries were repeats.
async fn settled(nats: &TestNats) -> usize {
    let stream = IntakeNames::new(&nats.prefix).stream().stream_name();
    let consumer = nats
        .jetstream()
        .get_stream(stream)
        .await
        .expect("the integrations stream")
        .get_consumer::<pull::Config>(intake::CONSUMER)
        .await
        .expect("the intake's consumer");
    for _ in 0..200 {
        let info = consumer.get_info().await.expect("consumer info");
        if info.num_ack_pending == 0 && info.num_pending == 0 {
            return info.num_redelivered;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the intake never settled its messages");
}

async fn a_bundle_on_the_subject_is_recorded_once_however_often_it_is_sent(kind: BackendKind) {
    let nats = TestNats::connect().await;
    let mut running = spawn_on(&nats, kind).await;
    let referral_id = consenting(&running).await;
    let sent = bundle(
        "batch",
        &[
            observation(referral_id, 2, 4_000, "n-1"),
            observation(referral_id, 1, 5_000, "n-2"),
        ],
    );

    let answer = publish(&nats, FITCO, &sent).await;
    assert_eq!(answer["type"], "batch-response", "{answer}");
    assert_eq!(statuses(&answer), ["201 Created", "201 Created"]);
    let days = device_days(&mut running, referral_id).await;
    let values: Vec<u32> = days.iter().map(|day| day.value).collect();
    assert_eq!(values, [4_000, 5_000]);
    assert!(days.iter().all(|day| day.integrator == FITCO), "{days:?}");

    // The same message again (no Nats-Msg-Id, so JetStream keeps both): recognised, not
    // recorded again.
    let again = publish(&nats, FITCO, &sent).await;
    assert_eq!(statuses(&again), ["200 OK", "200 OK"]);
    assert_eq!(recorded(&running, referral_id).await, 2);
    assert_eq!(device_days(&mut running, referral_id).await.len(), 2);

    // One Observation alone is answered as POST /fhir/Observation would be.
    let one = publish(&nats, FITCO, &observation(referral_id, 3, 3_000, "n-3")).await;
    assert_eq!(one["resourceType"], "Observation", "{one}");
    assert_eq!(one["valueQuantity"]["value"], 3_000);
    assert_eq!(recorded(&running, referral_id).await, 3);
    assert_eq!(settled(&nats).await, 0);
}

async fn a_refused_bundle_records_nothing_and_the_answer_names_the_entry(kind: BackendKind) {
    let nats = TestNats::connect().await;
    let running = spawn_on(&nats, kind).await;
    let referral_id = consenting(&running).await;
    let unconsented = running.referral(VCSE_A, "accepted").await;
    let sent = bundle(
        "batch",
        &[
            observation(referral_id, 2, 4_000, "r-1"),
            observation(unconsented, 1, 5_000, "r-2"),
        ],
    );

    let outcome = publish(&nats, FITCO, &sent).await;
    assert_eq!(outcome["resourceType"], "OperationOutcome", "{outcome}");
    assert_eq!(expression(&outcome), "Bundle.entry[1].resource.basedOn");
    let not_json = publish(&nats, FITCO, &Value::String("steps: 4000".to_owned())).await;
    assert_eq!(not_json["resourceType"], "OperationOutcome", "{not_json}");
    // Refusals are terminated, not delivered again.
    assert_eq!(settled(&nats).await, 0);
    assert_eq!(recorded(&running, referral_id).await, 0);
    assert_eq!(recorded(&running, unconsented).await, 0);
}

async fn the_subject_names_the_integrator(kind: BackendKind) {
    let nats = TestNats::connect().await;
    let mut running = spawn_on(&nats, kind).await;
    let referral_id = consenting(&running).await;
    let sent = bundle("batch", &[observation(referral_id, 1, 4_000, "s-1")]);

    publish(&nats, FITCO, &sent).await;
    // The same record id from another integrator is another record: the subject, not the
    // body, says whose it is.
    let answer = publish(&nats, WALKCO, &sent).await;
    assert_eq!(statuses(&answer), ["201 Created"]);
    let mut integrators: Vec<String> = device_days(&mut running, referral_id)
        .await
        .into_iter()
        .map(|day| day.integrator)
        .collect();
    integrators.sort();
    assert_eq!(integrators, [FITCO, WALKCO]);
}
