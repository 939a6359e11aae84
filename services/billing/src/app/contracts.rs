//! Contracts: agreed by the caller's organisation as commissioner, amended and ended by it,
//! read by it and by the provider.

use chrono::{NaiveDate, Utc};
use decider::Decider;
use eventstore::aggregate::{self, CommandError};
use uuid::Uuid;

use super::{AppError, BillingApp, Context, Refused, refused};
use crate::domain::contract::{Command, Contract, Event, FundingSource, Parties, Terms};

/// The stream of `contract_id`'s versions.
pub fn stream(contract_id: Uuid) -> String {
    format!("contract-{}", contract_id.simple())
}

/// A contract to agree.
#[derive(Debug, Clone)]
pub struct NewContract {
    /// The id the client chose, or a new one.
    pub contract_id: Uuid,
    /// The provider organisation paid.
    pub provider: String,
    /// Where the money comes from.
    pub funding: FundingSource,
    /// Version 1's first day.
    pub effective_from: NaiveDate,
    /// Version 1.
    pub terms: Terms,
}

impl BillingApp {
    /// The contract `contract_id` as it stands, if the caller is a party to it.
    pub async fn contract(
        &self,
        contract_id: Uuid,
        context: &Context,
    ) -> Result<Contract, AppError> {
        let history = aggregate::load::<Event, Refused>(self.store(), &stream(contract_id)).await?;
        let contract = Contract::fold(&history);
        match context.is_party(&contract) {
            true => Ok(contract),
            false => Err(CommandError::Rejected(Refused::NoSuchContract)),
        }
    }

    /// Agrees `new` between the caller's organisation, as commissioner, and its provider. The
    /// same again is a retry and answers the contract as agreed.
    pub async fn agree(&self, new: NewContract, context: &Context) -> Result<Contract, AppError> {
        let command = Command::Agree {
            contract_id: new.contract_id,
            parties: Parties {
                commissioner: context.caller.organisation.clone(),
                provider: new.provider,
                funding: new.funding,
            },
            effective_from: new.effective_from,
            terms: new.terms,
            at: Utc::now(),
        };
        self.execute(new.contract_id, command, context).await?;
        self.contract(new.contract_id, context).await
    }

    /// Records a new version of the caller's contract `contract_id`.
    pub async fn amend(
        &self,
        contract_id: Uuid,
        effective_from: NaiveDate,
        terms: Terms,
        context: &Context,
    ) -> Result<Contract, AppError> {
        self.contract(contract_id, context).await?;
        let command = Command::Amend {
            effective_from,
            terms,
            at: Utc::now(),
        };
        self.execute(contract_id, command, context).await?;
        self.contract(contract_id, context).await
    }

    /// Ends the caller's contract `contract_id` after `last_day`.
    pub async fn end(
        &self,
        contract_id: Uuid,
        last_day: NaiveDate,
        reason: String,
        context: &Context,
    ) -> Result<Contract, AppError> {
        self.contract(contract_id, context).await?;
        let command = Command::End {
            last_day,
            reason,
            at: Utc::now(),
        };
        self.execute(contract_id, command, context).await?;
        self.contract(contract_id, context).await
    }

    async fn execute(
        &self,
        contract_id: Uuid,
        command: Command,
        context: &Context,
    ) -> Result<(), AppError> {
        let metadata = context.metadata(&self.settings().tenant);
        aggregate::execute::<Contract>(
            self.store(),
            &stream(contract_id),
            command,
            super::SCHEMA_VERSION,
            &metadata,
        )
        .await
        .map_err(refused)?;
        Ok(())
    }
}
