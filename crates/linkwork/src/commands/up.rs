//! `linkwork up`: the whole platform in one process — every service on its own embedded
//! database in the data folder, an in-process bus, one HTTP and one gRPC listener — or, with
//! `--database-url` and `--nats-url`, the same on PostgreSQL and NATS JetStream.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use eventstore::{EventStore, StoreOptions};
use hosting::{Listeners, Stopper};
use messaging::{Bus, BusWiring, InProcessBus, RelaySettings};
use sqlx::Connection as _;
use tokio::net::TcpListener;

use super::config::{Overrides, Settings};
use super::layout::{SERVICES, sqlite_url};
use super::secrets;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    settings: Overrides,
    /// Load the fictional demo region (Linbridge) once the platform is up: its postcodes, an
    /// Open Referral directory and people walked through the referral pathway. Implies
    /// --allow-test-nhs-numbers.
    #[arg(long)]
    demo: bool,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut settings = args.settings.resolve()?;
    settings.allow_test_nhs_numbers |= args.demo;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("data_dir: cannot create {}", settings.data_dir.display()))?;
    let vault_keys = secrets::vault_keys(&settings.data_dir)?;
    let referral_store = open_store(&settings, "referral").await?;
    let directory_store = open_store(&settings, "directory").await?;
    let wiring = BusWiring {
        bus: open_bus(&settings).await?,
        prefix: settings.bus_prefix.clone(),
    };
    // Each relay creates its own stream as it starts; creating them all first means no
    // consumer starts before the stream it reads exists (and logs a needless failure).
    for service in SERVICES {
        wiring
            .bus
            .ensure_stream(&wiring.names(service), &RelaySettings::default().stream)
            .await
            .with_context(|| format!("cannot create the {service} stream on the bus"))?;
    }
    let grpc = TcpListener::bind(settings.grpc)
        .await
        .with_context(|| format!("grpc: cannot listen on {}", settings.grpc))?;
    let http = TcpListener::bind(settings.http)
        .await
        .with_context(|| format!("http: cannot listen on {}", settings.http))?;
    let (grpc_address, http_address) = (grpc.local_addr()?, http.local_addr()?);

    if args.demo {
        directory::migrate(&directory_store).await?;
        directory::postcodes::PostcodeDirectory::new(directory_store.clone())
            .load_csv(directory::postcodes::DEMO_REGION_CSV.as_bytes(), |_| {})
            .await
            .context("cannot load the demo region's postcodes")?;
    }
    let stopper = Stopper::new();
    let referral = referral::startup::start(
        referral_store,
        referral::grpc::ReferralSettings {
            tenant: settings.tenant.clone(),
            vault_keys,
            allow_test_nhs_numbers: settings.allow_test_nhs_numbers,
        },
        Some(wiring.clone()),
        &stopper,
    )
    .await?;
    let directory = directory::startup::start(
        directory_store,
        directory::startup::ServeSettings {
            tenant: settings.tenant.clone(),
            stale_after: chrono::Duration::days(i64::from(settings.stale_after_days)),
        },
        Some(wiring),
        &stopper,
    )
    .await?;

    println!("{}", banner(&settings, http_address, grpc_address));
    let listeners = Listeners { grpc, http };
    let parts = vec![referral, directory];
    let serving = hosting::host(listeners, parts, gateway(grpc_address)?, stopper, ctrl_c());
    tokio::pin!(serving);
    if args.demo {
        // The demo is a client of this process: it runs beside the servers, and a Ctrl-C
        // before it finishes simply stops it with them.
        tokio::select! {
            served = &mut serving => served?,
            () = load_demo(grpc_address, http_address) => serving.await?,
        }
    } else {
        serving.await?;
    }
    // Whoever read the banner may have gone (a closed pipe): saying goodbye must not fail.
    let _ = writeln!(
        std::io::stdout(),
        "Linkwork stopped; everything accepted is in {}",
        where_data_is(&settings)
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads Linbridge through the public APIs of this very process, once it is serving. A
/// second start with `--demo` finds it all there and adds nothing.
async fn load_demo(grpc: std::net::SocketAddr, http: std::net::SocketAddr) {
    let target = demo::Target {
        grpc: format!("http://{}", loopback(grpc)),
        http: format!("http://{}", loopback(http)),
    };
    match super::demo::run_against(target, demo::Options::default()).await {
        Ok(report) => println!("Linbridge demo loaded\n\n{report}"),
        Err(error) => tracing::error!(error = format!("{error:#}"), "the demo did not load"),
    }
}

/// Where to reach a listener from this machine (a wildcard address is not connectable).
fn loopback(mut address: std::net::SocketAddr) -> std::net::SocketAddr {
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    address
}

/// The JSON API and its OpenAPI document, calling the services over this process's own gRPC
/// listener — exactly as a gateway in front of separate service processes does.
fn gateway(grpc: std::net::SocketAddr) -> anyhow::Result<axum::Router> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", loopback(grpc)))
        .context("grpc: not a usable address")?
        .connect_lazy();
    Ok(gateway::router(gateway::Upstreams::all_at(channel)))
}

