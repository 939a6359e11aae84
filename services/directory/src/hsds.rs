//! Open Referral UK wire types: the HSDS objects the ORUK API serves and ORUK feeds carry, with
//! HSDS field names, nested the way `GET /services/{id}` nests them (service → organization,
//! service_at_locations → location → addresses, schedules, contacts → phones, attributes →
//! taxonomy_term → taxonomy_detail, capacities → unit).
//!
//! These types mirror the schema and nothing more; mapping to and from the domain lives
//! elsewhere. Writing follows the schema: required fields are always written, absent optional
//! values and empty arrays are left out (the schema allows no `null`). Reading is lenient where
//! feeds are: unknown fields are ignored, `null` stands for absent, and a `null` array for an empty
//! one. Fields the schema marks deprecated (`fees`, `wait_time`, `licenses`, `tax_status`,
//! `tax_id`) and objects we do not use (program, required_document, accessibility, url,
//! organization_identifier) are not modelled, so they are ignored on input.
//!
//! Schema "number" fields that count whole things (ages, capacity, schedule interval and count)
//! are integers: written as `18`, not `18.0`, and read from either. Dates the schema gives as
//! `datapackage_type: date` are [`NaiveDate`]s written `YYYY-MM-DD`; a feed's date-time is read
//! as its date. `format: date-time` fields are UTC instants written in RFC 3339 with
//! milliseconds. The vendored schemas in `tests/schemas/` are the reference.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// `GET /`: which HSDS version and profile this API serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRoot {
    /// HSDS version, e.g. "3.0".
    pub version: String,
    /// URL of the HSDS profile this API follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// URL of the OpenAPI document that defines this API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openapi_url: Option<String>,
}

/// One page of a paginated list (`components/schemas/Page` plus its `contents`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    /// How many items match in all.
    #[serde(default)]
    pub total_items: u64,
    /// How many pages there are.
    #[serde(default)]
    pub total_pages: u64,
    /// This page's number, from 1.
    #[serde(default)]
    pub page_number: u64,
    /// How many items this page holds.
    #[serde(default)]
    pub size: u64,
    /// True on the first page.
    #[serde(default)]
    pub first_page: bool,
    /// True on the last page.
    #[serde(default)]
    pub last_page: bool,
    /// True if nothing matched.
    #[serde(default)]
    pub empty: bool,
    /// The items on this page.
    #[serde(default, deserialize_with = "list::deserialize")]
    pub contents: Vec<T>,
}

/// Whether a service is running (`service.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceStatus {
    /// Running.
    #[serde(rename = "active", alias = "Active")]
    Active,
    /// Not running at present.
    #[serde(rename = "inactive", alias = "Inactive")]
    Inactive,
    /// Gone for good.
    #[serde(rename = "defunct", alias = "Defunct")]
    Defunct,
    /// Closed for a while.
    #[serde(
        rename = "temporarily closed",
        alias = "Temporarily closed",
        alias = "temporarily_closed"
    )]
    TemporarilyClosed,
}

/// What kind of place a location is (`location.location_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocationType {
    /// Somewhere people go.
    Physical,
    /// A postal address only.
    Postal,
    /// Online.
    Virtual,
}

/// What kind of address an address is (`address.address_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressType {
    /// Where the place is.
    Physical,
    /// Where post goes.
    Postal,
    /// Online.
    Virtual,
}

/// How often a schedule repeats (`schedule.freq`, an RFC 5545 FREQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Frequency {
    /// Every `interval` weeks.
    Weekly,
    /// Every `interval` months.
    Monthly,
}

/// A day of the week as RFC 5545 writes it (`schedule.wkst`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Weekday {
    /// Monday.
    Mo,
    /// Tuesday.
    Tu,
    /// Wednesday.
    We,
    /// Thursday.
    Th,
    /// Friday.
    Fr,
    /// Saturday.
    Sa,
    /// Sunday.
    Su,
}

