//! An accrual line: an amount owed under a contract, with its cause — the source event, the
//! trigger and the tariff version — and, when a cap reduced it, the cap that did. A clawback
//! line is negative and cites the line it takes back. Line ids are UUID v5 names of what is
//! paid at most once, so the same fact seen twice yields the same id and accrues once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::contract::{Cap, Trigger};
use crate::domain::money::Pence;
use crate::domain::period::Month;

/// The namespace of line ids (a fixed random UUID, never to change: ids are recorded).
const LINES: Uuid = Uuid::from_u128(0xb7b2_08c0_a1ec_4ef8_abc2_ca51_dcae_4376);

/// One line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Its id: a UUID v5 of the contract and what is paid once.
    pub line_id: Uuid,
    /// The contract it accrues under.
    pub contract_id: Uuid,
    /// The trigger (for a clawback, the original line's).
    pub trigger: Trigger,
    /// The contract version whose tariff priced it.
    pub version: u32,
    /// The event that caused it; for a clawback, the event saying the original was in error.
    pub source_event_id: Uuid,
    /// The referral it is for, for facts about a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<Uuid>,
    /// The person's pseudonym, for facts about a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The day it accrued: a claim takes unclaimed lines up to its period's last day.
    pub date: NaiveDate,
    /// The month it counts against for the per-month cap (a clawback's is the original's).
    pub period: Month,
    /// What the tariff gives before caps (pro rata for a part month of a block).
    pub tariff: Pence,
    /// What accrues: the tariff, reduced by caps; negative for a clawback.
    pub amount: Pence,
    /// The cap that fixed the amount below the tariff, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capped_by: Option<Cap>,
    /// For a clawback, the line it takes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clawback_of: Option<Uuid>,
}

/// The id of the line for `key` under `contract_id`.
pub(crate) fn line_id(contract_id: Uuid, key: &str) -> Uuid {
    Uuid::new_v5(&LINES, format!("{contract_id}/{key}").as_bytes())
}
