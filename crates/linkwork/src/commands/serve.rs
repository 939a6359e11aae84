//! `linkwork serve <service>`: one service per process, as Kubernetes runs it.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use eventstore::{EventStore, StoreOptions};
use messaging::{Bus, BusWiring};
use referral::grpc::ReferralSettings;
use referral::vault::VaultKeys;
use tokio::net::TcpListener;

use super::secrets;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service to run.
    #[arg(value_enum)]
    service: Service,
    /// The service's database: `postgres://…` or `sqlite:…`.
    #[arg(long, env = "LINKWORK_DATABASE_URL")]
    database_url: String,
    /// NATS with JetStream; without it the service publishes nothing and reads no other
    /// service's events.
    #[arg(long, env = "LINKWORK_NATS_URL")]
    nats_url: Option<String>,
    /// Subject prefix and stream-name prefix on the bus.
    #[arg(long, env = "LINKWORK_BUS_PREFIX", default_value = "linkwork")]
    bus_prefix: String,
    /// gRPC listen address.
    #[arg(long, env = "LINKWORK_GRPC", default_value = "127.0.0.1:50051")]
    grpc: SocketAddr,
    /// HTTP listen address (FHIR under /fhir, Open Referral UK under /oruk).
    #[arg(long, env = "LINKWORK_HTTP", default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// The Integrated Care System this deployment serves.
    #[arg(long, env = "LINKWORK_TENANT")]
    tenant: String,
    /// Accept NHS numbers in the 999 test range (never in production). Referral only.
    #[arg(long, env = "LINKWORK_ALLOW_TEST_NHS_NUMBERS")]
    allow_test_nhs_numbers: bool,
    /// Days a directory service's verification lasts before it is flagged stale. Directory
    /// only; a year is the usual assurance cycle.
    #[arg(long, env = "LINKWORK_STALE_AFTER_DAYS", default_value_t = 365,
          value_parser = clap::value_parser!(u16).range(1..))]
    stale_after_days: u16,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Service {
    /// Referrals and the responsibility ledger.
    Referral,
    /// Local services knowledge, search and the Open Referral UK API.
    Directory,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.tenant.trim().is_empty() {
        bail!("--tenant (LINKWORK_TENANT) must not be empty");
    }
    match args.service {
        Service::Referral => run_referral(args).await,
        Service::Directory => run_directory(args).await,
    }
}

/// The service's database, bus and listeners, opened from the arguments.
struct Opened {
    store: EventStore,
    wiring: Option<BusWiring>,
    grpc: TcpListener,
    http: TcpListener,
}

async fn open(args: &Args, service: &str) -> anyhow::Result<Opened> {
    let store = EventStore::connect(&args.database_url, StoreOptions::default())
        .await
        .with_context(|| {
            format!("cannot open the {service} service's database (--database-url)")
        })?;
    let wiring = match &args.nats_url {
        Some(url) => Some(BusWiring {
            bus: Bus::connect_nats(url).await.context("--nats-url")?,
            prefix: args.bus_prefix.clone(),
        }),
        None => {
            tracing::warn!("no --nats-url: events stay in the log until a bus is configured");
            None
        }
    };
    let grpc = TcpListener::bind(args.grpc)
        .await
        .with_context(|| format!("cannot listen for gRPC on {}", args.grpc))?;
    let http = TcpListener::bind(args.http)
        .await
        .with_context(|| format!("cannot listen for HTTP on {}", args.http))?;
    Ok(Opened {
        store,
        wiring,
        grpc,
        http,
    })
}

async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}

async fn run_referral(args: Args) -> anyhow::Result<ExitCode> {
    let vault_keys = VaultKeys {
        pseudonym_key: secrets::required("LINKWORK_PSEUDONYM_KEY")?,
        master_key: secrets::required("LINKWORK_MASTER_KEY")?,
    };
    let opened = open(&args, "referral").await?;
    println!(
        "referral service: gRPC on {}, FHIR on http://{}/fhir",
        opened.grpc.local_addr()?,
        opened.http.local_addr()?
    );
    let settings = ReferralSettings {
        tenant: args.tenant,
        vault_keys,
        allow_test_nhs_numbers: args.allow_test_nhs_numbers,
    };
    let listeners = referral::startup::Listeners {
        grpc: opened.grpc,
        http: opened.http,
    };
    referral::startup::serve(listeners, opened.store, settings, opened.wiring, ctrl_c()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn run_directory(args: Args) -> anyhow::Result<ExitCode> {
    let opened = open(&args, "directory").await?;
    println!(
        "directory service: gRPC on {}, Open Referral UK on http://{}/oruk",
        opened.grpc.local_addr()?,
        opened.http.local_addr()?
    );
    let settings = directory::startup::ServeSettings {
        tenant: args.tenant,
        stale_after: chrono::Duration::days(i64::from(args.stale_after_days)),
    };
    let listeners = directory::startup::Listeners {
        grpc: opened.grpc,
        http: opened.http,
    };
    directory::startup::serve(listeners, opened.store, settings, opened.wiring, ctrl_c()).await?;
    Ok(ExitCode::SUCCESS)
}
