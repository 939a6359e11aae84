//! Our ids for a feed's records: deterministic, so a re-import finds what it made before.
//!
//! An id is the UUIDv5 of (feed, kind, original id) under a namespace of our own, written as 32
//! hex digits (a stream id may only hold `[A-Za-z0-9_-]`, and feeds' own ids need not). The feed
//! is part of the name, so two feeds that both call a service "1" never collide, and the kind
//! is, so a feed whose service and location share an id gets two records.

use uuid::Uuid;

use crate::domain::provenance::Provenance;

/// The namespace of import ids (itself `v5(NAMESPACE_URL, "https://linkwork.example/import")`,
/// fixed here so it can never drift).
const NAMESPACE: Uuid = Uuid::from_u128(0x937c_1a34_a4f4_56f3_9a1f_03c9_421e_ea9a);

/// The kinds of record an import writes, in the order it writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// HSDS `taxonomy`.
    Taxonomy,
    /// HSDS `taxonomy_term`.
    TaxonomyTerm,
    /// HSDS `organization`.
    Organization,
    /// HSDS `location`.
    Location,
    /// HSDS `service`.
    Service,
    /// HSDS `service_at_location`: a service's link to a location.
    ServiceAtLocation,
}

impl Kind {
    /// Every kind, in write order.
    pub const ALL: [Kind; 6] = [
        Self::Taxonomy,
        Self::TaxonomyTerm,
        Self::Organization,
        Self::Location,
        Self::Service,
        Self::ServiceAtLocation,
    ];

    /// Its HSDS name, e.g. `taxonomy_term`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Taxonomy => "taxonomy",
            Self::TaxonomyTerm => "taxonomy_term",
            Self::Organization => "organization",
            Self::Location => "location",
            Self::Service => "service",
            Self::ServiceAtLocation => "service_at_location",
        }
    }
}

/// The ids and provenance of one feed's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    feed: String,
}

impl Ids {
    /// Ids for records of `feed` (a source's [`feed`](super::Source::feed) name).
    pub fn new(feed: &str) -> Self {
        Self {
            feed: feed.to_owned(),
        }
    }

    /// The feed's name.
    pub fn feed(&self) -> &str {
        &self.feed
    }

    /// Our id for the feed's `kind` record `original_id`.
    pub fn id(&self, kind: Kind, original_id: &str) -> String {
        // U+001F (unit separator) cannot occur in a URL or a path given on a command line, so
        // the three parts cannot be re-split into a different triple with the same name.
        let name = format!("{}\u{1f}{}\u{1f}{original_id}", self.feed, kind.name());
        // Hyphenated: HSDS requires every id the ORUK API serves to be `format: uuid`.
        Uuid::new_v5(&NAMESPACE, name.as_bytes())
            .hyphenated()
            .to_string()
    }

    /// Where the feed's record `original_id` came from.
    pub fn provenance(&self, original_id: &str) -> Provenance {
        Provenance {
            feed: self.feed.clone(),
            original_id: original_id.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Ids, Kind};

    #[test]
    fn ids_are_stable_uuids_and_distinct_per_feed_and_kind() {
        let feed = Ids::new("https://example.org/oruk");
        let id = feed.id(Kind::Service, "1");
        assert_eq!(id, feed.id(Kind::Service, "1"));
        let parsed = uuid::Uuid::try_parse(&id).expect("a UUID");
        assert_eq!(id, parsed.hyphenated().to_string());
        assert_ne!(id, feed.id(Kind::Location, "1"));
        assert_ne!(
            id,
            Ids::new("https://other.example/oruk").id(Kind::Service, "1")
        );
    }
}
