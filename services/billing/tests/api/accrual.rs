//! Accrual from what the other services publish: a register attendance accrues one line citing
//! it, however often it is delivered and whatever else evidences the same place; device
//! evidence accrues nothing; a contract agreed late takes up what came before it; and over a
//! real bus, a published attendance accrues and the line is published in turn.

use std::time::Duration;

use billing::domain::contract::Trigger;
use billing::domain::money::Pence;
use billing::domain::noted::facts_stream;
use messaging::{Bus, BusNames, BusWiring, ReceivedEvent, decode_envelope, encode_envelope};
use testkit::{BackendKind, TestNats};
use uuid::Uuid;

use crate::helpers::{
    Referred, VCSE, agreement, attended, device_evidence, month_start, on, per_session, referred,
    spawn, spawn_wired, tariff,
};

testkit::on_both_backends!(
    an_attendance_accrues_once_citing_it_and_device_evidence_never_pays,
    a_contract_agreed_late_takes_up_what_came_before_it,
    a_published_attendance_accrues_over_the_bus_and_its_line_is_published,
);

async fn an_attendance_accrues_once_citing_it_and_device_evidence_never_pays(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let tariffs = vec![per_session("15.00"), tariff("accepted-referral", "50")];
    let contract = running.agree(agreement(tariffs, month_start(1))).await;
    let person = Referred::new();
    let accepted = referred(&person, on(1, 3));
    running.deliver_all(&accepted).await;
    let session = Uuid::now_v7();
    let register = attended(&person, session, "register", on(1, 10));
    // Delivered twice, and checked in by QR code too: still one attendance.
    running.deliver(&register).await;
    running.deliver(&register).await;
    running
        .deliver(&attended(&person, session, "qr-check-in", on(1, 10)))
        .await;
    // A phone's steps, and an attendance resting on nothing that pays.
    let steps = device_evidence(&person, on(1, 11));
    running.deliver(&steps).await;
    let device = attended(&person, Uuid::now_v7(), "device", on(1, 12));
    running.deliver(&device).await;
    running.accrued().await;

    let lines = running.lines(&contract.contract_id).await;
    let paid: Vec<(Trigger, Pence, Uuid)> = lines
        .iter()
        .map(|line| (line.trigger, line.amount, line.source_event_id))
        .collect();
    assert_eq!(
        paid,
        [
            (
                Trigger::AcceptedReferral,
                Pence::new(5_000),
                accepted[2].event.event_id
            ),
            (
                Trigger::AttendedSession,
                Pence::new(1_500),
                register.event.event_id
            ),
        ]
    );
    let session_line = &lines[1];
    assert_eq!(session_line.referral_id, Some(person.referral_id));
    assert_eq!(
        session_line.subject.as_deref(),
        Some(person.subject.as_str())
    );
    assert_eq!(session_line.date, on(1, 10).date_naive());
    // Device evidence is not even a billable fact.
    let store = running.store().await;
    let noted = store
        .load_stream(&facts_stream(VCSE))
        .await
        .expect("the facts");
    let causes: Vec<Option<Uuid>> = noted
        .iter()
        .map(|event| event.metadata.causation_id)
        .collect();
    for never in [steps.event.event_id, device.event.event_id] {
        assert!(!causes.contains(&Some(never)), "{causes:?}");
    }
    assert_eq!(noted.len(), 3, "accepted, attended, checked in: {causes:?}");
}

async fn a_contract_agreed_late_takes_up_what_came_before_it(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let person = Referred::new();
    running.deliver_all(&referred(&person, on(2, 5))).await;
    let register = attended(&person, Uuid::now_v7(), "register", on(2, 12));
    running.deliver(&register).await;
    running.accrued().await;
    let tariffs = vec![
        tariff("block", "310"),
        per_session("15"),
        tariff("accepted-referral", "50"),
    ];
    let contract = running.agree(agreement(tariffs, month_start(2))).await;
    running.accrued().await;

    let lines = running.lines(&contract.contract_id).await;
    let mut paid: Vec<(Trigger, i64, String)> = lines
        .iter()
        .map(|line| (line.trigger, line.amount.pence(), line.period.to_string()))
        .collect();
    paid.sort();
    let month = |ago| month_start(ago).format("%Y-%m").to_string();
    assert_eq!(
        paid,
        [
            (Trigger::Block, 31_000, month(2)),
            (Trigger::Block, 31_000, month(1)),
            (Trigger::AcceptedReferral, 5_000, month(2)),
            (Trigger::AttendedSession, 1_500, month(2)),
        ]
    );
    // Nothing accrues twice when the log is read again from its start.
    let store = running.store().await;
    billing::projections::accrual::rebuild(&store, |_| {})
        .await
        .expect("replayed");
    assert_eq!(running.lines(&contract.contract_id).await, lines);
}

/// Publishes `received` on the bus as its producer's relay would.
async fn publish(nats: &TestNats, received: &ReceivedEvent) {
    let subject = BusNames::new(&nats.prefix, &received.service).subject_for(&received.event);
    let payload = encode_envelope(&received.service, &received.event);
    let ack = nats.jetstream().publish(subject, payload).await;
    ack.expect("published").await.expect("stored");
}

async fn a_published_attendance_accrues_over_the_bus_and_its_line_is_published(kind: BackendKind) {
    let nats = TestNats::connect().await;
    let wiring = BusWiring {
        bus: Bus::jetstream(nats.jetstream()),
        prefix: nats.prefix.clone(),
    };
    let mut running = spawn_wired(kind, wiring).await;
    let contract = running
        .agree(agreement(vec![per_session("15")], month_start(1)))
        .await;
    let person = Referred::new();
    let register = attended(&person, Uuid::now_v7(), "register", on(1, 10));
    // The attendance comes first: billing waits for the referral to reach its view.
    publish(&nats, &register).await;
    for received in referred(&person, on(1, 3)) {
        publish(&nats, &received).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let lines = loop {
        let lines = running.lines(&contract.contract_id).await;
        if !lines.is_empty() {
            break lines;
        }
        assert!(tokio::time::Instant::now() < deadline, "nothing accrued");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].source_event_id, register.event.event_id);

    let id = Uuid::parse_str(&contract.contract_id).expect("an id");
    let subject = format!(
        "{}.billing.ledger.ledger-{}.line_accrued",
        nats.prefix,
        id.simple()
    );
    let stream = BusNames::new(&nats.prefix, "billing").stream_name();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let message = loop {
        let found = match nats.jetstream().get_stream(&stream).await {
            Ok(stream) => stream.get_last_raw_message_by_subject(&subject).await.ok(),
            Err(_) => None,
        };
        if let Some(message) = found {
            break message;
        }
        assert!(tokio::time::Instant::now() < deadline, "never published");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let envelope = decode_envelope(&message.payload).expect("an envelope");
    let payload: serde_json::Value = serde_json::from_slice(&envelope.event.payload).expect("JSON");
    assert_eq!(payload["line"]["amount"], 1_500);
    assert_eq!(
        payload["line"]["source_event_id"],
        register.event.event_id.to_string()
    );
}
