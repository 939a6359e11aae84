//! The link worker's question: what near this person meets this need and can take them?
//!
//! The needs or words asked for become a set of candidate services (`scoring.rs`); a radius
//! query then walks the grid cells around the person and keeps the places of candidates that
//! pass the cheap filters, and every other query walks the candidates themselves. Ranking is by
//! relevance — needs met, then word weight — and then by distance, so among equally good answers
//! the nearest comes first; name and id break the remaining ties, which makes every page
//! deterministic.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::compact::Gate;
use super::scoring::Scoring;
use super::{DirectoryIndex, ServiceEntry};
use crate::domain::geo::Point;

/// Where the person is, and how far they can go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// The person's point (a postcode centroid or a coordinate).
    pub point: Point,
    /// Only services with a location this close, in metres; `None` ranks by distance without
    /// a limit.
    pub within_m: Option<f64>,
}

/// Which page of the answers, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Page number, from 1.
    pub number: u32,
    /// Answers per page, from 1.
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            number: 1,
            size: 50,
        }
    }
}

/// How the answers are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Relevance, then distance, then name: the link worker's order.
    #[default]
    Ranked,
    /// By name, then id: a listing's order.
    Name,
}

/// A search. Every filter that is set must hold (AND).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// Free text: words of the name, description, eligibility or taxonomy term names.
    pub text: Option<String>,
    /// Needs, as taxonomy term ids; a service meeting any of them (or a narrower term) matches.
    pub taxonomy_terms: Vec<String>,
    /// Only services under this taxonomy.
    pub taxonomy_id: Option<String>,
    /// Only this organisation's services.
    pub organisation_id: Option<String>,
    /// Near the person.
    pub near: Option<Near>,
    /// The person's age: only services whose age range includes it.
    pub age: Option<u8>,
    /// Only services that take direct referrals (not signposting only).
    pub takes_referrals: bool,
    /// Only services not known to be full. Capacity never reported counts as room, as in the
    /// referral service's view; a waiting list does not.
    pub with_capacity: bool,
    /// Only services with a schedule open on this date.
    pub open_on: Option<NaiveDate>,
    /// Include suspended and withdrawn services (a listing, not a referral search).
    pub include_inactive: bool,
    /// Only services changed since.
    pub modified_after: Option<DateTime<Utc>>,
    /// Order.
    pub sort: Sort,
    /// Which page.
    pub page: PageRequest,
}

/// One answer: a service and why it ranked where it did.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The service.
    pub service: ServiceEntry,
    /// Metres to its nearest location, when the query was near somewhere.
    pub distance_m: Option<f64>,
    /// The service_at_location id of that nearest location.
    pub nearest_site: Option<String>,
    /// Its relevance score (higher first).
    pub relevance: u32,
    /// Not verified within the configured period.
    pub stale: bool,
}

/// One answer per place a matching service is delivered (ORUK `service_at_location`).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteHit {
    /// The service.
    pub service: ServiceEntry,
    /// The service_at_location id.
    pub site_id: String,
    /// The location id.
    pub location_id: String,
    /// Metres from the query's point.
    pub distance_m: Option<f64>,
    /// Not verified within the configured period.
    pub stale: bool,
}

/// A page of answers.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults<T> {
    /// The answers on this page.
    pub hits: Vec<T>,
    /// Answers on all pages.
    pub total: usize,
    /// The page asked for.
    pub page: PageRequest,
}

impl<T> SearchResults<T> {
    /// Pages in all (at least one, possibly empty).
    pub fn total_pages(&self) -> usize {
        self.total.div_ceil(self.page.size.max(1) as usize).max(1)
    }
}

/// A matching service before paging: what it is sorted by.
#[derive(Clone, Copy)]
struct Scored<'a> {
    entry: &'a ServiceEntry,
    relevance: u32,
    distance_m: Option<f64>,
}

