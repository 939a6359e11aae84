//! Engagement: the lapse evaluator's handling of one clock tick over many active referrals.
//! Each referral's watch (`engagement_watch`, the evaluator's read model) is written straight
//! into the table, not folded from the log: active, a provider's register place recorded, one
//! session missed, a quarter with a fortnight of device steps, and each quiet (nothing attended)
//! since a time spread evenly over 100 days, so the time a tick reads sets how many are due
//! under the no-attendance rule (21 days by default). A tick is recorded in the clock's stream
//! as the service's clock records one, and the evaluator's subscription processes it in one
//! batch, timed: the due watches loaded, each judged, saved, and its `engagement_lapsed`
//! appended, the checkpoint saved, committed. Between ticks the evaluator catches up over its
//! own lapses, and the lapses are taken back (`lapsed_rule` cleared; on PostgreSQL the table
//! vacuumed and analysed, as autovacuum would), none of it timed.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use engagement::app::{SCHEMA_VERSION, service_actor};
use engagement::domain::events::{CLOCK_STREAM, Event};
use engagement::domain::lapse::Rules;
use engagement::projections::lapses::{LapseEvaluator, SUBSCRIPTION};
use eventstore::{
    EventMetadata, EventStore, ExpectedVersion, NewEvent, Position, Subscription, on_conn,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::fixtures::{Backends, backend_name, fresh_store};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Which backends to measure.
    #[arg(long, value_enum, default_value = "both")]
    backends: Backends,
    /// Active referrals watched.
    #[arg(long, default_value_t = 100_000)]
    watches: u64,
    /// Shares due at a tick, in per cent, comma-separated: one shape each.
    #[arg(long, value_delimiter = ',', default_values_t = [0.0, 1.0, 100.0])]
    due: Vec<f64>,
    /// Ticks timed in each shape.
    #[arg(long, default_value_t = 3)]
    ticks: usize,
    /// Seed of the watches' contents.
    #[arg(long, default_value_t = 14)]
    seed: u64,
}

/// The tenant of the deployment.
const TENANT: &str = "QWE";
/// The span the watches' quiet times are spread over.
const SPREAD_DAYS: i64 = 100;

/// The ticks of one shape.
#[derive(Debug)]
struct Shape {
    backend: &'static str,
    watches: u64,
    due: u64,
    /// Each tick's batch.
    ticks: Vec<Duration>,
    /// The evaluator catching up over a tick's lapses afterwards.
    caught_up: Vec<Duration>,
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let rules = engagement::config::rules(&servicekit::Settings::default());
    anyhow::ensure!(
        rules.days_without_attendance > 0,
        "the no-attendance rule is off"
    );
    let mut rows = Vec::new();
    for kind in args.backends.kinds() {
        let (_database, store) = fresh_store(kind, 4).await;
        let watched = Watched::new(args.watches);
        engagement::migrate(&store).await?;
        watched.insert(&store, args.seed).await?;
        tidy(&store).await?;
        let subscription = Subscription::new(store.clone(), SUBSCRIPTION);
        let mut evaluator = LapseEvaluator::new(store.clone(), rules);
        for &percent in &args.due {
            let due = ((args.watches as f64) * percent / 100.0).round() as u64;
            let mut shape = Shape {
                backend: backend_name(kind),
                watches: args.watches,
                due: due.min(args.watches),
                ticks: Vec::new(),
                caught_up: Vec::new(),
            };
            for _ in 0..args.ticks {
                record_tick(&store, watched.tick_at(shape.due, rules)).await?;
                visible(&store, &subscription).await?;
                let started = Instant::now();
                let handled = subscription.process_batch(&mut evaluator).await?;
                shape.ticks.push(started.elapsed());
                anyhow::ensure!(
                    handled == 1,
                    "the batch held {handled} events, not the tick"
                );
                let started = Instant::now();
                subscription.catch_up(&mut evaluator).await?;
                shape.caught_up.push(started.elapsed());
                let lapsed = take_back(&store).await?;
                anyhow::ensure!(lapsed == shape.due, "{lapsed} lapsed, {} due", shape.due);
                tidy(&store).await?;
            }
            eprintln!("{shape:?}");
            rows.push(shape);
        }
    }
    print_ticks(&rows);
    Ok(())
}

/// The watches' quiet times: the `n`th watch has been quiet since `first` + `n` × `step`.
#[derive(Debug)]
struct Watched {
    watches: u64,
    first: DateTime<Utc>,
    /// Microseconds between one watch's quiet time and the next's.
    step: i64,
}

impl Watched {
    fn new(watches: u64) -> Self {
        let first = Utc
            .with_ymd_and_hms(2025, 1, 6, 9, 0, 0)
            .single()
            .expect("a valid date");
        let spread = chrono::Duration::days(SPREAD_DAYS)
            .num_microseconds()
            .unwrap_or(0);
        Self {
            watches,
            first,
            step: spread / watches.max(1) as i64,
        }
    }

    /// When the `n`th watch has been quiet since.
    fn quiet_since(&self, n: u64) -> DateTime<Utc> {
        self.first + chrono::Duration::microseconds(self.step * n as i64)
    }

    /// A time at which exactly the first `due` watches are due under `rules`: half a step
    /// after the last of them comes due.
    fn tick_at(&self, due: u64, rules: Rules) -> DateTime<Utc> {
        let days = chrono::Duration::days(i64::from(rules.days_without_attendance));
        self.quiet_since(due) + days - chrono::Duration::microseconds(self.step / 2)
    }

