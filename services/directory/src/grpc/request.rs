//! Requests into commands and queries. The limits each field declares in the proto (lengths,
//! characters, formats, codes, ranges, counts) were checked before any handler ran
//! (`servicekit::ValidationLayer`); here text is trimmed, ids are put in their one spelling and
//! codes become the domain's types, and what only those types can say is refused naming the
//! field (a postcode's shape, a place given twice). The rules of the records and services
//! themselves stay in their deciders.

use chrono::{NaiveDate, NaiveTime, Weekday};
use proto::directory::v1 as pb;
use tonic::Status;
use uuid::Uuid;

use crate::domain::geo::Point;
use crate::domain::postcode::Postcode;
use crate::domain::records::{Address, Location, Organization, Taxonomy, TaxonomyTerm};
use crate::domain::satellites::{Contact, CostOption, Schedule};
use crate::domain::service::{Capacity, Details, WaitlistBand};
use crate::projections::index::{PageRequest, Query};

/// Answers per page when a search does not say.
const DEFAULT_PAGE_SIZE: u32 = 50;

fn invalid(message: String) -> Status {
    Status::invalid_argument(message)
}

/// An id: a UUID, because Open Referral UK (HSDS) requires every id it publishes to be one.
/// Held in the canonical lower-case hyphenated form, so one record never has two spellings.
pub(super) fn id(field: &str, value: &str) -> Result<String, Status> {
    match Uuid::try_parse(value) {
        Ok(uuid) => Ok(uuid.hyphenated().to_string()),
        Err(_) => Err(invalid(format!("{field} must be a UUID"))),
    }
}

/// The id given, or a new one when it is empty.
pub(super) fn new_id(field: &str, value: &str) -> Result<String, Status> {
    match value {
        "" => Ok(Uuid::now_v7().to_string()),
        given => id(field, given),
    }
}

fn optional_id(field: &str, value: &str) -> Result<Option<String>, Status> {
    match value {
        "" => Ok(None),
        given => id(field, given).map(Some),
    }
}

fn ids(field: &str, values: &[String]) -> Result<Vec<String>, Status> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| id(&format!("{field}[{index}]"), value))
        .collect()
}

/// Text as stored: trimmed.
fn text(value: &str) -> String {
    value.trim().to_owned()
}

/// Text that may be left out: `None` when empty.
fn optional(value: &str) -> Option<String> {
    let value = text(value);
    (!value.is_empty()).then_some(value)
}

/// An organisation from the fields of a register or update request.
pub(super) fn organization(
    name: &str,
    description: &str,
    email: &str,
    website: &str,
    legal_status: &str,
) -> Result<Organization, Status> {
    Ok(Organization {
        name: text(name),
        description: text(description),
        email: optional(email),
        website: optional(website),
        legal_status: optional(legal_status),
    })
}

