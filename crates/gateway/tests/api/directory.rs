//! A curator sets up a service through the JSON API and a link worker's search by postcode
//! finds it, at the distance the postcodes' centroids say; the service's commands change what
//! the search and the history show.

use serde_json::{Value, json};
use testkit::BackendKind;
use uuid::Uuid;

use crate::helpers::{CURATOR, LINK_WORKER, Platform};

testkit::on_both_backends!(
    a_service_set_up_over_json_is_found_near_a_postcode_and_its_history_kept,
    a_postcodes_area_says_how_deprived_it_is,
);

/// The hall's postcode and centroid (the demo region's sample).
const HALL: (&str, f64, f64) = ("LW1 1AN", 53.014018, -1.507315);
/// The person's postcode and centroid.
const HOME: (&str, f64, f64) = ("LW1 1DA", 53.018011, -1.465341);

/// Metres between two points on the haversine sphere the directory uses.
fn metres((_, lat1, lon1): (&str, f64, f64), (_, lat2, lon2): (&str, f64, f64)) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let (dphi, dlambda) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * a.sqrt().asin()
}

fn id(value: &Value) -> String {
    let id = value.as_str().unwrap_or_else(|| panic!("no id: {value}"));
    Uuid::parse_str(id).unwrap_or_else(|_| panic!("{id} is not a UUID"));
    id.to_owned()
}

fn lunch_club(term: &str, name: &str) -> Value {
    json!({
        "name": name,
        "description": "A hot meal and company",
        "taxonomy_terms": [term],
        "minimum_age": 60,
        "takes_referrals": true,
        "languages": ["en"],
        "schedules": [{ "days": ["tuesday"], "opens_at": "12:00", "closes_at": "14:00" }],
        "contacts": [{ "name": "Jo", "phones": ["01234 567890"] }]
    })
}

async fn search(platform: &Platform, query: &str) -> Value {
    platform
        .get(LINK_WORKER, &format!("/api/v1/services?{query}"))
        .await
        .expect(200)
}

