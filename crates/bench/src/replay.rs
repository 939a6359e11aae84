//! Replay: events per second of a catch-up subscription over a large log, beside
//! `COPY (SELECT …) TO STDOUT` of the same table (PostgreSQL) or a raw scan of it (SQLite) in
//! the same run.

use std::time::Instant;

use eventstore::{EventHandler, HandlerError, RecordedEvent, Subscription, Tx};
use futures::TryStreamExt as _;
use testkit::BackendKind;

use crate::fixtures::{Backends, backend_name, fresh_store, load, rate};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Which backends to measure.
    #[arg(long, value_enum, default_value = "both")]
    backends: Backends,
    /// Events in the log.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Events per subscription batch (one transaction each).
    #[arg(long, default_value_t = 1000)]
    batch: usize,
}

/// Touches each event the way a projection must at least: reads its payload.
#[derive(Debug, Default)]
struct CountBytes {
    events: u64,
    bytes: u64,
}

impl EventHandler for CountBytes {
    async fn handle(&mut self, _tx: &mut Tx, event: &RecordedEvent) -> Result<(), HandlerError> {
        self.events += 1;
        self.bytes += event.payload.len() as u64;
        Ok(())
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    println!(
        "| backend | events | load (appends of 1,000) | catch-up subscription | baseline | baseline rate | subscription ÷ baseline |"
    );
    println!("|---|---:|---:|---:|---|---:|---:|");
    for kind in args.backends.kinds() {
        let (_database, store) = fresh_store(kind, 8).await;
        let started = Instant::now();
        load(&store, args.events, 1000).await?;
        let load_rate = rate(args.events, started.elapsed());

        let started = Instant::now();
        let mut handler = CountBytes::default();
        Subscription::new(store.clone(), "bench-replay")
            .batch_size(args.batch)
            .catch_up(&mut handler)
            .await?;
        let replay_rate = rate(handler.events, started.elapsed());
        anyhow::ensure!(
            handler.events == args.events,
            "replayed {} events",
            handler.events
        );

        let started = Instant::now();
        let (baseline, rows) = baseline(&store, kind).await?;
        let baseline_rate = rate(rows, started.elapsed());
        anyhow::ensure!(rows == args.events, "baseline read {rows} rows");
        println!(
            "| {} | {} | {load_rate:.0} ev/s | {replay_rate:.0} ev/s | {baseline} | {baseline_rate:.0} rows/s | {:.2} |",
            backend_name(kind),
            args.events,
            replay_rate / baseline_rate
        );
    }
    Ok(())
}

/// Reads the whole table the fastest plain way the database offers; returns the rows read.
async fn baseline(
    store: &eventstore::EventStore,
    kind: BackendKind,
) -> anyhow::Result<(&'static str, u64)> {
    match kind {
        BackendKind::Postgres => {
            let pool = store.pg_pool().expect("postgres");
            let mut conn = pool.acquire().await?;
            let mut copy = conn
                .copy_out_raw(
                    "COPY (SELECT * FROM events ORDER BY epoch, transaction_id, global_position) TO STDOUT",
                )
                .await?;
            let mut rows = 0u64;
            while let Some(chunk) = copy.try_next().await? {
                rows += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            }
            Ok(("`COPY (SELECT * … ORDER BY …) TO STDOUT`", rows))
        }
        BackendKind::Sqlite => {
            let pool = store.sqlite_pool().expect("sqlite");
            let mut rows = sqlx::query("SELECT * FROM events ORDER BY global_position").fetch(pool);
            let mut count = 0u64;
            while rows.try_next().await?.is_some() {
                count += 1;
            }
            Ok(("raw `SELECT * … ORDER BY global_position`", count))
        }
    }
}
