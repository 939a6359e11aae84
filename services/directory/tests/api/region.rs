//! A small fixture region for search tests: one person's postcode in the middle, services at
//! known distances north of it, built through the application's commands into a real log.

use chrono::{Duration, NaiveTime, Utc, Weekday};
use directory::app::DirectoryApp;
use directory::domain::centroids;
use directory::domain::entry::EntryCommand;
use directory::domain::records::{Address, Location, Organization, Taxonomy, TaxonomyTerm};
use directory::domain::satellites::Schedule;
use directory::domain::service::{Capacity, Command, Details, WaitlistBand};
use directory::postcodes::PostcodeDirectory;
use directory::projections::index::LiveIndex;
use eventstore::EventStore;

use crate::helpers::context;

/// The person's postcode, and its centroid.
pub(crate) const HOME: &str = "LE1 6ZZ";
pub(crate) const HOME_LAT: f64 = 52.6;
pub(crate) const HOME_LONG: f64 = -1.1;

/// Metres per degree of latitude (the haversine sphere's).
pub(crate) const M_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

pub(crate) fn details(name: &str, description: &str, terms: &[&str]) -> Details {
    Details {
        name: name.to_owned(),
        description: description.to_owned(),
        taxonomy_terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        takes_referrals: true,
        languages: vec!["en".to_owned()],
        ..Details::default()
    }
}

/// The app and a live index over a migrated store, with the taxonomy, one organisation and
/// the home postcode's centroid.
pub(crate) async fn region(store: EventStore) -> (DirectoryApp, LiveIndex) {
    directory::migrate(&store).await.expect("migrate");
    let csv = format!("pcds,lat,long\n{HOME},{HOME_LAT},{HOME_LONG}\n");
    let centroids = centroids::parse(&csv).expect("centroids");
    PostcodeDirectory::new(store.clone())
        .load(&centroids)
        .await
        .expect("load centroids");
    let app = DirectoryApp::new(store.clone());
    app.record(
        "needs",
        EntryCommand::Register(Taxonomy {
            name: "Social prescribing needs".to_owned(),
            description: "What matters to people".to_owned(),
            uri: None,
            version: None,
        }),
        &context(),
    )
    .await
    .expect("taxonomy");
    for (id, name, parent) in [
        ("loneliness", "Loneliness and isolation", None),
        ("activity", "Physical activity", None),
        ("walking", "Walking", Some("activity")),
        ("debt", "Debt and money advice", None),
    ] {
        app.record(
            id,
            EntryCommand::Register(TaxonomyTerm {
                taxonomy_id: "needs".to_owned(),
                code: None,
                name: name.to_owned(),
                description: name.to_owned(),
                parent_id: parent.map(str::to_owned),
            }),
            &context(),
        )
        .await
        .expect("term");
    }
    app.record(
        "org-1",
        EntryCommand::Register(Organization {
            name: "Riverside Community Trust".to_owned(),
            description: "Community groups".to_owned(),
            email: None,
            website: None,
            legal_status: None,
        }),
        &context(),
    )
    .await
    .expect("organisation");
    let (index, _task) = LiveIndex::start(store, Duration::days(180), std::future::pending())
        .await
        .expect("index");
    (app, index)
}

/// Lists service `id` at a new location `km` north of home and returns the log position of
/// its last event, for the index to wait on.
pub(crate) async fn service_at(
    app: &DirectoryApp,
    id: &str,
    km: f64,
    details: Details,
) -> eventstore::Position {
    let location = format!("loc-{id}");
    app.record(
        &location,
        EntryCommand::Register(Location {
            name: format!("{id} venue"),
            description: None,
            address: None,
            latitude: Some(HOME_LAT + km * 1000.0 / M_PER_DEGREE),
            longitude: Some(HOME_LONG),
        }),
        &context(),
    )
    .await
    .expect("location");
    let list = Command::List {
        organisation_id: "org-1".to_owned(),
        details,
    };
    app.handle(id, list, &context()).await.expect("list");
    let link = Command::AddLocation {
        service_at_location_id: format!("sal-{id}"),
        location_id: location,
    };
    last_position(app, id, link).await
}

/// Runs a command and returns the position of what it wrote.
pub(crate) async fn last_position(
    app: &DirectoryApp,
    id: &str,
    command: Command,
) -> eventstore::Position {
    app.handle_at(id, command, Utc::now(), &context())
        .await
        .expect("command")
        .position
        .expect("something written")
}

pub(crate) fn places(available: u32) -> Command {
    Command::SetCapacity(Capacity {
        available,
        maximum: Some(10),
        unit: "places".to_owned(),
        waitlist: None,
    })
}

pub(crate) fn waitlisted() -> Command {
    Command::SetCapacity(Capacity {
        available: 0,
        maximum: Some(10),
        unit: "places".to_owned(),
        waitlist: Some(WaitlistBand::TwoToSixWeeks),
    })
}

pub(crate) fn tuesdays() -> Schedule {
    Schedule {
        days: vec![Weekday::Tue],
        opens_at: NaiveTime::from_hms_opt(10, 0, 0),
        closes_at: NaiveTime::from_hms_opt(12, 0, 0),
        valid_from: None,
        valid_to: None,
        description: None,
    }
}

pub(crate) fn address(postcode: &str) -> Address {
    Address {
        address_1: "1 High Street".to_owned(),
        address_2: None,
        city: "Leicester".to_owned(),
        region: None,
        postal_code: postcode.to_owned(),
        country: "GB".to_owned(),
    }
}
