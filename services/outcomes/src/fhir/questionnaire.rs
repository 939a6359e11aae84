//! Each instrument as a FHIR R4 `Questionnaire`: its canonical URL and version, its items with
//! their `linkId`s, and each item's answers — an integer's bounds (the `minValue` and
//! `maxValue` extensions) or a choice's options — so that a form built from it can only send
//! answers the instrument takes.

use measures::{AnswerType, Instrument};
use serde_json::{Value, json};

/// The extension giving an integer item's least answer.
const MIN_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
/// The extension giving an integer item's greatest answer.
const MAX_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";

/// The resource id of `instrument`'s Questionnaire: its id and version, e.g. `swemwbs-1.0`.
pub(super) fn id(instrument: &Instrument) -> String {
    format!("{}-{}", instrument.id(), instrument.version())
}

/// `instrument` as a Questionnaire.
pub(super) fn resource(instrument: &Instrument) -> Value {
    let definition = instrument.definition();
    let items: Vec<Value> = definition
        .items
        .iter()
        .map(|item| {
            let mut shown = json!({
                "linkId": item.link_id,
                "text": item.text,
                "required": item.required,
            });
            match &item.answer {
                AnswerType::Integer { min, max } => {
                    shown["type"] = json!("integer");
                    shown["extension"] = json!([
                        { "url": MIN_VALUE, "valueInteger": min },
                        { "url": MAX_VALUE, "valueInteger": max },
                    ]);
                }
                AnswerType::Choice { options } => {
                    shown["type"] = json!("choice");
                    shown["answerOption"] = options
                        .iter()
                        .map(|option| {
                            json!({ "valueCoding": {
                                "system": format!("{}/answers", definition.url),
                                "code": option.code,
                                "display": option.display,
                            }})
                        })
                        .collect();
                }
            }
            shown
        })
        .collect();
    let mut resource = json!({
        "resourceType": "Questionnaire",
        "id": id(instrument),
        "url": definition.url,
        "version": definition.version.to_string(),
        "name": definition.id.to_uppercase().replace(['-', '.'], "_"),
        "title": definition.title,
        "status": "active",
        "description": definition.interpretation,
        "copyright": definition.licence,
        "item": items,
    });
    if let Some(doi) = &definition.source.doi {
        resource["relatedArtifact"] = json!([{
            "type": "citation",
            "citation": definition.source.citation,
            "url": format!("https://doi.org/{doi}"),
        }]);
    } else {
        resource["relatedArtifact"] = json!([{
            "type": "citation",
            "citation": definition.source.citation,
        }]);
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_keeps_its_link_id_and_its_answers() {
        let catalogue = measures::Catalogue::bundled().expect("bundled");
        for instrument in catalogue.instruments() {
            let questionnaire = resource(instrument);
            let items = questionnaire["item"].as_array().expect("items");
            assert_eq!(items.len(), instrument.items().len());
            for (shown, item) in items.iter().zip(instrument.items()) {
                assert_eq!(shown["linkId"], item.link_id.as_str());
                match &item.answer {
                    AnswerType::Integer { min, .. } => {
                        assert_eq!(shown["extension"][0]["valueInteger"], *min);
                    }
                    AnswerType::Choice { options } => {
                        assert_eq!(
                            shown["answerOption"].as_array().map(Vec::len),
                            Some(options.len())
                        );
                    }
                }
            }
        }
    }
}