/// A service, fully nested as `GET /services/{id}` returns it (HSDS `service`). Eligibility is
/// `eligibility_description` with `minimum_age` and `maximum_age`; HSDS 3 has no eligibility
/// object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// Identifier (a UUID in HSDS).
    pub id: String,
    /// The providing organization's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The program it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// Official or public name.
    pub name: String,
    /// Another name it is known by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its web page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether it is running.
    pub status: ServiceStatus,
    /// Interpretation available, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation_services: Option<String>,
    /// How to get it, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_process: Option<String>,
    /// What it costs, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees_description: Option<String>,
    /// Accreditations, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accreditations: Option<String>,
    /// Who it is for, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility_description: Option<String>,
    /// Youngest age accepted.
    #[serde(default, with = "whole", skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<u32>,
    /// Oldest age accepted.
    #[serde(default, with = "whole", skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<u32>,
    /// When its information was last checked.
    #[serde(default, with = "date", skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<NaiveDate>,
    /// Who last checked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assurer_email: Option<String>,
    /// A short-term notice, e.g. a closure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// When it or anything about it last changed.
    #[serde(default, with = "instant", skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime<Utc>>,
    /// Its phone numbers.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// When it runs.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    /// Where it is available.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub service_areas: Vec<ServiceArea>,
    /// Where it is delivered.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub service_at_locations: Vec<ServiceAtLocation>,
    /// Languages it is delivered in.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    /// The providing organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    /// How it is funded.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub funding: Vec<Funding>,
    /// What it costs, structured.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub cost_options: Vec<CostOption>,
    /// Named contacts.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// How much room it has (HSDS 3.1).
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub capacities: Vec<ServiceCapacity>,
    /// Its classifications (links to taxonomy terms).
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// An organization that provides services (HSDS `organization`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Identifier.
    pub id: String,
    /// Official or public name.
    pub name: String,
    /// Another name it is known by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
    /// Brief summary; required by the schema.
    pub description: String,
    /// Contact e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Its website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Year it was legally formed.
    #[serde(default, with = "whole", skip_serializing_if = "Option::is_none")]
    pub year_incorporated: Option<u32>,
    /// Legal status, e.g. "Charitable Incorporated Organisation".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_status: Option<String>,
    /// URL of its logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// A persistent identifier URI (not its website).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Its parent organization's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_organization_id: Option<String>,
    /// How it is funded.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub funding: Vec<Funding>,
    /// Named contacts.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Its phone numbers.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// Where it operates.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A service delivered at a location, with per-place details (HSDS `service_at_location`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceAtLocation {
    /// Identifier.
    pub id: String,
    /// The service's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The location's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// What is different about the service here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it is available from here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub service_areas: Vec<ServiceArea>,
    /// Contacts for the service here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Phone numbers for the service here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// When it runs here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    /// The place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Classifications of the service here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A place where services are delivered, physical or virtual (HSDS `location`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Identifier.
    pub id: String,
    /// Physical, postal or virtual.
    pub location_type: LocationType,
    /// For a virtual location, where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The organization that maintains this location's details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Another name it is known by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Getting there by public or private transport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transportation: Option<String>,
    /// WGS84 latitude, decimal degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// WGS84 longitude, decimal degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// A third-party identifier, e.g. a UPRN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_identifier: Option<String>,
    /// The scheme of `external_identifier`, e.g. "UPRN".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_identifier_type: Option<String>,
    /// Languages spoken here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    /// Its addresses.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Contacts here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Phone numbers here.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// Opening times.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A location's address (HSDS `address`). The schema requires `state_province` even where,
