//! What an import tells its caller as it goes ([`Progress`]) and when it is done
//! ([`ImportReport`]).

use std::collections::BTreeMap;

use super::ids::Kind;

/// Which part of an import is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the feed's list pages (or its files).
    Listing,
    /// Fetching each listed service's full record.
    Fetching,
    /// Writing: each service with everything it needs.
    Importing,
}

impl Stage {
    /// A word for a progress bar.
    pub fn name(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Fetching => "fetching",
            Self::Importing => "importing",
        }
    }
}

/// How far an import has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What it is doing.
    pub stage: Stage,
    /// Pages (listing) or services (fetching, importing) done so far.
    pub done: u64,
    /// How many there are, when known.
    pub total: Option<u64>,
}

/// What happened to the records of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Distinct records the feed holds.
    pub seen: u64,
    /// New here.
    pub created: u64,
    /// Already here, and the feed changed them.
    pub changed: u64,
    /// Already here as the feed has them: nothing written.
    pub unchanged: u64,
    /// Refused or unreadable, so not imported (see [`ImportReport::skipped`]).
    pub skipped: u64,
    /// Links the feed no longer has, removed (service_at_location only).
    pub removed: u64,
}

/// A record an import skipped, or a note about one it imported differently from the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The kind of record.
    pub kind: Kind,
    /// Its id in the feed (empty when the feed gave none).
    pub original_id: String,
    /// What was wrong, naming the field.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The feed's name, as kept in provenance.
    pub feed: String,
    /// Per kind of record.
    pub counts: BTreeMap<Kind, Counts>,
    /// Events appended to the log.
    pub events_written: u64,
    /// Records not imported, with why.
    pub skipped: Vec<Problem>,
    /// Records imported with something left out (an address without a known postcode, an
    /// unknown parent term, a curator's suspension kept).
    pub notes: Vec<Problem>,
}

impl ImportReport {
    pub(super) fn new(feed: &str) -> Self {
        Self {
            feed: feed.to_owned(),
            counts: Kind::ALL
                .into_iter()
                .map(|kind| (kind, Counts::default()))
                .collect(),
            events_written: 0,
            skipped: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The counts for `kind`.
    pub fn counts(&self, kind: Kind) -> Counts {
        self.counts.get(&kind).copied().unwrap_or_default()
    }

    /// True if the import wrote nothing and skipped nothing: the log already held the feed.
    pub fn all_unchanged(&self) -> bool {
        self.events_written == 0
            && self.skipped.is_empty()
            && self
                .counts
                .values()
                .all(|counts| counts.unchanged == counts.seen && counts.removed == 0)
    }

    pub(super) fn count(&mut self, kind: Kind) -> &mut Counts {
        self.counts.entry(kind).or_default()
    }

    pub(super) fn skip(&mut self, kind: Kind, original_id: &str, reason: String) {
        self.count(kind).skipped += 1;
        self.skipped.push(Problem {
            kind,
            original_id: original_id.to_owned(),
            reason,
        });
    }

    pub(super) fn note(&mut self, kind: Kind, original_id: &str, reason: String) {
        self.notes.push(Problem {
            kind,
            original_id: original_id.to_owned(),
            reason,
        });
    }
}
