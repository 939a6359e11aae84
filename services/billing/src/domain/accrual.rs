//! Accrual, as pure functions: a billable fact and a contract's state, with what has already
//! accrued under it, give the lines the fact earns — each citing its source event, trigger and
//! tariff version — or say why it earns nothing.
//!
//! - **Once.** A line's id is a UUID v5 of the contract and what is paid at most once
//!   ([`Fact`]'s key: a referral's acceptance, a person's place at a session, a referral's
//!   improvement on an instrument, a block month's share under one version, the micro-grant),
//!   so the same fact accrues once however often it is seen.
//! - **Version by date.** The tariff is the one in the version in force on the fact's day; a
//!   block month is split by day among the versions in force in it, each share pro rata by the
//!   money rule (one line per version).
//! - **Caps in a fixed order**: per person, then per month, then the contract's total. Each
//!   reduces the amount to the room it leaves (never below zero); the line keeps the tariff's
//!   amount, what accrues, and the last cap that reduced it. A line capped to nothing is still
//!   recorded, at £0.00, so the claim shows the activity and the cap that stopped the money.
//! - **Clawback.** A source event entered in error takes back every line it (or, for a
//!   referral, any of its facts) accrued, by a negative line citing the original, dated the day
//!   the error was recorded — so it lands on the next claim, never on one already drafted.

mod fact;
mod ledger;
mod line;

use serde::{Deserialize, Serialize};

pub use fact::{Fact, Person, Verdict, What, Withdrawal, Withdrawn};
pub use ledger::Accrued;
pub use line::Line;

use crate::domain::contract::{
    Cap, Caps, Contract, Evidence, Ineligible, Tariff, Trigger, Version,
};
use crate::domain::money::Pence;
use crate::domain::period::Month;

/// What a fact earns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accrual {
    /// Lines to record: one, or one per version for a block month that spans an amendment.
    Lines(Vec<Line>),
    /// Already accrued: nothing new.
    AlreadyAccrued,
    /// Nothing, and why.
    NotPayable(NotPayable),
}

/// Why a fact earns nothing under a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum NotPayable {
    /// The contract has not been agreed.
    NotAgreed,
    /// The fact is about another provider.
    OtherProvider,
    /// No version of the contract is in force on the fact's day (or in its month).
    NotInForce,
    /// A block month reported elapsed on or before its last day.
    MonthNotOver,
    /// The version in force has no tariff for the trigger (or the outcome's instrument).
    NoTariff {
        /// The trigger.
        trigger: Trigger,
    },
    /// The attendance rests on evidence this contract does not pay on.
    EvidenceNotPaid {
        /// The evidence.
        evidence: Evidence,
    },
    /// The outcome's change was not judged improved against its MID.
    NotImproved,
    /// The person is not covered.
    Ineligible {
        /// Why.
        why: Ineligible,
    },
}

/// What `fact` earns under `contract`, given what has `accrued` under it.
pub fn accrue(contract: &Contract, accrued: &Accrued, fact: &Fact) -> Accrual {
    let (Some(contract_id), Some(parties)) = (contract.contract_id, &contract.parties) else {
        return Accrual::NotPayable(NotPayable::NotAgreed);
    };
    if fact.provider != parties.provider {
        return Accrual::NotPayable(NotPayable::OtherProvider);
    }
    if let What::MonthElapsed { month } = fact.what {
        if fact.date <= month.last_day() {
            return Accrual::NotPayable(NotPayable::MonthNotOver);
        }
        return block(contract_id, contract, accrued, fact, month);
    }
    let line_id = line::line_id(contract_id, &fact.key());
    if accrued.contains(line_id) {
        return Accrual::AlreadyAccrued;
    }
    let Some(version) = contract.version_on(fact.date) else {
        return Accrual::NotPayable(NotPayable::NotInForce);
    };
    let tariff = match priced(version, fact) {
        Ok(tariff) => tariff,
        Err(why) => return Accrual::NotPayable(why),
    };
    let person = fact.person();
    let period = Month::of(fact.date);
    let mut room = Room::left(
        accrued,
        person.map(|person| person.subject.as_str()),
        period,
    );
    let (amount, capped_by) = room.take(&version.terms.caps, tariff);
    Accrual::Lines(vec![Line {
        line_id,
        contract_id,
        trigger: fact.trigger(),
        version: version.number,
        source_event_id: fact.source_event_id,
        referral_id: person.map(|person| person.referral_id),
        subject: person.map(|person| person.subject.clone()),
        date: fact.date,
        period,
        tariff,
        amount,
        capped_by,
        clawback_of: None,
    }])
}

