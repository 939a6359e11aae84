//! A claim: what a provider asks to be paid under one contract for one month, as a pure
//! decider. It is drafted from the accrued lines not yet on any claim ([`unclaimed`]), up to the
//! month's last day — so a late line, or a clawback of a line already claimed, lands on the
//! next claim — then submitted, then decided once: approved, partly approved (each rejected
//! line with its reason) or rejected (with the reason), and an approved claim is paid (the
//! remittance reference and the day). Nothing is edited: lines are fixed when drafted, and a
//! correction is a new line on a later claim. Every line has a cause.
//!
//! A claim's id derives from its contract and month ([`claim_id`]), so there is one claim per
//! contract and month. Two approvers deciding one claim at once both load it submitted; the
//! event store's expected version lets one append, and the other, deciding again against the
//! claim as it now is, is refused with [`Error::AlreadyDecided`].

mod decide;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::accrual::Line;
use crate::domain::money::Pence;
use crate::domain::period::Month;

/// The namespace of claim ids (a fixed random UUID, never to change: ids are recorded).
const CLAIMS: Uuid = Uuid::from_u128(0x51d4_7e0c_3b9a_4f21_8c6e_d2a0_94b7_1f35);

/// The one claim for `contract_id` and `period`.
pub fn claim_id(contract_id: Uuid, period: Month) -> Uuid {
    Uuid::new_v5(&CLAIMS, format!("{contract_id}/{period}").as_bytes())
}

/// The lines a claim for `period` takes: accrued, not on any claim yet, dated on or before the
/// period's last day; by date, then line id.
pub fn unclaimed<'a>(
    accrued: impl IntoIterator<Item = &'a Line>,
    claimed: &BTreeSet<Uuid>,
    period: Month,
) -> Vec<Line> {
    let mut lines: Vec<Line> = accrued
        .into_iter()
        .filter(|line| !claimed.contains(&line.line_id) && line.date <= period.last_day())
        .cloned()
        .collect();
    lines.sort_by_key(|line| (line.date, line.line_id));
    lines
}

/// Where a claim is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not drafted yet.
    #[default]
    None,
    /// Drafted, for the provider to check.
    Draft,
    /// Sent to the commissioner.
    Submitted,
    /// Every line approved.
    Approved,
    /// Some lines rejected, each with its reason.
    PartlyApproved,
    /// Every line rejected, with the reason.
    Rejected,
    /// Paid.
    Paid,
}

/// A line the commissioner rejected, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The line.
    pub line_id: Uuid,
    /// Why.
    pub reason: String,
}

/// What the billing service records of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Drafted from accrued lines.
    ClaimDrafted {
        /// The claim.
        claim_id: Uuid,
        /// Under which contract.
        contract_id: Uuid,
        /// For which month.
        period: Month,
        /// Its lines, as accrued.
        lines: Vec<Line>,
        /// Their sum.
        total: Pence,
        /// When.
        at: DateTime<Utc>,
    },
    /// Sent to the commissioner.
    ClaimSubmitted {
        /// The claim.
        claim_id: Uuid,
        /// Who sent it.
        by: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// Approved in full.
    ClaimApproved {
        /// The claim.
        claim_id: Uuid,
        /// Who approved it.
        by: String,
        /// What is to be paid.
        approved: Pence,
        /// When.
        at: DateTime<Utc>,
    },
    /// Approved except the lines rejected.
    ClaimPartlyApproved {
        /// The claim.
        claim_id: Uuid,
        /// Who decided.
        by: String,
        /// The lines rejected, each with its reason.
        rejected: Vec<Rejection>,
        /// What is to be paid: the other lines.
        approved: Pence,
        /// When.
        at: DateTime<Utc>,
    },
    /// Rejected in full.
    ClaimRejected {
        /// The claim.
        claim_id: Uuid,
        /// Who decided.
        by: String,
        /// Why.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// Paid.
    ClaimPaid {
        /// The claim.
        claim_id: Uuid,
        /// The remittance reference.
        remittance: String,
        /// The day it was paid.
        paid_on: NaiveDate,
        /// What was paid (negative where clawbacks outweigh the rest: recovered).
        amount: Pence,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ClaimDrafted { .. } => "claim_drafted",
            Self::ClaimSubmitted { .. } => "claim_submitted",
            Self::ClaimApproved { .. } => "claim_approved",
            Self::ClaimPartlyApproved { .. } => "claim_partly_approved",
            Self::ClaimRejected { .. } => "claim_rejected",
            Self::ClaimPaid { .. } => "claim_paid",
        }
    }
}

