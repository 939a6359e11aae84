//! `linkwork replay <projection>`: rebuild a projection from its service's log, with a
//! progress bar. Projections are folds of the log, so this is always safe; run it with the
//! service stopped, so that its own subscription does not race the rebuild. Each projection of
//! the registry's services is a subcommand, taking its service's settings.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use servicekit::{Open, Projection, Rebuild, SecretSource, Service, Settings};

use super::config::Location;
use super::per_service::{Choice, PerService};
use super::progress;
use crate::registry;

/// A projection of one of the registry's services.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProjectionChoice(&'static Projection);

impl Choice for ProjectionChoice {
    fn all() -> Vec<(&'static str, String, &'static Service, Self)> {
        registry::projections()
            .map(|(service, projection)| {
                let about = format!("{} ({} service)", projection.about, service.name);
                (projection.name, about, service, Self(projection))
            })
            .collect()
    }
}

/// `replay <projection>`: which projection, where the logs are, the service's settings.
pub(crate) type Args = PerService<Location, ProjectionChoice>;

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let service = args.service;
    // Rebuilds read no secrets; a projection that did would say so by name.
    let settings = Settings::resolve(
        service.settings,
        &args.flags.0,
        false,
        SecretSource::Environment,
    )?;
    let store = args.base.open(service.name, Open::Existing).await?;
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
    let summary = (args.chosen.0.rebuild)(rebuild)
        .await
        .context("the rebuild failed; the next start of the service finishes it")?;
    bar.finish_and_clear();
    println!("{summary} in {:.1?}", started.elapsed());
    Ok(ExitCode::SUCCESS)
}
