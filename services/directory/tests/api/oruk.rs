//! The Open Referral UK API over real HTTP: every kind of response valid against the vendored
//! HSDS schemas, the fully nested service, places near a postcode, the stale alert, open CORS,
//! and 400s and 404s that name what is wrong.

use serde_json::Value;
use testkit::BackendKind;

use crate::oruk_fixture::{
    ACTIVITY, ARCHIVE, CHOIR, CHOIR_AT_HALL, HALL, LONELINESS, LUNCH, LUNCH_AT_HALL, MISSING,
    NEEDS, ORG, PARK, Served, UNKNOWN_POSTCODE, WALK, WALK_AT_PARK, WALKING, serve,
};
use crate::schema::{assert_valid, assert_valid_page};

testkit::on_both_backends!(
    every_endpoint_answers_valid_hsds,
    a_service_is_served_fully_nested_with_stable_ids,
    only_the_stale_service_carries_the_alert,
    places_near_a_postcode_are_nearest_first_within_the_radius,
    filters_combine_and_pages_are_complete,
    bad_requests_are_refused_naming_the_parameter,
    every_response_has_open_cors_and_preflights_are_answered,
);

const SERVICE: &str = "service_with_definitions.json";
const SITE: &str = "service_with_definitions.json#/definitions/service_at_location";
const ORGANIZATION: &str = "service_with_definitions.json#/definitions/organization";
const TAXONOMY: &str = "service_with_definitions.json#/definitions/taxonomy";
const TERM: &str = "service_with_definitions.json#/definitions/taxonomy_term";
const API_ROOT: &str = "openapi.json#/paths/~1/get/responses/200/content/application~1json/schema";

