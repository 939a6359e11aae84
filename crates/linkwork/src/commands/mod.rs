//! The subcommands of `linkwork`.

mod config;
mod demo;
mod directory;
mod layout;
mod progress;
mod replay;
mod secrets;
mod serve;
mod up;
mod verify;

use std::process::ExitCode;

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
    /// Check every stream's hash chain; exits 1 naming the first broken link.
    Verify(verify::Args),
    /// Rebuild a projection from its service's log.
    Replay(replay::Args),
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
        }
    }
}
