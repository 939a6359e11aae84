//! Each organisation's entries are its own to change: its curators change its record, its
//! services and the venues it registered, its providers their services' capacity; a directory
//! administrator changes anyone's. To another organisation's curator they are not there — the
//! same NOT_FOUND, word for word, as an id never used.

use proto::directory::v1 as pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use testkit::{BackendKind, Spawned, TestStorage};
use tonic::transport::Channel;
use tonic::{Code, Request};

use crate::helpers::{as_admin, as_role, prepared, spawn_on};

testkit::on_both_backends!(
    another_organisations_entries_are_not_there_to_change,
    an_organisation_changes_its_own_entries,
);

const OURS: &str = "0190a2b4-0000-7000-8000-0000000000a1";
const THEIRS: &str = "0190a2b4-0000-7000-8000-0000000000b1";
const OUR_SERVICE: &str = "0190a2b4-0000-7000-8000-0000000000a2";
const OUR_HALL: &str = "0190a2b4-0000-7000-8000-0000000000a3";
const NEVER_USED: &str = "0190a2b4-0000-7000-8000-0000000000ff";

struct Running {
    client: DirectoryServiceClient<Channel>,
    _spawned: Spawned,
}

/// Two organisations; ours has a venue its curator registered and a service it lists.
async fn start(kind: BackendKind) -> Running {
    let storage = TestStorage::new(kind).await;
    prepared(&storage, "pcds,lat,long\n").await;
    let spawned = spawn_on(storage).await;
    let mut client = DirectoryServiceClient::new(spawned.channel.clone());
    for (id, name) in [(OURS, "Riverside Trust"), (THEIRS, "Hillside Trust")] {
        client
            .register_organization(as_admin(pb::RegisterOrganizationRequest {
                organization_id: id.to_owned(),
                name: name.to_owned(),
                ..pb::RegisterOrganizationRequest::default()
            }))
            .await
            .expect("organisation");
    }
    client
        .register_location(our_curator(hall(OUR_HALL, "St Mark's hall")))
        .await
        .expect("our curator registers a venue");
    client
        .list_service(our_curator(pb::ListServiceRequest {
            service_id: OUR_SERVICE.to_owned(),
            organisation_id: OURS.to_owned(),
            details: Some(details("Lunch club")),
        }))
        .await
        .expect("our curator lists a service");
    Running {
        client,
        _spawned: spawned,
    }
}

fn our_curator<T>(body: T) -> Request<T> {
    as_role("cur-ours", OURS, "directory-curator", body)
}

fn their_curator<T>(body: T) -> Request<T> {
    as_role("cur-theirs", THEIRS, "directory-curator", body)
}

fn hall(id: &str, name: &str) -> pb::RegisterLocationRequest {
    pb::RegisterLocationRequest {
        location_id: id.to_owned(),
        name: name.to_owned(),
        latitude: Some(52.6),
        longitude: Some(-1.1),
        ..pb::RegisterLocationRequest::default()
    }
}

fn details(name: &str) -> pb::ServiceDetails {
    pb::ServiceDetails {
        name: name.to_owned(),
        ..pb::ServiceDetails::default()
    }
}

fn suspend(service_id: &str) -> pb::SuspendServiceRequest {
    pb::SuspendServiceRequest {
        service_id: service_id.to_owned(),
        reason: "PWNED".to_owned(),
    }
}

fn rename(organization_id: &str) -> pb::UpdateOrganizationRequest {
    pb::UpdateOrganizationRequest {
        organization_id: organization_id.to_owned(),
        name: "PWNED".to_owned(),
        ..pb::UpdateOrganizationRequest::default()
    }
}

fn move_hall(location_id: &str) -> pb::UpdateLocationRequest {
    pb::UpdateLocationRequest {
        location_id: location_id.to_owned(),
        name: "PWNED".to_owned(),
        latitude: Some(51.0),
        longitude: Some(0.0),
        ..pb::UpdateLocationRequest::default()
    }
}

async fn another_organisations_entries_are_not_there_to_change(kind: BackendKind) {
    let mut running = start(kind).await;
    let client = &mut running.client;

    let theirs = client
        .suspend_service(their_curator(suspend(OUR_SERVICE)))
        .await;
    let unused = client
        .suspend_service(their_curator(suspend(NEVER_USED)))
        .await;
    let (theirs, unused) = (theirs.expect_err("refused"), unused.expect_err("refused"));
    assert_eq!(
        (theirs.code(), theirs.message()),
        (unused.code(), unused.message())
    );
    assert_eq!(theirs.code(), Code::NotFound);

    let renamed = client
        .update_organization(their_curator(rename(OURS)))
        .await;
    let unused = client
        .update_organization(their_curator(rename(NEVER_USED)))
        .await;
    let (renamed, unused) = (renamed.expect_err("refused"), unused.expect_err("refused"));
    assert_eq!(
        (renamed.code(), renamed.message()),
        (unused.code(), unused.message())
    );

    let moved = client
        .update_location(their_curator(move_hall(OUR_HALL)))
        .await;
    assert_eq!(moved.expect_err("refused").code(), Code::NotFound);

    let listed_for_us = client
        .list_service(their_curator(pb::ListServiceRequest {
            service_id: String::new(),
            organisation_id: OURS.to_owned(),
            details: Some(details("PWNED")),
        }))
        .await
        .expect_err("refused");
    assert_eq!(
        (listed_for_us.code(), listed_for_us.message()),
        (
            Code::InvalidArgument,
            "organisation_id: no such organization"
        )
    );

    let capacity = pb::SetCapacityRequest {
        service_id: OUR_SERVICE.to_owned(),
        capacity: Some(pb::Capacity {
            available: 0,
            unit: "places".to_owned(),
            ..pb::Capacity::default()
        }),
    };
    let provider = as_role("prov-theirs", THEIRS, "vcse-provider", capacity);
    let refused = client.set_capacity(provider).await.expect_err("refused");
    assert_eq!(refused.code(), Code::NotFound);

    // A provider is no curator, even of its own organisation's services.
    let own = as_role("prov-ours", OURS, "vcse-provider", suspend(OUR_SERVICE));
    let refused = client.suspend_service(own).await.expect_err("refused");
    assert_eq!(refused.code(), Code::PermissionDenied);

    // Nothing they tried changed anything.
    let service = client
        .get_service(our_curator(pb::GetServiceRequest {
            service_id: OUR_SERVICE.to_owned(),
        }))
        .await
        .expect("read")
        .into_inner()
        .service
        .expect("the service");
    assert_eq!(service.standing, "active", "{service:?}");
}

async fn an_organisation_changes_its_own_entries(kind: BackendKind) {
    let mut running = start(kind).await;
    let client = &mut running.client;
    client
        .update_organization(our_curator(rename(OURS)))
        .await
        .expect("its own record");
    client
        .update_location(our_curator(move_hall(OUR_HALL)))
        .await
        .expect("the venue it registered");
    let capacity = pb::SetCapacityRequest {
        service_id: OUR_SERVICE.to_owned(),
        capacity: Some(pb::Capacity {
            available: 3,
            unit: "places".to_owned(),
            ..pb::Capacity::default()
        }),
    };
    client
        .set_capacity(as_role("prov-ours", OURS, "vcse-provider", capacity))
        .await
        .expect("its provider sets capacity");
    client
        .suspend_service(our_curator(suspend(OUR_SERVICE)))
        .await
        .expect("its own service");
    client
        .reinstate_service(as_admin(pb::ReinstateServiceRequest {
            service_id: OUR_SERVICE.to_owned(),
        }))
        .await
        .expect("the administrator changes anyone's");
}
