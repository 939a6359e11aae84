//! Given/when/then tests of the service aggregate.

use chrono::{DateTime, Duration, TimeZone, Utc};
use testkit::given;

use super::provenance::Provenance;
use super::service::{Capacity, Command, Details, Error, Event, Issued, Service, WaitlistBand};

fn at(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid")
        + Duration::days(days)
}

fn details() -> Details {
    Details {
        name: "Riverside walking group".to_owned(),
        description: "Gentle weekly walks".to_owned(),
        taxonomy_terms: vec!["physical-activity".to_owned(), "loneliness".to_owned()],
        minimum_age: Some(18),
        maximum_age: None,
        takes_referrals: true,
        languages: vec!["en".to_owned()],
        ..Details::default()
    }
}

fn issued(days: i64, command: Command) -> Issued {
    Issued {
        service_id: "svc-walking".to_owned(),
        at: at(days),
        command,
    }
}

fn listed() -> Vec<Event> {
    vec![Event::ServiceListed {
        service_id: "svc-walking".to_owned(),
        organisation_id: "VCSE-WALK".to_owned(),
        takes_referrals: true,
        details: details(),
        provenance: None,
        at: at(0),
    }]
}

fn with(mut events: Vec<Event>, event: Event) -> Vec<Event> {
    events.push(event);
    events
}

fn suspended() -> Vec<Event> {
    with(
        listed(),
        Event::ServiceSuspended {
            service_id: "svc-walking".to_owned(),
            reason: "leader ill".to_owned(),
            at: at(1),
        },
    )
}

fn withdrawn() -> Vec<Event> {
    with(
        listed(),
        Event::ServiceWithdrawn {
            service_id: "svc-walking".to_owned(),
            reason: "closed".to_owned(),
            at: at(1),
        },
    )
}

#[test]
fn a_service_is_listed_once() {
    let list = Command::List {
        organisation_id: "VCSE-WALK".to_owned(),
        details: details(),
    };
    given::<Service>(&[])
        .when(issued(0, list.clone()))
        .then(&listed());
    given::<Service>(&listed())
        .when(issued(1, list))
        .then_err(Error::AlreadyListed);
    given::<Service>(&[])
        .when(issued(0, Command::Reinstate))
        .then_err(Error::NotFound);
}

#[test]
fn details_are_checked_and_name_the_field() {
    let mut nameless = details();
    nameless.name = " ".to_owned();
    let list = Command::List {
        organisation_id: "VCSE-WALK".to_owned(),
        details: nameless,
    };
    given::<Service>(&[])
        .when(issued(0, list))
        .then_err(Error::Invalid(
            "details.name must be 1 to 300 characters".to_owned(),
        ));
    let mut ages = details();
    ages.minimum_age = Some(65);
    ages.maximum_age = Some(18);
    given::<Service>(&listed())
        .when(issued(1, Command::Update { details: ages }))
        .then_err(Error::Invalid(
            "details.minimum_age must not be above details.maximum_age".to_owned(),
        ));
}

#[test]
fn an_update_relists_in_full_and_no_change_records_nothing() {
    given::<Service>(&listed())
        .when(issued(1, Command::Update { details: details() }))
        .then(&[]);
    let mut signposting = details();
    signposting.takes_referrals = false;
    given::<Service>(&listed())
        .when(issued(
            1,
            Command::Update {
                details: signposting.clone(),
            },
        ))
        .then(&[Event::ServiceListed {
            service_id: "svc-walking".to_owned(),
            organisation_id: "VCSE-WALK".to_owned(),
            takes_referrals: false,
            details: signposting,
            provenance: None,
            at: at(1),
        }]);
}

#[test]
fn capacity_cannot_exceed_its_maximum() {
    let capacity = |available| {
        Command::SetCapacity(Capacity {
            available,
            maximum: Some(12),
            unit: "places".to_owned(),
            waitlist: None,
        })
    };
    given::<Service>(&listed())
        .when(issued(1, capacity(3)))
        .then(&[Event::ServiceCapacityChanged {
            service_id: "svc-walking".to_owned(),
            available: 3,
            maximum: Some(12),
            unit: "places".to_owned(),
            waitlist: None,
            at: at(1),
        }]);
    given::<Service>(&listed())
        .when(issued(1, capacity(13)))
        .then_err(Error::Invalid(
            "capacity.available must not be above capacity.maximum".to_owned(),
        ));
}

#[test]
fn suspension_needs_a_reason_and_only_a_suspended_service_is_reinstated() {
    given::<Service>(&listed())
        .when(issued(
            1,
            Command::Suspend {
                reason: String::new(),
            },
        ))
        .then_err(Error::Invalid("reason is required".to_owned()));
    given::<Service>(&suspended())
        .when(issued(
            2,
            Command::Suspend {
                reason: "still ill".to_owned(),
            },
        ))
        .then_err(Error::AlreadySuspended);
    given::<Service>(&suspended())
        .when(issued(2, Command::Reinstate))
        .then(&[Event::ServiceReinstated {
            service_id: "svc-walking".to_owned(),
            at: at(2),
        }]);
    given::<Service>(&listed())
        .when(issued(2, Command::Reinstate))
        .then_err(Error::NotSuspended);
}

#[test]
fn a_withdrawn_service_cannot_change() {
    for command in [
        Command::Update { details: details() },
        Command::Reinstate,
        Command::Withdraw {
            reason: "again".to_owned(),
        },
        Command::Verify {
            assurer: "curator@icb.nhs.uk".to_owned(),
        },
    ] {
        given::<Service>(&withdrawn())
            .when(issued(2, command))
            .then_err(Error::Withdrawn);
    }
}

