//! Source events entered in error, taken back.

use super::*;

#[test]
fn a_referral_entered_in_error_is_clawed_back_line_by_line_on_a_new_date() {
    let contract = contract(Caps {
        per_person: Some(p(7_000)),
        ..Caps::default()
    });
    let mut accrued = Accrued::default();
    let originals = run(
        &contract,
        &mut accrued,
        &[
            fact(1, day(5, 4), What::ReferralAccepted { person: person(1) }),
            attended(2, 1, 1, day(5, 5)),
            attended(3, 1, 2, day(5, 12)), // capped to £5.00
            attended(4, 1, 3, day(5, 19)), // capped to nothing
            attended(5, 2, 1, day(5, 5)),  // someone else
        ],
    );
    let error = Withdrawal {
        source_event_id: Uuid::from_u128(99),
        date: day(6, 3),
        withdrawn: Withdrawn::Referral(person(1).referral_id),
    };
    let clawbacks = claw_back(&accrued, &error);
    let mut expected: Vec<(Uuid, i64)> = originals[..3]
        .iter()
        .map(|line| (line.line_id, -line.amount.pence()))
        .collect();
    expected.sort();
    let got: Vec<(Uuid, i64)> = clawbacks
        .iter()
        .map(|line| {
            (
                line.clawback_of.expect("cites the original"),
                line.amount.pence(),
            )
        })
        .collect();
    assert_eq!(
        got, expected,
        "each paid line, negated; the zero line has nothing to take"
    );
    for clawback in &clawbacks {
        assert_eq!(clawback.source_event_id, error.source_event_id);
        assert_eq!(clawback.date, day(6, 3));
        assert_eq!(
            clawback.period,
            Month::of(day(5, 1)),
            "frees room where it was used"
        );
        assert_eq!(clawback.subject.as_deref(), Some("nhs-hmac:1"));
    }
    for clawback in &clawbacks {
        accrued.record(clawback);
    }
    assert_eq!(accrued.person("nhs-hmac:1"), Pence::ZERO);
    assert_eq!(accrued.total(), p(1_500));
    assert!(claw_back(&accrued, &error).is_empty(), "taken back once");
    let by_event = Withdrawal {
        source_event_id: Uuid::from_u128(100),
        date: day(6, 4),
        withdrawn: Withdrawn::Event(Uuid::from_u128(5)),
    };
    let one = claw_back(&accrued, &by_event);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].clawback_of, Some(originals[4].line_id));
    assert_eq!(one[0].amount, p(-1_500));
}