/// as in much of the UK, there is none to give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Identifier.
    pub id: String,
    /// The location's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// "Care of": whose attention to seek.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    /// First line(s): building and street.
    pub address_1: String,
    /// Another line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_2: Option<String>,
    /// Town or city.
    pub city: String,
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// State, province or (in the UK) county.
    pub state_province: String,
    /// Postcode.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. "GB".
    pub country: String,
    /// Physical, postal or virtual.
    pub address_type: AddressType,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A telephone number (HSDS `phone`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phone {
    /// Identifier.
    pub id: String,
    /// The location it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The service it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The organization it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The contact it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// The service-at-location it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_at_location_id: Option<String>,
    /// The number.
    pub number: String,
    /// Extension.
    #[serde(default, with = "whole", skip_serializing_if = "Option::is_none")]
    pub extension: Option<u32>,
    /// RFC 6350 type: text, voice, fax, cell, video, pager, textphone.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Extra information, e.g. when it is answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Languages spoken on this line.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A named contact (HSDS `contact`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Identifier.
    pub id: String,
    /// The organization it is a contact for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The service it is a contact for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The service-at-location it is a contact for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_at_location_id: Option<String>,
    /// The location it is a contact for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone numbers.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// When a service or location is open, as RFC 5545 recurrence fields (HSDS `schedule`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Identifier.
    pub id: String,
    /// The service it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The location it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The service-at-location it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_at_location_id: Option<String>,
    /// First day it applies.
    #[serde(default, with = "date", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day it applies.
    #[serde(default, with = "date", skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    /// Date of the first occurrence (needed with `interval`).
    #[serde(default, with = "date", skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<NaiveDate>,
    /// UTC offset, in hours, the times are given in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<f64>,
    /// Date of the last occurrence.
    #[serde(default, with = "date", skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// How many times it occurs (instead of `until`).
    #[serde(default, with = "whole", skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The day the week starts on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wkst: Option<Weekday>,
    /// Weekly or monthly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freq: Option<Frequency>,
    /// Every how many weeks or months (2 with weekly is fortnightly).
    #[serde(default, with = "whole", skip_serializing_if = "Option::is_none")]
    pub interval: Option<u32>,
    /// Days, e.g. "MO,WE" or, monthly, "2MO" or "-1FR".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byday: Option<String>,
    /// Weeks of the year, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byweekno: Option<String>,
    /// Days of the month, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bymonthday: Option<String>,
    /// Days of the year, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byyearday: Option<String>,
    /// The times in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Opening time, e.g. "10:00" or "10:00:00Z".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    /// Closing time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    /// A page listing sessions, perhaps for booking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_link: Option<String>,
    /// How to attend, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attending_type: Option<String>,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A price of a service over a period (HSDS `cost_option`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostOption {
    /// Identifier.
    pub id: String,
    /// The service it prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// First day the price applies.
    #[serde(default, with = "date", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day the price applies.
    #[serde(default, with = "date", skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    /// Conditions, e.g. "Under 18s and over 60s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// Three-letter currency code ("GBP").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// What the amount is for, e.g. "per session".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_description: Option<String>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A language a service, location or phone line works in (HSDS `language`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// Identifier.
    pub id: String,
    /// The service it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The location it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The phone it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_id: Option<String>,
    /// Its name, e.g. "Welsh".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ISO 639-1 or 639-3 code, e.g. "cy".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Anything else about it, e.g. "when bilingual staff are in".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A source of funding (HSDS `funding`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Funding {
    /// Identifier.
    pub id: String,
    /// The organization funded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The service funded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Where the money comes from, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// The area a service is available to (HSDS `service_area`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceArea {
    /// Identifier.
    pub id: String,
    /// The service it bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The service-at-location it bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_at_location_id: Option<String>,
    /// The area in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// More about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The area's outline, in `extent_type`'s format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<String>,
    /// geojson, topojson, kml or text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent_type: Option<String>,
    /// A URI identifying the area, e.g. an ONS geography.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A classification scheme terms come from (HSDS `taxonomy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    /// Identifier.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is; required by the schema.
    pub description: String,
    /// Where it is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Which version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A term in a taxonomy (HSDS `taxonomy_term`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxonomyTerm {
    /// Identifier.
    pub id: String,
    /// The term's code within its taxonomy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The term.
    pub name: String,
    /// What it means; required by the schema.
    pub description: String,
    /// Its parent term, in a hierarchy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Which established taxonomy, in words or as a URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
    /// The taxonomy itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy_detail: Option<Taxonomy>,
    /// ISO 639 code of the term's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The taxonomy's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy_id: Option<String>,
    /// The term's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_uri: Option<String>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A link from a record to a taxonomy term that describes it (HSDS `attribute`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// Identifier.
    pub id: String,
    /// The identifier of the record described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    /// The term's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy_term_id: Option<String>,
    /// What the term says about the record, e.g. its eligibility or audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// The kind of record described, e.g. "service".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_entity: Option<String>,
    /// A value, if the attribute has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy_term: Option<TaxonomyTerm>,
    /// A free-text label (HSDS 3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// One recorded change to a field, for provenance (HSDS `metadata`). The schema requires every
/// field but the resource's identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Identifier.
    pub id: String,
    /// The changed record's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The changed record's kind, e.g. "service".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When it changed.
    #[serde(deserialize_with = "date::required")]
    pub last_action_date: NaiveDate,
    /// What kind of change, e.g. "update".
    pub last_action_type: String,
    /// The field changed.
    pub field_name: String,
    /// Its value before.
    pub previous_value: String,
    /// Its value after.
    pub replacement_value: String,
    /// Who changed it.
    pub updated_by: String,
}

/// How much room a service has (HSDS 3.1 `service_capacity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceCapacity {
    /// Identifier.
    pub id: String,
    /// The service's identifier (needed only in tabular form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// What is counted.
    pub unit: Unit,
    /// Units available at the last update.
    #[serde(deserialize_with = "whole::required")]
    pub available: u32,
    /// Most units there can be, if known.
    #[serde(default, with = "whole", skip_serializing_if = "Option::is_none")]
    pub maximum: Option<u32>,
    /// What the capacity is, e.g. "Places on the weekly walk".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was last updated.
    #[serde(deserialize_with = "instant::read", serialize_with = "instant::write")]
    pub updated: DateTime<Utc>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// A unit capacity is counted in (HSDS 3.1 `unit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// Identifier.
    pub id: String,
    /// Its name, e.g. "place".
    pub name: String,
    /// The scheme that defines it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Its identifier within that scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Its definition's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Its classifications.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Change history.
    #[serde(default, with = "list", skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// Arrays: written as usual; `null` (which feeds write for "none") read as empty.
mod list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<T: Serialize, S: Serializer>(
        items: &[T],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        items.serialize(serializer)
    }

    pub(super) fn deserialize<'de, T, D>(deserializer: D) -> Result<Vec<T>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
    }
}

