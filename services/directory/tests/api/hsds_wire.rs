//! The ORUK wire types against the vendored HSDS schemas: what we write validates, what the
//! schema forbids is refused, and what real feeds send (nulls, unknown fields, `18.0`,
//! date-times for dates) is read.

use chrono::{NaiveDate, TimeZone, Utc};
use directory::hsds::{
    Address, AddressType, ApiRoot, Attribute, Contact, CostOption, Frequency, Language, Location,
    LocationType, Metadata, Organization, Page, Phone, Schedule, Service, ServiceAtLocation,
    ServiceCapacity, ServiceStatus, Taxonomy, TaxonomyTerm, Unit, Weekday,
};
use serde_json::{Value, json};

use crate::schema::{assert_valid, assert_valid_page, page_violations, violations};

const SERVICE: &str = "service_with_definitions.json";
const TAXONOMY_TERM: &str = "service_with_definitions.json#/definitions/taxonomy_term";
const API_ROOT: &str = "openapi.json#/paths/~1/get/responses/200/content/application~1json/schema";

const SERVICE_ID: &str = "3f1c6a52-6d0e-4c1b-9a43-0b7e2d5c8a01";
const ORGANIZATION_ID: &str = "9b2e4d17-3c5a-4f86-8e21-6d4a0c7b1f02";
const LOCATION_ID: &str = "c4a7e0d3-1b92-4e5f-a6c8-2f9d3b0e7a03";
const TERM_ID: &str = "e8d1b6c4-7a35-4f02-9c6e-1b4a8d2f5c04";

/// A UUID for the `n`th satellite record.
fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn minimal_service() -> Service {
    Service {
        id: SERVICE_ID.to_owned(),
        organization_id: None,
        program_id: None,
        name: "Lunch club".to_owned(),
        alternate_name: None,
        description: None,
        url: None,
        email: None,
        status: ServiceStatus::Active,
        interpretation_services: None,
        application_process: None,
        fees_description: None,
        accreditations: None,
        eligibility_description: None,
        minimum_age: None,
        maximum_age: None,
        assured_date: None,
        assurer_email: None,
        alert: None,
        last_modified: None,
        phones: vec![],
        schedules: vec![],
        service_areas: vec![],
        service_at_locations: vec![],
        languages: vec![],
        organization: None,
        funding: vec![],
        cost_options: vec![],
        contacts: vec![],
        capacities: vec![],
        attributes: vec![],
        metadata: vec![],
    }
}

fn phone(n: u32, number: &str) -> Phone {
    Phone {
        id: id(n),
        location_id: None,
        service_id: None,
        organization_id: None,
        contact_id: None,
        service_at_location_id: None,
        number: number.to_owned(),
        extension: Some(204),
        kind: Some("voice".to_owned()),
        description: Some("Answered 9am to 1pm on weekdays".to_owned()),
        languages: vec![],
        attributes: vec![],
        metadata: vec![],
    }
}

fn welsh(n: u32) -> Language {
    Language {
        id: id(n),
        service_id: Some(SERVICE_ID.to_owned()),
        location_id: None,
        phone_id: None,
        name: Some("Welsh".to_owned()),
        code: Some("cy".to_owned()),
        note: Some("When bilingual volunteers are in".to_owned()),
        attributes: vec![],
        metadata: vec![],
    }
}

fn weekly_lunch() -> Schedule {
    Schedule {
        id: id(20),
        service_id: Some(SERVICE_ID.to_owned()),
        location_id: None,
        service_at_location_id: None,
        valid_from: NaiveDate::from_ymd_opt(2025, 1, 6),
        valid_to: NaiveDate::from_ymd_opt(2025, 12, 15),
        dtstart: NaiveDate::from_ymd_opt(2025, 1, 6),
        timezone: Some(0.0),
        until: None,
        count: None,
        wkst: Some(Weekday::Mo),
        freq: Some(Frequency::Weekly),
        interval: Some(1),
        byday: Some("MO,TH".to_owned()),
        byweekno: None,
        bymonthday: None,
        byyearday: None,
        description: Some("Mondays and Thursdays, 12 to 2".to_owned()),
        opens_at: Some("12:00".to_owned()),
        closes_at: Some("14:00".to_owned()),
        schedule_link: Some("https://example.org/lunch/sessions".to_owned()),
        attending_type: Some("In person; drop in".to_owned()),
        notes: Some("Closed on bank holidays".to_owned()),
        attributes: vec![],
        metadata: vec![],
    }
}

