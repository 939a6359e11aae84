//! The directory's state into answers: services from the index, history from the log.

use chrono::{DateTime, Utc, Weekday};
use eventstore::RecordedEvent;
use prost_types::Timestamp;
use proto::directory::v1 as pb;

use crate::app::AppError;
use crate::domain::service::{Capacity, Details, Event, Standing};
use crate::projections::index::{
    DirectoryIndex, PageRequest, SearchHit, SearchResults, ServiceEntry,
};

pub(super) fn timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

fn day(day: Weekday) -> String {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
    .to_owned()
}

fn standing(standing: Standing) -> String {
    match standing {
        Standing::Active => "active",
        Standing::Suspended => "suspended",
        Standing::Withdrawn => "withdrawn",
    }
    .to_owned()
}

fn details(details: &Details) -> pb::ServiceDetails {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    pb::ServiceDetails {
        name: details.name.clone(),
        description: details.description.clone(),
        url: text(&details.url),
        email: text(&details.email),
        taxonomy_terms: details.taxonomy_terms.clone(),
        minimum_age: details.minimum_age.map(u32::from),
        maximum_age: details.maximum_age.map(u32::from),
        eligibility_description: text(&details.eligibility_description),
        takes_referrals: details.takes_referrals,
        languages: details.languages.clone(),
        schedules: details
            .schedules
            .iter()
            .map(|schedule| pb::Schedule {
                days: schedule.days.iter().copied().map(day).collect(),
                opens_at: schedule
                    .opens_at
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default(),
                closes_at: schedule
                    .closes_at
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default(),
                valid_from: schedule
                    .valid_from
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                valid_to: schedule.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                description: text(&schedule.description),
            })
            .collect(),
        cost_options: details
            .cost_options
            .iter()
            .map(|cost| pb::CostOption {
                amount_pence: cost.amount_pence,
                option: text(&cost.option),
                amount_description: text(&cost.amount_description),
            })
            .collect(),
        contacts: details
            .contacts
            .iter()
            .map(|contact| pb::Contact {
                name: text(&contact.name),
                title: text(&contact.title),
                email: text(&contact.email),
                phones: contact.phones.clone(),
            })
            .collect(),
    }
}

fn capacity(capacity: &Capacity, updated_at: Option<DateTime<Utc>>) -> pb::Capacity {
    pb::Capacity {
        available: capacity.available,
        maximum: capacity.maximum,
        unit: capacity.unit.clone(),
        waitlist: capacity
            .waitlist
            .map(|band| band.code().to_owned())
            .unwrap_or_default(),
        updated_at: updated_at.map(timestamp),
    }
}

/// Service-at-location `site` of location `location_id`, with what the index knows of the place.
fn site(index: &DirectoryIndex, site: &str, location_id: &str) -> pb::ServiceAtLocation {
    let location = index.location(location_id).map(|recorded| &recorded.record);
    pb::ServiceAtLocation {
        id: site.to_owned(),
        location_id: location_id.to_owned(),
        location_name: location.map(|l| l.name.clone()).unwrap_or_default(),
        postal_code: location
            .and_then(|l| l.address.as_ref())
            .map(|a| a.postal_code.clone())
            .unwrap_or_default(),
        latitude: location.and_then(|l| l.latitude),
        longitude: location.and_then(|l| l.longitude),
    }
}

fn organisation_name(index: &DirectoryIndex, id: &str) -> String {
    index
        .organisation(id)
        .map(|recorded| recorded.record.name.clone())
        .unwrap_or_default()
}

/// A service as it now stands.
pub(super) fn service(
    index: &DirectoryIndex,
    entry: &ServiceEntry,
    now: DateTime<Utc>,
) -> pb::Service {
    let listed = &entry.listed;
    pb::Service {
        id: entry.id.clone(),
        organisation_id: listed.organisation_id.clone(),
        organisation_name: organisation_name(index, &listed.organisation_id),
        details: Some(details(&listed.details)),
        capacity: listed
            .capacity
            .as_ref()
            .map(|c| capacity(c, entry.capacity_updated_at)),
        standing: standing(listed.standing),
        assured_at: listed.assured_at.map(timestamp),
        stale: index.is_stale(entry, now),
        locations: listed
            .locations
            .iter()
            .map(|(link, location)| site(index, link, location))
            .collect(),
        listed_at: Some(timestamp(entry.listed_at)),
        updated_at: Some(timestamp(entry.updated_at)),
    }
}

