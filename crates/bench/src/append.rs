//! Durable single-event appends per second, 1 and 16 writers, beside a plain INSERT of a
//! same-sized row into a plain table of the same database in the same run.

use std::time::{Duration, Instant};

use eventstore::{EventStore, ExpectedVersion, TxConn};

use crate::fixtures::{Backends, backend_name, event, fresh_store, rate};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Which backends to measure.
    #[arg(long, value_enum, default_value = "both")]
    backends: Backends,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent writers, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 16])]
    writers: Vec<usize>,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let duration = Duration::from_secs(args.seconds);
    println!(
        "| backend | writers | log appends/s | plain INSERTs/s | log ÷ plain | stored row bytes |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for kind in args.backends.kinds() {
        for &writers in &args.writers {
            let (_database, store) = fresh_store(kind, writers as u32 + 4).await;
            let appends = appends_per_second(&store, writers, duration).await?;
            let row_bytes = stored_row_bytes(&store).await?;
            create_plain_table(&store).await?;
            let inserts = inserts_per_second(&store, writers, duration, row_bytes).await?;
            println!(
                "| {} | {writers} | {appends:.0} | {inserts:.0} | {:.2} | {row_bytes} |",
                backend_name(kind),
                appends / inserts
            );
        }
    }
    Ok(())
}

/// Each writer appends one event per transaction to its own stream, with the exact expected
/// version, as a command handler does.
async fn appends_per_second(
    store: &EventStore,
    writers: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                let stream = format!("bench-{writer}");
                let mut version = 0;
                while Instant::now() < deadline {
                    let expected = match version {
                        0 => ExpectedVersion::NoStream,
                        v => ExpectedVersion::Exact(v),
                    };
                    version = store
                        .append(&stream, expected, vec![event(version)])
                        .await?
                        .last_version();
                }
                anyhow::Ok(version)
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    Ok(rate(total, start.elapsed()))
}

/// The average stored size of an event row, so the plain rows match it.
async fn stored_row_bytes(store: &EventStore) -> anyhow::Result<usize> {
    let mut tx = store.begin().await?;
    let (bytes,): (f64,) = match tx.conn() {
        TxConn::Postgres(conn) => {
            sqlx::query_as("SELECT avg(pg_column_size(e.*))::float8 FROM events e")
                .fetch_one(conn)
                .await?
        }
        TxConn::Sqlite(conn) => {
            sqlx::query_as(
                "SELECT avg(length(event_id) + length(stream_id) + length(event_type) + 16 + \
                 length(occurred_at) + length(recorded_at) + length(correlation_id) + \
                 coalesce(length(causation_id), 0) + coalesce(length(traceparent), 0) + \
                 length(actor_id) + length(actor_organisation) + length(actor_role) + \
                 coalesce(length(data_subject), 0) + length(tenant) + length(payload) + 64 + 8) \
                 FROM events",
            )
            .fetch_one(conn)
            .await?
        }
    };
    tx.rollback().await?;
    Ok(bytes as usize)
}

async fn create_plain_table(store: &EventStore) -> anyhow::Result<()> {
    if let Some(pool) = store.pg_pool() {
        sqlx::query("CREATE TABLE plain (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body BYTEA NOT NULL)")
            .execute(pool)
            .await?;
    }
    if let Some(pool) = store.sqlite_pool() {
        sqlx::query(
            "CREATE TABLE plain (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL)",
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Each writer inserts one row per (autocommit, durable) transaction.
async fn inserts_per_second(
    store: &EventStore,
    writers: usize,
    duration: Duration,
    row_bytes: usize,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let store = store.clone();
            let body = vec![b'x'; row_bytes];
            tokio::spawn(async move {
                let mut count = 0u64;
                let sql = "INSERT INTO plain (body) VALUES ($1)";
                while Instant::now() < deadline {
                    if let Some(pool) = store.pg_pool() {
                        sqlx::query(sql).bind(&body).execute(pool).await?;
                    } else if let Some(pool) = store.sqlite_pool() {
                        sqlx::query(sql).bind(&body).execute(pool).await?;
                    }
                    count += 1;
                }
                anyhow::Ok(count)
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    Ok(rate(total, start.elapsed()))
}
