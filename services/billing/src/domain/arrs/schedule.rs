//! The ARRS caps as dated data: each year's figure per role, and uplifts from a date within a
//! year, read from JSON with a provenance note for every figure. The bundled file
//! (`data/arrs-caps.json`) holds only what Linkwork's domain reference gives; a deployer adds
//! the years it lacks with [`CapSchedule::with`], and a year with no figure is an error, never
//! a guess.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::{ArrsError, Wte};
use crate::domain::money::{Pence, Percent};
use crate::domain::period::{FinancialYear, Month};

/// The bundled figures.
const BUNDLED: &str = include_str!("../../../data/arrs-caps.json");

/// One role's cap for one financial year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCap {
    /// The most reimbursed per whole-time post for the year, salary and on-costs together.
    pub annual: Pence,
    /// What a post employed through a VCSE contractor may claim on top, per whole-time post.
    pub via_vcse_contractor: Option<Pence>,
    /// Where the figures came from.
    pub provenance: String,
}

/// A rise in a role's cap from a day within a financial year, on that year's figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uplift {
    /// The role.
    pub role: String,
    /// The first day it applies.
    pub from: NaiveDate,
    /// By how much.
    pub percent: Percent,
    /// Where it came from.
    pub provenance: String,
}

/// Every role's caps, by year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapSchedule {
    caps: BTreeMap<(String, FinancialYear), YearCap>,
    uplifts: Vec<Uplift>,
    not_given: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// What the file is, for people reading it.
    #[serde(rename = "about")]
    _about: String,
    caps: Vec<CapRow>,
    #[serde(default)]
    uplifts: Vec<UpliftRow>,
    #[serde(default)]
    not_given: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapRow {
    role: String,
    year: FinancialYear,
    annual: String,
    #[serde(default)]
    via_vcse_contractor: Option<String>,
    provenance: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpliftRow {
    role: String,
    from: NaiveDate,
    percent: String,
    provenance: String,
}

impl CapSchedule {
    /// The figures Linkwork ships with.
    pub fn bundled() -> Result<Self, ArrsError> {
        Self::from_json(BUNDLED)
    }

    /// Figures in the bundled file's format. Every figure needs its provenance; amounts are
    /// text (`"34113.00"`), read exactly.
    pub fn from_json(text: &str) -> Result<Self, ArrsError> {
        let file: File =
            serde_json::from_str(text).map_err(|error| data("file", error.to_string()))?;
        let mut schedule = Self {
            not_given: file.not_given,
            ..Self::default()
        };
        for (i, row) in file.caps.into_iter().enumerate() {
            let field = |name: &str| format!("caps[{i}].{name}");
            named(&row.role, field("role"))?;
            named(&row.provenance, field("provenance"))?;
            let annual = amount(&row.annual, field("annual"))?;
            let via_vcse_contractor = row
                .via_vcse_contractor
                .map(|text| amount(&text, field("via_vcse_contractor")))
                .transpose()?;
            let cap = YearCap {
                annual,
                via_vcse_contractor,
                provenance: row.provenance,
            };
            if schedule.caps.insert((row.role, row.year), cap).is_some() {
                return Err(data(field("year"), "given twice for the role".to_owned()));
            }
        }
        for (i, row) in file.uplifts.into_iter().enumerate() {
            let field = |name: &str| format!("uplifts[{i}].{name}");
            named(&row.role, field("role"))?;
            named(&row.provenance, field("provenance"))?;
            let percent = Percent::parse(&row.percent)
                .map_err(|error| data(field("percent"), error.to_string()))?;
            schedule.uplifts.push(Uplift {
                role: row.role,
                from: row.from,
                percent,
                provenance: row.provenance,
            });
        }
        schedule
            .uplifts
            .sort_by(|a, b| (&a.role, a.from).cmp(&(&b.role, b.from)));
        Ok(schedule)
    }

    /// These figures with a deployer's added. A role's year, or an uplift's day, given by both
    /// with different figures is refused: which to believe is for people to settle.
    pub fn with(mut self, deployer: CapSchedule) -> Result<Self, ArrsError> {
        for ((role, year), cap) in deployer.caps {
            match self.caps.get(&(role.clone(), year)) {
                Some(ours) if ours.annual != cap.annual => {
                    return Err(ArrsError::Conflict {
                        role,
                        what: year.to_string(),
                    });
                }
                Some(_) => {}
                None => {
                    self.caps.insert((role, year), cap);
                }
            }
        }
        for uplift in deployer.uplifts {
            let same_day = |ours: &&Uplift| ours.role == uplift.role && ours.from == uplift.from;
            match self.uplifts.iter().find(same_day) {
                Some(ours) if ours.percent != uplift.percent => {
                    return Err(ArrsError::Conflict {
                        role: uplift.role,
                        what: uplift.from.to_string(),
                    });
                }
                Some(_) => {}
                None => self.uplifts.push(uplift),
            }
        }
        self.uplifts
            .sort_by(|a, b| (&a.role, a.from).cmp(&(&b.role, b.from)));
        Ok(self)
    }

    /// What the figures say they do not cover.
    pub fn not_given(&self) -> &[String] {
        &self.not_given
    }

    /// The role's figure for the financial year, as given.
    pub fn year(&self, role: &str, year: FinancialYear) -> Option<&YearCap> {
        self.caps.get(&(role.to_owned(), year))
    }

    /// The role's yearly cap in force on `day`: its year's figure with each of that year's
    /// uplifts from on or before `day` applied in turn, each rounded by the money rule.
    pub fn annual_on(&self, role: &str, day: NaiveDate) -> Result<Pence, ArrsError> {
        let year = FinancialYear::of(day);
        let cap = self.year(role, year).ok_or_else(|| ArrsError::NoCapGiven {
            role: role.to_owned(),
            year,
        })?;
        self.uplifts
            .iter()
            .filter(|uplift| uplift.role == role && FinancialYear::of(uplift.from) == year)
            .filter(|uplift| uplift.from <= day)
            .try_fold(cap.annual, |annual, uplift| {
                annual.checked_add(annual.percent(uplift.percent)?)
            })
            .map_err(ArrsError::from)
    }

    /// The most a post may claim for `month`: a twelfth of the yearly cap in force on the
    /// month's first day (with the VCSE-contractor addition where it applies), times its
    /// whole-time equivalent, rounded once by the money rule.
    pub fn month_cap(
        &self,
        role: &str,
        month: Month,
        wte: Wte,
        via_vcse_contractor: bool,
    ) -> Result<Pence, ArrsError> {
        let day = month.first_day();
        let mut annual = self.annual_on(role, day)?;
        if via_vcse_contractor {
            let year = self.year(role, FinancialYear::of(day));
            if let Some(addition) = year.and_then(|cap| cap.via_vcse_contractor) {
                annual = annual.checked_add(addition)?;
            }
        }
        Ok(annual.scale(i64::from(wte.basis_points()), 12 * 10_000)?)
    }
}

fn named(value: &str, field: String) -> Result<(), ArrsError> {
    if value.trim().is_empty() {
        return Err(data(field, "not blank".to_owned()));
    }
    Ok(())
}

fn amount(text: &str, field: String) -> Result<Pence, ArrsError> {
    let amount = Pence::parse(text).map_err(|error| data(field.clone(), error.to_string()))?;
    if !amount.is_positive() {
        return Err(data(field, "more than £0.00".to_owned()));
    }
    Ok(amount)
}

fn data(field: impl Into<String>, problem: String) -> ArrsError {
    ArrsError::Data {
        field: field.into(),
        problem,
    }
}
