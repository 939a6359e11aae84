//! The region's services: what each offers, where and when, to whom, at what cost, how to ask,
//! and how it stands (room, full, waiting list; checked or stale; suspended; signposting only).
//!
//! Services come in fives, one organisation's each, meeting one or two of its needs (so an
//! advice centre runs money advice and a park's friends run walks), at its own two venues and
//! now and then at a venue shared with an earlier organisation. So a service depends only on
//! the seed, its number and (for its name) its organisation's earlier services, never on how
//! many services are loaded.

use std::collections::HashSet;

use proto::directory::v1 as pb;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use uuid::Uuid;

use crate::region::{Location, Organisation};
use crate::seed;
use crate::taxonomy::{self, TERMS};
use crate::words::{self, DISTRICTS, FAMILY_NAMES, GIVEN_NAMES};

/// Why a suspended service is suspended.
const SUSPENSIONS: [&str; 3] = [
    "Venue closed for repairs until further notice",
    "Coordinator on leave; sessions paused",
    "Funding under review; no new sessions booked",
];

/// Sessions: days of the week, times and how they are described.
const SLOTS: [(&str, &str); 4] = [
    ("10:00", "12:00"),
    ("13:30", "15:30"),
    ("18:30", "20:00"),
    ("09:30", "16:00"),
];
const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A service as it is to be listed, and then set up.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub(crate) id: Uuid,
    /// Index of its organisation in the region.
    pub(crate) organisation: usize,
    pub(crate) details: pb::ServiceDetails,
    /// Where it is delivered: (service_at_location id, index of the location in the region).
    pub(crate) locations: Vec<(Uuid, usize)>,
    /// Its capacity, when the provider reports one.
    pub(crate) capacity: Option<pb::Capacity>,
    /// Whether a curator has checked its details (the rest show as stale).
    pub(crate) verified: bool,
    /// Why it is suspended, if it is.
    pub(crate) suspended: Option<&'static str>,
}

/// Services each organisation runs.
pub(crate) const PER_ORGANISATION: usize = 5;
/// Venues each organisation has.
pub(crate) const VENUES_PER_ORGANISATION: usize = 2;

/// Service `index` of the region grown from `seed`; `organisations` and `locations` must
/// include its organisation's (`index / PER_ORGANISATION`) and that organisation's venues.
pub(crate) fn generate(
    seed: u64,
    index: usize,
    organisations: &[Organisation],
    locations: &[Location],
) -> Service {
    let mut rng = seed::rng(seed, "service", index);
    let owner = index / PER_ORGANISATION;
    let organisation = &organisations[owner];
    let codes = organisation.terms;
    let primary = codes[(index % PER_ORGANISATION) % codes.len()];
    let mut terms = vec![primary];
    if rng.random_bool(0.3)
        && let Some(second) = codes.iter().find(|code| **code != primary)
    {
        terms.push(second);
    }
    let at = places(&mut rng, owner);
    let district = locations[at[0]].district;
    let term = &TERMS[taxonomy::index_of(primary).unwrap_or(0)];
    let (pattern, description) = *term.services.choose(&mut rng).unwrap_or(&("{place}", ""));
    let name = words::at_place(pattern, DISTRICTS[district]);
    let takes_referrals = rng.random_bool(0.85);
    let details = pb::ServiceDetails {
        url: format!("{}/{}", organisation.website(), words::slug(&name)),
        email: match takes_referrals {
            true => organisation.email("referrals"),
            false => String::new(),
        },
        taxonomy_terms: terms
            .iter()
            .map(|code| taxonomy::term_id(code).to_string())
            .collect(),
        takes_referrals,
        languages: languages(&mut rng),
        schedules: vec![schedule(&mut rng, primary)],
        cost_options: vec![cost(&mut rng)],
        contacts: vec![contact(&mut rng, organisation)],
        name,
        description: description.to_owned(),
        ..ages(&mut rng, primary)
    };
    Service {
        id: seed::id(seed, "service", index),
        organisation: owner,
        locations: at
            .into_iter()
            .map(|location| {
                let link = seed::id(seed, &format!("service/{index}/at"), location);
                (link, location)
            })
            .collect(),
        capacity: capacity(&mut rng, primary),
        verified: rng.random_bool(0.6),
        suspended: rng
            .random_bool(0.05)
            .then(|| SUSPENSIONS[rng.random_range(0..SUSPENSIONS.len())]),
        details,
    }
}

