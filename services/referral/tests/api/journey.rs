//! The whole loop on real databases and NATS: a GP refers, the link workers accept and assess,
//! refer on to two VCSE services (one takes the person, one rejects), a service the directory
//! has withdrawn is refused once the directory's event arrives, and completion sends the
//! message back to the GP, published on the bus.

use std::time::Duration;

use chrono::Utc;
use eventstore::{Actor, EventMetadata, EventStore, ExpectedVersion, NewEvent};
use messaging::BusWiring;
use messaging::{Bus, BusNames, Relay, RelaySettings};
use proto::referral::v1 as pb;
use serde_json::{Value, json};
use testkit::{BackendKind, TestDatabase, TestNats};
use tonic::Code;
use uuid::Uuid;

use crate::grpc::{http, in_seconds};
use crate::helpers::{GP_PRACTICE, LINK_WORKERS};
use crate::helpers::{as_user, spawn};

testkit::on_both_backends!(gp_to_link_worker_to_two_vcse_services_and_back);

const WALKING: &str = "VCSE-WALK";
const LUNCH: &str = "VCSE-LUNCH";
/// The directory's services (its ids are UUIDs).
const WALKING_SERVICE: &str = "0190a2b4-0000-7000-8000-00000000a001";
const LUNCH_SERVICE: &str = "0190a2b4-0000-7000-8000-00000000a002";
const GONE_SERVICE: &str = "0190a2b4-0000-7000-8000-00000000a003";

/// Publishes a directory event the way the directory service does: appended to its log.
async fn directory_event(store: &EventStore, stream: &str, body: Value) {
    let metadata = EventMetadata {
        correlation_id: Uuid::new_v4(),
        causation_id: None,
        traceparent: None,
        actor: Actor {
            id: "curator".into(),
            organisation: "ICB-QWE".into(),
            role: "directory-curator".into(),
        },
        data_subject: None,
        tenant: "QWE".into(),
    };
    let event_type = body["type"].as_str().unwrap_or_default().to_owned();
    let event =
        NewEvent::json(Uuid::now_v7(), event_type, 1, Utc::now(), &body, metadata).expect("json");
    store
        .append(stream, ExpectedVersion::Any, vec![event])
        .await
        .expect("directory append");
}

fn listed(service_id: &str, organisation: &str) -> Value {
    json!({ "type": "service_listed", "service_id": service_id, "organisation_id": organisation, "takes_referrals": true })
}

