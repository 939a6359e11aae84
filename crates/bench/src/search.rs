//! Directory search: the latency of the link worker's question ("what near this person meets
//! this need and can take them?") over a realistic synthetic region.
//!
//! The region is written through the log as the directory's own events, the index is built by
//! replaying it ([`LiveIndex::start`]), and each query is timed around
//! `index.read().search(..)`, exactly what a request handler does. Everything is seeded, so two
//! runs search the same region with the same queries.

mod region;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Period, Utc};
use directory::domain::geo::Point;
use directory::projections::index::{LiveIndex, Near, PageRequest, Query, Sort};
use eventstore::{Backend, EventStore, StoreOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use testkit::TestDatabase;

use self::region::{CENTRE, HALF_BOX, NEEDS, QUERY_WORDS, Region, pick};
use crate::fixtures::rate;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Services in the region (with one organisation per 25 and one location per 5).
    #[arg(long, default_value_t = 50_000)]
    services: usize,
    /// Timed queries of each shape.
    #[arg(long, default_value_t = 10_000)]
    queries: usize,
    /// Where the log lives: a fresh SQLite file in a temporary folder, or a fresh database on
    /// the shared PostgreSQL server (`LINKWORK_TEST_POSTGRES_URL`), dropped after the run.
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: Log,
    /// An existing, empty log to write the region to instead (`postgres://…/<database>`).
    #[arg(long)]
    database_url: Option<String>,
    /// Seed of the region and the queries.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Untimed queries of each shape before the timed ones.
const WARM_UP: usize = 1_000;
/// The radius of both query shapes.
const WITHIN_M: f64 = 5_000.0;

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.services > 0 && args.queries > 0,
        "services and queries must be above zero"
    );
    let (_database, store) = open(args.backend, args.database_url.as_deref()).await?;
    let mut region = Region::new(args.services, args.seed);
    let started = Instant::now();
    let events = region.write(&store).await?;
    let load = started.elapsed();
    let rss_before = resident_mib();

    let started = Instant::now();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (index, tailer) = LiveIndex::start(store.clone(), Period::days(365), async move {
        stopped.await.ok();
    })
    .await?;
    let replay = started.elapsed();
    let rss_after = resident_mib();
    let services = index.read().service_count();
    anyhow::ensure!(
        services == args.services,
        "the index holds {services} services"
    );

    let backend = match store.backend() {
        Backend::Postgres => "PostgreSQL",
        Backend::Sqlite => "SQLite",
    };
    println!(
        "| backend | services | organisations | locations | events | load | replay (`LiveIndex::start`) | replay rate | RSS before replay | RSS after replay |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {backend} | {services} | {} | {} | {events} | {:.0} ev/s | {:.2} s | {:.0} ev/s | {rss_before} | {rss_after} |",
        region.organisations,
        region.locations,
        rate(events, load),
        replay.as_secs_f64(),
        rate(events, replay),
    );
    println!();
    search_all(&index, &args, region.now, backend).await?;
    stop.send(()).ok();
    tailer.await?;
    Ok(())
}

/// Measures each query shape in turn, off the async workers (a search is synchronous).
async fn search_all(
    index: &LiveIndex,
    args: &Args,
    now: DateTime<Utc>,
    backend: &str,
) -> anyhow::Result<()> {
    println!(
        "| backend | query | queries | mean µs | p50 µs | p90 µs | p99 µs | max µs | mean hits | mean total | answers digest |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut queries = StdRng::seed_from_u64(args.seed.wrapping_add(1));
    for shape in [Shape::TermNear, Shape::TextNear, Shape::Listing] {
        let batch: Vec<Query> = (0..WARM_UP + args.queries)
            .map(|_| shape.query(&mut queries))
            .collect();
        let live = index.clone();
        let measured = tokio::task::spawn_blocking(move || measure(&live, &batch, now)).await?;
        measured.print(backend, shape.name());
    }
    Ok(())
}

/// The backend of a fresh log.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Log {
    Sqlite,
    Postgres,
}

