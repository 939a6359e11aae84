//! Subcommands made from the registry: one per service for `serve`, one per projection for
//! `replay`. Each takes the arguments of its command (`B`) and its service's own settings as
//! flags, so `linkwork serve --help` lists every service and `linkwork serve <service> --help`
//! every setting that service reads.

use clap::{ArgMatches, Args, Command, FromArgMatches};
use servicekit::Service;

use super::config::{ServiceFlags, add_flags, read_flags};

/// What a subcommand stands for.
pub(crate) trait Choice: Copy + std::fmt::Debug + 'static {
    /// Every one: its subcommand name, its help, and the service whose settings it takes.
    fn all() -> Vec<(&'static str, String, &'static Service, Self)>;
}

/// The subcommand chosen, with its command's arguments and its service's settings.
#[derive(Debug, Clone)]
pub(crate) struct PerService<B, C> {
    /// What was chosen.
    pub(crate) chosen: C,
    /// The service whose settings it takes.
    pub(crate) service: &'static Service,
    /// The command's own arguments.
    pub(crate) base: B,
    /// The service's settings given as flags or variables.
    pub(crate) flags: ServiceFlags,
}

impl<B: FromArgMatches, C: Choice> FromArgMatches for PerService<B, C> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, matches)) = matches.subcommand() else {
            return Err(clap::Error::new(clap::error::ErrorKind::MissingSubcommand));
        };
        let Some((_, _, service, chosen)) = C::all().into_iter().find(|(n, ..)| *n == name) else {
            return Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand));
        };
        Ok(Self {
            chosen,
            service,
            base: B::from_arg_matches(matches)?,
            flags: read_flags(matches, service.settings.iter()),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl<B: Args, C: Choice> Args for PerService<B, C> {
    fn augment_args(mut command: Command) -> Command {
        command = command.subcommand_required(true);
        for (name, about, service, _) in C::all() {
            let sub = B::augment_args(Command::new(name)).about(about);
            command = command.subcommand(add_flags(sub, service.settings.iter()));
        }
        command
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}
