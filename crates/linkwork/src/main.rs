//! `linkwork`: the platform's command. Each subcommand lives in its own module of `commands`;
//! the services it runs are listed in `registry`.

mod commands;
mod registry;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    let _telemetry = match telemetry::init("linkwork", &telemetry::TelemetryConfig::default()) {
        Ok(guard) => guard,
        Err(error) => return failed(&error.into()),
    };
    match cli.run().await {
        Ok(code) => code,
        Err(error) => failed(&error),
    }
}

/// Says why the command failed, as one line of causes — never a backtrace, whatever
/// `RUST_BACKTRACE` says: this is for an operator, not a debugger.
fn failed(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {error:#}");
    ExitCode::FAILURE
}
