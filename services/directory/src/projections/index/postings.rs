//! Which services carry a term or a word, by slot number, and sets of services as bits.
//!
//! A query's needs and words name a few posting lists; their union, as a bit per service
//! slot, is a few kilobytes that stay in cache while the radius scan tests every place near
//! the person against it. Lists are sorted so a service is added and removed by binary
//! search; services are numbered in the order they are first listed, so a replay only ever
//! appends.

/// Per key slot (a term or a word), the sorted service slots that carry it.
#[derive(Debug, Default)]
pub(super) struct Postings {
    lists: Vec<Vec<u32>>,
}

impl Postings {
    /// Records that `service` carries `key`.
    pub(super) fn add(&mut self, key: u32, service: u32) {
        let index = key as usize;
        if self.lists.len() <= index {
            self.lists.resize_with(index + 1, Vec::new);
        }
        let list = &mut self.lists[index];
        if let Err(at) = list.binary_search(&service) {
            list.insert(at, service);
        }
    }

    /// Records that `service` no longer carries `key`.
    pub(super) fn remove(&mut self, key: u32, service: u32) {
        if let Some(list) = self.lists.get_mut(key as usize)
            && let Ok(at) = list.binary_search(&service)
        {
            list.remove(at);
        }
    }

    /// The services carrying `key`, ascending.
    pub(super) fn get(&self, key: u32) -> &[u32] {
        self.lists.get(key as usize).map_or(&[], Vec::as_slice)
    }
}

/// A set of service slots, one bit each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SlotSet {
    bits: Vec<u64>,
}

impl SlotSet {
    /// An empty set able to hold slots below `slots`.
    pub(super) fn new(slots: usize) -> Self {
        Self {
            bits: vec![0; slots.div_ceil(64)],
        }
    }

    /// Adds every slot of `slots` (each below the size the set was made for).
    pub(super) fn extend(&mut self, slots: &[u32]) {
        for slot in slots {
            if let Some(word) = self.bits.get_mut(*slot as usize / 64) {
                *word |= 1 << (slot % 64);
            }
        }
    }

    /// Whether `slot` is in the set.
    pub(super) fn contains(&self, slot: u32) -> bool {
        self.bits
            .get(slot as usize / 64)
            .is_some_and(|word| word & (1 << (slot % 64)) != 0)
    }

    /// The slots in the set, ascending.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(at, word)| {
            let base = at as u32 * 64;
            let mut rest = *word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some(base + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Postings, SlotSet};

    #[test]
    fn postings_stay_sorted_without_duplicates() {
        let mut postings = Postings::default();
        for service in [5, 1, 9, 1, 3] {
            postings.add(2, service);
        }
        assert_eq!(postings.get(2), [1, 3, 5, 9]);
        postings.remove(2, 5);
        postings.remove(2, 7);
        postings.remove(40, 1);
        assert_eq!(postings.get(2), [1, 3, 9]);
        assert!(postings.get(0).is_empty() && postings.get(99).is_empty());
    }

    #[test]
    fn a_slot_set_holds_exactly_what_was_added() {
        let mut set = SlotSet::new(200);
        set.extend(&[0, 63, 64, 130, 199]);
        set.extend(&[64, 500]);
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 63, 64, 130, 199]);
        assert!(set.contains(130) && !set.contains(131) && !set.contains(500));
    }
}
