//! The directory's answers as JSON, field for field the protobuf messages of
//! `linkwork.directory.v1`, with times as RFC 3339 strings. Every field is always sent: text
//! is "" for none, as in the protos, and unset numbers, times and objects are `null`.

use chrono::{DateTime, Utc};
use proto::directory::v1 as pb;
use serde::Serialize;
use serde_json::Value;

use super::details::Details;
use crate::time::from_proto;

/// A registered record's id.
#[derive(Debug, Serialize)]
pub(super) struct Recorded {
    id: String,
    event_types: Vec<String>,
}

impl From<pb::RecordResponse> for Recorded {
    fn from(r: pb::RecordResponse) -> Self {
        Self {
            id: r.id,
            event_types: r.event_types,
        }
    }
}

/// A registered location, where it was placed.
#[derive(Debug, Serialize)]
pub(super) struct Located {
    location_id: String,
    event_types: Vec<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    postal_code: String,
}

impl From<pb::LocationResponse> for Located {
    fn from(r: pb::LocationResponse) -> Self {
        Self {
            location_id: r.location_id,
            event_types: r.event_types,
            latitude: r.latitude,
            longitude: r.longitude,
            postal_code: r.postal_code,
        }
    }
}

/// Capacity as reported.
#[derive(Debug, Serialize)]
pub(super) struct Capacity {
    available: u32,
    maximum: Option<u32>,
    unit: String,
    waitlist: String,
    updated_at: Option<DateTime<Utc>>,
}

impl From<pb::Capacity> for Capacity {
    fn from(c: pb::Capacity) -> Self {
        Self {
            available: c.available,
            maximum: c.maximum,
            unit: c.unit,
            waitlist: c.waitlist,
            updated_at: from_proto(c.updated_at),
        }
    }
}

/// A place a service is delivered.
#[derive(Debug, Serialize)]
pub(super) struct ServiceAtLocation {
    id: String,
    location_id: String,
    location_name: String,
    postal_code: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl From<pb::ServiceAtLocation> for ServiceAtLocation {
    fn from(s: pb::ServiceAtLocation) -> Self {
        Self {
            id: s.id,
            location_id: s.location_id,
            location_name: s.location_name,
            postal_code: s.postal_code,
            latitude: s.latitude,
            longitude: s.longitude,
        }
    }
}

/// A service as it now stands.
#[derive(Debug, Serialize)]
pub(super) struct Service {
    id: String,
    organisation_id: String,
    organisation_name: String,
    details: Option<Details>,
    capacity: Option<Capacity>,
    standing: String,
    assured_at: Option<DateTime<Utc>>,
    stale: bool,
    locations: Vec<ServiceAtLocation>,
    listed_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

impl From<pb::Service> for Service {
    fn from(s: pb::Service) -> Self {
        Self {
            id: s.id,
            organisation_id: s.organisation_id,
            organisation_name: s.organisation_name,
            details: s.details.map(Details::from),
            capacity: s.capacity.map(Capacity::from),
            standing: s.standing,
            assured_at: from_proto(s.assured_at),
            stale: s.stale,
            locations: s.locations.into_iter().map(Into::into).collect(),
            listed_at: from_proto(s.listed_at),
            updated_at: from_proto(s.updated_at),
        }
    }
}

/// What a command on a service did, and the service after it.
#[derive(Debug, Serialize)]
pub(super) struct ServiceChanged {
    service_id: String,
    event_types: Vec<String>,
    service: Option<Service>,
}

impl From<pb::ServiceCommandResponse> for ServiceChanged {
    fn from(r: pb::ServiceCommandResponse) -> Self {
        Self {
            service_id: r.service_id,
            event_types: r.event_types,
            service: r.service.map(Service::from),
        }
    }
}

/// A service-at-location link made, and the service after it.
#[derive(Debug, Serialize)]
pub(super) struct ServiceLocationAdded {
    service_at_location_id: String,
    event_types: Vec<String>,
    service: Option<Service>,
}

impl From<pb::AddServiceLocationResponse> for ServiceLocationAdded {
    fn from(r: pb::AddServiceLocationResponse) -> Self {
        Self {
            service_at_location_id: r.service_at_location_id,
            event_types: r.event_types,
            service: r.service.map(Service::from),
        }
    }
}

/// One recorded event of a service.
#[derive(Debug, Serialize)]
pub(super) struct ServiceEvent {
    version: u64,
    event_id: String,
    #[serde(rename = "type")]
    event_type: String,
    occurred_at: Option<DateTime<Utc>>,
    summary: String,
    /// The event as recorded, as JSON rather than the proto's string of it.
    body: Value,
    actor: String,
    actor_organisation: String,
}

/// A service's history, oldest first.
#[derive(Debug, Serialize)]
pub(super) struct History {
    events: Vec<ServiceEvent>,
}

impl From<pb::ServiceHistoryResponse> for History {
    fn from(r: pb::ServiceHistoryResponse) -> Self {
        let events = r
            .events
            .into_iter()
            .map(|e| ServiceEvent {
                body: serde_json::from_str(&e.body_json).unwrap_or(Value::String(e.body_json)),
                version: e.version,
                event_id: e.event_id,
                event_type: e.r#type,
                occurred_at: from_proto(e.occurred_at),
                summary: e.summary,
                actor: e.actor,
                actor_organisation: e.actor_organisation,
            })
            .collect();
        Self { events }
    }
}

/// A service, in brief.
#[derive(Debug, Serialize)]
pub(super) struct ServiceSummary {
    id: String,
    name: String,
    description: String,
    organisation_id: String,
    organisation_name: String,
    taxonomy_terms: Vec<String>,
    takes_referrals: bool,
    minimum_age: Option<u32>,
    maximum_age: Option<u32>,
}

/// One answer to a search.
#[derive(Debug, Serialize)]
pub(super) struct SearchResult {
    service: Option<ServiceSummary>,
    distance_metres: Option<f64>,
    stale: bool,
    capacity: Option<Capacity>,
    nearest: Option<ServiceAtLocation>,
    relevance: u32,
}

/// A page of search answers.
#[derive(Debug, Serialize)]
pub(super) struct SearchPage {
    results: Vec<SearchResult>,
    total: u64,
    total_pages: u32,
    page: u32,
    page_size: u32,
}

impl From<pb::SearchResponse> for SearchPage {
    fn from(r: pb::SearchResponse) -> Self {
        let results = r
            .results
            .into_iter()
            .map(|hit| SearchResult {
                service: hit.service.map(|s| ServiceSummary {
                    id: s.id,
                    name: s.name,
                    description: s.description,
                    organisation_id: s.organisation_id,
                    organisation_name: s.organisation_name,
                    taxonomy_terms: s.taxonomy_terms,
                    takes_referrals: s.takes_referrals,
                    minimum_age: s.minimum_age,
                    maximum_age: s.maximum_age,
                }),
                distance_metres: hit.distance_metres,
                stale: hit.stale,
                capacity: hit.capacity.map(Capacity::from),
                nearest: hit.nearest.map(ServiceAtLocation::from),
                relevance: hit.relevance,
            })
            .collect();
        Self {
            results,
            total: r.total,
            total_pages: r.total_pages,
            page: r.page,
            page_size: r.page_size,
        }
    }
}