/// Gives every service a name none of its organisation's earlier services has. Names come
/// from a few patterns per need and the district, so siblings meeting the same need in the
/// same district would otherwise be indistinguishable to a link worker: a repeat is told apart
/// by its first venue, and numbered only if that is taken too. Only earlier services are
/// looked at, so a small region stays a prefix of a larger one.
pub(crate) fn distinct_names(
    services: &mut [Service],
    organisations: &[Organisation],
    locations: &[Location],
) {
    let mut taken: HashSet<(usize, String)> = HashSet::new();
    for service in services {
        let owner = service.organisation;
        let base = service.details.name.clone();
        let free = |name: &String| !taken.contains(&(owner, name.clone()));
        let venue = service
            .locations
            .first()
            .map(|(_, at)| &locations[*at].name);
        let name = std::iter::once(base.clone())
            .chain(venue.map(|venue| format!("{base} at {venue}")))
            .chain((2..).map(|n| format!("{base} {n}")))
            .find(free)
            .unwrap_or(base);
        if name != service.details.name {
            let website = organisations[owner].website();
            service.details.url = format!("{website}/{}", words::slug(&name));
            service.details.name = name.clone();
        }
        taken.insert((owner, name));
    }
}

/// One to three venues (indices into the region's): first one of the organisation's own, then
/// any venue of it or an earlier organisation.
fn places(rng: &mut StdRng, owner: usize) -> Vec<usize> {
    let wanted = match rng.random_range(0..10) {
        0..6 => 1,
        6..9 => 2,
        _ => 3,
    };
    let own = owner * VENUES_PER_ORGANISATION;
    let first = own + rng.random_range(0..VENUES_PER_ORGANISATION);
    let mut others: Vec<usize> = (0..own + VENUES_PER_ORGANISATION)
        .filter(|&i| i != first)
        .collect();
    others.shuffle(rng);
    let mut chosen = vec![first];
    chosen.extend(others.into_iter().take(wanted - 1));
    chosen
}

/// Who it is for: adults; some groups for the over-50s; work and carers' services from 16.
fn ages(rng: &mut StdRng, term: &str) -> pb::ServiceDetails {
    let (minimum, maximum, eligibility) = match term {
        "employment" => (16, Some(66), "People of working age"),
        "carers" => (16, None, "Unpaid carers, and young carers from 16"),
        "loneliness" | "befriending" | "physical-activity" | "walking" if rng.random_bool(0.3) => {
            (50, None, "People aged 50 and over")
        }
        _ => (18, None, ""),
    };
    pb::ServiceDetails {
        minimum_age: Some(minimum),
        maximum_age: maximum,
        eligibility_description: eligibility.to_owned(),
        ..pb::ServiceDetails::default()
    }
}

fn languages(rng: &mut StdRng) -> Vec<String> {
    let mut languages = vec!["en".to_owned()];
    if rng.random_bool(0.15) {
        let other = ["pl", "ur", "pa", "gu", "ro"].choose(rng).copied();
        languages.extend(other.map(str::to_owned));
    }
    languages
}

