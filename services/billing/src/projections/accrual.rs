//! The accrual processor: a checkpointed subscription over the billing log that accrues each
//! contract's lines into its ledger (`ledger-<contract>`), in the subscription's own
//! transaction, one event of the log at a time.
//!
//! - A fact noted reaches the contracts paying its provider; a withdrawal claws back what the
//!   withdrawn source accrued under them; a month's end accrues every contract's block
//!   payment for the month.
//! - A contract agreed takes up what came before it in the log: the facts and withdrawals
//!   noted for its provider, and the block months of a version 1 effective before the day it
//!   was agreed (each citing the agreement).
//! - Each contract is folded as it stood at the triggering event's position, and its ledger
//!   as it stands; the lines are appended expecting the ledger's version as read, so a claim
//!   drafted at the same moment, or another process, makes one of them try again rather than
//!   both take the last of a cap. One event per transaction, so what one event appended is
//!   committed before the next reads the ledger.
//! - Each line's event id is its line id: replaying the log finds every line already there
//!   and appends nothing.

use std::future::Future;

use eventstore::{
    AppendToStream, EventHandler, EventMetadata, EventStore, HandlerError, NewEvent, Position,
    RecordedEvent, StoreError, Subscription, SubscriptionError, Tx,
};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::app::{SCHEMA_VERSION, expected, service_actor};
use crate::domain::accrual::{Accrual, Fact, Line, What, Withdrawal, accrue, claw_back};
use crate::domain::contract::{self, Contract};
use crate::domain::ledger::{self, Entry, Ledger};
use crate::domain::noted::{Noted, facts_stream};
use crate::domain::period::Month;
use crate::projections::contracts;

/// The subscription (checkpoint) name.
pub const SUBSCRIPTION: &str = "billing.accrual";

/// Accrues lines from the log into each contract's ledger.
#[derive(Debug, Clone)]
pub struct Accruer {
    store: EventStore,
}

/// One thing to apply to a contract's ledger.
#[derive(Debug, Clone)]
enum Step {
    Fact(Fact),
    Withdrawal(Withdrawal),
}

/// Runs the processor over `store`'s log until `stopped`.
pub fn spawn(
    store: EventStore,
    stopped: impl Future<Output = ()> + Send + 'static,
) -> JoinHandle<()> {
    let subscription = Subscription::new(store.clone(), SUBSCRIPTION).batch_size(1);
    let mut accruer = Accruer::new(store);
    tokio::spawn(async move { subscription.run(&mut accruer, stopped).await })
}

/// Runs the processor over the whole log again, reporting events replayed; returns how many.
/// Lines already in a ledger are found, not accrued twice.
pub async fn rebuild(
    store: &EventStore,
    progress: impl FnMut(u64),
) -> Result<u64, SubscriptionError> {
    let subscription = Subscription::new(store.clone(), SUBSCRIPTION).batch_size(1);
    let reset = async |tx: &mut Tx| -> Result<(), StoreError> {
        contracts::reset(tx).await?;
        Ok(())
    };
    subscription
        .rebuild(&mut Accruer::new(store.clone()), reset, progress)
        .await
}

impl Accruer {
    /// The processor over `store`'s log.
    pub fn new(store: EventStore) -> Self {
        Self { store }
    }

    /// A contract agreed: kept, and given what came before it.
    async fn agreed(&self, tx: &mut Tx, recorded: &RecordedEvent) -> Result<(), HandlerError> {
        let contract::Event::ContractAgreed {
            contract_id,
            parties,
            effective_from,
            at,
            ..
        } = recorded.decode::<contract::Event>()?
        else {
            return Ok(());
        };
        contracts::save(
            tx,
            contract_id,
            &parties.commissioner,
            &parties.provider,
            at,
        )
        .await?;
        let mut steps = Vec::new();
        for earlier in self
            .store
            .load_stream(&facts_stream(&parties.provider))
            .await?
        {
            if earlier.position >= recorded.position {
                break;
            }
            match earlier.decode::<Noted>()? {
                Noted::FactNoted(fact) => steps.push(Step::Fact(fact)),
                Noted::WithdrawalNoted { withdrawal, .. } => {
                    steps.push(Step::Withdrawal(withdrawal))
                }
                Noted::MonthEnded { .. } => {}
            }
        }
        let agreed_on = at.date_naive();
        let months = std::iter::successors(Some(Month::of(effective_from)), |month| {
            Some(month.next()).filter(|next| next > month)
        });
        for month in months.take_while(|month| month.last_day() < agreed_on) {
            steps.push(Step::Fact(Fact {
                source_event_id: recorded.event_id,
                provider: parties.provider.clone(),
                date: agreed_on,
                what: What::MonthElapsed { month },
            }));
        }
        self.apply(tx, recorded, contract_id, &steps).await
    }

