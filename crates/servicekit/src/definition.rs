//! A service, as it declares itself to the kit: everything `linkwork up`, `serve`, `replay`
//! and `verify` need to know to run it, configure it, rebuild its projections and check its
//! log, and nothing they would otherwise write out per service.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use eventstore::{EventStore, StoreError};
use messaging::{BusError, BusWiring};

use crate::settings::{Setting, SettingError, Settings};
use crate::storage::StorageError;
use crate::{HostError, Part, Peers, Stopper};

/// A future a service hands the kit.
pub type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something a service does to its own log: migrate it, load demo data into it.
pub type OnLog<E> = for<'a> fn(&'a EventStore) -> Boxed<'a, Result<(), E>>;

/// One service. Its log is named after it (see [`crate::Storage`]), its events are published
/// on its own bus stream, and `linkwork serve <name>` runs it alone.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// Its name: lower-case letters, e.g. `referral`.
    pub name: &'static str,
    /// What it does, in a line, for `linkwork serve --help`.
    pub about: &'static str,
    /// The settings it takes beyond the platform's own.
    pub settings: &'static [Setting],
    /// The services whose published events it consumes (their streams are made before it
    /// starts).
    pub consumes: &'static [&'static str],
    /// Applies its own migrations (read models, reference tables) beside the log's.
    pub migrate: OnLog<StoreError>,
    /// Starts it as a hosting part: its gRPC services, HTTP routes and background tasks.
    pub start: fn(Start) -> Boxed<'static, Result<Part, StartError>>,
    /// Its projections, which `linkwork replay` rebuilds from its log.
    pub projections: &'static [Projection],
    /// What `linkwork up --demo` loads into its log before it starts, if anything (reference
    /// data the demo region needs and no API takes, such as postcode centroids).
    pub demo: Option<OnLog<StartError>>,
    /// The HTTP APIs of its own it serves beside gRPC, for what `linkwork up` tells its user.
    pub http: &'static [HttpApi],
}

/// An HTTP API a service serves under its own path.
#[derive(Debug, Clone, Copy)]
pub struct HttpApi {
    /// Its base path, e.g. `/fhir`.
    pub path: &'static str,
    /// What it is, in a few words.
    pub about: &'static str,
}

/// What a service starts with.
#[derive(Debug, Clone)]
pub struct Start {
    /// Its log, migrated.
    pub store: EventStore,
    /// Its settings, checked.
    pub settings: Settings,
    /// The Integrated Care System this deployment serves, recorded on every event.
    pub tenant: String,
    /// The bus it consumes from; `None` consumes nothing. (What it records is published by
    /// the kit, through its outbox relay.)
    pub wiring: Option<BusWiring>,
    /// Stops its background tasks.
    pub stopper: Stopper,
    /// The other services it may call, by name.
    pub peers: Peers,
}

/// A projection `linkwork replay` can rebuild.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    /// Its name on the command line, e.g. `responsibility`.
    pub name: &'static str,
    /// What it is, for `--help`.
    pub about: &'static str,
    /// Rebuilds it from the log; says what it holds now.
    pub rebuild: fn(Rebuild) -> Boxed<'static, Result<String, StartError>>,
}

/// What a rebuild runs with.
#[derive(Clone)]
pub struct Rebuild {
    /// The service's log.
    pub store: EventStore,
    /// The service's settings.
    pub settings: Settings,
    /// Told how many events have been folded so far.
    pub progress: Arc<dyn Fn(u64) + Send + Sync>,
}

impl std::fmt::Debug for Rebuild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebuild")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// Why a service could not start, or a rebuild could not run.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting cannot be used.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// Its log could not be opened or made.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Its log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Its log failed its integrity check, and is not to be served.
    #[error(transparent)]
    Tampered(#[from] crate::integrity::Tampered),
    /// The bus could not be reached or set up.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// Serving failed.
    #[error(transparent)]
    Host(#[from] HostError),
    /// Something of the service's own.
    #[error("the {service} service could not start")]
    Service {
        /// The service.
        service: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StartError {
    /// `source`, as `service`'s own reason not to start.
    pub fn of(
        service: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Service {
            service,
            source: Box::new(source),
        }
    }
}
