//! Given/when/then tests of the reference-record aggregate.

use chrono::{DateTime, TimeZone, Utc};
use testkit::given;

use super::entry::{Entry, EntryCommand, EntryError, EntryIssued, Recorded};
use super::provenance::Provenance;
use super::records::Organization;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid")
}

fn organisation(name: &str) -> Organization {
    Organization {
        name: name.to_owned(),
        description: "Walks and talks".to_owned(),
        email: Some("hello@walk.example".to_owned()),
        website: None,
        legal_status: None,
    }
}

fn issued(command: EntryCommand<Organization>) -> EntryIssued<Organization> {
    EntryIssued {
        id: "org-walk".to_owned(),
        at: at(),
        command,
    }
}

fn recorded(name: &str, provenance: Option<Provenance>) -> Recorded<Organization> {
    Recorded {
        id: "org-walk".to_owned(),
        record: organisation(name),
        provenance,
        at: at(),
    }
}

#[test]
fn registering_records_it_once() {
    given::<Entry<Organization>>(&[])
        .when(issued(EntryCommand::Register(organisation(
            "Walk Together",
        ))))
        .then(&[recorded("Walk Together", None)]);
    given::<Entry<Organization>>(&[recorded("Walk Together", None)])
        .when(issued(EntryCommand::Register(organisation(
            "Walk Together",
        ))))
        .then_err(EntryError::AlreadyRegistered("organization"));
}

#[test]
fn updating_needs_a_record_and_a_change() {
    given::<Entry<Organization>>(&[])
        .when(issued(EntryCommand::Update(organisation("Walk Together"))))
        .then_err(EntryError::NotFound("organization"));
    given::<Entry<Organization>>(&[recorded("Walk Together", None)])
        .when(issued(EntryCommand::Update(organisation("Walk Together"))))
        .then(&[]);
    given::<Entry<Organization>>(&[recorded("Walk Together", None)])
        .when(issued(EntryCommand::Update(organisation(
            "Walk Together CIC",
        ))))
        .then(&[recorded("Walk Together CIC", None)]);
}

#[test]
fn an_import_upserts_and_skips_unchanged_records() {
    let provenance = Provenance {
        feed: "feed.json".to_owned(),
        original_id: "7".to_owned(),
    };
    let import = |name: &str| EntryCommand::Import(organisation(name), provenance.clone());
    given::<Entry<Organization>>(&[])
        .when(issued(import("Walk Together")))
        .then(&[recorded("Walk Together", Some(provenance.clone()))]);
    given::<Entry<Organization>>(&[recorded("Walk Together", Some(provenance.clone()))])
        .when(issued(import("Walk Together")))
        .then(&[]);
}

#[test]
fn a_malformed_record_is_refused_naming_the_field() {
    let mut nameless = organisation(" ");
    nameless.email = None;
    given::<Entry<Organization>>(&[])
        .when(issued(EntryCommand::Register(nameless)))
        .then_err(EntryError::Invalid(
            "name must be 1 to 300 characters".to_owned(),
        ));
}
