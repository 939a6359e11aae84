//! Where an imported record came from: the feed and the record's id in it.
//!
//! Kept on the events an import writes, so a curator can always answer "who told us this?" and
//! a later import of the same feed finds the record it made before.

use serde::{Deserialize, Serialize};

/// The source of an imported record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The feed's address (an http(s) URL or the file it was read from).
    pub feed: String,
    /// The record's id in that feed.
    pub original_id: String,
}
