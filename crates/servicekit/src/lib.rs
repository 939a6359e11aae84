//! The service kit: one seam for every service.
//!
//! A service declares itself once, as a [`Service`]: its name, its [`Setting`]s, its
//! migrations, how it starts as a hosting [`Part`], its [`Projection`]s and what the demo loads
//! into it. The `linkwork` binary keeps the list of them and every command iterates it; the
//! kit does the rest the same way for all of them:
//!
//! - [`Storage`]: where each service's log is, named from one deployment setting.
//! - [`Settings`]: each setting as a flag, an environment variable and a config-file key,
//!   checked, and secrets from the environment or the data folder.
//! - [`start`]: logs opened, checked ([`Integrity`]: anchored heads, or every chain) and
//!   migrated, bus streams made, services started; each service's events published through
//!   its outbox relay, only what their contracts declare.
//! - [`Peers`]: the other services a service calls, by name: the process's own listener under
//!   `up`, where the deployment says under `serve`.
//! - [`authenticate`](AuthenticationLayer): every caller's bearer token verified, and their
//!   role held to what each RPC's proto admits, before anything else reads the request.
//! - [`fhir`]: what every FHIR R4 API shares — `OperationOutcome` refusals, the authenticated
//!   caller held to its interaction's roles, FHIR JSON responses.
//! - Safe retries: a command sent with an idempotency key is answered once
//!   ([`IDEMPOTENCY_KEY`]), the answer kept in the service's own log database.
//! - [`host`]: any number of parts on one gRPC listener (health, reflection, every request
//!   checked against the limits its proto declares) and one HTTP listener, until shutdown,
//!   then every task stopped. One part per process is what Kubernetes runs; every part in one
//!   process is `linkwork up`. The services cannot tell the difference.

mod audit;
mod authenticate;
mod definition;
pub mod fhir;
mod host;
mod idempotency;
mod integrity;
mod on_behalf;
mod peers;
mod process;
mod secrets;
mod settings;
mod stop;
mod storage;
mod tasks;
mod validate;

pub use audit::Reader;
pub use authenticate::{AuthenticationLayer, authenticate_http};
pub use definition::{Boxed, HttpApi, OnLog, Projection, Rebuild, Service, Start, StartError};
pub use host::{GrpcService, HostError, Listeners, Part, host};
pub use idempotency::IDEMPOTENCY_KEY;
pub use integrity::{Integrity, Tampered};
pub use on_behalf::OnBehalfOf;
pub use peers::{PeerError, Peers};
pub use process::{Platform, apply_migrations, open_bus, start};
pub use secrets::{from_env as secret_from_env, kept as kept_key, kept_in, read_kept};
pub use settings::{Kind, SecretSource, Setting, SettingError, Settings};
pub use stop::Stopper;
pub use storage::{Open, Storage, StorageError};
pub use validate::{MAX_REQUEST_BYTES, ValidationLayer};
