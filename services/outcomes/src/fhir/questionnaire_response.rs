//! Reading a FHIR R4 `QuestionnaireResponse` into a response to record: which instrument (the
//! `questionnaire` canonical, `url|version`), which referral (`basedOn`, the referral's
//! ServiceRequest or Task, or its identifier), when (`authored`), and each item's single
//! answer (`valueInteger` or `valueCoding`). Everything the instrument itself says about the
//! answers — required items, ranges, options — is checked by the instrument when it scores
//! them; what this checks is the resource's shape, naming the element at fault.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use servicekit::fhir::{OperationOutcome, REFERRAL_ID_SYSTEM};
use uuid::Uuid;

use crate::domain::events::{Answer, Outcome};

/// The identifier system of a response's id.
pub const RESPONSE_ID_SYSTEM: &str = "https://linkwork.nhs.uk/Id/outcome-response";

/// What a QuestionnaireResponse asks to record.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    /// The referral (`basedOn`).
    pub(super) referral_id: Uuid,
    /// The response's id, when the client chose one (`identifier`).
    pub(super) response_id: Option<Uuid>,
    /// The Questionnaire's canonical URL.
    pub(super) questionnaire: String,
    /// Its version, if the canonical gave one.
    pub(super) version: Option<String>,
    /// When the person answered.
    pub(super) authored: DateTime<Utc>,
    /// Each answer.
    pub(super) answers: Vec<Answer>,
}

fn invalid(expression: &str, diagnostics: impl Into<String>) -> OperationOutcome {
    OperationOutcome::invalid(expression, diagnostics)
}

/// The element naming the item `link_id`.
pub(super) fn item_expression(link_id: &str) -> String {
    format!(
        "QuestionnaireResponse.item.where(linkId='{}')",
        measures::shown_link_id(link_id).replace('\'', "\\'")
    )
}

/// Reads `resource` as a QuestionnaireResponse to record.
pub(super) fn parse(resource: &Value) -> Result<Parsed, OperationOutcome> {
    if resource["resourceType"] != "QuestionnaireResponse" {
        return Err(invalid(
            "QuestionnaireResponse.resourceType",
            "resourceType must be QuestionnaireResponse",
        ));
    }
    if resource["status"] != "completed" {
        return Err(OperationOutcome::unprocessable(
            "QuestionnaireResponse.status",
            "status must be completed: only finished responses are scored",
        ));
    }
    let canonical = resource["questionnaire"].as_str().ok_or_else(|| {
        invalid(
            "QuestionnaireResponse.questionnaire",
            "questionnaire is required: the Questionnaire's canonical URL (url|version)",
        )
    })?;
    let (questionnaire, version) = match canonical.split_once('|') {
        Some((url, version)) => (url.to_owned(), Some(version.to_owned())),
        None => (canonical.to_owned(), None),
    };
    let authored = resource["authored"]
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| {
            invalid(
                "QuestionnaireResponse.authored",
                "authored is required: a dateTime with a time zone",
            )
        })?;
    Ok(Parsed {
        referral_id: servicekit::fhir::based_on_referral(resource, "QuestionnaireResponse")?,
        response_id: response_id(resource)?,
        questionnaire,
        version,
        authored,
        answers: answers(resource)?,
    })
}

/// The response id the client chose (`identifier` in the response-id system), if any.
fn response_id(resource: &Value) -> Result<Option<Uuid>, OperationOutcome> {
    let identifier = &resource["identifier"];
    if identifier.is_null() {
        return Ok(None);
    }
    if identifier["system"] != RESPONSE_ID_SYSTEM {
        return Ok(None);
    }
    identifier["value"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
        .map(Some)
        .ok_or_else(|| {
            invalid(
                "QuestionnaireResponse.identifier.value",
                "the response's identifier must be a UUID",
            )
        })
}

/// Each item's one answer. Nested items are not part of any instrument here.
fn answers(resource: &Value) -> Result<Vec<Answer>, OperationOutcome> {
    let Some(items) = resource["item"].as_array() else {
        return Err(invalid(
            "QuestionnaireResponse.item",
            "item is required: one per question answered",
        ));
    };
    let mut answers = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(link_id) = item["linkId"].as_str().filter(|id| !id.trim().is_empty()) else {
            return Err(invalid(
                &format!("QuestionnaireResponse.item[{index}].linkId"),
                "every item needs its linkId",
            ));
        };
        let at = item_expression(link_id);
        let shown = measures::shown_link_id(link_id);
        let answer = match item["answer"].as_array().map(Vec::as_slice) {
            Some([answer]) => answer,
            Some([]) | None => {
                return Err(invalid(&at, format!("{shown}: give one answer")));
            }
            Some(_) => {
                return Err(invalid(
                    &at,
                    format!("{shown}: give one answer, not several"),
                ));
            }
        };
        let (integer, code) = match (&answer["valueInteger"], &answer["valueCoding"]) {
            (Value::Number(number), Value::Null) => {
                let integer = number
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| invalid(&at, format!("{shown}: expected a whole number")))?;
                (Some(integer), String::new())
            }
            (Value::Null, coding) if coding["code"].is_string() => {
                (None, coding["code"].as_str().unwrap_or_default().to_owned())
            }
            _ => {
                return Err(invalid(
                    &at,
                    format!("{shown}: answer with valueInteger or valueCoding (with a code)"),
                ));
            }
        };
        answers.push(Answer {
            link_id: link_id.trim().to_owned(),
            integer,
            code,
        });
    }
    Ok(answers)
}

