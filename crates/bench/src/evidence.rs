//! Engagement: integrators' daily device summaries recorded through
//! `EngagementApp::record_evidence` — each batch checked whole (each summary's numbers and
//! provenance, its referral looked up in the view: the person's consent to share device data,
//! the day within the referral), the log asked which of its records it holds already (event
//! ids derived from provenance), and what is new appended in one `append_many` — beside a
//! plain `append_many` of the same events in the same batches to a fresh log in the same run.
//! Then the last night is sent again, as an integrator retrying would, and its steps timed
//! apart: the referral lookups and the read of the records held.

mod nights;
mod plain;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use engagement::app::{Context, EngagementApp, NewSummary};
use engagement::config::EngagementSettings;
use engagement::directory::Directory;
use engagement::domain::evidence::{self, Provenance};
use eventstore::EventStore;
use servicekit::{Peers, Settings};
use testkit::BackendKind;
use uuid::Uuid;

use crate::fixtures::{Backends, backend_name, fresh_store, rate};
use nights::{INTEGRATOR, Nights};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Which backends to measure.
    #[arg(long, value_enum, default_value = "both")]
    backends: Backends,
    /// Summaries to record in all: referrals × days × measures.
    #[arg(long, default_value_t = 1_000_000)]
    summaries: u64,
    /// Nights, one day's summaries each.
    #[arg(long, default_value_t = 100)]
    days: u64,
    /// Measures per person per day (1 to 3: steps, active minutes, app check-ins).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3))]
    measures: u64,
    /// Most summaries per batch (a FHIR Bundle holds at most 1,000).
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Seed of the values.
    #[arg(long, default_value_t = 13)]
    seed: u64,
}

/// The tenant of the deployment.
const TENANT: &str = "QWE";

/// One backend's run.
#[derive(Debug)]
struct Ingest {
    backend: &'static str,
    shape: String,
    summaries: u64,
    batch: usize,
    batches: u64,
    recorded: Duration,
    plain: Duration,
    resent: Resent,
}

/// The last night sent again: every record held, nothing appended.
#[derive(Debug)]
struct Resent {
    batches: u64,
    summaries: u64,
    /// `record_evidence` over the night.
    elapsed: Duration,
    /// `referral_view::find` for each referral of each batch.
    lookups: Duration,
    /// `EventStore::read_events` of each batch's ids.
    reads: Duration,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let per_referral = args.days * args.measures;
    let referrals = args.summaries / per_referral;
    anyhow::ensure!(referrals > 0, "fewer summaries than days × measures");
    let mut rows = Vec::new();
    for kind in args.backends.kinds() {
        let nights = Nights::new(referrals, args.days, args.measures as usize, args.batch);
        let row = measure(kind, &nights, args.seed).await?;
        eprintln!("{row:?}");
        rows.push(row);
    }
    print_ingest(&rows);
    println!();
    print_resent(&rows);
    Ok(())
}

async fn measure(kind: BackendKind, nights: &Nights, seed: u64) -> anyhow::Result<Ingest> {
    let backend = backend_name(kind);
    let (_database, store) = fresh_store(kind, 4).await;
    // What a running service holds before the first summary (not measured).
    let app = engagement_app(&store).await?;
    nights.insert_view(&store).await?;
    let caller = identity::Caller::new("integrator-0001", INTEGRATOR, "integrator");
    let (mut recorded, mut batches, mut summaries) = (Duration::ZERO, 0, 0);
    for night in 0..nights.nights() {
        for batch in nights.night(night, seed) {
            let count = batch.len() as u64;
            let context = Context::of_http(&caller, Uuid::now_v7());
            let started = Instant::now();
            let answers = app.record_evidence(batch, &context).await?;
            recorded += started.elapsed();
            anyhow::ensure!(
                answers.iter().all(|(_, now)| *now),
                "a summary was taken for one recorded before"
            );
            batches += 1;
            summaries += count;
        }
        if (night + 1) % 10 == 0 {
            eprintln!(
                "{backend}: {} nights, {summaries} summaries, {:.0} summaries/s",
                night + 1,
                rate(summaries, recorded)
            );
        }
    }
    anyhow::ensure!(summaries == nights.summaries(), "recorded {summaries}");
    let resent = resend(&app, &caller, nights, seed).await?;

    let (_plain_database, plain_store) = fresh_store(kind, 4).await;
    let (plain, appended) = plain::append(&store, &plain_store, summaries).await?;
    anyhow::ensure!(appended == summaries, "appended {appended} plainly");
    Ok(Ingest {
        backend,
        shape: nights.shape(),
        summaries,
        batch: nights.batch(),
        batches,
        recorded,
        plain,
        resent,
    })
}

