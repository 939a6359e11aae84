//! Every operation of the document, by method and path.

use serde_json::{Value, json};

use super::{Op, path_id, query};

const SERVICES: &str = "/api/v1/services";
const SERVICE: &str = "/api/v1/services/{service_id}";
const REFERRAL: &str = "/api/v1/referrals/{referral_id}";

/// `(method, path, operation)` for every route.
pub(super) fn all() -> Vec<(&'static str, String, Value)> {
    let mut all = vec![("get", "/openapi.json".to_owned(), this_document())];
    all.extend(directory());
    all.extend(referrals());
    all
}

fn this_document() -> Value {
    json!({
        "operationId": "getOpenApi",
        "tags": ["meta"],
        "summary": "This document",
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI 3.1 document of this API",
                "content": { "application/json": { "schema": { "type": "object" } } }
            }
        }
    })
}

fn service_id() -> Value {
    path_id("service_id", "The directory service's id")
}

/// A command on one service, answered with what it did and the service after it.
fn service_command(id: &str, summary: &str) -> Op {
    Op::new(id, "directory", summary)
        .param(service_id())
        .answers(
            "200",
            "What was recorded, and the service as it now stands",
            "ServiceChanged",
        )
        .errors(&["404", "409"])
}

fn search_parameters(op: Op) -> Op {
    let text = json!({ "type": "string" });
    let uuid = json!({ "type": "string", "format": "uuid" });
    let whole = json!({ "type": "integer", "minimum": 0 });
    let number = json!({ "type": "number" });
    let flag = json!({ "type": "boolean", "default": false });
    op.param(query("q", "Free text (up to 500 characters): words of the name, description, eligibility or the needs met", text.clone()))
        .param(json!({
            "name": "taxonomy_term", "in": "query", "required": false, "style": "form", "explode": true,
            "description": "Needs, repeatable: a service meeting any of them, or a narrower term, matches (and ranks first)",
            "schema": { "type": "array", "items": uuid.clone() }
        }))
        .param(query("taxonomy_id", "Only services classified under this taxonomy", uuid.clone()))
        .param(query("organisation_id", "Only this organisation's services", uuid))
        .param(query("postcode", "Where the person is: a postcode the directory knows (not with latitude and longitude)", text.clone()))
        .param(query("latitude", "Where the person is, with longitude (WGS84 degrees)", number.clone()))
        .param(query("longitude", "Where the person is, with latitude (WGS84 degrees)", number))
        .param(query("within_metres", "Only services delivered within this many metres (1 to 200000); needs a place", whole.clone()))
        .param(query("age", "The person's age (0 to 120): only services whose age range includes it", whole.clone()))
        .param(query("takes_referrals", "Only services that take direct referrals", flag.clone()))
        .param(query("with_capacity", "Only services not known to be full", flag))
        .param(query("open_on", "Only services with a schedule open on this date", json!({ "type": "string", "format": "date" })))
        .param(query("page", "1-based page; 0 or absent for the first", whole.clone()))
        .param(query("page_size", "Answers per page, 1 to 500; 0 or absent for 50", whole))
}

fn directory() -> Vec<(&'static str, String, Value)> {
    let sub = |rest: &str| format!("{SERVICE}/{rest}");
    vec![
        ("get", SERVICES.to_owned(), search_parameters(Op::new("searchServices", "directory", "Search for services"))
            .describe("The link worker's question: what near this person meets this need and can take them? Suspended and withdrawn services are never answers; answers near a place are ranked nearest first among equals.")
            .answers("200", "A page of answers, best first", "SearchPage")
            .done()),
        ("post", SERVICES.to_owned(), Op::new("listService", "directory", "List a new service for an organisation")
            .describe("Answers 201 with a Location header naming the service.")
            .body("NewService")
            .answers("201", "The service listed", "ServiceChanged")
            .errors(&["409"])
            .done()),
        ("get", SERVICE.to_owned(), Op::new("getService", "directory", "A service as it now stands")
            .param(service_id())
            .answers("200", "The service", "Service")
            .errors(&["404"])
            .done()),
        ("put", SERVICE.to_owned(), service_command("updateService", "Replace a service's details")
            .describe("Nothing is recorded when the details are unchanged.")
            .body("ServiceUpdate")
            .done()),
        ("get", sub("history"), Op::new("getServiceHistory", "directory", "Every recorded event of a service, oldest first")
            .param(service_id())
            .answers("200", "The service's history", "ServiceHistory")
            .errors(&["404"])
            .done()),
        ("post", sub("locations"), Op::new("addServiceLocation", "directory", "Say a service is delivered at a registered location")
            .param(service_id())
            .body("NewServiceLocation")
            .answers("201", "The service-at-location link, and the service", "ServiceLocationAdded")
            .errors(&["404", "409"])
            .done()),
        ("put", sub("capacity"), service_command("setCapacity", "Record the places a service has free now, or its waiting list")
            .body("SetCapacity")
            .done()),
        ("post", sub("suspend"), service_command("suspendService", "Take a service out of use for a while").body("Reason").done()),
        ("post", sub("reinstate"), service_command("reinstateService", "Bring a suspended service back")
            .describe("No request body.")
            .done()),
        ("post", sub("withdraw"), service_command("withdrawService", "Remove a service for good").body("Reason").done()),
        ("post", sub("verify"), service_command("verifyService", "Record that someone checked a service's details are true")
            .body("Verification")
            .done()),
        ("post", "/api/v1/organizations".to_owned(), Op::new("registerOrganization", "directory", "Register an organisation that provides services")
            .body("NewOrganization")
            .answers("201", "The organisation registered", "Recorded")
            .errors(&["409"])
            .done()),
        ("post", "/api/v1/locations".to_owned(), Op::new("registerLocation", "directory", "Register a place where services happen")
            .describe("Without coordinates the location is placed at its postcode's centroid; a postcode the directory does not know is a 400.")
            .body("NewLocation")
            .answers("201", "The location registered, and where it was placed", "Located")
            .errors(&["409"])
            .done()),
        ("post", "/api/v1/taxonomies".to_owned(), Op::new("registerTaxonomy", "directory", "Register a vocabulary of needs")
            .body("NewTaxonomy")
            .answers("201", "The taxonomy registered", "Recorded")
            .errors(&["409"])
            .done()),
        ("post", "/api/v1/taxonomy_terms".to_owned(), Op::new("registerTaxonomyTerm", "directory", "Register one need in a taxonomy")
            .body("NewTaxonomyTerm")
            .answers("201", "The term registered", "Recorded")
            .errors(&["409"])
            .done()),
    ]
}

