//! What a service may be configured with, declared as data ([`Setting`]) so that every command
//! that runs services (`up`, `serve`, `replay`) offers each as a flag, an environment variable
//! and a config-file key, and checks it the same way; and the values a service starts with
//! ([`Settings`]), read through typed accessors.
//!
//! A setting named `stale_after_days` is the flag `--stale-after-days`, the variable
//! `LINKWORK_STALE_AFTER_DAYS` and the config-file key `stale_after_days`; the first of those
//! that says something wins, then the declared default. Secrets are never flags: they come
//! from the environment, or for `linkwork up` on one machine, from a key kept in its data
//! folder ([`crate::secrets`]).

use std::collections::HashMap;
use std::path::PathBuf;

/// One setting a service takes.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Its name, `snake_case`.
    pub name: &'static str,
    /// What it does, for `--help`.
    pub help: &'static str,
    /// Its kind, bounds and default.
    pub kind: Kind,
    /// The value `linkwork up --demo` gives it (the demo region needs, say, test NHS numbers).
    pub demo: Option<&'static str>,
}

/// What kind of value a setting holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `true` or `false`; `false` unless said.
    Flag,
    /// A whole number from `min` to `max`.
    Whole {
        /// The value unless said.
        default: u64,
        /// The least allowed.
        min: u64,
        /// The greatest allowed.
        max: u64,
    },
    /// A 32-byte key, as 64 hexadecimal digits, from the environment only (or, for `up`, kept
    /// in the data folder).
    Secret,
}

impl Setting {
    /// The flag that gives it: `--stale-after-days`.
    pub fn flag(&self) -> String {
        self.name.replace('_', "-")
    }

    /// The environment variable that gives it: `LINKWORK_STALE_AFTER_DAYS`.
    pub fn variable(&self) -> String {
        format!("LINKWORK_{}", self.name.to_ascii_uppercase())
    }

    /// How a refusal names it: `stale_after_days (--stale-after-days, LINKWORK_STALE_AFTER_DAYS)`.
    pub fn named(&self) -> String {
        match self.kind {
            Kind::Secret => format!("{} ({})", self.name, self.variable()),
            _ => format!("{} (--{}, {})", self.name, self.flag(), self.variable()),
        }
    }
}

/// A setting that cannot be used, or a service asking for one it never declared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingError(pub String);

/// Where secrets come from when the environment does not give them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SecretSource {
    /// The environment only: a secret it lacks is an error (a service run by Kubernetes, whose
    /// secrets come from a secret store).
    #[default]
    Environment,
    /// The environment, or else a key kept in this folder, generated on first use (the whole
    /// platform on one machine).
    KeptIn(PathBuf),
}

/// A service's settings, every one decided and checked.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: HashMap<&'static str, String>,
    secrets: HashMap<&'static str, [u8; 32]>,
    secret_source: SecretSource,
}

impl Settings {
    /// Decides each of `declared` from `given` (what the flags, environment and config file
    /// said, by name), else the demo's value when `demo`, else its default; and checks each.
    pub fn resolve(
        declared: &[Setting],
        given: &HashMap<String, String>,
        demo: bool,
        secret_source: SecretSource,
    ) -> Result<Self, SettingError> {
        let mut values = HashMap::new();
        for setting in declared {
            let value = match (given.get(setting.name), setting.demo) {
                (Some(value), _) => Some(value.trim().to_owned()),
                (None, Some(value)) if demo => Some(value.to_owned()),
                (None, _) => None,
            };
            let Some(value) = value else {
                continue;
            };
            check(setting, &value)?;
            values.insert(setting.name, value);
        }
        Ok(Self {
            values,
            secrets: HashMap::new(),
            secret_source,
        })
    }

    /// Gives secret `name` directly (tests, and tools that hold the key already).
    pub fn with_secret(mut self, name: &'static str, key: [u8; 32]) -> Self {
        self.secrets.insert(name, key);
        self
    }

    /// Sets `name` to `value` (tests): unchecked, as a caller in code means it.
    pub fn with(mut self, name: &'static str, value: &str) -> Self {
        self.values.insert(name, value.to_owned());
        self
    }

