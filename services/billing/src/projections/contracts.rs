//! Each contract's parties, kept by the accrual processor in its own transaction as it meets
//! `contract_agreed` in the log, so that a fact reaches exactly the contracts agreed before it
//! in the log's order.

use chrono::{DateTime, Utc};
use eventstore::{Tx, on_conn};
use uuid::Uuid;

/// A contract as the processor knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The contract.
    pub contract_id: Uuid,
    /// The provider it pays.
    pub provider: String,
}

/// Keeps contract `contract_id` between `commissioner` and `provider`, agreed `at`.
pub async fn save(
    tx: &mut Tx,
    contract_id: Uuid,
    commissioner: &str,
    provider: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO billing_contracts (contract_id, commissioner, provider, \
               agreed_micros) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    let id = contract_id.to_string();
    on_conn!(tx, |conn| sqlx::query(sql)
        .bind(&id)
        .bind(commissioner)
        .bind(provider)
        .bind(at.timestamp_micros())
        .execute(conn)
        .await
        .map(drop))
}

/// The contracts paying `provider`, or every contract when `provider` is `None`; by id.
pub async fn paying(tx: &mut Tx, provider: Option<&str>) -> Result<Vec<Known>, sqlx::Error> {
    let sql = "SELECT contract_id, provider FROM billing_contracts \
               WHERE ($1 IS NULL OR provider = $1) ORDER BY contract_id";
    let rows: Vec<(String, String)> = on_conn!(tx, |conn| sqlx::query_as(sql)
        .bind(provider)
        .fetch_all(conn)
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, provider)| {
            Some(Known {
                contract_id: Uuid::try_parse(&id).ok()?,
                provider,
            })
        })
        .collect())
}

/// Forgets every contract, for a rebuild.
pub async fn reset(tx: &mut Tx) -> Result<(), sqlx::Error> {
    on_conn!(tx, |conn| sqlx::query("DELETE FROM billing_contracts")
        .execute(conn)
        .await
        .map(drop))
}
