//! Classifying change between baseline and follow-up: at the minimal important difference and
//! either side of it, in both directions of "better", with the threshold's origin recorded, and
//! refused where the two scorings do not compare.

use std::collections::BTreeMap;

use measures::{
    AgeBand, Answers, Better, Change, ClassifyError, Fixed, Instrument, MidOrigin, Person, Problem,
    Scores, Sex, ValueSet, Verdict,
};

use crate::helpers::{
    eq5d_answers, fixed, instrument, numbered_answers, numbered_totalling, value_set,
};

fn score(instrument: &Instrument, answers: &Answers) -> Scores {
    instrument
        .score(answers, &Person::unknown(), None)
        .expect("scores")
}

/// The change in component `code` between two scorings, judged with `overrides`.
fn change(
    instrument: &Instrument,
    (baseline, follow_up): (&Answers, &Answers),
    code: &str,
    overrides: &[(&str, &str)],
) -> Change {
    let overrides: BTreeMap<String, Fixed> = overrides
        .iter()
        .map(|(code, value)| ((*code).to_owned(), fixed(value)))
        .collect();
    let (baseline, follow_up) = (score(instrument, baseline), score(instrument, follow_up));
    instrument
        .classify_with(&baseline, &follow_up, &overrides)
        .expect("comparable")
        .into_iter()
        .find(|change| change.code == code)
        .unwrap_or_else(|| panic!("{code} is compared"))
}

/// SWEMWBS answers whose raw total is `raw`.
fn swemwbs_raw(raw: i64) -> Answers {
    numbered_totalling(7, raw)
}

#[test]
fn swemwbs_change_is_judged_against_the_published_2_87() {
    let swemwbs = instrument("swemwbs");
    // No two metric scores differ by exactly 2.87: the nearest are 2.83 (raw 9 and 12) and
    // 2.89 (raw 16 and 21).
    let cases = [
        (16, 21, "2.89", Verdict::Improved),
        (9, 12, "2.83", Verdict::NoMeaningfulChange),
        (12, 9, "-2.83", Verdict::NoMeaningfulChange),
        (21, 16, "-2.89", Verdict::Deteriorated),
    ];
    for (before, after, delta, verdict) in cases {
        let answers = (&swemwbs_raw(before), &swemwbs_raw(after));
        let change = change(swemwbs, answers, "metric", &[]);
        assert_eq!(change.better, Better::Higher);
        assert_eq!(change.delta.to_string(), delta);
        assert_eq!(change.verdict, Some(verdict), "raw {before} to {after}");
        let mid = change.mid.expect("a default MID");
        assert_eq!(
            (mid.value, mid.origin),
            (fixed("2.87"), MidOrigin::Published)
        );
    }
    // A change of exactly the threshold counts; one a hundredth short does not.
    let answers = (&swemwbs_raw(16), &swemwbs_raw(21));
    for (threshold, verdict) in [
        ("2.89", Verdict::Improved),
        ("2.90", Verdict::NoMeaningfulChange),
    ] {
        let change = change(swemwbs, answers, "metric", &[("metric", threshold)]);
        assert_eq!(change.verdict, Some(verdict), "threshold {threshold}");
        assert_eq!(change.mid.map(|mid| mid.origin), Some(MidOrigin::Override));
    }
    // The raw total has no MID: reported, not judged.
    let raw = change(swemwbs, answers, "raw", &[]);
    assert_eq!(
        (raw.delta, raw.mid, raw.verdict),
        (Fixed::integer(5), None, None)
    );
}

#[test]
fn wemwbs_change_of_exactly_3_is_meaningful_either_way() {
    let wemwbs = instrument("wemwbs");
    let base = [3; 14];
    let shifted = |by: i64| {
        let mut values = base;
        // Spread the shift one point per item.
        for value in values
            .iter_mut()
            .take(usize::try_from(by.abs()).expect("small"))
        {
            *value += by.signum();
        }
        numbered_answers(&values)
    };
    let cases = [
        (4, Verdict::Improved),
        (3, Verdict::Improved),
        (2, Verdict::NoMeaningfulChange),
        (0, Verdict::NoMeaningfulChange),
        (-2, Verdict::NoMeaningfulChange),
        (-3, Verdict::Deteriorated),
        (-4, Verdict::Deteriorated),
    ];
    for (by, verdict) in cases {
        let change = change(
            wemwbs,
            (&numbered_answers(&base), &shifted(by)),
            "total",
            &[],
        );
        assert_eq!(change.delta, Fixed::integer(by));
        assert_eq!(change.verdict, Some(verdict), "change {by}");
    }
}

