//! Definitions as data: every bundled file reads back to itself after serialising (the
//! outcomes service publishes definitions in events), and a broken definition is refused with
//! the place in it that is wrong, so a deployer can fix their file.

use measures::{
    DefinitionError, Instrument, Problem, TableProblem, ValueSet, ValueSetDefinition,
    ValueSetError, bundled_instrument_files, bundled_value_set_files,
};
use serde_json::{Value, json};

use crate::helpers::value_set;

#[test]
fn every_bundled_instrument_round_trips_through_json_exactly() {
    let mut files = 0;
    for (file, json) in bundled_instrument_files() {
        let instrument = Instrument::parse(json).unwrap_or_else(|error| panic!("{file}: {error}"));
        let written = serde_json::to_string(&instrument).expect("serialises");
        let read = Instrument::parse(&written).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(read, instrument, "{file}");
        // Not only equal once read: the same JSON as the file, so nothing is lost or added.
        let original: Value = serde_json::from_str(json).expect("JSON");
        let rewritten: Value = serde_json::from_str(&written).expect("JSON");
        assert_eq!(rewritten, original, "{file}");
        // Reading through serde takes the same checks as `parse`.
        let through_serde: Instrument = serde_json::from_str(&written).expect("deserialises");
        assert_eq!(through_serde, instrument, "{file}");
        files += 1;
    }
    assert_eq!(files, 5);
}

/// The bundled CSV table of value set `id`, if its model has one.
fn bundled_table(id: &str) -> Option<&'static str> {
    match id {
        "dsu-2023" => Some(include_str!(
            "../../data/value-sets/eq5d5l-to-3l-uk-dsu-2023.csv"
        )),
        "vanhout-2012" => Some(include_str!(
            "../../data/value-sets/eq5d5l-to-3l-uk-crosswalk-vanhout-2012.csv"
        )),
        _ => None,
    }
}

#[test]
fn every_bundled_value_set_round_trips_through_json_exactly() {
    let mut files = 0;
    for (file, json) in bundled_value_set_files() {
        let original: Value = serde_json::from_str(json).expect("JSON");
        let id = original["id"].as_str().expect("an id");
        let value_set = ValueSet::parse(json, bundled_table(id))
            .unwrap_or_else(|error| panic!("{file}: {error}"));
        let written = serde_json::to_string(value_set.definition()).expect("serialises");
        let rewritten: Value = serde_json::from_str(&written).expect("JSON");
        assert_eq!(rewritten, original, "{file}");
        let definition: ValueSetDefinition = serde_json::from_str(&written).expect("reads");
        let read = ValueSet::from_definition(definition, bundled_table(id)).expect("valid");
        assert_eq!(read, value_set, "{file}");
        files += 1;
    }
    assert_eq!(files, 4);
}

/// Bundled instrument `file`'s JSON, changed by `edit`, read as an instrument.
fn edited(file: &str, edit: impl FnOnce(&mut Value)) -> Result<Instrument, DefinitionError> {
    let (_, json) = bundled_instrument_files()
        .find(|(name, _)| *name == file)
        .unwrap_or_else(|| panic!("{file} is bundled"));
    let mut value: Value = serde_json::from_str(json).expect("JSON");
    edit(&mut value);
    Instrument::parse(&value.to_string())
}

/// The place and problem of an invalid definition.
fn invalid(result: Result<Instrument, DefinitionError>) -> (String, Problem) {
    match result {
        Err(DefinitionError::Invalid { at, problem, .. }) => (at, problem),
        other => panic!("expected an invalid definition, got {other:?}"),
    }
}

#[test]
fn bands_with_a_gap_an_overlap_or_a_short_end_are_refused_with_the_place() {
    let gap = edited("ons4-1.0.json", |ons4| {
        ons4["scoring"][0]["bands"][1]["min"] = json!(6)
    });
    assert_eq!(
        invalid(gap),
        (
            "scoring[0].bands[1]".into(),
            Problem::Bands { min: 0, max: 10 }
        )
    );
    let overlap = edited("ons4-1.0.json", |ons4| {
        ons4["scoring"][3]["bands"][2]["min"] = json!(3)
    });
    assert_eq!(
        invalid(overlap),
        (
            "scoring[3].bands[2]".into(),
            Problem::Bands { min: 0, max: 10 }
        )
    );
    let short = edited("ons4-1.0.json", |ons4| {
        ons4["scoring"][1]["bands"]
            .as_array_mut()
            .expect("bands")
            .pop();
    });
    assert_eq!(
        invalid(short),
        (
            "scoring[1].bands".into(),
            Problem::Bands { min: 0, max: 10 }
        )
    );
}

