//! The directory's read model: every organisation, location, taxonomy term and service as it
//! now stands, with the posting lists search needs, held in memory.
//!
//! It is a pure fold of the log ([`DirectoryIndex::apply`]), so it is rebuilt by replaying the
//! log at start and kept current by tailing it ([`LiveIndex`]); nothing in it is written any
//! other way. Memory rather than SQL because the link worker's question — needs, distance,
//! age, capacity, opening days, words, ranked — is one pass over a compact grid of the places
//! near a person, or over posting lists, the same on PostgreSQL and SQLite; its latency at
//! 50,000 services is measured in docs/benchmarks.md. See docs/adr/0005.

mod compact;
mod live;
mod search;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use decider::Decider;
use eventstore::{Position, RecordedEvent};

use crate::domain::entry::{Record, Recorded};
use crate::domain::geo::Point;
use crate::domain::records::{Location, Organization, Taxonomy, TaxonomyTerm};
use crate::domain::service::{Event, Listed, Service};

pub use live::{IndexError, LiveIndex};
pub use search::{Near, PageRequest, Query, SearchHit, SearchResults, SiteHit, Sort};

/// A service as the index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEntry {
    /// Its id.
    pub id: String,
    /// Its state, folded by the aggregate's own `evolve`.
    pub listed: Listed,
    /// When it was first listed.
    pub listed_at: DateTime<Utc>,
    /// When anything about it last changed.
    pub updated_at: DateTime<Utc>,
    /// When its capacity was last reported.
    pub capacity_updated_at: Option<DateTime<Utc>>,
    /// Searchable words of its name, description and eligibility, with their weights.
    words: HashMap<String, u32>,
}

/// Name words count three times a description word: a service called "Walking group" is a
/// better answer to "walking" than one that mentions a walk.
const NAME_WEIGHT: u32 = 3;
const DESCRIPTION_WEIGHT: u32 = 1;

impl ServiceEntry {
    fn words_of(listed: &Listed) -> HashMap<String, u32> {
        let details = &listed.details;
        let mut words = HashMap::new();
        let mut add = |text: &str, weight: u32| {
            for word in text::words(text) {
                let slot = words.entry(word).or_insert(0);
                *slot = (*slot).max(weight);
            }
        };
        add(&details.name, NAME_WEIGHT);
        add(&details.description, DESCRIPTION_WEIGHT);
        if let Some(eligibility) = &details.eligibility_description {
            add(eligibility, DESCRIPTION_WEIGHT);
        }
        words
    }
}

/// The read model. Build one with [`DirectoryIndex::new`] and [`DirectoryIndex::apply`], or
/// keep one current with [`LiveIndex`].
#[derive(Debug)]
pub struct DirectoryIndex {
    stale_after: Duration,
    position: Position,
    services: HashMap<String, ServiceEntry>,
    organisations: BTreeMap<String, Recorded<Organization>>,
    locations: BTreeMap<String, Recorded<Location>>,
    taxonomies: BTreeMap<String, Recorded<Taxonomy>>,
    terms: BTreeMap<String, Recorded<TaxonomyTerm>>,
    /// Term id → services classified under it.
    by_term: HashMap<String, BTreeSet<String>>,
    /// Term id → its narrower terms.
    children: HashMap<String, BTreeSet<String>>,
    /// Word → services whose name, description or eligibility has it.
    by_word: HashMap<String, BTreeSet<String>>,
    /// Word → terms whose name has it.
    terms_by_word: HashMap<String, BTreeSet<String>>,
    /// service_at_location id → the service delivered there.
    sites: HashMap<String, String>,
    /// Location id → (service id, service_at_location id) delivered there.
    at_location: HashMap<String, BTreeSet<(String, String)>>,
    /// Location id → its point, for distances without decoding the record.
    points: HashMap<String, Point>,
    /// Dense numbers for services, terms and words, for the compact part below.
    service_slots: compact::Slots,
    term_slots: compact::Slots,
    word_slots: compact::Slots,
    /// Per service slot, what the filters read.
    facts: Vec<compact::Facts>,
    /// Every service's places, in a fine grid, for radius queries.
    places: compact::Places,
}

fn point_of(location: &Location) -> Option<Point> {
    Point::new(location.latitude?, location.longitude?)
}

