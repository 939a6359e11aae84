//! Test support shared by every crate's tests.
//!
//! - [`TestDatabase`]: a fresh PostgreSQL database (or SQLite file) per test, dropped after it.
//! - [`Spawn`]: services started as `linkwork up` starts them, through the service kit, on
//!   logs of the test's own ([`TestStorage`]), on free ports.
//! - [`TestNats`]: the shared NATS server with a subject prefix and stream names of the test's
//!   own, deleted after it; [`NatsServer`]: a private nats-server child process for tests that
//!   stop and restart the broker.
//! - [`issuer`]: the tests' identity provider; [`token`] signs a caller in; [`http::call`]
//!   sends one signed-in request to a service's HTTP routes.
//! - [`given`]: given/when/then for deciders.
//! - [`committed_events`]: the whole log, once other tests' transactions let it be read.
//!
//! Tests talk to real PostgreSQL and NATS. When either is unreachable the test fails with a
//! message saying how to start it: nothing is skipped.

mod database;
mod given;
pub mod http;
mod log;
mod logging;
mod nats;
mod spawn;
mod storage;
mod tokens;

pub use database::{BackendKind, TestDatabase, postgres_admin_url};
pub use given::{Given, When, given};
pub use log::committed_events;
pub use logging::init_logging;
pub use nats::{NatsServer, TestNats, nats_url};
pub use spawn::{Spawn, Spawned};
pub use storage::TestStorage;
pub use tokens::{TEST_AUDIENCE, TEST_ISSUER, TestIdentityProvider, issuer, signed_in, token};

/// A short unique suffix for names of things a test creates.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Runs each named `async fn(BackendKind)` as two tests, in modules `postgres` and `sqlite`:
/// the same behaviour proven on both backends of the log.
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::BackendKind::Postgres).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::BackendKind::Sqlite).await;
                }
            )*
        }
    };
}
