//! The application layer: a contract or claim folded from its stream, the caller held to being
//! one of its parties (to anyone else it does not exist), decided, and appended with the
//! version loaded. The clock is read here, once per request, and handed to the decider.
//!
//! - [`contracts`]: agree, amend, end and read a contract.
//! - [`claims`]: draft a month's claim from the contract's ledger, submit, decide, pay, read.

pub mod claims;
pub mod contracts;

use eventstore::aggregate::{CommandError, StoredEvent};
use eventstore::{EventMetadata, EventStore, ExpectedVersion};
use uuid::Uuid;

use crate::config::BillingSettings;
use crate::domain::contract::{self, Contract};
use crate::domain::period::Month;
use crate::domain::{claim, ledger, noted};

/// Schema version of every billing event type (no upcasters yet).
pub const SCHEMA_VERSION: u32 = 1;

impl StoredEvent for contract::Event {
    fn event_type(&self) -> &'static str {
        contract::Event::event_type(self)
    }
}

impl StoredEvent for claim::Event {
    fn event_type(&self) -> &'static str {
        claim::Event::event_type(self)
    }
}

impl StoredEvent for ledger::Entry {
    fn event_type(&self) -> &'static str {
        ledger::Entry::event_type(self)
    }
}

impl StoredEvent for noted::Noted {
    fn event_type(&self) -> &'static str {
        noted::Noted::event_type(self)
    }
}

/// The billing service itself, as the actor of what it records on its own account: facts
/// noted, month ends, lines.
pub fn service_actor(tenant: &str) -> eventstore::Actor {
    eventstore::Actor {
        id: "linkwork-billing".to_owned(),
        organisation: tenant.to_owned(),
        role: "system".to_owned(),
    }
}

/// The role a commissioner acts in: it agrees, amends and ends its contracts and decides and
/// pays their claims.
pub const COMMISSIONER: &str = "commissioner";

/// The role a provider acts in: it reads its contracts and drafts and submits their claims.
pub const PROVIDER: &str = "vcse-provider";

/// Why a request did not take effect, beyond the log's own failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The contract's rules.
    #[error(transparent)]
    Contract(#[from] contract::Error),
    /// The claim's rules.
    #[error(transparent)]
    Claim(#[from] claim::Error),
    /// No such contract, or not one the caller's organisation is a party to (in the role it
    /// acts in): the same answer for both.
    #[error("contract_id: no such contract of yours")]
    NoSuchContract,
    /// No such claim, or not one of the caller's organisation's contracts.
    #[error("claim_id: no such claim of yours")]
    NoSuchClaim,
    /// A claim is for a month that has ended.
    #[error("month: {0} has not ended yet")]
    MonthNotOver(Month),
    /// The month's end has been recorded but not yet accrued: a claim drafted now could miss
    /// its block payment.
    #[error("month: {0} is still being accrued; try again shortly")]
    StillAccruing(Month),
    /// Nothing under the contract is waiting to be claimed by the month's end.
    #[error("month: no unclaimed lines under the contract by the end of {0}")]
    NothingToClaim(Month),
}

/// A failure of a request: refused, or the log failed.
pub type AppError = CommandError<Refused>;

/// The domain's refusals as the app's, the log's failures as they are.
pub(crate) fn refused<E: std::error::Error + Into<Refused> + 'static>(
    error: CommandError<E>,
) -> AppError {
    match error {
        CommandError::Rejected(error) => CommandError::Rejected(error.into()),
        CommandError::Store(error) => CommandError::Store(error),
        CommandError::Encode(error) => CommandError::Encode(error),
        CommandError::Corrupt { event_id, source } => CommandError::Corrupt { event_id, source },
    }
}

/// What an append expects of a stream read when it held `version` events.
pub(crate) fn expected(version: u64) -> ExpectedVersion {
    match version {
        0 => ExpectedVersion::NoStream,
        version => ExpectedVersion::Exact(version),
    }
}

/// Who is asking, and in which capacity.
#[derive(Debug, Clone)]
pub struct Context {
    /// The caller.
    pub caller: identity::Caller,
    /// Shared by everything one request causes.
    pub correlation_id: Uuid,
}

impl Context {
    /// Whether the caller's organisation is a party to `contract` in the role it acts in: its
    /// commissioner as a commissioner, its provider as a provider.
    pub fn is_party(&self, contract: &Contract) -> bool {
        let Some(parties) = &contract.parties else {
            return false;
        };
        let organisation = &self.caller.organisation;
        match self.caller.role.as_str() {
            COMMISSIONER => parties.commissioner == *organisation,
            PROVIDER => parties.provider == *organisation,
            _ => false,
        }
    }

    /// The metadata of events this request causes.
    pub fn metadata(&self, tenant: &str) -> EventMetadata {
        EventMetadata {
            correlation_id: self.correlation_id,
            causation_id: None,
            traceparent: telemetry::current_traceparent(),
            actor: eventstore::Actor {
                id: self.caller.user.clone(),
                organisation: self.caller.organisation.clone(),
                role: self.caller.role.clone(),
            },
            data_subject: None,
            tenant: tenant.to_owned(),
        }
    }
}

/// Runs the billing service's commands against its log.
#[derive(Debug, Clone)]
pub struct BillingApp {
    store: EventStore,
    settings: BillingSettings,
}

impl BillingApp {
    /// The app over the billing log.
    pub fn new(store: EventStore, settings: BillingSettings) -> Self {
        Self { store, settings }
    }

    /// The log it runs against.
    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// The deployment's settings.
    pub fn settings(&self) -> &BillingSettings {
        &self.settings
    }
}
