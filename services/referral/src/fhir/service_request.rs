//! Reading a FHIR R4 (UK Core) `ServiceRequest` into a referral (the person it is for in
//! `patient.rs`). Every refusal names the element at fault as a FHIRPath expression.

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use super::outcome::Outcome;
use super::patient;
use crate::demographics::Given;
use crate::domain::nhs_number::NhsNumber;
use crate::domain::referral::{Consent, Urgency};
use crate::domain::snomed::{ConceptId, REFERRAL_TO_SOCIAL_PRESCRIBING};

/// SNOMED CT's FHIR system.
pub const SNOMED: &str = "http://snomed.info/sct";
/// NHS numbers.
pub const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// ODS organisation codes.
pub const ODS: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Client-chosen referral ids (idempotent creation).
pub const REFERRAL_ID: &str = servicekit::fhir::REFERRAL_ID_SYSTEM;
/// Consent to share the person's details with VCSE providers (`valueBoolean`).
pub const CONSENT_PROVIDERS: &str =
    "https://linkwork.nhs.uk/fhir/StructureDefinition/Extension-ConsentShareWithProviders";
/// Consent to share the outcome summary with the referrer (`valueBoolean`).
pub const CONSENT_OUTCOME: &str =
    "https://linkwork.nhs.uk/fhir/StructureDefinition/Extension-ConsentShareOutcome";
/// Consent to record the person's device data (wearable and app daily summaries) and share it
/// with the parties to the referral (`valueBoolean`).
pub const CONSENT_DEVICE_DATA: &str =
    "https://linkwork.nhs.uk/fhir/StructureDefinition/Extension-ConsentShareDeviceData";

/// What a `ServiceRequest` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedServiceRequest {
    /// The client's id for the referral, if it chose one.
    pub(super) referral_id: Option<Uuid>,
    /// The referring practitioner.
    pub(super) requester: String,
    /// The organisation asked to take it on.
    pub(super) performer: String,
    /// Reasons for referral.
    pub(super) reasons: Vec<ConceptId>,
    /// Priority.
    pub(super) urgency: Urgency,
    /// Parent referral (`basedOn`).
    pub(super) part_of: Option<Uuid>,
    /// The person.
    pub(super) nhs_number: NhsNumber,
    /// What the request says of them, from a contained Patient.
    pub(super) given: Given,
    /// Consent to share.
    pub(super) consent: Consent,
}

fn string<'a>(value: &'a Value, path: &str) -> Result<&'a str, Outcome> {
    value
        .as_str()
        .map(str::trim)
        .filter(|text| text.len() <= 200 && contract::is_usable_line(text))
        .ok_or_else(|| {
            Outcome::invalid(
                path,
                format!("{path} must be a string of 1 to 200 visible characters on one line"),
            )
        })
}

pub(super) fn identifier_value<'a>(
    identifier: &'a Value,
    system: &str,
    path: &str,
) -> Result<&'a str, Outcome> {
    let actual = identifier["system"].as_str().unwrap_or_default();
    if actual != system {
        return Err(Outcome::invalid(
            &format!("{path}.system"),
            format!("{path}.system must be {system}"),
        ));
    }
    string(&identifier["value"], &format!("{path}.value"))
}

fn uuid_reference(reference: &Value, resource: &str, path: &str) -> Result<Uuid, Outcome> {
    let text = string(reference, path)?;
    text.strip_prefix(&format!("{resource}/"))
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| Outcome::invalid(path, format!("{path} must be {resource}/<uuid>")))
}

fn codings(concept: &Value, path: &str) -> Result<Vec<(String, String)>, Outcome> {
    let Some(codings) = concept["coding"].as_array() else {
        return Err(Outcome::invalid(
            &format!("{path}.coding"),
            format!("{path}.coding is required"),
        ));
    };
    codings
        .iter()
        .enumerate()
        .map(|(i, coding)| {
            let at = format!("{path}.coding[{i}]");
            let system = coding["system"].as_str().unwrap_or_default().to_owned();
            Ok((
                system,
                string(&coding["code"], &format!("{at}.code"))?.to_owned(),
            ))
        })
        .collect()
}