/// The engagement service over `store`, its tables made, with the settings' defaults.
async fn engagement_app(store: &EventStore) -> anyhow::Result<EngagementApp> {
    engagement::migrate(store).await?;
    // The defaults are `services/engagement/src/config.rs`'s; the key signs check-in tokens,
    // which recording evidence never issues.
    let settings = Settings::default().with_secret(engagement::config::CHECK_IN_KEY.name, [5; 32]);
    let settings = EngagementSettings::read(&settings, TENANT)?;
    Ok(EngagementApp::new(
        store.clone(),
        Directory::new(&Peers::none()),
        settings,
    ))
}

/// Sends the last night again, timing it whole, then each batch's referral lookups and its
/// read of the records held on their own (each summary's referral, as `record_evidence` looks
/// it up once per batch).
async fn resend(
    app: &EngagementApp,
    caller: &identity::Caller,
    nights: &Nights,
    seed: u64,
) -> anyhow::Result<Resent> {
    let night = nights.night(nights.nights() - 1, seed);
    let mut resent = Resent {
        batches: night.len() as u64,
        summaries: night.iter().map(|batch| batch.len() as u64).sum(),
        elapsed: Duration::ZERO,
        lookups: Duration::ZERO,
        reads: Duration::ZERO,
    };
    for batch in &night {
        let context = Context::of_http(caller, Uuid::now_v7());
        let started = Instant::now();
        let answers = app.record_evidence(batch.clone(), &context).await?;
        resent.elapsed += started.elapsed();
        anyhow::ensure!(
            answers.iter().all(|(_, now)| !*now),
            "a summary sent again was recorded anew"
        );
    }
    for batch in &night {
        let referrals: BTreeSet<Uuid> = batch.iter().map(|s| s.referral_id).collect();
        let started = Instant::now();
        for referral_id in referrals {
            referral_view::find(app.store(), referral_id).await?;
        }
        resent.lookups += started.elapsed();
        let ids: Vec<Uuid> = batch.iter().map(event_id).collect();
        let started = Instant::now();
        let held = app.store().read_events(&ids).await?;
        resent.reads += started.elapsed();
        anyhow::ensure!(
            held.len() == ids.len(),
            "{} of {} held",
            held.len(),
            ids.len()
        );
    }
    Ok(resent)
}

/// The id `summary` is recorded under, sent by the integrator.
fn event_id(summary: &NewSummary) -> Uuid {
    evidence::event_id(&Provenance {
        integrator: INTEGRATOR.to_owned(),
        device: summary.device.clone(),
        source_system: summary.source_system.clone(),
        source_id: summary.source_id.clone(),
    })
}

fn print_ingest(rows: &[Ingest]) {
    let lines = rows.iter().map(|row| {
        let recorded = rate(row.summaries, row.recorded);
        let plain = rate(row.summaries, row.plain);
        let per_batch = |elapsed: Duration| elapsed.as_secs_f64() * 1000.0 / row.batches as f64;
        vec![
            row.backend.to_owned(),
            row.shape.clone(),
            row.summaries.to_string(),
            row.batch.to_string(),
            row.batches.to_string(),
            format!("{recorded:.0} summaries/s"),
            format!("{plain:.0} summaries/s"),
            format!("{:.2}", recorded / plain),
            format!("{:.0}", per_batch(row.recorded)),
            format!("{:.0}", per_batch(row.plain)),
        ]
    });
    table(
        "backend | referrals × days × measures | summaries | batch | batches | record_evidence | plain append_many of the same events | recorded ÷ plain | ms per batch, recorded | ms per batch, plain",
        2,
        lines,
    );
}

fn print_resent(rows: &[Ingest]) {
    let lines = rows.iter().map(|row| {
        let resent = &row.resent;
        let per_batch = |elapsed: Duration| elapsed.as_secs_f64() * 1000.0 / resent.batches as f64;
        vec![
            row.backend.to_owned(),
            resent.summaries.to_string(),
            resent.batches.to_string(),
            format!("{:.0} summaries/s", rate(resent.summaries, resent.elapsed)),
            format!("{:.0}", per_batch(resent.elapsed)),
            format!("{:.0}", per_batch(resent.lookups)),
            format!("{:.0}", per_batch(resent.reads)),
        ]
    });
    table(
        "backend | last night sent again | batches | record_evidence (nothing new) | ms per batch | referral lookups alone, ms per batch | read of the records held alone, ms per batch",
        1,
        lines,
    );
}

/// A Markdown table under `header` (its columns split by " | "): the first `text` columns
/// left-aligned, the rest (numbers) right-aligned.
fn table(header: &str, text: usize, rows: impl Iterator<Item = Vec<String>>) {
    println!("| {header} |");
    let align: Vec<&str> = (0..header.split(" | ").count())
        .map(|column| if column < text { "---" } else { "---:" })
        .collect();
    println!("|{}|", align.join("|"));
    for row in rows {
        println!("| {} |", row.join(" | "));
    }
}