impl DirectoryIndex {
    /// An empty index that flags a service stale when it was last verified longer than
    /// `stale_after` ago (or never).
    pub fn new(stale_after: Duration) -> Self {
        Self {
            stale_after,
            position: Position::START,
            services: HashMap::new(),
            organisations: BTreeMap::new(),
            locations: BTreeMap::new(),
            taxonomies: BTreeMap::new(),
            terms: BTreeMap::new(),
            by_term: HashMap::new(),
            children: HashMap::new(),
            by_word: HashMap::new(),
            terms_by_word: HashMap::new(),
            sites: HashMap::new(),
            points: HashMap::new(),
            service_slots: compact::Slots::default(),
            term_slots: compact::Slots::default(),
            word_slots: compact::Slots::default(),
            facts: Vec::new(),
            places: compact::Places::default(),
            at_location: HashMap::new(),
        }
    }

    /// The last log position folded in.
    pub fn position(&self) -> Position {
        self.position
    }

    /// How long a verification lasts before a service is flagged stale.
    pub fn stale_after(&self) -> Duration {
        self.stale_after
    }

    /// Whether `service` is stale at `now`.
    pub fn is_stale(&self, service: &ServiceEntry, now: DateTime<Utc>) -> bool {
        service.listed.is_stale(now, self.stale_after)
    }

    /// Folds one event of the directory's log in. Events of other kinds are skipped; an event
    /// that cannot be decoded is an error, since skipping it would silently lose knowledge.
    pub fn apply(&mut self, event: &RecordedEvent) -> Result<(), serde_json::Error> {
        match event.category() {
            "service" => self.apply_service(event.decode()?, event.occurred_at),
            Organization::KIND => upsert(&mut self.organisations, event.decode()?),
            Taxonomy::KIND => upsert(&mut self.taxonomies, event.decode()?),
            TaxonomyTerm::KIND => self.apply_term(event.decode()?),
            Location::KIND => self.apply_location(event.decode()?),
            _ => {}
        }
        self.position = event.position;
        Ok(())
    }

    fn apply_service(&mut self, event: Event, occurred_at: DateTime<Utc>) {
        let id = event.service_id().to_owned();
        let previous = self.services.remove(&id);
        let state = Service {
            listed: previous.as_ref().map(|entry| entry.listed.clone()),
        };
        let Some(listed) = Service::evolve(state, &event).listed else {
            return;
        };
        if let Some(previous) = &previous {
            self.unindex(previous);
        }
        let words = ServiceEntry::words_of(&listed);
        let entry = ServiceEntry {
            id: id.clone(),
            listed_at: previous.as_ref().map_or(occurred_at, |p| p.listed_at),
            updated_at: occurred_at,
            capacity_updated_at: match &event {
                Event::ServiceCapacityChanged { at, .. } => Some(*at),
                _ => previous.as_ref().and_then(|p| p.capacity_updated_at),
            },
            listed,
            words,
        };
        self.reindex(&entry);
        self.compact(&entry);
        self.services.insert(id, entry);
    }

    /// Refreshes a service's facts and places in the compact part.
    fn compact(&mut self, entry: &ServiceEntry) {
        let slot = self.service_slots.slot(&entry.id);
        let mut terms: Vec<u32> = (entry.listed.details.taxonomy_terms.iter())
            .map(|term| self.term_slots.slot(term))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        let mut words: Vec<(u32, u32)> = (entry.words.iter())
            .map(|(word, weight)| (self.word_slots.slot(word), *weight))
            .collect();
        words.sort_unstable();
        let index = slot as usize;
        if self.facts.len() <= index {
            self.facts.resize_with(index + 1, compact::Facts::default);
        }
        self.facts[index] = compact::Facts::of(&entry.listed, terms, words);
        let points = (entry.listed.locations.values())
            .filter_map(|location| self.points.get(location).copied())
            .collect();
        self.places.place(slot, points, self.facts[index].gate);
    }

    fn unindex(&mut self, entry: &ServiceEntry) {
        for term in &entry.listed.details.taxonomy_terms {
            remove_posting(&mut self.by_term, term, &entry.id);
        }
        for word in entry.words.keys() {
            remove_posting(&mut self.by_word, word, &entry.id);
        }
        for (link, location) in &entry.listed.locations {
            if let Some(set) = self.at_location.get_mut(location) {
                set.remove(&(entry.id.clone(), link.clone()));
            }
            self.sites.remove(link);
        }
    }