impl DirectoryIndex {
    /// Answers `query` as of `now` (for the stale flag).
    pub fn search(&self, query: &Query, now: DateTime<Utc>) -> SearchResults<SearchHit> {
        let scored = self.matching(query);
        let total = scored.len();
        let hits = page_of(scored, query.page)
            .map(|scored| SearchHit {
                service: scored.entry.clone(),
                distance_m: scored.distance_m,
                nearest_site: (query.near)
                    .and_then(|near| self.nearest(scored.entry, near.point))
                    .map(|(_, site)| site.to_owned()),
                relevance: scored.relevance,
                stale: self.is_stale(scored.entry, now),
            })
            .collect();
        SearchResults {
            hits,
            total,
            page: query.page,
        }
    }

    /// Answers `query` with one hit per place each matching service is delivered, nearest
    /// first when the query is near somewhere.
    pub fn search_sites(&self, query: &Query, now: DateTime<Utc>) -> SearchResults<SiteHit> {
        let mut sites = Vec::new();
        for scored in self.matching(query) {
            for (site, location_id) in &scored.entry.listed.locations {
                let distance_m = match (query.near, self.located(location_id)) {
                    (Some(near), Some(point)) => Some(near.point.distance_m(point)),
                    (Some(_), None) => continue,
                    (None, _) => None,
                };
                if let (Some(near), Some(distance)) = (query.near, distance_m)
                    && near.within_m.is_some_and(|within| distance > within)
                {
                    continue;
                }
                sites.push((
                    Scored {
                        distance_m,
                        ..scored
                    },
                    site.as_str(),
                    location_id.as_str(),
                ));
            }
        }
        // By name, the services' order with each one's sites in id order is already the
        // answer; ranked, each site's own distance reorders them.
        if query.sort == Sort::Ranked {
            sites.sort_by(|(a, a_site, _), (b, b_site, _)| {
                compare(a, b, query.sort).then_with(|| a_site.cmp(b_site))
            });
        }
        let total = sites.len();
        let hits = page_of(sites, query.page)
            .map(|(scored, site, location)| SiteHit {
                service: scored.entry.clone(),
                site_id: site.to_owned(),
                location_id: location.to_owned(),
                distance_m: scored.distance_m,
                stale: self.is_stale(scored.entry, now),
            })
            .collect();
        SearchResults {
            hits,
            total,
            page: query.page,
        }
    }

    fn located(&self, location_id: &str) -> Option<Point> {
        self.points.get(location_id).copied()
    }

