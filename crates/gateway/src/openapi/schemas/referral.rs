//! The referral service's shapes (`crate::referral::wire`).

use serde_json::{Map, Value, json};

use super::{
    answer, code, event_types, flag, list, reference, reference_or_null, request, text, time,
    time_or_null, uuid,
};

const NEEDS: [&str; 7] = [
    "loneliness",
    "physical-activity",
    "money",
    "housing",
    "mental-wellbeing",
    "employment",
    "caring",
];

/// Adds the referral service's schemas to `schemas`.
pub(super) fn add(schemas: &mut Map<String, Value>) {
    for (name, schema) in requests().into_iter().chain(answers()) {
        schemas.insert(name.to_owned(), schema);
    }
}

fn requests() -> Vec<(&'static str, Value)> {
    vec![
        (
            "NewReferral",
            request(
                "A referral",
                &[
                    "receiving_organisation",
                    "reason_codes",
                    "accept_by",
                    "nhs_number",
                ],
                json!({
                    "referral_id": uuid("Client-chosen, so a retried request cannot make a second referral; one is chosen when left out"),
                    "referrer_practitioner": text("The referring practitioner (in the caller's organisation) who must hear the outcome; empty for a self-referral"),
                    "receiving_organisation": text("The organisation the referral is offered to"),
                    "reason_codes": list(json!({ "type": "string", "description": "A SNOMED CT concept id, e.g. 871731000000106" })),
                    "urgency": code("Routine when left out", &["routine", "urgent"]),
                    "part_of": uuid("The parent referral of an onward referral; leave it out otherwise"),
                    "accept_by": time("When the receiving organisation must accept by before the offer escalates"),
                    "consent_share_with_providers": flag("The person agreed to share with providers"),
                    "consent_share_outcome_with_referrer": flag("The person agreed to share the outcome with the referrer"),
                    "nhs_number": text("The person's NHS number: 10 digits, spaces allowed"),
                    "source": code("Practitioner when left out; self-referral when the caller is the person", &["practitioner", "other-agency", "self-referral"])
                }),
            ),
        ),
        (
            "StatusChange",
            request(
                "A status change",
                &["status"],
                json!({
                    "status": text("A FHIR Task.status code: received, accepted, rejected, in-progress, on-hold, cancelled, failed or entered-in-error"),
                    "reason": text("Why; required for rejected, on-hold, cancelled, failed and entered-in-error")
                }),
            ),
        ),
        (
            "Completion",
            request(
                "How it ended",
                &["outcome_summary"],
                json!({
                    "outcome_summary": text("The outcome, for the message back to the referrer")
                }),
            ),
        ),
        (
            "Assignment",
            request(
                "Who is to be accountable",
                &["practitioner"],
                json!({
                    "practitioner": text("A practitioner of the accountable organisation")
                }),
            ),
        ),
        (
            "Holder",
            request(
                "An organisation, and a practitioner in it",
                &["organisation"],
                json!({
                    "organisation": text("The organisation"),
                    "practitioner": text("The practitioner; empty for the organisation as a whole")
                }),
            ),
        ),
        (
            "NewOffer",
            request(
                "An offer of responsibility",
                &["to", "expires_at"],
                json!({
                    "to": reference("Holder"),
                    "expires_at": time("When the offer lapses")
                }),
            ),
        ),
        (
            "Declined",
            request(
                "Why the person declined",
                &[],
                json!({
                    "reason": text("Why, in words; may be empty")
                }),
            ),
        ),
        (
            "Onward",
            request(
                "An onward referral to a directory service",
                &["service_id", "accept_by"],
                json!({
                    "child_referral_id": uuid("Client-chosen id of the child referral; one is chosen when left out"),
                    "service_id": uuid("The directory service"),
                    "accept_by": time("When the provider must accept by before the offer escalates")
                }),
            ),
        ),
        (
            "ContactAttempt",
            request(
                "An attempt to contact the person",
                &["outcome"],
                json!({
                    "outcome": code("How it went", &["reached", "no-answer", "left-message", "wrong-details"])
                }),
            ),
        ),
        (
            "Assessment",
            request(
                "What matters to the person",
                &[],
                json!({
                    "needs": list(code("A need", &NEEDS)),
                    "goals": list(text("A goal agreed with the person, in their words"))
                }),
            ),
        ),
    ]
}

fn answers() -> Vec<(&'static str, Value)> {
    vec![
        (
            "ReferralCreated",
            answer(
                "The referral made",
                json!({
                    "referral_id": uuid("The referral's id"),
                    "offer_id": uuid("The offer to the receiving organisation")
                }),
            ),
        ),
        (
            "Offered",
            answer(
                "The offer made",
                json!({ "offer_id": uuid("The offer's id") }),
            ),
        ),
        (
            "ReferredOnward",
            answer(
                "The child referral made",
                json!({
                    "child_referral_id": uuid("The child referral's id")
                }),
            ),
        ),
        (
            "Caused",
            answer(
                "What a command caused",
                json!({ "event_types": event_types() }),
            ),
        ),
        (
            "Period",
            answer(
                "One holder's time holding a referral",
                json!({
                    "holder": reference_or_null("Holder"),
                    "since": time_or_null("When they took it"),
                    "until": time_or_null("When they handed it on; null while they hold it"),
                    "via": code("How they came to hold it", &["referral", "offer-accepted", "assignment"])
                }),
            ),
        ),
        (
            "HandoffTrail",
            answer(
                "Every holder of a referral in order",
                json!({
                    "periods": list(reference("Period"))
                }),
            ),
        ),
        (
            "Accountable",
            answer(
                "Who was accountable at an instant",
                json!({
                    "period": reference_or_null("Period")
                }),
            ),
        ),
        (
            "Holding",
            answer(
                "An open referral an organisation holds",
                json!({
                    "referral_id": uuid("The referral"),
                    "practitioner": text("Who in the organisation holds it; empty for nobody yet"),
                    "since": time_or_null("Since when"),
                    "status": text("Its status")
                }),
            ),
        ),
        (
            "Holdings",
            answer(
                "An organisation's open referrals, longest-waiting first",
                json!({
                    "holdings": list(reference("Holding"))
                }),
            ),
        ),
    ]
}
