//! The other services' events, as billing hears them over the bus (each consumer idempotent
//! through the kit's inbox): kept as the referral view and the needs assessed on each
//! referral, and reduced to billable facts and withdrawals noted in the billing log, in the
//! consumer's own transaction. Nothing accrues here: the accrual processor derives lines from
//! what is noted, in the log's order.
//!
//! - [`referral`]: a referral accepted, an episode completed, a referral entered in error.
//! - [`engagement`]: a session attended, on evidence that can pay; device evidence is never a
//!   billable fact.
//! - [`outcomes`]: an outcome judged against its minimal important difference.

pub mod engagement;
pub mod outcomes;
pub mod referral;

use eventstore::{
    AppendToStream, EventMetadata, EventStore, ExpectedVersion, HandlerError, NewEvent, Tx, on_conn,
};
use messaging::ReceivedEvent;
use referral_view::Referral;
use uuid::Uuid;

use crate::app::{SCHEMA_VERSION, service_actor};
use crate::domain::accrual::Person;
use crate::domain::noted::{Noted, facts_stream};

/// What each consumer notes with: the billing log, and the tenant its events are for.
#[derive(Debug, Clone)]
pub(crate) struct Noting {
    store: EventStore,
    tenant: String,
}

impl Noting {
    /// Noting in `store`'s log, for `tenant`.
    pub(crate) fn new(store: EventStore, tenant: &str) -> Self {
        Self {
            store,
            tenant: tenant.to_owned(),
        }
    }

    /// Notes `noted`, caused by `received`, in the billing log within the consumer's
    /// transaction. Its id derives from the cause's, so a redelivery the inbox did not catch
    /// notes nothing new.
    pub(crate) async fn note(
        &self,
        tx: &mut Tx,
        received: &ReceivedEvent,
        noted: &Noted,
    ) -> Result<(), HandlerError> {
        let (provider, subject) = match noted {
            Noted::FactNoted(fact) => (&fact.provider, fact.person().map(|p| p.subject.clone())),
            Noted::WithdrawalNoted { provider, .. } => (provider, None),
            Noted::MonthEnded { .. } => return Ok(()),
        };
        let cause = &received.event;
        let metadata = EventMetadata {
            correlation_id: cause.metadata.correlation_id,
            causation_id: Some(cause.event_id),
            traceparent: cause.metadata.traceparent.clone(),
            actor: service_actor(&self.tenant),
            data_subject: subject
                .or_else(|| cause.metadata.data_subject.clone())
                .filter(|subject| !subject.is_empty()),
            tenant: self.tenant.clone(),
        };
        let event = NewEvent::json(
            Uuid::new_v5(&cause.event_id, b"billing-noted"),
            noted.event_type(),
            SCHEMA_VERSION,
            cause.occurred_at,
            noted,
            metadata,
        )?;
        let append = AppendToStream {
            stream_id: facts_stream(provider),
            expected: ExpectedVersion::Any,
            events: vec![event],
        };
        self.store.append_in(tx, &[append]).await?;
        Ok(())
    }

    /// The referral `referral_id` as the view holds it, with its person as billing knows
    /// them: the pseudonym and age band the referral published, and the needs assessed on it
    /// or, for an onward referral, on the referral it was made from.
    pub(crate) async fn person(
        &self,
        tx: &mut Tx,
        referral_id: Uuid,
    ) -> Result<Option<(Referral, Person)>, HandlerError> {
        let Some(referral) = referral_view::find(&self.store, referral_id).await? else {
            return Ok(None);
        };
        let mut needs = needs_of(tx, referral_id).await?;
        if let (None, Some(parent)) = (&needs, referral.part_of) {
            needs = needs_of(tx, parent).await?;
        }
        let person = Person {
            referral_id,
            subject: referral.subject.clone(),
            needs: needs.unwrap_or_default(),
            age_band: referral.age_band.clone(),
        };
        Ok(Some((referral, person)))
    }

    /// As [`Noting::person`], for an event of another producer about a referral: one the view
    /// has not heard of yet fails the delivery, which comes again once the referral service's
    /// events have reached the view.
    pub(crate) async fn heard_of(
        &self,
        tx: &mut Tx,
        referral_id: Uuid,
    ) -> Result<(Referral, Person), HandlerError> {
        match self.person(tx, referral_id).await? {
            Some(known) => Ok(known),
            None => Err(Box::new(NotHeardOf(referral_id))),
        }
    }
}

/// The needs last assessed on `referral_id`, if it was assessed.
async fn needs_of(tx: &mut Tx, referral_id: Uuid) -> Result<Option<Vec<String>>, HandlerError> {
    let sql = "SELECT needs FROM billing_referral_needs WHERE referral_id = $1";
    let id = referral_id.to_string();
    let row: Option<(String,)> = on_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(&id)
        .fetch_optional(conn)
        .await)?;
    match row {
        Some((needs,)) => Ok(Some(serde_json::from_str(&needs)?)),
        None => Ok(None),
    }
}

/// A referral billing has not heard of yet.
#[derive(Debug, thiserror::Error)]
#[error("referral {0} is not in billing's view of referrals yet; the event will come again")]
struct NotHeardOf(Uuid);

/// The day of a protobuf timestamp, or of `fallback` when it has none.
pub(crate) fn day_of(
    at: Option<&prost_types::Timestamp>,
    fallback: chrono::DateTime<chrono::Utc>,
) -> chrono::NaiveDate {
    at.and_then(|at| chrono::DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).ok()?))
        .unwrap_or(fallback)
        .date_naive()
}
