//! The directory's shapes (`crate::directory::{requests, details, answers}`).

use serde_json::{Map, Value, json};

use super::{
    answer, code, event_types, flag, list, number_or_null, reference, reference_or_null, request,
    text, time_or_null, uuid, whole, whole_or_null,
};

const WAITLISTS: [&str; 4] = ["", "up_to_two_weeks", "two_to_six_weeks", "over_six_weeks"];

/// Adds the directory's schemas to `schemas`.
pub(super) fn add(schemas: &mut Map<String, Value>) {
    for (name, schema) in requests().into_iter().chain(answers()) {
        schemas.insert(name.to_owned(), schema);
    }
}

fn assigned(what: &str) -> Value {
    uuid(&format!(
        "The {what}'s id; leave it out to have one assigned"
    ))
}

fn requests() -> Vec<(&'static str, Value)> {
    vec![
        (
            "NewOrganization",
            request(
                "An organisation that provides services",
                &["name"],
                json!({
                    "organization_id": assigned("organisation"),
                    "name": text("1 to 300 characters"),
                    "description": text("What it does"),
                    "email": text("General e-mail address"),
                    "website": text("Web site"),
                    "legal_status": text("Charity or company number")
                }),
            ),
        ),
        (
            "Address",
            request(
                "A postal address",
                &[],
                json!({
                    "address_1": text("First line"),
                    "address_2": text("Second line"),
                    "city": text("Town or city"),
                    "region": text("County"),
                    "postal_code": text("UK postcode, any case and spacing"),
                    "country": text("ISO 3166-1 alpha-2 country code, e.g. GB")
                }),
            ),
        ),
        (
            "NewLocation",
            request(
                "A place where services happen",
                &["name"],
                json!({
                    "location_id": assigned("location"),
                    "name": text("Its name, e.g. St Mark's community hall"),
                    "description": text("How to find it, access notes"),
                    "address": reference_or_null("Address"),
                    "latitude": number_or_null("WGS84, with longitude; without both the location is placed at its postcode"),
                    "longitude": number_or_null("WGS84, with latitude")
                }),
            ),
        ),
        (
            "NewTaxonomy",
            request(
                "A vocabulary of needs",
                &["name"],
                json!({
                    "taxonomy_id": assigned("taxonomy"),
                    "name": text("1 to 300 characters"),
                    "description": text("What it classifies"),
                    "uri": text("Where it is published"),
                    "version": text("Its version")
                }),
            ),
        ),
        (
            "NewTaxonomyTerm",
            request(
                "One need in a taxonomy",
                &["taxonomy_id", "name"],
                json!({
                    "taxonomy_term_id": assigned("term"),
                    "taxonomy_id": uuid("The (registered) taxonomy it belongs to"),
                    "code": text("Its code in that taxonomy"),
                    "name": text("1 to 300 characters"),
                    "description": text("What it covers"),
                    "parent_id": uuid("The (registered) broader term; leave it out for a top-level term")
                }),
            ),
        ),
        (
            "Schedule",
            request(
                "A weekly opening",
                &[],
                json!({
                    "days": list(text("monday to sunday (or mon to sun)")),
                    "opens_at": text("Local time as HH:MM"),
                    "closes_at": text("Local time as HH:MM"),
                    "valid_from": text("First day it applies, YYYY-MM-DD"),
                    "valid_to": text("Last day it applies, YYYY-MM-DD"),
                    "description": text("In words, e.g. every Tuesday except bank holidays")
                }),
            ),
        ),
        (
            "CostOption",
            request(
                "What it costs",
                &[],
                json!({
                    "amount_pence": whole_or_null("The price in pence; null when it has none, 0 when free"),
                    "option": text("What the price is for"),
                    "amount_description": text("Anything else about it")
                }),
            ),
        ),
        (
            "Contact",
            request(
                "Someone to ask: a name, an e-mail address or a phone",
                &[],
                json!({
                    "name": text("Their name"),
                    "title": text("Their role"),
                    "email": text("Their e-mail address"),
                    "phones": list(text("A phone number"))
                }),
            ),
        ),
        (
            "ServiceDetails",
            request(
                "What a service is, who it is for, when it runs and how to reach it",
                &["name"],
                json!({
                    "name": text("1 to 300 characters"),
                    "description": text("What it offers, for a person"),
                    "url": text("Its web page"),
                    "email": text("Its e-mail address"),
                    "taxonomy_terms": list(uuid("A (registered) taxonomy term: a need it meets")),
                    "minimum_age": whole_or_null("Youngest age accepted (0 to 120)"),
                    "maximum_age": whole_or_null("Oldest age accepted (0 to 120)"),
                    "eligibility_description": text("Who else it is for, in words"),
                    "takes_referrals": flag("True if it takes direct referrals; false for signposting only"),
                    "languages": list(text("A BCP 47 language tag")),
                    "schedules": list(reference("Schedule")),
                    "cost_options": list(reference("CostOption")),
                    "contacts": list(reference("Contact"))
                }),
            ),
        ),
        (
            "NewService",
            request(
                "A new service",
                &["organisation_id", "details"],
                json!({
                    "service_id": assigned("service"),
                    "organisation_id": uuid("The (registered) providing organisation"),
                    "details": reference("ServiceDetails")
                }),
            ),
        ),
        (
            "ServiceUpdate",
            request(
                "A service's new details, all replaced",
                &["details"],
                json!({
                    "details": reference("ServiceDetails")
                }),
            ),
        ),
        (
            "NewServiceLocation",
            request(
                "A registered location the service is delivered at",
                &["location_id"],
                json!({
                    "service_at_location_id": assigned("link"),
                    "location_id": uuid("The (registered) location")
                }),
            ),
        ),
        (
            "CapacityReport",
            request(
                "Places (available above 0, no waitlist) or a full service, with or without a waiting list (available 0)",
                &["unit"],
                json!({
                    "available": whole("Places available; 0 when people go onto a waiting list"),
                    "maximum": whole_or_null("Places in all; null if unknown"),
                    "unit": text("What a place is, e.g. places, appointments"),
                    "waitlist": code("How long the waiting list is, only when none are available; \"\" for none", &WAITLISTS)
                }),
            ),
        ),
        (
            "SetCapacity",
            request(
                "A capacity report",
                &["capacity"],
                json!({
                    "capacity": reference("CapacityReport")
                }),
            ),
        ),
        (
            "Reason",
            request(
                "Why",
                &["reason"],
                json!({ "reason": text("Why, in words") }),
            ),
        ),
        (
            "Verification",
            request(
                "Who checked",
                &["assurer"],
                json!({
                    "assurer": text("The e-mail address of whoever checked")
                }),
            ),
        ),
    ]
}

