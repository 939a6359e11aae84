//! The person a `ServiceRequest` is for: named by NHS number alone (`subject.identifier`), or
//! described by a UK Core `Patient` contained in the request (`subject.reference` `#id`) with
//! their NHS number, date of birth, gender, home postcode and ethnic category (the
//! `Extension-UKCore-EthnicCategory` extension, coded in the NHS Data Dictionary's categories).
//! Every refusal names the element at fault and never repeats its value.

use chrono::NaiveDate;
use serde_json::Value;

use super::outcome::Outcome;
use super::service_request::{NHS_NUMBER, identifier_value};
use crate::demographics::Given;
use crate::domain::age;
use crate::domain::nhs_number::NhsNumber;
use crate::domain::person::{EthnicCategory, Sex};
use crate::domain::postcode::Postcode;

/// UK Core's ethnic category extension (`valueCodeableConcept`).
pub const ETHNIC_CATEGORY: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory";
/// UK Core's code system of the NHS Data Dictionary's ETHNIC CATEGORY (England).
pub const ETHNIC_CATEGORY_ENGLAND: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland";

/// Who the request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Subject {
    /// Their NHS number.
    pub(super) nhs_number: NhsNumber,
    /// What the request says of them beside it.
    pub(super) given: Given,
}

/// The subject of `body` (a `ServiceRequest`), on `today`.
pub(super) fn subject(
    body: &Value,
    allow_test: bool,
    today: NaiveDate,
) -> Result<Subject, Outcome> {
    let reference = &body["subject"]["reference"];
    if reference.is_null() {
        let path = "ServiceRequest.subject.identifier";
        let nhs_number = nhs_number(&body["subject"]["identifier"], path, allow_test)?;
        return Ok(Subject {
            nhs_number,
            given: Given::default(),
        });
    }
    let path = "ServiceRequest.subject.reference";
    let id = reference
        .as_str()
        .and_then(|text| text.strip_prefix('#'))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            Outcome::invalid(
                path,
                format!("{path} must be #id, naming a contained Patient"),
            )
        })?;
    let (index, patient) = body["contained"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, resource)| resource["resourceType"] == "Patient" && resource["id"] == id)
        .ok_or_else(|| Outcome::invalid(path, format!("{path} names no contained Patient")))?;
    let subject = contained(
        patient,
        &format!("ServiceRequest.contained[{index}]"),
        allow_test,
        today,
    )?;
    // A reference may carry an identifier too; if so, it must be the same person's.
    let beside = &body["subject"]["identifier"];
    if !beside.is_null() {
        let path = "ServiceRequest.subject.identifier";
        if nhs_number(beside, path, allow_test)? != subject.nhs_number {
            return Err(Outcome::invalid(
                path,
                format!("{path} names another NHS number than the contained Patient"),
            ));
        }
    }
    Ok(subject)
}

fn nhs_number(identifier: &Value, path: &str, allow_test: bool) -> Result<NhsNumber, Outcome> {
    let value = identifier_value(identifier, NHS_NUMBER, path)?;
    NhsNumber::parse(value, allow_test)
        .map_err(|e| Outcome::invalid(&format!("{path}.value"), format!("{path}.value: {e}")))
}

/// A contained `Patient`, at FHIRPath `at`.
fn contained(
    patient: &Value,
    at: &str,
    allow_test: bool,
    today: NaiveDate,
) -> Result<Subject, Outcome> {
    let (index, identifier) = patient["identifier"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, identifier)| identifier["system"] == NHS_NUMBER)
        .ok_or_else(|| {
            let path = format!("{at}.identifier");
            Outcome::invalid(
                &path,
                format!("{path} must include an NHS number ({NHS_NUMBER})"),
            )
        })?;
    let nhs_number = nhs_number(identifier, &format!("{at}.identifier[{index}]"), allow_test)?;
    let given = Given {
        birth_date: birth_date(&patient["birthDate"], &format!("{at}.birthDate"), today)?,
        sex: sex(&patient["gender"], &format!("{at}.gender"))?,
        ethnic_category: ethnic_category(patient, at)?,
        postcode: postcode(patient, at)?,
    };
    Ok(Subject { nhs_number, given })
}

fn birth_date(value: &Value, path: &str, today: NaiveDate) -> Result<Option<NaiveDate>, Outcome> {
    if value.is_null() {
        return Ok(None);
    }
    // FHIR allows a year or a month alone; the age band needs the day.
    let text = value.as_str().unwrap_or_default();
    age::birth_date(text, today)
        .map(Some)
        .map_err(|problem| Outcome::invalid(path, format!("{path} {problem}")))
}

fn sex(value: &Value, path: &str) -> Result<Option<Sex>, Outcome> {
    if value.is_null() {
        return Ok(None);
    }
    let sex = value.as_str().and_then(Sex::from_code).ok_or_else(|| {
        Outcome::invalid(
            path,
            format!("{path} must be male, female, other or unknown (administrative-gender)"),
        )
    })?;
    Ok(Some(sex))
}

/// The home postcode: of the address whose use is `home`, else of the first with one.
fn postcode(patient: &Value, at: &str) -> Result<Option<Postcode>, Outcome> {
    let addresses: Vec<(usize, &Value)> = patient["address"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, address)| !address["postalCode"].is_null())
        .collect();
    let chosen = addresses
        .iter()
        .find(|(_, address)| address["use"] == "home")
        .or_else(|| addresses.first());
    let Some((index, address)) = chosen else {
        return Ok(None);
    };
    let path = format!("{at}.address[{index}].postalCode");
    let text = address["postalCode"].as_str().unwrap_or_default();
    Postcode::parse(text)
        .map(Some)
        .map_err(|problem| Outcome::invalid(&path, format!("{path} {problem}")))
}

fn ethnic_category(patient: &Value, at: &str) -> Result<Option<EthnicCategory>, Outcome> {
    let found = patient["extension"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, extension)| extension["url"] == ETHNIC_CATEGORY);
    let Some((index, extension)) = found else {
        return Ok(None);
    };
    let concept = format!("{at}.extension[{index}].valueCodeableConcept.coding");
    let (coding_index, coding) = extension["valueCodeableConcept"]["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, coding)| coding["system"] == ETHNIC_CATEGORY_ENGLAND)
        .ok_or_else(|| {
            Outcome::invalid(
                &concept,
                format!("{concept} must include a coding from {ETHNIC_CATEGORY_ENGLAND}"),
            )
        })?;
    let path = format!("{concept}[{coding_index}].code");
    let category = coding["code"]
        .as_str()
        .and_then(EthnicCategory::from_code)
        .ok_or_else(|| {
            Outcome::invalid(&path, format!("{path} is not an NHS ethnic category code"))
        })?;
    Ok(Some(category))
}
