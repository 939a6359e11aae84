//! How events leave a service and reach the others.
//!
//! - [`Relay`]: the outbox relay. It tails its service's log (a checkpointed reader, so it never
//!   skips a late commit) and publishes each event to the bus with `Nats-Msg-Id` = event id,
//!   keeping a bounded window of unacknowledged publishes, and stores its checkpoint in the
//!   service's own database. One relay per service runs at a time (leadership from the store).
//!   Nothing publishes in the request path.
//! - [`Consumer`]: a durable, explicitly acknowledged consumer whose effects happen once per
//!   event: each message's effect commits together with an inbox row keyed by the event id,
//!   and only then is the message acknowledged.
//! - [`Bus`]: NATS JetStream in production, or the [`InProcessBus`] (a durable SQLite-backed
//!   stream) when every service runs in one process; both deliver at least once, in order per
//!   consumer, with explicit acknowledgement.

mod bus;
mod consumer;
mod envelope;
mod error;
mod inprocess;
mod names;
mod relay;
mod wiring;

pub use bus::{Bus, StreamSettings};
pub use consumer::{BusHandler, Consumer, ConsumerSettings};
pub use envelope::{ReceivedEvent, decode_envelope, encode_envelope};
pub use error::BusError;
pub use inprocess::InProcessBus;
pub use names::BusNames;
pub use relay::{PublishedPayload, Relay, RelaySettings};
pub use wiring::BusWiring;
