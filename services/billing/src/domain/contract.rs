//! A contract between a commissioner and a provider organisation, as a pure decider. It is
//! agreed once (version 1), amended only by recording a new version effective from a date,
//! and ended from a last day; nothing recorded is ever edited. Amendments and endings are
//! never retroactive — effective from the command's own day or later — so a line already
//! accrued under a version stays true to the contract as it stood.
//!
//! On any day at most one version is in force: the latest effective on or before it, until the
//! contract's last day ([`Contract::version_on`]).

mod terms;

use chrono::{DateTime, NaiveDate, Utc};
use decider::Decider;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use terms::{
    Cap, Caps, Eligibility, Evidence, FundingSource, Ineligible, Invalid, Tariff, Terms, Trigger,
};

use crate::domain::period::Month;

/// Who the contract is between, fixed for its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    /// The commissioning organisation (an ICB, a council, a PCN, a grant-maker).
    pub commissioner: String,
    /// The provider organisation paid.
    pub provider: String,
    /// Where the money comes from.
    pub funding: FundingSource,
}

/// One version of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1 for the agreement, one more for each amendment.
    pub number: u32,
    /// The first day it is in force.
    pub effective_from: NaiveDate,
    /// What it says.
    pub terms: Terms,
}

/// What the billing service records of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Agreed: version 1.
    ContractAgreed {
        /// The contract.
        contract_id: Uuid,
        /// Between whom.
        #[serde(flatten)]
        parties: Parties,
        /// Version 1's first day.
        effective_from: NaiveDate,
        /// Version 1.
        terms: Terms,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
    /// A new version.
    ContractAmended {
        /// The contract.
        contract_id: Uuid,
        /// Its number.
        version: u32,
        /// Its first day.
        effective_from: NaiveDate,
        /// What it says.
        terms: Terms,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
    /// Ended.
    ContractEnded {
        /// The contract.
        contract_id: Uuid,
        /// The last day it is in force.
        last_day: NaiveDate,
        /// Why.
        reason: String,
        /// When it was recorded.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ContractAgreed { .. } => "contract_agreed",
            Self::ContractAmended { .. } => "contract_amended",
            Self::ContractEnded { .. } => "contract_ended",
        }
    }
}

/// A contract's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contract {
    /// The contract, once agreed.
    pub contract_id: Option<Uuid>,
    /// Between whom, once agreed.
    pub parties: Option<Parties>,
    /// Every version, oldest first (effective dates strictly rising).
    pub versions: Vec<Version>,
    /// The last day in force, once ended.
    pub last_day: Option<NaiveDate>,
}

/// What may be asked of a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Agree it: version 1.
    Agree {
        /// The contract.
        contract_id: Uuid,
        /// Between whom.
        parties: Parties,
        /// Version 1's first day (may be before today: contracts are often signed late).
        effective_from: NaiveDate,
        /// Version 1.
        terms: Terms,
        /// Now.
        at: DateTime<Utc>,
    },
    /// Record a new version from `effective_from`, today or later.
    Amend {
        /// Its first day.
        effective_from: NaiveDate,
        /// What it says.
        terms: Terms,
        /// Now.
        at: DateTime<Utc>,
    },
    /// End it after `last_day`, today or later.
    End {
        /// The last day in force.
        last_day: NaiveDate,
        /// Why.
        reason: String,
        /// Now.
        at: DateTime<Utc>,
    },
}

/// Rules a command can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No such contract.
    #[error("no such contract")]
    NotFound,
    /// The contract id is used for another contract.
    #[error("contract_id is already used for another contract")]
    IdUsed,
    /// A field breaks a rule.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The contract has ended: a new contract is needed.
    #[error("the contract has ended")]
    Ended,
}

impl Contract {
    /// The version in force on `day`, if any.
    pub fn version_on(&self, day: NaiveDate) -> Option<&Version> {
        if self.last_day.is_some_and(|last| day > last) {
            return None;
        }
        self.versions
            .iter()
            .rev()
            .find(|version| version.effective_from <= day)
    }

    /// The versions in force in `month`, each with how many of its days it covers, in order.
    pub fn versions_in(&self, month: Month) -> Vec<(&Version, i64)> {
        let mut pieces: Vec<(&Version, i64)> = Vec::new();
        for day in month
            .first_day()
            .iter_days()
            .take_while(|day| *day <= month.last_day())
        {
            match (self.version_on(day), pieces.last_mut()) {
                (Some(version), Some((last, days))) if last.number == version.number => *days += 1,
                (Some(version), _) => pieces.push((version, 1)),
                (None, _) => {}
            }
        }
        pieces
    }
}

