//! The demo region: loads **Linbridge**, a fictional region of an Integrated Care System, into
//! a running Linkwork so that every query a newcomer tries has something to show.
//!
//! It talks only to the public APIs, as the region's people would: a curator fills the
//! directory over its gRPC API (a needs taxonomy, VCSE organisations, venues at the demo
//! postcodes `LW1`–`LW9`, and services with schedules, costs, contacts and capacity, some
//! stale, suspended or signposting-only); GP practices refer people over FHIR, each person a
//! contained UK Core Patient with a date of birth, sex, ethnic category and home postcode (all
//! synthetic, `demographics.rs`), so the referral service publishes their age band and
//! deprivation decile for outcomes and equity reporting; link workers, and the VCSE providers
//! they refer people on to, walk each referral through the pathway over the referral service's
//! gRPC API, and record outcome measures over the outcomes service's (SWEMWBS, EQ-5D-5L, ONS4 or
//! UCLA-3, synthetic answers) at baseline and, for those connected to a service, at follow-up
//! (`measures.rs`); the providers publish their weekly sessions and keep the registers of
//! the people they took on over the engagement service's (`attendance.rs`), and an activity
//! app's integrator sends three weeks of daily steps for those who consented to share device
//! data (`devices.rs`, synthetic; some slowing down, so a device-activity lapse shows). Every
//! call is signed in as the person making it, with a token from the instance's issuer (the
//! local issuer of `linkwork up`).
//!
//! Everything is derived from a seed, ids included, so a re-run with the same seed finds what
//! it made before and makes nothing new.
//!
//! The instance must know the demo postcodes (`directory::postcodes::DEMO_REGION_CSV`, which
//! `linkwork up --demo` loads) and accept NHS numbers in the 999 test range.

mod attendance;
mod calls;
mod demographics;
mod devices;
mod error;
mod fhir;
mod handoff;
mod journey;
mod listing;
mod measures;
mod onward;
mod people;
mod personas;
mod progress;
mod region;
mod report;
mod seed;
mod services;
mod taxonomy;
mod words;

pub use error::DemoError;
pub use people::PCNS;
pub use personas::{Persona, personas};
pub use progress::{Progress, Stage};
pub use report::{Report, SYNTHETIC, Tally};

use calls::{Clients, Written};
use region::{Postcodes, Region};

/// Most people one load walks (their NHS numbers are unique up to this many).
const MAX_PEOPLE: usize = 100_000;
/// Most services one load lists.
const MAX_SERVICES: usize = 20_000;

/// Where the instance's public APIs are.
#[derive(Debug, Clone)]
pub struct Target {
    /// The gRPC API (directory and referral), e.g. `http://127.0.0.1:50051`.
    pub grpc: String,
    /// The HTTP API (FHIR under `/fhir`), e.g. `http://127.0.0.1:8080`.
    pub http: String,
    /// The issuer whose tokens the instance accepts, to sign the region's people in.
    pub issuer: identity::LocalIssuer,
}

/// What to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Grows the region: the same seed gives the same region and people.
    pub seed: u64,
    /// Services in the directory (an organisation, with two venues, for every five).
    pub services: usize,
    /// People referred and walked through the pathway.
    pub people: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            services: 300,
            people: 300,
        }
    }
}

impl Options {
    fn check(&self) -> Result<(), DemoError> {
        if self.services > MAX_SERVICES {
            return Err(DemoError::Options(format!(
                "services must be at most {MAX_SERVICES}"
            )));
        }
        if self.people > MAX_PEOPLE {
            return Err(DemoError::Options(format!(
                "people must be at most {MAX_PEOPLE}"
            )));
        }
        Ok(())
    }
}

/// Loads the region grown from `options.seed` into the instance at `target`, reporting
/// progress stage by stage; stops at the first step a service refuses, naming it.
pub async fn load(
    target: Target,
    options: Options,
    mut progress: impl FnMut(Progress),
) -> Result<Report, DemoError> {
    options.check()?;
    let postcodes = Postcodes::demo()?;
    let region = Region::generate(options.seed, options.services, &postcodes);
    let clients = Clients::connect(&target).await?;
    let mut report = Report::default();
    listing::load(&clients, &region, &mut report, &mut progress).await?;
    let people = (0..options.people)
        .map(|number| people::generate(options.seed, number, &postcodes))
        .collect::<Vec<_>>();
    let clients = &clients;
    progress::run_stage(
        Stage::People,
        people.iter().collect(),
        &mut progress,
        |person| journey::walk(clients, options.seed, person),
        |walked| tally(&mut report, walked),
    )
    .await?;
    Ok(report)
}

fn tally(report: &mut Report, walked: journey::Walked) {
    if walked.existing {
        report.referrals.count(Written::Existing);
        return;
    }
    report.referrals.count(Written::Created);
    *report
        .referrals_by_status
        .entry(walked.status.to_owned())
        .or_default() += 1;
    report.onward_referrals += walked.onward.len();
    for status in walked.onward {
        *report
            .onward_by_status
            .entry(status.to_owned())
            .or_default() += 1;
    }
    report.signposted += usize::from(walked.signposted);
    report.outcome_responses += walked.responses;
    report.attended += walked.places.attended;
    report.missed += walked.places.missed;
    report.device_days += walked.device_days;
    report.unmatched += usize::from(walked.unmatched);
}