fn summary(index: &DirectoryIndex, entry: &ServiceEntry) -> pb::ServiceSummary {
    let listed = &entry.listed;
    pb::ServiceSummary {
        id: entry.id.clone(),
        name: listed.details.name.clone(),
        description: listed.details.description.clone(),
        organisation_id: listed.organisation_id.clone(),
        organisation_name: organisation_name(index, &listed.organisation_id),
        taxonomy_terms: listed.details.taxonomy_terms.clone(),
        takes_referrals: listed.details.takes_referrals,
        minimum_age: listed.details.minimum_age.map(u32::from),
        maximum_age: listed.details.maximum_age.map(u32::from),
    }
}

/// A page of search answers.
pub(super) fn search(
    index: &DirectoryIndex,
    results: &SearchResults<SearchHit>,
    page: PageRequest,
) -> pb::SearchResponse {
    let results_on_page = results
        .hits
        .iter()
        .map(|hit| {
            let entry = &hit.service;
            let nearest = hit.nearest_site.as_deref().and_then(|link| {
                let location = entry.listed.locations.get(link)?;
                Some(site(index, link, location))
            });
            pb::SearchResult {
                service: Some(summary(index, entry)),
                distance_metres: hit.distance_m,
                stale: hit.stale,
                capacity: entry
                    .listed
                    .capacity
                    .as_ref()
                    .map(|c| capacity(c, entry.capacity_updated_at)),
                nearest,
                relevance: hit.relevance,
            }
        })
        .collect();
    pb::SearchResponse {
        results: results_on_page,
        total: results.total as u64,
        total_pages: u32::try_from(results.total_pages()).unwrap_or(u32::MAX),
        page: page.number,
        page_size: page.size,
    }
}

/// A service's recorded events, oldest first, each with what it means in words.
pub(super) fn history(recorded: &[RecordedEvent]) -> Result<Vec<pb::ServiceEvent>, AppError> {
    let mut listed_before = false;
    recorded
        .iter()
        .map(|event| {
            let decoded: Event = event.decode().map_err(AppError::Corrupt)?;
            let summary = describe(&decoded, listed_before);
            listed_before |= matches!(decoded, Event::ServiceListed { .. });
            Ok(pb::ServiceEvent {
                version: event.stream_version,
                event_id: event.event_id.to_string(),
                r#type: event.event_type.clone(),
                occurred_at: Some(timestamp(event.occurred_at)),
                summary,
                body: contract::json::to_struct(&event.payload),
                actor: event.metadata.actor.id.clone(),
                actor_organisation: event.metadata.actor.organisation.clone(),
            })
        })
        .collect()
}

/// One event in words, for a curator reading a service's history.
fn describe(event: &Event, listed_before: bool) -> String {
    match event {
        Event::ServiceListed {
            details,
            organisation_id,
            ..
        } if !listed_before => format!("Listed \"{}\" for {organisation_id}", details.name),
        Event::ServiceListed { details, .. } => {
            format!("Details changed (now \"{}\")", details.name)
        }
        Event::ServiceCapacityChanged {
            available,
            maximum,
            unit,
            waitlist,
            ..
        } => match (available, maximum, waitlist) {
            (0, _, Some(band)) => format!(
                "Capacity: no {unit} free; waiting list {}",
                band.code().replace('_', " ")
            ),
            (0, _, None) => format!("Capacity: no {unit} free"),
            (available, Some(maximum), _) => {
                format!("Capacity: {available} of {maximum} {unit} free")
            }
            (available, None, _) => format!("Capacity: {available} {unit} free"),
        },
        Event::ServiceLocationAdded {
            service_at_location_id,
            location_id,
            ..
        } => format!("Delivered at location {location_id} ({service_at_location_id})"),
        Event::ServiceLocationRemoved {
            service_at_location_id,
            ..
        } => format!("No longer delivered at {service_at_location_id}"),
        Event::ServiceSuspended { reason, .. } => format!("Suspended: {reason}"),
        Event::ServiceReinstated { .. } => "Reinstated".to_owned(),
        Event::ServiceWithdrawn { reason, .. } => format!("Withdrawn: {reason}"),
        Event::ServiceVerified { assurer, .. } => format!("Verified by {assurer}"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::describe;
    use crate::domain::service::{Event, WaitlistBand};

    #[test]
    fn capacity_changes_read_as_a_person_would_say_them() {
        let changed = |available, maximum, waitlist| Event::ServiceCapacityChanged {
            service_id: "svc".into(),
            available,
            maximum,
            unit: "places".into(),
            waitlist,
            at: Utc::now(),
        };
        assert_eq!(
            describe(&changed(3, Some(10), None), true),
            "Capacity: 3 of 10 places free"
        );
        assert_eq!(
            describe(
                &changed(0, Some(10), Some(WaitlistBand::TwoToSixWeeks)),
                true
            ),
            "Capacity: no places free; waiting list two to six weeks"
        );
    }
}