/// A location from the fields of a register or update request.
pub(super) fn location(
    name: &str,
    description: &str,
    address: Option<pb::Address>,
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> Result<Location, Status> {
    let address = address
        .map(|address| {
            Ok::<_, Status>(Address {
                address_1: text(&address.address_1),
                address_2: optional(&address.address_2),
                city: text(&address.city),
                region: optional(&address.region),
                postal_code: text(&address.postal_code),
                country: text(&address.country).to_uppercase(),
            })
        })
        .transpose()?;
    Ok(Location {
        name: text(name),
        description: optional(description),
        address,
        latitude,
        longitude,
    })
}

/// A taxonomy from a register request.
pub(super) fn taxonomy(body: &pb::RegisterTaxonomyRequest) -> Result<Taxonomy, Status> {
    Ok(Taxonomy {
        name: text(&body.name),
        description: text(&body.description),
        uri: optional(&body.uri),
        version: optional(&body.version),
    })
}

/// A taxonomy term from a register request.
pub(super) fn term(body: &pb::RegisterTaxonomyTermRequest) -> Result<TaxonomyTerm, Status> {
    Ok(TaxonomyTerm {
        taxonomy_id: id("taxonomy_id", &body.taxonomy_id)?,
        code: optional(&body.code),
        name: text(&body.name),
        description: text(&body.description),
        parent_id: optional_id("parent_id", &body.parent_id)?,
    })
}

/// An age, which the proto bounds to 0 to 120.
fn age(field: &str, value: Option<u32>) -> Result<Option<u8>, Status> {
    value
        .map(|age| u8::try_from(age).map_err(|_| invalid(format!("{field} must be 0 to 120"))))
        .transpose()
}

/// A service's details; required.
pub(super) fn details(value: Option<pb::ServiceDetails>) -> Result<Details, Status> {
    let value = value.ok_or_else(|| invalid("details is required".to_owned()))?;
    let schedules = value
        .schedules
        .iter()
        .enumerate()
        .map(|(index, s)| schedule(&format!("details.schedules[{index}]"), s))
        .collect::<Result<_, _>>()?;
    let cost_options = value.cost_options.iter().map(cost_option).collect();
    let contacts = value.contacts.iter().map(contact).collect();
    Ok(Details {
        name: text(&value.name),
        description: text(&value.description),
        url: optional(&value.url),
        email: optional(&value.email),
        taxonomy_terms: ids("details.taxonomy_terms", &value.taxonomy_terms)?,
        minimum_age: age("details.minimum_age", value.minimum_age)?,
        maximum_age: age("details.maximum_age", value.maximum_age)?,
        eligibility_description: optional(&value.eligibility_description),
        takes_referrals: value.takes_referrals,
        languages: value.languages.iter().map(|tag| text(tag)).collect(),
        schedules,
        cost_options,
        contacts,
    })
}

fn schedule(field: &str, value: &pb::Schedule) -> Result<Schedule, Status> {
    let days = value
        .days
        .iter()
        .enumerate()
        .map(|(index, day)| {
            day.trim().parse::<Weekday>().map_err(|_| {
                invalid(format!(
                    "{field}.days[{index}]: {day:?} is not a day of the week"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Schedule {
        days,
        opens_at: time(&format!("{field}.opens_at"), &value.opens_at)?,
        closes_at: time(&format!("{field}.closes_at"), &value.closes_at)?,
        valid_from: optional_date(&format!("{field}.valid_from"), &value.valid_from)?,
        valid_to: optional_date(&format!("{field}.valid_to"), &value.valid_to)?,
        description: optional(&value.description),
    })
}

fn time(field: &str, value: &str) -> Result<Option<NaiveTime>, Status> {
    match value.trim() {
        "" => Ok(None),
        value => NaiveTime::parse_from_str(value, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M:%S"))
            .map(Some)
            .map_err(|_| invalid(format!("{field} must be a time as HH:MM"))),
    }
}

fn optional_date(field: &str, value: &str) -> Result<Option<NaiveDate>, Status> {
    match value.trim() {
        "" => Ok(None),
        value => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid(format!("{field} must be a date as YYYY-MM-DD"))),
    }
}

fn cost_option(value: &pb::CostOption) -> CostOption {
    CostOption {
        amount_pence: value.amount_pence,
        option: optional(&value.option),
        amount_description: optional(&value.amount_description),
    }
}

fn contact(value: &pb::Contact) -> Contact {
    Contact {
        name: optional(&value.name),
        title: optional(&value.title),
        email: optional(&value.email),
        phones: value.phones.iter().map(|phone| text(phone)).collect(),
    }
}

/// A capacity report; required.
pub(super) fn capacity(value: Option<pb::Capacity>) -> Result<Capacity, Status> {
    let value = value.ok_or_else(|| invalid("capacity is required".to_owned()))?;
    let waitlist = match value.waitlist.trim() {
        "" => None,
        code => Some(
            WaitlistBand::ALL
                .into_iter()
                .find(|band| band.code() == code)
                .ok_or_else(|| {
                    invalid(format!(
                        "capacity.waitlist: {code:?} is not up_to_two_weeks, two_to_six_weeks \
                         or over_six_weeks"
                    ))
                })?,
        ),
    };
    Ok(Capacity {
        available: value.available,
        maximum: value.maximum,
        unit: text(&value.unit),
        waitlist,
    })
}

/// Free text for a reason or an assurer.
pub(super) fn reason(value: &str) -> String {
    text(value)
}

/// Where a search is from, before a postcode is looked up.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Place {
    /// A postcode, well formed but not yet known to exist.
    Postcode(Postcode),
    /// A coordinate.
    Point(Point),
}

/// A search, checked: the query without its `near`, and where it is from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Search {
    /// Every filter but the place.
    pub(super) query: Query,
    /// Where the person is.
    pub(super) place: Option<Place>,
    /// How far they can go, in metres.
    pub(super) within_m: Option<f64>,
}

fn place(body: &pb::SearchRequest) -> Result<Option<Place>, Status> {
    let postcode = body.postcode.trim();
    match (postcode.is_empty(), body.latitude, body.longitude) {
        (true, None, None) => Ok(None),
        (false, None, None) => Postcode::parse(postcode)
            .map(|postcode| Some(Place::Postcode(postcode)))
            .map_err(|_| invalid(format!("postcode: {postcode:?} is not a UK postcode"))),
        (true, Some(latitude), Some(longitude)) => Point::new(latitude, longitude)
            .map(|point| Some(Place::Point(point)))
            .ok_or_else(|| {
                invalid("latitude must be -90 to 90 and longitude -180 to 180".to_owned())
            }),
        (true, _, _) => Err(invalid(
            "latitude and longitude must be given together".to_owned(),
        )),
        (false, _, _) => Err(invalid(
            "postcode: give a postcode or latitude and longitude, not both".to_owned(),
        )),
    }
}

/// A search request, checked.
pub(super) fn search(body: &pb::SearchRequest) -> Result<Search, Status> {
    let place = place(body)?;
    let within_m = match body.within_metres {
        None => None,
        Some(_) if place.is_none() => {
            return Err(invalid(
                "within_metres needs a postcode or latitude and longitude".to_owned(),
            ));
        }
        Some(metres) => Some(f64::from(metres)),
    };
    let size = match body.page_size {
        0 => DEFAULT_PAGE_SIZE,
        size => size,
    };
    let query = Query {
        text: optional(&body.text),
        taxonomy_terms: ids("taxonomy_term_ids", &body.taxonomy_term_ids)?,
        taxonomy_id: optional_id("taxonomy_id", &body.taxonomy_id)?,
        organisation_id: optional_id("organisation_id", &body.organisation_id)?,
        near: None,
        age: age("age", body.age)?,
        takes_referrals: body.takes_referrals,
        with_capacity: body.with_capacity,
        open_on: optional_date("open_on", &body.open_on)?,
        page: PageRequest {
            number: body.page.max(1),
            size,
        },
        ..Query::default()
    };
    Ok(Search {
        query,
        place,
        within_m,
    })
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::*;

    fn refusal<T: std::fmt::Debug>(result: Result<T, Status>) -> String {
        let status = result.expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument);
        status.message().to_owned()
    }

    #[test]
    fn ids_are_uuids_and_empty_ones_are_assigned() {
        assert_eq!(
            id("service_id", "0190A2B4-7C3D-7E5F-8A1B-2C3D4E5F6A7B").ok(),
            Some("0190a2b4-7c3d-7e5f-8a1b-2c3d4e5f6a7b".into())
        );
        for bad in ["", "svc-lunch", "a b", "svc/1", "ü", &"x".repeat(101)] {
            assert_eq!(refusal(id("service_id", bad)), "service_id must be a UUID");
        }
        let assigned = new_id("service_id", "").expect("assigned");
        assert!(id("service_id", &assigned).is_ok());
    }

    #[test]
    fn searches_are_checked_naming_the_field() {
        let search = |body: pb::SearchRequest| refusal(super::search(&body));
        let base = pb::SearchRequest::default();
        assert!(
            search(pb::SearchRequest {
                postcode: "not a postcode".into(),
                ..base.clone()
            })
            .starts_with("postcode: ")
        );
        assert!(
            search(pb::SearchRequest {
                within_metres: Some(1000),
                ..base.clone()
            })
            .starts_with("within_metres")
        );
        assert!(
            search(pb::SearchRequest {
                open_on: "Tuesday".into(),
                ..base.clone()
            })
            .starts_with("open_on")
        );
        assert!(
            search(pb::SearchRequest {
                latitude: Some(52.0),
                ..base.clone()
            })
            .starts_with("latitude")
        );
        let checked = super::search(&pb::SearchRequest {
            postcode: "le1 6zz".into(),
            within_metres: Some(1500),
            open_on: "2025-03-04".into(),
            ..base
        })
        .expect("valid");
        assert_eq!(
            checked.place,
            Some(Place::Postcode(
                Postcode::parse("LE1 6ZZ").expect("postcode")
            ))
        );
        assert_eq!(checked.within_m, Some(1500.0));
        assert_eq!(
            checked.query.page,
            PageRequest {
                number: 1,
                size: 50
            }
        );
        assert_eq!(checked.query.open_on, NaiveDate::from_ymd_opt(2025, 3, 4));
    }

    #[test]
    fn details_are_parsed_and_bad_fields_named() {
        let details = pb::ServiceDetails {
            name: " Lunch club ".into(),
            taxonomy_terms: vec!["0190a2b4-0000-7000-8000-000000000003".into()],
            minimum_age: Some(60),
            schedules: vec![pb::Schedule {
                days: vec!["Tuesday".into(), "fri".into()],
                opens_at: "10:00".into(),
                closes_at: "12:30".into(),
                ..pb::Schedule::default()
            }],
            ..pb::ServiceDetails::default()
        };
        let parsed = super::details(Some(details.clone())).expect("valid");
        assert_eq!(parsed.name, "Lunch club");
        assert_eq!(parsed.minimum_age, Some(60));
        assert_eq!(parsed.schedules[0].days, [Weekday::Tue, Weekday::Fri]);
        let mut bad = details.clone();
        bad.maximum_age = Some(300);
        assert_eq!(
            refusal(super::details(Some(bad))),
            "details.maximum_age must be 0 to 120"
        );
        let mut bad = details.clone();
        bad.schedules[0].days.push("someday".into());
        assert!(refusal(super::details(Some(bad))).starts_with("details.schedules[0].days[2]"));
        let mut bad = details;
        bad.taxonomy_terms.push("no spaces please".into());
        assert!(refusal(super::details(Some(bad))).starts_with("details.taxonomy_terms[1]"));
        assert_eq!(refusal(super::details(None)), "details is required");
    }

    #[test]
    fn the_codes_the_protos_allow_are_the_domains() {
        let declared = |message: &str, field: &str| {
            contract::rules::declared_values(&format!("linkwork.directory.v1.{message}"), field)
        };
        let bands: Vec<String> = WaitlistBand::ALL
            .iter()
            .map(|b| b.code().to_owned())
            .collect();
        assert_eq!(declared("Capacity", "waitlist"), bands);
        let days = declared("Schedule", "days");
        assert_eq!(days.len(), 14);
        for day in days {
            assert!(day.parse::<Weekday>().is_ok(), "{day}");
        }
    }

    #[test]
    fn capacity_bands_are_the_domains_codes() {
        let capacity = super::capacity(Some(pb::Capacity {
            available: 0,
            unit: "places".into(),
            waitlist: "two_to_six_weeks".into(),
            ..pb::Capacity::default()
        }))
        .expect("valid");
        assert_eq!(capacity.waitlist, Some(WaitlistBand::TwoToSixWeeks));
        let bad = super::capacity(Some(pb::Capacity {
            waitlist: "soon".into(),
            ..pb::Capacity::default()
        }));
        assert!(refusal(bad).starts_with("capacity.waitlist"));
    }
}
