//! The person's consents as the view keeps them from the referral service's events: each set
//! from `referral_requested` apart from the others, absent ones read as not given, and all of
//! them cleared by `consent_withdrawn`; and many referrals read at once as each alone.

use chrono::{DateTime, TimeZone, Utc};
use eventstore::{Actor, EventMetadata, EventStore, Position, RecordedEvent};
use messaging::{BusHandler, ReceivedEvent};
use referral_view::{PRODUCER, Referral, ReferralView};
use serde_json::{Value, json};
use testkit::{BackendKind, TestDatabase};
use uuid::Uuid;

testkit::on_both_backends!(
    each_consent_is_kept_apart_and_withdrawal_clears_them_all,
    many_referrals_are_read_at_once_as_each_alone,
    a_referral_published_before_device_data_was_asked_has_no_consent_to_it,
);

fn made_on() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("a date")
}

/// Event `event_type` of `referral_id` with `payload`, as the bus delivers it.
fn delivered(referral_id: Uuid, event_type: &str, payload: &Value) -> ReceivedEvent {
    ReceivedEvent {
        service: PRODUCER.to_owned(),
        event: RecordedEvent {
            event_id: Uuid::now_v7(),
            stream_id: format!("referral-{}", referral_id.simple()),
            stream_version: 1,
            position: Position::START,
            event_type: event_type.to_owned(),
            schema_version: 1,
            occurred_at: made_on(),
            recorded_at: made_on(),
            payload: serde_json::to_vec(payload).expect("JSON"),
            metadata: EventMetadata {
                correlation_id: Uuid::now_v7(),
                causation_id: None,
                traceparent: None,
                actor: Actor {
                    id: "dr-patel".to_owned(),
                    organisation: "Y01234".to_owned(),
                    role: "referrer".to_owned(),
                },
                data_subject: Some("nhs-hmac:00aa".to_owned()),
                tenant: "QWE".to_owned(),
            },
        },
    }
}

/// `referral_requested` as the referral service publishes it, with `consent` as given.
fn requested(referral_id: Uuid, consent: Value) -> ReceivedEvent {
    let payload = json!({
        "source": "practitioner",
        "referrer": { "organisation": "Y01234", "practitioner": "dr-patel" },
        "receiving_organisation": "PCN-LW-01",
        "reasons": ["871731000000106"],
        "urgency": "routine",
        "consent": consent,
        "at": made_on().to_rfc3339(),
    });
    delivered(referral_id, "referral_requested", &payload)
}

fn withdrawn(referral_id: Uuid) -> ReceivedEvent {
    let payload = json!({
        "actor": { "id": "lw-ana", "organisation": "PCN-LW-01" },
        "at": made_on().to_rfc3339(),
    });
    delivered(referral_id, "consent_withdrawn", &payload)
}

async fn view(kind: BackendKind) -> (TestDatabase, EventStore) {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    referral_view::migrate(&store).await.expect("migrated");
    (database, store)
}

async fn deliver(store: &EventStore, received: &ReceivedEvent) {
    let mut tx = store.begin().await.expect("a transaction");
    ReferralView
        .handle(&mut tx, received)
        .await
        .expect("handled");
    tx.commit().await.expect("committed");
}

/// What the view holds of `referral_id`'s consents: to providers, to the referrer, device data.
async fn consents(store: &EventStore, referral_id: Uuid) -> (bool, bool, bool) {
    let Referral {
        share_with_providers,
        share_with_referrer,
        share_device_data,
        ..
    } = referral_view::find(store, referral_id)
        .await
        .expect("read")
        .expect("the view holds it");
    (share_with_providers, share_with_referrer, share_device_data)
}

async fn each_consent_is_kept_apart_and_withdrawal_clears_them_all(kind: BackendKind) {
    let (_database, store) = view(kind).await;
    // One consenting to device data alone, one to everything but: a consent read into the
    // wrong column shows in one or the other.
    let (devices_only, all_but_devices) = (Uuid::new_v4(), Uuid::new_v4());
    let only = json!({
        "share_with_providers": false,
        "share_outcome_with_referrer": false,
        "share_device_data": true,
    });
    let but = json!({
        "share_with_providers": true,
        "share_outcome_with_referrer": true,
        "share_device_data": false,
    });
    deliver(&store, &requested(devices_only, only)).await;
    deliver(&store, &requested(all_but_devices, but)).await;
    assert_eq!(consents(&store, devices_only).await, (false, false, true));
    assert_eq!(consents(&store, all_but_devices).await, (true, true, false));

    // Withdrawing consent withdraws every consent, device data too; the other referral keeps
    // its own.
    deliver(&store, &withdrawn(devices_only)).await;
    assert_eq!(consents(&store, devices_only).await, (false, false, false));
    assert_eq!(consents(&store, all_but_devices).await, (true, true, false));
    let everything = Uuid::new_v4();
    let given = json!({
        "share_with_providers": true,
        "share_outcome_with_referrer": true,
        "share_device_data": true,
    });
    deliver(&store, &requested(everything, given)).await;
    deliver(&store, &withdrawn(everything)).await;
    assert_eq!(consents(&store, everything).await, (false, false, false));
}

async fn a_referral_published_before_device_data_was_asked_has_no_consent_to_it(kind: BackendKind) {
    let (_database, store) = view(kind).await;
    let referral_id = Uuid::new_v4();
    let before = json!({
        "share_with_providers": true,
        "share_outcome_with_referrer": true,
    });
    deliver(&store, &requested(referral_id, before)).await;
    assert_eq!(consents(&store, referral_id).await, (true, true, false));
}

async fn many_referrals_are_read_at_once_as_each_alone(kind: BackendKind) {
    let (_database, store) = view(kind).await;
    let (first, second, unknown) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let consent = json!({ "share_with_providers": true, "share_device_data": true });
    deliver(&store, &requested(first, consent.clone())).await;
    deliver(&store, &requested(second, json!({}))).await;

    let found = referral_view::find_many(&store, &[second, unknown, first])
        .await
        .expect("read");

    assert_eq!(found.len(), 2, "the unknown one left out");
    for id in [first, second] {
        let alone = referral_view::find(&store, id).await.expect("read");
        assert_eq!(found.get(&id), alone.as_ref(), "{id}");
    }
    assert!(found[&first].share_device_data && !found[&second].share_device_data);
    let none = referral_view::find_many(&store, &[]).await.expect("read");
    assert!(none.is_empty());
}
