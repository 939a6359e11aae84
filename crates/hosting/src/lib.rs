//! Hosting services: each service builds a [`Part`] — its gRPC services, its HTTP routes and
//! its background tasks — and [`host`] runs any number of parts on one gRPC listener (with
//! health and reflection) and one HTTP listener until shutdown, then stops every task.
//!
//! One part per process is what Kubernetes runs (`linkwork serve <service>`); every part in
//! one process is `linkwork up`. The services cannot tell the difference.

mod host;
mod stop;
mod validate;

pub use host::{GrpcService, HostError, Listeners, Part, host};
pub use stop::Stopper;
pub use validate::{MAX_REQUEST_BYTES, ValidationLayer};
