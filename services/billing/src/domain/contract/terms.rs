//! What one version of a contract says — its tariffs, caps and eligibility — and the checks
//! a version passes before it is recorded, each refusal naming the field it is about.
//!
//! Attendance pays only on [`Evidence`] that a person was there: the provider's register, the
//! person's QR check-in, or an integrator's attested attendance. There is no device variant,
//! on purpose: a step count or an app's check-in says a phone moved, not that anyone came to a
//! session, so no contract can be written to pay on it and no billable fact can carry it
//! (ADR 0012).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::money::Pence;

/// Who pays for a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FundingSource {
    /// The Additional Roles Reimbursement Scheme, through a PCN.
    Arrs,
    /// The integrated care board.
    Icb,
    /// A council.
    LocalAuthority,
    /// A grant-maker (a community chest, a trust, the Health and Wellbeing Fund).
    Grant,
    /// Anything else (a Medicaid-style fee schedule, a charity's own money).
    Other,
}

/// What makes money accrue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// A month of the contract elapsing.
    Block,
    /// The provider accepting a referral.
    AcceptedReferral,
    /// A person attending a session, on evidence that pays.
    AttendedSession,
    /// A person's episode with the provider completing.
    CompletedEpisode,
    /// A named instrument's paired change passing its minimal important difference.
    Outcome,
    /// A one-off award.
    MicroGrant,
}

impl Trigger {
    /// Its code, as recorded.
    pub fn code(self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::AcceptedReferral => "accepted-referral",
            Self::AttendedSession => "attended-session",
            Self::CompletedEpisode => "completed-episode",
            Self::Outcome => "outcome",
            Self::MicroGrant => "micro-grant",
        }
    }
}

/// What an attendance rests on, of the kinds that can pay (codes as the engagement service
/// publishes them). Device evidence is deliberately not one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// The provider's register.
    Register,
    /// The person's scan of the session's QR code.
    QrCheckIn,
    /// An integrator's system attesting the attendance.
    Integrator,
}

impl Evidence {
    /// The evidence a published code names; `None` for anything else, device data included.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "register" => Some(Self::Register),
            "qr-check-in" => Some(Self::QrCheckIn),
            "integrator" => Some(Self::Integrator),
            _ => None,
        }
    }
}

/// What a trigger pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "trigger", rename_all = "kebab-case")]
pub enum Tariff {
    /// A fixed sum per month in force, pro rata by day for a part month.
    Block {
        /// For a whole month.
        per_month: Pence,
    },
    /// Per referral the provider accepts.
    AcceptedReferral {
        /// For each.
        per_referral: Pence,
    },
    /// Per session a person attends, on the evidence listed.
    AttendedSession {
        /// For each.
        per_session: Pence,
        /// The kinds of evidence this contract pays on.
        evidence: BTreeSet<Evidence>,
    },
    /// Per episode completed.
    CompletedEpisode {
        /// For each.
        per_episode: Pence,
    },
    /// Per person whose change on `instrument` is judged "improved" against its MID.
    Outcome {
        /// The instrument, as the outcomes service names it (e.g. `swemwbs`).
        instrument: String,
        /// For each person improved.
        per_improvement: Pence,
    },
    /// Once, when the grant is awarded.
    MicroGrant {
        /// The grant.
        amount: Pence,
    },
}

impl Tariff {
    /// The trigger it pays on.
    pub fn trigger(&self) -> Trigger {
        match self {
            Self::Block { .. } => Trigger::Block,
            Self::AcceptedReferral { .. } => Trigger::AcceptedReferral,
            Self::AttendedSession { .. } => Trigger::AttendedSession,
            Self::CompletedEpisode { .. } => Trigger::CompletedEpisode,
            Self::Outcome { .. } => Trigger::Outcome,
            Self::MicroGrant { .. } => Trigger::MicroGrant,
        }
    }

    /// What it pays, and the name of the field that says so.
    pub fn amount(&self) -> (Pence, &'static str) {
        match self {
            Self::Block { per_month } => (*per_month, "per_month"),
            Self::AcceptedReferral { per_referral } => (*per_referral, "per_referral"),
            Self::AttendedSession { per_session, .. } => (*per_session, "per_session"),
            Self::CompletedEpisode { per_episode } => (*per_episode, "per_episode"),
            Self::Outcome {
                per_improvement, ..
            } => (*per_improvement, "per_improvement"),
            Self::MicroGrant { amount } => (*amount, "amount"),
        }
    }

    /// What no other tariff of a version may share: the trigger, and an outcome's instrument.
    fn slot(&self) -> (Trigger, Option<&str>) {
        match self {
            Self::Outcome { instrument, .. } => (Trigger::Outcome, Some(instrument)),
            other => (other.trigger(), None),
        }
    }
}

