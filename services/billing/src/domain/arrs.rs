//! The ARRS link-worker reimbursement view, as pure functions: for one PCN and financial year,
//! what each post may claim each month — its salary and on-costs, up to the role's cap — and
//! the total against the PCN's fixed envelope.
//!
//! The Additional Roles Reimbursement Scheme pays 100% of salary and on-costs up to a yearly
//! cap per role, inside an envelope fixed for each PCN (by weighted population) whose unspent
//! money is lost at the year's end (reference/domain.md §10). Caps are dated data
//! ([`CapSchedule`], `data/arrs-caps.json`), never constants in code. Claims are monthly in
//! arrears, so a month's cap is a twelfth of the yearly cap in force on its first day, scaled
//! by the post's whole-time equivalent and rounded once, half away from zero, to the penny.
//! The envelope is the deployer's figure: it is not published data.

mod schedule;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use schedule::{CapSchedule, Uplift, YearCap};

use crate::domain::money::{MoneyError, Pence};
use crate::domain::period::{FinancialYear, Month};

/// A post's whole-time equivalent in basis points: 10,000 is whole time, 5,333 is 20 of 37.5
/// hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Wte(u32);

impl Wte {
    /// Whole time.
    pub const FULL: Wte = Wte(10_000);

    /// `basis_points` of whole time: more than none, at most whole time.
    pub fn from_basis_points(basis_points: u32) -> Option<Self> {
        (1..=10_000)
            .contains(&basis_points)
            .then_some(Self(basis_points))
    }

    /// In basis points.
    pub fn basis_points(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Wte {
    type Error = &'static str;

    fn try_from(basis_points: u32) -> Result<Self, Self::Error> {
        Self::from_basis_points(basis_points).ok_or("a whole-time equivalent in 1..=10000")
    }
}

impl From<Wte> for u32 {
    fn from(wte: Wte) -> u32 {
        wte.0
    }
}

/// A PCN's fixed ARRS envelope for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The PCN.
    pub pcn: String,
    /// The year.
    pub year: FinancialYear,
    /// The most the PCN can be reimbursed in it.
    pub amount: Pence,
}

/// A post the PCN claims for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The PCN's own reference for it.
    pub post_id: String,
    /// Its role, as the cap schedule names it (`social-prescribing-link-worker`).
    pub role: String,
    /// Its whole-time equivalent.
    pub wte: Wte,
    /// Employed through a VCSE contractor.
    #[serde(default)]
    pub via_vcse_contractor: bool,
}

/// What a post cost in a month: salary and on-costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCost {
    /// The post.
    pub post_id: String,
    /// The month.
    pub month: Month,
    /// Salary plus employer's on-costs.
    pub salary_and_on_costs: Pence,
}

/// One post's month: cost, cap and what may be claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMonth {
    /// The post.
    pub post_id: String,
    /// Its role.
    pub role: String,
    /// The month.
    pub month: Month,
    /// What it cost.
    pub cost: Pence,
    /// The most it may claim.
    pub cap: Pence,
    /// The lesser of the two.
    pub claimable: Pence,
}

/// One role's months, summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleTotal {
    /// The role.
    pub role: String,
    /// What its posts cost.
    pub cost: Pence,
    /// Their caps.
    pub cap: Pence,
    /// What they may claim.
    pub claimable: Pence,
}

/// A PCN's ARRS reimbursement for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// The PCN.
    pub pcn: String,
    /// The year.
    pub year: FinancialYear,
    /// Its envelope.
    pub envelope: Pence,
    /// Each post's months, by post then month.
    pub months: Vec<PostMonth>,
    /// Each role's totals, by role.
    pub roles: Vec<RoleTotal>,
    /// What the posts may claim under the caps.
    pub claimable: Pence,
    /// What the envelope covers of that.
    pub within_envelope: Pence,
    /// What it does not: the PCN's to bear.
    pub beyond_envelope: Pence,
    /// Envelope left unclaimed: lost at the year's end.
    pub unspent: Pence,
}

