//! The in-process bus: JetStream's delivery semantics without a NATS server, for the embedded
//! single-process mode.
//!
//! Messages are stored durably in an SQLite file, deduplicated by message id, and delivered to
//! each durable consumer in order, one at a time, until acknowledged; a consumer that stops
//! before acknowledging gets the message again when it restarts. That is what the relay and
//! consumers rely on from JetStream, so the same code runs over either.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, watch};

use crate::BusError;
use crate::names::subject_matches;

/// A durable, in-process message bus stored in one SQLite file.
#[derive(Debug, Clone)]
pub struct InProcessBus {
    pool: SqlitePool,
    published: Arc<watch::Sender<u64>>,
    /// One writer at a time, queued here: SQLite's own busy handler backs off in sleeps of up
    /// to 100 ms, which under a slow disk turns contention between the relay and consumers
    /// into seconds of latency.
    writer: Arc<Mutex<()>>,
}

/// A message handed to an in-process consumer.
#[derive(Debug, Clone)]
pub(crate) struct InProcessMessage {
    pub(crate) seq: i64,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) payload: Vec<u8>,
}

/// How many messages a consumer scans per query when skipping ones its filter does not match.
const SCAN: i64 = 256;

impl InProcessBus {
    /// Opens (creating if needed) the bus stored at `url` (`sqlite:…`).
    pub async fn open(url: &str) -> Result<Self, BusError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.dangerous_set_table_name("_bus_migrations");
        migrator
            .run(&pool)
            .await
            .map_err(|e| BusError::InProcess(e.into()))?;
        Ok(Self {
            pool,
            published: Arc::new(watch::channel(0).0),
            writer: Arc::new(Mutex::new(())),
        })
    }

    /// Creates the stream if it does not exist.
    pub(crate) async fn ensure_stream(
        &self,
        name: &str,
        subjects: &[String],
    ) -> Result<(), BusError> {
        let subjects = serde_json::to_string(subjects).unwrap_or_default();
        sqlx::query(
            "INSERT INTO bus_streams (name, subjects) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(name)
        .bind(subjects)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a message once per `msg_id`; returns its sequence and whether it was a duplicate.
    pub(crate) async fn publish(
        &self,
        stream: &str,
        subject: &str,
        msg_id: &str,
        headers: &[(String, String)],
        payload: &[u8],
    ) -> Result<(i64, bool), BusError> {
        let headers = serde_json::to_string(headers).unwrap_or_default();
        let _writing = self.writer.lock().await;
        let inserted: Result<Option<(i64,)>, sqlx::Error> = sqlx::query_as(
            "INSERT INTO bus_messages (stream, subject, msg_id, headers, payload) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (stream, msg_id) DO NOTHING RETURNING seq",
        )
        .bind(stream)
        .bind(subject)
        .bind(msg_id)
        .bind(headers)
        .bind(payload)
        .fetch_optional(&self.pool)
        .await;
        let inserted = match inserted {
            Err(error) if is_foreign_key_violation(&error) => {
                return Err(BusError::NoSuchStream(stream.to_owned()));
            }
            other => other?,
        };
        if let Some((seq,)) = inserted {
            self.published.send_modify(|count| *count += 1);
            return Ok((seq, false));
        }
        let (seq,): (i64,) =
            sqlx::query_as("SELECT seq FROM bus_messages WHERE stream = $1 AND msg_id = $2")
                .bind(stream)
                .bind(msg_id)
                .fetch_one(&self.pool)
                .await?;
        Ok((seq, true))
    }

    /// Creates the durable consumer if it does not exist.
    pub(crate) async fn ensure_consumer(
        &self,
        stream: &str,
        name: &str,
        filter: &str,
    ) -> Result<(), BusError> {
        let created = sqlx::query(
            "INSERT INTO bus_consumers (stream, name, filter) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(stream)
        .bind(name)
        .bind(filter)
        .execute(&self.pool)
        .await;
        match created {
            Err(error) if is_foreign_key_violation(&error) => {
                Err(BusError::NoSuchStream(stream.to_owned()))
            }
            other => other.map(drop).map_err(Into::into),
        }
    }

    /// The next message the consumer has not acknowledged, if any.
    pub(crate) async fn next(
        &self,
        stream: &str,
        consumer: &str,
    ) -> Result<Option<InProcessMessage>, BusError> {
        let (filter, acked): (String, i64) = sqlx::query_as(
            "SELECT filter, acked_seq FROM bus_consumers WHERE stream = $1 AND name = $2",
        )
        .bind(stream)
        .bind(consumer)
        .fetch_one(&self.pool)
        .await?;
        let mut cursor = acked;
        loop {
            let rows: Vec<(i64, String, String, Vec<u8>)> = sqlx::query_as(
                "SELECT seq, subject, headers, payload FROM bus_messages \
                 WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(stream)
            .bind(cursor)
            .bind(SCAN)
            .fetch_all(&self.pool)
            .await?;
            let scanned = rows.len() as i64;
            for (seq, subject, headers, payload) in rows {
                if subject_matches(&filter, &subject) {
                    return Ok(Some(InProcessMessage {
                        seq,
                        headers: serde_json::from_str(&headers).unwrap_or_default(),
                        payload,
                    }));
                }
                cursor = seq;
            }
            // Messages the filter skips count as acknowledged, as in JetStream.
            if cursor > acked {
                self.ack(stream, consumer, cursor).await?;
            }
            if scanned < SCAN {
                return Ok(None);
            }
        }
    }

    /// Acknowledges every message of the consumer up to `seq`.
    pub(crate) async fn ack(&self, stream: &str, consumer: &str, seq: i64) -> Result<(), BusError> {
        let _writing = self.writer.lock().await;
        sqlx::query(
            "UPDATE bus_consumers SET acked_seq = max(acked_seq, $3) WHERE stream = $1 AND name = $2",
        )
        .bind(stream)
        .bind(consumer)
        .bind(seq)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Changes whenever a message is stored.
    pub(crate) fn published(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// Messages stored in `stream`, duplicates excluded (they are never stored).
    pub async fn message_count(&self, stream: &str) -> Result<u64, BusError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM bus_messages WHERE stream = $1")
                .bind(stream)
                .fetch_one(&self.pool)
                .await?;
        Ok(count as u64)
    }
}

fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|db| db.is_foreign_key_violation())
}
