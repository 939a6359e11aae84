//! Lapses judged from the engagement log: raised once when a rule is met, ended when the person
//! comes again, read by the referral's parties alone — and judged again from the same log, the
//! very same events, recorded once.

use std::time::Duration as Wait;

use chrono::{DateTime, Duration, TimeZone, Utc};
use engagement::domain::events::lapses_stream;
use engagement::domain::lapse::Rules;
use engagement::domain::session::{self, Person, Source, Status};
use engagement::projections::lapses::{LapseEvaluator, SUBSCRIPTION, rebuild};
use eventstore::{EventStore, ExpectedVersion, NewEvent, Subscription, on_pool};
use proto::engagement::v1 as pb;
use testkit::{BackendKind, TestDatabase};
use tonic::Code;
use uuid::Uuid;

use crate::helpers::{Running, VCSE_A, VCSE_B, judged, note, spawn, system, tick};

testkit::on_both_backends!(
    a_lapse_is_raised_once_and_ends_when_the_person_comes,
    judging_the_same_log_again_records_the_same_lapses,
);

/// The rules every deployment starts with: two missed in a row, 21 days.
fn default_rules() -> Rules {
    engagement::config::rules(&servicekit::Settings::default())
}

/// `referral_id`'s lapses as its provider reads them, once `done` says they are as awaited.
async fn until(
    running: &mut Running,
    referral_id: Uuid,
    done: impl Fn(&[pb::Lapse]) -> bool,
) -> Vec<pb::Lapse> {
    let deadline = tokio::time::Instant::now() + Wait::from_secs(60);
    loop {
        let lapses = running
            .lapses(VCSE_A, "vcse-provider", &referral_id.to_string())
            .await
            .expect("the provider's referral");
        if done(&lapses) {
            return lapses;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lapses never came to be as awaited: {lapses:?}"
        );
        tokio::time::sleep(Wait::from_millis(50)).await;
    }
}

/// Every lapse event of `referral_id`'s stream: id, type and payload.
async fn lapse_events(store: &EventStore, referral_id: Uuid) -> Vec<(Uuid, String, Vec<u8>)> {
    let recorded = store
        .load_stream(&lapses_stream(referral_id))
        .await
        .expect("the lapses");
    recorded
        .into_iter()
        .map(|event| (event.event_id, event.event_type, event.payload))
        .collect()
}

/// Rebuilds the lapse evaluator's view as `linkwork replay` does. With the service still
/// running, its own evaluator may take one of the rebuild's batches (and the rebuild fail);
/// what it did is the same, and catching up finishes the rest.
async fn rebuilt(store: &EventStore, rules: Rules) {
    if rebuild(store, rules, |_| {}).await.is_ok() {
        return;
    }
    let subscription = Subscription::new(store.clone(), SUBSCRIPTION);
    for _ in 0..5 {
        let mut evaluator = LapseEvaluator::new(store.clone(), rules);
        if subscription.catch_up(&mut evaluator).await.is_ok() {
            return;
        }
        tokio::time::sleep(Wait::from_millis(100)).await;
    }
    panic!("the lapse evaluator never caught up after the rebuild");
}

fn time(at: Option<prost_types::Timestamp>) -> DateTime<Utc> {
    let at = at.expect("a time");
    DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).expect("nanos")).expect("a time")
}

async fn a_lapse_is_raised_once_and_ends_when_the_person_comes(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let store = running.store().await;
    let referral = running.referral(VCSE_A, "accepted").await;
    note(
        &store,
        referral,
        "accepted",
        Utc::now() - Duration::hours(9),
    )
    .await;
    let earliest = running.session_between(-8, -7).await;
    let first = running.session_between(-5, -4).await;
    let second = running.session_between(-3, -2).await;
    let today = running.session().await;

    for session in [&first, &second] {
        running
            .record(VCSE_A, session, referral, "did-not-attend")
            .await
            .expect("missed");
    }
    let lapses = until(&mut running, referral, |lapses| !lapses.is_empty()).await;
    assert_eq!(lapses[0].rule, "missed-sessions-in-a-row");
    assert_eq!(
        lapses[0].evidence,
        format!("missed 2 sessions in a row: {first}, {second}")
    );
    assert!(lapses[0].resumed_at.is_none(), "{lapses:?}");
    // Another missed while the lapse is open raises nothing more.
    running
        .record(VCSE_A, &earliest, referral, "cancelled-by-person")
        .await
        .expect("missed");
    judged(&store).await;
    let lapses = until(&mut running, referral, |_| true).await;
    assert_eq!(lapses.len(), 1, "raised once: {lapses:?}");

    let attended = running
        .record(VCSE_A, &today, referral, "attended")
        .await
        .expect("attended");
    let lapses = until(&mut running, referral, |lapses| {
        lapses[0].resumed_at.is_some()
    })
    .await;
    assert_eq!(
        lapses[0].resumed_because,
        format!("attended session {today}")
    );

    // The clock says 22 days have passed since: no attendance is a lapse of its own.
    let attended_at = time(attended.at);
    tick(&store, attended_at + Duration::days(22)).await;
    let lapses = until(&mut running, referral, |lapses| lapses.len() == 2).await;
    assert_eq!(
        (lapses[1].rule.as_str(), lapses[1].evidence.clone()),
        (
            "no-attendance-for-days",
            format!(
                "no attendance for 22 days since {}",
                attended_at.format("%Y-%m-%d")
            )
        )
    );

    // The referral's parties alone: its referrer's link worker reads them; another provider,
    // and an id never used, get the same answer; a role that reads no lapses is refused.
    let id = referral.to_string();
    let referrer = running
        .lapses("PCN-LW-01", "link-worker", &id)
        .await
        .expect("the referrer's link worker reads them");
    assert_eq!(referrer, lapses);
    let theirs = running
        .lapses(VCSE_B, "vcse-provider", &id)
        .await
        .expect_err("not B's");
    let unused = running
        .lapses(VCSE_B, "vcse-provider", &Uuid::new_v4().to_string())
        .await
        .expect_err("never used");
    assert_eq!(theirs.code(), Code::NotFound);
    assert_eq!(
        (theirs.code(), theirs.message()),
        (unused.code(), unused.message())
    );
    let citizen = running
        .lapses("NHS-LOGIN", "citizen", &id)
        .await
        .expect_err("not the citizen's to read");
    assert_eq!(citizen.code(), Code::PermissionDenied);

    // Judged again from the same log: the very same events, none recorded twice.
    judged(&store).await;
    let before = lapse_events(&store, referral).await;
    assert_eq!(before.len(), 3, "lapsed, resumed, lapsed");
    rebuilt(&store, default_rules()).await;
    judged(&store).await;
    assert_eq!(lapse_events(&store, referral).await, before);
    assert_eq!(until(&mut running, referral, |_| true).await, lapses);
}