fn referral_id() -> Value {
    path_id("referral_id", "The referral's id")
}

/// A command on one referral, answered with the events it caused.
fn referral_command(id: &str, summary: &str) -> Op {
    Op::new(id, "referrals", summary)
        .param(referral_id())
        .answers("200", "The events the command caused", "Caused")
        .errors(&["403", "404", "409"])
}

fn referrals() -> Vec<(&'static str, String, Value)> {
    let sub = |rest: &str| format!("{REFERRAL}/{rest}");
    let offer_id = path_id("offer_id", "The offer's id, as making it answered");
    vec![
        (
            "post",
            "/api/v1/referrals".to_owned(),
            Op::new(
                "createReferral",
                "referrals",
                "Make a referral and offer it to the receiving organisation",
            )
            .body("NewReferral")
            .answers("201", "The referral made, and its offer", "ReferralCreated")
            .errors(&["403", "409"])
            .done(),
        ),
        (
            "post",
            sub("status"),
            referral_command(
                "changeStatus",
                "Move a referral's status (a FHIR Task.status code)",
            )
            .body("StatusChange")
            .done(),
        ),
        (
            "post",
            sub("assign"),
            referral_command(
                "assignPractitioner",
                "Make a practitioner of the accountable organisation accountable",
            )
            .body("Assignment")
            .done(),
        ),
        (
            "post",
            sub("assessment"),
            referral_command(
                "recordAssessment",
                "Record the \"what matters to me\" assessment",
            )
            .body("Assessment")
            .done(),
        ),
        (
            "post",
            sub("contact-attempts"),
            referral_command(
                "recordContactAttempt",
                "Record an attempt to contact the person",
            )
            .body("ContactAttempt")
            .done(),
        ),
        (
            "post",
            sub("refer-onward"),
            Op::new(
                "referOnward",
                "referrals",
                "Refer the person on to a directory service: a child referral",
            )
            .describe(
                "Refused when the directory says the service is withdrawn, suspended or full.",
            )
            .param(referral_id())
            .body("Onward")
            .answers("201", "The child referral made", "ReferredOnward")
            .errors(&["403", "404", "409"])
            .done(),
        ),
        (
            "post",
            sub("complete"),
            referral_command("completeReferral", "Complete a referral with an outcome")
                .body("Completion")
                .done(),
        ),
        (
            "post",
            sub("decline"),
            referral_command("recordDeclined", "The person declined social prescribing")
                .body("Reason")
                .done(),
        ),
        (
            "post",
            sub("consent/withdraw"),
            referral_command("withdrawConsent", "The person withdrew consent to share")
                .describe("No request body.")
                .done(),
        ),
        (
            "post",
            sub("offers"),
            Op::new(
                "offerResponsibility",
                "referrals",
                "Offer responsibility to another organisation or practitioner",
            )
            .param(referral_id())
            .body("NewOffer")
            .answers("201", "The offer made", "Offered")
            .errors(&["403", "404", "409"])
            .done(),
        ),
        (
            "post",
            sub("offers/{offer_id}/accept"),
            referral_command("acceptOffer", "Accept an open offer: responsibility moves")
                .param(offer_id.clone())
                .describe("No request body.")
                .done(),
        ),
        (
            "post",
            sub("offers/{offer_id}/decline"),
            referral_command(
                "declineOffer",
                "Decline an open offer: responsibility stays",
            )
            .param(offer_id)
            .body("Reason")
            .done(),
        ),
        (
            "get",
            sub("handoffs"),
            Op::new(
                "getHandoffTrail",
                "referrals",
                "Every holder of a referral in order",
            )
            .param(referral_id())
            .answers("200", "The handoff trail", "HandoffTrail")
            .errors(&["403", "404"])
            .done(),
        ),
        (
            "get",
            sub("accountable"),
            Op::new(
                "getAccountableAt",
                "referrals",
                "Who was accountable for a referral at an instant",
            )
            .param(referral_id())
            .param(query(
                "at",
                "The instant; absent for now",
                json!({ "type": "string", "format": "date-time" }),
            ))
            .answers(
                "200",
                "The period that covers the instant, or null",
                "Accountable",
            )
            .errors(&["403", "404"])
            .done(),
        ),
        (
            "get",
            "/api/v1/holdings".to_owned(),
            Op::new(
                "listHoldings",
                "referrals",
                "The open referrals an organisation is accountable for",
            )
            .describe("Longest-waiting first.")
            .param(query(
                "organisation",
                "The organisation; absent for the caller's own",
                json!({ "type": "string" }),
            ))
            .answers("200", "The organisation's holdings", "Holdings")
            .errors(&["403"])
            .done(),
        ),
    ]
}
