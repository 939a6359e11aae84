//! Linbridge, generated: its VCSE organisations, the venues services meet at, and the services
//! (`services.rs`), all from the seed. Nothing here talks to the network.
//!
//! At the default size (300 services) there are 60 organisations and 120 venues; smaller or
//! larger regions keep those proportions: an organisation for every five services, with two
//! venues in its district. Record `n` of each kind is the same whatever the region's size, so a
//! larger load adds to a smaller one.

use directory::domain::centroids;
use directory::postcodes::DEMO_REGION_CSV;
use rand::Rng;
use rand::seq::IndexedRandom;
use uuid::Uuid;

use crate::error::DemoError;
use crate::seed;
use crate::services::{self, PER_ORGANISATION, Service, VENUES_PER_ORGANISATION};
use crate::words::{self, DISTRICTS, ORGANISATIONS, SAINTS, STREETS, TREES, VENUES};

/// The demo postcodes the running instance knows, by district (`LW1` first).
#[derive(Debug, Clone)]
pub(crate) struct Postcodes {
    by_district: Vec<Vec<String>>,
}

impl Postcodes {
    /// The sample that ships with the directory (`DEMO_REGION_CSV`), which `linkwork up --demo`
    /// loads into the instance.
    pub(crate) fn demo() -> Result<Self, DemoError> {
        let centroids = centroids::parse(DEMO_REGION_CSV)?;
        let mut by_district = vec![Vec::new(); DISTRICTS.len()];
        for centroid in centroids {
            let postcode = centroid.postcode.as_str().to_owned();
            let district = postcode
                .split(' ')
                .next()
                .and_then(|outward| outward.strip_prefix("LW"))
                .and_then(|number| number.parse::<usize>().ok())
                .and_then(|number| number.checked_sub(1))
                .filter(|district| *district < DISTRICTS.len());
            if let Some(district) = district {
                by_district[district].push(postcode);
            }
        }
        if let Some(empty) = by_district.iter().position(Vec::is_empty) {
            return Err(DemoError::Postcodes(format!(
                "the demo sample has no postcode in LW{}",
                empty + 1
            )));
        }
        Ok(Self { by_district })
    }

    /// A postcode in `district`.
    pub(crate) fn pick(&self, district: usize, rng: &mut impl Rng) -> String {
        let postcodes = &self.by_district[district % self.by_district.len()];
        postcodes.choose(rng).cloned().unwrap_or_default()
    }
}

/// A VCSE organisation.
#[derive(Debug, Clone)]
pub(crate) struct Organisation {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) legal_status: &'static str,
    /// The codes of the needs its services meet.
    pub(crate) terms: &'static [&'static str],
    /// Where it is based (an index into `DISTRICTS`).
    pub(crate) district: usize,
    /// Its name as a host label, for its (example.org) web site and e-mail addresses.
    pub(crate) slug: String,
}

impl Organisation {
    /// Its web site.
    pub(crate) fn website(&self) -> String {
        format!("https://{}.example.org", self.slug)
    }

    /// An address at its domain.
    pub(crate) fn email(&self, mailbox: &str) -> String {
        format!("{mailbox}@{}.example.org", self.slug)
    }
}

/// A venue.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) description: &'static str,
    pub(crate) address_1: String,
    pub(crate) postcode: String,
    pub(crate) district: usize,
}

/// The whole region.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    pub(crate) organisations: Vec<Organisation>,
    pub(crate) locations: Vec<Location>,
    pub(crate) services: Vec<Service>,
}

impl Region {
    /// The region grown from `seed`, with `services` services.
    pub(crate) fn generate(seed: u64, services: usize, postcodes: &Postcodes) -> Self {
        let organisations = (0..services.div_ceil(PER_ORGANISATION))
            .map(|index| organisation(seed, index))
            .collect::<Vec<_>>();
        let locations = (0..organisations.len() * VENUES_PER_ORGANISATION)
            .map(|index| {
                let owner = &organisations[index / VENUES_PER_ORGANISATION];
                location(seed, index, owner.district, postcodes)
            })
            .collect::<Vec<_>>();
        let mut services: Vec<Service> = (0..services)
            .map(|index| services::generate(seed, index, &organisations, &locations))
            .collect();
        services::distinct_names(&mut services, &organisations, &locations);
        Self {
            organisations,
            locations,
            services,
        }
    }
}