#[test]
fn verification_sets_the_assured_date_and_staleness_follows_it() {
    let verify = Command::Verify {
        assurer: "curator@icb.nhs.uk".to_owned(),
    };
    let verified = Event::ServiceVerified {
        service_id: "svc-walking".to_owned(),
        assurer: "curator@icb.nhs.uk".to_owned(),
        at: at(10),
    };
    given::<Service>(&listed())
        .when(issued(10, verify))
        .then(std::slice::from_ref(&verified));
    given::<Service>(&listed())
        .when(issued(
            10,
            Command::Verify {
                assurer: "curator".to_owned(),
            },
        ))
        .then_err(Error::Invalid(
            "assurer must be an e-mail address".to_owned(),
        ));

    let period = Duration::days(90);
    let never = <Service as decider::Decider>::fold(&listed())
        .listed
        .expect("listed");
    assert!(never.is_stale(at(1), period), "never verified is stale");
    let once = <Service as decider::Decider>::fold(&with(listed(), verified))
        .listed
        .expect("listed");
    assert!(!once.is_stale(at(100), period));
    assert!(once.is_stale(at(101), period));
}

/// The referral service reads these fields; changing them breaks it.
#[test]
fn a_waiting_list_is_only_for_a_full_service() {
    let waitlisted = |available| {
        Command::SetCapacity(Capacity {
            available,
            maximum: Some(12),
            unit: "places".to_owned(),
            waitlist: Some(WaitlistBand::UpToTwoWeeks),
        })
    };
    given::<Service>(&listed())
        .when(issued(1, waitlisted(0)))
        .then(&[Event::ServiceCapacityChanged {
            service_id: "svc-walking".to_owned(),
            available: 0,
            maximum: Some(12),
            unit: "places".to_owned(),
            waitlist: Some(WaitlistBand::UpToTwoWeeks),
            at: at(1),
        }]);
    given::<Service>(&listed())
        .when(issued(1, waitlisted(2)))
        .then_err(Error::Invalid(
            "capacity.waitlist is only for a service with no places available".to_owned(),
        ));
}

fn provenance() -> Provenance {
    Provenance {
        feed: "https://example.org/oruk".to_owned(),
        original_id: "42".to_owned(),
    }
}

fn imported(details: Details) -> Command {
    Command::Import {
        organisation_id: "VCSE-WALK".to_owned(),
        details,
        provenance: provenance(),
    }
}

#[test]
fn an_import_lists_a_new_service_with_its_provenance() {
    given::<Service>(&[])
        .when(issued(0, imported(details())))
        .then(&[Event::ServiceListed {
            service_id: "svc-walking".to_owned(),
            organisation_id: "VCSE-WALK".to_owned(),
            takes_referrals: true,
            details: details(),
            provenance: Some(provenance()),
            at: at(0),
        }]);
}

#[test]
fn importing_unchanged_details_records_nothing() {
    given::<Service>(&listed())
        .when(issued(5, imported(details())))
        .then(&[]);
    let mut changed = details();
    changed.description = "Brisk weekly walks".to_owned();
    given::<Service>(&listed())
        .when(issued(5, imported(changed.clone())))
        .then(&[Event::ServiceListed {
            service_id: "svc-walking".to_owned(),
            organisation_id: "VCSE-WALK".to_owned(),
            takes_referrals: true,
            details: changed,
            provenance: Some(provenance()),
            at: at(5),
        }]);
}

#[test]
fn a_location_is_linked_once_and_can_be_removed() {
    let add = |link: &str, location: &str| Command::AddLocation {
        service_at_location_id: link.to_owned(),
        location_id: location.to_owned(),
    };
    let added = Event::ServiceLocationAdded {
        service_id: "svc-walking".to_owned(),
        service_at_location_id: "sal-1".to_owned(),
        location_id: "loc-park".to_owned(),
        at: at(1),
    };
    given::<Service>(&listed())
        .when(issued(1, add("sal-1", "loc-park")))
        .then(std::slice::from_ref(&added));
    let located = with(listed(), added);
    given::<Service>(&located)
        .when(issued(2, add("sal-1", "loc-park")))
        .then(&[]);
    given::<Service>(&located)
        .when(issued(2, add("sal-2", "loc-park")))
        .then_err(Error::AlreadyAtLocation);
    given::<Service>(&located)
        .when(issued(
            3,
            Command::RemoveLocation {
                service_at_location_id: "sal-1".to_owned(),
            },
        ))
        .then(&[Event::ServiceLocationRemoved {
            service_id: "svc-walking".to_owned(),
            service_at_location_id: "sal-1".to_owned(),
            at: at(3),
        }]);
    given::<Service>(&listed())
        .when(issued(
            3,
            Command::RemoveLocation {
                service_at_location_id: "sal-9".to_owned(),
            },
        ))
        .then_err(Error::NoSuchLocation);
}

#[test]
fn a_schedule_must_close_after_it_opens() {
    use super::satellites::Schedule;
    use chrono::{NaiveTime, Weekday};
    let mut backwards = details();
    backwards.schedules = vec![Schedule {
        days: vec![Weekday::Tue],
        opens_at: NaiveTime::from_hms_opt(14, 0, 0),
        closes_at: NaiveTime::from_hms_opt(10, 0, 0),
        valid_from: None,
        valid_to: None,
        description: None,
    }];
    given::<Service>(&listed())
        .when(issued(1, Command::Update { details: backwards }))
        .then_err(Error::Invalid(
            "details.schedules[0].opens_at must be before details.schedules[0].closes_at"
                .to_owned(),
        ));
}