fn hall() -> Location {
    Location {
        id: LOCATION_ID.to_owned(),
        location_type: LocationType::Physical,
        url: None,
        organization_id: Some(ORGANIZATION_ID.to_owned()),
        name: Some("St Mary's church hall".to_owned()),
        alternate_name: None,
        description: Some("Step-free entrance from the car park".to_owned()),
        transportation: Some("Buses 12 and 40 stop outside".to_owned()),
        latitude: Some(51.4545),
        longitude: Some(-2.5879),
        external_identifier: Some("000012345678".to_owned()),
        external_identifier_type: Some("UPRN".to_owned()),
        languages: vec![],
        addresses: vec![Address {
            id: id(30),
            location_id: Some(LOCATION_ID.to_owned()),
            attention: None,
            address_1: "1 Church Lane".to_owned(),
            address_2: None,
            city: "Bristol".to_owned(),
            region: Some("South West".to_owned()),
            state_province: "Bristol".to_owned(),
            postal_code: "BS1 5TR".to_owned(),
            country: "GB".to_owned(),
            address_type: AddressType::Physical,
            attributes: vec![],
            metadata: vec![],
        }],
        contacts: vec![],
        phones: vec![],
        schedules: vec![],
        attributes: vec![],
        metadata: vec![],
    }
}

fn loneliness() -> Attribute {
    Attribute {
        id: id(40),
        link_id: Some(SERVICE_ID.to_owned()),
        taxonomy_term_id: Some(TERM_ID.to_owned()),
        link_type: Some("need".to_owned()),
        link_entity: Some("service".to_owned()),
        value: None,
        taxonomy_term: Some(TaxonomyTerm {
            id: TERM_ID.to_owned(),
            code: Some("loneliness".to_owned()),
            name: "Loneliness and isolation".to_owned(),
            description: "Support for people who are lonely or isolated".to_owned(),
            parent_id: None,
            taxonomy: Some("Linkwork needs".to_owned()),
            taxonomy_detail: Some(Taxonomy {
                id: id(41),
                name: "Linkwork needs".to_owned(),
                description: "The needs social prescribing link workers refer for".to_owned(),
                uri: Some("https://example.org/taxonomies/needs".to_owned()),
                version: Some("1".to_owned()),
                metadata: vec![],
            }),
            language: Some("en".to_owned()),
            taxonomy_id: Some(id(41)),
            term_uri: Some("https://example.org/taxonomies/needs/loneliness".to_owned()),
            metadata: vec![],
        }),
        label: Some("Loneliness".to_owned()),
        metadata: vec![],
    }
}

