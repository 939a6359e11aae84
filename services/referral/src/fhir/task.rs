//! A referral shown as a FHIR R4 `Task` in HL7 Gravity terms: its status, who asked (requester),
//! who has it (owner), what it is for (focus: the ServiceRequest) and its parent (partOf).

use decider::Decider;
use serde_json::{Value, json};
use uuid::Uuid;

use super::service_request::ODS;
use crate::domain::referral::{Event, Opened, Referral};

/// Pseudonymous person identifiers (the vault's keyed HMAC).
pub(super) const PSEUDONYM: &str = servicekit::fhir::PSEUDONYM_SYSTEM;

fn organisation(code: &str) -> Value {
    json!({ "identifier": { "system": ODS, "value": code } })
}

/// The Task for a referral's history, or `None` if it has none.
pub(super) fn render(referral_id: Uuid, history: &[Event]) -> Option<Value> {
    let Opened {
        status,
        owner,
        referrer,
        ..
    } = Referral::fold(history).opened?;
    let (authored, person, part_of) = history.iter().find_map(|event| match event {
        Event::Requested {
            at,
            person,
            part_of,
            ..
        } => Some((*at, person.subject.clone(), *part_of)),
        _ => None,
    })?;
    let reason = history.iter().rev().find_map(|event| match event {
        Event::StatusChanged { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    let last_modified = history.last().map_or(authored, Event::at);
    let mut task = json!({
        "resourceType": "Task",
        "id": referral_id.to_string(),
        "meta": { "profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Task"] },
        "status": status.code(),
        "intent": "order",
        "code": { "coding": [{ "system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill" }] },
        "focus": { "reference": format!("ServiceRequest/{referral_id}") },
        "for": { "identifier": { "system": PSEUDONYM, "value": person } },
        "authoredOn": authored.to_rfc3339(),
        "lastModified": last_modified.to_rfc3339(),
        "requester": organisation(&referrer.organisation),
        "owner": organisation(&owner),
    });
    if let Some(Some(reason)) = reason {
        task["statusReason"] = json!({ "text": reason });
    }
    if let Some(parent) = part_of {
        task["partOf"] = json!([{ "reference": format!("Task/{parent}") }]);
    }
    Some(task)
}
