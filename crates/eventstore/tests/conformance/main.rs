//! The event log's conformance suite: every test runs against PostgreSQL and SQLite, because
//! the platform promises the same semantics on both.

mod append;
mod concurrency;
mod helpers;
mod integrity;
mod subscriptions;

/// Instantiates each listed `async fn(BackendKind)` once per backend.
macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(testkit::BackendKind::Postgres).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(testkit::BackendKind::Sqlite).await;
                }
            )*
        }
    };
}
pub(crate) use conformance;
