//! What the billing service notes in its own log before anything accrues: the billable facts
//! and withdrawals it heard of from the referral, engagement and outcomes services (one stream
//! per provider, [`facts_stream`]), and the month ends its clock records ([`CLOCK_STREAM`]).
//! Lines are derived from these and the contracts alone, in the log's order, so a replay of
//! the log derives the same lines.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::accrual::{Fact, Withdrawal};
use crate::domain::period::Month;

/// The stream of the billing service's clock.
pub const CLOCK_STREAM: &str = "clock-billing";

/// The namespace of providers' stream keys (a fixed random UUID, never to change).
const PROVIDERS: Uuid = Uuid::from_u128(0x7e2d_51a4_09c3_4b8e_9f16_3ac0_5d72_e841);

/// The namespace of month ends' event ids (a fixed random UUID, never to change).
const MONTH_ENDS: Uuid = Uuid::from_u128(0x2f8a_c614_7d05_4e93_b1c2_86e4_0a5f_97d3);

/// The stream of what concerns `provider` (an organisation id may hold any character, so the
/// stream is named by a UUID v5 of it).
pub fn facts_stream(provider: &str) -> String {
    let key = Uuid::new_v5(&PROVIDERS, provider.as_bytes());
    format!("facts-{}", key.simple())
}

/// The id of the event recording that `month` ended: one per month, whoever records it.
pub fn month_ended_id(month: Month) -> Uuid {
    Uuid::new_v5(&MONTH_ENDS, month.to_string().as_bytes())
}

/// What the billing service notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Noted {
    /// A billable fact another service reported.
    FactNoted(Fact),
    /// A source event was entered in error.
    WithdrawalNoted {
        /// The provider whose contracts it concerns.
        provider: String,
        /// What it takes back.
        #[serde(flatten)]
        withdrawal: Withdrawal,
    },
    /// A calendar month ended.
    MonthEnded {
        /// Which.
        month: Month,
        /// When the clock saw it.
        at: DateTime<Utc>,
    },
}

impl Noted {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::FactNoted(_) => "fact_noted",
            Self::WithdrawalNoted { .. } => "withdrawal_noted",
            Self::MonthEnded { .. } => "month_ended",
        }
    }
}