    /// Writes every watch into `engagement_watch`, in one transaction (not measured). Even
    /// ones never attended (quiet since they became active); odd ones attended a month after
    /// becoming active and not since. Referral ids are random, so the order a tick judges them
    /// in (by referral) is not the order they come due in.
    async fn insert(&self, store: &EventStore, seed: u64) -> anyhow::Result<()> {
        let sql = "INSERT INTO engagement_watch (referral_id, subject, active, since_micros, \
                   last_attended_micros, registered, missed_in_a_row, missed_sessions, \
                   lapsed_rule, steps) VALUES ($1, $2, TRUE, $3, $4, TRUE, 1, $5, NULL, $6)";
        let mut rng = StdRng::seed_from_u64(seed);
        let mut tx = store.begin().await?;
        for n in 0..self.watches {
            let quiet = self.quiet_since(n);
            let (since, attended) = match n % 2 {
                0 => (quiet, None),
                _ => (quiet - chrono::Duration::days(30), Some(quiet)),
            };
            let missed = Uuid::from_u128(rng.random()).to_string();
            let steps = match n % 4 {
                0 => fortnight_of_steps(quiet, &mut rng),
                _ => String::new(),
            };
            on_conn!(tx, |conn| sqlx::query(sql)
                .bind(Uuid::from_u128(rng.random()).to_string())
                .bind(format!("hmac-sha256:{:032x}", rng.random::<u128>()))
                .bind(since.timestamp_micros())
                .bind(attended.map(|at| at.timestamp_micros()))
                .bind(&missed)
                .bind(&steps)
                .execute(conn)
                .await
                .map(drop))?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Steps on each of the fourteen days before `until`, as the watch keeps them.
fn fortnight_of_steps(until: DateTime<Utc>, rng: &mut StdRng) -> String {
    let last = until.date_naive();
    let days: Vec<String> = (1..=14)
        .rev()
        .map(|back| {
            let day = last - chrono::Duration::days(back);
            format!("{day}:{}", rng.random_range(2_000..12_000))
        })
        .collect();
    days.join(",")
}

/// Records a tick that read `at`, as the service's clock records one.
async fn record_tick(store: &EventStore, at: DateTime<Utc>) -> anyhow::Result<()> {
    let tick = Event::ClockTicked { at };
    let metadata = EventMetadata {
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        traceparent: None,
        actor: service_actor(TENANT),
        data_subject: None,
        tenant: TENANT.to_owned(),
    };
    let event = NewEvent::json(
        Uuid::now_v7(),
        tick.event_type(),
        SCHEMA_VERSION,
        at,
        &tick,
        metadata,
    )?;
    store
        .append(CLOCK_STREAM, ExpectedVersion::Any, vec![event])
        .await?;
    Ok(())
}

/// Waits until the subscription's next batch would hold the tick. On PostgreSQL an event is
/// read only once no transaction that began before it may still commit, on any database of
/// the server, and other work shares the benchmark's server.
async fn visible(store: &EventStore, subscription: &Subscription) -> anyhow::Result<()> {
    let after = subscription.checkpoint().await?.unwrap_or(Position::START);
    while store.read_all(after, 1).await?.is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// Takes back every lapse the tick raised, so the next tick finds the same watches due;
/// answers how many there were.
async fn take_back(store: &EventStore) -> anyhow::Result<u64> {
    let sql = "UPDATE engagement_watch SET lapsed_rule = NULL WHERE lapsed_rule IS NOT NULL";
    let mut tx = store.begin().await?;
    let taken = on_conn!(tx, |conn| sqlx::query(sql)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    tx.commit().await?;
    Ok(taken)
}

/// On PostgreSQL, what autovacuum (off on the benchmark machine) would have done to the
/// watches and the log by the next tick; nothing on SQLite.
async fn tidy(store: &EventStore) -> anyhow::Result<()> {
    if let Some(pool) = store.pg_pool() {
        sqlx::query("VACUUM ANALYZE engagement_watch")
            .execute(pool)
            .await?;
        sqlx::query("ANALYZE").execute(pool).await?;
    }
    Ok(())
}

fn print_ticks(rows: &[Shape]) {
    println!(
        "| backend | watches | due (lapsed by the tick) | ticks | ms per tick, median | min | max | evaluator's catch-up over its lapses after |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let ms = |elapsed: Duration| elapsed.as_secs_f64() * 1000.0;
    for row in rows {
        let mut ticks = row.ticks.clone();
        ticks.sort();
        let median = ticks.get(ticks.len() / 2).copied().unwrap_or_default();
        let min = ticks.first().copied().unwrap_or_default();
        let max = ticks.last().copied().unwrap_or_default();
        let caught_up: Duration = row.caught_up.iter().sum();
        let caught_up = caught_up / row.caught_up.len().max(1) as u32;
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} ms |",
            row.backend,
            row.watches,
            row.due,
            ticks.len(),
            ms(median),
            ms(min),
            ms(max),
            ms(caught_up),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_finds_exactly_the_first_so_many_watches_quiet_long_enough() {
        let rules = engagement::config::rules(&servicekit::Settings::default());
        let days = chrono::Duration::days(i64::from(rules.days_without_attendance));
        let watched = Watched::new(100_000);
        for due in [0, 1, 1_000, 100_000] {
            let before = watched.tick_at(due, rules) - days;
            let quiet: u64 = [0, 1, 999, 1_000, 99_999]
                .into_iter()
                .filter(|&n| watched.quiet_since(n) <= before)
                .count() as u64;
            let expected = [0, 1, 999, 1_000, 99_999]
                .into_iter()
                .filter(|&n| n < due)
                .count() as u64;
            assert_eq!(quiet, expected, "due {due}");
        }
    }
}
