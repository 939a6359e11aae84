//! An EQ-5D health state: a level on each of the five dimensions, written as five digits.
//!
//! `12345` is level 1 on mobility, 2 on self-care, 3 on usual activities, 4 on pain/discomfort
//! and 5 on anxiety/depression. The same digits mean different things in the 3-level and
//! 5-level systems (a 3L "3" is extreme problems, a 5L "3" moderate), so a state carries the
//! system it was answered in and value sets refuse states of the other system.

use std::fmt;

/// The number of dimensions in the EQ-5D descriptive system.
pub const DIMENSIONS: usize = 5;

/// The systems' level counts this crate accepts: EQ-5D-3L and EQ-5D-5L.
pub(crate) const SYSTEMS: [u8; 2] = [3, 5];

/// A level on each EQ-5D dimension, in the system (`levels`) it was answered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HealthState {
    levels: u8,
    dims: [u8; DIMENSIONS],
}

/// Levels that are not a state of the system named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {levels}-level health state is five digits, each from 1 to {levels}")]
pub struct StateError {
    /// The system's level count.
    pub levels: u8,
}

impl HealthState {
    /// The state `dims` in the `levels`-level system (3 or 5).
    pub fn new(levels: u8, dims: [u8; DIMENSIONS]) -> Result<Self, StateError> {
        let valid = SYSTEMS.contains(&levels) && dims.iter().all(|d| (1..=levels).contains(d));
        if valid {
            Ok(Self { levels, dims })
        } else {
            Err(StateError { levels })
        }
    }

    /// The state written as five digits, e.g. `11221`, in the `levels`-level system.
    pub fn parse(levels: u8, digits: &str) -> Result<Self, StateError> {
        let bytes = digits.as_bytes();
        if bytes.len() != DIMENSIONS || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(StateError { levels });
        }
        let mut dims = [0; DIMENSIONS];
        for (dim, byte) in dims.iter_mut().zip(bytes) {
            *dim = byte - b'0';
        }
        Self::new(levels, dims)
    }

    /// The system's level count: 3 or 5.
    pub fn levels(&self) -> u8 {
        self.levels
    }

    /// The level on each dimension, in the order MO, SC, UA, PD, AD.
    pub fn dims(&self) -> [u8; DIMENSIONS] {
        self.dims
    }

    /// The state's position among all [`HealthState::all`] of its system: the digits read as a
    /// number in base `levels`. Tables are arrays indexed by it, so a lookup is one index.
    pub fn index(&self) -> usize {
        let base = usize::from(self.levels);
        self.dims
            .iter()
            .fold(0, |index, &level| index * base + usize::from(level - 1))
    }

    /// How many states the `levels`-level system has: `levels^5`.
    pub fn count(levels: u8) -> usize {
        usize::from(levels).pow(DIMENSIONS as u32)
    }

    /// Every state of the `levels`-level system in [`HealthState::index`] order; none if
    /// `levels` is not 3 or 5.
    pub fn all(levels: u8) -> impl Iterator<Item = HealthState> {
        let count = if SYSTEMS.contains(&levels) {
            Self::count(levels)
        } else {
            0
        };
        (0..count).map(move |mut index| {
            let base = usize::from(levels);
            let mut dims = [1; DIMENSIONS];
            for dim in dims.iter_mut().rev() {
                // `index % base` is below `levels`, itself a `u8`.
                *dim = u8::try_from(index % base).unwrap_or(0) + 1;
                index /= base;
            }
            HealthState { levels, dims }
        })
    }
}

impl fmt::Display for HealthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for level in self.dims {
            write!(f, "{level}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_indexes_to_its_position() {
        for levels in SYSTEMS {
            let states: Vec<_> = HealthState::all(levels).collect();
            assert_eq!(states.len(), HealthState::count(levels));
            for (position, state) in states.iter().enumerate() {
                assert_eq!(state.index(), position);
                assert_eq!(HealthState::parse(levels, &state.to_string()), Ok(*state));
            }
        }
    }

    #[test]
    fn refuses_levels_outside_the_system() {
        assert!(HealthState::parse(5, "12345").is_ok());
        for (levels, digits) in [
            (3, "12341"),
            (5, "12346"),
            (5, "02345"),
            (5, "1234"),
            (4, "11111"),
        ] {
            assert_eq!(
                HealthState::parse(levels, digits),
                Err(StateError { levels })
            );
        }
    }
}
