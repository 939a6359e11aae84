//! A contract's ledger: its own stream of what accrued under it ([`Entry::LineAccrued`], each
//! line citing its cause) and which lines each claim took ([`Entry::LinesClaimed`]). Lines are
//! appended with the version the ledger was read at, so two facts cannot both take the last of
//! a cap, and a line cannot be accrued and claimed out of order; a claim's taking its lines
//! shares that version too, so no two claims take one line.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::accrual::{Accrued, Line};
use crate::domain::claim;
use crate::domain::period::Month;

/// The stream of `contract_id`'s ledger.
pub fn stream(contract_id: Uuid) -> String {
    format!("ledger-{}", contract_id.simple())
}

/// What a contract's ledger records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    /// A line accrued.
    LineAccrued {
        /// The line, with its cause.
        line: Line,
    },
    /// A claim took these lines: no other claim takes them.
    LinesClaimed {
        /// The claim.
        claim_id: Uuid,
        /// Its contract.
        contract_id: Uuid,
        /// Its month.
        period: Month,
        /// The lines it took.
        line_ids: Vec<Uuid>,
        /// When.
        at: DateTime<Utc>,
    },
}

impl Entry {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::LineAccrued { .. } => "line_accrued",
            Self::LinesClaimed { .. } => "lines_claimed",
        }
    }
}

/// A ledger, folded from its entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Every line accrued, with the totals caps are measured against.
    pub accrued: Accrued,
    /// The lines some claim has taken.
    pub claimed: BTreeSet<Uuid>,
}

impl Ledger {
    /// Folded from `entries`, oldest first.
    pub fn fold<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Self {
        let mut ledger = Self::default();
        for entry in entries {
            ledger.record(entry);
        }
        ledger
    }

    /// Adds `entry`.
    pub fn record(&mut self, entry: &Entry) {
        match entry {
            Entry::LineAccrued { line } => self.accrued.record(line),
            Entry::LinesClaimed { line_ids, .. } => self.claimed.extend(line_ids.iter().copied()),
        }
    }

    /// The lines a claim for `period` takes (see [`claim::unclaimed`]).
    pub fn unclaimed(&self, period: Month) -> Vec<Line> {
        claim::unclaimed(self.accrued.lines(), &self.claimed, period)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::contract::Trigger;
    use crate::domain::money::Pence;

    fn line(n: u128, day: u32) -> Line {
        let date = NaiveDate::from_ymd_opt(2026, 3, day).expect("a date");
        Line {
            line_id: Uuid::from_u128(n),
            contract_id: Uuid::from_u128(0xC0),
            trigger: Trigger::AcceptedReferral,
            version: 1,
            source_event_id: Uuid::from_u128(0xE0 + n),
            referral_id: None,
            subject: None,
            date,
            period: Month::of(date),
            tariff: Pence::new(500),
            amount: Pence::new(500),
            capped_by: None,
            clawback_of: None,
        }
    }

    #[test]
    fn a_claimed_line_is_not_claimed_again() {
        let march = Month::of(NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date"));
        let entries = [
            Entry::LineAccrued { line: line(1, 3) },
            Entry::LineAccrued { line: line(2, 9) },
            Entry::LinesClaimed {
                claim_id: Uuid::from_u128(0xC1),
                contract_id: Uuid::from_u128(0xC0),
                period: march,
                line_ids: vec![Uuid::from_u128(1)],
                at: Utc::now(),
            },
        ];
        let ledger = Ledger::fold(&entries);
        assert_eq!(ledger.accrued.total(), Pence::new(1_000));
        assert_eq!(ledger.unclaimed(march), vec![line(2, 9)]);
    }
}
