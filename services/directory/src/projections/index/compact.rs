//! The part of the index every search reads first: a few bytes of facts per service in a dense
//! array, and every place a service is delivered, with its point, in a fine grid.
//!
//! Services, terms and words are numbered (slots) in the order first seen. Looking records up
//! by id string for thousands of candidates cost a hash and several cache misses each (about
//! 3 µs a service at 50,000 services, docs/benchmarks.md). Here a candidate is a slot number:
//! its places are contiguous in their cells with the filters' gate beside them, its facts one
//! array index away, and its needs and words small sorted integer lists, so every filter runs
//! before its full record is touched.

use std::collections::HashMap;

use crate::domain::geo::Point;
use crate::domain::service::{Listed, Standing};

/// Grid cell size in degrees (about 1.1 km north–south): small enough that a 5 km circle's
/// cells hold few places outside it.
const CELL: f64 = 0.01;

/// A dense number for a string id (a service, a term, a word), given on first sight.
#[derive(Debug, Default)]
pub(super) struct Slots {
    of: HashMap<String, u32>,
}

impl Slots {
    /// The slot of `name`, giving it one if it has none.
    pub(super) fn slot(&mut self, name: &str) -> u32 {
        if let Some(slot) = self.of.get(name) {
            return *slot;
        }
        let slot = self.of.len() as u32;
        self.of.insert(name.to_owned(), slot);
        slot
    }

    /// The slot of `name`, if it has one.
    pub(super) fn get(&self, name: &str) -> Option<u32> {
        self.of.get(name).copied()
    }
}

/// The few facts most searches filter on, copied beside each of the service's places so that
/// a scan rejects a place without leaving its cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Gate {
    pub(super) active: bool,
    pub(super) takes_referrals: bool,
    /// Known to have no places (full, or only a waiting list).
    pub(super) full: bool,
    pub(super) minimum_age: Option<u8>,
    pub(super) maximum_age: Option<u8>,
}

impl Gate {
    /// The gate of a service as listed.
    pub(super) fn of(listed: &Listed) -> Self {
        let details = &listed.details;
        Self {
            active: listed.standing == Standing::Active,
            takes_referrals: details.takes_referrals,
            full: listed.capacity.as_ref().is_some_and(|c| c.available == 0),
            minimum_age: details.minimum_age,
            maximum_age: details.maximum_age,
        }
    }
}

/// What relevance reads about a service: its needs and its words.
#[derive(Debug, Clone, Default)]
pub(super) struct Facts {
    /// Term slots, sorted.
    pub(super) terms: Vec<u32>,
    /// Word slots of its name, description and eligibility with their weights, by slot.
    pub(super) words: Vec<(u32, u32)>,
}

impl Facts {
    /// The weight of word `slot` in its text, 0 if it is not there.
    pub(super) fn word_weight(&self, slot: u32) -> u32 {
        self.words
            .binary_search_by_key(&slot, |(word, _)| *word)
            .map_or(0, |at| self.words[at].1)
    }
}

/// One place a service is delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    service: u32,
    point: Point,
    gate: Gate,
}

type Cell = (i32, i32);

fn cell_of(point: Point) -> Cell {
    (
        (point.latitude / CELL).floor() as i32,
        (point.longitude / CELL).floor() as i32,
    )
}

/// Every service's places in a grid of [`CELL`]-degree cells.
#[derive(Debug, Default)]
pub(super) struct Places {
    cells: HashMap<Cell, Vec<Placed>>,
    /// Per service slot, the points it is placed at (to take them out again).
    of_service: Vec<Vec<Point>>,
}

impl Places {
    /// Places service `slot` at `points`, replacing wherever it was.
    pub(super) fn place(&mut self, slot: u32, points: Vec<Point>, gate: Gate) {
        let index = slot as usize;
        if self.of_service.len() <= index {
            self.of_service.resize_with(index + 1, Vec::new);
        }
        for old in std::mem::take(&mut self.of_service[index]) {
            let cell = cell_of(old);
            if let Some(placed) = self.cells.get_mut(&cell) {
                if let Some(at) = placed
                    .iter()
                    .position(|p| p.service == slot && p.point == old)
                {
                    placed.swap_remove(at);
                }
                if placed.is_empty() {
                    self.cells.remove(&cell);
                }
            }
        }
        for point in &points {
            self.cells.entry(cell_of(*point)).or_default().push(Placed {
                service: slot,
                point: *point,
                gate,
            });
        }
        self.of_service[index] = points;
    }

