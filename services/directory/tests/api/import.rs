//! Importing an Open Referral UK feed: records created with provenance and found by search; an
//! unchanged feed writes nothing; a changed field writes exactly its event; the HTTP source
//! reads what the file source reads; a malformed record is skipped and reported.

mod feed;

use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime, Weekday};
use directory::app::{Context, DirectoryApp};
use directory::domain::provenance::Provenance;
use directory::domain::service::{Command, Event, Standing};
use directory::import::{
    self, Ids, ImportError, ImportReport, Kind, Limits, Source, SourceError, importer_context,
};
use directory::projections::index::{LiveIndex, Query};
use eventstore::{Actor, EventStore, Position};
use serde_json::json;
use testkit::{BackendKind, TestDatabase, committed_events};

use feed::{FeedCopy, fixture, pages, service_mut};

testkit::on_both_backends!(
    a_first_import_creates_the_records_with_provenance,
    importing_the_same_feed_again_writes_nothing,
    a_changed_field_writes_exactly_its_event,
    the_http_source_imports_what_the_files_hold,
    a_malformed_record_is_skipped_and_reported,
);

/// The name the fixture's records are kept under, whichever way it is read.
const FEED: &str = "https://feeds.example/oruk";

/// Per kind, in `Kind::ALL` order: what the fixture holds.
const FIXTURE_SEEN: [u64; 6] = [1, 4, 2, 4, 4, 5];

/// Events a first import of the fixture writes: 1 taxonomy, 4 terms, 2 organisations, 4
/// locations; walking group 4 (listed, link, capacity, verified), lunch club 2, money advice 3
/// (two links), knit and natter 3 (suspended).
const FIXTURE_EVENTS: u64 = 23;

async fn app(database: &TestDatabase) -> DirectoryApp {
    let store = database.store().await;
    directory::migrate(&store).await.expect("migrate");
    DirectoryApp::new(store)
}

fn files(path: &str) -> Source {
    Source::parse(path).expect("a path").with_feed(FEED)
}

async fn run(app: &DirectoryApp, source: &Source) -> ImportReport {
    import::import(app, source, &importer_context("QWE"), |_| {})
        .await
        .expect("import")
}

/// The log's head once every committed event is readable.
async fn head(store: &EventStore) -> Option<Position> {
    committed_events(store)
        .await
        .last()
        .map(|event| event.position)
}

fn seen(report: &ImportReport) -> Vec<u64> {
    Kind::ALL
        .iter()
        .map(|kind| report.counts(*kind).seen)
        .collect()
}

fn id(kind: Kind, original: &str) -> String {
    Ids::new(FEED).id(kind, original)
}

