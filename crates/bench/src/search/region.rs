//! The synthetic region the search benchmark queries: a large ICS's worth of organisations,
//! locations, a needs taxonomy and services, generated from a seed and written to the log as
//! the directory's own events (`*_recorded`, `service_*`), in appends of about a thousand.
//!
//! Locations are 70% in ten towns (denser towards each centre) and 30% anywhere in the box;
//! services are named and described from the words of their needs, so text search has
//! something to match.

use chrono::{DateTime, Duration as Period, NaiveTime, TimeZone, Utc, Weekday};
use directory::domain::entry::{self, Record, Recorded};
use directory::domain::geo::Point;
use directory::domain::records::{Address, Location, Organization, Taxonomy, TaxonomyTerm};
use directory::domain::satellites::{Contact, CostOption, Schedule};
use directory::domain::service::{Details, Event, WaitlistBand};
use eventstore::aggregate::StoredEvent;
use eventstore::{Actor, AppendToStream, EventMetadata, EventStore, ExpectedVersion, NewEvent};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Events per `append_many` while loading: the point is to measure search, not writes.
const EVENTS_PER_APPEND: usize = 1_000;

/// The region: a 60 km × 60 km box around 52.6N 1.5W (about 0.27° by 0.445°).
pub(super) const CENTRE: (f64, f64) = (52.6, -1.5);
pub(super) const HALF_BOX: (f64, f64) = (0.27, 0.445);
const TAXONOMY_ID: &str = "linkwork-needs";

/// A need in the taxonomy, and what services meeting it are called.
#[derive(Debug)]
pub(super) struct Need {
    /// Its term id.
    pub(super) id: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    activities: &'static [&'static str],
}

const fn need(
    id: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    activities: &'static [&'static str],
) -> Need {
    Need {
        id,
        name,
        parent,
        activities,
    }
}

/// Twenty needs, six of them narrower terms of four others.
#[rustfmt::skip]
pub(super) const NEEDS: [Need; 20] = [
    need("loneliness", "Loneliness and isolation", None, &["befriending", "coffee morning", "lunch club"]),
    need("physical-activity", "Physical activity", None, &["exercise", "fitness", "dance", "tai chi"]),
    need("walking", "Walking groups", Some("physical-activity"), &["walking", "health walk", "rambling"]),
    need("chair-exercise", "Chair-based exercise", Some("physical-activity"), &["chair exercise", "seated yoga"]),
    need("mental-wellbeing", "Mental wellbeing", None, &["wellbeing", "mindfulness", "anxiety"]),
    need("peer-support", "Peer support", Some("mental-wellbeing"), &["peer support", "men's shed", "recovery"]),
    need("talking-therapies", "Talking therapies", Some("mental-wellbeing"), &["counselling", "listening"]),
    need("money", "Money and debt", None, &["debt advice", "budgeting", "money"]),
    need("benefits", "Benefits advice", Some("money"), &["benefits", "welfare rights", "pension credit"]),
    need("housing", "Housing", None, &["housing advice", "tenancy support", "homelessness"]),
    need("food", "Food", None, &["food bank", "community pantry", "cooking"]),
    need("carers", "Carers' support", None, &["carers", "respite", "carers cafe"]),
    need("employment", "Employment and skills", None, &["employment", "job club", "volunteering"]),
    need("arts", "Arts and creativity", None, &["art", "singing", "crafts", "choir"]),
    need("nature", "Nature and green space", None, &["gardening", "allotment", "conservation"]),
    need("digital", "Digital inclusion", None, &["digital", "computer", "tablet"]),
    need("bereavement", "Bereavement", None, &["bereavement", "grief"]),
    need("long-term-conditions", "Long-term conditions", None, &["diabetes", "breathing", "pain"]),
    need("dementia", "Dementia support", Some("long-term-conditions"), &["dementia", "memory cafe"]),
    need("substance-misuse", "Alcohol and drugs", None, &["alcohol", "recovery cafe"]),
];

/// Words a link worker types into the search box.
#[rustfmt::skip]
pub(super) const QUERY_WORDS: [&str; 20] = [
    "walking", "coffee", "gardening", "debt", "singing", "carers", "dementia", "art", "cooking",
    "befriending", "yoga", "bereavement", "digital", "employment", "food", "benefits", "anxiety",
    "peer support", "men's shed", "exercise",
];

/// A town: where most locations are.
#[derive(Debug)]
struct Town {
    name: &'static str,
    centre: (f64, f64),
    radius_km: f64,
    /// Its share of the towns' locations.
    weight: u32,
    postcode_area: &'static str,
}

const fn town(
    name: &'static str,
    centre: (f64, f64),
    radius_km: f64,
    weight: u32,
    postcode_area: &'static str,
) -> Town {
    Town {
        name,
        centre,
        radius_km,
        weight,
        postcode_area,
    }
}