    /// Every service matching `query`, in the order asked for, with what it is ranked by.
    /// Candidates come from the places near the person when the query has a radius, else
    /// from the postings of its needs or words, else every service; each is judged on its
    /// compact facts first, and only the survivors' records are read. A listing by name
    /// without a radius walks the services in name order rather than sorting them all.
    fn matching(&self, query: &Query) -> Vec<Scored<'_>> {
        let Some(scoring) = Scoring::new(self, query) else {
            return vec![];
        };
        let candidates = scoring.candidates(self);
        let in_candidates = |slot: u32| candidates.as_ref().is_none_or(|set| set.contains(slot));
        let radius = match query.near {
            Some(Near {
                point,
                within_m: Some(within),
            }) => Some((point, within)),
            _ => None,
        };
        let found: Vec<(u32, Option<f64>)> = match radius {
            Some((point, within)) => {
                let mut placed: Vec<(u32, f64)> = Vec::new();
                let admit = |slot: u32, gate: &Gate| in_candidates(slot) && scoring.admits(gate);
                self.places.within(point, within, admit, |slot, metres| {
                    placed.push((slot, metres));
                });
                // Each service's nearest place first, then one row per service.
                placed.sort_unstable_by(|(a, a_m), (b, b_m)| a.cmp(b).then(a_m.total_cmp(b_m)));
                placed.dedup_by_key(|(slot, _)| *slot);
                (placed.into_iter())
                    .map(|(slot, metres)| (slot, Some(metres)))
                    .collect()
            }
            None => {
                let slots: Box<dyn Iterator<Item = u32>> = match (query.sort, &candidates) {
                    (Sort::Name, _) => Box::new(
                        (self.by_name.values().copied()).filter(|slot| in_candidates(*slot)),
                    ),
                    (Sort::Ranked, Some(set)) => Box::new(set.iter()),
                    (Sort::Ranked, None) => Box::new(0..self.facts.len() as u32),
                };
                slots
                    .filter(|slot| scoring.admits(&self.gates[*slot as usize]))
                    .map(|slot| (slot, None))
                    .collect()
            }
        };
        let mut scored: Vec<Scored<'_>> = found
            .into_iter()
            .filter_map(|(slot, distance_m)| {
                let relevance = scoring.relevance(&self.facts[slot as usize])?;
                let entry = self.services.get(slot as usize)?;
                if !self.passes_other_filters(entry, query) {
                    return None;
                }
                let distance_m = distance_m.or_else(|| {
                    let near = query.near?;
                    self.nearest(entry, near.point).map(|(metres, _)| metres)
                });
                Some(Scored {
                    entry,
                    relevance,
                    distance_m,
                })
            })
            .collect();
        if radius.is_some() || query.sort == Sort::Ranked {
            sort(&mut scored, query.sort);
        }
        scored
    }

    /// The filters the compact facts do not answer: opening days, organisation, taxonomy,
    /// changes since.
    fn passes_other_filters(&self, entry: &ServiceEntry, query: &Query) -> bool {
        let listed = &entry.listed;
        let details = &listed.details;
        if let Some(date) = query.open_on
            && !details.schedules.iter().any(|s| s.open_on(date))
        {
            return false;
        }
        if let Some(organisation) = &query.organisation_id
            && listed.organisation_id != *organisation
        {
            return false;
        }
        if let Some(taxonomy) = &query.taxonomy_id
            && !details.taxonomy_terms.iter().any(|term| {
                self.terms
                    .get(term)
                    .is_some_and(|t| t.record.taxonomy_id == *taxonomy)
            })
        {
            return false;
        }
        if let Some(after) = query.modified_after
            && entry.updated_at <= after
        {
            return false;
        }
        true
    }

    /// The needs asked for and every narrower term under them.
    pub(super) fn needs_with_narrower<'a>(&'a self, needs: &'a [String]) -> BTreeSet<&'a String> {
        let mut found: BTreeSet<&String> = BTreeSet::new();
        let mut pending: Vec<&String> = needs.iter().collect();
        while let Some(term) = pending.pop() {
            if found.insert(term) {
                pending.extend(self.children.get(term).into_iter().flatten());
            }
        }
        found
    }

    /// The distance to a service's nearest located site, and that site's id.
    fn nearest<'a>(&self, entry: &'a ServiceEntry, from: Point) -> Option<(f64, &'a str)> {
        entry
            .listed
            .locations
            .iter()
            .filter_map(|(site, location)| {
                Some((from.distance_m(self.located(location)?), site.as_str()))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }
}

fn compare(a: &Scored<'_>, b: &Scored<'_>, sort: Sort) -> Ordering {
    let by_name = || {
        a.entry
            .listed
            .details
            .name
            .cmp(&b.entry.listed.details.name)
            .then_with(|| a.entry.id.cmp(&b.entry.id))
    };
    match sort {
        Sort::Name => by_name(),
        Sort::Ranked => b
            .relevance
            .cmp(&a.relevance)
            .then_with(|| match (a.distance_m, b.distance_m) {
                (Some(a), Some(b)) => a.total_cmp(&b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then_with(by_name),
    }
}

fn sort(scored: &mut [Scored<'_>], order: Sort) {
    scored.sort_by(|a, b| compare(a, b, order));
}

fn page_of<T>(items: Vec<T>, page: PageRequest) -> impl Iterator<Item = T> {
    let size = page.size.max(1) as usize;
    let skip = (page.number.max(1) as usize - 1).saturating_mul(size);
    items.into_iter().skip(skip).take(size)
}