/// Why the view cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArrsError {
    /// The caps data breaks a rule.
    #[error("caps data, {field}: {problem}")]
    Data {
        /// The field.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// No cap is given for the role in that year: add it to the schedule, with provenance.
    #[error("no ARRS cap is given for {role} in {year}")]
    NoCapGiven {
        /// The role.
        role: String,
        /// The year.
        year: FinancialYear,
    },
    /// Two schedules give different figures for the same role and year (or uplift day).
    #[error("two different figures for {role} in {what}")]
    Conflict {
        /// The role.
        role: String,
        /// The year or day.
        what: String,
    },
    /// A post, a cost or the envelope breaks a rule.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field, with the post and month where there are.
        field: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// Beyond what pence can hold.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The PCN's reimbursement for `envelope`'s year from `posts` and their monthly `costs`.
pub fn view(
    schedule: &CapSchedule,
    envelope: &Envelope,
    posts: &[Post],
    costs: &[MonthCost],
) -> Result<View, ArrsError> {
    if envelope.amount.is_negative() {
        return Err(invalid("envelope.amount", "not below £0.00"));
    }
    let mut by_id = BTreeMap::new();
    for post in posts {
        if by_id.insert(post.post_id.as_str(), post).is_some() {
            return Err(invalid(format!("posts[{}]", post.post_id), "given once"));
        }
    }
    let year_months: BTreeSet<Month> = envelope.year.months().collect();
    let mut seen = BTreeSet::new();
    let mut months = Vec::with_capacity(costs.len());
    for cost in costs {
        let field = format!("costs[{} {}]", cost.post_id, cost.month);
        let post = by_id
            .get(cost.post_id.as_str())
            .ok_or_else(|| invalid(field.clone(), "a post that is given"))?;
        if !year_months.contains(&cost.month) {
            return Err(invalid(field, "a month of the envelope's year"));
        }
        if !seen.insert((cost.post_id.as_str(), cost.month)) {
            return Err(invalid(field, "once per post and month"));
        }
        if cost.salary_and_on_costs.is_negative() {
            return Err(invalid(field, "not below £0.00"));
        }
        let cap = schedule.month_cap(&post.role, cost.month, post.wte, post.via_vcse_contractor)?;
        months.push(PostMonth {
            post_id: cost.post_id.clone(),
            role: post.role.clone(),
            month: cost.month,
            cost: cost.salary_and_on_costs,
            cap,
            claimable: cost.salary_and_on_costs.min(cap),
        });
    }
    months.sort_by(|a, b| (&a.post_id, a.month).cmp(&(&b.post_id, b.month)));
    let roles = role_totals(&months)?;
    let claimable = Pence::total(roles.iter().map(|role| role.claimable))?;
    let within_envelope = claimable.min(envelope.amount);
    Ok(View {
        pcn: envelope.pcn.clone(),
        year: envelope.year,
        envelope: envelope.amount,
        months,
        roles,
        claimable,
        within_envelope,
        beyond_envelope: claimable.checked_sub(within_envelope)?,
        unspent: envelope.amount.checked_sub(within_envelope)?,
    })
}

fn role_totals(months: &[PostMonth]) -> Result<Vec<RoleTotal>, ArrsError> {
    let mut roles: BTreeMap<&str, RoleTotal> = BTreeMap::new();
    for month in months {
        let total = roles.entry(&month.role).or_insert_with(|| RoleTotal {
            role: month.role.clone(),
            cost: Pence::ZERO,
            cap: Pence::ZERO,
            claimable: Pence::ZERO,
        });
        total.cost = total.cost.checked_add(month.cost)?;
        total.cap = total.cap.checked_add(month.cap)?;
        total.claimable = total.claimable.checked_add(month.claimable)?;
    }
    Ok(roles.into_values().collect())
}

fn invalid(field: impl Into<String>, problem: &'static str) -> ArrsError {
    ArrsError::Invalid {
        field: field.into(),
        problem,
    }
}

#[cfg(test)]
mod tests;
