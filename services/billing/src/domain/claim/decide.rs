//! The claim's rules: which command each status allows, and what it records.

use std::collections::BTreeSet;

use decider::Decider;

use super::{Claim, Command, Error, Event, Status, claim_id};
use crate::domain::accrual::Line;
use crate::domain::money::Pence;

impl Decider for Claim {
    type State = Claim;
    type Command = Command;
    type Event = Event;
    type Error = Error;

    fn decide(state: &Claim, command: Command) -> Result<Vec<Event>, Error> {
        match command {
            Command::Draft {
                claim_id: id,
                contract_id,
                period,
                lines,
                at,
            } => {
                if state.status != Status::None {
                    let same = state.contract_id == Some(contract_id)
                        && state.period == Some(period)
                        && state.lines.len() == lines.len()
                        && lines
                            .iter()
                            .all(|line| state.lines.get(&line.line_id) == Some(line));
                    return if same {
                        Ok(Vec::new())
                    } else {
                        Err(Error::IdUsed)
                    };
                }
                if id != claim_id(contract_id, period) {
                    return Err(Error::NotTheClaimId);
                }
                check_lines(&lines, contract_id, period.last_day())?;
                let total = sum(lines.iter())?;
                Ok(vec![Event::ClaimDrafted {
                    claim_id: id,
                    contract_id,
                    period,
                    lines,
                    total,
                    at,
                }])
            }
            Command::Submit { by, at } => {
                let id = drafted(state)?;
                if state.status != Status::Draft {
                    return Err(Error::NotDraft(state.status));
                }
                named("by", &by)?;
                Ok(vec![Event::ClaimSubmitted {
                    claim_id: id,
                    by,
                    at,
                }])
            }
            Command::Approve { by, at } => {
                let id = deciding(state)?;
                named("by", &by)?;
                let approved = sum(state.lines.values())?;
                Ok(vec![Event::ClaimApproved {
                    claim_id: id,
                    by,
                    approved,
                    at,
                }])
            }
            Command::ApprovePartly { by, rejected, at } => {
                let id = deciding(state)?;
                named("by", &by)?;
                if rejected.is_empty() {
                    return Err(invalid(
                        "rejected",
                        "at least one line: or approve the claim",
                    ));
                }
                let mut seen = BTreeSet::new();
                for rejection in &rejected {
                    if !state.lines.contains_key(&rejection.line_id) {
                        return Err(Error::UnknownLine {
                            line_id: rejection.line_id,
                        });
                    }
                    if !seen.insert(rejection.line_id) {
                        return Err(invalid("rejected", "each line once"));
                    }
                    named("rejected.reason", &rejection.reason)?;
                }
                if seen.len() == state.lines.len() {
                    return Err(invalid("rejected", "not every line: or reject the claim"));
                }
                let approved = sum(state
                    .lines
                    .values()
                    .filter(|line| !seen.contains(&line.line_id)))?;
                Ok(vec![Event::ClaimPartlyApproved {
                    claim_id: id,
                    by,
                    rejected,
                    approved,
                    at,
                }])
            }
            Command::Reject { by, reason, at } => {
                let id = deciding(state)?;
                named("by", &by)?;
                named("reason", &reason)?;
                Ok(vec![Event::ClaimRejected {
                    claim_id: id,
                    by,
                    reason,
                    at,
                }])
            }
            Command::Pay {
                remittance,
                paid_on,
                at,
            } => {
                let id = drafted(state)?;
                let (Status::Approved | Status::PartlyApproved, Some(amount)) =
                    (state.status, state.approved)
                else {
                    return Err(Error::NotApproved(state.status));
                };
                named("remittance", &remittance)?;
                if state.decided_on.is_some_and(|decided| paid_on < decided) {
                    return Err(invalid(
                        "paid_on",
                        "on or after the day the claim was approved",
                    ));
                }
                Ok(vec![Event::ClaimPaid {
                    claim_id: id,
                    remittance,
                    paid_on,
                    amount,
                    at,
                }])
            }
        }
    }

    fn evolve(mut state: Claim, event: &Event) -> Claim {
        match event {
            Event::ClaimDrafted {
                claim_id,
                contract_id,
                period,
                lines,
                ..
            } => {
                state.status = Status::Draft;
                state.claim_id = Some(*claim_id);
                state.contract_id = Some(*contract_id);
                state.period = Some(*period);
                state.lines = lines
                    .iter()
                    .map(|line| (line.line_id, line.clone()))
                    .collect();
            }
            Event::ClaimSubmitted { .. } => state.status = Status::Submitted,
            Event::ClaimApproved { approved, at, .. } => {
                state.status = Status::Approved;
                state.approved = Some(*approved);
                state.decided_on = Some(at.date_naive());
            }
            Event::ClaimPartlyApproved {
                rejected,
                approved,
                at,
                ..
            } => {
                state.status = Status::PartlyApproved;
                state.rejected = rejected
                    .iter()
                    .map(|rejection| (rejection.line_id, rejection.reason.clone()))
                    .collect();
                state.approved = Some(*approved);
                state.decided_on = Some(at.date_naive());
            }
            Event::ClaimRejected { at, .. } => {
                state.status = Status::Rejected;
                state.approved = Some(Pence::ZERO);
                state.decided_on = Some(at.date_naive());
            }
            Event::ClaimPaid { .. } => state.status = Status::Paid,
        }
        state
    }
}

/// The claim's id, once drafted.
fn drafted(state: &Claim) -> Result<uuid::Uuid, Error> {
    state.claim_id.ok_or(Error::NotFound)
}

/// The claim's id, if it is submitted and waiting for a decision.
fn deciding(state: &Claim) -> Result<uuid::Uuid, Error> {
    let id = drafted(state)?;
    match state.status {
        Status::Submitted => Ok(id),
        Status::Approved | Status::PartlyApproved | Status::Rejected | Status::Paid => {
            Err(Error::AlreadyDecided(state.status))
        }
        Status::None | Status::Draft => Err(Error::NotSubmitted(state.status)),
    }
}

/// Every line: caused, this contract's, accrued by the period's end, once.
fn check_lines(
    lines: &[Line],
    contract_id: uuid::Uuid,
    last_day: chrono::NaiveDate,
) -> Result<(), Error> {
    if lines.is_empty() {
        return Err(Error::NoLines);
    }
    let mut seen = BTreeSet::new();
    for line in lines {
        let line_id = line.line_id;
        if line.source_event_id.is_nil() || line.clawback_of.is_some_and(|of| of.is_nil()) {
            return Err(Error::LineWithoutCause { line_id });
        }
        if line.contract_id != contract_id {
            return Err(Error::OtherContractsLine { line_id });
        }
        if line.date > last_day {
            return Err(Error::LineAfterPeriod { line_id });
        }
        if !seen.insert(line_id) {
            return Err(Error::DuplicateLine { line_id });
        }
    }
    Ok(())
}

fn sum<'a>(lines: impl Iterator<Item = &'a Line>) -> Result<Pence, Error> {
    Pence::total(lines.map(|line| line.amount))
        .map_err(|_| invalid("lines", "a total that can be held"))
}

fn named(field: &'static str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(invalid(field, "not blank"));
    }
    Ok(())
}

fn invalid(field: &'static str, rule: &'static str) -> Error {
    Error::Invalid { field, rule }
}
