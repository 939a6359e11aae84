//! Replaying the same facts, in order and with duplicates, gives the same lines.

use std::collections::BTreeSet;

use super::*;

/// A deterministic stream of facts from a seed (a linear congruential generator: no
/// randomness crate is needed for this).
fn facts_from(seed: u64, count: usize) -> Vec<Fact> {
    let mut state = seed;
    let mut next = move |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below
    };
    (0..count)
        .map(|i| {
            let id = 1_000 + i as u128;
            let who = u128::from(next(6));
            let date = day(4 + next(3) as u32, 1 + next(28) as u32);
            let what = match next(6) {
                0 => What::ReferralAccepted {
                    person: person(who),
                },
                1 => What::EpisodeCompleted {
                    person: person(who),
                },
                2 => What::OutcomeRecorded {
                    person: person(who),
                    instrument: "swemwbs".to_owned(),
                    verdict: [Some(Verdict::Improved), None][next(2) as usize],
                },
                3 => What::MonthElapsed {
                    month: Month::of(day(4 + next(2) as u32, 1)),
                },
                _ => What::SessionAttended {
                    person: person(who),
                    session_id: Uuid::from_u128(u128::from(next(10))),
                    evidence: Evidence::Register,
                },
            };
            let date = match what {
                What::MonthElapsed { month } => month.next().first_day(),
                _ => date,
            };
            fact(id, date, what)
        })
        .collect()
}

#[test]
fn replaying_the_same_facts_yields_identical_lines_even_with_duplicates() {
    let contract = contract(Caps {
        per_person: Some(p(30_000)),
        per_month: Some(p(300_000)),
        total: Some(p(500_000)),
    });
    let mut capped = BTreeSet::new();
    for seed in 1..=25 {
        let facts = facts_from(seed, 60);
        let first = run(&contract, &mut Accrued::default(), &facts);
        let second = run(&contract, &mut Accrued::default(), &facts);
        assert_eq!(first, second, "seed {seed}");
        // Every fact delivered twice (at-least-once delivery) changes nothing.
        let twice: Vec<Fact> = facts.iter().flat_map(|f| [f.clone(), f.clone()]).collect();
        assert_eq!(
            run(&contract, &mut Accrued::default(), &twice),
            first,
            "seed {seed}"
        );
        let ids: BTreeSet<Uuid> = first.iter().map(|line| line.line_id).collect();
        assert_eq!(ids.len(), first.len(), "line ids are unique");
        assert!(first.iter().all(|line| !line.amount.is_negative()));
        capped.extend(first.iter().filter_map(|line| line.capped_by));
    }
    // The facts are enough to make every cap bite somewhere, so replay covers capping too.
    assert_eq!(
        capped,
        BTreeSet::from([Cap::PerPerson, Cap::PerMonth, Cap::Total])
    );
}
