//! The log and the bus together: relay → bus → consumer, on NATS JetStream and on the
//! in-process bus, with the same expectations of both. PostgreSQL holds the producing and the
//! consuming service's databases, as in production.

pub(crate) mod delivery;
mod faults;

/// Instantiates each listed `async fn(BusKind)` once per bus.
macro_rules! on_both_buses {
    ($($test:ident),* $(,)?) => {
        mod jetstream {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(linkwork_tests::world::BusKind::JetStream).await;
                }
            )*
        }
        mod in_process {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(linkwork_tests::world::BusKind::InProcess).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_buses;