    /// Calls `visit(service, metres)` for every place within `within` metres of `from` that
    /// `admit(service, gate)` lets through.
    pub(super) fn within(
        &self,
        from: Point,
        within: f64,
        admit: impl Fn(u32, &Gate) -> bool,
        mut visit: impl FnMut(u32, f64),
    ) {
        // One degree of latitude is ~111 km; a degree of longitude shrinks with cos(latitude).
        let dlat = within / 111_000.0;
        let dlon = within / (111_000.0 * from.latitude.to_radians().cos().max(0.01));
        let span = |centre: f64, half: f64| {
            ((centre - half) / CELL).floor() as i32..=((centre + half) / CELL).floor() as i32
        };
        let rows = span(from.latitude, dlat);
        let columns = span(from.longitude, dlon);
        let covered =
            (rows.end() - rows.start() + 1) as u64 * (columns.end() - columns.start() + 1) as u64;
        // A flat-earth distance, within a fraction of a percent of the great circle at these
        // ranges, rejects the bounding box's corners before any trigonometry; the haversine
        // decides what is left. The margin keeps the approximation from rejecting a place the
        // haversine would admit.
        let metres_per_degree = 111_195.0;
        let squeeze = from.latitude.to_radians().cos();
        let reach = (within * 1.01 + 10.0).powi(2);
        let mut scan = |placed: &Vec<Placed>| {
            for place in placed {
                let north = (place.point.latitude - from.latitude) * metres_per_degree;
                let east = (place.point.longitude - from.longitude) * metres_per_degree * squeeze;
                if north * north + east * east > reach || !admit(place.service, &place.gate) {
                    continue;
                }
                let metres = from.distance_m(place.point);
                if metres <= within {
                    visit(place.service, metres);
                }
            }
        };
        if covered > self.cells.len() as u64 {
            // A circle wider than the directory: walk the occupied cells instead.
            for ((row, column), placed) in &self.cells {
                if rows.contains(row) && columns.contains(column) {
                    scan(placed);
                }
            }
            return;
        }
        for row in rows {
            for column in columns.clone() {
                if let Some(placed) = self.cells.get(&(row, column)) {
                    scan(placed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Gate, Places, Slots};
    use crate::domain::geo::Point;

    fn point(latitude: f64, longitude: f64) -> Point {
        Point::new(latitude, longitude).expect("on earth")
    }

    #[test]
    fn places_move_and_only_those_within_the_radius_are_visited() {
        let mut places = Places::default();
        let home = point(52.6, -1.1);
        let open = Gate {
            active: true,
            ..Gate::default()
        };
        let everyone = |_: u32, _: &Gate| true;
        places.place(0, vec![point(52.609, -1.1), point(52.7, -1.1)], open);
        places.place(1, vec![point(52.62, -1.1)], open);
        let mut seen = Vec::new();
        places.within(home, 3_000.0, everyone, |service, metres| {
            seen.push((service, metres.round()))
        });
        seen.sort_by_key(|(service, _)| *service);
        assert_eq!(seen, [(0, 1001.0), (1, 2224.0)]);
        places.place(1, vec![point(52.8, -1.1)], open);
        let mut seen = Vec::new();
        places.within(home, 3_000.0, everyone, |service, _| seen.push(service));
        assert_eq!(seen, [0]);
        let mut all = 0;
        places.within(home, 1_000_000.0, everyone, |_, _| all += 1);
        assert_eq!(all, 3);
        // The gate is checked in the cell: a suspended service's places are passed over.
        places.place(0, vec![point(52.609, -1.1)], Gate::default());
        let mut seen = Vec::new();
        places.within(
            home,
            3_000.0,
            |_, gate| gate.active,
            |service, _| seen.push(service),
        );
        assert!(seen.is_empty(), "{seen:?}");
    }

    #[test]
    fn slots_are_dense_and_stable() {
        let mut slots = Slots::default();
        assert_eq!(
            (slots.slot("a"), slots.slot("b"), slots.slot("a")),
            (0, 1, 0)
        );
        assert_eq!(slots.get("b"), Some(1));
        assert_eq!(slots.get("c"), None);
    }
}
