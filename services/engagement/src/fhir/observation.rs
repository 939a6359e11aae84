//! Reading a FHIR R4 `Observation` as an integrator's daily summary, and showing a recorded one.
//!
//! - `code`: LOINC 41950-7 (steps in 24 hours) or a code of [`MEASURE_SYSTEM`] (`steps`,
//!   `active-minutes`, `app-check-ins`);
//! - `valueQuantity.value`: a whole number (UCUM `/d`, or `min/d` for active minutes);
//! - `effectivePeriod` (one day: `start` at the day's start, `end` a day later) or
//!   `effectiveDateTime` as a date: the day;
//! - `component` coded [`MEASURE_SYSTEM`] `wear-coverage`: the share of the day the device was
//!   worn, in `%`;
//! - `identifier` (system and value): the record in the integrator's source system;
//! - `device` (`display` or `identifier.value`): the device, if named;
//! - `basedOn`: the referral; `subject` (optional): the person's pseudonym, which must be the
//!   referral's.

use chrono::{DateTime, NaiveDate, NaiveTime};
use serde_json::{Value, json};
use servicekit::fhir::{OperationOutcome, PSEUDONYM_SYSTEM, REFERRAL_ID_SYSTEM};

use crate::app::NewSummary;
use crate::domain::evidence::{DailySummary, Measure};

/// The code system of Linkwork's device measures and of the wear coverage component.
pub const MEASURE_SYSTEM: &str = "https://linkwork.nhs.uk/CodeSystem/device-measure";
/// LOINC, and its code for steps in 24 hours.
const LOINC: &str = "http://loinc.org";
const LOINC_STEPS: &str = "41950-7";
/// The code of the wear coverage component.
const COVERAGE: &str = "wear-coverage";
const UCUM: &str = "http://unitsofmeasure.org";

/// The FHIRPath of element `path` of the resource at `at` (`Observation`, or a Bundle entry's).
fn element(at: &str, path: &str) -> String {
    format!("{at}.{path}")
}

/// Reads `resource`, found at `at`, as a summary to record.
pub(super) fn parse(resource: &Value, at: &str) -> Result<NewSummary, OperationOutcome> {
    let invalid = |path: &str, why: &str| OperationOutcome::invalid(&element(at, path), why);
    if resource["resourceType"] != "Observation" {
        return Err(invalid("resourceType", "resourceType must be Observation"));
    }
    if !matches!(resource["status"].as_str(), Some("final" | "amended")) {
        return Err(invalid(
            "status",
            "status must be final (or amended): only finished summaries are recorded",
        ));
    }
    let measure = measure(&resource["code"]).ok_or_else(|| {
        invalid(
            "code",
            &format!("code must be LOINC {LOINC_STEPS} or one of {MEASURE_SYSTEM}'s measures"),
        )
    })?;
    let value = resource["valueQuantity"]["value"]
        .as_i64()
        .ok_or_else(|| invalid("valueQuantity.value", "a whole number is required"))?;
    let coverage = resource["component"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|component| codes(&component["code"]).any(|c| c == (MEASURE_SYSTEM, COVERAGE)))
        .and_then(|component| component["valueQuantity"]["value"].as_i64())
        .ok_or_else(|| {
            invalid(
                "component",
                &format!(
                    "a component coded {MEASURE_SYSTEM}|{COVERAGE} with the share of the day \
                     the device was worn (valueQuantity, %) is required"
                ),
            )
        })?;
    let (source_system, source_id) = identifier(resource).ok_or_else(|| {
        invalid(
            "identifier",
            "an identifier (system and value) naming the record in its source system is \
             required",
        )
    })?;
    let device = resource["device"]["display"]
        .as_str()
        .or(resource["device"]["identifier"]["value"].as_str())
        .map(str::to_owned);
    let subject = match &resource["subject"] {
        Value::Null => None,
        subject if subject["identifier"]["system"] == PSEUDONYM_SYSTEM => {
            subject["identifier"]["value"].as_str().map(str::to_owned)
        }
        _ => {
            return Err(invalid(
                "subject",
                &format!("subject, if given, is the person's identifier in {PSEUDONYM_SYSTEM}"),
            ));
        }
    };
    Ok(NewSummary {
        referral_id: servicekit::fhir::based_on_referral(resource, at)?,
        subject,
        measure,
        day: day(resource, at)?,
        value,
        coverage,
        device,
        source_system,
        source_id,
    })
}

