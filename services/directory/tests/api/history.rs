//! A service's changes recorded in the log: its full history, and conflicts instead of lost
//! updates.

use directory::app::AppError;
use directory::domain::service::{Capacity, Command, Details, Error, Event};
use eventstore::StoreError;
use testkit::{BackendKind, TestDatabase};

use crate::helpers::context;

testkit::on_both_backends!(
    a_services_full_history_is_kept,
    concurrent_changes_conflict_rather_than_overwrite
);

fn details(name: &str) -> Details {
    Details {
        name: name.to_owned(),
        description: "Weekly lunch and company".to_owned(),
        taxonomy_terms: vec!["loneliness".to_owned()],
        minimum_age: Some(60),
        maximum_age: None,
        takes_referrals: true,
        languages: vec!["en".to_owned(), "cy".to_owned()],
        ..Details::default()
    }
}

async fn a_services_full_history_is_kept(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, _index) = crate::region::region(database.store().await).await;
    let list = Command::List {
        organisation_id: "org-1".to_owned(),
        details: details("Lunch club"),
    };
    app.handle("svc-lunch", list, &context())
        .await
        .expect("list");
    let capacity = Command::SetCapacity(Capacity {
        available: 0,
        maximum: Some(20),
        unit: "places".to_owned(),
        waitlist: None,
    });
    app.handle("svc-lunch", capacity, &context())
        .await
        .expect("capacity");
    let update = Command::Update {
        details: details("Tuesday lunch club"),
    };
    app.handle("svc-lunch", update, &context())
        .await
        .expect("update");
    let refused = app
        .handle("svc-lunch", Command::Reinstate, &context())
        .await;
    assert!(matches!(
        refused,
        Err(AppError::Rejected(Error::NotSuspended))
    ));

    let history = app.history("svc-lunch").await.expect("history");
    let types: Vec<_> = history.iter().map(Event::event_type).collect();
    assert_eq!(
        types,
        [
            "service_listed",
            "service_capacity_changed",
            "service_listed"
        ]
    );
    assert!(
        matches!(&history[2], Event::ServiceListed { details, .. } if details.name == "Tuesday lunch club")
    );
}

async fn concurrent_changes_conflict_rather_than_overwrite(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let (app, _index) = crate::region::region(database.store().await).await;
    let list = Command::List {
        organisation_id: "org-1".to_owned(),
        details: details("Lunch club"),
    };
    app.handle("svc-lunch", list, &context())
        .await
        .expect("list");
    let racers: Vec<_> = ["Lunch club (Mon)", "Lunch club (Tue)"]
        .into_iter()
        .map(|name| {
            let app = app.clone();
            tokio::spawn(async move {
                app.handle(
                    "svc-lunch",
                    Command::Update {
                        details: details(name),
                    },
                    &context(),
                )
                .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.expect("task"));
    }
    let conflicts = outcomes
        .iter()
        .filter(|outcome| {
            matches!(
                outcome,
                Err(AppError::Store(StoreError::WrongExpectedVersion { .. }))
            )
        })
        .count();
    let applied = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(applied + conflicts, 2, "{outcomes:?}");
    assert!(applied >= 1);
    let history = app.history("svc-lunch").await.expect("history");
    assert_eq!(
        history.len(),
        1 + applied,
        "no update was lost or duplicated"
    );
}