/// The ids in a page's contents, in order.
fn ids(page: &Value) -> Vec<&str> {
    page["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .map(|item| item["id"].as_str().expect("an id"))
        .collect()
}

/// The service ids of a page of service_at_locations, in order.
fn service_ids(page: &Value) -> Vec<&str> {
    page["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .map(|item| item["service"]["id"].as_str().expect("a nested service"))
        .collect()
}

/// A page of service_at_locations, each item and the service nested in it valid.
fn assert_valid_sites(page: &Value) {
    assert_valid_page(SITE, page);
    for item in page["contents"].as_array().expect("contents") {
        assert_valid(SERVICE, &item["service"]);
    }
}

/// How many days before today (UTC) an HSDS date is; the fixture was built moments ago, so
/// "today" may have just become yesterday.
fn days_ago(date: &Value) -> i64 {
    let date = date.as_str().expect("a date");
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("YYYY-MM-DD");
    (chrono::Utc::now().date_naive() - date).num_days()
}

fn service_in<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .find(|item| item["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in {page:#}"))
}

async fn every_endpoint_answers_valid_hsds(kind: BackendKind) {
    let oruk = serve(kind).await;
    let root = oruk.ok("/oruk/").await;
    assert_valid(API_ROOT, &root);
    assert_eq!(root["version"], "3.0");
    assert!(
        root["profile"]
            .as_str()
            .is_some_and(|url| url.contains("OpenReferralUK"))
    );
    assert!(
        root.get("openapi_url").is_none(),
        "we serve no OpenAPI document"
    );

    for query in ["", "?minimal=true", "?full=true"] {
        let page = oruk.ok(&format!("/oruk/services{query}")).await;
        assert_valid_page(SERVICE, &page);
        assert_eq!(page["total_items"], 4, "every standing is listed: {page:#}");
    }
    let page = oruk.ok("/oruk/services").await;
    for (id, status) in [
        (LUNCH, "active"),
        (WALK, "active"),
        (CHOIR, "temporarily closed"),
        (ARCHIVE, "defunct"),
    ] {
        assert_eq!(service_in(&page, id)["status"], status, "{id}");
        assert_valid(SERVICE, &oruk.ok(&format!("/oruk/services/{id}")).await);
    }

    let taxonomies = oruk.ok("/oruk/taxonomies").await;
    assert_valid_page(TAXONOMY, &taxonomies);
    assert_eq!(ids(&taxonomies), [NEEDS]);
    assert_valid(
        TAXONOMY,
        &oruk.ok(&format!("/oruk/taxonomies/{NEEDS}")).await,
    );
    let terms = oruk.ok("/oruk/taxonomy_terms").await;
    assert_valid_page(TERM, &terms);
    assert_eq!(terms["total_items"], 3);
    let walking = oruk.ok(&format!("/oruk/taxonomy_terms/{WALKING}")).await;
    assert_valid(TERM, &walking);
    assert_eq!(walking["parent_id"], ACTIVITY);
    assert_eq!(walking["taxonomy_detail"]["id"], NEEDS);

    let organizations = oruk.ok("/oruk/organizations?full_service=true").await;
    assert_valid_page(ORGANIZATION, &organizations);
    assert_eq!(ids(&organizations), [ORG]);
    assert_valid(
        ORGANIZATION,
        &oruk.ok(&format!("/oruk/organizations/{ORG}")).await,
    );

    let sites = oruk.ok("/oruk/service_at_locations").await;
    assert_valid_sites(&sites);
    assert_eq!(
        sites["total_items"], 3,
        "the withdrawn service is nowhere: {sites:#}"
    );
    let site = oruk
        .ok(&format!("/oruk/service_at_locations/{WALK_AT_PARK}"))
        .await;
    assert_valid(SITE, &site);
    assert_valid(SERVICE, &site["service"]);
    assert_eq!(site["location"]["id"], PARK);
    assert_eq!(site["service"]["id"], WALK);
    assert_eq!(site["service"]["capacities"][0]["available"], 0);
}

async fn a_service_is_served_fully_nested_with_stable_ids(kind: BackendKind) {
    let oruk = serve(kind).await;
    let lunch = oruk.ok(&format!("/oruk/services/{LUNCH}")).await;
    assert_valid(SERVICE, &lunch);
    assert_eq!(lunch["organization"]["id"], ORG);
    assert_eq!(lunch["status"], "active");
    assert_eq!(lunch["minimum_age"], 60);
    assert!(days_ago(&lunch["assured_date"]) <= 1, "verified today");
    assert!(
        lunch["assurer_email"]
            .as_str()
            .is_some_and(|email| email.contains('@')),
        "the assurer is served: {lunch}"
    );

    let site = &lunch["service_at_locations"][0];
    assert_eq!(site["id"], LUNCH_AT_HALL);
    assert_eq!(site["location"]["id"], HALL);
    assert_eq!(site["location"]["location_type"], "physical");
    assert!((site["location"]["latitude"].as_f64().expect("placed") - 52.61).abs() < 1e-9);
    let address = &site["location"]["addresses"][0];
    assert_eq!(address["postal_code"], "LE2 1AA");
    assert_eq!(address["state_province"], "Leicestershire", "the county");

    let weekly = &lunch["schedules"][0];
    assert_eq!(weekly["freq"], "WEEKLY");
    assert_eq!(weekly["byday"], "TU,TH");
    assert_eq!(
        (weekly["opens_at"].as_str(), weekly["closes_at"].as_str()),
        (Some("10:00"), Some("12:30"))
    );
    let words = &lunch["schedules"][1];
    assert!(
        words.get("freq").is_none() && words.get("byday").is_none(),
        "{words:#}"
    );
    assert!(
        words["description"]
            .as_str()
            .is_some_and(|text| text.contains("picnic"))
    );

    let costs = &lunch["cost_options"];
    assert_eq!(
        (costs[0]["amount"].as_f64(), costs[0]["currency"].as_str()),
        (Some(3.5), Some("GBP"))
    );
    assert_eq!(costs[1]["amount"].as_f64(), Some(0.0));
    let contact = &lunch["contacts"][0];
    assert_eq!(contact["email"], "sam@riverside.example.org");
    assert_eq!(contact["phones"][1]["number"], "07700 900000");
    assert_eq!(contact["phones"][1]["contact_id"], contact["id"]);
    let codes: Vec<_> = lunch["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .map(|l| l["code"].clone())
        .collect();
    assert_eq!(codes, ["en", "cy"]);

    let capacity = &lunch["capacities"][0];
    assert_eq!(
        (capacity["available"].as_u64(), capacity["maximum"].as_u64()),
        (Some(3), Some(10))
    );
    assert_eq!(capacity["unit"]["name"], "places");
    assert!(
        capacity["updated"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    let attribute = &lunch["attributes"][0];
    assert_eq!(attribute["taxonomy_term_id"], LONELINESS);
    assert_eq!(
        attribute["taxonomy_term"]["name"],
        "Loneliness and isolation"
    );
    assert_eq!(attribute["taxonomy_term"]["taxonomy_detail"]["id"], NEEDS);

    let walk = oruk.ok(&format!("/oruk/services/{WALK}")).await;
    let band = walk["capacities"][0]["description"]
        .as_str()
        .expect("the waiting list in words");
    assert!(band.contains("two to six weeks"), "{band}");
    assert_eq!(
        walk["service_at_locations"][0]["location"]["addresses"][0]["state_province"], "Leicester",
        "no county: the town"
    );
    assert_eq!(
        walk["capacities"][0]["unit"]["id"], capacity["unit"]["id"],
        "one unit, one id"
    );

    assert_eq!(
        oruk.ok(&format!("/oruk/services/{LUNCH}")).await,
        lunch,
        "the same ids on every read"
    );
    let mut satellite_ids = Vec::new();
    for kind in [
        "schedules",
        "cost_options",
        "contacts",
        "languages",
        "capacities",
        "attributes",
    ] {
        satellite_ids.extend(
            lunch[kind]
                .as_array()
                .expect(kind)
                .iter()
                .map(|item| item["id"].clone()),
        );
    }
    let distinct: std::collections::BTreeSet<_> =
        satellite_ids.iter().map(Value::to_string).collect();
    assert_eq!(
        distinct.len(),
        satellite_ids.len(),
        "satellite ids are distinct"
    );
}

async fn only_the_stale_service_carries_the_alert(kind: BackendKind) {
    let oruk = serve(kind).await;
    let services = oruk.ok("/oruk/services").await;
    let sites = oruk.ok("/oruk/service_at_locations").await;
    let minimal = oruk.ok("/oruk/services?minimal=true").await;
    for id in [LUNCH, WALK, CHOIR, ARCHIVE] {
        let detail = oruk.ok(&format!("/oruk/services/{id}")).await;
        let alerts = [
            detail.get("alert"),
            service_in(&services, id).get("alert"),
            service_in(&minimal, id).get("alert"),
        ];
        if id == WALK {
            for alert in alerts {
                let alert = alert.and_then(Value::as_str).expect("a stale alert");
                assert!(alert.contains("last verified on"), "{alert}");
                assert!(
                    alert.contains("Check them with the provider before referring"),
                    "{alert}"
                );
            }
            let age = days_ago(&detail["assured_date"]);
            assert!(
                (400..=401).contains(&age),
                "assured_date is kept: {age} days ago"
            );
        } else {
            assert_eq!(alerts, [None, None, None], "{id} was verified recently");
        }
    }
    for item in sites["contents"].as_array().expect("contents") {
        let stale = item["service"]["id"] == WALK;
        assert_eq!(item["service"].get("alert").is_some(), stale, "{item:#}");
    }
}

async fn places_near_a_postcode_are_nearest_first_within_the_radius(kind: BackendKind) {
    let oruk = serve(kind).await;
    let near = oruk
        .ok("/oruk/service_at_locations?postcode=le1%206zz&proximity=2000")
        .await;
    assert_valid_sites(&near);
    let mut hall = service_ids(&near);
    hall.sort_unstable();
    assert_eq!(hall, [LUNCH, CHOIR], "the park is 5.6 km away");
    assert!(
        ids(&near)
            .iter()
            .all(|id| [LUNCH_AT_HALL, CHOIR_AT_HALL].contains(id))
    );

    let anywhere = oruk
        .ok("/oruk/service_at_locations?postcode=LE1%206ZZ")
        .await;
    assert_valid_sites(&anywhere);
    assert_eq!(
        ids(&anywhere).last(),
        Some(&WALK_AT_PARK),
        "the farthest last"
    );
    assert_eq!(anywhere["total_items"], 3);
    // Nearest first even when the farthest is the most relevant: the walk matches both words,
    // the hall's services only "friendly", and the index alone would rank the walk first.
    let searched = "/oruk/service_at_locations?postcode=LE1%206ZZ&search=walking%20friendly";
    let searched = oruk.ok(searched).await;
    assert_eq!(searched["total_items"], 3);
    assert_eq!(ids(&searched).last(), Some(&WALK_AT_PARK));

    let far = oruk
        .ok("/oruk/service_at_locations?postcode=LE1%206ZZ&proximity=7000&per_page=1&page=3")
        .await;
    assert_valid_sites(&far);
    assert_eq!(ids(&far), [WALK_AT_PARK]);
    assert_eq!(
        (far["total_items"].as_u64(), far["total_pages"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        (far["last_page"].as_bool(), far["first_page"].as_bool()),
        (Some(true), Some(false))
    );

    let services = oruk
        .ok("/oruk/services?postcode=LE1%206ZZ&proximity=2000")
        .await;
    assert_valid_page(SERVICE, &services);
    let mut found = ids(&services);
    found.sort_unstable();
    assert_eq!(found, [LUNCH, CHOIR]);
}

async fn filters_combine_and_pages_are_complete(kind: BackendKind) {
    let oruk = serve(kind).await;
    let activity = oruk
        .ok(&format!("/oruk/services?taxonomy_term_id={ACTIVITY}"))
        .await;
    let mut found = ids(&activity);
    found.sort_unstable();
    assert_eq!(found, [WALK, ARCHIVE], "narrower terms count");
    let lonely_sites = oruk
        .ok(&format!(
            "/oruk/service_at_locations?taxonomy_term_id={LONELINESS}"
        ))
        .await;
    let mut found = service_ids(&lonely_sites);
    found.sort_unstable();
    assert_eq!(found, [LUNCH, CHOIR]);

    let unknown = oruk
        .ok(&format!("/oruk/services?taxonomy_term_id={MISSING}"))
        .await;
    assert_valid_page(SERVICE, &unknown);
    assert_eq!(
        (unknown["empty"].as_bool(), unknown["total_items"].as_u64()),
        (Some(true), Some(0))
    );
    let none = oruk
        .ok(&format!(
            "/oruk/services?organization_id={MISSING}&taxonomy_id={NEEDS}"
        ))
        .await;
    assert_eq!(none["total_items"], 0, "filters combine with AND");
    assert_eq!(
        oruk.ok(&format!(
            "/oruk/services?organization_id={ORG}&taxonomy_id={NEEDS}"
        ))
        .await["total_items"],
        4
    );
    let future = oruk
        .ok("/oruk/services?modified_after=2999-01-01T00:00:00Z")
        .await;
    assert_eq!(future["total_items"], 0);
    assert_eq!(
        oruk.ok("/oruk/services?modified_after=2000-01-01").await["total_items"],
        4
    );
    assert_eq!(ids(&oruk.ok("/oruk/services?search=choir").await), [CHOIR]);

    let mut paged = Vec::new();
    for page in 1..=3 {
        let one = oruk
            .ok(&format!("/oruk/services?per_page=2&page={page}"))
            .await;
        assert_valid_page(SERVICE, &one);
        assert_eq!(
            (one["page_number"].as_u64(), one["total_pages"].as_u64()),
            (Some(page), Some(2))
        );
        paged.extend(ids(&one).into_iter().map(str::to_owned));
    }
    let all = oruk.ok("/oruk/services").await;
    assert_eq!(
        paged,
        ids(&all),
        "two pages of two, then an empty third, in listing order"
    );

    let tops = oruk.ok("/oruk/taxonomy_terms?top_only=true").await;
    let mut found = ids(&tops);
    found.sort_unstable();
    assert_eq!(found, [LONELINESS, ACTIVITY]);
    assert_eq!(
        ids(&oruk
            .ok(&format!("/oruk/taxonomy_terms?parent_id={ACTIVITY}"))
            .await),
        [WALKING]
    );
    assert_eq!(
        oruk.ok(&format!("/oruk/taxonomy_terms?taxonomy_id={MISSING}"))
            .await["total_items"],
        0
    );
    assert_eq!(
        ids(&oruk.ok("/oruk/organizations?search=riverside").await),
        [ORG]
    );
}

/// GETs `target` and returns the error message of the 400 it must get.
async fn refused(oruk: &Served, target: &str) -> String {
    let reply = oruk.get(target).await;
    assert_eq!(reply.status, 400, "GET {target}");
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("*"),
        "GET {target}"
    );
    reply.json()["error"]
        .as_str()
        .expect("an error message")
        .to_owned()
}

async fn bad_requests_are_refused_naming_the_parameter(kind: BackendKind) {
    let oruk = serve(kind).await;
    for (target, parameter) in [
        ("/oruk/services?page=0", "page"),
        ("/oruk/services?per_page=501", "per_page"),
        ("/oruk/services?per_page=ten", "per_page"),
        ("/oruk/service_at_locations?proximity=1000", "proximity"),
        (
            "/oruk/service_at_locations?postcode=LE1%206ZZ&proximity=-3",
            "proximity",
        ),
        (
            "/oruk/service_at_locations?postcode=not-a-postcode",
            "postcode",
        ),
        (
            "/oruk/services?modified_after=last%20week",
            "modified_after",
        ),
        ("/oruk/services?minimal=yes", "minimal"),
        ("/oruk/services?format=ndjson", "format"),
        ("/oruk/taxonomy_terms?top_only=maybe", "top_only"),
        ("/oruk/organizations?page=0", "page"),
    ] {
        let message = refused(&oruk, target).await;
        assert!(
            message.starts_with(&format!("{parameter}: ")),
            "{target}: {message}"
        );
    }
    let unknown = refused(
        &oruk,
        "/oruk/service_at_locations?postcode=le9%209zz&proximity=500",
    )
    .await;
    assert!(
        unknown.starts_with("postcode: ") && unknown.contains(UNKNOWN_POSTCODE),
        "{unknown}"
    );
    let unknown = refused(&oruk, "/oruk/services?postcode=LE9%209ZZ").await;
    assert!(unknown.contains(UNKNOWN_POSTCODE), "{unknown}");

    for target in [
        format!("/oruk/services/{MISSING}"),
        format!("/oruk/service_at_locations/{MISSING}"),
        format!("/oruk/organizations/{MISSING}"),
        format!("/oruk/taxonomies/{MISSING}"),
        format!("/oruk/taxonomy_terms/{MISSING}"),
        "/oruk/services/not-even-a-uuid".to_owned(),
        "/oruk/programs".to_owned(),
    ] {
        let reply = oruk.get(&target).await;
        assert_eq!(reply.status, 404, "GET {target}");
        assert!(reply.json()["error"].as_str().is_some(), "GET {target}");
    }
    let reply = oruk.get(&format!("/oruk/services/{MISSING}")).await;
    assert!(
        reply.json()["error"]
            .as_str()
            .is_some_and(|message| message.contains(MISSING))
    );
}

async fn every_response_has_open_cors_and_preflights_are_answered(kind: BackendKind) {
    let oruk = serve(kind).await;
    for (target, status) in [
        ("/oruk/".to_owned(), 200),
        (format!("/oruk/services/{LUNCH}"), 200),
        (format!("/oruk/services/{MISSING}"), 404),
        ("/oruk/nowhere".to_owned(), 404),
        ("/oruk/services?page=0".to_owned(), 400),
    ] {
        let reply = oruk.get(&target).await;
        assert_eq!(reply.status, status, "GET {target}");
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("*"),
            "GET {target}"
        );
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "GET {target}"
        );
    }
    let refused = oruk
        .request("POST", "/oruk/services", &[("Content-Length", "0")])
        .await;
    assert_eq!(refused.status, 405, "read only");
    assert_eq!(refused.header("access-control-allow-origin"), Some("*"));

    let preflight = oruk
        .request(
            "OPTIONS",
            "/oruk/service_at_locations",
            &[
                ("Origin", "https://finder.example.org"),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "accept, x-requested-with"),
            ],
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let methods = preflight
        .header("access-control-allow-methods")
        .expect("allowed methods");
    assert!(
        methods.contains("GET") && methods.contains("OPTIONS"),
        "{methods}"
    );
    let headers = preflight
        .header("access-control-allow-headers")
        .expect("allowed headers");
    assert!(headers.contains("x-requested-with"), "{headers}");
    let bare = oruk.request("OPTIONS", "/oruk/", &[]).await;
    assert_eq!(bare.status, 204);
    assert!(bare.header("access-control-allow-headers").is_some());
}
