//! Running services in one process: each on its own log, wired to one bus, as parts of one
//! host. `linkwork up` starts every service this way, `linkwork serve` one, and the tests the
//! ones they need, so all three run exactly the same code.

use std::collections::HashMap;
use std::path::Path;

use eventstore::{EventStore, StoreError, on_pool};
use messaging::{Bus, BusWiring, InProcessBus, Relay, RelaySettings};

use crate::definition::{Service, Start, StartError};
use crate::integrity::{self, CheckError, Integrity};
use crate::settings::Settings;
use crate::storage::{Open, Storage};
use crate::{Part, Peers, Stopper};

/// What every service of a process shares.
#[derive(Debug, Clone)]
pub struct Platform {
    /// Where the logs are.
    pub storage: Storage,
    /// The Integrated Care System served.
    pub tenant: String,
    /// The bus; `None` publishes and consumes nothing (a service run alone without NATS).
    pub wiring: Option<BusWiring>,
    /// Stops every service's background tasks.
    pub stopper: Stopper,
    /// The secret that anchors every log's stream heads (`None`: a public label, which
    /// catches accidents but not a forger; tests only).
    pub anchor_key: Option<[u8; 32]>,
    /// What each log is checked for before it is served.
    pub integrity: Integrity,
    /// Where each service finds the others it calls.
    pub peers: Peers,
}

/// NATS JetStream at `nats_url`, or else the durable in-process bus kept in `folder`, under
/// the deployment's `prefix`.
pub async fn open_bus(
    nats_url: Option<&str>,
    folder: &Path,
    prefix: &str,
) -> Result<BusWiring, StartError> {
    let bus = match nats_url {
        Some(url) => Bus::connect_nats(url).await?,
        None => {
            std::fs::create_dir_all(folder).map_err(|error| crate::StorageError::Create {
                database: folder.display().to_string(),
                reason: error.to_string(),
            })?;
            Bus::InProcess(InProcessBus::open(&Storage::bus_url(folder)).await?)
        }
    };
    Ok(BusWiring {
        bus,
        prefix: prefix.to_owned(),
    })
}

/// Opens each service's log (making it when missing), applies its migrations, loads its demo
/// data when `demo`, and starts it with its `settings`; the parts, in order.
///
/// The bus streams of the services and of everything they consume are made first, so no
/// consumer starts before the stream it reads exists. When there is a bus, each service's
/// events leave through its outbox relay, which the kit runs as one of the service's tasks: no
/// service publishes any other way, and what leaves of each event is what its contract
/// declares ([`contract::events::published_payload`]), never what the service keeps to itself.
pub async fn start(
    services: &[(&Service, Settings)],
    platform: &Platform,
    demo: bool,
) -> Result<Vec<Part>, StartError> {
    if let Some(wiring) = &platform.wiring {
        let mut streams: Vec<&str> = Vec::new();
        for (service, _) in services {
            for name in std::iter::once(&service.name).chain(service.consumes) {
                if !streams.contains(name) {
                    streams.push(name);
                }
            }
        }
        for name in streams {
            wiring
                .bus
                .ensure_stream(&wiring.names(name), &RelaySettings::default().stream)
                .await?;
        }
    }
    let mut stores = HashMap::new();
    for (service, _) in services {
        let store = platform
            .storage
            .open(service.name, Open::OrCreate, platform.anchor_key)
            .await?;
        let store = match integrity::checked(service.name, store, platform.integrity).await {
            Ok(store) => store,
            Err(CheckError::Tampered(tampered)) => return Err(tampered.into()),
            Err(CheckError::Store(error)) => return Err(error.into()),
        };
        apply_migrations(
            &store,
            sqlx::migrate!("./migrations"),
            "_servicekit_migrations",
        )
        .await?;
        (service.migrate)(&store).await?;
        if let (true, Some(load)) = (demo, service.demo) {
            load(&store).await?;
        }
        stores.insert(service.name, store);
    }
    let mut parts = Vec::new();
    for (service, settings) in services {
        let Some(store) = stores.remove(service.name) else {
            continue;
        };
        let relay = platform.wiring.as_ref().map(|wiring| {
            let names = wiring.names(service.name);
            Relay::new(
                store.clone(),
                wiring.bus.clone(),
                names,
                RelaySettings::default(),
            )
            .publishing(contract::events::published_payload)
        });
        let start = Start {
            store: store.clone(),
            settings: settings.clone(),
            tenant: platform.tenant.clone(),
            wiring: platform.wiring.clone(),
            stopper: platform.stopper.clone(),
            peers: platform.peers.clone(),
        };
        let mut part = (service.start)(start).await?;
        if !store.is_read_only() {
            part.tasks.push(integrity::keep_checkpointing(
                store.clone(),
                &platform.stopper,
            ));
        }
        part.log = Some(store);
        if let Some(relay) = relay {
            let stopped = platform.stopper.stopped();
            part.tasks
                .push(tokio::spawn(async move { relay.run(stopped).await }));
        }
        parts.push(part);
    }
    Ok(parts)
}

/// Applies a service's own migrations (read models, reference tables) to its log's database,
/// recorded in a migrations table of its own beside the log's.
pub async fn apply_migrations(
    store: &EventStore,
    mut migrator: sqlx::migrate::Migrator,
    table: &'static str,
) -> Result<(), StoreError> {
    migrator.dangerous_set_table_name(table);
    on_pool!(store, |pool| migrator.run(pool).await)?;
    Ok(())
}