fn answers() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Recorded",
            answer(
                "A record registered",
                json!({
                    "id": uuid("The record's id (the one given, or the one assigned)"),
                    "event_types": event_types()
                }),
            ),
        ),
        (
            "Located",
            answer(
                "A location registered",
                json!({
                    "location_id": uuid("The location's id"),
                    "event_types": event_types(),
                    "latitude": number_or_null("Where it now is (given, or its postcode's centroid)"),
                    "longitude": number_or_null("Where it now is"),
                    "postal_code": text("The postcode as stored (normalised); empty without an address")
                }),
            ),
        ),
        (
            "Capacity",
            answer(
                "Places free, or a waiting list, as last reported",
                json!({
                    "available": whole("Places available"),
                    "maximum": whole_or_null("Places in all"),
                    "unit": text("What a place is"),
                    "waitlist": code("How long the waiting list is", &WAITLISTS),
                    "updated_at": time_or_null("When it was reported")
                }),
            ),
        ),
        (
            "ServiceAtLocation",
            answer(
                "A place a service is delivered",
                json!({
                    "id": uuid("The link's own id"),
                    "location_id": uuid("The location"),
                    "location_name": text("Its name"),
                    "postal_code": text("Empty when it has no address"),
                    "latitude": number_or_null("Null when it has no coordinates"),
                    "longitude": number_or_null("Null when it has no coordinates")
                }),
            ),
        ),
        (
            "Service",
            answer(
                "A service as it now stands",
                json!({
                    "id": uuid("The service's id"),
                    "organisation_id": uuid("The providing organisation"),
                    "organisation_name": text("Its name"),
                    "details": reference_or_null("ServiceDetails"),
                    "capacity": reference_or_null("Capacity"),
                    "standing": code("Whether searches find it", &["active", "suspended", "withdrawn"]),
                    "assured_at": time_or_null("When someone last checked its details"),
                    "stale": flag("Not checked recently (or never): tell the person to confirm first"),
                    "locations": list(reference("ServiceAtLocation")),
                    "listed_at": time_or_null("When it was first listed"),
                    "updated_at": time_or_null("When anything about it last changed")
                }),
            ),
        ),
        (
            "ServiceChanged",
            answer(
                "What a command on a service recorded",
                json!({
                    "service_id": uuid("The service's id"),
                    "event_types": event_types(),
                    "service": reference_or_null("Service")
                }),
            ),
        ),
        (
            "ServiceLocationAdded",
            answer(
                "A service-at-location link made",
                json!({
                    "service_at_location_id": uuid("The link's id"),
                    "event_types": event_types(),
                    "service": reference_or_null("Service")
                }),
            ),
        ),
        (
            "ServiceEvent",
            answer(
                "One recorded event of a service",
                json!({
                    "version": whole("Its position in the service's stream, from 1"),
                    "event_id": uuid("The event's id"),
                    "type": text("Stored type, e.g. service_listed"),
                    "occurred_at": time_or_null("When it happened"),
                    "summary": text("What happened, in words"),
                    "body": { "description": "The event exactly as recorded" },
                    "actor": text("Who caused it"),
                    "actor_organisation": text("For which organisation")
                }),
            ),
        ),
        (
            "ServiceHistory",
            answer(
                "A service's events, oldest first",
                json!({
                    "events": list(reference("ServiceEvent"))
                }),
            ),
        ),
        (
            "ServiceSummary",
            answer(
                "A service, in brief",
                json!({
                    "id": uuid("The service's id"),
                    "name": text("Its name"),
                    "description": text("What it offers"),
                    "organisation_id": uuid("The providing organisation"),
                    "organisation_name": text("Its name"),
                    "taxonomy_terms": list(uuid("A need it meets")),
                    "takes_referrals": flag("Whether it takes direct referrals"),
                    "minimum_age": whole_or_null("Youngest age accepted"),
                    "maximum_age": whole_or_null("Oldest age accepted")
                }),
            ),
        ),
        (
            "SearchResult",
            answer(
                "One answer",
                json!({
                    "service": reference_or_null("ServiceSummary"),
                    "distance_metres": number_or_null("Metres from the person to its nearest location; null when the search was not near somewhere"),
                    "stale": flag("Not checked recently (or never)"),
                    "capacity": reference_or_null("Capacity"),
                    "nearest": reference_or_null("ServiceAtLocation"),
                    "relevance": whole("How well it matched: needs met count far more than words")
                }),
            ),
        ),
        (
            "SearchPage",
            answer(
                "A page of answers",
                json!({
                    "results": list(reference("SearchResult")),
                    "total": whole("Answers on all pages"),
                    "total_pages": whole("Pages in all (at least 1)"),
                    "page": whole("The page answered"),
                    "page_size": whole("The page size answered")
                }),
            ),
        ),
    ]
}