fn reasons(body: &Value) -> Result<Vec<ConceptId>, Outcome> {
    let path = "ServiceRequest.reasonCode";
    let concepts = body["reasonCode"].as_array().filter(|all| !all.is_empty());
    let concepts = concepts.ok_or_else(|| {
        Outcome::invalid(path, format!("{path} needs at least one SNOMED CT concept"))
    })?;
    let mut reasons = Vec::new();
    for (i, concept) in concepts.iter().enumerate() {
        for (j, (system, code)) in codings(concept, &format!("{path}[{i}]"))?
            .into_iter()
            .enumerate()
        {
            if system == SNOMED {
                let at = format!("{path}[{i}].coding[{j}].code");
                reasons.push(
                    ConceptId::parse(&code)
                        .map_err(|e| Outcome::invalid(&at, format!("{at}: {e}")))?,
                );
            }
        }
    }
    if reasons.is_empty() {
        return Err(Outcome::invalid(
            path,
            format!("{path} has no {SNOMED} coding"),
        ));
    }
    Ok(reasons)
}

fn consent(body: &Value, url: &str) -> bool {
    body["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|extension| extension["url"] == url)
        .and_then(|extension| extension["valueBoolean"].as_bool())
        .unwrap_or(false)
}

/// Reads a referral out of a `ServiceRequest` received on `today`.
pub(super) fn parse(
    body: &Value,
    allow_test_nhs_numbers: bool,
    today: NaiveDate,
) -> Result<ParsedServiceRequest, Outcome> {
    if body["resourceType"] != "ServiceRequest" {
        return Err(Outcome::invalid(
            "resourceType",
            "resourceType must be ServiceRequest",
        ));
    }
    if body["status"] != "active" {
        return Err(Outcome::invalid(
            "ServiceRequest.status",
            "ServiceRequest.status must be active",
        ));
    }
    if body["intent"] != "order" {
        return Err(Outcome::invalid(
            "ServiceRequest.intent",
            "ServiceRequest.intent must be order",
        ));
    }
    let code_ok = codings(&body["code"], "ServiceRequest.code")?
        .iter()
        .any(|(system, code)| system == SNOMED && code == REFERRAL_TO_SOCIAL_PRESCRIBING);
    if !code_ok {
        let message =
            format!("ServiceRequest.code must include {SNOMED}|{REFERRAL_TO_SOCIAL_PRESCRIBING}");
        return Err(Outcome::invalid("ServiceRequest.code", message));
    }
    let subject = patient::subject(body, allow_test_nhs_numbers, today)?;
    let requester = match body["requester"]["reference"].as_str() {
        Some(reference) => reference.strip_prefix("Practitioner/").unwrap_or_default(),
        None => "",
    };
    let requester = string(
        &Value::from(requester),
        "ServiceRequest.requester.reference",
    )?
    .to_owned();
    let performer = identifier_value(
        &body["performer"][0]["identifier"],
        ODS,
        "ServiceRequest.performer[0].identifier",
    )?;
    let urgency = match body["priority"].as_str() {
        None | Some("routine") => Urgency::Routine,
        Some("urgent" | "asap" | "stat") => Urgency::Urgent,
        Some(_) => {
            return Err(Outcome::invalid(
                "ServiceRequest.priority",
                "ServiceRequest.priority must be a FHIR request-priority code",
            ));
        }
    };
    let referral_id = body["identifier"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, identifier)| identifier["system"] == REFERRAL_ID)
        .map(|(i, identifier)| {
            let path = format!("ServiceRequest.identifier[{i}].value");
            let value = string(&identifier["value"], &path)?;
            Uuid::parse_str(value)
                .map_err(|_| Outcome::invalid(&path, format!("{path} must be a UUID")))
        })
        .transpose()?;
    let part_of = match &body["basedOn"][0]["reference"] {
        Value::Null => None,
        reference => Some(uuid_reference(
            reference,
            "ServiceRequest",
            "ServiceRequest.basedOn[0].reference",
        )?),
    };
    Ok(ParsedServiceRequest {
        referral_id,
        requester,
        performer: performer.to_owned(),
        reasons: reasons(body)?,
        urgency,
        part_of,
        nhs_number: subject.nhs_number,
        given: subject.given,
        consent: Consent {
            share_with_providers: consent(body, CONSENT_PROVIDERS),
            share_outcome_with_referrer: consent(body, CONSENT_OUTCOME),
            share_device_data: consent(body, CONSENT_DEVICE_DATA),
        },
    })
}
