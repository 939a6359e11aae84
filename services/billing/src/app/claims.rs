//! Claims: a month's claim drafted from the contract's ledger — the lines accrued by the
//! month's end that no claim has taken — and its taking of them recorded in the ledger in the
//! same atomic append, with the ledger's version as read, so no two claims take one line and
//! no line accrues between the read and the draft unnoticed; then submitted by the provider,
//! decided once and paid by the commissioner.
//!
//! A command that loses a race for its claim's stream is decided again against the claim as
//! it now is: two approvers at once give one approval and one `AlreadyDecided` refusal.

use chrono::{DateTime, NaiveDate, Utc};
use decider::Decider;
use eventstore::aggregate::{self, CommandError, Loaded};
use eventstore::{AppendToStream, ExpectedVersion, Subscription};
use uuid::Uuid;

use super::{AppError, BillingApp, Context, Refused, SCHEMA_VERSION, expected, refused};
use crate::clock;
use crate::domain::claim::{self, Claim, Command, Event, claim_id};
use crate::domain::contract::Contract;
use crate::domain::ledger::{self, Entry, Ledger};
use crate::domain::money::Pence;
use crate::domain::period::Month;
use crate::projections::accrual;

/// How often a command that lost a race is decided again before the conflict is answered.
const ATTEMPTS: usize = 3;

/// The stream of claim `claim_id`.
pub fn stream(claim_id: Uuid) -> String {
    format!("claim-{}", claim_id.simple())
}

/// A claim as the API shows it: its state, and what the state does not keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimView {
    /// The claim's state.
    pub claim: Claim,
    /// The sum of its lines.
    pub total: Pence,
    /// When it was drafted.
    pub drafted_at: Option<DateTime<Utc>>,
    /// Why it was rejected, when it was.
    pub rejected_because: Option<String>,
    /// The remittance reference and the day it was paid, once paid.
    pub paid: Option<(String, NaiveDate)>,
}

impl ClaimView {
    /// Folded from the claim's events.
    pub fn of(events: &[Event]) -> Self {
        let mut view = Self {
            claim: Claim::fold(events),
            ..Self::default()
        };
        for event in events {
            match event {
                Event::ClaimDrafted { total, at, .. } => {
                    view.total = *total;
                    view.drafted_at = Some(*at);
                }
                Event::ClaimRejected { reason, .. } => view.rejected_because = Some(reason.clone()),
                Event::ClaimPaid {
                    remittance,
                    paid_on,
                    ..
                } => view.paid = Some((remittance.clone(), *paid_on)),
                _ => {}
            }
        }
        view
    }
}

/// What the commissioner decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every line.
    Approve,
    /// All but these lines, each with its reason.
    ApprovePartly(Vec<claim::Rejection>),
    /// None, for this reason.
    Reject(String),
}

impl BillingApp {
    /// Claim `claim_id` and its contract, if the caller is a party to the contract.
    pub async fn claim(
        &self,
        claim_id: Uuid,
        context: &Context,
    ) -> Result<(ClaimView, Contract), AppError> {
        let events = aggregate::load::<Event, Refused>(self.store(), &stream(claim_id)).await?;
        let view = ClaimView::of(&events);
        let Some(contract_id) = view.claim.contract_id else {
            return Err(CommandError::Rejected(Refused::NoSuchClaim));
        };
        match self.contract(contract_id, context).await {
            Ok(contract) => Ok((view, contract)),
            Err(CommandError::Rejected(Refused::NoSuchContract)) => {
                Err(CommandError::Rejected(Refused::NoSuchClaim))
            }
            Err(other) => Err(other),
        }
    }

    /// The claims of contract `contract_id`, oldest month first: one per month from its first
    /// version's to this one, where drafted.
    pub async fn claims(
        &self,
        contract_id: Uuid,
        context: &Context,
    ) -> Result<Vec<ClaimView>, AppError> {
        let contract = self.contract(contract_id, context).await?;
        let Some(first) = contract.versions.first() else {
            return Ok(Vec::new());
        };
        let now = Month::of(Utc::now().date_naive());
        let months: Vec<Month> =
            std::iter::successors(Some(Month::of(first.effective_from)), |month| {
                Some(month.next()).filter(|next| next > month)
            })
            .take_while(|month| *month <= now)
            .collect();
        let streams: Vec<String> = months
            .iter()
            .map(|month| stream(claim_id(contract_id, *month)))
            .collect();
        let names: Vec<&str> = streams.iter().map(String::as_str).collect();
        let versions = self.store().stream_versions(&names).await?;
        let mut claims = Vec::new();
        for (name, version) in streams.iter().zip(versions) {
            if version.is_some() {
                let events = aggregate::load::<Event, Refused>(self.store(), name).await?;
                claims.push(ClaimView::of(&events));
            }
        }
        Ok(claims)
    }

