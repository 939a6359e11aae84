//! Integrators' daily device summaries over gRPC: recorded all or none, once per record, only
//! for people who consented; each refusal naming the summary and its field; the timeline and
//! adherence that show them beside the registers; and the device-activity lapse they can raise.

use chrono::{Duration, NaiveDate, Utc};
use engagement::domain::evidence;
use proto::engagement::v1 as pb;
use testkit::BackendKind;
use tonic::Code;
use uuid::Uuid;

use crate::helpers::{Running, VCSE_A, VCSE_B, as_role, caught_up, judged, note, spawn};

testkit::on_both_backends!(
    a_summary_is_recorded_once_however_often_it_is_sent,
    one_unfit_summary_refuses_the_whole_batch_naming_it,
    the_same_record_with_other_content_is_a_conflict,
    only_integrators_send_evidence,
    the_timeline_shows_places_and_device_days_as_of_a_time,
    a_fortnight_of_steps_then_three_low_days_lapses_and_a_good_day_resumes,
);

const INTEGRATOR: &str = "INT-FITCO";

fn integrator<T>(body: T) -> tonic::Request<T> {
    as_role(INTEGRATOR, "integrator", body)
}

/// `n` days ago, as a date.
fn days_ago(n: i64) -> NaiveDate {
    (Utc::now() - Duration::days(n)).date_naive()
}

fn steps(referral_id: Uuid, day: NaiveDate, value: i64, source_id: &str) -> pb::DailySummary {
    pb::DailySummary {
        referral_id: referral_id.to_string(),
        measure: "steps".to_owned(),
        day: day.to_string(),
        value,
        coverage_percent: 90,
        device: "wrist-7".to_owned(),
        source_system: "https://fitco.example/daily".to_owned(),
        source_id: source_id.to_owned(),
    }
}

async fn send(
    running: &mut Running,
    summaries: Vec<pb::DailySummary>,
) -> Result<Vec<pb::RecordedEvidence>, tonic::Status> {
    let body = pb::RecordEvidenceRequest { summaries };
    let answer = running.client.record_evidence(integrator(body)).await;
    answer.map(|answer| answer.into_inner().recorded)
}

/// The evidence events of `referral_id`'s stream.
async fn recorded(running: &Running, referral_id: Uuid) -> usize {
    let store = running.store().await;
    let stream = evidence::stream(referral_id);
    store.load_stream(&stream).await.expect("the stream").len()
}

/// A referral A took on, whose person consents to share device data.
async fn consenting(running: &Running) -> Uuid {
    let referral_id = running.referral(VCSE_A, "accepted").await;
    running.consent_to_device_data(referral_id).await;
    referral_id
}

async fn a_summary_is_recorded_once_however_often_it_is_sent(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral_id = consenting(&running).await;
    let summary = steps(referral_id, days_ago(1), 7_200, "r-1");

    let first = send(&mut running, vec![summary.clone()])
        .await
        .expect("recorded");
    let again = send(&mut running, vec![summary.clone(), summary])
        .await
        .expect("recognised");

    assert_eq!(first.len(), 1);
    assert!(first[0].recorded_now);
    assert_eq!(first[0].source_id, "r-1");
    assert!(again.iter().all(|answer| !answer.recorded_now), "{again:?}");
    assert_eq!(recorded(&running, referral_id).await, 1);
}