async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}

fn where_data_is(settings: &Settings) -> String {
    match &settings.database_url {
        Some(_) => "PostgreSQL".to_owned(),
        None => settings.data_dir.display().to_string(),
    }
}

/// What a newcomer needs to know: where everything is.
fn banner(settings: &Settings, http: std::net::SocketAddr, grpc: std::net::SocketAddr) -> String {
    let storage = match &settings.database_url {
        Some(_) => "PostgreSQL (a database per service)".to_owned(),
        None => format!("SQLite in {}", settings.data_dir.display()),
    };
    let bus = match &settings.nats_url {
        Some(url) => format!("NATS JetStream at {url}"),
        None => "the in-process bus".to_owned(),
    };
    format!(
        "Linkwork is up ({storage}; {bus}; tenant {tenant})\n\
         \x20 HTTP  http://{http}\n\
         \x20       /api/v1   JSON API; its OpenAPI document is /openapi.json\n\
         \x20       /fhir     FHIR R4: referrals (ServiceRequest, Task)\n\
         \x20       /oruk     Open Referral UK 3.0: the directory\n\
         \x20 gRPC  {grpc}  linkwork.referral.v1, linkwork.directory.v1, health, reflection\n\
         Press Ctrl-C to stop.",
        tenant = settings.tenant,
    )
}

/// A service's own log: a SQLite file in the data folder, or a PostgreSQL database of its own.
async fn open_store(settings: &Settings, service: &str) -> anyhow::Result<EventStore> {
    let url = match &settings.database_url {
        None => sqlite_url(&settings.data_dir, service),
        Some(base) => service_database(base, service).await?,
    };
    EventStore::connect(&url, StoreOptions::default())
        .await
        .with_context(|| format!("cannot open the {service} service's database"))
}

/// `postgres://…/linkwork` → `postgres://…/linkwork_<service>`, created if it is missing
/// (`linkwork` itself is only the prefix and need not exist).
async fn service_database(base: &str, service: &str) -> anyhow::Result<String> {
    let (before_query, query) = match base.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (base, None),
    };
    let Some((server, name)) = before_query.rsplit_once('/') else {
        bail!("database_url must name a database, e.g. postgres://host/linkwork");
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("database_url must name a database of letters, digits and _, got {name:?}");
    }
    let database = format!("{name}_{service}").to_lowercase();
    // The named database need not exist: it is only the prefix. Databases are created from
    // the server's maintenance database.
    let maintenance = match query {
        Some(query) => format!("{server}/postgres?{query}"),
        None => format!("{server}/postgres"),
    };
    let mut admin = sqlx::PgConnection::connect(&maintenance)
        .await
        .map_err(|error| anyhow::anyhow!("database_url: cannot connect to {server}: {error}"))?;
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&database)
        .fetch_optional(&mut admin)
        .await?;
    if exists.is_none() {
        // The name is checked above to be letters, digits and _: safe to quote into DDL.
        let create = format!("CREATE DATABASE \"{database}\"");
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut admin)
            .await
            .with_context(|| format!("cannot create database {database}"))?;
    }
    Ok(match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    })
}

async fn open_bus(settings: &Settings) -> anyhow::Result<Bus> {
    match &settings.nats_url {
        Some(url) => Bus::connect_nats(url).await.context("nats_url"),
        None => {
            let url = sqlite_url(&settings.data_dir, "bus");
            Ok(Bus::InProcess(
                InProcessBus::open(&url)
                    .await
                    .context("cannot open the in-process bus")?,
            ))
        }
    }
}
