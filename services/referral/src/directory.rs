//! The referral service's view of the directory, kept from the directory service's published
//! events by an idempotent bus consumer.
//!
//! The contract (stream category `service`, published by the directory service):
//! `service_listed {service_id, organisation_id, takes_referrals}`,
//! `service_capacity_changed {service_id, available}`, `service_suspended {service_id}`,
//! `service_reinstated {service_id}`, `service_withdrawn {service_id}`. Other events are
//! ignored, so the directory can publish more without breaking this view.

use eventstore::{EventStore, HandlerError, StoreError, Tx, on_conn, on_pool};
use messaging::{BusHandler, ReceivedEvent};
use serde::Deserialize;

use crate::domain::referral::ServiceAvailability;

/// The consumer's durable name (and inbox key).
pub const CONSUMER: &str = "referral-directory-view";

/// The directory events this view reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DirectoryEvent {
    /// A service was listed (or re-listed with new details).
    ServiceListed {
        service_id: String,
        organisation_id: String,
        takes_referrals: bool,
    },
    /// Its capacity changed; `available` is the places free now.
    ServiceCapacityChanged { service_id: String, available: u32 },
    /// Curators suspended it.
    ServiceSuspended { service_id: String },
    /// Curators reinstated it.
    ServiceReinstated { service_id: String },
    /// It was withdrawn.
    ServiceWithdrawn { service_id: String },
}

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

impl BusHandler for DirectoryView {
    async fn handle(&mut self, tx: &mut Tx, received: &ReceivedEvent) -> Result<(), HandlerError> {
        if received.service != "directory" {
            return Ok(());
        }
        let Ok(event) = received.event.decode::<DirectoryEvent>() else {
            return Ok(()); // not one this view reads
        };
        match event {
            DirectoryEvent::ServiceListed {
                service_id,
                organisation_id,
                takes_referrals,
            } => {
                let sql = "INSERT INTO directory_services \
                           (service_id, organisation_id, takes_referrals, has_capacity, state) \
                           VALUES ($1, $2, $3, TRUE, 'active') \
                           ON CONFLICT (service_id) DO UPDATE SET organisation_id = $2, \
                           takes_referrals = $3";
                on_conn!(tx, |conn| {
                    let query = sqlx::query(sql)
                        .bind(&service_id)
                        .bind(&organisation_id)
                        .bind(takes_referrals);
                    query.execute(conn).await.map(drop)
                })?;
            }
            DirectoryEvent::ServiceCapacityChanged {
                service_id,
                available,
            } => {
                let sql = "UPDATE directory_services SET has_capacity = $2 WHERE service_id = $1";
                on_conn!(tx, |conn| {
                    let query = sqlx::query(sql).bind(&service_id).bind(available > 0);
                    query.execute(conn).await.map(drop)
                })?;
            }
            DirectoryEvent::ServiceSuspended { service_id } => {
                let sql = "UPDATE directory_services SET state = $2 WHERE service_id = $1";
                execute(tx, sql, &service_id, "suspended").await?;
            }
            DirectoryEvent::ServiceReinstated { service_id } => {
                let sql = "UPDATE directory_services SET state = $2 WHERE service_id = $1 AND state = 'suspended'";
                execute(tx, sql, &service_id, "active").await?;
            }
            DirectoryEvent::ServiceWithdrawn { service_id } => {
                let sql = "UPDATE directory_services SET state = $2 WHERE service_id = $1";
                execute(tx, sql, &service_id, "withdrawn").await?;
            }
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
