//! The directory service over gRPC, as a curator's tool and a link worker's app call it: a real
//! tonic server on a free port, a real client, a real log.

use proto::directory::v1 as pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use testkit::{BackendKind, Spawned, TestStorage};
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

use crate::helpers::{as_admin, prepared, spawn_on};

testkit::on_both_backends!(
    a_service_set_up_over_grpc_is_found_near_a_postcode_and_its_history_kept,
    bad_requests_get_the_status_that_names_the_problem,
    refused_commands_get_the_status_that_says_why,
);

/// The person's postcode and its centroid.
const HOME: &str = "LE1 6ZZ";
/// The community hall's postcode: 0.01° (about 1.1 km) north of home.
const HALL: &str = "LE2 1AA";
/// Record ids: HSDS requires every published id to be a UUID.
const ORG: &str = "0190a2b4-0000-7000-8000-000000000001";
const NEEDS: &str = "0190a2b4-0000-7000-8000-000000000002";
const LONELINESS: &str = "0190a2b4-0000-7000-8000-000000000003";
const HALL_ID: &str = "0190a2b4-0000-7000-8000-000000000004";
const LUNCH: &str = "0190a2b4-0000-7000-8000-000000000005";
const NOBODY: &str = "0190a2b4-0000-7000-8000-0000000000f1";
const NOWHERE: &str = "0190a2b4-0000-7000-8000-0000000000f2";
const MISSING: &str = "0190a2b4-0000-7000-8000-0000000000f3";
/// Metres per degree of latitude (the haversine sphere's).
const M_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

struct Running {
    client: DirectoryServiceClient<Channel>,
    _spawned: Spawned,
}

/// Serves a fresh directory (with the two postcodes' centroids loaded) on a free port.
async fn start(kind: BackendKind) -> Running {
    let storage = TestStorage::new(kind).await;
    let csv = format!("pcds,lat,long\n{HOME},52.6,-1.1\n{HALL},52.61,-1.1\n");
    prepared(&storage, &csv).await;
    let spawned = spawn_on(storage).await;
    Running {
        client: DirectoryServiceClient::new(spawned.channel.clone()),
        _spawned: spawned,
    }
}

fn refused<T: std::fmt::Debug>(result: Result<tonic::Response<T>, Status>) -> (Code, String) {
    let status = result.expect_err("refused");
    (status.code(), status.message().to_owned())
}

fn lunch_club() -> pb::ServiceDetails {
    pb::ServiceDetails {
        name: "Tuesday lunch club".to_owned(),
        description: "A hot meal and company".to_owned(),
        taxonomy_terms: vec![LONELINESS.to_owned()],
        minimum_age: Some(60),
        takes_referrals: true,
        languages: vec!["en".to_owned()],
        schedules: vec![pb::Schedule {
            days: vec!["tuesday".to_owned()],
            opens_at: "12:00".to_owned(),
            closes_at: "14:00".to_owned(),
            ..pb::Schedule::default()
        }],
        ..pb::ServiceDetails::default()
    }
}

/// The organisation, the needs taxonomy with its one term, and the hall (placed by postcode).
async fn reference_records(client: &mut DirectoryServiceClient<Channel>) {
    let organisation = client
        .register_organization(as_admin(pb::RegisterOrganizationRequest {
            organization_id: ORG.to_owned(),
            name: "Riverside Community Trust".to_owned(),
            description: "Community groups by the river".to_owned(),
            ..pb::RegisterOrganizationRequest::default()
        }))
        .await
        .expect("organisation")
        .into_inner();
    assert_eq!(
        (
            organisation.id.as_str(),
            organisation.event_types.as_slice()
        ),
        (ORG, ["organization_recorded".to_owned()].as_slice())
    );
    client
        .register_taxonomy(as_admin(pb::RegisterTaxonomyRequest {
            taxonomy_id: NEEDS.to_owned(),
            name: "Social prescribing needs".to_owned(),
            description: "What matters to people".to_owned(),
            ..pb::RegisterTaxonomyRequest::default()
        }))
        .await
        .expect("taxonomy");
    client
        .register_taxonomy_term(as_admin(pb::RegisterTaxonomyTermRequest {
            taxonomy_term_id: LONELINESS.to_owned(),
            taxonomy_id: NEEDS.to_owned(),
            name: "Loneliness and isolation".to_owned(),
            description: "Feeling alone".to_owned(),
            ..pb::RegisterTaxonomyTermRequest::default()
        }))
        .await
        .expect("term");
    let hall = client
        .register_location(as_admin(pb::RegisterLocationRequest {
            location_id: HALL_ID.to_owned(),
            name: "St Mark's community hall".to_owned(),
            address: Some(pb::Address {
                address_1: "1 Church Lane".to_owned(),
                city: "Leicester".to_owned(),
                postal_code: "le21aa".to_owned(),
                country: "GB".to_owned(),
                ..pb::Address::default()
            }),
            ..pb::RegisterLocationRequest::default()
        }))
        .await
        .expect("location")
        .into_inner();
    assert_eq!(hall.postal_code, HALL, "the postcode is stored normalised");
    assert_eq!((hall.latitude, hall.longitude), (Some(52.61), Some(-1.1)));
}

