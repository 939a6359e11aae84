//! `linkwork demo`: loads the fictional demo region, Linbridge, into a running Linkwork through
//! its public APIs only (the directory's gRPC API, the referral service's FHIR and gRPC APIs),
//! so every query has something to show. The same seed loads the same region, once: a re-run
//! finds it there and adds nothing.
//!
//! The instance must know the demo postcodes and accept test NHS numbers; `linkwork up --demo`
//! sets both up and loads the demo itself.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use indicatif::ProgressBar;

use super::progress;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The instance's gRPC API (directory and referral).
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    grpc: String,
    /// The instance's HTTP API (FHIR under /fhir).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    http: String,
    /// Grows the region: the same seed gives the same services and people.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Services in the directory (an organisation, with two venues, for every five).
    #[arg(long, default_value_t = 300)]
    services: usize,
    /// People referred by GPs and walked through the pathway.
    #[arg(long, default_value_t = 300)]
    people: usize,
    /// The data folder of the `linkwork up` being loaded: the region's people are signed in
    /// with its local issuer, whose key is there.
    #[arg(long, env = "LINKWORK_DATA_DIR", default_value = "linkwork-data")]
    data_dir: PathBuf,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let target = ::demo::Target {
        grpc: url(&args.grpc),
        http: url(&args.http),
        issuer: super::sign_in::kept_issuer(&args.data_dir)?,
    };
    let options = ::demo::Options {
        seed: args.seed,
        services: args.services,
        people: args.people,
    };
    let report = run_against(target, options).await?;
    println!(
        "Linbridge demo (seed {}) loaded\n\n{report}\n\n{}",
        args.seed,
        personas_text(args.seed, &args.data_dir)
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads the demo into the instance at `target`, with a progress bar on stderr. What
/// `linkwork up --demo` calls once the platform is serving.
pub(crate) async fn run_against(
    target: ::demo::Target,
    options: ::demo::Options,
) -> anyhow::Result<::demo::Report> {
    let bar = progress::bar();
    let report = ::demo::load(target.clone(), options, |progress| show(&bar, progress)).await;
    bar.finish_and_clear();
    report.with_context(|| {
        format!(
            "loading the demo into {} (gRPC) and {} (HTTP)",
            target.grpc, target.http
        )
    })
}

/// Who one can sign in as, and how: the demo's personas, each with the command that prints a
/// token for them.
pub(crate) fn personas_text(seed: u64, data_dir: &Path) -> String {
    let mut lines =
        vec!["Sign in as one of the region's (synthetic) people with a token for them:".to_owned()];
    for persona in ::demo::personas(seed) {
        lines.push(format!(
            "  {} of {}, {}: {}",
            persona.user, persona.organisation, persona.role, persona.about
        ));
        lines.push(format!(
            "      linkwork token --data-dir {} --user {} --organisation {} --role {}",
            data_dir.display(),
            persona.user,
            persona.organisation,
            persona.role
        ));
    }
    lines.push(
        "Then send it as `Authorization: Bearer <token>` (e.g. curl -H \"Authorization: Bearer \
         $TOKEN\" …/api/v1/…)."
            .to_owned(),
    );
    lines.join("\n")
}

/// `host:port` as `http://host:port`; a URL as it is.
fn url(address: &str) -> String {
    match address.contains("://") {
        true => address.to_owned(),
        false => format!("http://{address}"),
    }
}

fn show(bar: &ProgressBar, progress: ::demo::Progress) {
    if bar.message() != progress.stage.name() {
        bar.set_message(progress.stage.name());
        bar.reset();
    }
    bar.set_length(progress.total);
    bar.set_position(progress.done);
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_may_leave_out_the_scheme() {
        assert_eq!(super::url("127.0.0.1:50051"), "http://127.0.0.1:50051");
        assert_eq!(super::url("http://localhost:8080"), "http://localhost:8080");
    }
}
