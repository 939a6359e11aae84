//! Every event the directory records keeps the contract it publishes
//! (`proto/linkwork/directory/v1/events.proto`): consumers decode these payloads as exactly
//! what the log holds, so a renamed or dropped field fails here, before any consumer reads a
//! default in its place.

use std::collections::BTreeSet;

use chrono::{NaiveTime, TimeZone, Utc, Weekday};
use serde::Serialize;

use super::entry::{Record, Recorded};
use super::provenance::Provenance;
use super::records::{Address, Location, Organization, Taxonomy, TaxonomyTerm};
use super::satellites::{Contact, Schedule};
use super::service::{Details, Event, WaitlistBand};

/// Every contract broken by `event`, recorded as `event_type`.
fn broken<E: Serialize>(event_type: &str, event: &E) -> Vec<String> {
    let payload = serde_json::to_vec(event).expect("events serialise");
    contract::events::conforms(crate::SERVICE.name, event_type, &payload)
        .err()
        .unwrap_or_default()
}

fn provenance() -> Option<Provenance> {
    Some(Provenance {
        feed: "https://example.org/oruk".to_owned(),
        original_id: "42".to_owned(),
    })
}

/// Details as sparse and as full as they come.
fn every_details() -> [Details; 2] {
    let full = Details {
        name: "Lunch club".to_owned(),
        description: "Soup and company".to_owned(),
        url: Some("https://example.org".to_owned()),
        email: Some("lunch@example.org".to_owned()),
        taxonomy_terms: vec!["0190a2b4-0000-7000-8000-000000000003".to_owned()],
        minimum_age: Some(60),
        maximum_age: Some(99),
        eligibility_description: Some("Older people".to_owned()),
        takes_referrals: true,
        languages: vec!["en".to_owned()],
        schedules: vec![Schedule {
            days: vec![Weekday::Tue],
            opens_at: NaiveTime::from_hms_opt(12, 0, 0),
            closes_at: NaiveTime::from_hms_opt(14, 0, 0),
            valid_from: None,
            valid_to: None,
            description: None,
        }],
        cost_options: Vec::new(),
        contacts: vec![Contact {
            name: Some("Jo".to_owned()),
            title: None,
            email: None,
            phones: vec!["01234 567890".to_owned()],
        }],
    };
    [Details::default(), full]
}

/// One event of every kind a service records, some twice over their optional parts.
fn service_events() -> Vec<Event> {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid");
    let id = || "0190a2b4-0000-7000-8000-000000000005".to_owned();
    let mut events: Vec<Event> = every_details()
        .into_iter()
        .zip([None, provenance()])
        .map(|(details, provenance)| Event::ServiceListed {
            service_id: id(),
            organisation_id: "0190a2b4-0000-7000-8000-000000000001".to_owned(),
            takes_referrals: details.takes_referrals,
            details,
            provenance,
            at,
        })
        .collect();
    for (maximum, waitlist) in [(None, None), (Some(20), Some(WaitlistBand::OverSixWeeks))] {
        events.push(Event::ServiceCapacityChanged {
            service_id: id(),
            available: 0,
            maximum,
            unit: "places".to_owned(),
            waitlist,
            at,
        });
    }
    events.extend([
        Event::ServiceLocationAdded {
            service_id: id(),
            service_at_location_id: "l-1".to_owned(),
            location_id: "0190a2b4-0000-7000-8000-000000000004".to_owned(),
            at,
        },
        Event::ServiceLocationRemoved {
            service_id: id(),
            service_at_location_id: "l-1".to_owned(),
            at,
        },
        Event::ServiceSuspended {
            service_id: id(),
            reason: "leader ill".to_owned(),
            at,
        },
        Event::ServiceReinstated {
            service_id: id(),
            at,
        },
        Event::ServiceWithdrawn {
            service_id: id(),
            reason: "closed".to_owned(),
            at,
        },
        Event::ServiceVerified {
            service_id: id(),
            assurer: "curator@example.org".to_owned(),
            at,
        },
    ]);
    events
}

/// Each kind's place in the list; a new kind fails to compile here until it has a sample.
fn kind(event: &Event) -> usize {
    match event {
        Event::ServiceListed { .. } => 0,
        Event::ServiceCapacityChanged { .. } => 1,
        Event::ServiceLocationAdded { .. } => 2,
        Event::ServiceLocationRemoved { .. } => 3,
        Event::ServiceSuspended { .. } => 4,
        Event::ServiceReinstated { .. } => 5,
        Event::ServiceWithdrawn { .. } => 6,
        Event::ServiceVerified { .. } => 7,
    }
}

#[test]
fn every_service_event_keeps_its_published_contract() {
    let events = service_events();
    let kinds: BTreeSet<usize> = events.iter().map(kind).collect();
    assert_eq!(kinds.len(), 8, "a sample of every kind");
    for event in &events {
        assert_eq!(broken(event.event_type(), event), Vec::<String>::new());
    }
}

fn recorded<R: Record>(record: R) -> [Recorded<R>; 2] {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid");
    let id = "0190a2b4-0000-7000-8000-000000000009".to_owned();
    [
        Recorded {
            id: id.clone(),
            record: record.clone(),
            provenance: None,
            at,
        },
        Recorded {
            id,
            record,
            provenance: provenance(),
            at,
        },
    ]
}

fn keeps<R: Record>(records: &[R]) {
    for record in records {
        for event in recorded(record.clone()) {
            assert_eq!(
                broken(R::RECORDED, &event),
                Vec::<String>::new(),
                "{}",
                R::KIND
            );
        }
    }
}

#[test]
fn every_reference_record_keeps_its_published_contract() {
    keeps(&[Organization {
        name: "Friends of St Mark's".to_owned(),
        description: String::new(),
        email: None,
        website: Some("https://example.org".to_owned()),
        legal_status: None,
    }]);
    let address = Address {
        address_1: "1 Church Lane".to_owned(),
        address_2: None,
        city: "Lowtown".to_owned(),
        region: None,
        postal_code: "LW1 1AN".to_owned(),
        country: "GB".to_owned(),
    };
    keeps(&[
        Location {
            name: "St Mark's hall".to_owned(),
            description: None,
            address: Some(address),
            latitude: Some(53.01),
            longitude: Some(-1.5),
        },
        Location {
            name: "Online".to_owned(),
            description: Some("By video call".to_owned()),
            address: None,
            latitude: None,
            longitude: None,
        },
    ]);
    keeps(&[Taxonomy {
        name: "Needs".to_owned(),
        description: String::new(),
        uri: None,
        version: Some("1".to_owned()),
    }]);
    keeps(&[TaxonomyTerm {
        taxonomy_id: "0190a2b4-0000-7000-8000-000000000002".to_owned(),
        code: None,
        name: "Loneliness".to_owned(),
        description: String::new(),
        parent_id: Some("0190a2b4-0000-7000-8000-000000000008".to_owned()),
    }]);
}
