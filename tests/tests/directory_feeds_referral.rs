//! Two real services wired through a real bus: what a curator does in the directory reaches
//! the referral service's view of it through the directory's relay and the referral service's
//! consumer, on NATS JetStream and on the in-process bus.
//!
//! This is the published-event contract tested end to end, where the unit tests on each side
//! test it by shape.

use std::time::Duration;

use linkwork_tests::world::{BusKind, own_bus};
use proto::directory::v1 as pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use referral::config::{MASTER_KEY, PSEUDONYM_KEY};
use servicekit::Settings;
use testkit::{BackendKind, Spawn};
use tonic::Request;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_jetstream() {
    a_curators_changes_reach_the_referral_service(BusKind::JetStream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_in_process_bus() {
    a_curators_changes_reach_the_referral_service(BusKind::InProcess).await;
}

fn as_curator<T>(body: T) -> Request<T> {
    let curator = identity::Caller::new("curator-1", "ICB-QWE", "directory-admin");
    testkit::signed_in(&curator, Request::new(body))
}

/// The referral service's view of one directory service: (takes_referrals, has_capacity, state).
async fn view(store: &eventstore::EventStore, service_id: &str) -> Option<(bool, bool, String)> {
    let pool = store.pg_pool().expect("PostgreSQL");
    sqlx::query_as(
        "SELECT takes_referrals, has_capacity, state FROM directory_services WHERE service_id = $1",
    )
    .bind(service_id)
    .fetch_optional(pool)
    .await
    .expect("query the view")
}

/// Waits (generously: a slow disk is not a lost event) until the view shows `expected`.
async fn until_view(
    store: &eventstore::EventStore,
    service_id: &str,
    expected: (bool, bool, &str),
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let seen = view(store, service_id).await;
        if seen
            .as_ref()
            .is_some_and(|(t, c, s)| (*t, *c, s.as_str()) == expected)
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the referral view never showed {expected:?}; last saw {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_curators_changes_reach_the_referral_service(kind: BusKind) {
    testkit::init_logging();
    let (wiring, _home) = own_bus(kind).await;
    // Each service as Kubernetes runs it: a process (here, a host) and a database of its own.
    let directory = Spawn::new(
        &directory::SERVICE,
        Settings::default(),
        BackendKind::Postgres,
    )
    .wired(wiring.clone())
    .start()
    .await;
    let referral_settings = Settings::default()
        .with_secret(PSEUDONYM_KEY.name, [7; 32])
        .with_secret(MASTER_KEY.name, [9; 32]);
    let referral = Spawn::new(&referral::SERVICE, referral_settings, BackendKind::Postgres)
        .wired(wiring)
        .start()
        .await;
    let referral_store = referral.store(referral::SERVICE.name).await;

    let mut client = DirectoryServiceClient::new(directory.channel.clone());
    let organisation = client
        .register_organization(as_curator(pb::RegisterOrganizationRequest {
            name: "Riverside Community Trust".to_owned(),
            description: "Community groups".to_owned(),
            ..Default::default()
        }))
        .await
        .expect("organisation")
        .into_inner()
        .id;
    let service_id = Uuid::now_v7().to_string();
    client
        .list_service(as_curator(pb::ListServiceRequest {
            service_id: service_id.clone(),
            organisation_id: organisation,
            details: Some(pb::ServiceDetails {
                name: "Tuesday lunch club".to_owned(),
                description: "Lunch and company".to_owned(),
                takes_referrals: true,
                ..Default::default()
            }),
        }))
        .await
        .expect("list");
    until_view(&referral_store, &service_id, (true, true, "active")).await;

    client
        .set_capacity(as_curator(pb::SetCapacityRequest {
            service_id: service_id.clone(),
            capacity: Some(pb::Capacity {
                available: 0,
                maximum: Some(20),
                unit: "places".to_owned(),
                ..Default::default()
            }),
        }))
        .await
        .expect("full");
    until_view(&referral_store, &service_id, (true, false, "active")).await;

    client
        .withdraw_service(as_curator(pb::WithdrawServiceRequest {
            service_id: service_id.clone(),
            reason: "the club has closed".to_owned(),
        }))
        .await
        .expect("withdraw");
    until_view(&referral_store, &service_id, (true, false, "withdrawn")).await;

    directory
        .stop()
        .await
        .expect("the directory stopped cleanly");
    referral
        .stop()
        .await
        .expect("the referral service stopped cleanly");
}