async fn a_first_import_creates_the_records_with_provenance(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let app = app(&database).await;
    let mut stages = Vec::new();
    let source = files(fixture().to_str().expect("UTF-8"));
    let report = import::import(&app, &source, &importer_context("QWE"), |p| stages.push(p))
        .await
        .expect("import");

    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(seen(&report), FIXTURE_SEEN);
    for kind in Kind::ALL {
        let counts = report.counts(kind);
        assert_eq!(counts.created, counts.seen, "{kind:?}: {counts:?}");
    }
    let log = committed_events(app.store()).await;
    assert_eq!(report.events_written, FIXTURE_EVENTS);
    assert_eq!(log.len() as u64, FIXTURE_EVENTS);
    assert!(
        log.iter()
            .all(|event| event.metadata.actor.id == "importer")
    );
    assert!(
        report
            .notes
            .iter()
            .any(|note| note.original_id == "loc-popup"
                && note.reason.contains("LE1 5GG is not in the postcode table")),
        "{:?}",
        report.notes
    );
    assert_eq!(stages.last().map(|p| (p.done, p.total)), Some((4, Some(4))));

    let (index, _task) = LiveIndex::start(
        app.store().clone(),
        chrono::Duration::days(365),
        std::future::pending(),
    )
    .await
    .expect("index");
    let index = index.read();
    let query = Query {
        text: Some("walks".to_owned()),
        ..Query::default()
    };
    let hits = index.search(&query, chrono::Utc::now()).hits;
    assert_eq!(hits.len(), 1);
    let walk = &hits[0].service;
    assert_eq!(walk.id, id(Kind::Service, "svc-walk"));
    let listed = &walk.listed;
    assert_eq!(
        listed.provenance,
        Some(Provenance {
            feed: FEED.to_owned(),
            original_id: "svc-walk".to_owned()
        })
    );
    assert_eq!(
        listed.organisation_id,
        id(Kind::Organization, "org-riverside")
    );
    assert!(
        !listed.details.takes_referrals,
        "a feed cannot sign up to referrals"
    );
    assert_eq!(listed.details.minimum_age, Some(18));
    assert_eq!(
        listed.details.schedules[0].days,
        [Weekday::Tue, Weekday::Thu]
    );
    assert_eq!(
        listed.details.schedules[0].opens_at,
        NaiveTime::from_hms_opt(10, 0, 0)
    );
    assert_eq!(listed.details.cost_options[0].amount_pence, Some(0));
    assert_eq!(listed.details.contacts[0].phones, ["0116 496 0001"]);
    assert_eq!(
        listed.capacity.as_ref().map(|c| (c.available, c.maximum)),
        Some((5, Some(12)))
    );
    let assured = NaiveDate::from_ymd_opt(2024, 5, 1).expect("date");
    assert_eq!(listed.assured_at.map(|at| at.date_naive()), Some(assured));
    assert_eq!(
        listed
            .locations
            .get(&id(Kind::ServiceAtLocation, "sal-walk-park")),
        Some(&id(Kind::Location, "loc-park"))
    );

    // Needs include narrower terms: the walking group meets "physical activity" through its
    // imported parent, and the money advice drop-in names it directly.
    let activity = Query {
        taxonomy_terms: vec![id(Kind::TaxonomyTerm, "term-activity")],
        ..Query::default()
    };
    let mut ids: Vec<String> = index
        .search(&activity, chrono::Utc::now())
        .hits
        .into_iter()
        .map(|hit| hit.service.id)
        .collect();
    ids.sort();
    let mut expected = vec![
        id(Kind::Service, "svc-walk"),
        id(Kind::Service, "svc-money"),
    ];
    expected.sort();
    assert_eq!(ids, expected);

    let park = index
        .location(&id(Kind::Location, "loc-park"))
        .expect("location");
    assert_eq!(
        park.provenance.as_ref().map(|p| p.original_id.as_str()),
        Some("loc-park")
    );
    assert_eq!(park.record.latitude, Some(52.6451));
    let address = park.record.address.as_ref().expect("address");
    assert_eq!(address.postal_code, "LE4 5AQ");
    let popup = index
        .location(&id(Kind::Location, "loc-popup"))
        .expect("location");
    assert_eq!(
        (popup.record.latitude, popup.record.address.is_none()),
        (None, true)
    );

    let lunch = index
        .service(&id(Kind::Service, "svc-lunch"))
        .expect("lunch club");
    let details = &lunch.listed.details;
    assert_eq!(details.cost_options[0].amount_pence, Some(350));
    assert_eq!(details.languages, ["en", "cy"]);
    assert!(details.schedules[0].days.is_empty());
    assert_eq!(
        details.schedules[0].description.as_deref(),
        Some("Monthly on 1TU 12:00 to 14:00")
    );
    assert_eq!(details.contacts[0].phones, ["0116 496 0002 ext. 12"]);
    let knit = index
        .service(&id(Kind::Service, "svc-knit"))
        .expect("knit and natter");
    assert_eq!(knit.listed.standing, Standing::Suspended);
    assert_eq!(
        knit.listed.details.taxonomy_terms,
        [id(Kind::TaxonomyTerm, "term-loneliness")]
    );
    let walking = index
        .term(&id(Kind::TaxonomyTerm, "term-walking"))
        .expect("term");
    assert_eq!(
        walking.record.parent_id,
        Some(id(Kind::TaxonomyTerm, "term-activity"))
    );
}

async fn importing_the_same_feed_again_writes_nothing(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let app = app(&database).await;
    let source = files(fixture().to_str().expect("UTF-8"));
    run(&app, &source).await;
    let before = head(app.store()).await;

    let again = run(&app, &source).await;

    assert_eq!(head(app.store()).await, before);
    assert_eq!(again.events_written, 0);
    assert!(again.all_unchanged(), "{again:#?}");
    assert_eq!(seen(&again), FIXTURE_SEEN);
}