#[test]
fn ucla3_falling_is_improvement_and_has_no_default_threshold() {
    let ucla3 = instrument("ucla3");
    let answers = |codes: [&str; 3]| {
        Answers::new()
            .with("companionship", codes[0])
            .with("left-out", codes[1])
            .with("isolated", codes[2])
    };
    let seven = answers(["often", "often", "hardly-ever"]);
    let six = answers(["often", "some-of-the-time", "hardly-ever"]);
    let five = answers(["often", "hardly-ever", "hardly-ever"]);
    let eight = answers(["often", "often", "some-of-the-time"]);
    // No published MID: the change is reported but not judged.
    let unjudged = change(ucla3, (&seven, &five), "total", &[]);
    assert_eq!(unjudged.better, Better::Lower);
    assert_eq!(
        (unjudged.delta, unjudged.mid, unjudged.verdict),
        (Fixed::integer(-2), None, None)
    );
    // With the deployment's threshold of 2, lonelier is worse.
    let overrides = [("total", "2")];
    let cases = [
        (&seven, &five, Verdict::Improved),
        (&seven, &six, Verdict::NoMeaningfulChange),
        (&six, &seven, Verdict::NoMeaningfulChange),
        (&five, &seven, Verdict::Deteriorated),
        (&six, &eight, Verdict::Deteriorated),
    ];
    for (before, after, verdict) in cases {
        let change = change(ucla3, (before, after), "total", &overrides);
        assert_eq!(
            change.verdict,
            Some(verdict),
            "{} to {}",
            change.baseline,
            change.follow_up
        );
        assert_eq!(change.mid.map(|mid| mid.origin), Some(MidOrigin::Override));
    }
}

#[test]
fn ons4_anxiety_falling_is_improvement_under_an_unsourced_threshold() {
    let ons4 = instrument("ons4");
    let answers = |score: i64| -> Answers {
        [
            ("satisfied", score),
            ("worthwhile", 5),
            ("happy", 5),
            ("anxious", score),
        ]
        .into_iter()
        .collect()
    };
    let (before, after) = (answers(6), answers(5));
    let anxiety = change(ons4, (&before, &after), "anxiety", &[]);
    let satisfaction = change(ons4, (&before, &after), "life-satisfaction", &[]);
    assert_eq!(anxiety.verdict, Some(Verdict::Improved));
    assert_eq!(satisfaction.verdict, Some(Verdict::Deteriorated));
    // No published ONS4 MID exists; the threshold says it is the deployment's own choice.
    assert_eq!(
        anxiety.mid.map(|mid| mid.origin),
        Some(MidOrigin::Unsourced)
    );
    let unchanged = change(ons4, (&before, &before), "anxiety", &[]);
    assert_eq!(unchanged.verdict, Some(Verdict::NoMeaningfulChange));
}

/// The utility change between two EQ-5D-5L states under `value_set`, for `person`.
fn utility_change(value_set: &ValueSet, before: &str, after: &str, person: &Person) -> Change {
    let eq5d = instrument("eq5d5l");
    let score = |state: &str| {
        eq5d.score(&eq5d_answers(state), person, Some(value_set))
            .expect("scores")
    };
    eq5d.classify(&score(before), &score(after))
        .expect("comparable")
        .into_iter()
        .find(|change| change.code == "utility")
        .expect("the utility is compared")
}

