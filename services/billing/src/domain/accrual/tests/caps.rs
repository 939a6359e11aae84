//! The caps, alone and in their order.

use super::*;

#[test]
fn the_per_person_cap_stops_one_persons_money_and_records_what_it_cut() {
    let contract = contract(Caps {
        per_person: Some(p(4_000)),
        ..Caps::default()
    });
    let mut accrued = Accrued::default();
    let lines = run(
        &contract,
        &mut accrued,
        &[
            attended(1, 1, 1, day(5, 5)),
            attended(2, 1, 2, day(5, 12)),
            attended(3, 1, 3, day(5, 19)),
            attended(4, 1, 4, day(6, 2)),
            attended(5, 2, 4, day(6, 2)),
        ],
    );
    assert_eq!(
        amounts(&lines),
        [
            (1_500, None),
            (1_500, None),
            (1_000, Some(Cap::PerPerson)),
            (0, Some(Cap::PerPerson)),
            (1_500, None),
        ]
    );
    assert_eq!(
        lines[3].tariff,
        p(1_500),
        "a zero line keeps what the tariff said"
    );
    assert_eq!(accrued.person("nhs-hmac:1"), p(4_000));
}

#[test]
fn the_per_month_cap_counts_everyone_in_the_month_and_resets_the_next() {
    let contract = contract(Caps {
        per_month: Some(p(4_000)),
        ..Caps::default()
    });
    let mut accrued = Accrued::default();
    let lines = run(
        &contract,
        &mut accrued,
        &[
            attended(1, 1, 1, day(5, 5)),
            attended(2, 2, 1, day(5, 5)),
            attended(3, 3, 1, day(5, 5)),
            attended(4, 4, 2, day(6, 2)),
        ],
    );
    assert_eq!(
        amounts(&lines),
        [
            (1_500, None),
            (1_500, None),
            (1_000, Some(Cap::PerMonth)),
            (1_500, None)
        ]
    );
}

#[test]
fn the_contract_total_caps_across_months_and_a_block() {
    let contract = contract(Caps {
        total: Some(p(400_000)),
        ..Caps::default()
    });
    let mut accrued = Accrued::default();
    let lines = run(
        &contract,
        &mut accrued,
        &[
            fact(
                1,
                day(5, 1),
                What::MonthElapsed {
                    month: Month::of(day(4, 1)),
                },
            ),
            fact(2, day(5, 2), What::ReferralAccepted { person: person(1) }),
            fact(
                3,
                day(6, 1),
                What::MonthElapsed {
                    month: Month::of(day(5, 1)),
                },
            ),
            fact(4, day(6, 2), What::ReferralAccepted { person: person(2) }),
        ],
    );
    assert_eq!(
        amounts(&lines),
        [
            (310_000, None),
            (5_000, None),
            (85_000, Some(Cap::Total)),
            (0, Some(Cap::Total)),
        ]
    );
    assert_eq!(accrued.total(), p(400_000));
}

#[test]
fn caps_apply_per_person_then_per_month_then_total_and_name_the_last_that_cut() {
    // Each case: what has accrued for the person, in the month and in all, before a £15.00
    // session, under caps of £20.00 per person, £30.00 per month and £50.00 in all.
    let caps = Caps {
        per_person: Some(p(2_000)),
        per_month: Some(p(3_000)),
        total: Some(p(5_000)),
    };
    for (person_so_far, month_so_far, total_so_far, expected) in [
        (1_000, 2_500, 2_500, (500, Some(Cap::PerMonth))), // person leaves 10, month 5
        (1_500, 2_000, 2_000, (500, Some(Cap::PerPerson))), // person leaves 5, month 10
        (1_500, 2_500, 2_500, (500, Some(Cap::PerPerson))), // both leave 5: the first names it
        (0, 0, 4_800, (200, Some(Cap::Total))),
        (2_500, 0, 2_500, (0, Some(Cap::PerPerson))), // over already: nothing, never negative
        (0, 0, 0, (1_500, None)),
    ] {
        let mut room = Room {
            person: Some(p(person_so_far)),
            month: p(month_so_far),
            total: p(total_so_far),
        };
        let (amount, cap) = room.take(&caps, p(1_500));
        assert_eq!(
            (amount.pence(), cap),
            expected,
            "{person_so_far}/{month_so_far}/{total_so_far}"
        );
        assert_eq!(room.total, p(total_so_far + amount.pence()));
    }
    // And through accrue: one person at £10.00 in June, the month at £25.00.
    let contract = contract(caps);
    let mut accrued = Accrued::default();
    run(
        &contract,
        &mut accrued,
        &[attended(1, 1, 1, day(6, 1)), attended(2, 2, 1, day(6, 1))],
    );
    let lines = run(
        &contract,
        &mut accrued,
        &[attended(3, 3, 1, day(6, 2)), attended(4, 1, 2, day(6, 3))],
    );
    assert_eq!(
        amounts(&lines),
        [(0, Some(Cap::PerMonth)), (0, Some(Cap::PerMonth))]
    );
}