/// Weekly sessions (advice runs on weekdays), or now and then a monthly one in words only.
fn schedule(rng: &mut StdRng, term: &str) -> pb::Schedule {
    if matches!(term, "money" | "benefits" | "housing") {
        let (opens, closes) = SLOTS[3];
        return pb::Schedule {
            days: DAYS[..5].iter().map(|day| (*day).to_owned()).collect(),
            opens_at: opens.to_owned(),
            closes_at: closes.to_owned(),
            description: "Appointments on weekdays, 09:30 to 16:00".to_owned(),
            ..pb::Schedule::default()
        };
    }
    let (opens, closes) = SLOTS[rng.random_range(0..3)];
    if rng.random_bool(0.15) {
        return pb::Schedule {
            description: format!("First Saturday of each month, {opens} to {closes}"),
            ..pb::Schedule::default()
        };
    }
    let mut days: Vec<usize> = (0..6).collect();
    days.shuffle(rng);
    days.truncate(rng.random_range(1..=2));
    days.sort_unstable();
    let named: Vec<String> = days.iter().map(|&d| capitalised(DAYS[d])).collect();
    pb::Schedule {
        days: days.iter().map(|&d| DAYS[d].to_owned()).collect(),
        opens_at: opens.to_owned(),
        closes_at: closes.to_owned(),
        description: format!("Every {}, {opens} to {closes}", named.join(" and ")),
        ..pb::Schedule::default()
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Mostly free; some a small charge (free to some), some pay-as-you-feel.
fn cost(rng: &mut StdRng) -> pb::CostOption {
    match rng.random_range(0..100) {
        0..80 => pb::CostOption {
            amount_pence: Some(0),
            option: "per session".to_owned(),
            amount_description: "Free".to_owned(),
        },
        80..92 => pb::CostOption {
            amount_pence: [200, 300, 350, 500].choose(rng).copied(),
            option: "per session".to_owned(),
            amount_description: "Free for carers and people on benefits".to_owned(),
        },
        _ => pb::CostOption {
            amount_pence: None,
            option: "Pay as you feel".to_owned(),
            amount_description: "Donations welcome".to_owned(),
        },
    }
}

/// The person to ask: an example.org address and a number in Ofcom's drama range (01632
/// 960000 to 960999), so nobody real is ever rung or written to.
fn contact(rng: &mut StdRng, organisation: &Organisation) -> pb::Contact {
    let given = GIVEN_NAMES.choose(rng).copied().unwrap_or("Sam");
    let family = FAMILY_NAMES.choose(rng).copied().unwrap_or("Smith");
    let title = ["Coordinator", "Volunteer lead", "Project worker"]
        .choose(rng)
        .copied()
        .unwrap_or_default();
    let mailbox = format!("{}.{}", given, family).to_ascii_lowercase();
    pb::Contact {
        name: format!("{given} {family}"),
        title: title.to_owned(),
        email: organisation.email(&mailbox),
        phones: vec![format!("01632 960{:03}", rng.random_range(0..1000))],
    }
}

/// Room (55%), full (12%), full with a waiting list (18%) or never reported (15%).
fn capacity(rng: &mut StdRng, term: &str) -> Option<pb::Capacity> {
    let unit = match term {
        "money" | "benefits" | "housing" => "appointments",
        _ => "places",
    };
    let maximum = rng.random_range(8..=24);
    let (available, waitlist) = match rng.random_range(0..100) {
        0..55 => (rng.random_range(1..=maximum), ""),
        55..67 => (0, ""),
        67..85 => (
            0,
            *["up_to_two_weeks", "two_to_six_weeks", "over_six_weeks"]
                .choose(rng)
                .unwrap_or(&""),
        ),
        _ => return None,
    };
    Some(pb::Capacity {
        available,
        maximum: Some(maximum),
        unit: unit.to_owned(),
        waitlist: waitlist.to_owned(),
        updated_at: None,
    })
}

#[cfg(test)]
mod tests {
    use crate::region::{Postcodes, Region};

    #[test]
    fn services_have_the_spread_a_demo_needs() {
        let postcodes = Postcodes::demo().expect("the shipped sample");
        let region = Region::generate(1, 300, &postcodes);
        let count = |keep: &dyn Fn(&super::Service) -> bool| {
            region.services.iter().filter(|s| keep(s)).count()
        };
        let full = |s: &super::Service| s.capacity.as_ref().is_some_and(|c| c.available == 0);
        assert!(count(&|s| s.details.takes_referrals && !full(s)) > 150);
        assert!(count(&full) > 30);
        assert!(count(&|s| !s.details.takes_referrals) > 20);
        assert!(count(&|s| s.suspended.is_some()) > 3);
        assert!(count(&|s| !s.verified) > 60);
        assert!(count(&|s| s.capacity.is_none()) > 20);
        for service in &region.services {
            let contact = &service.details.contacts[0];
            assert!(contact.email.ends_with(".example.org"), "{}", contact.email);
            assert!(
                contact.phones[0].starts_with("01632 960"),
                "{:?}",
                contact.phones
            );
            assert!((1..=3).contains(&service.locations.len()));
        }
    }
}
