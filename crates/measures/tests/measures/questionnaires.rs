//! Properties of the questionnaires' scores over their answer spaces: every SWEMWBS response,
//! every UCLA-3 response, every ONS4 score; for WEMWBS, whose 5^14 responses are too many, its
//! extremes, every total and a fixed sample.

use measures::{Answers, Fixed, Person};

use crate::helpers::{Sequence, fixed, instrument, numbered_answers, numbered_totalling};

/// The SWEMWBS response numbered `code` in base 5: item 1 is the most significant digit.
fn swemwbs_values(mut code: usize) -> [i64; 7] {
    let mut values = [1; 7];
    for value in values.iter_mut().rev() {
        // `code % 5` is below 5.
        *value += i64::try_from(code % 5).expect("a digit");
        code /= 5;
    }
    values
}

#[test]
fn every_swemwbs_response_scores_within_7_to_35_and_no_raise_lowers_it() {
    let swemwbs = instrument("swemwbs");
    let count = 5_usize.pow(7);
    let mut metrics: Vec<Fixed> = Vec::with_capacity(count);
    for code in 0..count {
        let values = swemwbs_values(code);
        let scores = swemwbs
            .score(&numbered_answers(&values), &Person::unknown(), None)
            .expect("every response scores");
        let raw = scores.component("raw").expect("a raw score").value;
        let metric = scores.component("metric").expect("a metric score").value;
        assert_eq!(raw, Fixed::integer(values.iter().sum()), "{values:?}");
        assert!(
            (fixed("7.00")..=fixed("35.00")).contains(&metric),
            "{values:?}: {metric}"
        );
        metrics.push(metric);
    }
    for (code, metric) in metrics.iter().enumerate() {
        let values = swemwbs_values(code);
        for item in 0..7 {
            if values[item] == 5 {
                continue;
            }
            // Raising item `item` by one adds its place value, 5^(6 - item), to the code.
            let raised = code + 5_usize.pow(u32::try_from(6 - item).expect("small"));
            assert!(
                metrics[raised] >= *metric,
                "raising item {} of {values:?} lowered the metric",
                item + 1
            );
        }
    }
}

#[test]
fn wemwbs_totals_run_from_14_to_70_and_count_every_point() {
    let wemwbs = instrument("wemwbs");
    let total = |answers: &Answers| {
        wemwbs
            .score(answers, &Person::unknown(), None)
            .expect("scores")
            .component("total")
            .expect("a total")
            .value
    };
    assert_eq!(total(&numbered_answers(&[1; 14])), Fixed::integer(14));
    assert_eq!(total(&numbered_answers(&[5; 14])), Fixed::integer(70));
    // Every total is reachable, and scored as itself.
    for expected in 14..=70 {
        let answers = numbered_totalling(14, expected);
        assert_eq!(total(&answers), Fixed::integer(expected), "{answers:?}");
    }
    // A fixed sample: the total is the sum, and raising any one item adds exactly one.
    let mut sequence = Sequence::new(0x5EED);
    for _ in 0..2_000 {
        let values: Vec<i64> = (0..14)
            .map(|_| 1 + i64::try_from(sequence.below(5)).expect("small"))
            .collect();
        let sum: i64 = values.iter().sum();
        assert_eq!(
            total(&numbered_answers(&values)),
            Fixed::integer(sum),
            "{values:?}"
        );
        let item = usize::try_from(sequence.below(14)).expect("small");
        if values[item] < 5 {
            let mut raised = values.clone();
            raised[item] += 1;
            let answers = numbered_answers(&raised);
            assert_eq!(total(&answers), Fixed::integer(sum + 1), "{raised:?}");
        }
    }
}

/// The ONS thresholds for the three positively worded items, and for anxiety.
const POSITIVE_BANDS: [(i64, i64, &str); 4] = [
    (0, 4, "low"),
    (5, 6, "medium"),
    (7, 8, "high"),
    (9, 10, "very-high"),
];
const ANXIETY_BANDS: [(i64, i64, &str); 4] = [
    (0, 1, "very-low"),
    (2, 3, "low"),
    (4, 5, "medium"),
    (6, 10, "high"),
];

