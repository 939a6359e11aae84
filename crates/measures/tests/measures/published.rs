//! Published values, reproduced: each value set's checks from its publication or the package
//! its table was taken from, and the SWEMWBS conversion table as Warwick publishes it.
//!
//! These are the tests a reviewer can check against the literature without reading the code,
//! so the expected values are written out as published (as text, to the published places)
//! rather than computed.

use measures::{AgeBand, Person, Reference, ScoreError, Sex};

use crate::helpers::{
    catalogue, eq5d_answers, fixed, instrument, numbered_answers, numbered_totalling, utility,
    value_set,
};

#[test]
fn dolan_1997_gives_the_published_3l_values() {
    let dolan = value_set("dolan-1997");
    let published = [
        ("11111", "1.000"),
        ("11221", "0.760"),
        ("33221", "-0.037"),
        ("12321", "0.329"),
        ("33333", "-0.594"),
    ];
    for (state, expected) in published {
        let value = utility(dolan, state, &Person::unknown());
        assert_eq!(value.to_string(), expected, "{state}");
    }
}

#[test]
fn the_dsu_mapping_gives_the_package_checks_by_age_band_and_sex() {
    let dsu = value_set("dsu-2023");
    let published = [
        ("12345", AgeBand::of_age(30), Sex::Female, "0.067"),
        ("24112", AgeBand::of_age(50), Sex::Female, "0.761"),
        ("23421", AgeBand::of_age(65), Sex::Male, "0.609"),
        // Under the mapping full health is not 1.
        ("11111", AgeBand::of_age(18), Sex::Male, "0.987"),
    ];
    for (state, age_band, sex, expected) in published {
        let age_band = age_band.expect("an adult age");
        let value = utility(dsu, state, &Person::new(age_band, sex));
        assert_eq!(value.to_string(), expected, "{state} {age_band} {sex}");
    }
}

#[test]
fn the_van_hout_crosswalk_gives_the_package_checks() {
    let crosswalk = value_set("vanhout-2012");
    let published = [
        ("11221", "0.795"),
        ("44441", "0.226"),
        ("44525", "0.004"),
        ("55555", "-0.594"),
    ];
    for (state, expected) in published {
        let value = utility(crosswalk, state, &Person::unknown());
        assert_eq!(value.to_string(), expected, "{state}");
    }
}

#[test]
fn the_uk_5l_2026_set_gives_the_published_values() {
    let uk5l = value_set("uk-5l-2026");
    let published = [("11111", "1.000"), ("22222", "0.784"), ("55555", "-0.567")];
    for (state, expected) in published {
        let value = utility(uk5l, state, &Person::unknown());
        assert_eq!(value.to_string(), expected, "{state}");
    }
}

#[test]
fn eq5d5l_answers_are_valued_under_the_dsu_mapping_by_default() {
    let eq5d = instrument("eq5d5l");
    let dsu = catalogue()
        .default_value_set(eq5d)
        .expect("the default is bundled");
    let person = Person::new(AgeBand::From18To34, Sex::Female);
    let answers = eq5d_answers("12345").with("vas", 40);
    let scores = eq5d.score(&answers, &person, Some(dsu)).expect("scores");
    let utility = scores.utility.as_ref().expect("a utility");
    assert_eq!(utility.value.to_string(), "0.067");
    assert_eq!(utility.state, "12345");
    assert_eq!(utility.scale, "eq-5d-3l-uk");
    let version = "1.0".parse().expect("a version");
    assert_eq!(utility.value_set, Reference::new("dsu-2023", version));
    let vas = scores.component("vas").expect("the VAS is reported");
    assert_eq!(vas.value.to_string(), "40");
}

#[test]
fn every_value_set_records_itself_beside_the_utility() {
    let eq5d = instrument("eq5d5l");
    let person = Person::new(AgeBand::From45To54, Sex::Male);
    for id in ["dsu-2023", "vanhout-2012", "uk-5l-2026"] {
        let value_set = value_set(id);
        let scores = eq5d
            .score(&eq5d_answers("21332"), &person, Some(value_set))
            .expect("scores");
        let utility = scores.utility.expect("a utility");
        assert_eq!(&utility.value_set, value_set.reference(), "{id}");
        assert_eq!(utility.scale, value_set.scale(), "{id}");
    }
}

#[test]
fn the_dsu_mapping_refuses_to_guess_a_missing_age_band_or_sex() {
    let eq5d = instrument("eq5d5l");
    let dsu = value_set("dsu-2023");
    let answers = eq5d_answers("11111");
    let no_age = Person {
        age_band: None,
        sex: Some(Sex::Female),
    };
    let no_sex = Person {
        age_band: Some(AgeBand::From65),
        sex: None,
    };
    let reference = dsu.reference().clone();
    assert_eq!(
        eq5d.score(&answers, &no_age, Some(dsu)),
        Err(ScoreError::NeedsAgeBand {
            value_set: reference.clone()
        })
    );
    assert_eq!(
        eq5d.score(&answers, &no_sex, Some(dsu)),
        Err(ScoreError::NeedsSex {
            value_set: reference
        })
    );
    // The crosswalk, the documented alternative, needs neither.
    let crosswalk = value_set("vanhout-2012");
    assert!(eq5d.score(&answers, &no_sex, Some(crosswalk)).is_ok());
}

#[test]
fn a_3l_value_set_refuses_5l_answers_rather_than_truncating_them() {
    let eq5d = instrument("eq5d5l");
    let dolan = value_set("dolan-1997");
    let error = eq5d
        .score(&eq5d_answers("11111"), &Person::unknown(), Some(dolan))
        .expect_err("a 3L set cannot value 5L answers");
    assert_eq!(
        error,
        ScoreError::WrongLevels {
            value_set: dolan.reference().clone(),
            expects: 3,
            given: 5,
        }
    );
}

/// Warwick's SWEMWBS raw-to-metric conversion table, raw 7 to 35.
const SWEMWBS_METRIC: [&str; 29] = [
    "7.00", "9.51", "11.25", "12.40", "13.33", "14.08", "14.75", "15.32", "15.84", "16.36",
    "16.88", "17.43", "17.98", "18.59", "19.25", "19.98", "20.73", "21.54", "22.35", "23.21",
    "24.11", "25.03", "26.02", "27.03", "28.13", "29.31", "30.70", "32.55", "35.00",
];

#[test]
fn swemwbs_converts_every_raw_score_as_warwick_publishes() {
    let swemwbs = instrument("swemwbs");
    for (raw, expected) in (7_i64..).zip(SWEMWBS_METRIC) {
        let scores = swemwbs
            .score(&numbered_totalling(7, raw), &Person::unknown(), None)
            .expect("scores");
        let raw_score = scores.component("raw").expect("a raw score");
        let metric = scores.component("metric").expect("a metric score");
        assert_eq!(raw_score.value, fixed(&raw.to_string()));
        assert_eq!(metric.value.to_string(), expected, "raw {raw}");
    }
}

#[test]
fn swemwbs_table_ends_and_middle_print_to_two_places() {
    let swemwbs = instrument("swemwbs");
    for (value, expected) in [(1, "7.00"), (3, "19.25"), (5, "35.00")] {
        let scores = swemwbs
            .score(&numbered_answers(&[value; 7]), &Person::unknown(), None)
            .expect("scores");
        let metric = scores.component("metric").expect("a metric score");
        assert_eq!(metric.value.to_string(), expected);
    }
}