/// The recorded response `outcome` scored, as a QuestionnaireResponse.
pub(super) fn resource(outcome: &Outcome, url: &str, answers: &[Answer]) -> Value {
    let items: Vec<Value> = answers
        .iter()
        .map(|answer| {
            let value = match answer.integer {
                Some(integer) => json!({ "valueInteger": integer }),
                None => json!({ "valueCoding": { "code": answer.code } }),
            };
            json!({ "linkId": answer.link_id, "answer": [value] })
        })
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": outcome.response_id.to_string(),
        "identifier": { "system": RESPONSE_ID_SYSTEM, "value": outcome.response_id.to_string() },
        "questionnaire": format!("{url}|{}", outcome.instrument_version),
        "status": "completed",
        "subject": { "identifier": {
            "system": servicekit::fhir::PSEUDONYM_SYSTEM,
            "value": outcome.subject,
        }},
        "basedOn": [{ "identifier": {
            "system": REFERRAL_ID_SYSTEM,
            "value": outcome.referral_id.to_string(),
        }}],
        "authored": outcome.authored.to_rfc3339(),
        "item": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Value {
        json!({
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": "https://linkwork.nhs.uk/fhir/Questionnaire/swemwbs|1.0",
            "basedOn": [{ "reference": format!("ServiceRequest/{}", Uuid::nil()) }],
            "authored": "2026-03-01T10:00:00Z",
            "item": [{ "linkId": "1", "answer": [{ "valueInteger": 3 }] }],
        })
    }

    fn refused_at(change: impl FnOnce(&mut Value)) -> Option<String> {
        let mut resource = valid();
        change(&mut resource);
        parse(&resource)
            .err()
            .and_then(|outcome| outcome.expression)
    }

    #[test]
    fn a_well_formed_response_reads() {
        let parsed = parse(&valid()).expect("parsed");
        assert_eq!(parsed.version.as_deref(), Some("1.0"));
        assert_eq!(parsed.answers[0].integer, Some(3));
        assert_eq!(parsed.referral_id, Uuid::nil());
    }

    /// A change to a valid resource.
    type Change = Box<dyn FnOnce(&mut Value)>;

    #[test]
    fn each_malformed_element_is_named() {
        let item = "QuestionnaireResponse.item.where(linkId='1')";
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|r| r["resourceType"] = json!("Observation")),
                "QuestionnaireResponse.resourceType",
            ),
            (
                Box::new(|r| r["status"] = json!("in-progress")),
                "QuestionnaireResponse.status",
            ),
            (
                Box::new(|r| r["questionnaire"] = Value::Null),
                "QuestionnaireResponse.questionnaire",
            ),
            (
                Box::new(|r| r["authored"] = json!("yesterday")),
                "QuestionnaireResponse.authored",
            ),
            (
                Box::new(|r| r["basedOn"] = json!([{ "reference": "Patient/1" }])),
                "QuestionnaireResponse.basedOn",
            ),
            (
                Box::new(|r| r["item"] = Value::Null),
                "QuestionnaireResponse.item",
            ),
            (
                Box::new(|r| r["item"][0]["linkId"] = Value::Null),
                "QuestionnaireResponse.item[0].linkId",
            ),
            (Box::new(|r| r["item"][0]["answer"] = json!([])), item),
            (
                Box::new(|r| {
                    r["item"][0]["answer"] = json!([{ "valueInteger": 1 }, { "valueInteger": 2 }])
                }),
                item,
            ),
            (
                Box::new(|r| r["item"][0]["answer"] = json!([{ "valueString": "3" }])),
                item,
            ),
            (
                Box::new(|r| r["item"][0]["answer"] = json!([{ "valueInteger": 2.5 }])),
                item,
            ),
            (
                Box::new(|r| {
                    r["item"][0]["answer"] =
                        json!([{ "valueInteger": 1, "valueCoding": { "code": "a" } }])
                }),
                item,
            ),
            (
                Box::new(|r| {
                    r["identifier"] = json!({ "system": RESPONSE_ID_SYSTEM, "value": "x" })
                }),
                "QuestionnaireResponse.identifier.value",
            ),
        ];
        for (change, expected) in cases {
            assert_eq!(refused_at(change).as_deref(), Some(expected));
        }
    }

    #[test]
    fn two_referrals_in_based_on_are_refused() {
        let mut resource = valid();
        resource["basedOn"] = json!([
            { "reference": format!("ServiceRequest/{}", Uuid::nil()) },
            { "identifier": { "system": REFERRAL_ID_SYSTEM, "value": Uuid::max().to_string() } },
        ]);
        assert!(parse(&resource).is_err());
    }
}