/// What `version` pays for a fact about one person (or the micro-grant), or why nothing.
fn priced(version: &Version, fact: &Fact) -> Result<Pence, NotPayable> {
    let instrument = match &fact.what {
        What::OutcomeRecorded { instrument, .. } => Some(instrument.as_str()),
        _ => None,
    };
    let no_tariff = NotPayable::NoTariff {
        trigger: fact.trigger(),
    };
    let tariff = version
        .terms
        .tariff(fact.trigger(), instrument)
        .ok_or(no_tariff)?;
    match (&fact.what, tariff) {
        (
            What::SessionAttended { evidence, .. },
            Tariff::AttendedSession { evidence: paid, .. },
        ) if !paid.contains(evidence) => {
            return Err(NotPayable::EvidenceNotPaid {
                evidence: *evidence,
            });
        }
        (What::OutcomeRecorded { verdict, .. }, _) if *verdict != Some(Verdict::Improved) => {
            return Err(NotPayable::NotImproved);
        }
        _ => {}
    }
    if let Some(person) = fact.person() {
        version
            .terms
            .eligibility
            .admits(&person.needs, person.age_band.as_deref())
            .map_err(|why| NotPayable::Ineligible { why })?;
    }
    Ok(tariff.amount().0)
}

/// A block month: one line per version in force in it that has a block tariff, each its
/// share of the month by day.
fn block(
    contract_id: uuid::Uuid,
    contract: &Contract,
    accrued: &Accrued,
    fact: &Fact,
    month: Month,
) -> Accrual {
    let pieces = contract.versions_in(month);
    if pieces.is_empty() {
        return Accrual::NotPayable(NotPayable::NotInForce);
    }
    let mut room = Room::left(accrued, None, month);
    let mut lines = Vec::new();
    let mut priced_any = false;
    for (version, days) in pieces {
        let Some(Tariff::Block { per_month }) = version.terms.tariff(Trigger::Block, None) else {
            continue;
        };
        priced_any = true;
        let line_id = line::line_id(contract_id, &format!("{}/v{}", fact.key(), version.number));
        if accrued.contains(line_id) {
            continue;
        }
        // A day's share of a month is at most the month: no overflow is possible.
        let tariff = per_month.scale(days, month.days()).unwrap_or(*per_month);
        let (amount, capped_by) = room.take(&version.terms.caps, tariff);
        lines.push(Line {
            line_id,
            contract_id,
            trigger: Trigger::Block,
            version: version.number,
            source_event_id: fact.source_event_id,
            referral_id: None,
            subject: None,
            date: month.last_day(),
            period: month,
            tariff,
            amount,
            capped_by,
            clawback_of: None,
        });
    }
    match (priced_any, lines.is_empty()) {
        (false, _) => Accrual::NotPayable(NotPayable::NoTariff {
            trigger: Trigger::Block,
        }),
        (true, true) => Accrual::AlreadyAccrued,
        (true, false) => Accrual::Lines(lines),
    }
}

/// The clawback lines `withdrawal` causes: one per line it takes back that is not zero and
/// not already taken back, in line id order.
pub fn claw_back(accrued: &Accrued, withdrawal: &Withdrawal) -> Vec<Line> {
    accrued
        .lines()
        .filter(|line| line.clawback_of.is_none() && line.amount != Pence::ZERO)
        .filter(|line| match withdrawal.withdrawn {
            Withdrawn::Referral(referral_id) => line.referral_id == Some(referral_id),
            Withdrawn::Event(event_id) => line.source_event_id == event_id,
        })
        .filter(|line| !accrued.is_clawed_back(line.line_id))
        .filter_map(|line| {
            // A line's amount is never the most negative i64: it is a capped tariff.
            let back = line.amount.checked_neg().ok()?;
            let key = format!("clawback/{}", line.line_id);
            Some(Line {
                line_id: line::line_id(line.contract_id, &key),
                source_event_id: withdrawal.source_event_id,
                date: withdrawal.date,
                tariff: back,
                amount: back,
                capped_by: None,
                clawback_of: Some(line.line_id),
                ..line.clone()
            })
        })
        .collect()
}

/// What has accrued so far against each cap a line could meet, kept up to date across the
/// lines of one fact.
#[derive(Debug)]
struct Room {
    person: Option<Pence>,
    month: Pence,
    total: Pence,
}

impl Room {
    fn left(accrued: &Accrued, subject: Option<&str>, month: Month) -> Self {
        Self {
            person: subject.map(|subject| accrued.person(subject)),
            month: accrued.month(month),
            total: accrued.total(),
        }
    }

    /// `tariff` reduced by the caps in order — per person, per month, total — and the last cap
    /// that reduced it; what is taken counts against the caps for the next line.
    fn take(&mut self, caps: &Caps, tariff: Pence) -> (Pence, Option<Cap>) {
        let mut amount = tariff;
        let mut capped_by = None;
        for (cap, limit, so_far) in [
            (Cap::PerPerson, caps.per_person, self.person),
            (Cap::PerMonth, caps.per_month, Some(self.month)),
            (Cap::Total, caps.total, Some(self.total)),
        ] {
            let (Some(limit), Some(so_far)) = (limit, so_far) else {
                continue;
            };
            let room = limit.saturating_sub(so_far).max(Pence::ZERO);
            if amount > room {
                amount = room;
                capped_by = Some(cap);
            }
        }
        self.person = self.person.map(|so_far| so_far.saturating_add(amount));
        self.month = self.month.saturating_add(amount);
        self.total = self.total.saturating_add(amount);
        (amount, capped_by)
    }
}

#[cfg(test)]
mod tests;
