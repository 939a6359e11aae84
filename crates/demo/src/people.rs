//! The people of Linbridge whom GPs refer, and what is to happen to each: who refers them,
//! where they live, what matters to them, and how far along the pathway they get.
//!
//! The spread is what a newcomer should see: most people connected to one or two local
//! services, some never reached, some who decline, some still waiting or in progress.

use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

use crate::demographics::Demographics;
use crate::region::Postcodes;
use crate::seed;
use crate::taxonomy::TERMS;
use crate::words::{DISTRICTS, FAMILY_NAMES};

/// The link-worker teams, one per primary care network of three districts (north, central,
/// south). These are the organisations whose holdings fill up.
pub const PCNS: [&str; 3] = ["LWPCN-NORTH", "LWPCN-CENTRAL", "LWPCN-SOUTH"];

/// Each team's link workers (user ids).
pub(crate) const LINK_WORKERS: [[&str; 3]; 3] = [
    ["lw-north-amira", "lw-north-owen", "lw-north-priya"],
    ["lw-central-ben", "lw-central-nadia", "lw-central-rhys"],
    ["lw-south-chloe", "lw-south-kiran", "lw-south-una"],
];

/// How far along the pathway a person gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Path {
    /// Not yet accepted by the link workers; the practice may have confirmed delivery.
    Waiting { received: bool },
    /// The practice withdrew it: it should never have been made.
    EnteredInError,
    /// The link workers turned it down.
    Rejected,
    /// Three attempts to make contact, none reached them: failed.
    NeverReached,
    /// Reached, but they did not want social prescribing.
    Declined,
    /// Assessed; the link worker is still working with them.
    Assessed,
    /// Assessed, then paused (in hospital).
    OnHold,
    /// Assessed, then they moved: handed to the next network's link workers.
    Moved,
    /// Referred on, then they withdrew consent: everything is cancelled.
    WithdrewConsent,
    /// Referred on to one or two services; `close` if the link worker closes the loop once
    /// every provider has answered.
    Connected { onward: usize, close: bool },
}

/// What a provider does with an onward referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offer {
    /// Accepted, attended, completed with an outcome.
    Completed,
    /// Accepted; sessions under way.
    Attending,
    /// Accepted, but they never came.
    DidNotAttend,
    /// Turned down (no room after all, or not the right service).
    Rejected,
    /// Not answered yet.
    Unanswered,
}

/// One person and their referral.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) number: usize,
    pub(crate) referral_id: Uuid,
    pub(crate) nhs_number: String,
    /// Their age on the day they are referred.
    pub(crate) age: u32,
    /// Their home postcode, one of the demo sample's.
    pub(crate) postcode: String,
    /// Their date of birth, sex and ethnic category (synthetic, as everything here).
    pub(crate) demographics: Demographics,
    /// The practice's (fictional) ODS code, and the referring GP.
    pub(crate) practice: String,
    pub(crate) gp: String,
    /// Index into `PCNS`.
    pub(crate) pcn: usize,
    pub(crate) urgent: bool,
    pub(crate) share_with_providers: bool,
    pub(crate) share_outcome: bool,
    /// Whether they consent to their device data (wearables, apps) being recorded and shared.
    pub(crate) share_device_data: bool,
    /// Indices into `TERMS`: the needs that matter to them, most pressing first.
    pub(crate) needs: Vec<usize>,
    pub(crate) path: Path,
    /// Unanswered calls before they are reached (all three for `NeverReached`).
    pub(crate) missed_calls: usize,
    /// Their link worker hands them to a colleague part way (leave, caseload).
    pub(crate) handed_to_colleague: bool,
    /// What each provider does, in the order they are referred.
    pub(crate) offers: Vec<Offer>,
    /// Draws for choices made along the way (which search answer, which words).
    pub(crate) choices: u64,
}

impl Person {
    /// The link worker who first takes them on, and the colleague who may take over.
    pub(crate) fn link_workers(&self) -> (&'static str, &'static str) {
        let team = LINK_WORKERS[self.pcn];
        let first = (self.choices % 3) as usize;
        (team[first], team[(first + 1) % 3])
    }

    /// The child referral id of onward referral `k`.
    pub(crate) fn onward_id(&self, seed: u64, k: usize) -> Uuid {
        seed::id(seed, &format!("person/{}/onward", self.number), k)
    }
}

/// The practice of a district (fictional ODS-style codes: no real practice starts `LWP`).
pub(crate) fn practice(district: usize) -> String {
    format!("LWP{:03}", district + 1)
}

/// Person `number` of the region grown from `seed`.
pub(crate) fn generate(seed: u64, number: usize, postcodes: &Postcodes) -> Person {
    let mut rng = seed::rng(seed, "person", number);
    let district = rng.random_range(0..DISTRICTS.len());
    let gp = FAMILY_NAMES[(district * 2 + rng.random_range(0..2)) % FAMILY_NAMES.len()];
    let age = match rng.random_bool(0.55) {
        true => rng.random_range(60..=92),
        false => rng.random_range(18..=59),
    };
    let path = path(&mut rng);
    let onward = match path {
        Path::Connected { onward, .. } => onward,
        Path::WithdrewConsent => 1,
        _ => 0,
    };
    Person {
        number,
        referral_id: seed::id(seed, "person", number),
        nhs_number: nhs_number(seed, number),
        age,
        postcode: postcodes.pick(district, &mut rng),
        demographics: Demographics::draw(seed, number),
        practice: practice(district),
        gp: format!("dr-{}", gp.to_ascii_lowercase()),
        pcn: district / 3,
        urgent: rng.random_bool(0.1),
        share_with_providers: rng.random_bool(0.92),
        share_outcome: rng.random_bool(0.85),
        share_device_data: device_data_consent(seed, number),
        needs: needs(&mut rng),
        missed_calls: match path {
            Path::NeverReached => 3,
            _ => rng.random_range(0..=2),
        },
        handed_to_colleague: rng.random_bool(0.12),
        offers: (0..onward).map(|_| offer(&mut rng)).collect(),
        choices: rng.random(),
        path,
    }
}

