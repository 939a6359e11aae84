//! Outcomes: EQ-5D-5L responses recorded through `OutcomesApp::record` (the referral view
//! looked up, the stream loaded and verified, the answers scored under the value set in force,
//! the response placed and paired, then appended), beside a plain append of the same events to
//! a fresh log in the same run; the outcomes read model caught up over them; then another value
//! set put in force and every response derived again by the rescorer.

mod breakdown;
mod plain;
mod population;

use std::time::{Duration, Instant};

use chrono::Utc;
use eventstore::{EventStore, Subscription};
use outcomes::app::{Context, NewResponse, OutcomesApp};
use outcomes::config::OutcomesSettings;
use outcomes::domain::placement::Windows;
use outcomes::projections::outcomes::{OutcomesProjection, SUBSCRIPTION};
use testkit::BackendKind;
use uuid::Uuid;

use crate::fixtures::{Backends, backend_name, fresh_store, rate};
use population::{PCN, Population, TENANT};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Which backends to measure.
    #[arg(long, value_enum, default_value = "both")]
    backends: Backends,
    /// Responses to record in each shape.
    #[arg(long, default_value_t = 100_000)]
    responses: u64,
    /// Responses per referral, comma-separated: one shape each (1: one referral per response).
    #[arg(long, value_delimiter = ',', default_values_t = [1u64, 10])]
    per_referral: Vec<u64>,
    /// Concurrent writers, comma-separated. Re-scoring is measured after the first.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 8])]
    writers: Vec<usize>,
    /// Referrals whose re-derivation is timed step by step after the measured pass.
    #[arg(long, default_value_t = 2_000)]
    sample: usize,
    /// Seed of the answers.
    #[arg(long, default_value_t = 12)]
    seed: u64,
}

/// The value set put in force to make every utility out of date: the bundled default is the
/// DSU 2023 mapping.
const RESCORE_UNDER: &str = "vanhout-2012";

/// One shape recorded with one number of writers.
#[derive(Debug)]
struct Recording {
    backend: &'static str,
    shape: String,
    writers: usize,
    responses: u64,
    scored: Duration,
    plain: Duration,
    projected: Duration,
    rescored: Option<Rescoring>,
}

/// A value set put in force and every response derived again.
#[derive(Debug)]
struct Rescoring {
    elapsed: Duration,
    referrals: usize,
    derivations: usize,
    projected: Duration,
    breakdown: breakdown::Breakdown,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for kind in args.backends.kinds() {
        for &per_referral in &args.per_referral {
            let population = Population::new(args.responses / per_referral, per_referral);
            for (n, &writers) in args.writers.iter().enumerate() {
                let rescore = (n == 0).then_some(args.sample);
                let row = measure(kind, &population, writers, args.seed, rescore).await?;
                eprintln!("{row:?}");
                rows.push(row);
            }
        }
    }
    print_recording(&rows);
    println!();
    print_rescoring(&rows);
    println!();
    print_breakdown(&rows);
    Ok(())
}

async fn measure(
    kind: BackendKind,
    population: &Population,
    writers: usize,
    seed: u64,
    rescore: Option<usize>,
) -> anyhow::Result<Recording> {
    let (_database, store) = fresh_store(kind, writers as u32 + 4).await;
    let app = set_up(&store, population).await?;
    let scored = record(&app, population.dealt(writers, seed)).await?;

    let projection = Subscription::new(store.clone(), SUBSCRIPTION);
    let started = Instant::now();
    projection.catch_up(&mut OutcomesProjection).await?;
    let projected = started.elapsed();

    let streams = plain::capture(&store).await?;
    anyhow::ensure!(
        plain::appends(&streams) == population.responses(),
        "captured {} responses",
        plain::appends(&streams)
    );
    let rescored = match rescore {
        Some(sample) => {
            let sample = population.sample(sample);
            Some(rederive(&app, &projection, population.responses(), &sample).await?)
        }
        None => None,
    };
    drop((app, store));
    let (_plain_database, plain_store) = fresh_store(kind, writers as u32 + 4).await;
    let plain = plain::append(&plain_store, streams, writers).await?;
    Ok(Recording {
        backend: backend_name(kind),
        shape: population.shape(),
        writers,
        responses: population.responses(),
        scored,
        plain,
        projected,
        rescored,
    })
}

