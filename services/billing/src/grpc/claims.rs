//! A claim as the API shows it, and the record of who read the people its lines are about.

use std::collections::BTreeSet;

use chrono::Utc;
use eventstore::{AccessOutcome, AccessRecord, EventStore, StoreError};
use prost_types::Timestamp;
use proto::billing::v1 as pb;

use super::terms::{cap_code, money};
use crate::app::Context;
use crate::app::claims::ClaimView;
use crate::domain::accrual::Line;
use crate::domain::claim::Status;

fn status_code(status: Status) -> &'static str {
    match status {
        Status::None => "",
        Status::Draft => "draft",
        Status::Submitted => "submitted",
        Status::Approved => "approved",
        Status::PartlyApproved => "partly-approved",
        Status::Rejected => "rejected",
        Status::Paid => "paid",
    }
}

/// `view` as the API shows it, its lines with it when `with_lines`.
pub(crate) fn claim(view: &ClaimView, with_lines: bool) -> pb::Claim {
    let state = &view.claim;
    let mut lines: Vec<&Line> = state.lines.values().collect();
    lines.sort_by_key(|line| (line.date, line.line_id));
    let text = |id: Option<uuid::Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
    pb::Claim {
        claim_id: text(state.claim_id),
        contract_id: text(state.contract_id),
        month: state
            .period
            .map(|month| month.to_string())
            .unwrap_or_default(),
        status: status_code(state.status).to_owned(),
        lines: match with_lines {
            true => lines
                .into_iter()
                .map(|line| claim_line(line, state.rejected.get(&line.line_id)))
                .collect(),
            false => Vec::new(),
        },
        total: Some(money(view.total)),
        approved: state.approved.map(money),
        rejected_because: view.rejected_because.clone().unwrap_or_default(),
        remittance: view
            .paid
            .as_ref()
            .map(|(remittance, _)| remittance.clone())
            .unwrap_or_default(),
        paid_on: view
            .paid
            .as_ref()
            .map(|(_, day)| day.to_string())
            .unwrap_or_default(),
        drafted_at: view.drafted_at.map(|at| Timestamp {
            seconds: at.timestamp(),
            nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
        }),
    }
}

fn claim_line(line: &Line, rejected_because: Option<&String>) -> pb::ClaimLine {
    let text = |id: Option<uuid::Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
    pb::ClaimLine {
        line_id: line.line_id.to_string(),
        trigger: line.trigger.code().to_owned(),
        version: line.version,
        source_event_id: line.source_event_id.to_string(),
        referral_id: text(line.referral_id),
        date: line.date.to_string(),
        period: line.period.to_string(),
        tariff: Some(money(line.tariff)),
        amount: Some(money(line.amount)),
        capped_by: line
            .capped_by
            .map(|cap| cap_code(cap).to_owned())
            .unwrap_or_default(),
        clawback_of: text(line.clawback_of),
        rejected_because: rejected_because.cloned().unwrap_or_default(),
    }
}

/// Records, before the claim's lines leave, that the caller read what they say of each person
/// they are about (one record per person, `function` the RPC).
pub(crate) async fn record_read(
    store: &EventStore,
    view: &ClaimView,
    context: &Context,
    function: &'static str,
) -> Result<(), StoreError> {
    let subjects: BTreeSet<&String> = view
        .claim
        .lines
        .values()
        .filter_map(|line| line.subject.as_ref())
        .collect();
    if subjects.is_empty() {
        return Ok(());
    }
    let record = format!(
        "claim/{}",
        view.claim
            .claim_id
            .map(|id| id.to_string())
            .unwrap_or_default()
    );
    let at = Utc::now();
    let caller = &context.caller;
    let reads: Vec<AccessRecord> = subjects
        .into_iter()
        .map(|subject| AccessRecord {
            at,
            user: caller.user.clone(),
            organisation: caller.organisation.clone(),
            role: caller.role.clone(),
            subject: Some(subject.clone()),
            function: function.to_owned(),
            record: record.clone(),
            correlation_id: context.correlation_id,
            outcome: AccessOutcome::Allowed,
        })
        .collect();
    store.record_access(&reads).await
}