#[rustfmt::skip]
static TOWNS: [Town; 10] = [
    town("Coventry", (52.41, -1.51), 7.0, 6, "CV"),
    town("Leicester", (52.64, -1.13), 7.0, 6, "LE"),
    town("Nuneaton", (52.52, -1.47), 4.0, 3, "CV"),
    town("Hinckley", (52.54, -1.37), 3.0, 2, "LE"),
    town("Tamworth", (52.63, -1.69), 4.0, 2, "B"),
    town("Bedworth", (52.48, -1.47), 3.0, 2, "CV"),
    town("Coalville", (52.72, -1.37), 3.0, 2, "LE"),
    town("Atherstone", (52.58, -1.55), 2.0, 1, "CV"),
    town("Ashby", (52.75, -1.47), 2.0, 1, "LE"),
    town("Market Bosworth", (52.62, -1.40), 1.5, 1, "CV"),
];

const KINDS: [&str; 8] = [
    "group", "club", "cafe", "service", "project", "hub", "circle", "drop-in",
];
const AUDIENCES: [&str; 5] = [
    "adults",
    "older people",
    "young people",
    "carers",
    "families",
];
#[rustfmt::skip]
const FILLER: [&str; 16] = [
    "welcoming", "volunteers", "weekly", "sessions", "local", "confidence", "friendly", "support",
    "community", "accessible", "refreshments", "meet", "people", "skills", "relaxed", "together",
];
#[rustfmt::skip]
const PLACES: [&str; 8] = [
    "community hall", "library", "church hall", "leisure centre", "health centre",
    "park pavilion", "youth centre", "village hall",
];
#[rustfmt::skip]
const DAYS: [Weekday; 7] = [
    Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun,
];

/// The synthetic region, written to the log as the directory's own events.
#[derive(Debug)]
pub(super) struct Region {
    rng: StdRng,
    /// The benchmark's "now": queries run as of it, and events happened before it.
    pub(super) now: DateTime<Utc>,
    services: usize,
    pub(super) organisations: usize,
    pub(super) locations: usize,
    metadata: EventMetadata,
    pending: Vec<AppendToStream>,
    pending_events: usize,
    written: u64,
}