/// The outcomes service's tables, its bundled reference data and the referral view: what a
/// running service holds before its first response (not measured).
async fn set_up(store: &EventStore, population: &Population) -> anyhow::Result<OutcomesApp> {
    outcomes::migrate(store).await?;
    let service = Context::service(TENANT);
    outcomes::catalogue::record::bundled(store, &service.metadata(TENANT, None), Utc::now())
        .await?;
    population.insert_view(store).await?;
    // The settings' defaults (`services/outcomes/src/config.rs`).
    let settings = OutcomesSettings {
        tenant: TENANT.to_owned(),
        windows: Windows {
            baseline_before: chrono::Duration::days(28),
            baseline_after: chrono::Duration::days(28),
            close_within: chrono::Duration::days(14),
            follow_up_every: chrono::Duration::weeks(12),
        },
    };
    Ok(OutcomesApp::new(store.clone(), settings))
}

/// Records every response as a link worker of the PCN, one writer per list, each response a
/// request of its own; answers with the time taken.
async fn record(app: &OutcomesApp, dealt: Vec<Vec<NewResponse>>) -> anyhow::Result<Duration> {
    let caller = identity::Caller::new("link-worker-0001", PCN, "link-worker");
    let started = Instant::now();
    let tasks: Vec<_> = dealt
        .into_iter()
        .map(|responses| {
            let (app, caller) = (app.clone(), caller.clone());
            tokio::spawn(async move {
                for response in responses {
                    let context = Context::of(&caller, Uuid::now_v7());
                    let (_, recorded) = app.record(response, &context).await?;
                    anyhow::ensure!(recorded, "a response was taken for a retry");
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

/// Puts another value set in force as an outcomes admin and runs the rescorer's pass, as the
/// service does when woken by the selection; then catches the read model up with what it
/// derived, and times the pass's steps over `sample`.
async fn rederive(
    app: &OutcomesApp,
    projection: &Subscription,
    responses: u64,
    sample: &[Uuid],
) -> anyhow::Result<Rescoring> {
    let admin = identity::Caller::new("icb-analyst-0001", TENANT, "outcomes-admin");
    let started = Instant::now();
    app.select_value_set(RESCORE_UNDER, None, &Context::of(&admin, Uuid::now_v7()))
        .await?;
    // The read model, running beside the service, sees the selection; the rescorer waits
    // for it to.
    projection.catch_up(&mut OutcomesProjection).await?;
    let done = outcomes::rescore::rederive(app).await?;
    let elapsed = started.elapsed();
    if done.derivations as u64 != responses {
        eprintln!("re-derived {} of {responses} responses", done.derivations);
    }
    let started = Instant::now();
    projection.catch_up(&mut OutcomesProjection).await?;
    let projected = started.elapsed();
    Ok(Rescoring {
        elapsed,
        referrals: done.referrals,
        derivations: done.derivations,
        projected,
        breakdown: breakdown::rederive(app, sample).await?,
    })
}

fn print_recording(rows: &[Recording]) {
    println!(
        "| backend | referrals × responses | writers | score and append | plain append of the same events | scored ÷ plain | read model catch-up |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let scored = rate(row.responses, row.scored);
        let plain = rate(row.responses, row.plain);
        println!(
            "| {} | {} | {} | {scored:.0} resp/s | {plain:.0} resp/s | {:.2} | {:.0} resp/s |",
            row.backend,
            row.shape,
            row.writers,
            scored / plain,
            rate(row.responses, row.projected),
        );
    }
}

fn print_rescoring(rows: &[Recording]) {
    println!(
        "| backend | referrals × responses | select + re-derive | re-derived/s | referrals | derivations | read model catch-up |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let Some(rescored) = &row.rescored else {
            continue;
        };
        println!(
            "| {} | {} | {:.1} s | {:.0} resp/s | {} | {} | {:.1} s |",
            row.backend,
            row.shape,
            rescored.elapsed.as_secs_f64(),
            rate(rescored.derivations as u64, rescored.elapsed),
            rescored.referrals,
            rescored.derivations,
            rescored.projected.as_secs_f64(),
        );
    }
}

fn print_breakdown(rows: &[Recording]) {
    println!(
        "| backend | referrals × responses | referrals timed | derivations | {} | per referral |",
        breakdown::STEPS.join(" | ")
    );
    println!(
        "|---|---|---:|---:|{}---:|",
        "---:|".repeat(breakdown::STEPS.len())
    );
    for row in rows {
        let Some(rescored) = &row.rescored else {
            continue;
        };
        let timed = &rescored.breakdown;
        let (steps, total) = timed.per_referral_ms();
        let steps: Vec<String> = steps.iter().map(|ms| format!("{ms:.2} ms")).collect();
        println!(
            "| {} | {} | {} | {} | {} | {total:.2} ms |",
            row.backend,
            row.shape,
            timed.referrals,
            timed.derivations,
            steps.join(" | "),
        );
    }
}
