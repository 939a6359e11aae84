//! `linkwork verify`: is every stream of a service's log still exactly what was appended?

use std::process::ExitCode;

use anyhow::Context as _;
use eventstore::{EventStore, StoreOptions};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service's database: `postgres://…` or `sqlite:…`.
    #[arg(long, env = "LINKWORK_DATABASE_URL")]
    database_url: String,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = StoreOptions {
        migrate: false,
        ..StoreOptions::default()
    };
    let store = EventStore::connect(&args.database_url, options)
        .await
        .context("cannot open the event log")?;
    let report = store.verify().await.context("verification could not run")?;
    match report.first_broken {
        None => {
            println!(
                "intact: {} streams, {} events, every hash chain holds",
                report.streams_checked, report.events_checked
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            println!("BROKEN: {broken}");
            println!(
                "checked {} events in {} streams before it",
                report.events_checked, report.streams_checked
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
