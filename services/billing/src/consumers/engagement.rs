//! The engagement service's events as billing consumes them: a session attended is a billable
//! fact when its evidence can pay — the provider's register, the person's QR check-in, an
//! integrator's attested attendance. Nothing else the engagement service publishes is: a
//! missed place pays nothing, and device evidence (`evidence_recorded`: steps, active minutes,
//! app check-ins) never pays, because a phone recording activity is not the person coming to
//! the provider's session (ADR 0012). It is not decoded at all, so no contract can be written
//! to pay on it.

use contract::events::decode_if;
use eventstore::{EventStore, HandlerError, Tx};
use messaging::{BusHandler, ReceivedEvent};
use proto::engagement::v1 as engagement;
use uuid::Uuid;

use super::{Noting, day_of};
use crate::domain::accrual::{Fact, What};
use crate::domain::contract::Evidence;
use crate::domain::noted::Noted;

/// The producing service.
pub const PRODUCER: &str = "engagement";

/// Notes attendances that can pay.
#[derive(Debug)]
pub struct EngagementConsumer(Noting);

impl EngagementConsumer {
    /// Noting in `store`'s log, for `tenant`.
    pub fn new(store: EventStore, tenant: &str) -> Self {
        Self(Noting::new(store, tenant))
    }
}

impl BusHandler for EngagementConsumer {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let (service, event) = (received.service.as_str(), &received.event);
        let Some(attended) =
            decode_if::<engagement::SessionAttended>(service, &event.event_type, &event.payload)?
        else {
            return Ok(());
        };
        let Some(evidence) = Evidence::parse(&attended.source) else {
            return Ok(());
        };
        let (Ok(referral_id), Ok(session_id)) = (
            Uuid::try_parse(&attended.referral_id),
            Uuid::try_parse(&attended.session_id),
        ) else {
            tracing::warn!(event_id = %event.event_id, "an attendance without a referral or session id");
            return Ok(());
        };
        let (_, person) = self.0.heard_of(tx, referral_id).await?;
        let fact = Fact {
            source_event_id: event.event_id,
            provider: attended.organisation_id,
            date: day_of(attended.at.as_ref(), event.occurred_at),
            what: What::SessionAttended {
                person,
                session_id,
                evidence,
            },
        };
        self.0.note(tx, received, &Noted::FactNoted(fact)).await
    }
}