    fn reindex(&mut self, entry: &ServiceEntry) {
        for term in &entry.listed.details.taxonomy_terms {
            self.by_term
                .entry(term.clone())
                .or_default()
                .insert(entry.id.clone());
        }
        for word in entry.words.keys() {
            self.by_word
                .entry(word.clone())
                .or_default()
                .insert(entry.id.clone());
        }
        for (link, location) in &entry.listed.locations {
            self.at_location
                .entry(location.clone())
                .or_default()
                .insert((entry.id.clone(), link.clone()));
            self.sites.insert(link.clone(), entry.id.clone());
        }
    }

    fn apply_term(&mut self, recorded: Recorded<TaxonomyTerm>) {
        if let Some(previous) = self.terms.get(&recorded.id) {
            for word in text::words(&previous.record.name) {
                remove_posting(&mut self.terms_by_word, &word, &recorded.id);
            }
            if let Some(parent) = &previous.record.parent_id {
                remove_posting(&mut self.children, parent, &recorded.id);
            }
        }
        for word in text::words(&recorded.record.name) {
            self.terms_by_word
                .entry(word)
                .or_default()
                .insert(recorded.id.clone());
        }
        if let Some(parent) = &recorded.record.parent_id {
            self.children
                .entry(parent.clone())
                .or_default()
                .insert(recorded.id.clone());
        }
        self.terms.insert(recorded.id.clone(), recorded);
    }

    fn apply_location(&mut self, recorded: Recorded<Location>) {
        match point_of(&recorded.record) {
            Some(point) => self.points.insert(recorded.id.clone(), point),
            None => self.points.remove(&recorded.id),
        };
        // The services delivered here move with it.
        let delivered: Vec<String> = (self.at_location.get(&recorded.id).into_iter().flatten())
            .map(|(service, _)| service.clone())
            .collect();
        self.locations.insert(recorded.id.clone(), recorded);
        for service in delivered {
            if let Some(entry) = self.services.remove(&service) {
                self.compact(&entry);
                self.services.insert(service, entry);
            }
        }
    }

    /// A service by id.
    pub fn service(&self, id: &str) -> Option<&ServiceEntry> {
        self.services.get(id)
    }

    /// The service delivered at service_at_location `site_id`, and that location's id.
    pub fn site(&self, site_id: &str) -> Option<(&ServiceEntry, &str)> {
        let service = self.services.get(self.sites.get(site_id)?)?;
        let location = service.listed.locations.get(site_id)?;
        Some((service, location.as_str()))
    }

    /// How many services it holds, in any standing.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// An organisation by id.
    pub fn organisation(&self, id: &str) -> Option<&Recorded<Organization>> {
        self.organisations.get(id)
    }

    /// Every organisation, by id.
    pub fn organisations(&self) -> impl ExactSizeIterator<Item = &Recorded<Organization>> {
        self.organisations.values()
    }

    /// A location by id.
    pub fn location(&self, id: &str) -> Option<&Recorded<Location>> {
        self.locations.get(id)
    }

    /// A taxonomy by id.
    pub fn taxonomy(&self, id: &str) -> Option<&Recorded<Taxonomy>> {
        self.taxonomies.get(id)
    }

    /// Every taxonomy, by id.
    pub fn taxonomies(&self) -> impl ExactSizeIterator<Item = &Recorded<Taxonomy>> {
        self.taxonomies.values()
    }

    /// A taxonomy term by id.
    pub fn term(&self, id: &str) -> Option<&Recorded<TaxonomyTerm>> {
        self.terms.get(id)
    }

    /// Every taxonomy term, by id.
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &Recorded<TaxonomyTerm>> {
        self.terms.values()
    }

    /// The services of `organisation_id`, by id.
    pub fn services_of(&self, organisation_id: &str) -> Vec<&ServiceEntry> {
        let mut services: Vec<_> = self
            .services
            .values()
            .filter(|entry| entry.listed.organisation_id == organisation_id)
            .collect();
        services.sort_by(|a, b| a.id.cmp(&b.id));
        services
    }
}

fn upsert<R: Record>(records: &mut BTreeMap<String, Recorded<R>>, recorded: Recorded<R>) {
    records.insert(recorded.id.clone(), recorded);
}

fn remove_posting<K, V>(postings: &mut HashMap<K, BTreeSet<V>>, key: &K, value: &V)
where
    K: std::hash::Hash + Eq,
    V: Ord,
{
    if let Some(set) = postings.get_mut(key) {
        set.remove(value);
        if set.is_empty() {
            postings.remove(key);
        }
    }
}