fn lunch_club_listing() -> pb::ListServiceRequest {
    pb::ListServiceRequest {
        service_id: LUNCH.to_owned(),
        organisation_id: ORG.to_owned(),
        details: Some(lunch_club()),
    }
}

fn near_home(within_metres: u32) -> pb::SearchRequest {
    pb::SearchRequest {
        taxonomy_term_ids: vec![LONELINESS.to_owned()],
        postcode: HOME.to_owned(),
        within_metres: Some(within_metres),
        ..pb::SearchRequest::default()
    }
}

async fn a_service_set_up_over_grpc_is_found_near_a_postcode_and_its_history_kept(
    kind: BackendKind,
) {
    let mut running = start(kind).await;
    let client = &mut running.client;
    reference_records(client).await;

    let listed = client
        .list_service(as_admin(lunch_club_listing()))
        .await
        .expect("list")
        .into_inner();
    assert_eq!(listed.event_types, ["service_listed"]);
    let service = listed.service.expect("the new state");
    assert_eq!(
        (
            service.standing.as_str(),
            service.organisation_name.as_str()
        ),
        ("active", "Riverside Community Trust")
    );
    let added = client
        .add_service_location(as_admin(pb::AddServiceLocationRequest {
            service_id: LUNCH.to_owned(),
            service_at_location_id: String::new(),
            location_id: HALL_ID.to_owned(),
        }))
        .await
        .expect("add location")
        .into_inner();
    assert_eq!(added.event_types, ["service_location_added"]);
    assert!(
        !added.service_at_location_id.is_empty(),
        "a link id is assigned"
    );
    let capacity = client
        .set_capacity(as_admin(pb::SetCapacityRequest {
            service_id: LUNCH.to_owned(),
            capacity: Some(pb::Capacity {
                available: 3,
                maximum: Some(10),
                unit: "places".to_owned(),
                ..pb::Capacity::default()
            }),
        }))
        .await
        .expect("capacity")
        .into_inner();
    assert_eq!(capacity.event_types, ["service_capacity_changed"]);

    // No waiting: each command answered only once the index showed its write.
    let found = client
        .search(as_admin(near_home(2_000)))
        .await
        .expect("search")
        .into_inner();
    assert_eq!((found.total, found.total_pages), (1, 1));
    let hit = &found.results[0];
    assert_eq!(hit.service.as_ref().map(|s| s.id.as_str()), Some(LUNCH));
    let distance = hit.distance_metres.expect("a distance");
    assert!(
        (distance - 0.01 * M_PER_DEGREE).abs() < 1.0,
        "the hall is about 1112 m from home, got {distance}"
    );
    let nearest = hit.nearest.as_ref().expect("the nearest place");
    assert_eq!(
        (nearest.id.as_str(), nearest.location_id.as_str()),
        (added.service_at_location_id.as_str(), HALL_ID)
    );
    assert_eq!(hit.capacity.as_ref().map(|c| c.available), Some(3));
    assert!(hit.stale, "never verified, so stale");
    let too_far = client
        .search(as_admin(near_home(1_000)))
        .await
        .expect("search")
        .into_inner();
    assert_eq!((too_far.total, too_far.results.len()), (0, 0));

    let fetched = client
        .get_service(as_admin(pb::GetServiceRequest {
            service_id: LUNCH.to_owned(),
        }))
        .await
        .expect("get")
        .into_inner()
        .service
        .expect("service");
    let details = fetched.details.expect("details");
    assert_eq!(details.schedules[0].days, ["tuesday"]);
    assert_eq!(details.minimum_age, Some(60));
    assert_eq!(fetched.locations.len(), 1);
    assert_eq!(fetched.locations[0].postal_code, HALL);

    let history = client
        .service_history(as_admin(pb::ServiceHistoryRequest {
            service_id: LUNCH.to_owned(),
        }))
        .await
        .expect("history")
        .into_inner()
        .events;
    let types: Vec<_> = history.iter().map(|event| event.r#type.as_str()).collect();
    assert_eq!(
        types,
        [
            "service_listed",
            "service_location_added",
            "service_capacity_changed"
        ]
    );
    let versions: Vec<_> = history.iter().map(|event| event.version).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(history[2].summary, "Capacity: 3 of 10 places free");
    assert!(history[0].summary.contains("Tuesday lunch club"));
    assert!(history.iter().all(|event| event.actor == "curator-1"));
    let body = history[1].body.as_ref().expect("the body as recorded");
    let location = body
        .fields
        .get("location_id")
        .and_then(|value| value.kind.as_ref());
    assert_eq!(
        location,
        Some(&prost_types::value::Kind::StringValue(HALL_ID.to_owned()))
    );
    let times: Vec<_> = history
        .iter()
        .map(|event| event.occurred_at.expect("occurred_at").seconds)
        .collect();
    assert!(times.is_sorted(), "oldest first: {times:?}");
}

async fn bad_requests_get_the_status_that_names_the_problem(kind: BackendKind) {
    let mut running = start(kind).await;
    let client = &mut running.client;
    reference_records(client).await;

    let (code, message) = refused(
        client
            .search(as_admin(pb::SearchRequest {
                postcode: "LE9 9ZZ".to_owned(),
                ..pb::SearchRequest::default()
            }))
            .await,
    );
    assert_eq!(code, Code::InvalidArgument);
    assert_eq!(message, "postcode: not a known postcode");
    let (code, message) = refused(
        client
            .search(as_admin(pb::SearchRequest {
                postcode: "nowhere".to_owned(),
                ..pb::SearchRequest::default()
            }))
            .await,
    );
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.starts_with("postcode: "), "{message}");
    // Larger than the ingest limit: refused before anything reads it.
    let (code, message) = refused(
        client
            .search(as_admin(pb::SearchRequest {
                text: "x".repeat(300 * 1024),
                ..pb::SearchRequest::default()
            }))
            .await,
    );
    assert_eq!(code, Code::ResourceExhausted);
    assert_eq!(message, "the request is larger than 256 KiB");
    let (code, message) = refused(
        client
            .search(as_admin(pb::SearchRequest {
                page_size: 501,
                ..pb::SearchRequest::default()
            }))
            .await,
    );
    assert_eq!(
        (code, message.as_str()),
        (Code::InvalidArgument, "page_size must be from 0 to 500")
    );

    let mut unknown_organisation = lunch_club_listing();
    unknown_organisation.organisation_id = NOBODY.to_owned();
    let (code, message) = refused(client.list_service(as_admin(unknown_organisation)).await);
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.starts_with("organisation_id: "), "{message}");
    let mut bad_id = lunch_club_listing();
    bad_id.service_id = "svc lunch".to_owned();
    let (code, message) = refused(client.list_service(as_admin(bad_id)).await);
    assert_eq!(code, Code::InvalidArgument);
    assert!(message.starts_with("service_id must be"), "{message}");

    let (code, message) = refused(
        client
            .register_location(as_admin(pb::RegisterLocationRequest {
                location_id: NOWHERE.to_owned(),
                name: "Nowhere hall".to_owned(),
                address: Some(pb::Address {
                    address_1: "1 Nowhere Road".to_owned(),
                    city: "Leicester".to_owned(),
                    postal_code: "LE9 9ZZ".to_owned(),
                    country: "GB".to_owned(),
                    ..pb::Address::default()
                }),
                ..pb::RegisterLocationRequest::default()
            }))
            .await,
    );
    assert_eq!(code, Code::InvalidArgument);
    assert!(
        message.starts_with("address.postal_code: not a known postcode"),
        "{message}"
    );

    let (code, _) = refused(
        client
            .get_service(as_admin(pb::GetServiceRequest {
                service_id: MISSING.to_owned(),
            }))
            .await,
    );
    assert_eq!(code, Code::NotFound);
    let (code, message) = refused(
        client
            .search(Request::new(pb::SearchRequest::default()))
            .await,
    );
    assert_eq!(code, Code::Unauthenticated, "{message}");
}

