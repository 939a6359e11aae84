//! The engagement service's consumer of the referral service's events: it keeps the referral
//! view (`referral_view`), and notes each status change in the engagement log itself
//! (`followed-<referral>`), in the same transaction as the view and the inbox row, so that the
//! lapse rules judge from the engagement log alone. The noted event's id is derived from the
//! referral event's: a redelivery notes nothing twice.

use chrono::{DateTime, Utc};
use contract::events::decode_if;
use eventstore::{
    AppendToStream, EventMetadata, EventStore, ExpectedVersion, HandlerError, NewEvent, Tx, on_conn,
};
use messaging::{BusHandler, ReceivedEvent};
use prost_types::Timestamp;
use proto::referral::v1 as referral;
use referral_view::ReferralView;
use uuid::Uuid;

use crate::app::{SCHEMA_VERSION, service_actor};
use crate::domain::events::{Event, followed_stream};

/// Keeps the referral view and notes referral statuses in the engagement log.
#[derive(Debug)]
pub struct ReferralConsumer {
    store: EventStore,
    tenant: String,
    view: ReferralView,
}

impl ReferralConsumer {
    /// Noting statuses in `store`'s log, for `tenant`.
    pub fn new(store: EventStore, tenant: &str) -> Self {
        Self {
            store,
            tenant: tenant.to_owned(),
            view: ReferralView,
        }
    }
}

fn time(at: Option<&Timestamp>) -> Option<DateTime<Utc>> {
    let at = at?;
    DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).ok()?)
}

/// The person's pseudonym: the envelope's, else the view's (written in this transaction).
async fn subject(
    tx: &mut Tx,
    received: &ReceivedEvent,
    referral_id: Uuid,
) -> Result<String, HandlerError> {
    if let Some(subject) = received.event.metadata.data_subject.clone() {
        return Ok(subject);
    }
    let sql = "SELECT subject FROM referrals WHERE referral_id = $1";
    let id = referral_id.to_string();
    let row: Option<(String,)> = on_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(&id)
        .fetch_optional(conn)
        .await)?;
    Ok(row.map(|(subject,)| subject).unwrap_or_default())
}

impl BusHandler for ReferralConsumer {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        self.view.handle(tx, received).await?;
        let event = &received.event;
        let Some(changed) = decode_if::<referral::ReferralStatusChanged>(
            &received.service,
            &event.event_type,
            &event.payload,
        )?
        else {
            return Ok(());
        };
        let Some(referral_id) = referral_view::referral_of_stream(&event.stream_id) else {
            return Ok(());
        };
        let subject = subject(tx, received, referral_id).await?;
        let at = time(changed.at.as_ref()).unwrap_or(event.occurred_at);
        let noted = Event::ReferralStatusNoted {
            referral_id,
            subject: subject.clone(),
            status: changed.to,
            at,
        };
        let metadata = EventMetadata {
            correlation_id: event.metadata.correlation_id,
            causation_id: Some(event.event_id),
            traceparent: event.metadata.traceparent.clone(),
            actor: service_actor(&self.tenant),
            data_subject: Some(subject).filter(|subject| !subject.is_empty()),
            tenant: self.tenant.clone(),
        };
        let noted = NewEvent::json(
            Uuid::new_v5(&event.event_id, b"noted"),
            noted.event_type(),
            SCHEMA_VERSION,
            at,
            &noted,
            metadata,
        )?;
        let append = AppendToStream {
            stream_id: followed_stream(referral_id),
            expected: ExpectedVersion::Any,
            events: vec![noted],
        };
        self.store.append_in(tx, &[append]).await?;
        Ok(())
    }
}
