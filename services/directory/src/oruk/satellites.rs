//! A service's satellites in HSDS form: schedules, cost options, contacts with their phones,
//! languages, capacity and the attributes that link it to taxonomy terms. Each gets a stable
//! derived id ([`super::ids`]) and names its service.

use chrono::Weekday;

use super::formats::is_email;
use super::ids;
use super::render;
use crate::domain::satellites::{Contact, CostOption, Schedule};
use crate::domain::service::{Capacity, WaitlistBand};
use crate::hsds;
use crate::projections::index::{DirectoryIndex, ServiceEntry};

/// A weekly schedule as RFC 5545 fields (`freq: WEEKLY`, `byday: "MO,TU"`, times `HH:MM`);
/// one with no days (a feed's monthly or one-off schedule, kept as words) as its description
/// only, so it is never read as a weekly rule.
pub(super) fn schedule(service_id: &str, position: usize, schedule: &Schedule) -> hsds::Schedule {
    let mut days = schedule.days.clone();
    days.sort_by_key(Weekday::num_days_from_monday);
    days.dedup();
    let weekly = !days.is_empty();
    let time = |time: Option<chrono::NaiveTime>| {
        time.filter(|_| weekly)
            .map(|time| time.format("%H:%M").to_string())
    };
    hsds::Schedule {
        id: ids::satellite(service_id, "schedule", position),
        service_id: Some(service_id.to_owned()),
        location_id: None,
        service_at_location_id: None,
        valid_from: schedule.valid_from,
        valid_to: schedule.valid_to,
        dtstart: None,
        timezone: None,
        until: None,
        count: None,
        wkst: None,
        freq: weekly.then_some(hsds::Frequency::Weekly),
        interval: None,
        byday: weekly.then(|| {
            days.iter()
                .map(|day| rfc5545_day(*day))
                .collect::<Vec<_>>()
                .join(",")
        }),
        byweekno: None,
        bymonthday: None,
        byyearday: None,
        description: schedule.description.clone(),
        opens_at: time(schedule.opens_at),
        closes_at: time(schedule.closes_at),
        schedule_link: None,
        attending_type: None,
        notes: None,
        attributes: vec![],
        metadata: vec![],
    }
}

fn rfc5545_day(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// A price: pence become pounds (`amount`, with `currency: GBP`); no price, no amount.
pub(super) fn cost_option(
    service_id: &str,
    position: usize,
    cost: &CostOption,
) -> hsds::CostOption {
    hsds::CostOption {
        id: ids::satellite(service_id, "cost_option", position),
        service_id: Some(service_id.to_owned()),
        valid_from: None,
        valid_to: None,
        option: cost.option.clone(),
        currency: cost.amount_pence.map(|_| "GBP".to_owned()),
        // Pence up to 2^53 convert exactly, and dividing by 100 gives the nearest double to
        // the pounds-and-pence amount, which is what JSON can carry.
        amount: cost.amount_pence.map(|pence| pence as f64 / 100.0),
        amount_description: cost.amount_description.clone(),
        attributes: vec![],
        metadata: vec![],
    }
}

/// A contact with its phone numbers.
pub(super) fn contact(service_id: &str, position: usize, contact: &Contact) -> hsds::Contact {
    let id = ids::satellite(service_id, "contact", position);
    let phones = contact
        .phones
        .iter()
        .enumerate()
        .map(|(position, number)| hsds::Phone {
            id: ids::satellite(&id, "phone", position),
            location_id: None,
            service_id: None,
            organization_id: None,
            contact_id: Some(id.clone()),
            service_at_location_id: None,
            number: number.clone(),
            extension: None,
            kind: None,
            description: None,
            languages: vec![],
            attributes: vec![],
            metadata: vec![],
        })
        .collect();
    hsds::Contact {
        id,
        organization_id: None,
        service_id: Some(service_id.to_owned()),
        service_at_location_id: None,
        location_id: None,
        name: contact.name.clone(),
        title: contact.title.clone(),
        department: None,
        email: contact.email.clone().filter(|email| is_email(email)),
        phones,
        attributes: vec![],
        metadata: vec![],
    }
}

/// A language, from a BCP 47 tag: HSDS wants an ISO 639 code, which is the tag's first part.
pub(super) fn language(service_id: &str, position: usize, tag: &str) -> hsds::Language {
    let code = tag.split(['-', '_']).next().unwrap_or(tag).to_lowercase();
    hsds::Language {
        id: ids::satellite(service_id, "language", position),
        service_id: Some(service_id.to_owned()),
        location_id: None,
        phone_id: None,
        name: None,
        code: Some(code),
        note: None,
        attributes: vec![],
        metadata: vec![],
    }
}

/// Capacity (HSDS 3.1 `service_capacity`): the unit is named after ours, `updated` is when it
/// was reported, and a waiting list's length goes in words in `description`.
pub(super) fn capacity(entry: &ServiceEntry, capacity: &Capacity) -> hsds::ServiceCapacity {
    hsds::ServiceCapacity {
        id: ids::satellite(&entry.id, "capacity", 0),
        service_id: Some(entry.id.clone()),
        unit: hsds::Unit {
            id: ids::unit(&capacity.unit),
            name: capacity.unit.clone(),
            scheme: None,
            identifier: None,
            uri: None,
            attributes: vec![],
            metadata: vec![],
        },
        available: capacity.available,
        maximum: capacity.maximum,
        description: capacity.waitlist.map(waitlist),
        // Capacity only comes with its own event, so the time is always known; the fallback is
        // for an index folded before it kept that time.
        updated: entry.capacity_updated_at.unwrap_or(entry.updated_at),
        attributes: vec![],
        metadata: vec![],
    }
}

fn waitlist(band: WaitlistBand) -> String {
    let wait = match band {
        WaitlistBand::UpToTwoWeeks => "seen within two weeks",
        WaitlistBand::TwoToSixWeeks => "seen in two to six weeks",
        WaitlistBand::OverSixWeeks => "a wait of over six weeks",
    };
    format!("No places free; taking people onto a waiting list ({wait}).")
}

/// The service's taxonomy terms as attributes, each with its term and the term's taxonomy.
pub(super) fn attributes(index: &DirectoryIndex, entry: &ServiceEntry) -> Vec<hsds::Attribute> {
    entry
        .listed
        .details
        .taxonomy_terms
        .iter()
        .map(|term_id| hsds::Attribute {
            id: ids::satellite(&entry.id, "attribute", term_id),
            link_id: Some(entry.id.clone()),
            taxonomy_term_id: Some(term_id.clone()),
            link_type: None,
            link_entity: Some("service".to_owned()),
            value: None,
            taxonomy_term: index.term(term_id).map(|term| render::term(index, term)),
            label: None,
            metadata: vec![],
        })
        .collect()
}
