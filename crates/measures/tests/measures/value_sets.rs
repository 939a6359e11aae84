//! Properties of the bundled value sets over every state they value, for every age band and
//! sex: utilities within the scale's range, and worse states never valued higher, where that
//! holds.
//!
//! It holds for the additive sets and the crosswalk. It does not hold for the DSU mapping as
//! shipped: its utilities are modelled expectations of a 3L utility, and thousands of
//! single-level worsenings raise them (5L mobility level 5 alone is valued above level 2
//! alone). What does hold for it is tested instead, and the failure of monotonicity is pinned by
//! a test of its own, so that code relying on it is written knowingly.

use measures::{AgeBand, Fixed, HealthState, Person, Sex, ValueSet};

use crate::helpers::{fixed, utility, value_set};

/// Everyone a value set may be asked about: each age band and sex, and (for the sets that
/// need neither) someone about whom nothing is known.
fn people(value_set: &ValueSet) -> Vec<Person> {
    if value_set.reference().id == "dsu-2023" {
        AgeBand::ALL
            .into_iter()
            .flat_map(|band| Sex::ALL.map(|sex| Person::new(band, sex)))
            .collect()
    } else {
        vec![Person::unknown()]
    }
}

/// The utility of every state of the set's system for `person`, by [`HealthState::index`].
fn utilities(value_set: &ValueSet, person: &Person) -> Vec<Fixed> {
    HealthState::all(value_set.levels())
        .map(|state| {
            value_set
                .utility(&state, person)
                .unwrap_or_else(|error| panic!("{state} has a utility: {error}"))
                .value
        })
        .collect()
}

/// `state` one level worse on dimension `dim`, unless it is already at the worst level.
fn worsened(state: HealthState, dim: usize) -> Option<HealthState> {
    let mut dims = state.dims();
    dims[dim] += 1;
    HealthState::new(state.levels(), dims).ok()
}

/// The range of each scale: the 3L UK scale runs from Dolan's 33333 to 1; the UK 5L 2026
/// scale from its published 55555 to 1.
const RANGES: [(&str, &str, &str); 4] = [
    ("dolan-1997", "-0.594", "1.000"),
    ("dsu-2023", "-0.594", "1.000"),
    ("vanhout-2012", "-0.594", "1.000"),
    ("uk-5l-2026", "-0.567", "1.000"),
];

#[test]
fn every_state_for_everyone_lies_within_the_value_sets_range() {
    for (id, low, high) in RANGES {
        let value_set = value_set(id);
        let (low, high) = (fixed(low), fixed(high));
        for person in people(value_set) {
            let utilities = utilities(value_set, &person);
            assert_eq!(utilities.len(), HealthState::count(value_set.levels()));
            for (state, value) in HealthState::all(value_set.levels()).zip(utilities) {
                assert!(
                    (low..=high).contains(&value),
                    "{id} {person:?} {state}: {value} outside {low} to {high}"
                );
                assert_eq!(value.places(), 3, "{id} reports utilities to 3 places");
            }
        }
    }
}

#[test]
fn worsening_one_dimension_never_raises_an_additive_or_crosswalk_utility() {
    for id in ["dolan-1997", "vanhout-2012", "uk-5l-2026"] {
        let value_set = value_set(id);
        let utilities = utilities(value_set, &Person::unknown());
        let mut compared = 0;
        for state in HealthState::all(value_set.levels()) {
            for dim in 0..measures::DIMENSIONS {
                let Some(worse) = worsened(state, dim) else {
                    continue;
                };
                let (before, after) = (utilities[state.index()], utilities[worse.index()]);
                assert!(
                    after <= before,
                    "{id}: {state} is {before} but {worse} is {after}"
                );
                compared += 1;
            }
        }
        // Every state below the worst level on a dimension has a worse neighbour there.
        let levels = usize::from(value_set.levels());
        let expected = HealthState::count(value_set.levels()) / levels * (levels - 1) * 5;
        assert_eq!(compared, expected, "{id}");
    }
}

#[test]
fn under_the_dsu_mapping_full_health_is_best_and_55555_worst_for_everyone() {
    let dsu = value_set("dsu-2023");
    let (best, worst) = (
        HealthState::parse(5, "11111"),
        HealthState::parse(5, "55555"),
    );
    let (best, worst) = (
        best.expect("a state").index(),
        worst.expect("a state").index(),
    );
    for person in people(dsu) {
        let utilities = utilities(dsu, &person);
        let (top, bottom) = (utilities[best], utilities[worst]);
        assert!(
            top < fixed("1"),
            "{person:?}: full health maps below 1, not {top}"
        );
        for (state, value) in HealthState::all(5).zip(&utilities) {
            assert!(
                *value <= top,
                "{person:?}: {state} ({value}) above 11111 ({top})"
            );
            assert!(
                *value >= bottom,
                "{person:?}: {state} ({value}) below 55555 ({bottom})"
            );
        }
        // Worsening every dimension at once, level by level, always lowers the utility.
        let diagonal: Vec<Fixed> = ["11111", "22222", "33333", "44444", "55555"]
            .iter()
            .map(|state| utility(dsu, state, &person))
            .collect();
        assert!(
            diagonal.windows(2).all(|pair| pair[1] < pair[0]),
            "{person:?}: {diagonal:?}"
        );
    }
}

#[test]
fn the_dsu_mapping_is_not_monotone_in_single_dimensions() {
    // A property of the shipped table, recorded so that nothing assumes otherwise: if a
    // corrected table makes this fail, check the new figures against the DSU's own tool and
    // move the mapping into the monotone test above.
    let dsu = value_set("dsu-2023");
    let person = Person::new(AgeBand::From18To34, Sex::Male);
    assert!(utility(dsu, "51111", &person) > utility(dsu, "21111", &person));
    assert!(utility(dsu, "11141", &person) > utility(dsu, "11131", &person));
}

#[test]
fn dsu_utilities_reach_below_minus_0_285() {
    // The EQ-5D data README says DSU outputs lie in [-0.285, 1]; -0.285 is the floor of the
    // 2018 England 5L value set, not of this mapping, whose outputs are 3L UK utilities. As
    // shipped, 55555 maps to about -0.52 to -0.53 in every stratum.
    let dsu = value_set("dsu-2023");
    for person in people(dsu) {
        let worst = utility(dsu, "55555", &person);
        assert!(worst < fixed("-0.500"), "{person:?}: {worst}");
    }
    let oldest_men = Person::new(AgeBand::From65, Sex::Male);
    assert_eq!(utility(dsu, "55555", &oldest_men).to_string(), "-0.532");
}
