//! Relay throughput: events per second from a committed log to NATS JetStream (file storage,
//! every publish acknowledged) and to the in-process bus.

use std::time::Instant;

use messaging::{Bus, BusNames, InProcessBus, Relay, RelaySettings};
use testkit::BackendKind;

use crate::fixtures::{backend_name, fresh_store, load, rate};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Events to relay.
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// NATS server with JetStream.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Publishes awaiting acknowledgement at once.
    #[arg(long, default_value_t = 256)]
    window: usize,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    println!("| log | bus | events | window | relay throughput |");
    println!("|---|---|---:|---:|---:|");
    for kind in [BackendKind::Postgres, BackendKind::Sqlite] {
        let (_database, store) = fresh_store(kind, 8).await;
        load(&store, args.events, 1000).await?;
        let prefix = format!("bench{}", testkit::unique_suffix());
        let names = BusNames::new(&prefix, "referral");

        let client = async_nats::connect(&args.nats_url).await?;
        let jetstream = Bus::jetstream(async_nats::jetstream::new(client));
        let events_per_second = relay_all(&store, jetstream.clone(), &names, args.window).await?;
        row(
            kind,
            "NATS JetStream (file)",
            args.events,
            args.window,
            events_per_second,
        );
        if let Bus::JetStream(context) = &jetstream {
            context.delete_stream(names.stream_name()).await.ok();
        }

        let folder = tempfile_dir()?;
        let url = format!("sqlite://{}", folder.join("bus.sqlite").display());
        let in_process = Bus::InProcess(InProcessBus::open(&url).await?);
        let relayed_from = BusNames::new(&format!("{prefix}b"), "referral");
        let events_per_second = relay_all(&store, in_process, &relayed_from, args.window).await?;
        row(
            kind,
            "in-process (SQLite)",
            args.events,
            args.window,
            events_per_second,
        );
        std::fs::remove_dir_all(folder).ok();
    }
    Ok(())
}

fn row(kind: BackendKind, bus: &str, events: u64, window: usize, rate: f64) {
    println!(
        "| {} | {bus} | {events} | {window} | {rate:.0} ev/s |",
        backend_name(kind)
    );
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("linkwork-bench-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn relay_all(
    store: &eventstore::EventStore,
    bus: Bus,
    names: &BusNames,
    window: usize,
) -> anyhow::Result<f64> {
    let settings = RelaySettings {
        window,
        ..RelaySettings::default()
    };
    bus.ensure_stream(names, &settings.stream).await?;
    let relay = Relay::new(store.clone(), bus, names.clone(), settings);
    let started = Instant::now();
    let mut relayed = 0u64;
    loop {
        match relay.publish_pending().await? {
            0 => break,
            count => relayed += count as u64,
        }
    }
    Ok(rate(relayed, started.elapsed()))
}