#[test]
fn utility_change_is_judged_against_0_082_on_the_3l_uk_scale() {
    let crosswalk = value_set("vanhout-2012");
    let nobody = Person::unknown();
    // Crosswalk values: 44311 0.586, 44411 0.504; 11153 0.193, 11154 0.112; 14115 0.283,
    // 15115 0.200.
    let cases = [
        ("44411", "44311", "0.082", Verdict::Improved),
        ("44311", "44411", "-0.082", Verdict::Deteriorated),
        ("11154", "11153", "0.081", Verdict::NoMeaningfulChange),
        ("11153", "11154", "-0.081", Verdict::NoMeaningfulChange),
        ("15115", "14115", "0.083", Verdict::Improved),
        ("14115", "15115", "-0.083", Verdict::Deteriorated),
    ];
    for (before, after, delta, verdict) in cases {
        let change = utility_change(crosswalk, before, after, &nobody);
        assert_eq!(change.delta.to_string(), delta, "{before} to {after}");
        assert_eq!(change.verdict, Some(verdict), "{before} to {after}");
        let mid = change.mid.expect("a MID on the 3L UK scale");
        assert_eq!(
            (mid.value, mid.origin),
            (fixed("0.082"), MidOrigin::Published)
        );
    }
}

#[test]
fn utilities_on_the_uk_5l_scale_are_reported_but_not_judged() {
    let change = utility_change(
        value_set("uk-5l-2026"),
        "55555",
        "11111",
        &Person::unknown(),
    );
    assert_eq!(change.delta.to_string(), "1.567");
    assert_eq!((change.mid, change.verdict), (None, None));
}

#[test]
fn utilities_from_different_value_sets_are_refused() {
    let eq5d = instrument("eq5d5l");
    let person = Person::new(AgeBand::From55To64, Sex::Female);
    let score = |value_set: &str| {
        eq5d.score(
            &eq5d_answers("23321"),
            &person,
            Some(crate::helpers::value_set(value_set)),
        )
        .expect("scores")
    };
    let pairs = [
        ("dsu-2023", "vanhout-2012"),
        ("vanhout-2012", "dsu-2023"),
        ("dsu-2023", "uk-5l-2026"),
    ];
    for (before, after) in pairs {
        let (baseline, follow_up) = (score(before), score(after));
        let refused = eq5d.classify(&baseline, &follow_up);
        let expected = ClassifyError::ValueSetsDiffer {
            baseline: value_set(before).reference().clone(),
            follow_up: value_set(after).reference().clone(),
        };
        assert_eq!(refused, Err(expected), "{before} then {after}");
    }
    let without = eq5d
        .score(&eq5d_answers("23321"), &person, None)
        .expect("scores");
    assert_eq!(
        eq5d.classify(&score("dsu-2023"), &without),
        Err(ClassifyError::UtilityOnOneSide { which: "baseline" })
    );
}

#[test]
fn scores_of_another_instrument_are_refused() {
    let (swemwbs, wemwbs) = (instrument("swemwbs"), instrument("wemwbs"));
    let swemwbs_scores = score(swemwbs, &numbered_answers(&[3; 7]));
    let wemwbs_scores = score(wemwbs, &numbered_answers(&[3; 14]));
    let refused = swemwbs.classify(&swemwbs_scores, &wemwbs_scores);
    assert!(
        matches!(
            refused,
            Err(ClassifyError::OtherInstrument {
                which: "follow-up",
                ..
            })
        ),
        "{refused:?}"
    );
}

#[test]
fn overrides_for_unknown_components_or_not_above_zero_are_refused() {
    let swemwbs = instrument("swemwbs");
    let scores = score(swemwbs, &numbered_answers(&[3; 7]));
    // The problem with overriding `code` with `value`.
    let refusal = |code: &str, value: &str| {
        let overrides = BTreeMap::from([(code.to_owned(), fixed(value))]);
        match swemwbs.classify_with(&scores, &scores, &overrides) {
            Err(ClassifyError::Override { component, problem }) => {
                assert_eq!(component, code);
                problem
            }
            other => panic!("expected the override refused, got {other:?}"),
        }
    };
    // SWEMWBS has no total, and no utility.
    for code in ["total", "utility"] {
        assert_eq!(refusal(code, "3"), Problem::UnknownComponent(code.into()));
    }
    for value in ["0", "-1.03"] {
        assert_eq!(refusal("metric", value), Problem::NotPositive(fixed(value)));
    }
}