    /// Something noted: applied to the contracts it concerns.
    async fn noted(
        &self,
        tx: &mut Tx,
        recorded: &RecordedEvent,
        noted: Noted,
    ) -> Result<(), HandlerError> {
        let (provider, step) = match noted {
            Noted::FactNoted(fact) => (fact.provider.clone(), Step::Fact(fact)),
            Noted::WithdrawalNoted {
                provider,
                withdrawal,
            } => (provider, Step::Withdrawal(withdrawal)),
            Noted::MonthEnded { month, at } => {
                for known in contracts::paying(tx, None).await? {
                    let elapsed = Step::Fact(Fact {
                        source_event_id: recorded.event_id,
                        provider: known.provider,
                        date: at.date_naive(),
                        what: What::MonthElapsed { month },
                    });
                    self.apply(tx, recorded, known.contract_id, &[elapsed])
                        .await?;
                }
                return Ok(());
            }
        };
        for known in contracts::paying(tx, Some(&provider)).await? {
            self.apply(tx, recorded, known.contract_id, std::slice::from_ref(&step))
                .await?;
        }
        Ok(())
    }

    /// Applies `steps`, in order, to contract `contract_id` as it stood at `trigger`, and
    /// appends the lines they give to its ledger, expecting the version read.
    async fn apply(
        &self,
        tx: &mut Tx,
        trigger: &RecordedEvent,
        contract_id: Uuid,
        steps: &[Step],
    ) -> Result<(), HandlerError> {
        let contract = self.contract_at(contract_id, trigger.position).await?;
        let stream = ledger::stream(contract_id);
        let recorded = self.store.load_stream(&stream).await?;
        let entries = recorded
            .iter()
            .map(RecordedEvent::decode::<Entry>)
            .collect::<Result<Vec<_>, _>>()?;
        let mut ledger = Ledger::fold(&entries);
        let mut lines: Vec<Line> = Vec::new();
        for step in steps {
            let new = match step {
                Step::Fact(fact) => match accrue(&contract, &ledger.accrued, fact) {
                    Accrual::Lines(lines) => lines,
                    Accrual::AlreadyAccrued | Accrual::NotPayable(_) => Vec::new(),
                },
                Step::Withdrawal(withdrawal) => claw_back(&ledger.accrued, withdrawal),
            };
            for line in &new {
                ledger.accrued.record(line);
            }
            lines.extend(new);
        }
        if lines.is_empty() {
            return Ok(());
        }
        let events = lines
            .into_iter()
            .map(|line| line_event(trigger, line))
            .collect::<Result<Vec<_>, _>>()?;
        let append = AppendToStream {
            stream_id: stream,
            expected: expected(recorded.len() as u64),
            events,
        };
        self.store.append_in(tx, &[append]).await?;
        Ok(())
    }

    /// Contract `contract_id` as its events up to `position` leave it.
    async fn contract_at(
        &self,
        contract_id: Uuid,
        position: Position,
    ) -> Result<Contract, HandlerError> {
        let stream = crate::app::contracts::stream(contract_id);
        let mut events = Vec::new();
        for recorded in self.store.load_stream(&stream).await? {
            if recorded.position > position {
                break;
            }
            events.push(recorded.decode::<contract::Event>()?);
        }
        Ok(<Contract as decider::Decider>::fold(&events))
    }
}

/// The event recording `line`, caused by `trigger`: its id is the line's, its time and
/// metadata the trigger's, so accruing the same log again gives the same event.
fn line_event(trigger: &RecordedEvent, line: Line) -> Result<NewEvent, serde_json::Error> {
    let cause = &trigger.metadata;
    let metadata = EventMetadata {
        correlation_id: cause.correlation_id,
        causation_id: Some(trigger.event_id),
        traceparent: cause.traceparent.clone(),
        actor: service_actor(&cause.tenant),
        data_subject: line.subject.clone(),
        tenant: cause.tenant.clone(),
    };
    let line_id = line.line_id;
    let entry = Entry::LineAccrued { line };
    NewEvent::json(
        line_id,
        entry.event_type(),
        SCHEMA_VERSION,
        trigger.occurred_at,
        &entry,
        metadata,
    )
}

impl EventHandler for Accruer {
    async fn handle(&mut self, tx: &mut Tx, recorded: &RecordedEvent) -> Result<(), HandlerError> {
        match recorded.event_type.as_str() {
            "contract_agreed" => self.agreed(tx, recorded).await,
            "fact_noted" | "withdrawal_noted" | "month_ended" => {
                let noted = recorded.decode::<Noted>()?;
                self.noted(tx, recorded, noted).await
            }
            _ => Ok(()),
        }
    }
}