async fn one_unfit_summary_refuses_the_whole_batch_naming_it(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral_id = consenting(&running).await;
    let unconsented = running.referral(VCSE_A, "accepted").await;
    let made_today = consenting(&running).await;
    let store = running.store().await;
    let sql = "UPDATE referrals SET requested_micros = $1 WHERE referral_id = $2";
    eventstore::on_pool!(&store, |pool| sqlx::query(sql)
        .bind(Utc::now().timestamp_micros())
        .bind(made_today.to_string())
        .execute(pool)
        .await
        .map(drop))
    .expect("made today");
    let good = steps(referral_id, days_ago(1), 7_200, "good");
    let cases = [
        (
            steps(referral_id, days_ago(1), 100_001, "x"),
            Code::InvalidArgument,
            "summaries[1]: value: 100001 /d is out of range for steps (0 to 100000)",
        ),
        (
            steps(referral_id, days_ago(-2), 10, "x"),
            Code::InvalidArgument,
            "summaries[1]: day: ",
        ),
        (
            pb::DailySummary {
                coverage_percent: 101,
                ..steps(referral_id, days_ago(1), 10, "x")
            },
            Code::InvalidArgument,
            "summaries[1]: coverage: 101",
        ),
        (
            steps(Uuid::now_v7(), days_ago(1), 10, "x"),
            Code::NotFound,
            "summaries[1]: referral_id: no such referral",
        ),
        (
            steps(unconsented, days_ago(1), 10, "x"),
            Code::FailedPrecondition,
            "summaries[1]: referral_id: the person has not consented to share device data",
        ),
        (
            steps(made_today, days_ago(29), 10, "x"),
            Code::FailedPrecondition,
            "summaries[1]: day: ",
        ),
        (
            pb::DailySummary {
                measure: "heart-rate".to_owned(),
                ..steps(referral_id, days_ago(1), 10, "x")
            },
            Code::InvalidArgument,
            "summaries[1].measure",
        ),
        (
            pb::DailySummary {
                day: "yesterday".to_owned(),
                ..steps(referral_id, days_ago(1), 10, "x")
            },
            Code::InvalidArgument,
            "summaries[1].day",
        ),
        (
            pb::DailySummary {
                source_id: String::new(),
                ..steps(referral_id, days_ago(1), 10, "x")
            },
            Code::InvalidArgument,
            "source_id",
        ),
    ];
    for (unfit, code, message) in cases {
        let refused = send(&mut running, vec![good.clone(), unfit.clone()])
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), code, "{unfit:?}: {}", refused.message());
        assert!(
            refused.message().contains(message),
            "{:?} does not say {message:?}",
            refused.message()
        );
        assert_eq!(recorded(&running, referral_id).await, 0, "{unfit:?}");
    }
    // The good summary alone is fine; so is the fortnight or so before a referral was made.
    send(&mut running, vec![good]).await.expect("recorded");
    assert_eq!(recorded(&running, referral_id).await, 1);
    let baseline = steps(made_today, days_ago(27), 10, "baseline");
    send(&mut running, vec![baseline])
        .await
        .expect("a baseline day");
}

async fn the_same_record_with_other_content_is_a_conflict(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral_id = consenting(&running).await;
    send(
        &mut running,
        vec![steps(referral_id, days_ago(2), 5_000, "r-9")],
    )
    .await
    .expect("recorded");

    let other = steps(referral_id, days_ago(2), 5_001, "r-9");
    let new = steps(referral_id, days_ago(1), 6_000, "r-10");
    let refused = send(&mut running, vec![new, other])
        .await
        .expect_err("a conflict");

    assert_eq!(refused.code(), Code::AlreadyExists, "{}", refused.message());
    assert!(
        refused
            .message()
            .starts_with("summaries[1]: source_id: \"r-9\"")
    );
    assert_eq!(recorded(&running, referral_id).await, 1);
}

async fn only_integrators_send_evidence(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral_id = consenting(&running).await;
    let body = pb::RecordEvidenceRequest {
        summaries: vec![steps(referral_id, days_ago(1), 10, "r-1")],
    };
    let refused = running
        .client
        .record_evidence(as_role(VCSE_A, "vcse-provider", body))
        .await
        .expect_err("not an integrator");
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(recorded(&running, referral_id).await, 0);
}

async fn timeline(running: &mut Running, organisation: &str, referral_id: Uuid) -> pb::Timeline {
    let body = pb::GetTimelineRequest {
        referral_id: referral_id.to_string(),
        as_of: None,
    };
    running
        .client
        .get_timeline(as_role(organisation, "vcse-provider", body))
        .await
        .expect("the timeline")
        .into_inner()
}

