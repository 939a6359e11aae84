//! What can be wrong with a definition that parsed as JSON but cannot be used.
//!
//! Deployers supply their own instruments and value sets (licensed ones we cannot ship), so a
//! refusal has to tell them exactly what to fix: each error pairs one of these problems with
//! where in the definition it is (`items[2].answer`, `scoring[1].table`).

use crate::fixed::Fixed;

/// One thing wrong with a definition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A text that must say something is empty.
    #[error("must not be empty")]
    Empty,
    /// An id or code outside lowercase letters, digits and hyphens.
    #[error("must be lowercase letters, digits and hyphens, starting with a letter or digit")]
    BadCode,
    /// A `linkId` outside letters, digits, `.`, `-` and `_`, or longer than 64 characters.
    #[error("a linkId is 1 to 64 letters, digits, '.', '-' or '_'")]
    BadLinkId,
    /// A URL that is not `https://`.
    #[error("must be an https:// URL")]
    NotHttps,
    /// The same name twice where names must be unique.
    #[error("{0} appears more than once")]
    Duplicate(String),
    /// An integer range whose minimum exceeds its maximum.
    #[error("minimum {min} is above maximum {max}")]
    EmptyRange {
        /// The stated minimum.
        min: i64,
        /// The stated maximum.
        max: i64,
    },
    /// A number beyond the bounds any instrument needs.
    #[error("must lie within -1000000 to 1000000")]
    OutOfBounds,
    /// A reference to an item the instrument does not have.
    #[error("no item has linkId {0}")]
    UnknownItem(String),
    /// A sum over an item that may be left unanswered: the total would be undefined.
    #[error("item {0} is summed but not required")]
    OptionalInSum(String),
    /// A name this crate reserves.
    #[error("{0} is reserved")]
    Reserved(String),
    /// Bands that leave a gap, overlap, or run outside the component's range.
    #[error("bands must run in order, without gaps or overlaps, from {min} to {max}")]
    Bands {
        /// The component's lowest value.
        min: i64,
        /// The component's highest value.
        max: i64,
    },
    /// A conversion table that does not give exactly one value for every total.
    #[error("must give one value for each total from {min} to {max}, and no others")]
    Table {
        /// The lowest total.
        min: i64,
        /// The highest total.
        max: i64,
    },
    /// Values of one table or scale stated to different numbers of decimal places.
    #[error("every value must have the same number of decimal places")]
    MixedPlaces,
    /// A number of decimal places outside what the definition allows.
    #[error("decimal places must be at most {0}")]
    Places(u8),
    /// A level count other than EQ-5D's 3 or 5.
    #[error("levels must be 3 or 5 (EQ-5D-3L or EQ-5D-5L)")]
    Levels,
    /// The wrong number of EQ-5D dimensions.
    #[error("expected 5 dimensions, found {0}")]
    Dimensions(usize),
    /// A dimension item that is optional or does not take exactly levels 1 to `levels`.
    #[error("item {link_id} must be required, and an integer from 1 to {levels}")]
    DimensionItem {
        /// The item.
        link_id: String,
        /// The system's level count.
        levels: u8,
    },
    /// A threshold for a component the instrument does not produce.
    #[error("no component is coded {0}")]
    UnknownComponent(String),
    /// A scale stated on a threshold that is not for the utility, or missing on one that is.
    #[error("a scale is stated for utility thresholds, and only for them")]
    Scale,
    /// A threshold that is zero or negative.
    #[error("must be above zero, not {0}")]
    NotPositive(Fixed),
    /// Not exactly one default threshold for a component (and scale).
    #[error("{component} has {count} default thresholds; exactly one is needed")]
    Defaults {
        /// The component (with its scale, for the utility).
        component: String,
        /// How many are marked default.
        count: usize,
    },
    /// Per-level decrements that do not cover levels 2 to `levels` of a dimension.
    #[error("dimension {0} needs one decrement for each level from 2 up")]
    Decrements(String),
    /// A value-set term for a level outside the system.
    #[error("level {0} is outside the system")]
    Level(u8),
}

/// Whether `code` is a lowercase code: letters, digits, hyphens, not starting with a hyphen.
pub(crate) fn check_code(code: &str) -> Result<(), Problem> {
    let valid = code.len() <= 64
        && code
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        && code.bytes().next().is_some_and(|byte| byte != b'-');
    if valid { Ok(()) } else { Err(Problem::BadCode) }
}

/// `Ok` if `text` says something; otherwise the problem at `at`.
pub(crate) fn non_empty(text: &str, at: &str) -> Result<(), (String, Problem)> {
    if text.trim().is_empty() {
        Err((at.to_owned(), Problem::Empty))
    } else {
        Ok(())
    }
}
