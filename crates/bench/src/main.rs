//! Benchmarks of the event log and the bus, run against real PostgreSQL, SQLite and NATS, of
//! directory search over a region written through the log, of outcomes scoring, and of the
//! engagement service's device evidence and lapse evaluation. Each log, bus, scoring and
//! evidence figure is printed beside its baseline from the same run (a plain INSERT, a COPY, a
//! plain append), as a Markdown table for `docs/benchmarks.md`. Run in release:
//! `cargo run --release -p bench -- append`.

mod append;
mod evidence;
mod fixtures;
mod lapses;
mod relay;
mod replay;
mod scoring;
mod search;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "linkwork-bench",
    about = "Benchmarks of the Linkwork event log, bus, directory search, outcomes scoring and \
             engagement"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Durable single-event appends per second, beside plain INSERTs of same-sized rows.
    Append(append::Args),
    /// Catch-up subscription throughput over a large log, beside COPY / a raw scan.
    Replay(replay::Args),
    /// Relay throughput from the log to JetStream and to the in-process bus.
    Relay(relay::Args),
    /// Directory search latency (need or words within 5 km) over a synthetic region.
    Search(search::Args),
    /// Outcomes: responses scored and appended, beside a plain append of the same events, and
    /// all of them derived again under another value set.
    Outcomes(scoring::Args),
    /// Engagement: integrators' daily device summaries recorded, beside a plain append of the
    /// same events.
    Evidence(evidence::Args),
    /// Engagement: the lapse evaluator's handling of one clock tick over many active
    /// referrals, with none, some or all of them due.
    Lapses(lapses::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Append(args) => append::run(args).await,
        Command::Replay(args) => replay::run(args).await,
        Command::Relay(args) => relay::run(args).await,
        Command::Search(args) => search::run(args).await,
        Command::Outcomes(args) => scoring::run(args).await,
        Command::Evidence(args) => evidence::run(args).await,
        Command::Lapses(args) => lapses::run(args).await,
    }
}