async fn gp_to_link_worker_to_two_vcse_services_and_back(kind: BackendKind) {
    let nats = TestNats::connect().await;
    let bus = Bus::jetstream(nats.jetstream());
    let prefix = nats.prefix.clone();

    // The directory service's side: its log and relay.
    let directory_db = TestDatabase::postgres().await;
    let directory = directory_db.store().await;
    directory_event(
        &directory,
        "service-walking",
        listed(WALKING_SERVICE, WALKING),
    )
    .await;
    directory_event(&directory, "service-lunch", listed(LUNCH_SERVICE, LUNCH)).await;
    directory_event(
        &directory,
        "service-gone",
        listed(GONE_SERVICE, "VCSE-GONE"),
    )
    .await;
    directory_event(
        &directory,
        "service-gone",
        json!({ "type": "service_withdrawn", "service_id": GONE_SERVICE }),
    )
    .await;
    let relay = Relay::new(
        directory,
        bus.clone(),
        BusNames::new(&prefix, "directory"),
        RelaySettings::default(),
    );
    let (stop_directory, directory_stopped) = tokio::sync::oneshot::channel::<()>();
    let directory_relay = tokio::spawn(async move {
        relay
            .run(async { directory_stopped.await.unwrap_or(()) })
            .await;
    });

    let wiring = BusWiring {
        bus: bus.clone(),
        prefix: prefix.clone(),
    };
    let mut service = spawn(kind, Some(wiring)).await;

    let referral_id = Uuid::new_v4();
    // The GP system refers over FHIR.
    let service_request = crate::fhir::service_request(referral_id).to_string();
    let created = http(
        service.spawned.http,
        "POST",
        "/fhir/ServiceRequest",
        GP_PRACTICE,
        Some(&service_request),
    )
    .await;
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let client = &mut service.client;
    let referred_at = Utc::now();
    let status = |id: Uuid, status: &str, reason: &str| pb::ChangeStatusRequest {
        referral_id: id.to_string(),
        status: status.to_owned(),
        reason: reason.to_owned(),
    };
    client
        .change_status(lw(status(referral_id, "accepted", "")))
        .await
        .expect("accept");
    let accepted_at = Utc::now();
    let assign = pb::AssignPractitionerRequest {
        referral_id: referral_id.to_string(),
        practitioner: "lw-ana".to_owned(),
    };
    client
        .assign_practitioner(lw(assign))
        .await
        .expect("assign");
    let assigned_at = Utc::now();
    client
        .change_status(lw(status(referral_id, "in-progress", "")))
        .await
        .expect("start");
    let assessment = pb::RecordAssessmentRequest {
        referral_id: referral_id.to_string(),
        needs: vec!["loneliness".to_owned(), "physical-activity".to_owned()],
        goals: vec!["get out of the house twice a week".to_owned()],
    };
    client
        .record_assessment(lw(assessment))
        .await
        .expect("assess");

    let onward = |service_id: &str| pb::ReferOnwardRequest {
        referral_id: referral_id.to_string(),
        child_referral_id: Uuid::new_v4().to_string(),
        service_id: service_id.to_owned(),
        accept_by: in_seconds(7 * 24 * 3600),
    };
    // The directory's events reach the referral service through NATS; until they do, the
    // services are unknown and onward referrals are refused.
    let mut children = Vec::new();
    for service_id in [WALKING_SERVICE, LUNCH_SERVICE] {
        let child = eventually(|| {
            let mut client = client.clone();
            let request = onward(service_id);
            async move {
                client
                    .refer_onward(lw(request))
                    .await
                    .ok()
                    .map(|r| r.into_inner().child_referral_id)
            }
        })
        .await;
        children.push(Uuid::parse_str(&child).expect("uuid"));
    }
    let withdrawn = eventually(|| {
        let mut client = client.clone();
        async move {
            match client.refer_onward(lw(onward(GONE_SERVICE))).await {
                Err(status) if status.message().contains("Withdrawn") => Some(status),
                _ => None,
            }
        }
    })
    .await;
    assert_eq!(withdrawn.code(), Code::FailedPrecondition);

    // Who was accountable, asked over gRPC for instants along the way.
    for (at, organisation, practitioner) in [
        (referred_at, GP_PRACTICE, "dr-patel"),
        (accepted_at, LINK_WORKERS, ""),
        (assigned_at, LINK_WORKERS, "lw-ana"),
    ] {
        let holder = eventually(|| {
            let mut client = client.clone();
            let request = pb::GetAccountableAtRequest {
                referral_id: referral_id.to_string(),
                at: Some(prost_types::Timestamp {
                    seconds: at.timestamp(),
                    nanos: at.timestamp_subsec_nanos() as i32,
                }),
            };
            async move {
                let found = client
                    .get_accountable_at(gp(request))
                    .await
                    .ok()?
                    .into_inner();
                found
                    .period
                    .and_then(|period| period.holder)
                    .filter(|holder| holder.organisation == organisation)
            }
        })
        .await;
        assert_eq!(holder.practitioner, practitioner, "at {at}");
    }

    // The walking group takes the person on; the lunch club has no room.
    let (walking, lunch) = (children[0], children[1]);
    client
        .change_status(walk(status(walking, "accepted", "")))
        .await
        .expect("VCSE accepts");
    client
        .change_status(walk(status(walking, "in-progress", "")))
        .await
        .expect("VCSE starts");
    let finished = pb::CompleteReferralRequest {
        referral_id: walking.to_string(),
        outcome_summary: "attends weekly".to_owned(),
    };
    client
        .complete_referral(walk(finished))
        .await
        .expect("VCSE completes");
    let rejected = as_user(
        "lunch-lead",
        LUNCH,
        status(lunch, "rejected", "no places until spring"),
    );
    client.change_status(rejected).await.expect("VCSE rejects");
    let stranger = as_user(
        "lunch-lead",
        LUNCH,
        status(walking, "cancelled", "not ours"),
    );
    assert_eq!(
        client
            .change_status(stranger)
            .await
            .expect_err("not a party")
            .code(),
        Code::NotFound,
        "to a provider that is no party, another provider's referral is not there"
    );

    let done = pb::CompleteReferralRequest {
        referral_id: referral_id.to_string(),
        outcome_summary: "walking group weekly; lunch club waitlist".to_owned(),
    };
    let completed = client.complete_referral(lw(done)).await.expect("complete");
    assert_eq!(
        completed.get_ref().event_types,
        ["referral_status_changed", "message_back_produced"]
    );

    // The child referral's trail: offered by the link worker, taken by the walking group.
    let trail = eventually(|| {
        let mut client = client.clone();
        async move {
            let request = as_user(
                "walk-lead",
                WALKING,
                pb::GetHandoffTrailRequest {
                    referral_id: walking.to_string(),
                },
            );
            let trail = client.get_handoff_trail(request).await.ok()?.into_inner();
            (trail.periods.len() == 2).then_some(trail)
        }
    })
    .await;
    let holders: Vec<_> = trail
        .periods
        .iter()
        .map(|p| p.holder.clone().unwrap_or_default().organisation)
        .collect();
    assert_eq!(holders, [LINK_WORKERS, WALKING]);

    // The message back reaches the bus through the referral service's relay.
    let Bus::JetStream(context) = &bus else {
        unreachable!("the test wired JetStream")
    };
    let subject = format!(
        "{prefix}.referral.referral.referral-{}.message_back_produced",
        referral_id.simple()
    );
    let message = eventually(|| {
        let context = context.clone();
        let subject = subject.clone();
        let stream = BusNames::new(&prefix, "referral").stream_name();
        async move {
            let stream = context.get_stream(stream).await.ok()?;
            stream.get_last_raw_message_by_subject(&subject).await.ok()
        }
    })
    .await;
    let envelope = messaging::decode_envelope(&message.payload).expect("envelope");
    let body: Value = envelope.event.decode().expect("json");
    assert_eq!(body["summary"], "walking group weekly; lunch club waitlist");
    assert!(
        !String::from_utf8_lossy(&message.payload).contains("4010232137"),
        "no NHS number on the bus"
    );

    stop_directory.send(()).ok();
    directory_relay.await.ok();
}

fn gp<T>(body: T) -> tonic::Request<T> {
    as_user("dr-patel", GP_PRACTICE, body)
}

fn lw<T>(body: T) -> tonic::Request<T> {
    as_user("lw-ana", LINK_WORKERS, body)
}

fn walk<T>(body: T) -> tonic::Request<T> {
    as_user("walk-lead", WALKING, body)
}

/// Polls `attempt` until it gives a value (30 s at most).
async fn eventually<T, F, Fut>(mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(value) = attempt().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
