//! Search correctness on a fixture region, through the real log and the live index: distance
//! order and radius, needs (with narrower terms), eligibility, capacity, opening days, words,
//! stale flags, standing and pages.

use chrono::{Duration, NaiveDate, Utc};
use directory::app::AppError;
use directory::domain::entry::EntryCommand;
use directory::domain::geo::Point;
use directory::domain::records::Location;
use directory::domain::service::Command;
use directory::projections::index::{
    LiveIndex, Near, PageRequest, Query, SearchHit, SearchResults, Sort,
};
use testkit::{BackendKind, TestDatabase};

use crate::helpers::context;
use crate::region::{
    self, HOME_LAT, HOME_LONG, address, details, last_position, places, region, service_at,
    tuesdays, waitlisted,
};

testkit::on_both_backends!(
    nearest_first_within_the_radius,
    needs_include_narrower_terms_and_rank_above_words,
    eligibility_capacity_and_opening_filter,
    stale_services_are_flagged_and_inactive_ones_hidden,
    pages_are_stable_and_complete,
    a_corrected_service_moves_between_needs_and_words,
    a_listing_by_name_follows_renames,
    locations_resolve_their_postcode_and_unknown_postcodes_are_refused,
);

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

fn home(within_km: Option<f64>) -> Option<Near> {
    Some(Near {
        point: Point::new(HOME_LAT, HOME_LONG).expect("on earth"),
        within_m: within_km.map(|km| km * 1000.0),
    })
}

fn ids(results: &SearchResults<SearchHit>) -> Vec<&str> {
    results
        .hits
        .iter()
        .map(|hit| hit.service.id.as_str())
        .collect()
}

async fn search(index: &LiveIndex, query: Query) -> SearchResults<SearchHit> {
    index.read().search(&query, Utc::now())
}

async fn nearest_first_within_the_radius(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    let lonely = |name: &str| details(name, "A friendly group", &["loneliness"]);
    service_at(&app, "far", 8.0, lonely("Far club")).await;
    service_at(&app, "near", 1.0, lonely("Near club")).await;
    let last = service_at(&app, "middle", 3.0, lonely("Middle club")).await;
    index.wait_for(last, WAIT).await.expect("index caught up");

    let query = Query {
        taxonomy_terms: vec!["loneliness".to_owned()],
        near: home(Some(5.0)),
        ..Query::default()
    };
    let results = search(&index, query.clone()).await;
    assert_eq!(ids(&results), ["near", "middle"]);
    assert_eq!(results.total, 2);
    let distances: Vec<f64> = results.hits.iter().filter_map(|h| h.distance_m).collect();
    assert!((distances[0] - 1000.0).abs() < 5.0, "{distances:?}");
    assert!((distances[1] - 3000.0).abs() < 5.0, "{distances:?}");
    assert_eq!(results.hits[0].nearest_site.as_deref(), Some("sal-near"));

    let unlimited = search(
        &index,
        Query {
            near: home(None),
            ..query
        },
    )
    .await;
    assert_eq!(ids(&unlimited), ["near", "middle", "far"]);
}

async fn needs_include_narrower_terms_and_rank_above_words(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    service_at(
        &app,
        "walks",
        4.0,
        details("Health walks", "Walking for health", &["walking"]),
    )
    .await;
    service_at(
        &app,
        "gym",
        1.0,
        details("Gentle gym", "Chair exercise and a chat", &["activity"]),
    )
    .await;
    let last = service_at(
        &app,
        "advice",
        0.5,
        details(
            "Money advice",
            "Debt help; walking distance from town",
            &["debt"],
        ),
    )
    .await;
    index.wait_for(last, WAIT).await.expect("caught up");

    // "Physical activity" finds the walking group through its narrower term.
    let activity = Query {
        taxonomy_terms: vec!["activity".to_owned()],
        near: home(Some(10.0)),
        ..Query::default()
    };
    assert_eq!(ids(&search(&index, activity).await), ["gym", "walks"]);

    // Words: a name match outranks a nearer description-only match.
    let walking = Query {
        text: Some("walking".to_owned()),
        near: home(Some(10.0)),
        ..Query::default()
    };
    let results = search(&index, walking).await;
    assert_eq!(ids(&results), ["walks", "advice"]);
    assert!(results.hits[0].relevance > results.hits[1].relevance);

    // A term's name is searchable too: "debt" is the advice service's need.
    let debt = Query {
        text: Some("Debts".to_owned()),
        ..Query::default()
    };
    assert_eq!(ids(&search(&index, debt).await), ["advice"]);

    let nothing = Query {
        text: Some("knitting".to_owned()),
        ..Query::default()
    };
    assert_eq!(search(&index, nothing).await.total, 0);
}