    /// Flag setting `setting`.
    pub fn flag(&self, setting: &Setting) -> bool {
        self.values
            .get(setting.name)
            .is_some_and(|value| value == "true")
    }

    /// Whole-number setting `setting`.
    pub fn whole(&self, setting: &Setting) -> u64 {
        let default = match setting.kind {
            Kind::Whole { default, .. } => default,
            _ => 0,
        };
        self.values
            .get(setting.name)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    }

    /// Secret `setting`: as given, or from the environment, or (for `up`) from the key kept in
    /// the data folder, made on first use.
    pub fn secret(&self, setting: &Setting) -> Result<[u8; 32], SettingError> {
        if let Some(key) = self.secrets.get(setting.name) {
            return Ok(*key);
        }
        let variable = setting.variable();
        let from_env =
            crate::secrets::from_env(&variable).map_err(|e| SettingError(format!("{e:#}")))?;
        match (from_env, &self.secret_source) {
            (Some(key), _) => Ok(key),
            (None, SecretSource::KeptIn(folder)) => {
                // `pseudonym_key` is kept as `keys/pseudonym.key`.
                let file = setting.name.strip_suffix("_key").unwrap_or(setting.name);
                crate::secrets::kept(folder, &variable, &format!("{file}.key"))
                    .map_err(|e| SettingError(format!("{e:#}")))
            }
            (None, SecretSource::Environment) => Err(SettingError(format!(
                "{variable} is not set: {}",
                setting.help
            ))),
        }
    }
}

/// Refuses `value` for `setting`, naming it, unless it is of the setting's kind and bounds.
fn check(setting: &Setting, value: &str) -> Result<(), SettingError> {
    let refuse = |what: String| Err(SettingError(format!("{} must be {what}", setting.named())));
    match setting.kind {
        Kind::Flag if matches!(value, "true" | "false") => Ok(()),
        Kind::Flag => refuse(format!("true or false, not {value:?}")),
        Kind::Whole { min, max, .. } => match value.parse::<u64>() {
            Ok(number) if (min..=max).contains(&number) => Ok(()),
            _ => refuse(format!("a whole number from {min} to {max}, not {value:?}")),
        },
        Kind::Secret => Err(SettingError(format!(
            "{} is a secret: give it in {}, not as a flag or in a file",
            setting.name,
            setting.variable()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAYS: Setting = Setting {
        name: "stale_after_days",
        help: "Days a verification lasts.",
        kind: Kind::Whole {
            default: 365,
            min: 1,
            max: 3650,
        },
        demo: None,
    };
    const TEST_NUMBERS: Setting = Setting {
        name: "allow_test_nhs_numbers",
        help: "Accept test NHS numbers.",
        kind: Kind::Flag,
        demo: Some("true"),
    };

    fn given(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn values_come_from_what_was_given_then_the_demo_then_the_default() {
        let declared = [DAYS, TEST_NUMBERS];
        let none = Settings::resolve(&declared, &given(&[]), false, SecretSource::Environment)
            .expect("defaults");
        assert_eq!((none.whole(&DAYS), none.flag(&TEST_NUMBERS)), (365, false));
        let demo = Settings::resolve(&declared, &given(&[]), true, SecretSource::Environment)
            .expect("demo");
        assert!(demo.flag(&TEST_NUMBERS));
        let said = given(&[
            ("stale_after_days", "90"),
            ("allow_test_nhs_numbers", "false"),
        ]);
        let said =
            Settings::resolve(&declared, &said, true, SecretSource::Environment).expect("given");
        assert_eq!((said.whole(&DAYS), said.flag(&TEST_NUMBERS)), (90, false));
    }

    #[test]
    fn a_bad_value_is_refused_naming_the_setting_every_way_it_can_be_given() {
        let refused = Settings::resolve(
            &[DAYS],
            &given(&[("stale_after_days", "0")]),
            false,
            SecretSource::Environment,
        )
        .expect_err("too few");
        assert_eq!(
            refused.0,
            "stale_after_days (--stale-after-days, LINKWORK_STALE_AFTER_DAYS) must be a whole \
             number from 1 to 3650, not \"0\""
        );
    }
}