fn full_service() -> Service {
    Service {
        organization_id: Some(ORGANIZATION_ID.to_owned()),
        alternate_name: Some("Thursday lunch".to_owned()),
        description: Some("A hot lunch and company for older people".to_owned()),
        url: Some("https://example.org/lunch".to_owned()),
        email: Some("lunch@example.org".to_owned()),
        interpretation_services: Some("BSL by arrangement".to_owned()),
        application_process: Some("Drop in, or ask your link worker to refer you".to_owned()),
        fees_description: Some("£3 a meal".to_owned()),
        accreditations: Some("Food hygiene rating 5".to_owned()),
        eligibility_description: Some("Aged 60 or over and living in Bristol".to_owned()),
        minimum_age: Some(60),
        maximum_age: Some(120),
        assured_date: NaiveDate::from_ymd_opt(2025, 3, 1),
        assurer_email: Some("curator@example.org".to_owned()),
        alert: Some("Closed 24 December to 2 January".to_owned()),
        last_modified: Utc.with_ymd_and_hms(2025, 3, 1, 10, 30, 0).single(),
        phones: vec![phone(10, "0117 496 0000")],
        schedules: vec![weekly_lunch()],
        service_at_locations: vec![ServiceAtLocation {
            id: id(50),
            service_id: Some(SERVICE_ID.to_owned()),
            location_id: Some(LOCATION_ID.to_owned()),
            description: Some("In the main hall".to_owned()),
            service_areas: vec![],
            contacts: vec![],
            phones: vec![],
            schedules: vec![],
            location: Some(hall()),
            attributes: vec![],
            metadata: vec![],
        }],
        languages: vec![welsh(60)],
        organization: Some(Organization {
            id: ORGANIZATION_ID.to_owned(),
            name: "St Mary's Community Trust".to_owned(),
            alternate_name: None,
            description: "A local charity running clubs for older people".to_owned(),
            email: Some("hello@example.org".to_owned()),
            website: Some("https://example.org".to_owned()),
            year_incorporated: Some(1998),
            legal_status: Some("Charitable Incorporated Organisation".to_owned()),
            logo: None,
            uri: None,
            parent_organization_id: None,
            funding: vec![],
            contacts: vec![],
            phones: vec![],
            locations: vec![],
            attributes: vec![],
            metadata: vec![],
        }),
        cost_options: vec![CostOption {
            id: id(70),
            service_id: Some(SERVICE_ID.to_owned()),
            valid_from: NaiveDate::from_ymd_opt(2025, 1, 1),
            valid_to: None,
            option: Some("Per meal".to_owned()),
            currency: Some("GBP".to_owned()),
            amount: Some(3.0),
            amount_description: Some("per meal, tea included".to_owned()),
            attributes: vec![],
            metadata: vec![],
        }],
        contacts: vec![Contact {
            id: id(80),
            organization_id: None,
            service_id: Some(SERVICE_ID.to_owned()),
            service_at_location_id: None,
            location_id: None,
            name: Some("Ann Persona".to_owned()),
            title: Some("Club organiser".to_owned()),
            department: None,
            email: Some("ann@example.org".to_owned()),
            phones: vec![phone(81, "07700 900123")],
            attributes: vec![],
            metadata: vec![],
        }],
        capacities: vec![ServiceCapacity {
            id: id(90),
            service_id: Some(SERVICE_ID.to_owned()),
            unit: Unit {
                id: id(91),
                name: "place".to_owned(),
                scheme: None,
                identifier: None,
                uri: None,
                attributes: vec![],
                metadata: vec![],
            },
            available: 4,
            maximum: Some(30),
            description: Some("Places at the table".to_owned()),
            updated: Utc
                .with_ymd_and_hms(2025, 3, 3, 9, 0, 0)
                .single()
                .expect("a valid instant"),
            attributes: vec![],
            metadata: vec![],
        }],
        attributes: vec![loneliness()],
        metadata: vec![Metadata {
            id: id(100),
            resource_id: Some(SERVICE_ID.to_owned()),
            resource_type: Some("service".to_owned()),
            last_action_date: NaiveDate::from_ymd_opt(2025, 3, 1).expect("a valid date"),
            last_action_type: "update".to_owned(),
            field_name: "name".to_owned(),
            previous_value: "Lunch".to_owned(),
            replacement_value: "Lunch club".to_owned(),
            updated_by: "curator-1".to_owned(),
        }],
        ..minimal_service()
    }
}

fn to_json(service: &Service) -> Value {
    serde_json::to_value(service).expect("a service serialises")
}

#[test]
fn a_fully_nested_service_is_valid_hsds_and_reads_back_unchanged() {
    let service = full_service();
    let written = to_json(&service);
    assert_valid(SERVICE, &written);
    assert_eq!(
        written["minimum_age"],
        json!(60),
        "whole numbers are written as integers"
    );
    assert_eq!(written["assured_date"], json!("2025-03-01"));
    assert_eq!(
        written["capacities"][0]["updated"],
        json!("2025-03-03T09:00:00.000Z")
    );
    let read: Service = serde_json::from_value(written).expect("reads back");
    assert_eq!(read, service);
}

#[test]
fn a_minimal_service_is_written_as_its_required_fields_alone() {
    let written = to_json(&minimal_service());
    assert_eq!(
        written,
        json!({ "id": SERVICE_ID, "name": "Lunch club", "status": "active" })
    );
    assert_valid(SERVICE, &written);
}

#[test]
fn a_service_without_name_or_status_is_refused() {
    let mut broken = to_json(&minimal_service());
    let fields = broken.as_object_mut().expect("an object");
    fields.remove("name");
    fields.remove("status");
    let found = violations(SERVICE, &broken);
    assert!(found.iter().any(|v| v.contains("\"name\"")), "{found:?}");
    assert!(found.iter().any(|v| v.contains("\"status\"")), "{found:?}");
}

#[test]
fn nulls_bad_enums_and_non_uuid_ids_are_refused() {
    let broken = json!({
        "id": "svc-lunch",
        "name": "Lunch club",
        "status": "open",
        "description": null,
        "phones": null
    });
    let found = violations(SERVICE, &broken);
    for path in ["/id", "/status", "/description", "/phones"] {
        assert!(
            found.iter().any(|v| v.starts_with(&format!("{path}:"))),
            "{path} not refused: {found:?}"
        );
    }
}

