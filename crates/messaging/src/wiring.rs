//! How a service is wired to the bus: which bus, and the deployment's prefix.

use crate::{Bus, BusNames};

/// Where a service publishes its events and reads other services'.
#[derive(Debug, Clone)]
pub struct BusWiring {
    /// NATS JetStream or the in-process bus.
    pub bus: Bus,
    /// The deployment's subject prefix, e.g. `linkwork`.
    pub prefix: String,
}

impl BusWiring {
    /// The stream and subject names of `service` in this deployment.
    pub fn names(&self, service: &str) -> BusNames {
        BusNames::new(&self.prefix, service)
    }
}
