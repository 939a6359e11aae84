//! Answers that do not fit an instrument are refused, each with an error naming the item
//! (its `linkId`) and what it expects, never the answer given: errors are logged and returned
//! to callers, and answers are health data.

use measures::{AnswerError, AnswerKind, Answers, Instrument, Person, ScoreError};

use crate::helpers::{eq5d_answers, instrument, numbered_answers, value_set};

/// Checks that `answers` are refused by both `check` and `score` with `expected`, and that
/// the message starts with the item's `linkId`.
fn refused(instrument: &Instrument, answers: &Answers, expected: AnswerError) {
    assert_eq!(instrument.check(answers), Err(expected.clone()));
    let scored = instrument.score(answers, &Person::unknown(), None);
    assert_eq!(scored, Err(ScoreError::Answers(expected.clone())));
    let link_id = match &expected {
        AnswerError::UnknownItem { link_id }
        | AnswerError::Missing { link_id }
        | AnswerError::WrongType { link_id, .. }
        | AnswerError::OutOfRange { link_id, .. }
        | AnswerError::UnknownOption { link_id } => link_id,
    };
    let message = expected.to_string();
    assert!(message.starts_with(&format!("{link_id}: ")), "{message}");
}

fn ons4_answers() -> Answers {
    [
        ("satisfied", 7),
        ("worthwhile", 8),
        ("happy", 6),
        ("anxious", 3),
    ]
    .into_iter()
    .collect()
}

fn ucla3_answers() -> Answers {
    Answers::new()
        .with("companionship", "hardly-ever")
        .with("left-out", "some-of-the-time")
        .with("isolated", "often")
}

#[test]
fn a_required_item_left_unanswered_is_refused() {
    let mut answers = ons4_answers();
    answers.remove("happy");
    let link_id = "happy".to_owned();
    refused(
        instrument("ons4"),
        &answers,
        AnswerError::Missing { link_id },
    );

    let answers = numbered_answers(&[3; 6]);
    let link_id = "7".to_owned();
    refused(
        instrument("swemwbs"),
        &answers,
        AnswerError::Missing { link_id },
    );
}

#[test]
fn an_unknown_item_is_refused_before_a_missing_one() {
    // A misspelt key would otherwise be reported as the real item missing.
    let mut answers = ons4_answers();
    let happy = answers.remove("happy").expect("answered");
    answers.insert("hapy", happy);
    let link_id = "hapy".to_owned();
    refused(
        instrument("ons4"),
        &answers,
        AnswerError::UnknownItem { link_id },
    );
}

#[test]
fn an_integer_outside_the_items_scale_is_refused() {
    let ons4 = instrument("ons4");
    for value in [-1, 11] {
        let answers = ons4_answers().with("anxious", value);
        let link_id = "anxious".to_owned();
        refused(
            ons4,
            &answers,
            AnswerError::OutOfRange {
                link_id,
                min: 0,
                max: 10,
            },
        );
    }
    let swemwbs = instrument("swemwbs");
    for value in [0, 6] {
        let answers = numbered_answers(&[3, 3, value, 3, 3, 3, 3]);
        let link_id = "3".to_owned();
        refused(
            swemwbs,
            &answers,
            AnswerError::OutOfRange {
                link_id,
                min: 1,
                max: 5,
            },
        );
    }
}

#[test]
fn eq5d_levels_0_and_6_and_vas_101_are_refused() {
    let eq5d = instrument("eq5d5l");
    for level in [0, 6] {
        let answers = eq5d_answers("11111").with("pain-discomfort", level);
        let link_id = "pain-discomfort".to_owned();
        refused(
            eq5d,
            &answers,
            AnswerError::OutOfRange {
                link_id,
                min: 1,
                max: 5,
            },
        );
    }
    for vas in [-1, 101] {
        let answers = eq5d_answers("11111").with("vas", vas);
        let link_id = "vas".to_owned();
        refused(
            eq5d,
            &answers,
            AnswerError::OutOfRange {
                link_id,
                min: 0,
                max: 100,
            },
        );
    }
    // The answers are checked before any value set is consulted.
    let answers = eq5d_answers("11111").with("mobility", 6);
    let scored = eq5d.score(
        &answers,
        &Person::unknown(),
        Some(value_set("vanhout-2012")),
    );
    assert!(matches!(
        scored,
        Err(ScoreError::Answers(AnswerError::OutOfRange { .. }))
    ));
}

#[test]
fn answers_of_the_wrong_kind_are_refused_both_ways() {
    let answers = ons4_answers().with("satisfied", "high");
    let (link_id, expected) = ("satisfied".to_owned(), AnswerKind::Integer);
    refused(
        instrument("ons4"),
        &answers,
        AnswerError::WrongType { link_id, expected },
    );

    let answers = ucla3_answers().with("left-out", 2);
    let (link_id, expected) = ("left-out".to_owned(), AnswerKind::Code);
    refused(
        instrument("ucla3"),
        &answers,
        AnswerError::WrongType { link_id, expected },
    );
}

#[test]
fn a_code_that_is_not_one_of_the_items_options_is_refused() {
    let ucla3 = instrument("ucla3");
    let answers = ucla3_answers().with("isolated", "always");
    let link_id = "isolated".to_owned();
    refused(ucla3, &answers, AnswerError::UnknownOption { link_id });
    // Optional items are checked too when answered: "often" is a UCLA option, not an ONS one.
    let answers = ucla3_answers().with("lonely", "often");
    let link_id = "lonely".to_owned();
    refused(ucla3, &answers, AnswerError::UnknownOption { link_id });
}

#[test]
fn an_item_answered_twice_in_json_is_refused_naming_it() {
    let json = r#"{"satisfied": 7, "worthwhile": 8, "happy": 6, "anxious": 3, "happy": 9}"#;
    let error = serde_json::from_str::<Answers>(json).expect_err("a repeated item");
    // serde_json appends where in the text the fault is; what precedes it is ours.
    let message = error.to_string();
    let (ours, _) = message.split_once(" at line ").expect("a position");
    assert_eq!(ours, "happy: answered more than once");
}

#[test]
fn errors_never_repeat_the_answer_given() {
    let ons4 = instrument("ons4");
    let answers = ons4_answers().with("anxious", 987_654);
    let message = ons4.check(&answers).expect_err("out of range").to_string();
    assert_eq!(message, "anxious: expected a whole number from 0 to 10");
    let ucla3 = instrument("ucla3");
    let answers = ucla3_answers().with("isolated", "my-secret");
    let message = ucla3
        .check(&answers)
        .expect_err("unknown option")
        .to_string();
    assert_eq!(message, "isolated: not one of the item's options");
}

#[test]
fn optional_items_may_be_left_unanswered() {
    let eq5d = instrument("eq5d5l");
    let scores = eq5d
        .score(&eq5d_answers("12345"), &Person::unknown(), None)
        .expect("the VAS is optional");
    assert!(scores.component("vas").is_none());
    assert!(scores.utility.is_none(), "no value set, no utility");
    let ucla3 = instrument("ucla3");
    let scores = ucla3
        .score(&ucla3_answers(), &Person::unknown(), None)
        .expect("the direct question is optional");
    assert!(scores.component("lonely").is_none());
}