async fn a_changed_field_writes_exactly_its_event(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let app = app(&database).await;
    run(&app, &files(fixture().to_str().expect("UTF-8"))).await;
    // A curator agrees referrals with the provider: no feed can undo that.
    let money = id(Kind::Service, "svc-money");
    let Some(Event::ServiceListed { mut details, .. }) = app
        .history(&money)
        .await
        .expect("history")
        .into_iter()
        .next()
    else {
        panic!("listed first");
    };
    details.takes_referrals = true;
    let curator = Context {
        actor: Actor {
            id: "curator-1".to_owned(),
            organisation: "ICB-QWE".to_owned(),
            role: "directory-curator".to_owned(),
        },
        correlation_id: uuid::Uuid::new_v4(),
        tenant: "QWE".to_owned(),
    };
    app.handle(&money, Command::Update { details }, &curator)
        .await
        .expect("curator update");
    let before = committed_events(app.store()).await.len();

    let mut edited = pages();
    service_mut(&mut edited, "svc-money")["description"] =
        json!("Now also helps with energy bills.");
    let copy = FeedCopy::new(&edited);
    let report = run(&app, &files(copy.path())).await;

    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.events_written, 1);
    let services = report.counts(Kind::Service);
    assert_eq!((services.changed, services.unchanged), (1, 3));
    for kind in Kind::ALL.into_iter().filter(|kind| *kind != Kind::Service) {
        let counts = report.counts(kind);
        assert_eq!(counts.unchanged, counts.seen, "{kind:?}: {counts:?}");
    }
    let log = committed_events(app.store()).await;
    assert_eq!(log.len(), before + 1);
    let written = log.last().expect("an event");
    assert_eq!(written.stream_id, format!("service-{money}"));
    let Ok(Event::ServiceListed { details, .. }) = written.decode::<Event>() else {
        panic!("{written:?}");
    };
    assert_eq!(details.description, "Now also helps with energy bills.");
    assert!(details.takes_referrals, "the curator's agreement is kept");
}

async fn the_http_source_imports_what_the_files_hold(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let app = app(&database).await;
    let (base, page_two_requests) = feed::serve().await;
    let limits = Limits {
        backoff: Duration::from_millis(10),
        ..Limits::default()
    };
    let api = Source::parse(&base)
        .expect("a URL")
        .with_feed(FEED)
        .with_limits(limits);

    let report = run(&app, &api).await;

    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(seen(&report), FIXTURE_SEEN);
    assert_eq!(report.events_written, FIXTURE_EVENTS);
    assert_eq!(
        page_two_requests.load(Ordering::SeqCst),
        2,
        "a 503 is retried"
    );
    let before = head(app.store()).await;
    let from_files = run(&app, &files(fixture().to_str().expect("UTF-8"))).await;
    assert!(from_files.all_unchanged(), "{from_files:#?}");
    assert_eq!(head(app.store()).await, before);
}

async fn a_malformed_record_is_skipped_and_reported(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let app = app(&database).await;
    let mut edited = pages();
    service_mut(&mut edited, "svc-money")["maximum_age"] = json!(150);
    edited[0]["contents"]
        .as_array_mut()
        .expect("contents")
        .push(json!({"id": "svc-bad", "name": "Bad", "status": 42}));
    let copy = FeedCopy::new(&edited);

    let report = run(&app, &files(copy.path())).await;

    let reasons: Vec<(&str, &str)> = report
        .skipped
        .iter()
        .map(|problem| (problem.original_id.as_str(), problem.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|(id, why)| *id == "svc-bad" && why.contains("page-1.json: contents[2].status")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(id, why)| *id == "svc-money" && why.contains("maximum_age: 150")),
        "{reasons:?}"
    );
    let services = report.counts(Kind::Service);
    assert_eq!(
        (services.seen, services.created, services.skipped),
        (5, 3, 2)
    );
    assert_eq!(
        report.counts(Kind::Organization).created,
        1,
        "org-advice only serves svc-money"
    );
    assert_eq!(report.events_written, 17);
    assert_eq!(committed_events(app.store()).await.len(), 17);

    // A page that is not a page stops the import before it writes anything.
    let broken = FeedCopy::new(&[json!({"contents": 5})]);
    let before = head(app.store()).await;
    let error = import::import(
        &app,
        &files(broken.path()),
        &importer_context("QWE"),
        |_| {},
    )
    .await
    .expect_err("malformed page");
    let ImportError::Source(SourceError::Malformed { origin, path, .. }) = &error else {
        panic!("{error:?}");
    };
    assert!(origin.ends_with("page-1.json"), "{origin}");
    assert_eq!(path, "contents");
    assert_eq!(head(app.store()).await, before);
}
