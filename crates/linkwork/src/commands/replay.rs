//! `linkwork replay <projection>`: rebuild a projection from its service's log, with a
//! progress bar. Projections are folds of the log, so this is always safe; run it with the
//! service stopped, so that its own subscription does not race the rebuild. Each projection of
//! the registry's services is a subcommand, taking its service's settings.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::{ArgMatches, Command, FromArgMatches};
use servicekit::{Open, Projection, Rebuild, SecretSource, Service, Settings};

use super::config::{Location, add_flags, read_flags};
use super::progress;
use crate::registry;

/// Which projection, where its service's log is, and the service's settings.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    service: &'static Service,
    projection: &'static Projection,
    location: Location,
    given: HashMap<String, String>,
}

impl FromArgMatches for Args {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, matches)) = matches.subcommand() else {
            return Err(clap::Error::new(clap::error::ErrorKind::MissingSubcommand));
        };
        let (service, projection) = registry::projections()
            .find(|(_, projection)| projection.name == name)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        Ok(Self {
            service,
            projection,
            location: Location::from_arg_matches(matches)?,
            given: read_flags(matches, service.settings.iter()).0,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for Args {
    fn augment_args(mut command: Command) -> Command {
        command = command.subcommand_required(true);
        for (service, projection) in registry::projections() {
            let about = format!("{} ({} service)", projection.about, service.name);
            let sub = Location::augment_args(Command::new(projection.name)).about(about);
            command = command.subcommand(add_flags(sub, service.settings.iter()));
        }
        command
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let service = args.service;
    // Rebuilds read no secrets; a projection that did would say so by name.
    let settings = Settings::resolve(
        service.settings,
        &args.given,
        false,
        SecretSource::Environment,
    )?;
    let storage = args.location.storage()?;
    let store = storage.open(service.name, Open::Existing).await?;
    (service.migrate)(&store)
        .await
        .with_context(|| format!("cannot migrate the {} service's read models", service.name))?;
    let events = store
        .head_position()
        .await?
        .map_or(0, |head| head.global_position.max(0) as u64);
    let bar = progress::bar();
    bar.set_length(events);
    bar.set_message("events");
    let started = Instant::now();
    let shown = bar.clone();
    let rebuild = Rebuild {
        store,
        settings,
        progress: Arc::new(move |done| shown.set_position(done)),
    };
    let summary = (args.projection.rebuild)(rebuild)
        .await
        .context("the rebuild failed; the next start of the service finishes it")?;
    bar.finish_and_clear();
    println!("{summary} in {:.1?}", started.elapsed());
    Ok(ExitCode::SUCCESS)
}
