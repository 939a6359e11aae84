//! `linkwork directory …`: operator tools for the directory service's database.
//!
//! - `import <SOURCE>`: imports an Open Referral UK feed (an API's base URL, or JSON files saved
//!   from one) as events, writing nothing for records that have not changed.
//! - `load-postcodes <CSV>`: loads ONS postcode centroids, which proximity search and locations
//!   without coordinates need.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use directory::import::{self, ImportReport, Kind, Progress, Source, Stage};
use directory::postcodes::PostcodeDirectory;
use eventstore::EventStore;
use indicatif::ProgressBar;
use servicekit::Open;

use super::config::Location;
use super::progress;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Import an Open Referral UK (HSDS 3.0) feed; a record that has not changed writes nothing.
    ///
    /// New services are imported as signposting-only: taking direct referrals is agreed with
    /// the provider and set by a curator, and a later import keeps what the curator set.
    Import(ImportArgs),
    /// Load ONS postcode centroids (the ONSPD CSV's `pcds`, `lat` and `long` columns), and the
    /// English IMD rank of each postcode's area when the file has `imd` (and `ctry`).
    LoadPostcodes(LoadPostcodesArgs),
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// An ORUK API's base URL (e.g. https://example.org/oruk), or a JSON file or folder of JSON
    /// files each holding a page of services (or an array of them) in full.
    source: String,
    #[command(flatten)]
    location: Location,
    /// The Integrated Care System the events are recorded for.
    #[arg(long, env = "LINKWORK_TENANT", default_value = "local")]
    tenant: String,
    /// The name the feed's records are kept under (default: the URL, or the absolute path).
    /// Give the API's URL when importing files saved from it, so they update the same records.
    #[arg(long)]
    feed: Option<String>,
}

#[derive(Debug, clap::Args)]
struct LoadPostcodesArgs {
    /// The CSV file.
    csv: PathBuf,
    #[command(flatten)]
    location: Location,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Import(args) => run_import(args).await,
        Command::LoadPostcodes(args) => load_postcodes(args).await,
    }
}

/// The directory's log, as `up` and `serve` name it, made if this deployment has none yet.
async fn open(location: &Location) -> anyhow::Result<EventStore> {
    let service = &directory::SERVICE;
    let store = location.open(service.name, Open::OrCreate).await?;
    (service.migrate)(&store)
        .await
        .context("cannot migrate the directory service's database")?;
    Ok(store)
}

async fn run_import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    if args.tenant.trim().is_empty() {
        anyhow::bail!("--tenant (LINKWORK_TENANT) must not be empty");
    }
    let mut source = Source::parse(&args.source)?;
    if let Some(feed) = args.feed {
        source = source.with_feed(feed);
    }
    let store = open(&args.location).await?;
    let app = directory::app::DirectoryApp::new(store);
    let context = import::importer_context(&args.tenant);
    let bar = progress::bar();
    let report = import::import(&app, &source, &context, |progress| show(&bar, progress)).await;
    bar.finish_and_clear();
    let report = report.with_context(|| format!("importing {}", args.source))?;
    print!("{}", summary(&report));
    Ok(ExitCode::SUCCESS)
}

fn show(bar: &ProgressBar, progress: Progress) {
    if bar.message() != progress.stage.name() {
        bar.set_message(progress.stage.name());
        bar.reset();
    }
    match progress.total {
        Some(total) => bar.set_length(total),
        None if progress.stage == Stage::Listing => bar.set_length(progress.done + 1),
        None => {}
    }
    bar.set_position(progress.done);
}

/// The report as a table, then what was skipped and why, then the notes.
fn summary(report: &ImportReport) -> String {
    let mut out = format!("imported {}\n\n", report.feed);
    out.push_str(&format!(
        "{:<20} {:>7} {:>8} {:>8} {:>10} {:>8} {:>8}\n",
        "kind", "seen", "created", "changed", "unchanged", "skipped", "removed"
    ));
    for kind in Kind::ALL {
        let c = report.counts(kind);
        out.push_str(&format!(
            "{:<20} {:>7} {:>8} {:>8} {:>10} {:>8} {:>8}\n",
            kind.name(),
            c.seen,
            c.created,
            c.changed,
            c.unchanged,
            c.skipped,
            c.removed
        ));
    }
    out.push_str(&format!("\nevents written: {}\n", report.events_written));
    for (title, problems) in [("skipped", &report.skipped), ("notes", &report.notes)] {
        if !problems.is_empty() {
            out.push_str(&format!("\n{title}:\n"));
        }
        for problem in problems {
            let kind = problem.kind.name();
            out.push_str(&format!(
                "  {kind} {:?}: {}\n",
                problem.original_id, problem.reason
            ));
        }
    }
    out
}

async fn load_postcodes(args: LoadPostcodesArgs) -> anyhow::Result<ExitCode> {
    let file = tokio::fs::File::open(&args.csv)
        .await
        .with_context(|| format!("cannot read {}", args.csv.display()))?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let store = open(&args.location).await?;
    let bar = progress::bar();
    bar.set_length(size);
    bar.set_message("postcodes");
    let reader = tokio::io::BufReader::new(file);
    let loaded = PostcodeDirectory::new(store)
        .load_csv(reader, |bytes| bar.set_position(bytes))
        .await
        .with_context(|| format!("cannot load postcodes from {}", args.csv.display()))?;
    bar.finish_and_clear();
    println!("loaded {loaded} postcodes from {}", args.csv.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use directory::import::{ImportReport, Kind};

    #[test]
    fn the_summary_has_a_row_per_kind_and_the_events_written() {
        let report = ImportReport {
            feed: "https://example.org/oruk".to_owned(),
            counts: Kind::ALL
                .into_iter()
                .map(|kind| (kind, Default::default()))
                .collect(),
            events_written: 0,
            skipped: Vec::new(),
            notes: Vec::new(),
        };
        let text = super::summary(&report);
        assert!(text.contains("service_at_location"), "{text}");
        assert!(text.contains("events written: 0"), "{text}");
    }
}
