//! What every engagement test starts from: the directory and the engagement service spawned
//! as `linkwork up` runs them, organisation A's directory service listed, and one method per
//! thing a test does through the API.

use std::time::Duration as Wait;

use chrono::{DateTime, Duration, Utc};
use engagement::domain::events::{self, Event};
use eventstore::{Actor, EventMetadata, EventStore, ExpectedVersion, NewEvent, Subscription};
use prost_types::Timestamp;
use proto::directory::v1 as directory_pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use proto::engagement::v1 as pb;
use proto::engagement::v1::engagement_service_client::EngagementServiceClient;
use servicekit::Settings;
use testkit::{BackendKind, Spawn, Spawned};
use tonic::Request;
use tonic::transport::Channel;
use uuid::Uuid;

pub(crate) const VCSE_A: &str = "0190a2b4-0000-7000-8000-00000000a001";
pub(crate) const VCSE_B: &str = "0190a2b4-0000-7000-8000-00000000b001";

/// The directory and the engagement service, serving.
pub(crate) struct Running {
    pub(crate) client: EngagementServiceClient<Channel>,
    pub(crate) spawned: Spawned,
    /// A's directory service.
    pub(crate) service_id: String,
}

pub(crate) fn as_role<T>(organisation: &str, role: &str, body: T) -> Request<T> {
    let caller = identity::Caller::new(&format!("{role}-1"), organisation, role);
    testkit::signed_in(&caller, Request::new(body))
}

pub(crate) fn provider<T>(organisation: &str, body: T) -> Request<T> {
    as_role(organisation, "vcse-provider", body)
}

