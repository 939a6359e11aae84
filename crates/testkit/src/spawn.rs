//! Services run for a test exactly as `linkwork up` and `serve` run them — through the service
//! kit, on their own logs, hosted on free ports, each the others' peer on the process's own
//! listener as under `up` — and stopped when the test lets go of them.

use std::net::SocketAddr;

use eventstore::EventStore;
use messaging::BusWiring;
use servicekit::{HostError, Listeners, Peers, Service, Settings, Stopper};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

use crate::{BackendKind, TestStorage};

/// Services serving until dropped.
#[derive(Debug)]
pub struct Spawned {
    /// The gRPC listener's address.
    pub grpc: SocketAddr,
    /// The HTTP listener's address.
    pub http: SocketAddr,
    /// A channel to the gRPC listener.
    pub channel: Channel,
    /// Where their logs are.
    pub storage: TestStorage,
    stop: Option<oneshot::Sender<()>>,
    hosted: Option<JoinHandle<Result<(), HostError>>>,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Spawned {
    /// `service`'s log (the same database the service writes).
    pub async fn store(&self, service: &str) -> EventStore {
        self.storage.store(service).await
    }

    /// Stops them as Ctrl-C stops `linkwork up`, and says how the host ended.
    pub async fn stop(mut self) -> Result<(), HostError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.hosted.take() {
            Some(hosted) => hosted
                .await
                .unwrap_or_else(|error| Err(HostError::Http(std::io::Error::other(error)))),
            None => Ok(()),
        }
    }
}

/// Routes of the process's own, made once the gRPC address is known (the JSON API).
type Routes = Box<dyn FnOnce(SocketAddr) -> axum::Router + Send>;

/// What to spawn.
pub struct Spawn {
    services: Vec<(&'static Service, Settings)>,
    kind: BackendKind,
    storage: Option<TestStorage>,
    wiring: Option<BusWiring>,
    routes: Routes,
    demo: bool,
    /// Peers aimed elsewhere than the process's own listener, by service.
    elsewhere: Vec<(String, String)>,
}

impl std::fmt::Debug for Spawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawn")
            .field("services", &self.services)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Spawn {
    /// `service` with `settings`, on `kind` logs, with no bus.
    pub fn new(service: &'static Service, settings: Settings, kind: BackendKind) -> Self {
        Self {
            services: vec![(service, settings)],
            kind,
            storage: None,
            wiring: None,
            routes: Box::new(|_| axum::Router::new()),
            demo: false,
            elsewhere: Vec::new(),
        }
    }

    /// Another service beside it.
    pub fn and(mut self, service: &'static Service, settings: Settings) -> Self {
        self.services.push((service, settings));
        self
    }

    /// On `storage`, whose logs the test has already written to (the services fold what is
    /// there as they start).
    pub fn on(mut self, storage: TestStorage) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Wired to a bus: relays publish, consumers read.
    pub fn wired(mut self, wiring: BusWiring) -> Self {
        self.wiring = Some(wiring);
        self
    }

    /// With the demo's reference data loaded first.
    pub fn with_demo_data(mut self) -> Self {
        self.demo = true;
        self
    }

    /// With peer `service` at `url` rather than on the process's own listener: a port nobody
    /// listens on, say, or a listener that never answers.
    pub fn with_peer(mut self, service: &str, url: &str) -> Self {
        self.elsewhere.push((service.to_owned(), url.to_owned()));
        self
    }

    /// With routes of the process's own beside the services', made from the gRPC address.
    pub fn with_routes(
        mut self,
        routes: impl FnOnce(SocketAddr) -> axum::Router + Send + 'static,
    ) -> Self {
        self.routes = Box::new(routes);
        self
    }

    /// Starts them; panics if they cannot start.
    pub async fn start(self) -> Spawned {
        crate::init_logging();
        let storage = match self.storage {
            Some(storage) => storage,
            None => TestStorage::new(self.kind).await,
        };
        let grpc_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let http_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let grpc = grpc_listener.local_addr().expect("address");
        let http = http_listener.local_addr().expect("address");
        let stopper = Stopper::new();
        // As under `up`: every service spawned is the others' peer, on this very listener.
        let mut peers = Peers::in_process(grpc, self.services.iter().map(|(s, _)| s.name));
        for (service, url) in &self.elsewhere {
            peers = peers.with(service, url).expect("a usable peer URL");
        }
        let platform = servicekit::Platform {
            storage: storage.storage.clone(),
            tenant: "QWE".to_owned(),
            wiring: self.wiring,
            stopper: stopper.clone(),
            anchor_key: None,
            integrity: servicekit::Integrity::default(),
            peers,
        };
        let parts = servicekit::start(&self.services, &platform, self.demo)
            .await
            .expect("the services start");
        let routes = (self.routes)(grpc);
        let (stop, stopped) = oneshot::channel::<()>();
        let listeners = Listeners {
            grpc: grpc_listener,
            http: http_listener,
        };
        let hosted = tokio::spawn(servicekit::host(
            listeners,
            parts,
            routes,
            crate::issuer().verifier(),
            stopper,
            async {
                stopped.await.ok();
            },
        ));
        let channel = Endpoint::from_shared(format!("http://{grpc}"))
            .expect("an endpoint")
            .connect()
            .await
            .expect("the services listen");
        Spawned {
            grpc,
            http,
            channel,
            storage,
            stop: Some(stop),
            hosted: Some(hosted),
        }
    }
}
