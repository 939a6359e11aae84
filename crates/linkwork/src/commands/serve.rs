//! `linkwork serve <service>`: one service per process, as Kubernetes runs it. Each service of
//! the registry is a subcommand with its own settings; `linkwork serve --help` lists them.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{ArgMatches, Command, FromArgMatches};
use servicekit::{Listeners, SecretSource, Service, Settings, Stopper};
use tokio::net::TcpListener;

use super::config::{Overrides, add_flags, read_flags};
use crate::registry::{self, SERVICES};

/// Which service, and its settings.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    service: &'static Service,
    platform: Overrides,
    given: HashMap<String, String>,
}

impl FromArgMatches for Args {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, matches)) = matches.subcommand() else {
            return Err(clap::Error::new(clap::error::ErrorKind::MissingSubcommand));
        };
        let service = registry::service(name)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        Ok(Self {
            service,
            platform: Overrides::from_arg_matches(matches)?,
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
        for service in SERVICES {
            let sub = Overrides::augment_args(Command::new(service.name)).about(service.about);
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
    let flags = super::config::ServiceFlags(args.given);
    let (platform, given) = args.platform.resolve(flags, true)?;
    // A service run alone takes its secrets from the environment (a secret store), never from
    // a folder.
    let settings = Settings::resolve(service.settings, &given, false, SecretSource::Environment)?;
    let wiring = match &platform.nats_url {
        Some(url) => {
            Some(servicekit::open_bus(Some(url), &platform.data_dir, &platform.bus_prefix).await?)
        }
        None => {
            tracing::warn!("no --nats-url: events stay in the log until a bus is configured");
            None
        }
    };
    let grpc = TcpListener::bind(platform.grpc)
        .await
        .with_context(|| format!("grpc: cannot listen on {}", platform.grpc))?;
    let http = TcpListener::bind(platform.http)
        .await
        .with_context(|| format!("http: cannot listen on {}", platform.http))?;
    let apis: Vec<String> = service
        .http
        .iter()
        .map(|api| {
            format!(
                "{} on http://{}{}",
                api.about,
                http.local_addr().unwrap_or(platform.http),
                api.path
            )
        })
        .collect();
    println!(
        "{} service: gRPC on {}{}",
        service.name,
        grpc.local_addr()?,
        apis.iter()
            .map(|api| format!("; {api}"))
            .collect::<String>()
    );
    let stopper = Stopper::new();
    let running = servicekit::Platform {
        storage: platform.storage,
        tenant: platform.tenant,
        wiring,
        stopper: stopper.clone(),
    };
    let parts = servicekit::start(&[(service, settings)], &running, false).await?;
    let listeners = Listeners { grpc, http };
    servicekit::host(
        listeners,
        parts,
        axum::Router::new(),
        stopper,
        super::ctrl_c(),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
