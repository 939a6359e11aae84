//! `linkwork token`: signs a bearer token with the local issuer of `linkwork up` (its key is in
//! the data folder), for someone of an organisation acting in a role — how a person tries the
//! APIs of the platform on one machine. Only the token is printed, so that
//! `TOKEN=$(linkwork token …)` works.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;

/// The longest a token may last: a working day.
const LONGEST: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Who: a user id (a CIS2 UUID, a provider's user, an integrator's client id).
    #[arg(long)]
    user: String,
    /// The organisation they act for: an ODS code, or the directory's id of a VCSE provider.
    #[arg(long)]
    organisation: String,
    /// The role they act in, e.g. link-worker, referrer, vcse-provider, directory-curator,
    /// directory-admin, auditor.
    #[arg(long)]
    role: String,
    /// A scope an integrator's client holds, e.g. evidence:write (repeatable).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// How long the token lasts: `90s`, `30m`, `1h` (at most 12h).
    #[arg(long, default_value = "1h", value_parser = lasting)]
    expires_in: Duration,
    /// The data folder of `linkwork up`, where its issuer's key is.
    #[arg(long, env = "LINKWORK_DATA_DIR", default_value = "linkwork-data")]
    data_dir: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    for (name, value) in [
        ("user", &args.user),
        ("organisation", &args.organisation),
        ("role", &args.role),
    ] {
        if value.trim().is_empty() || value.len() > 200 || value.chars().any(char::is_control) {
            bail!("{name}: give 1 to 200 printable characters");
        }
    }
    let known = contract::access::roles();
    if !known.contains(&args.role.as_str()) && args.role != "integrator" {
        bail!(
            "role: not a role any API admits; one of {}",
            known.join(", ")
        );
    }
    let issuer = super::sign_in::kept_issuer(&args.data_dir)?;
    let scopes: Vec<&str> = args.scopes.iter().map(String::as_str).collect();
    let caller =
        identity::Caller::new(&args.user, &args.organisation, &args.role).with_scopes(&scopes);
    println!("{}", issuer.token(&caller, args.expires_in)?);
    Ok(ExitCode::SUCCESS)
}

/// `90s`, `30m`, `1h` as a duration of at most [`LONGEST`].
fn lasting(text: &str) -> Result<Duration, String> {
    let refuse = || "give a number of seconds, minutes or hours: 90s, 30m, 1h".to_owned();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .ok_or_else(refuse)?,
    );
    let number: u64 = number.parse().map_err(|_| refuse())?;
    let seconds = match unit {
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        _ => return Err(refuse()),
    };
    match Duration::from_secs(seconds) {
        lasting if lasting.is_zero() => Err("it must last some time".to_owned()),
        lasting if lasting > LONGEST => Err("at most 12h".to_owned()),
        lasting => Ok(lasting),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn lifetimes_read_as_people_write_them() {
        assert_eq!(super::lasting("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(super::lasting("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(super::lasting("1h"), Ok(Duration::from_secs(3600)));
        assert!(super::lasting("13h").is_err());
        assert!(super::lasting("0s").is_err());
        assert!(super::lasting("1d").is_err());
        assert!(super::lasting("h").is_err());
        assert!(super::lasting("99999999999999999999h").is_err());
    }
}
