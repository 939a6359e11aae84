//! Each score of a scored response as a FHIR R4 `Observation` (category `survey`): its value,
//! its band as the interpretation, the change from the episode's baseline and its verdict as
//! components, `derivedFrom` the QuestionnaireResponse, and for an EQ-5D utility the value set
//! it was derived under as the `method`. The subject is the person's pseudonym, never their NHS
//! number.

use serde_json::{Value, json};
use servicekit::fhir::{PSEUDONYM_SYSTEM, REFERRAL_ID_SYSTEM};

use crate::domain::events::Outcome;

/// The code system of Linkwork's score codes: `<instrument>-<component>`, e.g.
/// `swemwbs-metric`, `ons4-anxiety`, `eq5d5l-utility`.
pub const SCORE_SYSTEM: &str = "https://linkwork.nhs.uk/fhir/CodeSystem/outcome-score";
/// The code system of a score's place in the episode and its verdict.
pub const OUTCOME_SYSTEM: &str = "https://linkwork.nhs.uk/fhir/CodeSystem/outcome";
/// The code system of EQ-5D value sets: `<id>|<version>` as the code.
pub const VALUE_SET_SYSTEM: &str = "https://linkwork.nhs.uk/fhir/CodeSystem/eq5d-value-set";

/// The score code of `component` of `instrument`.
pub(super) fn code(instrument: &str, component: &str) -> String {
    format!("{instrument}-{component}")
}

/// A decimal as a JSON number (FHIR's `decimal`), keeping what it printed as.
fn decimal(text: &str) -> Value {
    text.parse::<serde_json::Number>()
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// A resource id from parts: FHIR ids are `[A-Za-z0-9-.]{1,64}`.
fn resource_id(outcome: &Outcome, component: &str) -> String {
    let component: String = component
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                true => c,
                false => '-',
            },
        )
        .take(20)
        .collect();
    format!(
        "{}.{}.{component}",
        outcome.response_id.simple(),
        outcome.derivation
    )
}

/// Every Observation of `outcome`: one per score, and one for the utility.
pub(super) fn resources(outcome: &Outcome) -> Vec<Value> {
    let mut resources: Vec<Value> = outcome
        .scores
        .iter()
        .map(|score| {
            let mut resource = base(outcome, &score.code);
            resource["valueQuantity"] = json!({
                "value": decimal(&score.value),
                "unit": "score",
                "system": "http://unitsofmeasure.org",
                "code": "{score}",
            });
            if !score.band.is_empty() {
                resource["interpretation"] = json!([{ "text": score.band }]);
            }
            resource
        })
        .collect();
    if let Some(utility) = &outcome.utility {
        let mut resource = base(outcome, "utility");
        resource["valueQuantity"] = json!({ "value": decimal(&utility.value) });
        resource["method"] = json!({
            "coding": [{
                "system": VALUE_SET_SYSTEM,
                "code": format!("{}|{}", utility.value_set, utility.value_set_version),
            }],
            "text": format!(
                "EQ-5D health state {} valued with {} v{} ({})",
                utility.state, utility.value_set, utility.value_set_version, utility.scale
            ),
        });
        resources.push(resource);
    }
    resources
}

/// What every Observation of `outcome`'s `component` says.
fn base(outcome: &Outcome, component: &str) -> Value {
    let code = code(&outcome.instrument, component);
    let mut components = vec![json!({
        "code": { "coding": [{ "system": OUTCOME_SYSTEM, "code": "timepoint" }] },
        "valueCodeableConcept": {
            "coding": [{ "system": OUTCOME_SYSTEM, "code": outcome.timepoint }],
        },
    })];
    if let Some(number) = outcome.follow_up {
        components.push(json!({
            "code": { "coding": [{ "system": OUTCOME_SYSTEM, "code": "follow-up-number" }] },
            "valueInteger": number,
        }));
    }
    if let Some(change) = outcome
        .changes
        .iter()
        .find(|change| change.code == component)
    {
        components.push(json!({
            "code": { "coding": [{ "system": OUTCOME_SYSTEM, "code": "change-from-baseline" }] },
            "valueQuantity": { "value": decimal(&change.delta) },
        }));
        if !change.verdict.is_empty() {
            components.push(json!({
                "code": { "coding": [{ "system": OUTCOME_SYSTEM, "code": "mid-verdict" }] },
                "valueCodeableConcept": {
                    "coding": [{ "system": OUTCOME_SYSTEM, "code": change.verdict }],
                    "text": format!("minimal important difference {}", change.mid),
                },
            }));
        }
    }
    json!({
        "resourceType": "Observation",
        "id": resource_id(outcome, component),
        "meta": { "versionId": outcome.derivation.to_string() },
        "status": "final",
        "category": [{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
        }]}],
        "code": {
            "coding": [{ "system": SCORE_SYSTEM, "code": code }],
            "text": format!("{} {component} ({} v{})", outcome.instrument, outcome.instrument, outcome.instrument_version),
        },
        "subject": { "identifier": { "system": PSEUDONYM_SYSTEM, "value": outcome.subject } },
        "basedOn": [{ "identifier": {
            "system": REFERRAL_ID_SYSTEM,
            "value": outcome.referral_id.to_string(),
        }}],
        "effectiveDateTime": outcome.authored.to_rfc3339(),
        "issued": outcome.at.to_rfc3339(),
        "derivedFrom": [{
            "reference": format!("QuestionnaireResponse/{}", outcome.response_id),
        }],
        "component": components,
    })
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn each_score_and_the_utility_is_an_observation_derived_from_the_response() {
        let outcome = Outcome::sample();
        let resources = resources(&outcome);
        assert_eq!(resources.len(), outcome.scores.len() + 1);
        let utility = resources.last().expect("the utility's");
        assert_eq!(utility["valueQuantity"]["value"], json!(0.761));
        assert_eq!(utility["method"]["coding"][0]["code"], "dsu-2023|1.0");
        assert_eq!(
            utility["derivedFrom"][0]["reference"],
            format!("QuestionnaireResponse/{}", Uuid::nil())
        );
        assert_eq!(utility["subject"]["identifier"]["value"], "nhs-hmac:ab");
        assert_eq!(
            utility["component"][1]["valueInteger"], 1,
            "the first follow-up"
        );
        let verdict = &utility["component"][3]["valueCodeableConcept"]["coding"][0]["code"];
        assert_eq!(verdict, "improved");
        assert!(
            resources
                .iter()
                .all(|r| r["id"].as_str().is_some_and(|id| id.len() <= 64))
        );
    }
}
