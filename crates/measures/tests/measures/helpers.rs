//! What the tests share: the bundled catalogue (built once: it parses some 34,000 table rows),
//! lookups that fail loudly when the bundled data lacks what a test needs, and answer builders.

use std::sync::OnceLock;

use measures::{Answers, Catalogue, Fixed, HealthState, Instrument, Person, ValueSet};

/// The bundled catalogue, shared by every test in the binary.
pub(crate) fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue::bundled().expect("the bundled data loads"))
}

/// The latest bundled version of instrument `id`.
pub(crate) fn instrument(id: &str) -> &'static Instrument {
    catalogue()
        .latest_instrument(id)
        .unwrap_or_else(|| panic!("instrument {id} is bundled"))
}

/// The latest bundled version of value set `id`.
pub(crate) fn value_set(id: &str) -> &'static ValueSet {
    catalogue()
        .latest_value_set(id)
        .unwrap_or_else(|| panic!("value set {id} is bundled"))
}

/// `text` as a decimal.
pub(crate) fn fixed(text: &str) -> Fixed {
    text.parse()
        .unwrap_or_else(|_| panic!("{text:?} is a decimal"))
}

/// The utility of `state` (five digits, in the value set's system) for `person`.
pub(crate) fn utility(value_set: &ValueSet, state: &str, person: &Person) -> Fixed {
    let state = HealthState::parse(value_set.levels(), state)
        .unwrap_or_else(|_| panic!("{state} is a state of the value set's system"));
    value_set
        .utility(&state, person)
        .unwrap_or_else(|error| panic!("{state} has a utility: {error}"))
        .value
}

/// The EQ-5D-5L item `linkId`s, in state order.
pub(crate) const EQ5D_DIMENSIONS: [&str; 5] = [
    "mobility",
    "self-care",
    "usual-activities",
    "pain-discomfort",
    "anxiety-depression",
];

/// EQ-5D-5L answers for `state` (five digits 1–5), without the VAS.
pub(crate) fn eq5d_answers(state: &str) -> Answers {
    EQ5D_DIMENSIONS
        .iter()
        .zip(state.bytes())
        .map(|(link_id, digit)| (*link_id, i64::from(digit - b'0')))
        .collect()
}

/// Answers to items `1`, `2`, … (the (S)WEMWBS `linkId`s) with `values` in order.
pub(crate) fn numbered_answers(values: &[i64]) -> Answers {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| ((index + 1).to_string(), *value))
        .collect()
}

/// Answers to `items` numbered items, each 1 to 5, totalling `total`: items are filled from the
/// first, each up to 5, so every total from `items` to `5 * items` has exactly one such answer.
pub(crate) fn numbered_totalling(items: usize, total: i64) -> Answers {
    let mut left = total - i64::try_from(items).expect("a few items");
    let values: Vec<i64> = (0..items)
        .map(|_| {
            let extra = left.clamp(0, 4);
            left -= extra;
            1 + extra
        })
        .collect();
    numbered_answers(&values)
}

/// A small deterministic pseudo-random sequence (xorshift64*), for samples that must be the
/// same on every run so a failure can be reproduced.
#[derive(Debug)]
pub(crate) struct Sequence(u64);

impl Sequence {
    /// A sequence from a fixed, non-zero seed.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next value in `0..bound`.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}