    /// Drafts contract `contract_id`'s claim for `month`, which must have ended and been
    /// accrued; asked again, answers the claim drafted.
    pub async fn draft(
        &self,
        contract_id: Uuid,
        month: Month,
        context: &Context,
    ) -> Result<ClaimView, AppError> {
        self.contract(contract_id, context).await?;
        let now = Utc::now();
        if month.last_day() >= now.date_naive() {
            return Err(CommandError::Rejected(Refused::MonthNotOver(month)));
        }
        self.ensure_accrued(contract_id, month, now).await?;
        let id = claim_id(contract_id, month);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.draft_once(contract_id, month, id, context).await {
                Err(CommandError::Store(error)) if error.is_conflict() && attempt < ATTEMPTS => {}
                Err(error) => return Err(error),
                Ok(()) => break,
            }
        }
        let events = aggregate::load::<Event, Refused>(self.store(), &stream(id)).await?;
        Ok(ClaimView::of(&events))
    }

    /// The month's end recorded, and the accrual processor past it and past the contract's
    /// agreement (which takes up the block months and facts before it): every block payment
    /// for the month, and every fact noted before its end was recorded, has accrued.
    async fn ensure_accrued(
        &self,
        contract_id: Uuid,
        month: Month,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let tenant = &self.settings().tenant;
        let ended = clock::close_months(self.store(), tenant, now).await?;
        let closing = ended
            .iter()
            .find(|(ended, _)| *ended >= month)
            .map(|(_, position)| *position);
        let agreed = self
            .store()
            .read_stream(&super::contracts::stream(contract_id), 1, 1)
            .await?
            .first()
            .map(|agreed| agreed.position);
        let accrued = Subscription::new(self.store().clone(), accrual::SUBSCRIPTION)
            .checkpoint()
            .await?;
        match (closing, agreed, accrued) {
            (Some(closing), Some(agreed), Some(accrued)) if accrued >= closing.max(agreed) => {
                Ok(())
            }
            _ => Err(CommandError::Rejected(Refused::StillAccruing(month))),
        }
    }

    async fn draft_once(
        &self,
        contract_id: Uuid,
        month: Month,
        id: Uuid,
        context: &Context,
    ) -> Result<(), AppError> {
        let claim = aggregate::load_folded::<Claim>(self.store(), &stream(id))
            .await
            .map_err(refused)?;
        if claim.version > 0 {
            return Ok(());
        }
        let entries =
            aggregate::load::<Entry, Refused>(self.store(), &ledger::stream(contract_id)).await?;
        let ledger = Ledger::fold(&entries);
        let lines = ledger.unclaimed(month);
        let line_ids = lines.iter().map(|line| line.line_id).collect();
        let at = Utc::now();
        let command = Command::Draft {
            claim_id: id,
            contract_id,
            period: month,
            lines,
            at,
        };
        let drafted = match Claim::decide(&claim.state, command) {
            Ok(drafted) => drafted,
            Err(claim::Error::NoLines) => {
                return Err(CommandError::Rejected(Refused::NothingToClaim(month)));
            }
            Err(error) => return Err(CommandError::Rejected(error.into())),
        };
        let taken = [Entry::LinesClaimed {
            claim_id: id,
            contract_id,
            period: month,
            line_ids,
            at,
        }];
        let metadata = context.metadata(&self.settings().tenant);
        let requests = [
            AppendToStream {
                stream_id: stream(id),
                expected: ExpectedVersion::NoStream,
                events: aggregate::encode(&drafted, SCHEMA_VERSION, at, &metadata)?,
            },
            AppendToStream {
                stream_id: ledger::stream(contract_id),
                expected: expected(entries.len() as u64),
                events: aggregate::encode(&taken, SCHEMA_VERSION, at, &metadata)?,
            },
        ];
        self.store().append_many(&requests).await?;
        Ok(())
    }

    /// The provider submits claim `claim_id`.
    pub async fn submit(&self, claim_id: Uuid, context: &Context) -> Result<ClaimView, AppError> {
        let by = context.caller.user.clone();
        self.on_claim(claim_id, context, || Command::Submit {
            by: by.clone(),
            at: Utc::now(),
        })
        .await
    }

    /// The commissioner decides claim `claim_id`.
    pub async fn decide(
        &self,
        claim_id: Uuid,
        decision: Decision,
        context: &Context,
    ) -> Result<ClaimView, AppError> {
        let by = context.caller.user.clone();
        self.on_claim(claim_id, context, || {
            let (by, at) = (by.clone(), Utc::now());
            match decision.clone() {
                Decision::Approve => Command::Approve { by, at },
                Decision::ApprovePartly(rejected) => Command::ApprovePartly { by, rejected, at },
                Decision::Reject(reason) => Command::Reject { by, reason, at },
            }
        })
        .await
    }

    /// The commissioner records claim `claim_id` paid.
    pub async fn pay(
        &self,
        claim_id: Uuid,
        remittance: String,
        paid_on: NaiveDate,
        context: &Context,
    ) -> Result<ClaimView, AppError> {
        self.on_claim(claim_id, context, || Command::Pay {
            remittance: remittance.clone(),
            paid_on,
            at: Utc::now(),
        })
        .await
    }

    /// Decides `command()` on claim `claim_id` for one of its contract's parties, deciding
    /// again against the claim as it now is when another command got there first.
    async fn on_claim(
        &self,
        claim_id: Uuid,
        context: &Context,
        command: impl Fn() -> Command,
    ) -> Result<ClaimView, AppError> {
        self.claim(claim_id, context).await?;
        let metadata = context.metadata(&self.settings().tenant);
        let name = stream(claim_id);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let loaded: Loaded<Claim> = aggregate::load_folded::<Claim>(self.store(), &name)
                .await
                .map_err(refused)?;
            let executed = aggregate::execute_loaded::<Claim>(
                self.store(),
                &name,
                &loaded,
                command(),
                SCHEMA_VERSION,
                &metadata,
            )
            .await;
            match executed {
                Err(CommandError::Store(error)) if error.is_conflict() && attempt < ATTEMPTS => {}
                Err(error) => return Err(refused(error)),
                Ok(_) => break,
            }
        }
        Ok(self.claim(claim_id, context).await?.0)
    }
}