#[test]
fn ons4_bands_every_score_from_0_to_10_once_as_ons_publishes() {
    let ons4 = instrument("ons4");
    let items = [
        ("satisfied", "life-satisfaction", POSITIVE_BANDS),
        ("worthwhile", "worthwhile", POSITIVE_BANDS),
        ("happy", "happiness", POSITIVE_BANDS),
        ("anxious", "anxiety", ANXIETY_BANDS),
    ];
    for (link_id, code, bands) in items {
        let rule = ons4
            .rules()
            .iter()
            .find(|rule| rule.code() == code)
            .expect("a rule per item");
        let measures::Rule::Item { bands: defined, .. } = rule else {
            panic!("{code} is reported on its own, never summed");
        };
        for score in 0..=10 {
            let containing = defined
                .iter()
                .filter(|band| (band.min..=band.max).contains(&score))
                .count();
            assert_eq!(containing, 1, "{code}: {score} is in {containing} bands");
            let expected = bands
                .iter()
                .find(|(min, max, _)| (*min..=*max).contains(&score))
                .map(|(_, _, label)| *label);
            let answers = ["satisfied", "worthwhile", "happy", "anxious"]
                .into_iter()
                .map(|item| (item, if item == link_id { score } else { 5 }))
                .collect::<Answers>();
            let scores = ons4
                .score(&answers, &Person::unknown(), None)
                .expect("scores");
            let component = scores.component(code).expect("reported");
            assert_eq!(component.value, Fixed::integer(score));
            assert_eq!(component.band.as_deref(), expected, "{code} {score}");
        }
    }
}

#[test]
fn ons4_items_are_reported_separately_and_never_summed() {
    let ons4 = instrument("ons4");
    let answers: Answers = [
        ("satisfied", 7),
        ("worthwhile", 8),
        ("happy", 6),
        ("anxious", 3),
    ]
    .into_iter()
    .collect();
    let scores = ons4
        .score(&answers, &Person::unknown(), None)
        .expect("scores");
    let codes: Vec<&str> = scores.components.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        codes,
        ["life-satisfaction", "worthwhile", "happiness", "anxiety"]
    );
}

#[test]
fn every_ucla3_response_totals_3_to_9_with_the_direct_question_beside_it() {
    let ucla3 = instrument("ucla3");
    let options = [("hardly-ever", 1), ("some-of-the-time", 2), ("often", 3)];
    let lonely = [
        None,
        Some(("never", 1)),
        Some(("hardly-ever", 2)),
        Some(("occasionally", 3)),
        Some(("some-of-the-time", 4)),
        Some(("often-always", 5)),
    ];
    let mut responses = 0;
    for a in options {
        for b in options {
            for c in options {
                for direct in lonely {
                    let mut answers = Answers::new()
                        .with("companionship", a.0)
                        .with("left-out", b.0)
                        .with("isolated", c.0);
                    if let Some((code, _)) = direct {
                        answers.insert("lonely", code);
                    }
                    let scores = ucla3
                        .score(&answers, &Person::unknown(), None)
                        .expect("every response scores");
                    let total = scores.component("total").expect("a total").value;
                    assert_eq!(total, Fixed::integer(a.1 + b.1 + c.1));
                    assert!((Fixed::integer(3)..=Fixed::integer(9)).contains(&total));
                    let reported = scores.component("lonely");
                    assert_eq!(
                        reported.map(|c| c.value),
                        direct.map(|d| Fixed::integer(d.1))
                    );
                    assert_eq!(
                        reported.and_then(|c| c.band.as_deref()),
                        direct.map(|d| d.0),
                        "the direct question's band is its answer"
                    );
                    responses += 1;
                }
            }
        }
    }
    assert_eq!(responses, 27 * 6);
}