/// Four in five consent to their device data being shared, drawn from a stream of its own
/// (as the demographics are) so that asking it changed no one's other draws: a region grown
/// from a seed is the same people it was before.
fn device_data_consent(seed: u64, number: usize) -> bool {
    seed::rng(seed, "person/device-data", number).random_bool(0.8)
}

fn path(rng: &mut StdRng) -> Path {
    match rng.random_range(0..100) {
        0..3 => Path::Waiting { received: false },
        3..6 => Path::Waiting { received: true },
        6..7 => Path::EnteredInError,
        7..10 => Path::Rejected,
        10..18 => Path::NeverReached,
        18..25 => Path::Declined,
        25..33 => Path::Assessed,
        33..37 => Path::OnHold,
        37..40 => Path::Moved,
        40..44 => Path::WithdrewConsent,
        _ => Path::Connected {
            onward: rng.random_range(1..=2),
            close: rng.random_bool(0.7),
        },
    }
}

fn offer(rng: &mut StdRng) -> Offer {
    match rng.random_range(0..100) {
        0..35 => Offer::Completed,
        35..60 => Offer::Attending,
        60..68 => Offer::DidNotAttend,
        68..83 => Offer::Rejected,
        _ => Offer::Unanswered,
    }
}

/// One or two needs, the common ones more often.
fn needs(rng: &mut StdRng) -> Vec<usize> {
    let total: u32 = TERMS.iter().map(|term| term.weight).sum();
    let mut draw = || {
        let mut at = rng.random_range(0..total);
        TERMS
            .iter()
            .position(|term| {
                let hit = at < term.weight;
                at = at.saturating_sub(term.weight);
                hit
            })
            .unwrap_or(0)
    };
    let first = draw();
    let second = draw();
    match rng.random_bool(0.5) && second != first {
        true => vec![first, second],
        false => vec![first],
    }
}

/// A test-range NHS number (999…), unique within a region: `999`, five digits that differ for
/// each of the first 100,000 people, and the one digit of 0–9 that makes the modulus-11 check
/// digit issuable (stepping a weight-2 digit moves the remainder, so one always does).
pub(crate) fn nhs_number(seed: u64, number: usize) -> String {
    let offset = seed % 100_000;
    let serial = (offset + (number as u64 % 100_000) * 7_919) % 100_000;
    (0..=9)
        .find_map(|last| {
            let first_nine = format!("999{serial:05}{last}");
            check_digit(&first_nine).map(|check| format!("{first_nine}{check}"))
        })
        .unwrap_or_default()
}

/// The modulus-11 check digit of nine digits, or `None` when it would be 10 (never issued).
fn check_digit(first_nine: &str) -> Option<u32> {
    let sum: u32 = first_nine
        .chars()
        .filter_map(|c| c.to_digit(10))
        .zip((2..=10).rev())
        .map(|(digit, weight)| digit * weight)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        check => Some(check),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_numbers_are_ten_digits_in_the_test_range_and_unique() {
        let numbers: std::collections::BTreeSet<String> =
            (0..5_000).map(|n| nhs_number(42, n)).collect();
        assert_eq!(numbers.len(), 5_000);
        for number in &numbers {
            assert_eq!(number.len(), 10);
            assert!(number.starts_with("999"));
            assert!(check_digit(&number[..9]).is_some());
            let parsed = referral::domain::nhs_number::NhsNumber::parse(number, true);
            assert!(parsed.is_ok(), "the referral service accepts {number}");
        }
        // The vector the referral service's own tests accept.
        assert_eq!(check_digit("999000001"), Some(8));
    }

    #[test]
    fn people_spread_across_the_pathway() {
        let postcodes = Postcodes::demo().expect("the shipped sample");
        let people: Vec<Person> = (0..300).map(|n| generate(1, n, &postcodes)).collect();
        let count = |keep: &dyn Fn(&Person) -> bool| people.iter().filter(|p| keep(p)).count();
        assert!(count(&|p| matches!(p.path, Path::Connected { .. })) > 120);
        assert!(count(&|p| p.path == Path::NeverReached) > 10);
        assert!(count(&|p| p.path == Path::Declined) > 10);
        assert!(count(&|p| matches!(p.path, Path::Waiting { .. })) > 5);
        assert!(count(&|p| p.path == Path::WithdrewConsent) > 3);
        for person in &people {
            assert!(!person.needs.is_empty() && person.needs.len() <= 2);
            assert!(PCNS.get(person.pcn).is_some());
        }
    }

    #[test]
    fn most_people_consent_to_device_data_and_the_same_people_each_time() {
        let postcodes = Postcodes::demo().expect("the shipped sample");
        let consenting = |seed| -> Vec<bool> {
            (0..300)
                .map(|n| generate(seed, n, &postcodes).share_device_data)
                .collect()
        };
        let first = consenting(1);
        let given = first.iter().filter(|given| **given).count();
        // Four in five, give or take what 300 draws give; some withhold it.
        assert!((210..=270).contains(&given), "{given} of 300");
        assert_eq!(consenting(1), first, "the seed decides who");
    }
}
