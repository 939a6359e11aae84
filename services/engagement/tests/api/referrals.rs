//! The referral service's events as the engagement service consumes them: the referral view
//! kept, and each status change noted in the engagement log once, however often the bus
//! delivers it.

use chrono::{DateTime, TimeZone, Utc};
use engagement::consumers::referral::ReferralConsumer;
use engagement::domain::events::{Event, followed_stream};
use eventstore::{EventStore, Position, RecordedEvent};
use messaging::{BusHandler, ReceivedEvent};
use testkit::{BackendKind, TestDatabase};
use uuid::Uuid;

use crate::helpers::system;

testkit::on_both_backends!(a_status_change_is_noted_in_the_log_once_however_often_delivered);

fn accepted_on(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0)
        .single()
        .expect("a date")
}

/// The referral service's `referral_status_changed` for `referral_id`, as the bus delivers it.
fn status_changed(referral_id: Uuid, to: &str, at: DateTime<Utc>) -> ReceivedEvent {
    let payload = serde_json::json!({
        "from": "requested",
        "to": to,
        "actor": { "id": "lw-1", "organisation": "PCN-LW-01" },
        "at": at.to_rfc3339(),
    });
    let subject = format!("nhs-hmac:{}", referral_id.simple());
    ReceivedEvent {
        service: "referral".to_owned(),
        event: RecordedEvent {
            event_id: Uuid::now_v7(),
            stream_id: format!("referral-{}", referral_id.simple()),
            stream_version: 2,
            position: Position::START,
            event_type: "referral_status_changed".to_owned(),
            schema_version: 1,
            occurred_at: at,
            recorded_at: at,
            payload: serde_json::to_vec(&payload).expect("JSON"),
            metadata: system(Some(&subject)),
        },
    }
}

async fn deliver(store: &EventStore, consumer: &mut ReferralConsumer, received: &ReceivedEvent) {
    let mut tx = store.begin().await.expect("a transaction");
    consumer.handle(&mut tx, received).await.expect("handled");
    tx.commit().await.expect("committed");
}

async fn a_status_change_is_noted_in_the_log_once_however_often_delivered(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    engagement::migrate(&store).await.expect("migrated");
    let mut consumer = ReferralConsumer::new(store.clone(), "QWE");
    let referral_id = Uuid::new_v4();
    let accepted = status_changed(referral_id, "accepted", accepted_on(3));
    deliver(&store, &mut consumer, &accepted).await;
    deliver(&store, &mut consumer, &accepted).await;
    let noted = store
        .load_stream(&followed_stream(referral_id))
        .await
        .expect("the referral's stream");
    assert_eq!(noted.len(), 1, "noted once: {noted:?}");
    assert_eq!(
        noted[0].metadata.causation_id,
        Some(accepted.event.event_id)
    );
    assert_eq!(
        noted[0].decode::<Event>().expect("a noted status"),
        Event::ReferralStatusNoted {
            referral_id,
            subject: format!("nhs-hmac:{}", referral_id.simple()),
            status: "accepted".to_owned(),
            at: accepted_on(3),
        }
    );
    // What is not a status change is not noted.
    let mut other = status_changed(referral_id, "accepted", accepted_on(4));
    other.event.event_type = "consent_withdrawn".to_owned();
    other.event.payload = b"{}".to_vec();
    deliver(&store, &mut consumer, &other).await;
    let noted = store
        .load_stream(&followed_stream(referral_id))
        .await
        .expect("the referral's stream");
    assert_eq!(noted.len(), 1);
}
