//! `linkwork`: the platform's command. Each subcommand lives in its own module of `commands`.

mod commands;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = commands::Cli::parse();
    let _telemetry = telemetry::init("linkwork", &telemetry::TelemetryConfig::default())?;
    cli.run().await
}