impl Decider for Contract {
    type State = Contract;
    type Command = Command;
    type Event = Event;
    type Error = Error;

    fn decide(state: &Contract, command: Command) -> Result<Vec<Event>, Error> {
        match command {
            Command::Agree {
                contract_id,
                parties,
                effective_from,
                terms,
                at,
            } => {
                if let (Some(agreed), Some(first)) = (&state.parties, state.versions.first()) {
                    // The same again is a retry; anything else under the id is refused.
                    let same = *agreed == parties
                        && first.effective_from == effective_from
                        && first.terms == terms;
                    return if same {
                        Ok(Vec::new())
                    } else {
                        Err(Error::IdUsed)
                    };
                }
                check_parties(&parties)?;
                terms.check()?;
                Ok(vec![Event::ContractAgreed {
                    contract_id,
                    parties,
                    effective_from,
                    terms,
                    at,
                }])
            }
            Command::Amend {
                effective_from,
                terms,
                at,
            } => {
                let (contract_id, latest) = agreed(state)?;
                if latest.effective_from == effective_from && latest.terms == terms {
                    return Ok(Vec::new());
                }
                if effective_from <= latest.effective_from {
                    return Err(Invalid::new(
                        "effective_from",
                        "after the latest version's effective_from",
                    )
                    .into());
                }
                if effective_from < at.date_naive() {
                    return Err(Invalid::new(
                        "effective_from",
                        "today or later: an amendment is never retroactive",
                    )
                    .into());
                }
                terms.check()?;
                Ok(vec![Event::ContractAmended {
                    contract_id,
                    version: latest.number + 1,
                    effective_from,
                    terms,
                    at,
                }])
            }
            Command::End {
                last_day,
                reason,
                at,
            } => {
                if state.last_day == Some(last_day) {
                    return Ok(Vec::new());
                }
                let (contract_id, latest) = agreed(state)?;
                if reason.trim().is_empty() {
                    return Err(Invalid::new("reason", "says why the contract ends").into());
                }
                if last_day < latest.effective_from {
                    return Err(Invalid::new(
                        "last_day",
                        "on or after the latest version's effective_from",
                    )
                    .into());
                }
                if last_day < at.date_naive() {
                    return Err(Invalid::new(
                        "last_day",
                        "today or later: an ending is never retroactive",
                    )
                    .into());
                }
                Ok(vec![Event::ContractEnded {
                    contract_id,
                    last_day,
                    reason,
                    at,
                }])
            }
        }
    }

    fn evolve(mut state: Contract, event: &Event) -> Contract {
        match event {
            Event::ContractAgreed {
                contract_id,
                parties,
                effective_from,
                terms,
                ..
            } => {
                state.contract_id = Some(*contract_id);
                state.parties = Some(parties.clone());
                state.versions = vec![Version {
                    number: 1,
                    effective_from: *effective_from,
                    terms: terms.clone(),
                }];
            }
            Event::ContractAmended {
                version,
                effective_from,
                terms,
                ..
            } => state.versions.push(Version {
                number: *version,
                effective_from: *effective_from,
                terms: terms.clone(),
            }),
            Event::ContractEnded { last_day, .. } => state.last_day = Some(*last_day),
        }
        state
    }
}

/// The contract's id and latest version, if it is agreed and has not ended.
fn agreed(state: &Contract) -> Result<(Uuid, &Version), Error> {
    let (Some(contract_id), Some(latest)) = (state.contract_id, state.versions.last()) else {
        return Err(Error::NotFound);
    };
    if state.last_day.is_some() {
        return Err(Error::Ended);
    }
    Ok((contract_id, latest))
}

fn check_parties(parties: &Parties) -> Result<(), Invalid> {
    if parties.commissioner.trim().is_empty() {
        return Err(Invalid::new(
            "commissioner",
            "names the commissioning organisation",
        ));
    }
    if parties.provider.trim().is_empty() {
        return Err(Invalid::new("provider", "names the provider organisation"));
    }
    if parties.provider == parties.commissioner {
        return Err(Invalid::new(
            "provider",
            "another organisation than the commissioner",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
