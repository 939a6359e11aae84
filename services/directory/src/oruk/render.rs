//! The directory's records in HSDS form, as the ORUK endpoints serve them.
//!
//! Choices the schema leaves to us, and why:
//! - `status`: active → `active`; suspended → `temporarily closed` (a suspension is for a
//!   while and is undone by reinstating, which is what "temporarily closed" tells a reader;
//!   `inactive` says nothing of coming back); withdrawn → `defunct` (gone for good).
//! - Staleness has no HSDS field, so a service not verified within the index's `stale_after`
//!   gets an `alert` saying when it was last verified (or that it never was) and to check with
//!   the provider before referring. `assured_date` and `assurer_email` stay as held.
//! - `address.state_province` is required by HSDS; the UK has no states, and the nearest
//!   thing is the county, which our address holds as `region`. A London borough or a unitary
//!   authority has no county, so the town stands in, the part of the address that does locate
//!   it. HSDS `region` is left out, as it would only repeat the county.
//! - `location_type` is `physical`: our locations are places people go (a hall, a surgery),
//!   with an address or coordinates where known; we hold no URL that could make one virtual.
//! - URLs and e-mail addresses are served only if well formed, since the schema asserts
//!   `format: uri` and `format: email` and one bad field would invalidate a whole page.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::formats::{is_email, is_uri};
use super::ids;
use super::satellites;
use crate::domain::entry::Recorded;
use crate::domain::records::{Location, Organization, Taxonomy, TaxonomyTerm};
use crate::domain::service::Standing;
use crate::hsds;
use crate::projections::index::{DirectoryIndex, ServiceEntry};

/// How much of a service to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// `minimal=true`: what the schema requires (`id`, `name`, `status`), when it changed
    /// (`last_modified`) and whether it can be trusted (`assured_date`, the stale `alert`).
    Minimal,
    /// A list item: the one-to-one fields and the organization.
    Listed,
    /// `GET /services/{id}` or `full=true`: everything, nested.
    Full,
}

/// A service_at_location with the service it delivers, as HSDS 3.0's
/// `service_at_location_list.json` nests it: without the service a place is only two ids. The
/// vendored 3.1 `service_at_location` definition does not list `service` but allows it (it
/// forbids no extra fields), and the service is validated against the service schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Site {
    /// The link, with its location nested.
    #[serde(flatten)]
    pub(crate) site: hsds::ServiceAtLocation,
    /// The service delivered there.
    pub(crate) service: hsds::Service,
}

/// A service as of `now` (for the stale alert).
pub(super) fn service(
    index: &DirectoryIndex,
    entry: &ServiceEntry,
    now: DateTime<Utc>,
    depth: Depth,
) -> hsds::Service {
    let listed = &entry.listed;
    let details = &listed.details;
    let mut service = hsds::Service {
        id: entry.id.clone(),
        organization_id: Some(listed.organisation_id.clone()),
        program_id: None,
        name: details.name.clone(),
        alternate_name: None,
        description: Some(details.description.clone()).filter(|text| !text.trim().is_empty()),
        url: details.url.clone().filter(|url| is_uri(url)),
        email: details.email.clone().filter(|email| is_email(email)),
        status: status(listed.standing),
        interpretation_services: None,
        application_process: None,
        fees_description: None,
        accreditations: None,
        eligibility_description: details.eligibility_description.clone(),
        minimum_age: details.minimum_age.map(u32::from),
        maximum_age: details.maximum_age.map(u32::from),
        assured_date: listed.assured_at.map(|at| at.date_naive()),
        assurer_email: listed.assurer.clone().filter(|email| is_email(email)),
        alert: index
            .is_stale(entry, now)
            .then(|| stale_alert(listed.assured_at)),
        last_modified: Some(entry.updated_at),
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
    };
    match depth {
        Depth::Minimal => minimal(service),
        Depth::Listed => {
            service.organization = index
                .organisation(&listed.organisation_id)
                .map(organization);
            service
        }
        Depth::Full => {
            service.organization = index
                .organisation(&listed.organisation_id)
                .map(organization);
            nest(index, entry, &mut service);
            service
        }
    }
}

fn minimal(service: hsds::Service) -> hsds::Service {
    hsds::Service {
        organization_id: None,
        description: None,
        url: None,
        email: None,
        eligibility_description: None,
        minimum_age: None,
        maximum_age: None,
        ..service
    }
}

fn nest(index: &DirectoryIndex, entry: &ServiceEntry, service: &mut hsds::Service) {
    let id = entry.id.as_str();
    let details = &entry.listed.details;
    service.service_at_locations = entry
        .listed
        .locations
        .iter()
        .map(|(site_id, location_id)| site(index, id, site_id, location_id))
        .collect();
    service.schedules = enumerate(&details.schedules, |n, s| satellites::schedule(id, n, s));
    service.cost_options = enumerate(&details.cost_options, |n, c| {
        satellites::cost_option(id, n, c)
    });
    service.contacts = enumerate(&details.contacts, |n, c| satellites::contact(id, n, c));
    service.languages = enumerate(&details.languages, |n, tag| {
        satellites::language(id, n, tag)
    });
    service.capacities = entry
        .listed
        .capacity
        .iter()
        .map(|capacity| satellites::capacity(entry, capacity))
        .collect();
    service.attributes = satellites::attributes(index, entry);
}