/// A claim's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    /// Where it is.
    pub status: Status,
    /// The claim, once drafted.
    pub claim_id: Option<Uuid>,
    /// Under which contract.
    pub contract_id: Option<Uuid>,
    /// For which month.
    pub period: Option<Month>,
    /// Its lines, by id.
    pub lines: BTreeMap<Uuid, Line>,
    /// The lines rejected, with their reasons.
    pub rejected: BTreeMap<Uuid, String>,
    /// What is to be paid, once decided.
    pub approved: Option<Pence>,
    /// The day it was decided.
    pub decided_on: Option<NaiveDate>,
}

/// What may be asked of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Draft it from `lines` (see [`unclaimed`]).
    Draft {
        /// The claim: [`claim_id`] of the contract and period.
        claim_id: Uuid,
        /// Under which contract.
        contract_id: Uuid,
        /// For which month.
        period: Month,
        /// Its lines.
        lines: Vec<Line>,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Send it to the commissioner.
    Submit {
        /// Who.
        by: String,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Approve every line.
    Approve {
        /// Who.
        by: String,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Approve all but `rejected`.
    ApprovePartly {
        /// Who.
        by: String,
        /// The lines rejected, each with its reason.
        rejected: Vec<Rejection>,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Reject every line.
    Reject {
        /// Who.
        by: String,
        /// Why.
        reason: String,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Record the payment.
    Pay {
        /// The remittance reference.
        remittance: String,
        /// The day it was paid.
        paid_on: NaiveDate,
        /// Now.
        at: DateTime<Utc>,
    },
}

/// Rules a command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No such claim.
    #[error("no such claim")]
    NotFound,
    /// The claim id is used for another claim.
    #[error("claim_id is already used for another claim")]
    IdUsed,
    /// The claim id is not the one for its contract and period.
    #[error("claim_id: not the id of this contract's claim for this period")]
    NotTheClaimId,
    /// A claim needs at least one line.
    #[error("lines: at least one line")]
    NoLines,
    /// A line without a source event.
    #[error("lines: line {line_id} has no cause")]
    LineWithoutCause {
        /// The line.
        line_id: Uuid,
    },
    /// A line of another contract.
    #[error("lines: line {line_id} is another contract's")]
    OtherContractsLine {
        /// The line.
        line_id: Uuid,
    },
    /// A line dated after the period.
    #[error("lines: line {line_id} accrued after the period")]
    LineAfterPeriod {
        /// The line.
        line_id: Uuid,
    },
    /// A line twice.
    #[error("lines: line {line_id} is given twice")]
    DuplicateLine {
        /// The line.
        line_id: Uuid,
    },
    /// Only a draft can be submitted.
    #[error("the claim is {0:?}, not a draft")]
    NotDraft(Status),
    /// Only a submitted claim can be decided.
    #[error("the claim is {0:?}, not submitted")]
    NotSubmitted(Status),
    /// Someone has decided it already.
    #[error("the claim is already decided: {0:?}")]
    AlreadyDecided(Status),
    /// Only an approved (or partly approved) claim is paid.
    #[error("the claim is {0:?}: only an approved claim is paid")]
    NotApproved(Status),
    /// A rejection names a line the claim does not have.
    #[error("rejected: line {line_id} is not on the claim")]
    UnknownLine {
        /// The line.
        line_id: Uuid,
    },
    /// A field is blank or out of order.
    #[error("{field}: {rule}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What it must be.
        rule: &'static str,
    },
}

#[cfg(test)]
mod tests;