/// Day `n` of March 2026 (and on into April), at ten.
fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
        .single()
        .expect("a date")
        + Duration::days(n - 1)
}

/// A place in a session of A's, as the register records it.
async fn place(store: &EventStore, referral_id: Uuid, status: Status, on: i64) {
    let session_id = Uuid::now_v7();
    let person = Person {
        referral_id,
        subject: format!("nhs-hmac:{}", referral_id.simple()),
    };
    let (service_id, organisation_id) = (Uuid::from_u128(1), VCSE_A.to_owned());
    let event = match status {
        Status::Attended => session::Event::SessionAttended {
            session_id,
            person,
            service_id,
            organisation_id,
            source: Source::Register,
            token_id: None,
            at: day(on),
        },
        status => session::Event::SessionMissed {
            session_id,
            person,
            service_id,
            organisation_id,
            status,
            source: Source::Register,
            at: day(on),
        },
    };
    let subject = format!("nhs-hmac:{}", referral_id.simple());
    let new = NewEvent::json(
        Uuid::now_v7(),
        event.event_type(),
        1,
        day(on),
        &event,
        system(Some(&subject)),
    )
    .expect("JSON");
    store
        .append(
            &engagement::app::stream_id(session_id),
            ExpectedVersion::Any,
            vec![new],
        )
        .await
        .expect("recorded");
}

/// Every lapse event in the log: id and payload, in log order.
async fn every_lapse(store: &EventStore) -> Vec<(Uuid, Vec<u8>)> {
    testkit::committed_events(store)
        .await
        .into_iter()
        .filter(|event| event.category() == "lapses")
        .map(|event| (event.event_id, event.payload))
        .collect()
}

/// The evaluator's view, row by row.
async fn watches(store: &EventStore) -> Vec<(String, bool, Option<i64>, i64, Option<String>)> {
    let sql = "SELECT referral_id, active, last_attended_micros, missed_in_a_row, lapsed_rule \
               FROM engagement_watch ORDER BY referral_id";
    on_pool!(store, |pool| sqlx::query_as(sql).fetch_all(pool).await).expect("the watches")
}

async fn judging_the_same_log_again_records_the_same_lapses(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    engagement::migrate(&store).await.expect("migrated");
    let (drifts, stops_coming, closed) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    for referral in [drifts, stops_coming, closed] {
        note(&store, referral, "accepted", day(1)).await;
    }
    for on in 1..=30 {
        match on {
            2 => {
                place(&store, drifts, Status::DidNotAttend, on).await;
                place(&store, stops_coming, Status::Attended, on).await;
                place(&store, closed, Status::Attended, on).await;
            }
            5 => note(&store, closed, "completed", day(on)).await,
            9 => place(&store, drifts, Status::CancelledByPerson, on).await,
            16 => place(&store, drifts, Status::Attended, on).await,
            _ => {}
        }
        tick(&store, day(on)).await;
    }
    let rules = default_rules();
    let subscription = Subscription::new(store.clone(), SUBSCRIPTION);
    let mut evaluator = LapseEvaluator::new(store.clone(), rules);
    subscription.catch_up(&mut evaluator).await.expect("judged");
    let judged_once = every_lapse(&store).await;
    let types: Vec<String> = judged_once
        .iter()
        .map(|(_, payload)| {
            let json: serde_json::Value = serde_json::from_slice(payload).expect("JSON");
            format!("{} {}", json["type"], json["rule"])
        })
        .collect();
    assert_eq!(
        types,
        [
            r#""engagement_lapsed" "missed-sessions-in-a-row""#,
            r#""engagement_resumed" "missed-sessions-in-a-row""#,
            r#""engagement_lapsed" "no-attendance-for-days""#,
        ],
        "the one who drifted lapsed and came back; the one who stopped coming lapsed at day 23"
    );
    let view = watches(&store).await;

    // A restart catches up from the checkpoint: nothing is judged twice.
    let mut restarted = LapseEvaluator::new(store.clone(), rules);
    subscription.catch_up(&mut restarted).await.expect("judged");
    assert_eq!(every_lapse(&store).await, judged_once);
    // A replay from the start: the same view, the same events, none recorded again.
    rebuild(&store, rules, |_| {}).await.expect("rebuilt");
    assert_eq!(every_lapse(&store).await, judged_once);
    assert_eq!(watches(&store).await, view);
}
