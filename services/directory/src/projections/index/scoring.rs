//! A query turned into slot numbers once, so that each candidate service is judged from its
//! compact part: the cheap filters on its gate, then relevance from its terms and words.
//!
//! Relevance is needs met (each worth [`NEED_WEIGHT`]) plus, per query word, the better of its
//! weight in the service's own text and [`TERM_NAME_WEIGHT`] if one of the service's terms is
//! named with it. A query with needs drops services meeting none; one with words drops
//! services matching none.

use super::DirectoryIndex;
use super::compact::{Facts, Gate};
use super::postings::SlotSet;
use super::search::Query;
use super::text;

/// Needs met count more than any number of matching words: meeting the need is the point.
const NEED_WEIGHT: u32 = 100;
/// A query word in the name of one of the service's terms.
const TERM_NAME_WEIGHT: u32 = 2;

/// One query word: its slot, if any service has it, and the terms named with it.
#[derive(Debug)]
struct Word {
    slot: Option<u32>,
    /// Term slots, sorted.
    terms: Vec<u32>,
}

/// What a query asks of a service's facts.
#[derive(Debug)]
pub(super) struct Scoring {
    include_inactive: bool,
    takes_referrals: bool,
    with_capacity: bool,
    age: Option<u8>,
    /// Term slots of the needs and everything narrower, sorted; empty when no needs asked.
    needs: Vec<u32>,
    words: Vec<Word>,
}

impl Scoring {
    /// The query's filters and ranking in slots; `None` when no service can match (needs
    /// asked for under which nothing is classified).
    pub(super) fn new(index: &DirectoryIndex, query: &Query) -> Option<Self> {
        let term_slots = |terms: &mut dyn Iterator<Item = &String>| {
            let mut slots: Vec<u32> = terms
                .filter_map(|term| index.term_slots.get(term))
                .collect();
            slots.sort_unstable();
            slots.dedup();
            slots
        };
        let asked = index.needs_with_narrower(&query.taxonomy_terms);
        let needs = term_slots(&mut asked.iter().copied());
        if !asked.is_empty() && needs.is_empty() {
            return None;
        }
        let mut words: Vec<String> = query
            .text
            .as_deref()
            .map_or_else(Vec::new, |text| text::words(text).collect());
        words.sort_unstable();
        words.dedup();
        let words = words
            .iter()
            .map(|word| Word {
                slot: index.word_slots.get(word),
                terms: term_slots(&mut index.terms_by_word.get(word).into_iter().flatten()),
            })
            .collect();
        Some(Self {
            include_inactive: query.include_inactive,
            takes_referrals: query.takes_referrals,
            with_capacity: query.with_capacity,
            age: query.age,
            needs,
            words,
        })
    }

    /// Every service that can match, when needs or words narrow them down; `None` means
    /// any service may.
    pub(super) fn candidates(&self, index: &DirectoryIndex) -> Option<SlotSet> {
        let mut set = SlotSet::new(index.facts.len());
        if !self.needs.is_empty() {
            for need in &self.needs {
                set.extend(index.services_by_term.get(*need));
            }
        } else if !self.words.is_empty() {
            for word in &self.words {
                if let Some(slot) = word.slot {
                    set.extend(index.services_by_word.get(slot));
                }
                for term in &word.terms {
                    set.extend(index.services_by_term.get(*term));
                }
            }
        } else {
            return None;
        }
        Some(set)
    }

    /// Whether a service with this gate passes the standing, referral, capacity and age
    /// filters.
    pub(super) fn admits(&self, gate: &Gate) -> bool {
        (self.include_inactive || gate.active)
            && (!self.takes_referrals || gate.takes_referrals)
            && (!self.with_capacity || !gate.full)
            && self.age.is_none_or(|age| {
                gate.minimum_age.is_none_or(|min| age >= min)
                    && gate.maximum_age.is_none_or(|max| age <= max)
            })
    }

    /// The service's relevance, or `None` when it meets none of the needs or none of the
    /// words asked for. (The gate is [`Self::admits`]'s business.)
    pub(super) fn relevance(&self, facts: &Facts) -> Option<u32> {
        if self.needs.is_empty() && self.words.is_empty() {
            return Some(0); // a listing: nothing to rank by, and no need to read the facts
        }
        let any_of =
            |wanted: &[u32]| (facts.terms.iter()).any(|slot| wanted.binary_search(slot).is_ok());
        let needs_met = (facts.terms.iter())
            .filter(|term| self.needs.binary_search(term).is_ok())
            .count() as u32;
        if !self.needs.is_empty() && needs_met == 0 {
            return None;
        }
        let mut word_score = 0;
        for word in &self.words {
            let in_text = word.slot.map_or(0, |slot| facts.word_weight(slot));
            let in_terms = if any_of(&word.terms) {
                TERM_NAME_WEIGHT
            } else {
                0
            };
            word_score += in_text.max(in_terms);
        }
        if !self.words.is_empty() && word_score == 0 {
            return None;
        }
        Some(needs_met * NEED_WEIGHT + word_score)
    }
}
