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
mod links;
mod live;
mod postings;
mod scoring;
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
}

/// Name words count three times a description word: a service called "Walking group" is a
/// better answer to "walking" than one that mentions a walk.
const NAME_WEIGHT: u32 = 3;
const DESCRIPTION_WEIGHT: u32 = 1;

impl ServiceEntry {
    /// Searchable words of its name, description and eligibility, with their weights.
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
    /// Every service, by slot (see `service_slots`).
    services: Vec<ServiceEntry>,
    /// (name, id) → slot of every service: listings by name walk it instead of sorting.
    by_name: BTreeMap<(String, String), u32>,
    organisations: BTreeMap<String, Recorded<Organization>>,
    locations: BTreeMap<String, Recorded<Location>>,
    taxonomies: BTreeMap<String, Recorded<Taxonomy>>,
    terms: BTreeMap<String, Recorded<TaxonomyTerm>>,
    /// Term id → its narrower terms.
    children: HashMap<String, BTreeSet<String>>,
    /// Word → terms whose name has it.
    terms_by_word: HashMap<String, BTreeSet<String>>,
    /// Which service is delivered at each service_at_location, and at each location.
    links: links::SiteLinks,
    /// Location id → its point, for distances without decoding the record.
    points: HashMap<String, Point>,
    /// Dense numbers for services, terms and words, for the compact part below.
    service_slots: compact::Slots,
    term_slots: compact::Slots,
    word_slots: compact::Slots,
    /// Per service slot, what the cheap filters read: a few bytes each, so a walk over
    /// thousands of services stays in cache.
    gates: Vec<compact::Gate>,
    /// Per service slot, what relevance reads.
    facts: Vec<compact::Facts>,
    /// Term slot → service slots classified under it.
    services_by_term: postings::Postings,
    /// Word slot → service slots whose name, description or eligibility has it.
    services_by_word: postings::Postings,
    /// Every service's places, in a fine grid, for radius queries.
    places: compact::Places,
}

/// One event of the directory's log, decoded for the fold.
#[derive(Debug)]
pub(super) enum Change {
    Service(Event, DateTime<Utc>),
    Organisation(Recorded<Organization>),
    Taxonomy(Recorded<Taxonomy>),
    Term(Recorded<TaxonomyTerm>),
    Location(Recorded<Location>),
    /// Another kind of event in the same log: nothing to fold.
    Unrelated,
}