/// Whole, non-negative counts: written as integers; read from `18` or `18.0`, not `18.5`.
mod whole {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Number;

    pub(super) fn parse(number: &Number) -> Result<u32, String> {
        let whole = match number.as_u64() {
            Some(whole) => Some(whole),
            None => number
                .as_f64()
                .filter(|value| {
                    value.fract() == 0.0 && *value >= 0.0 && *value <= f64::from(u32::MAX)
                })
                // Whole, non-negative and in range, as checked just above.
                .map(|value| value as u64),
        };
        whole
            .and_then(|whole| u32::try_from(whole).ok())
            .ok_or_else(|| format!("{number} is not a whole number from 0 to {}", u32::MAX))
    }

    pub(super) fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        parse(&Number::deserialize(deserializer)?).map_err(D::Error::custom)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u32>, D::Error> {
        Option::<Number>::deserialize(deserializer)?
            .map(|number| parse(&number).map_err(D::Error::custom))
            .transpose()
    }

    pub(super) fn serialize<S: Serializer>(
        count: &Option<u32>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match count {
            Some(count) => serializer.serialize_u32(*count),
            None => serializer.serialize_none(),
        }
    }
}

/// Dates: written `YYYY-MM-DD`; a date-time (as some feeds write dates) is read as its date.
mod date {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn parse(text: &str) -> Result<NaiveDate, String> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .or_else(|_| DateTime::parse_from_rfc3339(text).map(|instant| instant.date_naive()))
            .or_else(|_| {
                NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.date())
            })
            .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))
    }

    pub(super) fn required<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<NaiveDate, D::Error> {
        parse(&String::deserialize(deserializer)?).map_err(D::Error::custom)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| parse(&text).map_err(D::Error::custom))
            .transpose()
    }

    pub(super) fn serialize<S: Serializer>(
        day: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        day.serialize(serializer)
    }
}

/// Instants (`format: date-time`): read from RFC 3339 with an offset; written in UTC to the
/// millisecond, as HSDS asks.
mod instant {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn parse(text: &str) -> Result<DateTime<Utc>, String> {
        DateTime::parse_from_rfc3339(text)
            .map(|instant| instant.with_timezone(&Utc))
            .map_err(|_| format!("{text:?} is not an RFC 3339 date-time with an offset"))
    }

    pub(super) fn read<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        parse(&String::deserialize(deserializer)?).map_err(D::Error::custom)
    }

    pub(super) fn write<S: Serializer>(
        instant: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&instant.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| parse(&text).map_err(D::Error::custom))
            .transpose()
    }

    pub(super) fn serialize<S: Serializer>(
        instant: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match instant {
            Some(instant) => write(instant, serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};
    use serde::Serialize;

    use super::{date, instant, whole};

    #[test]
    fn whole_numbers_are_read_from_integers_and_integral_floats_only() {
        let read = |json: &str| whole::parse(&serde_json::from_str(json).expect("a number"));
        assert_eq!(read("18"), Ok(18));
        assert_eq!(read("18.0"), Ok(18));
        assert!(read("18.5").is_err());
        assert!(read("-1").is_err());
        assert!(read("4294967296").is_err());
    }

    #[test]
    fn dates_are_read_plain_or_from_a_date_time() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 5);
        assert_eq!(date::parse("2024-03-05").ok(), day);
        assert_eq!(date::parse("2024-03-05T00:00:00").ok(), day);
        assert_eq!(date::parse("2024-03-05T09:30:00+01:00").ok(), day);
        assert_eq!(
            date::parse("05/03/2024"),
            Err("\"05/03/2024\" is not a date (YYYY-MM-DD)".to_owned())
        );
    }

    #[test]
    fn instants_need_an_offset_and_are_written_in_utc_to_the_millisecond() {
        #[derive(Serialize)]
        struct Written(#[serde(serialize_with = "instant::write")] DateTime<Utc>);

        let read = instant::parse("2024-09-25T14:23:06.5+01:00").expect("valid");
        let written = serde_json::to_value(Written(read)).expect("serialises");
        assert_eq!(written, serde_json::json!("2024-09-25T13:23:06.500Z"));
        assert!(instant::parse("2024-09-25T14:23:06").is_err());
    }
}