/// Organisation `index`: its kind cycles through `ORGANISATIONS`, and each kind is in a
/// different district each time round, so names do not repeat until every district has one
/// of every kind.
pub(crate) fn organisation(seed: u64, index: usize) -> Organisation {
    let kinds = ORGANISATIONS.len();
    let kind = index % kinds;
    let round = index / kinds;
    let first_district = seed::rng(seed, "organisation-district", kind).random_range(0..9);
    let district = (first_district + round) % DISTRICTS.len();
    let (pattern, about, legal_status, terms) = ORGANISATIONS[kind];
    let place = DISTRICTS[district];
    let mut name = words::at_place(pattern, place);
    let repeat = round / DISTRICTS.len();
    if repeat > 0 {
        name = format!("{name} {}", repeat + 1);
    }
    Organisation {
        id: seed::id(seed, "organisation", index),
        slug: words::slug(&name),
        name,
        description: words::at_place(about, place),
        legal_status,
        terms,
        district,
    }
}

/// Venue `index`, in `district` (its organisation's).
fn location(seed: u64, index: usize, district: usize, postcodes: &Postcodes) -> Location {
    let mut rng = seed::rng(seed, "location", index);
    let place = DISTRICTS[district];
    let (pattern, description) = VENUES[rng.random_range(0..VENUES.len())];
    let saint = SAINTS[rng.random_range(0..SAINTS.len())];
    let tree = TREES[rng.random_range(0..TREES.len())];
    let name = words::at_place(pattern, place)
        .replace("{saint}", saint)
        .replace("{tree}", tree);
    let street = STREETS[rng.random_range(0..STREETS.len())];
    let number = rng.random_range(1..=180);
    Location {
        id: seed::id(seed, "location", index),
        name,
        description,
        address_1: format!("{number} {street}"),
        postcode: postcodes.pick(district, &mut rng),
        district,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_district_has_demo_postcodes() {
        let postcodes = Postcodes::demo().expect("the shipped sample");
        for district in 0..DISTRICTS.len() {
            let postcode = postcodes.pick(district, &mut seed::rng(1, "test", district));
            assert!(
                postcode.starts_with(&format!("LW{} ", district + 1)),
                "{postcode}"
            );
        }
    }

    #[test]
    fn the_default_region_has_sixty_organisations_and_a_hundred_and_twenty_venues() {
        let postcodes = Postcodes::demo().expect("the shipped sample");
        let region = Region::generate(1, 300, &postcodes);
        assert_eq!(
            (
                region.organisations.len(),
                region.locations.len(),
                region.services.len()
            ),
            (60, 120, 300)
        );
        let names: std::collections::BTreeSet<_> =
            region.organisations.iter().map(|o| &o.name).collect();
        assert_eq!(names.len(), 60, "organisation names are unique");
        let districts: std::collections::BTreeSet<_> =
            region.locations.iter().map(|l| l.district).collect();
        assert_eq!(districts.len(), DISTRICTS.len(), "venues in every district");
        let services: std::collections::BTreeSet<_> = (region.services.iter())
            .map(|s| (s.organisation, &s.details.name))
            .collect();
        assert_eq!(
            services.len(),
            300,
            "no two services of one organisation share a name"
        );
    }

    #[test]
    fn a_region_is_the_same_for_the_same_seed_and_a_prefix_of_a_larger_one() {
        let postcodes = Postcodes::demo().expect("the shipped sample");
        let small = Region::generate(7, 40, &postcodes);
        let again = Region::generate(7, 40, &postcodes);
        let other = Region::generate(8, 40, &postcodes);
        let names = |region: &Region| -> Vec<String> {
            let venues = region.locations.iter().map(|l| l.name.clone());
            venues
                .chain(region.services.iter().map(|s| format!("{:?}", s.details)))
                .collect()
        };
        assert_eq!(names(&small), names(&again));
        assert_ne!(names(&small), names(&other));
        let large = Region::generate(7, 300, &postcodes);
        let venues = small.locations.len();
        assert_eq!(names(&small)[..venues], names(&large)[..venues]);
        assert_eq!(names(&small)[venues..], names(&large)[120..120 + 40]);
    }
}
