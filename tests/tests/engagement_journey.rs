//! A person's attendance end to end, with the directory, referral and engagement services on
//! logs of their own and the bus between them — NATS JetStream with PostgreSQL, and the
//! in-process bus with SQLite: a GP refers, the link workers refer the person on to a VCSE
//! service, the provider accepts; the engagement service learns who the provider took on only
//! from the referral's published events; the provider's register and the person's QR check-in
//! are recorded, and on JetStream `session_attended` is published with the pseudonym and the
//! evidence source — never the check-in token.

use std::time::Duration;

use chrono::Utc;
use linkwork_tests::world::{BusHome, BusKind, own_bus};
use proto::directory::v1 as directory_pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use proto::engagement::v1 as pb;
use proto::engagement::v1::engagement_service_client::EngagementServiceClient;
use proto::referral::v1 as referral_pb;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use referral::config::{MASTER_KEY, PSEUDONYM_KEY};
use serde_json::Value;
use servicekit::Settings;
use testkit::{BackendKind, Spawn};
use tonic::{Code, Request};
use uuid::Uuid;

const GP_PRACTICE: &str = "Y01234";
const LINK_WORKERS: &str = "PCN-LW-01";
const VCSE: &str = "0190a2b4-0000-7000-8000-00000000a001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_jetstream_on_postgres() {
    attendance_follows_the_onward_referral(BusKind::JetStream, BackendKind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_in_process_bus_on_sqlite() {
    attendance_follows_the_onward_referral(BusKind::InProcess, BackendKind::Sqlite).await;
}

fn as_role<T>(user: &str, organisation: &str, role: &str, body: T) -> Request<T> {
    let caller = identity::Caller::new(user, organisation, role);
    testkit::signed_in(&caller, Request::new(body))
}

fn timestamp(at: chrono::DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

/// Retries `attempt` while it answers one of `waiting` (what a service says until the bus has
/// brought it what it needs), for up to two minutes.
async fn once_heard<T, F, Fut>(waiting: &[Code], mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        match attempt().await {
            Ok(answer) => return answer.into_inner(),
            Err(status) if waiting.contains(&status.code()) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "never heard: {status:?}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => panic!("refused: {status:?}"),
        }
    }
}

async fn attendance_follows_the_onward_referral(bus: BusKind, backend: BackendKind) {
    testkit::init_logging();
    let (wiring, home) = own_bus(bus).await;
    let prefix = wiring.prefix.clone();
    let referral_settings = Settings::default()
        .with_secret(PSEUDONYM_KEY.name, [7; 32])
        .with_secret(MASTER_KEY.name, [9; 32]);
    let engagement_settings =
        Settings::default().with_secret(engagement::config::CHECK_IN_KEY.name, [5; 32]);
    let running = Spawn::new(&directory::SERVICE, Settings::default(), backend)
        .and(&referral::SERVICE, referral_settings)
        .and(&engagement::SERVICE, engagement_settings)
        .wired(wiring)
        .start()
        .await;

    // The VCSE organisation's service, listed by the directory's administrator.
    let mut directory = DirectoryServiceClient::new(running.channel.clone());
    let admin = |body| as_role("admin", "ICB", "directory-admin", body);
    directory
        .register_organization(admin(directory_pb::RegisterOrganizationRequest {
            organization_id: VCSE.to_owned(),
            name: "Riverside Community Trust".to_owned(),
            ..Default::default()
        }))
        .await
        .expect("an organisation");
    let service_id = Uuid::now_v7().to_string();
    directory
        .list_service(as_role(
            "admin",
            "ICB",
            "directory-admin",
            directory_pb::ListServiceRequest {
                service_id: service_id.clone(),
                organisation_id: VCSE.to_owned(),
                details: Some(directory_pb::ServiceDetails {
                    name: "Tuesday walk".to_owned(),
                    description: "A walk and a cup of tea".to_owned(),
                    takes_referrals: true,
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("listed");

    // A GP refers; the link workers take the person on and refer them on to the walk.
    let mut referrals = ReferralServiceClient::new(running.channel.clone());
    let referral_id = Uuid::new_v4();
    referrals
        .create_referral(as_role(
            "dr-patel",
            GP_PRACTICE,
            "referrer",
            referral_pb::CreateReferralRequest {
                referral_id: referral_id.to_string(),
                referrer_practitioner: "dr-patel".to_owned(),
                receiving_organisation: LINK_WORKERS.to_owned(),
                reason_codes: vec!["871731000000106".to_owned()],
                accept_by: Some(timestamp(Utc::now() + chrono::Duration::days(3))),
                nhs_number: "401 023 2137".to_owned(),
                consent_share_with_providers: true,
                ..Default::default()
            },
        ))
        .await
        .expect("referred");
    for status in ["accepted", "in-progress"] {
        referrals
            .change_status(as_role(
                "lw-ana",
                LINK_WORKERS,
                "link-worker",
                referral_pb::ChangeStatusRequest {
                    referral_id: referral_id.to_string(),
                    status: status.to_owned(),
                    reason: String::new(),
                },
            ))
            .await
            .expect("moved");
    }
    let child = Uuid::new_v4();
    let onward = referral_pb::ReferOnwardRequest {
        referral_id: referral_id.to_string(),
        child_referral_id: child.to_string(),
        service_id: service_id.clone(),
        accept_by: Some(timestamp(Utc::now() + chrono::Duration::days(14))),
    };
    // Until the referral service has heard of the walk over the bus, it refuses to refer on.
    once_heard(&[Code::FailedPrecondition, Code::NotFound], || {
        let mut referrals = referrals.clone();
        let body = onward.clone();
        async move {
            referrals
                .refer_onward(as_role("lw-ana", LINK_WORKERS, "link-worker", body))
                .await
        }
    })
    .await;
    referrals
        .change_status(as_role(
            "coordinator",
            VCSE,
            "vcse-provider",
            referral_pb::ChangeStatusRequest {
                referral_id: child.to_string(),
                status: "accepted".to_owned(),
                reason: String::new(),
            },
        ))
        .await
        .expect("the provider accepts");

    // The provider's session, its register and the person's QR check-in.
    let mut engagement = EngagementServiceClient::new(running.channel.clone());
    fn provider<T>(body: T) -> Request<T> {
        as_role("coordinator", VCSE, "vcse-provider", body)
    }
    let starts = Utc::now() - chrono::Duration::minutes(10);
    let session = engagement
        .schedule_session(provider(pb::ScheduleSessionRequest {
            service_id: service_id.clone(),
            starts_at: Some(timestamp(starts)),
            ends_at: Some(timestamp(starts + chrono::Duration::hours(2))),
            title: "Tuesday walk, Riverside park".to_owned(),
            ..Default::default()
        }))
        .await
        .expect("scheduled")
        .into_inner();
    let issue = pb::IssueCheckInRequest {
        session_id: session.session_id.clone(),
        referral_id: child.to_string(),
    };
    // Until the engagement service has heard that the provider took the person on, the
    // referral is unknown to it.
    let token = once_heard(&[Code::NotFound], || {
        let mut engagement = engagement.clone();
        let body = issue.clone();
        async move {
            engagement
                .issue_check_in(as_role("coordinator", VCSE, "vcse-provider", body))
                .await
        }
    })
    .await
    .token;
    let checked_in = engagement
        .check_in(as_role(
            "citizen-1",
            "NHS-LOGIN",
            "citizen",
            pb::CheckInRequest {
                session_id: session.session_id.clone(),
                token: token.clone(),
                referral_id: String::new(),
            },
        ))
        .await
        .expect("checked in")
        .into_inner();
    assert_eq!(
        (checked_in.referral_id.as_str(), checked_in.source.as_str()),
        (child.to_string().as_str(), "qr-check-in")
    );

    if let BusHome::Nats(nats) = &home {
        let context = nats.jetstream();
        let subject = format!(
            "{prefix}.engagement.session.session-{}.session_attended",
            Uuid::parse_str(&session.session_id)
                .expect("a UUID")
                .simple()
        );
        let message =
            linkwork_tests::published::last_on(&context, &prefix, "engagement", &subject).await;
        let envelope = messaging::decode_envelope(&message.payload).expect("an envelope");
        let published: Value = envelope.event.decode().expect("JSON");
        assert_eq!(published["referral_id"], child.to_string());
        assert_eq!(published["source"], "qr-check-in");
        assert_eq!(published["service_id"], service_id);
        assert!(published.get("token_id").is_none(), "{published}");
        let subject = published["subject"].as_str().expect("the pseudonym");
        assert!(subject.starts_with("nhs-hmac:"), "{subject}");
        assert_eq!(
            envelope.event.metadata.data_subject.as_deref(),
            Some(subject)
        );
    }

    // Then they stop coming: two sessions missed in a row is a lapse, which the link workers
    // see on the referral they hold.
    for weeks_ago in [2, 1] {
        let starts = Utc::now() - chrono::Duration::weeks(weeks_ago);
        let missed = engagement
            .schedule_session(provider(pb::ScheduleSessionRequest {
                service_id: service_id.clone(),
                starts_at: Some(timestamp(starts)),
                ends_at: Some(timestamp(starts + chrono::Duration::hours(2))),
                title: format!("Walk, {weeks_ago} weeks ago"),
                ..Default::default()
            }))
            .await
            .expect("scheduled")
            .into_inner();
        engagement
            .record_attendance(provider(pb::RecordAttendanceRequest {
                session_id: missed.session_id,
                referral_id: child.to_string(),
                status: "did-not-attend".to_owned(),
            }))
            .await
            .expect("did not attend");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let lapse = loop {
        let holdings = referrals
            .list_holdings(as_role(
                "lw-ana",
                LINK_WORKERS,
                "link-worker",
                referral_pb::ListHoldingsRequest::default(),
            ))
            .await
            .expect("the holdings")
            .into_inner()
            .holdings;
        let held = holdings
            .iter()
            .find(|held| held.referral_id == referral_id.to_string())
            .expect("the referral is held");
        if let Some(lapse) = held.lapses.first() {
            break lapse.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lapse never showed: {held:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(lapse.referral_id, child.to_string());
    assert_eq!(lapse.rule, "missed-sessions-in-a-row");

    // Every event of both referrals names the person by their pseudonym, whoever caused it.
    let log = running.store(referral::SERVICE.name).await;
    for id in [referral_id, child] {
        let events = log
            .load_stream(&format!("referral-{}", id.simple()))
            .await
            .expect("the referral's stream");
        let subjects: std::collections::BTreeSet<Option<String>> = events
            .iter()
            .map(|event| event.metadata.data_subject.clone())
            .collect();
        assert_eq!(subjects.len(), 1, "{subjects:?}");
        assert!(subjects.iter().all(Option::is_some), "{subjects:?}");
    }

    running.stop().await.expect("stopped");
}