async fn eligibility_capacity_and_opening_filter(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    let mut adults = details("Adults group", "For adults", &["loneliness"]);
    adults.minimum_age = Some(18);
    adults.schedules = vec![tuesdays()];
    service_at(&app, "adults", 1.0, adults).await;
    let mut young = details("Youth club", "For young people", &["loneliness"]);
    young.minimum_age = Some(11);
    young.maximum_age = Some(17);
    service_at(&app, "young", 2.0, young).await;
    service_at(
        &app,
        "full",
        3.0,
        details("Full group", "No room", &["loneliness"]),
    )
    .await;
    last_position(&app, "full", places(0)).await;
    service_at(
        &app,
        "waiting",
        3.5,
        details("Waiting group", "List", &["loneliness"]),
    )
    .await;
    last_position(&app, "waiting", waitlisted()).await;
    service_at(
        &app,
        "room",
        4.0,
        details("Room group", "Space", &["loneliness"]),
    )
    .await;
    last_position(&app, "room", places(3)).await;
    let mut signposting = details("Leaflets", "Information only", &["loneliness"]);
    signposting.takes_referrals = false;
    let last = service_at(&app, "signpost", 4.5, signposting).await;
    index.wait_for(last, WAIT).await.expect("caught up");

    let base = Query {
        taxonomy_terms: vec!["loneliness".to_owned()],
        near: home(Some(10.0)),
        ..Query::default()
    };
    let for_age = |age| Query {
        age: Some(age),
        ..base.clone()
    };
    assert_eq!(
        ids(&search(&index, for_age(15)).await),
        ["young", "full", "waiting", "room", "signpost"]
    );
    assert_eq!(
        ids(&search(&index, for_age(40)).await),
        ["adults", "full", "waiting", "room", "signpost"]
    );
    // Unknown capacity counts as room; full and waitlisted do not; signposting is excluded.
    let can_take = Query {
        with_capacity: true,
        takes_referrals: true,
        ..base.clone()
    };
    assert_eq!(
        ids(&search(&index, can_take).await),
        ["adults", "young", "room"]
    );
    let tuesday = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let open = Query {
        open_on: Some(tuesday),
        ..base.clone()
    };
    assert_eq!(ids(&search(&index, open).await), ["adults"]);
    let wednesday = Query {
        open_on: tuesday.succ_opt(),
        ..base
    };
    assert_eq!(search(&index, wednesday).await.total, 0);
}

async fn stale_services_are_flagged_and_inactive_ones_hidden(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    let lonely = |name: &str| details(name, "A group", &["loneliness"]);
    service_at(&app, "checked", 1.0, lonely("Checked")).await;
    let verify = Command::Verify {
        assurer: "curator@icb.example".to_owned(),
    };
    last_position(&app, "checked", verify.clone()).await;
    service_at(&app, "old", 2.0, lonely("Old check")).await;
    let long_ago = Utc::now() - Duration::days(400);
    app.handle_at("old", verify, long_ago, &context())
        .await
        .expect("verified long ago");
    service_at(&app, "never", 3.0, lonely("Never checked")).await;
    service_at(&app, "paused", 4.0, lonely("Paused")).await;
    let suspend = Command::Suspend {
        reason: "volunteer shortage".to_owned(),
    };
    let last = last_position(&app, "paused", suspend).await;
    index.wait_for(last, WAIT).await.expect("caught up");

    let query = Query {
        taxonomy_terms: vec!["loneliness".to_owned()],
        near: home(Some(10.0)),
        ..Query::default()
    };
    let results = search(&index, query.clone()).await;
    let flags: Vec<(&str, bool)> = results
        .hits
        .iter()
        .map(|hit| (hit.service.id.as_str(), hit.stale))
        .collect();
    assert_eq!(flags, [("checked", false), ("old", true), ("never", true)]);

    let listing = Query {
        include_inactive: true,
        ..query
    };
    assert_eq!(
        ids(&search(&index, listing).await),
        ["checked", "old", "never", "paused"]
    );
}

async fn pages_are_stable_and_complete(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    let mut last = None;
    for n in 0..7 {
        let id = format!("svc-{n}");
        let details = details(&format!("Group {n}"), "Weekly", &["loneliness"]);
        last = Some(service_at(&app, &id, 1.0 + f64::from(n) * 0.5, details).await);
    }
    index
        .wait_for(last.expect("listed"), WAIT)
        .await
        .expect("caught up");
    let mut seen = Vec::new();
    for number in 1..=3 {
        let query = Query {
            taxonomy_terms: vec!["loneliness".to_owned()],
            near: home(Some(10.0)),
            page: PageRequest { number, size: 3 },
            ..Query::default()
        };
        let results = search(&index, query).await;
        assert_eq!((results.total, results.total_pages()), (7, 3));
        seen.extend(ids(&results).into_iter().map(str::to_owned));
    }
    let expected: Vec<String> = (0..7).map(|n| format!("svc-{n}")).collect();
    assert_eq!(seen, expected);
}