/// The most a contract pays, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    /// For any one person (by pseudonym) over the contract's life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_person: Option<Pence>,
    /// In any one calendar month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_month: Option<Pence>,
    /// Over the contract's life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Pence>,
}

/// A cap, named on the line it reduced; ordered as caps are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cap {
    /// [`Caps::per_person`].
    PerPerson,
    /// [`Caps::per_month`].
    PerMonth,
    /// [`Caps::total`].
    Total,
}

/// Who a contract pays for; an empty list admits anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Needs codes as the referral service publishes them (`loneliness`, `money`, …): a person
    /// is eligible with at least one of them.
    #[serde(default)]
    pub needs: BTreeSet<String>,
    /// Age band codes as the referral service publishes them (`18-34`, `65+`, …).
    #[serde(default)]
    pub age_bands: BTreeSet<String>,
}

/// Why a person is not covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ineligible {
    /// None of their needs is one the contract covers.
    NoCoveredNeed,
    /// Their age band is not one the contract covers.
    AgeBandNotCovered,
    /// The contract covers some age bands and theirs is not known: not assumed to fit.
    AgeBandUnknown,
}

impl Eligibility {
    /// Whether someone with `needs` and `age_band` is covered.
    pub fn admits(&self, needs: &[String], age_band: Option<&str>) -> Result<(), Ineligible> {
        if !self.needs.is_empty() && !needs.iter().any(|need| self.needs.contains(need)) {
            return Err(Ineligible::NoCoveredNeed);
        }
        match age_band {
            _ if self.age_bands.is_empty() => Ok(()),
            None => Err(Ineligible::AgeBandUnknown),
            Some(band) if self.age_bands.contains(band) => Ok(()),
            Some(_) => Err(Ineligible::AgeBandNotCovered),
        }
    }
}

/// Everything one version of a contract says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// What pays, and how much.
    pub tariffs: Vec<Tariff>,
    /// The most it pays.
    #[serde(default)]
    pub caps: Caps,
    /// Who it pays for.
    #[serde(default)]
    pub eligibility: Eligibility,
}

/// A field that breaks a rule, named as a caller would write it (`tariffs[1].per_session`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct Invalid {
    /// The field.
    pub field: String,
    /// What it must be.
    pub rule: &'static str,
}

impl Invalid {
    /// `field` breaks `rule`.
    pub fn new(field: impl Into<String>, rule: &'static str) -> Self {
        Self {
            field: field.into(),
            rule,
        }
    }
}

impl Terms {
    /// Checks the version: at least one tariff, each paying more than nothing, one per trigger
    /// (per instrument for outcomes); caps above nothing; no blank codes.
    pub fn check(&self) -> Result<(), Invalid> {
        if self.tariffs.is_empty() {
            return Err(Invalid::new("tariffs", "at least one tariff"));
        }
        let mut slots = BTreeSet::new();
        for (i, tariff) in self.tariffs.iter().enumerate() {
            let (amount, name) = tariff.amount();
            if !amount.is_positive() {
                return Err(Invalid::new(
                    format!("tariffs[{i}].{name}"),
                    "more than £0.00",
                ));
            }
            if !slots.insert(tariff.slot()) {
                return Err(Invalid::new(
                    format!("tariffs[{i}]"),
                    "one tariff per trigger (per instrument for outcomes)",
                ));
            }
            match tariff {
                Tariff::AttendedSession { evidence, .. } if evidence.is_empty() => {
                    return Err(Invalid::new(
                        format!("tariffs[{i}].evidence"),
                        "at least one kind of evidence",
                    ));
                }
                Tariff::Outcome { instrument, .. } if instrument.trim().is_empty() => {
                    return Err(Invalid::new(
                        format!("tariffs[{i}].instrument"),
                        "names an instrument",
                    ));
                }
                _ => {}
            }
        }
        for (name, cap) in [
            ("caps.per_person", self.caps.per_person),
            ("caps.per_month", self.caps.per_month),
            ("caps.total", self.caps.total),
        ] {
            if cap.is_some_and(|cap| !cap.is_positive()) {
                return Err(Invalid::new(name, "more than £0.00 when given"));
            }
        }
        for (name, codes) in [
            ("eligibility.needs", &self.eligibility.needs),
            ("eligibility.age_bands", &self.eligibility.age_bands),
        ] {
            if codes.iter().any(|code| code.trim().is_empty()) {
                return Err(Invalid::new(name, "no blank codes"));
            }
        }
        Ok(())
    }

    /// The tariff for `trigger` (and, for outcomes, `instrument`), if this version has one.
    pub fn tariff(&self, trigger: Trigger, instrument: Option<&str>) -> Option<&Tariff> {
        self.tariffs
            .iter()
            .find(|tariff| tariff.slot() == (trigger, instrument))
    }
}