async fn refused_commands_get_the_status_that_says_why(kind: BackendKind) {
    let mut running = start(kind).await;
    let client = &mut running.client;
    reference_records(client).await;
    client
        .list_service(as_admin(lunch_club_listing()))
        .await
        .expect("list");

    let (code, _) = refused(client.list_service(as_admin(lunch_club_listing())).await);
    assert_eq!(code, Code::AlreadyExists);

    let suspend = || {
        as_admin(pb::SuspendServiceRequest {
            service_id: LUNCH.to_owned(),
            reason: "Hall closed for repairs".to_owned(),
        })
    };
    let suspended = client.suspend_service(suspend()).await.expect("suspend");
    let suspended = suspended.into_inner();
    assert_eq!(suspended.event_types, ["service_suspended"]);
    assert_eq!(
        suspended.service.map(|service| service.standing),
        Some("suspended".to_owned())
    );
    let (code, message) = refused(client.suspend_service(suspend()).await);
    assert_eq!(
        (code, message.as_str()),
        (Code::FailedPrecondition, "the service is already suspended")
    );
    let hidden = client
        .search(as_admin(pb::SearchRequest {
            taxonomy_term_ids: vec![LONELINESS.to_owned()],
            ..pb::SearchRequest::default()
        }))
        .await
        .expect("search")
        .into_inner();
    assert_eq!(hidden.total, 0, "a suspended service is not an answer");

    let (code, _) = refused(
        client
            .reinstate_service(as_admin(pb::ReinstateServiceRequest {
                service_id: MISSING.to_owned(),
            }))
            .await,
    );
    assert_eq!(code, Code::NotFound);
}