async fn a_service_set_up_over_json_is_found_near_a_postcode_and_its_history_kept(
    kind: BackendKind,
) {
    let platform = Platform::start(kind).await;
    let organisation = platform
        .post(
            CURATOR,
            "/api/v1/organizations",
            json!({ "name": "Friends of St Mark's" }),
        )
        .await
        .expect(201);
    let organisation = id(&organisation["id"]);
    let taxonomy = platform
        .post(CURATOR, "/api/v1/taxonomies", json!({ "name": "Needs" }))
        .await
        .expect(201);
    let term = platform
        .post(
            CURATOR,
            "/api/v1/taxonomy_terms",
            json!({ "taxonomy_id": id(&taxonomy["id"]), "name": "Loneliness and isolation" }),
        )
        .await
        .expect(201);
    let term = id(&term["id"]);
    let address = json!({
        "address_1": "1 Church Lane", "city": "Lowtown", "postal_code": "lw11an", "country": "gb"
    });
    let hall = platform
        .post(
            CURATOR,
            "/api/v1/locations",
            json!({ "name": "St Mark's hall", "address": address }),
        )
        .await
        .expect(201);
    assert_eq!(hall["postal_code"], HALL.0, "stored normalised");
    assert_eq!(
        (hall["latitude"].as_f64(), hall["longitude"].as_f64()),
        (Some(HALL.1), Some(HALL.2))
    );
    let hall = id(&hall["location_id"]);

    let listed = platform
        .post(
            CURATOR,
            "/api/v1/services",
            json!({ "organisation_id": organisation, "details": lunch_club(&term, "Tuesday lunch club") }),
        )
        .await;
    assert_eq!(listed.status, 201);
    let service = id(&listed.json["service_id"]);
    assert_eq!(
        listed.location.as_deref(),
        Some(format!("/api/v1/services/{service}").as_str())
    );
    assert_eq!(listed.json["event_types"], json!(["service_listed"]));
    assert_eq!(
        listed.json["service"]["organisation_name"],
        "Friends of St Mark's"
    );
    let added = platform
        .post(
            CURATOR,
            &format!("/api/v1/services/{service}/locations"),
            json!({ "location_id": hall }),
        )
        .await
        .expect(201);
    assert_eq!(added["service"]["locations"][0]["location_id"], hall);

    let near = format!(
        "postcode={}&within_metres=10000&taxonomy_term_ids={term}&age=70&takes_referrals=true",
        HOME.0.replace(' ', "%20")
    );
    let found = search(&platform, &near).await;
    assert_eq!(found["total"], 1, "{found:#}");
    let hit = &found["results"][0];
    assert_eq!(hit["service"]["id"], service);
    assert_eq!(hit["nearest"]["location_id"], hall);
    let distance = hit["distance_metres"].as_f64().expect("a distance");
    let expected = metres(HALL, HOME);
    assert!(
        (distance - expected).abs() < 1.0,
        "{distance} m, expected {expected} m"
    );
    let too_far = search(
        &platform,
        &format!(
            "postcode=LW1%201DA&within_metres={}",
            (expected as u32) - 100
        ),
    )
    .await;
    assert_eq!(too_far["total"], 0, "{too_far:#}");
    assert_eq!(
        search(&platform, "age=30").await["total"],
        0,
        "under the minimum age"
    );

    let path = |rest: &str| format!("/api/v1/services/{service}{rest}");
    let full =
        json!({ "capacity": { "available": 0, "unit": "places", "waitlist": "two_to_six_weeks" } });
    let changed = platform
        .put(CURATOR, &path("/capacity"), full)
        .await
        .expect(200);
    assert_eq!(
        changed["service"]["capacity"]["waitlist"],
        "two_to_six_weeks"
    );
    assert_eq!(search(&platform, "with_capacity=true").await["total"], 0);

    let suspended = platform
        .post(
            CURATOR,
            &path("/suspend"),
            json!({ "reason": "venue closed for repairs" }),
        )
        .await
        .expect(200);
    assert_eq!(suspended["service"]["standing"], "suspended");
    assert_eq!(
        search(&platform, &near).await["total"],
        0,
        "suspended services are never answers"
    );
    let again = platform
        .post(
            CURATOR,
            &path("/suspend"),
            json!({ "reason": "still closed" }),
        )
        .await
        .refused(409);
    assert!(!again.is_empty());
    let reinstated = platform
        .post_empty(CURATOR, &path("/reinstate"))
        .await
        .expect(200);
    assert_eq!(reinstated["service"]["standing"], "active");
    let verified = platform
        .post(
            CURATOR,
            &path("/verify"),
            json!({ "assurer": "curator@example.org" }),
        )
        .await
        .expect(200);
    assert_eq!(verified["service"]["stale"], false);
    assert!(verified["service"]["assured_at"].is_string());
    platform
        .put(
            CURATOR,
            &path(""),
            json!({ "details": lunch_club(&term, "Tuesday lunch and chat") }),
        )
        .await
        .expect(200);
    let now = platform.get(LINK_WORKER, &path("")).await.expect(200);
    assert_eq!(now["details"]["name"], "Tuesday lunch and chat");
    assert_eq!(now["details"]["schedules"][0]["days"], json!(["tuesday"]));

    platform
        .post(
            CURATOR,
            &path("/withdraw"),
            json!({ "reason": "the club has closed" }),
        )
        .await
        .expect(200);
    let refused = platform
        .put(
            CURATOR,
            &path(""),
            json!({ "details": lunch_club(&term, "Revived") }),
        )
        .await
        .refused(409);
    assert!(refused.contains("withdrawn"), "{refused}");

    let history = platform.get(CURATOR, &path("/history")).await.expect(200);
    let types: Vec<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| event["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        [
            "service_listed",
            "service_location_added",
            "service_capacity_changed",
            "service_suspended",
            "service_reinstated",
            "service_verified",
            "service_listed",
            "service_withdrawn"
        ]
    );
    let suspension = &history["events"][3];
    assert_eq!(suspension["summary"], "Suspended: venue closed for repairs");
    assert_eq!(suspension["actor"], CURATOR.user);
    assert!(
        suspension["body"].is_object(),
        "the event as JSON: {suspension:#}"
    );
}

/// `GET /api/v1/postcodes/{postcode}/area`: the IMD decile of the demo sample's (synthetic)
/// rank for the postcode, 9150 for LW1 1DA: the third decile.
async fn a_postcodes_area_says_how_deprived_it_is(kind: BackendKind) {
    let platform = Platform::start(kind).await;
    for written in ["LW1%201DA", "lw11da"] {
        let area = platform
            .get(LINK_WORKER, &format!("/api/v1/postcodes/{written}/area"))
            .await
            .expect(200);
        assert_eq!(area, json!({ "imd_decile": 3 }), "{written}");
    }
    let unknown = platform
        .get(LINK_WORKER, "/api/v1/postcodes/SW1A%201AA/area")
        .await
        .refused(404);
    assert_eq!(unknown, "postcode: not a known postcode");
    // Text the document allows, but not a postcode: the directory's to say, 422.
    let bad = platform
        .get(LINK_WORKER, "/api/v1/postcodes/nowhere/area")
        .await
        .refused(422);
    assert_eq!(bad, "postcode: not a UK postcode");
}