fn codes(concept: &Value) -> impl Iterator<Item = (&str, &str)> {
    concept["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|coding| Some((coding["system"].as_str()?, coding["code"].as_str()?)))
}

fn measure(code: &Value) -> Option<Measure> {
    codes(code).find_map(|coding| match coding {
        (LOINC, LOINC_STEPS) => Some(Measure::Steps),
        (MEASURE_SYSTEM, code) => Measure::parse(code),
        _ => None,
    })
}

fn identifier(resource: &Value) -> Option<(String, String)> {
    resource["identifier"]
        .as_array()?
        .iter()
        .find_map(|identifier| {
            let system = identifier["system"].as_str()?.trim();
            let value = identifier["value"].as_str()?.trim();
            (!system.is_empty() && !value.is_empty()).then(|| (system.to_owned(), value.to_owned()))
        })
}

/// The day: `effectiveDateTime` as a date, or an `effectivePeriod` of one day from its start.
fn day(resource: &Value, at: &str) -> Result<NaiveDate, OperationOutcome> {
    if let Some(date) = resource["effectiveDateTime"].as_str() {
        return NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            OperationOutcome::invalid(
                &element(at, "effectiveDateTime"),
                "effectiveDateTime must be the day summarised, as a date (YYYY-MM-DD)",
            )
        });
    }
    let refuse = || {
        OperationOutcome::invalid(
            &element(at, "effectivePeriod"),
            "effectivePeriod must be one whole day: start at the day's start (with its offset), \
             end a day later",
        )
    };
    let time = |key: &str| {
        resource["effectivePeriod"][key]
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
    };
    let (start, end) = time("start").zip(time("end")).ok_or_else(refuse)?;
    // A day is 23 to 25 hours across a clock change.
    let hours = (end - start).num_hours();
    if start.time() != NaiveTime::MIN || !(23..=25).contains(&hours) {
        return Err(refuse());
    }
    Ok(start.date_naive())
}

/// A recorded summary as an `Observation`, with id `id`.
pub(super) fn resource(id: &str, summary: &DailySummary) -> Value {
    let measure = summary.measure;
    let mut coding = vec![json!({ "system": MEASURE_SYSTEM, "code": measure.code() })];
    if measure == Measure::Steps {
        coding.insert(0, json!({ "system": LOINC, "code": LOINC_STEPS }));
    }
    let mut device = json!({ "display": summary.provenance.device });
    if summary.provenance.device.is_none() {
        device = Value::Null;
    }
    let mut resource = json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "identifier": [{
            "system": summary.provenance.source_system,
            "value": summary.provenance.source_id,
        }],
        "basedOn": [{
            "reference": format!("ServiceRequest/{}", summary.referral_id),
            "identifier": { "system": REFERRAL_ID_SYSTEM, "value": summary.referral_id.to_string() },
        }],
        "subject": { "identifier": { "system": PSEUDONYM_SYSTEM, "value": summary.subject } },
        "code": { "coding": coding },
        "effectiveDateTime": summary.day.to_string(),
        "valueQuantity": {
            "value": summary.value,
            "unit": measure.unit(),
            "system": UCUM,
            "code": measure.unit(),
        },
        "component": [{
            "code": { "coding": [{ "system": MEASURE_SYSTEM, "code": COVERAGE }] },
            "valueQuantity": {
                "value": summary.coverage_percent,
                "unit": "%",
                "system": UCUM,
                "code": "%",
            },
        }],
        "performer": [{ "display": summary.provenance.integrator }],
    });
    if !device.is_null() {
        resource["device"] = device;
    }
    resource
}
