//! `linkwork up`: the whole platform in one process — every service of the registry on its own
//! log (SQLite files in the data folder, or a PostgreSQL database each), one bus (the durable
//! in-process bus, or NATS JetStream), one HTTP and one gRPC listener, and the JSON API over
//! them. Every service is every other's peer on that gRPC listener.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use servicekit::{Part, SecretSource, Settings, Stopper};

use super::config::{Overrides, Platform, ServiceFlags};
use super::sign_in;
use crate::registry::SERVICES;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    platform: Overrides,
    #[command(flatten)]
    services: ServiceFlags,
    /// Load the fictional demo region (Linbridge) once the platform is up: its postcodes, an
    /// Open Referral directory and people walked through the referral pathway. Gives every
    /// setting the value the demo needs (test NHS numbers, say) unless it is set.
    #[arg(long)]
    demo: bool,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (platform, given) = args.platform.resolve(args.services, false)?;
    // Every setting is checked before anything is written or listens.
    let keys = SecretSource::KeptIn(platform.data_dir.clone());
    let mut services = Vec::new();
    for service in SERVICES {
        let settings = Settings::resolve(service.settings, &given, args.demo, keys.clone())?;
        services.push((*service, settings));
    }
    std::fs::create_dir_all(&platform.data_dir)
        .with_context(|| format!("data_dir: cannot create {}", platform.data_dir.display()))?;
    // Held until this process exits: the operating system lets go of them even on a crash.
    let _only_one = SERVICES
        .iter()
        .map(|service| super::lock(&platform.data_dir, service.name))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let wiring = servicekit::open_bus(
        platform.nats_url.as_deref(),
        &platform.data_dir,
        &platform.bus_prefix,
    )
    .await
    .context("cannot open the bus")?;
    let listeners = platform.listen().await?;
    let grpc_address = listeners.grpc.local_addr()?;
    let http_address = listeners.http.local_addr()?;
    let stopper = Stopper::new();
    let running = servicekit::Platform {
        storage: platform.storage.clone(),
        tenant: platform.tenant.clone(),
        wiring: Some(wiring),
        stopper: stopper.clone(),
        anchor_key: Some(super::anchor_key::for_up(&platform.data_dir)?),
        integrity: platform.integrity,
        peers: servicekit::Peers::in_process(
            grpc_address,
            SERVICES.iter().map(|service| service.name),
        ),
    };
    let (verifier, local) = match &platform.oidc {
        Some(oidc) => (oidc.verifier(), None),
        None => {
            let issuer =
                sign_in::start_local_issuer(&platform.data_dir, http_address, &platform.audience)?;
            (issuer.verifier(), Some(issuer))
        }
    };
    let parts = servicekit::start(&services, &running, args.demo).await?;
    println!(
        "{}",
        banner(
            &platform,
            &parts,
            http_address,
            grpc_address,
            local.as_ref()
        )
    );
    let mut http = super::gateway_at(grpc_address)?;
    if let Some(issuer) = &local {
        http = http.merge(sign_in::well_known(issuer));
    }
    let serving = servicekit::host(listeners, parts, http, verifier, stopper, super::ctrl_c());
    tokio::pin!(serving);
    match (args.demo, local) {
        // The demo is a client of this process: it runs beside the servers, and a Ctrl-C
        // before it finishes simply stops it with them.
        (true, Some(issuer)) => tokio::select! {
            served = &mut serving => served?,
            () = load_demo(grpc_address, http_address, issuer, &platform) => serving.await?,
        },
        (true, None) => {
            tracing::warn!(
                "--demo: the demo signs its people in with the local issuer, and \
                 --oidc-issuer replaces it; not loading the demo"
            );
            serving.await?;
        }
        (false, _) => serving.await?,
    }
    // Whoever read the banner may have gone (a closed pipe): saying goodbye must not fail.
    let _ = writeln!(
        std::io::stdout(),
        "Linkwork stopped; everything accepted is in {}",
        where_data_is(&platform)
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads Linbridge through the public APIs of this very process, once it is serving. A
/// second start with `--demo` finds it all there and adds nothing.
async fn load_demo(
    grpc: SocketAddr,
    http: SocketAddr,
    issuer: identity::LocalIssuer,
    platform: &Platform,
) {
    let target = demo::Target {
        grpc: format!("http://{}", super::loopback(grpc)),
        http: format!("http://{}", super::loopback(http)),
        issuer,
    };
    let options = demo::Options::default();
    match super::demo::run_against(target, options).await {
        Ok(report) => println!(
            "Linbridge demo loaded\n\n{report}\n\n{}",
            super::demo::personas_text(options.seed, &platform.data_dir)
        ),
        Err(error) => tracing::error!(error = format!("{error:#}"), "the demo did not load"),
    }
}

fn where_data_is(platform: &Platform) -> String {
    match &platform.storage {
        servicekit::Storage::Postgres { .. } => "PostgreSQL".to_owned(),
        servicekit::Storage::Folder(folder) => folder.display().to_string(),
    }
}

/// What a newcomer needs to know: where everything is, and how to sign in.
fn banner(
    platform: &Platform,
    parts: &[Part],
    http: SocketAddr,
    grpc: SocketAddr,
    local: Option<&identity::LocalIssuer>,
) -> String {
    let storage = match &platform.storage {
        servicekit::Storage::Postgres { prefix, .. } => {
            format!("PostgreSQL, a database per service named {prefix}_<service>")
        }
        servicekit::Storage::Folder(folder) => format!("SQLite in {}", folder.display()),
    };
    let bus = match &platform.nats_url {
        Some(url) => format!("NATS JetStream at {url}"),
        None => "the in-process bus".to_owned(),
    };
    let mut lines = vec![
        format!(
            "Linkwork is up ({storage}; {bus}; tenant {})",
            platform.tenant
        ),
        format!("  HTTP  http://{http}"),
        "        /api/v1   JSON API; its OpenAPI document is /openapi.json".to_owned(),
    ];
    for api in SERVICES.iter().flat_map(|service| service.http) {
        lines.push(format!("        {:<9} {}", api.path, api.about));
    }
    let packages: Vec<&str> = parts
        .iter()
        .flat_map(|part| &part.grpc)
        .map(|service| {
            service
                .name()
                .rsplit_once('.')
                .map_or(service.name(), |(package, _)| package)
        })
        .collect();
    lines.push(format!(
        "  gRPC  {grpc}  {}, health, reflection",
        packages.join(", ")
    ));
    match (local, &platform.oidc) {
        (Some(issuer), _) => {
            lines.push(format!(
                "  Sign in with a bearer token from the local issuer {}:",
                issuer.issuer()
            ));
            lines.push(format!(
                "        linkwork token --data-dir {} --user U --organisation O --role R",
                platform.data_dir.display()
            ));
        }
        (None, Some(oidc)) => lines.push(format!(
            "  Sign in with a bearer token from {} (audience {})",
            oidc.issuer, oidc.audience
        )),
        (None, None) => {}
    }
    lines.push("Press Ctrl-C to stop.".to_owned());
    lines.join("\n")
}
