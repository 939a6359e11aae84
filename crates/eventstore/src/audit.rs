//! The audit of reads of personal data (ISO 27789; security.md §7).
//!
//! Every read of personal health information is recorded before the data leaves the service:
//! who (user, organisation, role), about whom (the pseudonymous subject of care), what (the
//! function and the record), when, why (the request's correlation id) and whether it was
//! allowed. Records go to `access_audit`, a table in the service's log database that the database
//! keeps append-only as it does `events` (UPDATE and DELETE raise), kept at least as long as the
//! records it is about. A batch is one transaction with one INSERT per hundred records; on SQLite
//! it takes the store's writer lock like an append, so audit writes queue with appends rather
//! than failing with `SQLITE_BUSY`.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use crate::{EventStore, StoreError, Tx, TxConn};

/// Whether an audited read was allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessOutcome {
    /// The data was returned.
    Allowed,
    /// The read was refused; recorded all the same, as an attempt.
    Denied,
}

impl AccessOutcome {
    /// The stored name: `allowed` or `denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
        }
    }

    fn parse(stored: &str) -> Result<Self, StoreError> {
        match stored {
            "allowed" => Ok(Self::Allowed),
            "denied" => Ok(Self::Denied),
            other => Err(StoreError::Database(sqlx::Error::Decode(
                format!("unknown access outcome {other:?}").into(),
            ))),
        }
    }
}

/// One read of personal data, as the audit records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// When the read happened. Stored to the microsecond.
    pub at: DateTime<Utc>,
    /// Who read: the user's stable id (never an NHS number).
    pub user: String,
    /// The organisation they read for (ODS code or directory id).
    pub organisation: String,
    /// The role they read in, e.g. `link-worker`.
    pub role: String,
    /// The subject of care: the pseudonymous data-subject id, when the record is about a person.
    pub subject: Option<String>,
    /// What was called, e.g. `referral.GetHandoffTrail`.
    pub function: String,
    /// The id of the record read.
    pub record: String,
    /// Why: the correlation id of the request that read it.
    pub correlation_id: Uuid,
    /// Whether the read was allowed.
    pub outcome: AccessOutcome,
}

/// Records per INSERT: 9 parameters each stays far below SQLite's and PostgreSQL's limits.
const CHUNK: usize = 100;

const INSERT: &str = "INSERT INTO access_audit (accessed_at, user_id, organisation, role, \
                      subject, function, record, correlation_id, outcome) ";

/// The newest reads where `$column` is `$1`, up to `$2` of them. Both columns are indexed with
/// the time, so this reads the index backwards.
macro_rules! newest_where {
    ($column:literal) => {
        concat!(
            "SELECT accessed_at, user_id, organisation, role, subject, function, record, \
             correlation_id, outcome FROM access_audit WHERE ",
            $column,
            " = $1 ORDER BY accessed_at DESC, entry DESC LIMIT $2"
        )
    };
}

type AccessRow = (
    DateTime<Utc>,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Uuid,
    String,
);

/// Builds the INSERT of one chunk for backend `$db`.
macro_rules! insert_chunk {
    ($db:ty, $chunk:expr) => {{
        let mut builder = sqlx::QueryBuilder::<$db>::new(INSERT);
        builder.push_values($chunk, |mut row, record: &AccessRecord| {
            row.push_bind(record.at.trunc_subsecs(6))
                .push_bind(record.user.as_str())
                .push_bind(record.organisation.as_str())
                .push_bind(record.role.as_str())
                .push_bind(record.subject.as_deref())
                .push_bind(record.function.as_str())
                .push_bind(record.record.as_str())
                .push_bind(record.correlation_id)
                .push_bind(record.outcome.as_str());
        });
        builder
    }};
}

fn decode(rows: Vec<AccessRow>) -> Result<Vec<AccessRecord>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let (at, user, organisation, role, subject, function, record, correlation_id, outcome) =
                row;
            Ok(AccessRecord {
                at,
                user,
                organisation,
                role,
                subject,
                function,
                record,
                correlation_id,
                outcome: AccessOutcome::parse(&outcome)?,
            })
        })
        .collect()
}

impl EventStore {
    /// Records `records` in the access audit, all or none, in one transaction. Call it before
    /// the data read leaves the service: a read whose audit failed must not be answered.
    #[tracing::instrument(skip_all, fields(records = records.len()), err)]
    pub async fn record_access(&self, records: &[AccessRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        self.record_access_in(&mut tx, records).await?;
        tx.commit().await
    }

    /// Like [`EventStore::record_access`], inside the caller's transaction.
    pub async fn record_access_in(
        &self,
        tx: &mut Tx,
        records: &[AccessRecord],
    ) -> Result<(), StoreError> {
        for chunk in records.chunks(CHUNK) {
            match tx.conn() {
                TxConn::Postgres(conn) => {
                    let mut insert = insert_chunk!(sqlx::Postgres, chunk);
                    insert.build().execute(conn).await.map(drop)
                }
                TxConn::Sqlite(conn) => {
                    let mut insert = insert_chunk!(sqlx::Sqlite, chunk);
                    insert.build().execute(conn).await.map(drop)
                }
            }?;
        }
        Ok(())
    }

    /// Up to `limit` recorded reads about `subject`, newest first: "who has viewed this
    /// person's records?"
    pub async fn accesses_to(
        &self,
        subject: &str,
        limit: usize,
    ) -> Result<Vec<AccessRecord>, StoreError> {
        self.newest_accesses(newest_where!("subject"), subject, limit)
            .await
    }

    /// Up to `limit` recorded reads of the record `record`, newest first.
    pub async fn accesses_by_record(
        &self,
        record: &str,
        limit: usize,
    ) -> Result<Vec<AccessRecord>, StoreError> {
        self.newest_accesses(newest_where!("record"), record, limit)
            .await
    }

    async fn newest_accesses(
        &self,
        sql: &'static str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<AccessRecord>, StoreError> {
        let limit = limit.clamp(1, 100_000) as i64;
        let rows: Vec<AccessRow> = crate::on_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(value)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        decode(rows)
    }
}