#[test]
fn a_conversion_table_missing_or_adding_a_total_is_refused_with_the_place() {
    let table = |edit: fn(&mut serde_json::Map<String, Value>)| {
        edited("swemwbs-1.0.json", |swemwbs| {
            edit(
                swemwbs["scoring"][1]["table"]
                    .as_object_mut()
                    .expect("a table"),
            );
        })
    };
    let expected = (
        "scoring[1].table".to_owned(),
        Problem::Table { min: 7, max: 35 },
    );
    let missing = table(|table| {
        table.remove("20");
    });
    assert_eq!(invalid(missing), expected);
    let extra = table(|table| {
        table.insert("36".into(), json!("37.00"));
    });
    assert_eq!(invalid(extra), expected);
    let mixed = table(|table| {
        table.insert("20".into(), json!("18.6"));
    });
    assert_eq!(
        invalid(mixed),
        ("scoring[1].table".into(), Problem::MixedPlaces)
    );
}

#[test]
fn a_conversion_table_key_that_is_not_a_plain_total_is_a_format_error() {
    let result = edited("swemwbs-1.0.json", |swemwbs| {
        let table = swemwbs["scoring"][1]["table"]
            .as_object_mut()
            .expect("a table");
        let value = table.remove("7").expect("raw 7");
        table.insert("07".into(), value);
    });
    match result {
        Err(DefinitionError::Format { path, message }) => {
            assert_eq!(path, "scoring[1]");
            assert!(message.contains("\"07\""), "{message}");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn broken_references_and_thresholds_are_refused_with_the_place() {
    let unknown_item = edited("wemwbs-1.0.json", |wemwbs| {
        wemwbs["scoring"][0]["items"][13] = json!("15");
    });
    assert_eq!(
        invalid(unknown_item),
        (
            "scoring[0].items[13]".into(),
            Problem::UnknownItem("15".into())
        )
    );
    let unknown_mid = edited("wemwbs-1.0.json", |wemwbs| {
        wemwbs["mids"][0]["component"] = json!("metric");
    });
    assert_eq!(
        invalid(unknown_mid),
        (
            "mids[0].component".into(),
            Problem::UnknownComponent("metric".into())
        )
    );
    let two_defaults = edited("swemwbs-1.0.json", |swemwbs| {
        swemwbs["mids"][1]["default"] = json!(true);
    });
    let defaults = Problem::Defaults {
        component: "metric".into(),
        count: 2,
    };
    assert_eq!(invalid(two_defaults), ("mids".into(), defaults));
    let dimension = edited("eq5d5l-1.0.json", |eq5d| {
        eq5d["utility"]["dimensions"][4] = json!("vas");
    });
    let problem = Problem::DimensionItem {
        link_id: "vas".into(),
        levels: 5,
    };
    assert_eq!(
        invalid(dimension),
        ("utility.dimensions[4]".into(), problem)
    );
}

#[test]
fn an_unknown_field_is_a_format_error_naming_its_path() {
    let result = edited("ons4-1.0.json", |ons4| {
        ons4["items"][2]["answer"]["step"] = json!(1);
    });
    match result {
        Err(DefinitionError::Format { path, message }) => {
            assert_eq!(path, "items[2].answer");
            assert!(message.contains("step"), "{message}");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn a_value_set_table_missing_a_row_is_refused_naming_the_state_and_stratum() {
    let dsu = value_set("dsu-2023");
    let json = serde_json::to_string(dsu.definition()).expect("serialises");
    let table = bundled_table("dsu-2023").expect("a table");
    let without: String = table
        .lines()
        .filter(|line| !line.starts_with("34521,55-64,female,"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(without.lines().count(), table.lines().count() - 1);
    let expected = TableProblem::Incomplete {
        state: "34521".into(),
        stratum: Some("55-64 female".into()),
    };
    match ValueSet::parse(&json, Some(&without)) {
        Err(ValueSetError::Table { problem, .. }) => assert_eq!(problem, expected),
        other => panic!("expected a table error, got {other:?}"),
    }
    let twice = format!("{table}11111,18-34,male,0.98665155\n");
    match ValueSet::parse(&json, Some(&twice)) {
        Err(ValueSetError::Table { problem, .. }) => {
            assert_eq!(problem, TableProblem::Duplicate(table.lines().count() + 1));
        }
        other => panic!("expected a table error, got {other:?}"),
    }
}