impl Region {
    /// The region of `services` services generated from `seed`.
    pub(super) fn new(services: usize, seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            now: Utc
                .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
                .single()
                .unwrap_or_default(),
            services,
            organisations: services.div_ceil(25),
            locations: services.div_ceil(5).max(3),
            metadata: EventMetadata {
                correlation_id: Uuid::nil(),
                causation_id: None,
                traceparent: None,
                actor: Actor {
                    id: "bench-import".to_owned(),
                    organisation: "ICB-QWE".to_owned(),
                    role: "curator".to_owned(),
                },
                data_subject: None,
                tenant: "QWE".to_owned(),
            },
            pending: Vec::new(),
            pending_events: 0,
            written: 0,
        }
    }

    /// Writes the taxonomy, organisations, locations and services; returns the events written.
    pub(super) async fn write(&mut self, store: &EventStore) -> anyhow::Result<u64> {
        let taxonomy = Taxonomy {
            name: "Social prescribing needs".to_owned(),
            description: "The needs a link worker refers people for.".to_owned(),
            uri: None,
            version: Some("1".to_owned()),
        };
        self.record(store, TAXONOMY_ID, taxonomy).await?;
        for need in &NEEDS {
            let term = TaxonomyTerm {
                taxonomy_id: TAXONOMY_ID.to_owned(),
                code: Some(need.id.to_uppercase()),
                name: need.name.to_owned(),
                description: format!("Services that help with {}.", need.name.to_lowercase()),
                parent_id: need.parent.map(str::to_owned),
            };
            self.record(store, need.id, term).await?;
        }
        for n in 0..self.organisations {
            let organisation = self.organisation(n);
            self.record(store, &format!("org-{n:05}"), organisation)
                .await?;
        }
        for n in 0..self.locations {
            let location = self.location();
            self.record(store, &format!("loc-{n:05}"), location).await?;
        }
        for n in 0..self.services {
            let service_id = format!("svc-{n:06}");
            let events = self.service(&service_id);
            self.push(store, directory::app::stream_id(&service_id), events)
                .await?;
        }
        self.flush(store).await?;
        Ok(self.written)
    }

    async fn record<R: Record>(
        &mut self,
        store: &EventStore,
        id: &str,
        record: R,
    ) -> anyhow::Result<()> {
        let at = self.now - Period::days(800);
        let recorded = Recorded {
            id: id.to_owned(),
            record,
            provenance: None,
            at,
        };
        self.push(store, entry::stream_id::<R>(id), vec![(at, recorded)])
            .await
    }

    /// Queues one new stream's events, appending when a batch is full.
    async fn push<E: StoredEvent>(
        &mut self,
        store: &EventStore,
        stream_id: String,
        events: Vec<(DateTime<Utc>, E)>,
    ) -> anyhow::Result<()> {
        let events = events
            .iter()
            .map(|(at, event)| {
                let schema = directory::app::SCHEMA_VERSION;
                NewEvent::json(
                    Uuid::now_v7(),
                    event.event_type(),
                    schema,
                    *at,
                    event,
                    self.metadata.clone(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.pending_events += events.len();
        self.pending.push(AppendToStream {
            stream_id,
            expected: ExpectedVersion::NoStream,
            events,
        });
        if self.pending_events >= EVENTS_PER_APPEND {
            self.flush(store).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, store: &EventStore) -> anyhow::Result<()> {
        if !self.pending.is_empty() {
            store.append_many(&self.pending).await?;
            self.written += self.pending_events as u64;
            self.pending.clear();
            self.pending_events = 0;
        }
        Ok(())
    }

    fn organisation(&mut self, n: usize) -> Organization {
        let town = pick(&mut self.rng, &TOWNS).name;
        let need = pick(&mut self.rng, &NEEDS).name;
        Organization {
            name: format!("{town} {} trust", need.to_lowercase()),
            description: format!(
                "A local charity in {town} working on {}.",
                need.to_lowercase()
            ),
            email: Some(format!("hello@org{n}.example.org.uk")),
            website: Some(format!("https://org{n}.example.org.uk")),
            legal_status: Some(format!("Registered charity {}", 1_000_000 + n)),
        }
    }

    /// A place: 70% in a town (denser towards its centre), the rest anywhere in the region.
    fn place(&mut self) -> (&'static Town, Point) {
        let total: u32 = TOWNS.iter().map(|town| town.weight).sum();
        let mut ticket = self.rng.random_range(0..total);
        let mut town = &TOWNS[0];
        for candidate in &TOWNS {
            if ticket < candidate.weight {
                town = candidate;
                break;
            }
            ticket -= candidate.weight;
        }
        if self.rng.random_bool(0.3) {
            let latitude = CENTRE.0 + self.rng.random_range(-HALF_BOX.0..HALF_BOX.0);
            let longitude = CENTRE.1 + self.rng.random_range(-HALF_BOX.1..HALF_BOX.1);
            return (
                town,
                Point {
                    latitude,
                    longitude,
                },
            );
        }
        let km = town.radius_km * self.rng.random::<f64>();
        let angle = self.rng.random_range(0.0..std::f64::consts::TAU);
        let latitude = town.centre.0 + km * angle.cos() / 111.0;
        let longitude = town.centre.1 + km * angle.sin() / (111.0 * latitude.to_radians().cos());
        (
            town,
            Point {
                latitude,
                longitude,
            },
        )
    }

    fn location(&mut self) -> Location {
        let (town, point) = self.place();
        let letters = b"ABDEFGHJLNPQRSTUWXYZ";
        let mut letter = || letters[self.rng.random_range(0..letters.len())] as char;
        let inward = format!("{}{}", letter(), letter());
        let postal_code = format!(
            "{}{} {}{inward}",
            town.postcode_area,
            self.rng.random_range(1..=20),
            self.rng.random_range(1..=9)
        );
        Location {
            name: format!("{} {}", town.name, pick(&mut self.rng, &PLACES)),
            description: self
                .rng
                .random_bool(0.5)
                .then(|| "Step-free access; parking nearby.".to_owned()),
            address: Some(Address {
                address_1: format!("{} Station Road", self.rng.random_range(1..200)),
                address_2: None,
                city: town.name.to_owned(),
                region: None,
                postal_code,
                country: "GB".to_owned(),
            }),
            latitude: Some(point.latitude),
            longitude: Some(point.longitude),
        }
    }

    /// One service's stream: listed, at 1–3 locations, then perhaps capacity, a verification
    /// and a suspension.
    fn service(&mut self, service_id: &str) -> Vec<(DateTime<Utc>, Event)> {
        let listed_at = self.now - Period::days(self.rng.random_range(30..730));
        let details = self.details();
        let organisation_id = format!("org-{:05}", self.rng.random_range(0..self.organisations));
        let mut events = vec![(
            listed_at,
            Event::ServiceListed {
                service_id: service_id.to_owned(),
                organisation_id,
                takes_referrals: details.takes_referrals,
                details,
                provenance: None,
                at: listed_at,
            },
        )];
        let sites = self.rng.random_range(1..=3);
        for (k, location) in rand::seq::index::sample(&mut self.rng, self.locations, sites)
            .into_iter()
            .enumerate()
        {
            events.push((
                listed_at,
                Event::ServiceLocationAdded {
                    service_id: service_id.to_owned(),
                    service_at_location_id: format!("{service_id}-at-{k}"),
                    location_id: format!("loc-{location:05}"),
                    at: listed_at,
                },
            ));
        }
        events.extend(self.capacity(service_id));
        if self.rng.random_bool(0.7) {
            let at = self.now - Period::days(self.rng.random_range(0..500));
            let assurer = "curator@example.nhs.uk".to_owned();
            events.push((
                at,
                Event::ServiceVerified {
                    service_id: service_id.to_owned(),
                    assurer,
                    at,
                },
            ));
        }
        if self.rng.random_bool(0.03) {
            let at = self.now - Period::days(self.rng.random_range(0..30));
            let reason = "volunteer leader unavailable".to_owned();
            events.push((
                at,
                Event::ServiceSuspended {
                    service_id: service_id.to_owned(),
                    reason,
                    at,
                },
            ));
        }
        events
    }

    /// 60% report capacity; a fifth of those are full, half of the full ones waitlisted.
    fn capacity(&mut self, service_id: &str) -> Option<(DateTime<Utc>, Event)> {
        if !self.rng.random_bool(0.6) {
            return None;
        }
        let at = self.now - Period::days(self.rng.random_range(0..14));
        let maximum = self.rng.random_range(5..40);
        let full = self.rng.random_bool(0.2);
        let available = if full {
            0
        } else {
            self.rng.random_range(1..=maximum)
        };
        let waitlist =
            (full && self.rng.random_bool(0.5)).then(|| *pick(&mut self.rng, &WaitlistBand::ALL));
        Some((
            at,
            Event::ServiceCapacityChanged {
                service_id: service_id.to_owned(),
                available,
                maximum: Some(maximum),
                unit: "places".to_owned(),
                waitlist,
                at,
            },
        ))
    }

    fn details(&mut self) -> Details {
        let count = self.rng.random_range(1..=3);
        let needs = rand::seq::index::sample(&mut self.rng, NEEDS.len(), count);
        let terms: Vec<&Need> = needs.iter().map(|k| &NEEDS[k]).collect();
        let activity = *pick(&mut self.rng, terms[0].activities);
        let also = *pick(&mut self.rng, terms[terms.len() - 1].activities);
        let kind = *pick(&mut self.rng, &KINDS);
        let filler: Vec<&str> = (0..8).map(|_| *pick(&mut self.rng, &FILLER)).collect();
        let (minimum_age, maximum_age) = self.ages();
        Details {
            name: format!("{} {activity} {kind}", pick(&mut self.rng, &TOWNS).name),
            description: format!(
                "A {kind} offering {activity} and {also} for {}. {}.",
                pick(&mut self.rng, &AUDIENCES),
                filler.join(" ")
            ),
            url: None,
            email: Some("info@example.org.uk".to_owned()),
            taxonomy_terms: terms.iter().map(|need| need.id.to_owned()).collect(),
            minimum_age,
            maximum_age,
            eligibility_description: self
                .rng
                .random_bool(0.2)
                .then(|| "Carers and people living with long-term conditions".to_owned()),
            takes_referrals: self.rng.random_bool(0.85),
            languages: if self.rng.random_bool(0.1) {
                vec!["en".to_owned(), "pl".to_owned()]
            } else {
                vec!["en".to_owned()]
            },
            schedules: (0..self.rng.random_range(1..=2))
                .map(|_| self.schedule())
                .collect(),
            cost_options: vec![CostOption {
                amount_pence: Some(if self.rng.random_bool(0.5) {
                    0
                } else {
                    self.rng.random_range(100..1000)
                }),
                option: Some("per session".to_owned()),
                amount_description: None,
            }],
            contacts: vec![Contact {
                name: Some("Service coordinator".to_owned()),
                title: None,
                email: None,
                phones: vec![format!("024 7{:07}", self.rng.random_range(0..10_000_000))],
            }],
        }
    }

    fn ages(&mut self) -> (Option<u8>, Option<u8>) {
        match self.rng.random_range(0..20) {
            0..7 => (None, None),
            7..12 => (Some(18), None),
            12..15 => (Some(*pick(&mut self.rng, &[50, 55, 65])), None),
            15..17 => (Some(11), Some(18)),
            _ => (Some(16), Some(25)),
        }
    }

    fn schedule(&mut self) -> Schedule {
        let count = self.rng.random_range(1..=3);
        let days = rand::seq::index::sample(&mut self.rng, DAYS.len(), count);
        let opens = self.rng.random_range(9..18);
        Schedule {
            days: days.iter().map(|day| DAYS[day]).collect(),
            opens_at: NaiveTime::from_hms_opt(opens, 0, 0),
            closes_at: NaiveTime::from_hms_opt(opens + 2, 0, 0),
            valid_from: None,
            valid_to: None,
            description: None,
        }
    }
}

/// One of `items`, at random.
pub(super) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}