fn enumerate<T, U>(items: &[T], render: impl Fn(usize, &T) -> U) -> Vec<U> {
    items
        .iter()
        .enumerate()
        .map(|(position, item)| render(position, item))
        .collect()
}

/// Where a service stands, in HSDS words (see the module notes).
pub(super) fn status(standing: Standing) -> hsds::ServiceStatus {
    match standing {
        Standing::Active => hsds::ServiceStatus::Active,
        Standing::Suspended => hsds::ServiceStatus::TemporarilyClosed,
        Standing::Withdrawn => hsds::ServiceStatus::Defunct,
    }
}

/// The warning on a service whose details may be out of date.
pub(super) fn stale_alert(assured_at: Option<DateTime<Utc>>) -> String {
    match assured_at {
        Some(at) => format!(
            "These details were last verified on {}. Check them with the provider before referring.",
            at.format("%-d %B %Y")
        ),
        None => "These details have never been verified. Check them with the provider before \
                 referring."
            .to_owned(),
    }
}

/// A service_at_location link with its location nested.
pub(super) fn site(
    index: &DirectoryIndex,
    service_id: &str,
    site_id: &str,
    location_id: &str,
) -> hsds::ServiceAtLocation {
    hsds::ServiceAtLocation {
        id: site_id.to_owned(),
        service_id: Some(service_id.to_owned()),
        location_id: Some(location_id.to_owned()),
        description: None,
        service_areas: vec![],
        contacts: vec![],
        phones: vec![],
        schedules: vec![],
        location: index.location(location_id).map(location),
        attributes: vec![],
        metadata: vec![],
    }
}

/// An organisation.
pub(super) fn organization(recorded: &Recorded<Organization>) -> hsds::Organization {
    let record = &recorded.record;
    hsds::Organization {
        id: recorded.id.clone(),
        name: record.name.clone(),
        alternate_name: None,
        description: record.description.clone(),
        email: record.email.clone().filter(|email| is_email(email)),
        website: record.website.clone().filter(|url| is_uri(url)),
        year_incorporated: None,
        legal_status: record.legal_status.clone(),
        logo: None,
        uri: None,
        parent_organization_id: None,
        funding: vec![],
        contacts: vec![],
        phones: vec![],
        locations: vec![],
        attributes: vec![],
        metadata: vec![],
    }
}

/// A location with its address.
pub(super) fn location(recorded: &Recorded<Location>) -> hsds::Location {
    let record = &recorded.record;
    let addresses = record
        .address
        .iter()
        .map(|address| hsds::Address {
            id: ids::satellite(&recorded.id, "address", 0),
            location_id: Some(recorded.id.clone()),
            attention: None,
            address_1: address.address_1.clone(),
            address_2: address.address_2.clone(),
            city: address.city.clone(),
            region: None,
            state_province: address
                .region
                .clone()
                .filter(|county| !county.trim().is_empty())
                .unwrap_or_else(|| address.city.clone()),
            postal_code: address.postal_code.clone(),
            country: address.country.clone(),
            address_type: hsds::AddressType::Physical,
            attributes: vec![],
            metadata: vec![],
        })
        .collect();
    hsds::Location {
        id: recorded.id.clone(),
        location_type: hsds::LocationType::Physical,
        url: None,
        organization_id: None,
        name: Some(record.name.clone()),
        alternate_name: None,
        description: record.description.clone(),
        transportation: None,
        latitude: record.latitude,
        longitude: record.longitude,
        external_identifier: None,
        external_identifier_type: None,
        languages: vec![],
        addresses,
        contacts: vec![],
        phones: vec![],
        schedules: vec![],
        attributes: vec![],
        metadata: vec![],
    }
}

/// A taxonomy.
pub(super) fn taxonomy(recorded: &Recorded<Taxonomy>) -> hsds::Taxonomy {
    let record = &recorded.record;
    hsds::Taxonomy {
        id: recorded.id.clone(),
        name: record.name.clone(),
        description: record.description.clone(),
        uri: record.uri.clone().filter(|uri| is_uri(uri)),
        version: record.version.clone(),
        metadata: vec![],
    }
}

/// A taxonomy term, with its taxonomy nested (`taxonomy_detail`) and named (`taxonomy`).
pub(super) fn term(
    index: &DirectoryIndex,
    recorded: &Recorded<TaxonomyTerm>,
) -> hsds::TaxonomyTerm {
    let record = &recorded.record;
    let detail = index.taxonomy(&record.taxonomy_id).map(taxonomy);
    hsds::TaxonomyTerm {
        id: recorded.id.clone(),
        code: record.code.clone(),
        name: record.name.clone(),
        description: record.description.clone(),
        parent_id: record.parent_id.clone(),
        taxonomy: detail.as_ref().map(|taxonomy| taxonomy.name.clone()),
        taxonomy_detail: detail,
        language: None,
        taxonomy_id: Some(record.taxonomy_id.clone()),
        term_uri: None,
        metadata: vec![],
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::stale_alert;

    #[test]
    fn the_stale_alert_gives_the_date_or_says_never() {
        let at = Utc.with_ymd_and_hms(2024, 3, 5, 9, 30, 0).single();
        assert!(stale_alert(at).contains("last verified on 5 March 2024"));
        assert!(stale_alert(None).contains("never been verified"));
        assert!(stale_alert(None).contains("Check them with the provider before referring"));
    }
}