/// `hours` from now.
pub(crate) fn at(hours: i64) -> Timestamp {
    let at = Utc::now() + Duration::hours(hours);
    Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

/// The directory and the engagement service, with organisation A's service listed.
pub(crate) async fn spawn(kind: BackendKind) -> Running {
    let settings = Settings::default().with_secret(engagement::config::CHECK_IN_KEY.name, [5; 32]);
    let spawned = Spawn::new(&directory::SERVICE, Settings::default(), kind)
        .and(&engagement::SERVICE, settings)
        .start()
        .await;
    let mut directory = DirectoryServiceClient::new(spawned.channel.clone());
    fn curator<T>(body: T) -> Request<T> {
        as_role("ICB", "directory-admin", body)
    }
    for (id, name) in [(VCSE_A, "A Trust"), (VCSE_B, "B Trust")] {
        directory
            .register_organization(curator(directory_pb::RegisterOrganizationRequest {
                organization_id: id.to_owned(),
                name: name.to_owned(),
                description: "Community groups".to_owned(),
                ..Default::default()
            }))
            .await
            .expect("an organisation");
    }
    let service_id = Uuid::now_v7().to_string();
    directory
        .list_service(curator(directory_pb::ListServiceRequest {
            service_id: service_id.clone(),
            organisation_id: VCSE_A.to_owned(),
            details: Some(directory_pb::ServiceDetails {
                name: "Tuesday walk".to_owned(),
                description: "A walk and a cup of tea".to_owned(),
                takes_referrals: true,
                ..Default::default()
            }),
        }))
        .await
        .expect("listed");
    Running {
        client: EngagementServiceClient::new(spawned.channel.clone()),
        spawned,
        service_id,
    }
}

impl Running {
    /// A referral `organisation` took on (`status`), as the engagement service's view of the
    /// referral service's events holds it.
    pub(crate) async fn referral(&self, organisation: &str, status: &str) -> Uuid {
        let referral_id = Uuid::new_v4();
        let store = self.spawned.store(engagement::SERVICE.name).await;
        let sql = "INSERT INTO referrals (referral_id, subject, referrer, owner, holder, status, \
                   requested_micros, share_with_referrer) \
                   VALUES ($1, $2, 'PCN-LW-01', $3, $3, $4, 0, TRUE)";
        let id = referral_id.to_string();
        let subject = format!("nhs-hmac:{}", referral_id.simple());
        eventstore::on_pool!(&store, |pool| sqlx::query(sql)
            .bind(&id)
            .bind(&subject)
            .bind(organisation)
            .bind(status)
            .execute(pool)
            .await
            .map(drop))
        .expect("the referral in the view");
        referral_id
    }

    /// Records that the person of `referral_id` consents to share device data, as the referral
    /// service's `referral_requested` tells the view.
    pub(crate) async fn consent_to_device_data(&self, referral_id: Uuid) {
        let store = self.store().await;
        let sql = "UPDATE referrals SET share_device_data = TRUE WHERE referral_id = $1";
        eventstore::on_pool!(&store, |pool| sqlx::query(sql)
            .bind(referral_id.to_string())
            .execute(pool)
            .await
            .map(drop))
        .expect("the consent in the view");
    }

    /// A's session, from an hour ago for two hours.
    pub(crate) async fn session(&mut self) -> String {
        self.session_between(-1, 1).await
    }

    /// A's session, from `starts` hours from now to `ends`.
    pub(crate) async fn session_between(&mut self, starts: i64, ends: i64) -> String {
        self.client
            .schedule_session(provider(
                VCSE_A,
                pb::ScheduleSessionRequest {
                    service_id: self.service_id.clone(),
                    starts_at: Some(at(starts)),
                    ends_at: Some(at(ends)),
                    title: "Tuesday walk, Riverside park".to_owned(),
                    ..Default::default()
                },
            ))
            .await
            .expect("scheduled")
            .into_inner()
            .session_id
    }

    pub(crate) async fn record(
        &mut self,
        organisation: &str,
        session_id: &str,
        referral_id: Uuid,
        status: &str,
    ) -> Result<pb::Attendance, tonic::Status> {
        let body = pb::RecordAttendanceRequest {
            session_id: session_id.to_owned(),
            referral_id: referral_id.to_string(),
            status: status.to_owned(),
        };
        let answer = self
            .client
            .record_attendance(provider(organisation, body))
            .await;
        answer.map(tonic::Response::into_inner)
    }

    /// The engagement service's log.
    pub(crate) async fn store(&self) -> EventStore {
        self.spawned.store(engagement::SERVICE.name).await
    }

    /// `referral_id`'s lapses, as `role` of `organisation` reads them.
    pub(crate) async fn lapses(
        &mut self,
        organisation: &str,
        role: &str,
        referral_id: &str,
    ) -> Result<Vec<pb::Lapse>, tonic::Status> {
        let body = pb::ListLapsesRequest {
            referral_id: referral_id.to_owned(),
        };
        let answer = self
            .client
            .list_lapses(as_role(organisation, role, body))
            .await;
        answer.map(|answer| answer.into_inner().lapses)
    }
}

/// The engagement service itself, as what it records on its own account names it.
pub(crate) fn system(subject: Option<&str>) -> EventMetadata {
    EventMetadata {
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        traceparent: None,
        actor: Actor {
            id: "linkwork-engagement".to_owned(),
            organisation: "QWE".to_owned(),
            role: "system".to_owned(),
        },
        data_subject: subject.map(str::to_owned),
        tenant: "QWE".to_owned(),
    }
}

/// Appends `event` to `stream` of `store`, as the service would record it.
pub(crate) async fn record(store: &EventStore, stream: &str, event: &Event, subject: Option<&str>) {
    let at = match event {
        Event::ReferralStatusNoted { at, .. } | Event::ClockTicked { at } => *at,
        Event::EngagementLapsed(alerted) | Event::EngagementResumed(alerted) => alerted.at,
    };
    let new = NewEvent::json(
        Uuid::now_v7(),
        event.event_type(),
        1,
        at,
        event,
        system(subject),
    )
    .expect("JSON");
    store
        .append(stream, ExpectedVersion::Any, vec![new])
        .await
        .expect("recorded");
}

/// Notes `referral_id`'s status in `store`'s log, as the service's consumer of the referral
/// service's events does.
pub(crate) async fn note(store: &EventStore, referral_id: Uuid, status: &str, at: DateTime<Utc>) {
    let subject = format!("nhs-hmac:{}", referral_id.simple());
    let noted = Event::ReferralStatusNoted {
        referral_id,
        subject: subject.clone(),
        status: status.to_owned(),
        at,
    };
    record(
        store,
        &events::followed_stream(referral_id),
        &noted,
        Some(&subject),
    )
    .await;
}

/// Records a clock tick at `at` in `store`'s log.
pub(crate) async fn tick(store: &EventStore, at: DateTime<Utc>) {
    record(
        store,
        events::CLOCK_STREAM,
        &Event::ClockTicked { at },
        None,
    )
    .await;
}

/// Waits until the lapse evaluator has judged everything `store`'s log held when asked.
pub(crate) async fn judged(store: &EventStore) {
    caught_up(store, engagement::projections::lapses::SUBSCRIPTION).await;
}

/// Waits until subscription `name` has seen everything `store`'s log held when asked.
pub(crate) async fn caught_up(store: &EventStore, name: &str) {
    let target = store
        .last_committed_position()
        .await
        .expect("the log's end");
    let subscription = Subscription::new(store.clone(), name);
    let deadline = tokio::time::Instant::now() + Wait::from_secs(60);
    while subscription.checkpoint().await.expect("checkpoint") < target {
        assert!(
            tokio::time::Instant::now() < deadline,
            "subscription {name} never caught up"
        );
        tokio::time::sleep(Wait::from_millis(50)).await;
    }
}