async fn a_corrected_service_moves_between_needs_and_words(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    service_at(
        &app,
        "club",
        2.0,
        details("Lunch club", "Hot meals", &["loneliness"]),
    )
    .await;
    let update = Command::Update {
        details: details("Debt clinic", "Budgeting help", &["debt"]),
    };
    let last = last_position(&app, "club", update).await;
    index.wait_for(last, WAIT).await.expect("caught up");

    let asked = |terms: &[&str], text: Option<&str>, within_km: Option<f64>| Query {
        taxonomy_terms: terms.iter().map(|term| (*term).to_owned()).collect(),
        text: text.map(str::to_owned),
        near: within_km.and_then(|km| home(Some(km))),
        ..Query::default()
    };
    // Both ways of finding candidates (places near the person, postings) see the correction.
    for within_km in [Some(5.0), None] {
        for (terms, text, expected) in [
            (&["loneliness"][..], None, 0),
            (&["debt"][..], None, 1),
            (&[][..], Some("lunch"), 0),
            (&[][..], Some("budgeting"), 1),
            (&[][..], Some("clinic meals"), 1),
        ] {
            let results = search(&index, asked(terms, text, within_km)).await;
            assert_eq!(
                results.total, expected,
                "{terms:?} {text:?} within {within_km:?} km"
            );
        }
    }
}

async fn a_listing_by_name_follows_renames(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    for (id, name) in [("c", "Choir"), ("a", "Art class"), ("b", "Bowls")] {
        service_at(&app, id, 1.0, details(name, "Weekly", &["loneliness"])).await;
    }
    let rename = Command::Update {
        details: details("Zumba", "Weekly", &["loneliness"]),
    };
    let last = last_position(&app, "a", rename).await;
    index.wait_for(last, WAIT).await.expect("caught up");

    let listing = |number: u32, within_km: Option<f64>| Query {
        sort: Sort::Name,
        near: within_km.and_then(|km| home(Some(km))),
        page: PageRequest { number, size: 2 },
        ..Query::default()
    };
    // Walked in name order without a radius, sorted after the scan with one: the same answer.
    for within_km in [None, Some(5.0)] {
        let first = search(&index, listing(1, within_km)).await;
        let second = search(&index, listing(2, within_km)).await;
        assert_eq!((ids(&first), first.total), (vec!["b", "c"], 3));
        assert_eq!(ids(&second), ["a"], "within {within_km:?} km");
        let sites = index
            .read()
            .search_sites(&listing(1, within_km), Utc::now());
        let site_ids: Vec<&str> = sites.hits.iter().map(|h| h.site_id.as_str()).collect();
        assert_eq!(site_ids, ["sal-b", "sal-c"]);
    }
}

async fn locations_resolve_their_postcode_and_unknown_postcodes_are_refused(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, index) = region(database.store().await).await;
    let hall = |postcode: &str| Location {
        name: "Community hall".to_owned(),
        description: None,
        address: Some(address(postcode)),
        latitude: None,
        longitude: None,
    };
    let recorded = app
        .record("hall", EntryCommand::Register(hall("le16zz")), &context())
        .await
        .expect("known postcode");
    let location = &recorded.events[0].record;
    assert_eq!(
        (location.latitude, location.longitude),
        (Some(region::HOME_LAT), Some(region::HOME_LONG))
    );
    assert_eq!(
        location.address.as_ref().map(|a| a.postal_code.as_str()),
        Some("LE1 6ZZ")
    );
    index
        .wait_for(recorded.position.expect("written"), WAIT)
        .await
        .expect("caught up");
    assert!(index.read().location("hall").is_some());

    let unknown = app
        .record(
            "elsewhere",
            EntryCommand::Register(hall("SW1A 1AA")),
            &context(),
        )
        .await;
    assert!(
        matches!(&unknown, Err(AppError::UnknownPostcode)),
        "{unknown:?}"
    );
    let malformed = app
        .record(
            "nowhere",
            EntryCommand::Register(hall("NOT A CODE")),
            &context(),
        )
        .await;
    let message = malformed.expect_err("malformed").to_string();
    assert!(message.starts_with("address.postal_code"), "{message}");
}
