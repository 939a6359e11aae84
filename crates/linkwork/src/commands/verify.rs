//! `linkwork verify`: is every stream of a service's log still exactly what was appended?
//! With `--data-dir`, every service's log of `linkwork up`.

use std::process::ExitCode;

use anyhow::Context as _;
use eventstore::{EventStore, StoreOptions};

use super::layout::{LogLocation, SERVICES};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    location: LogLocation,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = StoreOptions {
        migrate: false,
        ..StoreOptions::default()
    };
    for (service, url) in args.location.logs(&SERVICES) {
        let label = service
            .map(|name| format!("{name} log: "))
            .unwrap_or_default();
        let store = EventStore::connect(&url, options.clone())
            .await
            .with_context(|| format!("cannot open the {label}event log"))?;
        let report = store
            .verify()
            .await
            .with_context(|| format!("{label}verification could not run"))?;
        match report.first_broken {
            None => println!(
                "intact: {label}{} streams, {} events, every hash chain holds",
                report.streams_checked, report.events_checked
            ),
            Some(broken) => {
                println!("BROKEN: {label}{broken}");
                println!(
                    "checked {} events in {} streams before it",
                    report.events_checked, report.streams_checked
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
