//! `linkwork verify`: is every stream of every service's log still exactly what was appended?
//! Finds the logs as `up` and `serve` name them (`--data-dir`, or `--database-url`'s prefix).

use std::process::ExitCode;

use servicekit::Open;

use super::config::Location;
use crate::registry::SERVICES;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    location: Location,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let storage = args.location.storage()?;
    let key = args.location.anchor_key(Open::Existing)?;
    let mut intact = true;
    for service in SERVICES {
        let label = format!("{} log", service.name);
        let store = match storage.open(service.name, Open::Existing, key).await {
            Ok(store) => store,
            Err(error) => {
                println!("MISSING: {label}: {error}");
                intact = false;
                continue;
            }
        };
        let report = match store.verify().await {
            Ok(report) => report,
            Err(error) => {
                println!("UNREADABLE: {label}: {}", eventstore::error_chain(&error));
                intact = false;
                continue;
            }
        };
        match report.first_broken {
            None => println!(
                "intact: {label}: {} streams, {} events, every hash chain holds",
                report.streams_checked, report.events_checked
            ),
            Some(broken) => {
                println!("BROKEN: {label}: {broken}");
                println!(
                    "checked {} events in {} streams before it",
                    report.events_checked, report.streams_checked
                );
                intact = false;
            }
        }
    }
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
