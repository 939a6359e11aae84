//! The subcommands of `linkwork`, one module each, and what the ones that run services share.

mod anchor_key;
mod config;
mod demo;
mod directory;
mod per_service;
mod progress;
mod replay;
mod serve;
mod sign_in;
mod token;
mod up;
mod verify;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// Linkwork: social prescribing for NHS Integrated Care Systems.
#[derive(Debug, Parser)]
#[command(name = "linkwork", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole platform in this process: every service, its data in a local folder.
    Up(up::Args),
    /// Run one service in this process (what Kubernetes runs).
    Serve(serve::Args),
    /// Directory operator tools: import an Open Referral UK feed, load postcode centroids.
    Directory(directory::Args),
    /// Load the fictional demo region (Linbridge) into a running Linkwork over its APIs.
    Demo(demo::Args),
    /// Check every service's log: every stream's hash chain; exits 1 naming what is broken.
    Verify(verify::Args),
    /// Rebuild a projection from its service's log.
    Replay(replay::Args),
    /// Print a bearer token from the local issuer of `linkwork up`, to sign in as someone.
    Token(token::Args),
}

impl Cli {
    pub(crate) async fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Up(args) => up::run(args).await,
            Command::Serve(args) => serve::run(args).await,
            Command::Directory(args) => directory::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Verify(args) => verify::run(args).await,
            Command::Replay(args) => replay::run(args).await,
            Command::Token(args) => token::run(args),
        }
    }
}

async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}

/// Where to reach a listener from this machine (a wildcard address is not connectable).
fn loopback(mut address: SocketAddr) -> SocketAddr {
    if address.ip().is_unspecified() {
        address.set_ip(Ipv4Addr::LOCALHOST.into());
    }
    address
}

/// Locks `service`'s place in the data folder for this process: two processes running one
/// service on one folder would write the same log (and `up`'s bus). The lock is the operating
/// system's, so a crashed process lets go of it.
fn lock(data_dir: &std::path::Path, service: &str) -> anyhow::Result<std::fs::File> {
    let path = data_dir.join(format!("{service}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("data_dir: cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another linkwork is already running the {service} service on the data folder {}; \
             stop it first, or give this one its own --data-dir",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("data_dir: cannot lock {}", path.display()))
        }
    }
}

/// The JSON API and its OpenAPI document, calling the services over the gRPC listener at
/// `grpc` — exactly as a gateway in front of separate service processes does.
fn gateway_at(grpc: SocketAddr) -> anyhow::Result<axum::Router> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", loopback(grpc)))
        .context("grpc: not a usable address")?
        .connect_lazy();
    Ok(gateway::router(gateway::Upstreams::all_at(channel)))
}