/// The store on `url`, which must hold an empty log, or on a fresh database of `backend`
/// (kept alive, and on PostgreSQL dropped, by the returned guard).
async fn open(
    backend: Log,
    url: Option<&str>,
) -> anyhow::Result<(Option<TestDatabase>, EventStore)> {
    let Some(url) = url else {
        let database = match backend {
            Log::Sqlite => TestDatabase::sqlite(),
            Log::Postgres => TestDatabase::postgres().await,
        };
        let store = database.store_with(StoreOptions::default()).await;
        return Ok((Some(database), store));
    };
    let store = EventStore::connect(url, StoreOptions::default()).await?;
    anyhow::ensure!(
        store.head_position().await?.is_none(),
        "the log at --database-url is not empty; give a fresh database"
    );
    Ok((None, store))
}

/// The query shapes measured.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// One need, near a point, takes referrals and has room: the link worker's question.
    TermNear,
    /// Words typed into the search box, near a point, takes referrals and has room.
    TextNear,
    /// A page of every active service by name, as an ORUK feed consumer pages through
    /// `/oruk/services`.
    Listing,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Self::TermNear => "term + 5 km",
            Self::TextNear => "text + 5 km",
            Self::Listing => "listing by name",
        }
    }

    fn query(self, rng: &mut StdRng) -> Query {
        let near = |rng: &mut StdRng| Query {
            near: Some(Near {
                point: Point {
                    latitude: CENTRE.0 + rng.random_range(-HALF_BOX.0..HALF_BOX.0),
                    longitude: CENTRE.1 + rng.random_range(-HALF_BOX.1..HALF_BOX.1),
                },
                within_m: Some(WITHIN_M),
            }),
            takes_referrals: true,
            with_capacity: true,
            page: PageRequest {
                number: 1,
                size: 20,
            },
            ..Query::default()
        };
        // The point is drawn before the need or words, so the same seed gives the same
        // queries as earlier runs in docs/benchmarks.md.
        match self {
            Self::TermNear => {
                let near = near(rng);
                Query {
                    taxonomy_terms: vec![pick(rng, &NEEDS).id.to_owned()],
                    ..near
                }
            }
            Self::TextNear => {
                let near = near(rng);
                Query {
                    text: Some(pick(rng, &QUERY_WORDS).to_string()),
                    ..near
                }
            }
            Self::Listing => Query {
                sort: Sort::Name,
                page: PageRequest {
                    number: rng.random_range(1..=100),
                    size: 50,
                },
                ..Query::default()
            },
        }
    }
}

/// Latencies of one shape, and what its queries returned.
#[derive(Debug)]
struct Measured {
    samples: Vec<Duration>,
    hits: usize,
    total: usize,
    /// A hash of every timed query's page (ids, in order) and total: two runs (or two
    /// versions of the index) with the same digest gave the same answers.
    answers: DefaultHasher,
}

/// Runs the warm-up queries untimed, then times each of the rest.
fn measure(index: &LiveIndex, queries: &[Query], now: DateTime<Utc>) -> Measured {
    let (warm_up, timed) = queries.split_at(WARM_UP.min(queries.len()));
    for query in warm_up {
        std::hint::black_box(index.read().search(query, now));
    }
    let mut measured = Measured {
        samples: Vec::with_capacity(timed.len()),
        hits: 0,
        total: 0,
        answers: DefaultHasher::new(),
    };
    for query in timed {
        let started = Instant::now();
        let results = index.read().search(query, now);
        measured.samples.push(started.elapsed());
        measured.hits += results.hits.len();
        measured.total += results.total;
        results.total.hash(&mut measured.answers);
        for hit in &results.hits {
            hit.service.id.hash(&mut measured.answers);
        }
    }
    measured.samples.sort_unstable();
    measured
}

impl Measured {
    fn print(&self, backend: &str, shape: &str) {
        let count = self.samples.len();
        let micros = |d: Duration| d.as_secs_f64() * 1e6;
        let mean = self.samples.iter().map(|d| micros(*d)).sum::<f64>() / count as f64;
        let at =
            |p: f64| micros(self.samples[((p * count as f64).ceil() as usize).clamp(1, count) - 1]);
        println!(
            "| {backend} | {shape} | {count} | {mean:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {:.0} | `{:016x}` |",
            at(0.50),
            at(0.90),
            at(0.99),
            at(1.0),
            self.hits as f64 / count as f64,
            self.total as f64 / count as f64,
            self.answers.finish(),
        );
    }
}

/// The process's resident set, from `/proc/self/status` (Linux only).
fn resident_mib() -> String {
    let kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))?;
            line.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()
        });
    kib.map_or_else(|| "n/a".to_owned(), |kib| format!("{} MiB", kib / 1024))
}