impl Change {
    /// Decodes `event` by its stream's category.
    pub(super) fn decode(event: &RecordedEvent) -> Result<Self, serde_json::Error> {
        Ok(match event.category() {
            "service" => Self::Service(event.decode()?, event.occurred_at),
            Organization::KIND => Self::Organisation(event.decode()?),
            Taxonomy::KIND => Self::Taxonomy(event.decode()?),
            TaxonomyTerm::KIND => Self::Term(event.decode()?),
            Location::KIND => Self::Location(event.decode()?),
            _ => Self::Unrelated,
        })
    }
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
            services: Vec::new(),
            by_name: BTreeMap::new(),
            organisations: BTreeMap::new(),
            locations: BTreeMap::new(),
            taxonomies: BTreeMap::new(),
            terms: BTreeMap::new(),
            children: HashMap::new(),
            terms_by_word: HashMap::new(),
            links: links::SiteLinks::default(),
            points: HashMap::new(),
            service_slots: compact::Slots::default(),
            term_slots: compact::Slots::default(),
            word_slots: compact::Slots::default(),
            gates: Vec::new(),
            facts: Vec::new(),
            services_by_term: postings::Postings::default(),
            services_by_word: postings::Postings::default(),
            places: compact::Places::default(),
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
        let change = Change::decode(event)?;
        self.fold(change, event.position);
        Ok(())
    }

    /// Folds in an event already decoded (so a tailer can decode outside its write lock).
    pub(super) fn fold(&mut self, change: Change, position: Position) {
        match change {
            Change::Service(event, occurred_at) => self.apply_service(event, occurred_at),
            Change::Organisation(recorded) => upsert(&mut self.organisations, recorded),
            Change::Taxonomy(recorded) => upsert(&mut self.taxonomies, recorded),
            Change::Term(recorded) => self.apply_term(recorded),
            Change::Location(recorded) => self.apply_location(recorded),
            Change::Unrelated => {}
        }
        self.position = position;
    }

    fn apply_service(&mut self, event: Event, occurred_at: DateTime<Utc>) {
        let id = event.service_id();
        let slot = self.service_slots.get(id);
        let previous = slot.map(|slot| &self.services[slot as usize]);
        let state = Service {
            listed: previous.map(|entry| entry.listed.clone()),
        };
        let Some(listed) = Service::evolve(state, &event).listed else {
            return;
        };
        let entry = ServiceEntry {
            id: id.to_owned(),
            listed_at: previous.map_or(occurred_at, |p| p.listed_at),
            updated_at: occurred_at,
            capacity_updated_at: match &event {
                Event::ServiceCapacityChanged { at, .. } => Some(*at),
                _ => previous.and_then(|p| p.capacity_updated_at),
            },
            listed,
        };
        // A service keeps its slot for life, and its entry sits at that index.
        let slot = self.service_slots.slot(&entry.id);
        self.compact(slot, &entry.listed);
        let index = slot as usize;
        let named_anew = if index < self.services.len() {
            let previous = std::mem::replace(&mut self.services[index], entry);
            self.links.unlink(&previous);
            let renamed = previous.listed.details.name != self.services[index].listed.details.name;
            if renamed {
                self.by_name
                    .remove(&(previous.listed.details.name, previous.id));
            }
            renamed
        } else {
            self.services.push(entry);
            true
        };
        let entry = &self.services[index];
        self.links.link(entry);
        if named_anew {
            self.by_name
                .insert((entry.listed.details.name.clone(), entry.id.clone()), slot);
        }
    }

    /// Refreshes service `slot`'s facts, postings and places in the compact part.
    fn compact(&mut self, slot: u32, listed: &Listed) {
        let mut terms: Vec<u32> = (listed.details.taxonomy_terms.iter())
            .map(|term| self.term_slots.slot(term))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        let mut words: Vec<(u32, u32)> = (ServiceEntry::words_of(listed).iter())
            .map(|(word, weight)| (self.word_slots.slot(word), *weight))
            .collect();
        words.sort_unstable();
        let index = slot as usize;
        if self.facts.len() <= index {
            self.facts.resize_with(index + 1, compact::Facts::default);
            self.gates.resize_with(index + 1, compact::Gate::default);
        }
        let gate = compact::Gate::of(listed);
        self.gates[index] = gate;
        let before = std::mem::replace(&mut self.facts[index], compact::Facts { terms, words });
        let after = &self.facts[index];
        for term in before.terms.iter().filter(|t| !after.terms.contains(t)) {
            self.services_by_term.remove(*term, slot);
        }
        for term in &after.terms {
            self.services_by_term.add(*term, slot);
        }
        for (word, _) in (before.words.iter()).filter(|(w, _)| after.word_weight(*w) == 0) {
            self.services_by_word.remove(*word, slot);
        }
        for (word, _) in &after.words {
            self.services_by_word.add(*word, slot);
        }
        let points = (listed.locations.values())
            .filter_map(|location| self.points.get(location).copied())
            .collect();
        self.places.place(slot, points, gate);
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
        let delivered = self.links.delivered_at(&recorded.id);
        self.locations.insert(recorded.id.clone(), recorded);
        for service in delivered {
            if let Some(slot) = self.service_slots.get(&service) {
                let listed = self.services[slot as usize].listed.clone();
                self.compact(slot, &listed);
            }
        }
    }

    /// A service by id.
    pub fn service(&self, id: &str) -> Option<&ServiceEntry> {
        let slot = self.service_slots.get(id)?;
        self.services.get(slot as usize)
    }

    /// The service delivered at service_at_location `site_id`, and that location's id.
    pub fn site(&self, site_id: &str) -> Option<(&ServiceEntry, &str)> {
        let service = self.service(self.links.service_at(site_id)?)?;
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
            .iter()
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
