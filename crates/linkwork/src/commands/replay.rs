//! `linkwork replay <projection>`: rebuild a projection from its service's log, with a
//! progress bar. Projections are folds of the log, so this is always safe; run it with the
//! service stopped, so that its own subscription does not race the rebuild.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use eventstore::{EventStore, StoreOptions};

use super::layout::LogLocation;
use super::progress;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The projection to rebuild.
    #[arg(value_enum)]
    projection: Projection,
    #[command(flatten)]
    location: LogLocation,
    /// Days a directory service's verification lasts (directory-index only: the stale count).
    #[arg(long, env = "LINKWORK_STALE_AFTER_DAYS", default_value_t = 365)]
    stale_after_days: u16,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Projection {
    /// The referral service's responsibility ledger: handoff trails, who was accountable
    /// when, holdings and open offers.
    Responsibility,
    /// The directory's search index, rebuilt in memory from its log: checks every event still
    /// folds (after an upcaster change, say) and reports what it holds.
    DirectoryIndex,
}

impl Projection {
    fn service(self) -> &'static str {
        match self {
            Self::Responsibility => "referral",
            Self::DirectoryIndex => "directory",
        }
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let service = args.projection.service();
    let Some((_, url)) = args.location.logs(&[service]).into_iter().next() else {
        anyhow::bail!("give --database-url or --data-dir");
    };
    let options = StoreOptions {
        migrate: false,
        ..StoreOptions::default()
    };
    let store = EventStore::connect(&url, options)
        .await
        .with_context(|| format!("cannot open the {service} service's log"))?;
    let events = store
        .head_position()
        .await?
        .map_or(0, |head| head.global_position.max(0) as u64);
    let bar = progress::bar();
    bar.set_length(events);
    bar.set_message("events");
    let started = Instant::now();
    let summary = match args.projection {
        Projection::Responsibility => {
            referral::projections::migrate(&store).await?;
            let replayed = referral::projections::responsibility::rebuild(&store, |done| {
                bar.set_position(done)
            })
            .await
            .context("the rebuild failed; the next start of the service finishes it")?;
            format!("responsibility ledger rebuilt from {replayed} events")
        }
        Projection::DirectoryIndex => {
            let stale_after = chrono::Duration::days(i64::from(args.stale_after_days));
            let (index, task) =
                directory::index::LiveIndex::start(store, stale_after, async {}).await?;
            let _ = task.await;
            let index = index.read();
            format!(
                "directory index rebuilt: {} services, {} organisations, {} taxonomy terms",
                index.service_count(),
                index.organisations().len(),
                index.terms().len()
            )
        }
    };
    bar.finish_and_clear();
    println!("{summary} in {:.1?}", started.elapsed());
    Ok(ExitCode::SUCCESS)
}
