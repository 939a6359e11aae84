//! `linkwork serve <service>`: one service per process, as Kubernetes runs it. Each service of
//! the registry is a subcommand with its own settings; `linkwork serve --help` lists them. The
//! other services it calls are where `--peer` says.

use std::process::ExitCode;

use servicekit::{Peers, SecretSource, Service, Settings, Stopper};

use super::config::Overrides;
use super::per_service::{Choice, PerService};
use crate::registry::SERVICES;

/// A service of the registry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServiceChoice;

impl Choice for ServiceChoice {
    fn all() -> Vec<(&'static str, String, &'static Service, Self)> {
        SERVICES
            .iter()
            .map(|service| (service.name, service.about.to_owned(), *service, Self))
            .collect()
    }
}

/// What `serve` takes beyond the platform's settings: where the other services are.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    platform: Overrides,
    /// Where another service this one calls is, `SERVICE=http://HOST:PORT` (e.g.
    /// `directory=http://directory:50051`); once per service. A service with no peer it needs
    /// goes without (the referral service records deprivation as unknown).
    #[arg(
        long = "peer",
        env = "LINKWORK_PEERS",
        value_delimiter = ',',
        value_name = "SERVICE=URL"
    )]
    peers: Vec<String>,
}

/// `serve <service>`: which service, the platform's settings and the service's.
pub(crate) type Args = PerService<ServeArgs, ServiceChoice>;

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let service = args.service;
    let known: Vec<&str> = SERVICES.iter().map(|service| service.name).collect();
    let peers = Peers::parse(&args.base.peers, &known)?;
    let (platform, given) = args.base.platform.resolve(args.flags, true)?;
    let Some(oidc) = &platform.oidc else {
        anyhow::bail!(
            "oidc_issuer (--oidc-issuer, LINKWORK_OIDC_ISSUER) must be given: a service run \
             alone accepts the bearer tokens of the deployment's identity provider"
        );
    };
    let verifier = oidc.verifier();
    // A service run alone takes its secrets from the environment (a secret store), never from
    // a folder.
    let settings = Settings::resolve(service.settings, &given, false, SecretSource::Environment)?;
    let anchor_key = super::anchor_key::for_serve()?;
    // Its log in a data folder is its alone while it runs.
    let _only_one = match &platform.storage {
        servicekit::Storage::Folder(folder) => {
            std::fs::create_dir_all(folder)?;
            Some(super::lock(folder, service.name)?)
        }
        servicekit::Storage::Postgres { .. } => None,
    };
    let wiring = match &platform.nats_url {
        Some(url) => {
            Some(servicekit::open_bus(Some(url), &platform.data_dir, &platform.bus_prefix).await?)
        }
        None => {
            tracing::warn!("no --nats-url: events stay in the log until a bus is configured");
            None
        }
    };
    let listeners = platform.listen().await?;
    let apis: Vec<String> = service
        .http
        .iter()
        .map(|api| {
            format!(
                "{} on http://{}{}",
                api.about,
                listeners.http.local_addr().unwrap_or(platform.http),
                api.path
            )
        })
        .collect();
    let calls: Vec<&str> = peers.names().collect();
    println!(
        "{} service: gRPC on {}{}{}",
        service.name,
        listeners.grpc.local_addr()?,
        apis.iter()
            .map(|api| format!("; {api}"))
            .collect::<String>(),
        match calls.is_empty() {
            true => String::new(),
            false => format!("; calls {}", calls.join(", ")),
        }
    );
    let stopper = Stopper::new();
    let running = servicekit::Platform {
        storage: platform.storage,
        tenant: platform.tenant,
        wiring,
        stopper: stopper.clone(),
        anchor_key: Some(anchor_key),
        integrity: platform.integrity,
        peers,
    };
    let parts = servicekit::start(&[(service, settings)], &running, false).await?;
    servicekit::host(
        listeners,
        parts,
        axum::Router::new(),
        verifier,
        stopper,
        super::ctrl_c(),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}