async fn the_timeline_shows_places_and_device_days_as_of_a_time(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral_id = consenting(&running).await;
    let first = running.session().await;
    let second = running.session_between(-3, -2).await;
    running
        .record(VCSE_A, &first, referral_id, "attended")
        .await
        .expect("attended");
    running
        .record(VCSE_A, &second, referral_id, "did-not-attend")
        .await
        .expect("missed");
    let summaries = vec![
        steps(referral_id, days_ago(2), 6_000, "d-2"),
        pb::DailySummary {
            coverage_percent: 20,
            ..steps(referral_id, days_ago(1), 900, "d-1")
        },
    ];
    send(&mut running, summaries).await.expect("recorded");
    caught_up(&running.store().await, "engagement.places").await;

    let shown = timeline(&mut running, VCSE_A, referral_id).await;

    let places: Vec<&str> = shown
        .entries
        .iter()
        .filter_map(|entry| match &entry.entry {
            Some(pb::timeline_entry::Entry::Place(place)) => Some(place.status.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(places, ["attended", "did-not-attend"]);
    let days: Vec<(u32, bool)> = shown
        .entries
        .iter()
        .filter_map(|entry| match &entry.entry {
            Some(pb::timeline_entry::Entry::DeviceDay(day)) => Some((day.value, day.valid)),
            _ => None,
        })
        .collect();
    assert_eq!(days, [(6_000, true), (900, false)]);
    assert!(shown.device_data_shared);
    let adherence = shown.adherence.expect("adherence");
    assert_eq!(
        (adherence.sessions_attended, adherence.sessions_expected),
        (1, 2)
    );
    // The referral was made at the epoch in this view: every day since is a day of it.
    assert_eq!(adherence.days_with_valid_device_data, 1);
    assert!(adherence.days_so_far > 20_000);

    // As of before anything was recorded: nothing.
    let body = pb::GetTimelineRequest {
        referral_id: referral_id.to_string(),
        as_of: Some(prost_types::Timestamp {
            seconds: (Utc::now() - Duration::hours(3)).timestamp(),
            nanos: 0,
        }),
    };
    let before = running
        .client
        .get_timeline(as_role(VCSE_A, "vcse-provider", body))
        .await
        .expect("the timeline then")
        .into_inner();
    assert_eq!(before.entries, []);

    // Another organisation is no party to it.
    let body = pb::GetTimelineRequest {
        referral_id: referral_id.to_string(),
        as_of: None,
    };
    let refused = running
        .client
        .get_timeline(as_role(VCSE_B, "vcse-provider", body))
        .await
        .expect_err("not a party");
    assert_eq!(refused.code(), Code::NotFound);

    // Consent withdrawn: the device days are no longer shown.
    let store = running.store().await;
    let sql = "UPDATE referrals SET share_device_data = FALSE WHERE referral_id = $1";
    eventstore::on_pool!(&store, |pool| sqlx::query(sql)
        .bind(referral_id.to_string())
        .execute(pool)
        .await
        .map(drop))
    .expect("withdrawn");
    let withdrawn = timeline(&mut running, VCSE_A, referral_id).await;
    assert!(!withdrawn.device_data_shared);
    assert_eq!(withdrawn.entries.len(), 2, "the places alone");
}

async fn a_fortnight_of_steps_then_three_low_days_lapses_and_a_good_day_resumes(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let referral_id = consenting(&running).await;
    let store = running.store().await;
    note(
        &store,
        referral_id,
        "accepted",
        Utc::now() - Duration::days(30),
    )
    .await;
    let fortnight: Vec<pb::DailySummary> = (4..=17)
        .map(|n| steps(referral_id, days_ago(n), 8_000, &format!("d{n}")))
        .collect();
    send(&mut running, fortnight).await.expect("a fortnight");
    let low: Vec<pb::DailySummary> = (1..=3)
        .rev()
        .map(|n| steps(referral_id, days_ago(n), 1_500, &format!("d{n}")))
        .collect();
    send(&mut running, low).await.expect("three low days");
    judged(&store).await;

    let lapses = running
        .lapses(VCSE_A, "vcse-provider", &referral_id.to_string())
        .await
        .expect("the lapses");
    assert_eq!(lapses.len(), 1, "{lapses:?}");
    assert_eq!(lapses[0].rule, "device-activity-below-own-fortnight");
    assert!(lapses[0].evidence.contains("8000 a day over 14 valid days"));
    assert_eq!(lapses[0].resumed_at, None);

    send(
        &mut running,
        vec![steps(referral_id, days_ago(0), 7_000, "d0")],
    )
    .await
    .expect("a good day");
    judged(&store).await;
    let lapses = running
        .lapses(VCSE_A, "vcse-provider", &referral_id.to_string())
        .await
        .expect("the lapses");
    assert!(lapses[0].resumed_at.is_some(), "{lapses:?}");
}