#[test]
fn a_taxonomy_term_and_the_api_root_are_valid() {
    let term = loneliness().taxonomy_term.expect("a term");
    assert_valid(
        TAXONOMY_TERM,
        &serde_json::to_value(term).expect("serialises"),
    );
    let root = ApiRoot {
        version: "3.0".to_owned(),
        profile: Some("https://openreferraluk.org/profile".to_owned()),
        openapi_url: Some("https://example.org/openapi.json".to_owned()),
    };
    assert_valid(API_ROOT, &serde_json::to_value(root).expect("serialises"));
}

#[test]
fn a_page_of_services_is_a_valid_oruk_page() {
    let page = Page {
        total_items: 1,
        total_pages: 1,
        page_number: 1,
        size: 1,
        first_page: true,
        last_page: true,
        empty: false,
        contents: vec![minimal_service()],
    };
    let written = serde_json::to_value(&page).expect("serialises");
    assert_valid_page(SERVICE, &written);
    let read: Page<Service> = serde_json::from_value(written).expect("reads back");
    assert_eq!(read, page);
    let mut missing_empty = json!({ "contents": [] });
    assert!(serde_json::from_value::<Page<Service>>(missing_empty.clone()).is_ok());
    missing_empty["contents"] = json!([{ "id": SERVICE_ID }]);
    let found = page_violations(SERVICE, &missing_empty);
    for refused in [
        "\"empty\"",
        "/contents/0: \"name\"",
        "/contents/0: \"status\"",
    ] {
        assert!(
            found.iter().any(|v| v.contains(refused)),
            "{refused}: {found:?}"
        );
    }
}

#[test]
fn a_feed_record_with_nulls_unknown_fields_and_loose_numbers_is_read() {
    let record = json!({
        "id": SERVICE_ID,
        "name": "Lunch club",
        "status": "Active",
        "description": null,
        "minimum_age": 60.0,
        "maximum_age": null,
        "assured_date": "2025-03-01T00:00:00",
        "last_modified": "2025-03-01T10:30:00.123+00:00",
        "phones": null,
        "schedules": [],
        "x_local_authority": "Bristol",
        "organization": {
            "id": ORGANIZATION_ID,
            "name": "St Mary's Community Trust",
            "description": "A local charity",
            "locations": null,
            "tax_id": "1234567"
        },
        "service_at_locations": [{
            "id": id(50),
            "location": {
                "id": LOCATION_ID,
                "location_type": "physical",
                "latitude": 51.4545,
                "addresses": null,
                "accessibility": [{ "id": id(51), "description": "Step-free" }]
            }
        }],
        "capacities": [{
            "id": id(90),
            "unit": { "id": id(91), "name": "place" },
            "available": 4.0,
            "updated": "2025-03-03T10:00:00+01:00"
        }]
    });
    let read: Service = serde_json::from_value(record).expect("a tolerant read");
    assert_eq!(read.status, ServiceStatus::Active);
    assert_eq!(read.description, None);
    assert_eq!(read.minimum_age, Some(60));
    assert_eq!(read.assured_date, NaiveDate::from_ymd_opt(2025, 3, 1));
    assert!(read.phones.is_empty());
    let organization = read.organization.expect("nested organization");
    assert!(organization.locations.is_empty());
    let location = read.service_at_locations[0]
        .location
        .as_ref()
        .expect("nested location");
    assert_eq!(location.latitude, Some(51.4545));
    assert_eq!(read.capacities[0].available, 4);
    assert_eq!(
        read.capacities[0].updated,
        Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0)
            .single()
            .expect("a valid instant")
    );
}

#[test]
fn unreadable_dates_and_fractional_counts_are_refused_with_the_value() {
    let bad_date =
        json!({ "id": SERVICE_ID, "name": "x", "status": "active", "assured_date": "01/03/2025" });
    let error = serde_json::from_value::<Service>(bad_date).expect_err("refused");
    assert!(
        error.to_string().contains("\"01/03/2025\" is not a date"),
        "{error}"
    );
    let bad_age = json!({ "id": SERVICE_ID, "name": "x", "status": "active", "minimum_age": 17.5 });
    let error = serde_json::from_value::<Service>(bad_age).expect_err("refused");
    assert!(
        error.to_string().contains("17.5 is not a whole number"),
        "{error}"
    );
}
