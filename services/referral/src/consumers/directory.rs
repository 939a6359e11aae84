//! The referral service's view of the directory: which services exist, who provides them, and
//! whether they can take a referral now. Kept from the directory's published events, decoded
//! into the contracts the directory declares (`proto/linkwork/directory/v1/events.proto`), by
//! an idempotent bus consumer. Events this view does not read are skipped, so the directory can
//! publish more without breaking it.

use contract::events::decode_if;
use eventstore::{EventStore, HandlerError, StoreError, Tx, on_conn, on_pool};
use messaging::{BusHandler, ReceivedEvent};
use proto::directory::v1 as directory;

use crate::domain::referral::ServiceAvailability;

/// The producing service.
pub const PRODUCER: &str = "directory";

/// The consumer's durable name (and inbox key).
pub const CONSUMER: &str = "referral-directory-view";

/// Applies directory events to `directory_services` in the consumer's transaction.
#[derive(Debug, Default)]
pub struct DirectoryView;

async fn execute(
    tx: &mut Tx,
    sql: &'static str,
    service_id: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    on_conn!(tx, |conn| {
        let query = sqlx::query(sql).bind(service_id).bind(value);
        query.execute(conn).await.map(drop)
    })
}

/// A payload that breaks its contract fails the delivery, which is retried, loudly, rather
/// than a change to a service's availability being skipped; the directory's contract tests
/// keep that from happening.
impl BusHandler for DirectoryView {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let (service, event) = (received.service.as_str(), &received.event);
        let (kind, payload) = (event.event_type.as_str(), &event.payload[..]);
        if let Some(listed) = decode_if::<directory::ServiceListed>(service, kind, payload)? {
            let sql = "INSERT INTO directory_services \
                       (service_id, organisation_id, takes_referrals, has_capacity, state) \
                       VALUES ($1, $2, $3, TRUE, 'active') \
                       ON CONFLICT (service_id) DO UPDATE SET organisation_id = $2, \
                       takes_referrals = $3";
            on_conn!(tx, |conn| {
                let query = sqlx::query(sql)
                    .bind(&listed.service_id)
                    .bind(&listed.organisation_id)
                    .bind(listed.takes_referrals);
                query.execute(conn).await.map(drop)
            })?;
        } else if let Some(changed) =
            decode_if::<directory::ServiceCapacityChanged>(service, kind, payload)?
        {
            let sql = "UPDATE directory_services SET has_capacity = $2 WHERE service_id = $1";
            on_conn!(tx, |conn| {
                let query = sqlx::query(sql)
                    .bind(&changed.service_id)
                    .bind(changed.available > 0);
                query.execute(conn).await.map(drop)
            })?;
        } else if let Some(suspended) =
            decode_if::<directory::ServiceSuspended>(service, kind, payload)?
        {
            let sql = "UPDATE directory_services SET state = $2 WHERE service_id = $1";
            execute(tx, sql, &suspended.service_id, "suspended").await?;
        } else if let Some(reinstated) =
            decode_if::<directory::ServiceReinstated>(service, kind, payload)?
        {
            let sql = "UPDATE directory_services SET state = $2 \
                       WHERE service_id = $1 AND state = 'suspended'";
            execute(tx, sql, &reinstated.service_id, "active").await?;
        } else if let Some(withdrawn) =
            decode_if::<directory::ServiceWithdrawn>(service, kind, payload)?
        {
            let sql = "UPDATE directory_services SET state = $2 WHERE service_id = $1";
            execute(tx, sql, &withdrawn.service_id, "withdrawn").await?;
        }
        Ok(())
    }
}

/// What the view says of a service, and the organisation providing it (if known).
pub async fn availability(
    store: &EventStore,
    service_id: &str,
) -> Result<(ServiceAvailability, Option<String>), StoreError> {
    let sql = "SELECT organisation_id, takes_referrals, has_capacity, state FROM directory_services WHERE service_id = $1";
    let row: Option<(String, bool, bool, String)> = on_pool!(store, |pool| sqlx::query_as(sql)
        .bind(service_id)
        .fetch_optional(pool)
        .await)?;
    let Some((organisation, takes_referrals, has_capacity, state)) = row else {
        return Ok((ServiceAvailability::Unknown, None));
    };
    let availability = match state.as_str() {
        "withdrawn" => ServiceAvailability::Withdrawn,
        "suspended" => ServiceAvailability::Suspended,
        _ if !takes_referrals => ServiceAvailability::SignpostingOnly,
        _ if !has_capacity => ServiceAvailability::NoCapacity,
        _ => ServiceAvailability::TakingReferrals,
    };
    Ok((availability, Some(organisation)))
}
