//! The Linkwork event log: the source of truth every service stands on.
//!
//! One [`EventStore`] is one service's log, on PostgreSQL (production) or embedded SQLite (the
//! single-process default), with the same behaviour on both, proven by one conformance suite:
//!
//! - [`EventStore::append_many`]: atomic appends to one or more streams with an optimistic
//!   concurrency check per stream ([`ExpectedVersion`]), idempotent by event id;
//! - a global order no reader can skip (the xid8 horizon on PostgreSQL, `BEGIN IMMEDIATE` on
//!   SQLite), read by [`EventStore::read_all`] and tailed by checkpointed [`Subscription`]s that
//!   commit their effects and checkpoint together;
//! - [`Upcasters`] applied on every read path;
//! - append-only enforced by the database, and a per-stream hash chain checked by
//!   [`EventStore::verify`];
//! - each stream's head anchored under a key kept outside the database, so deleting a stream's
//!   last events is detected too: by [`EventStore::check_heads`] at start-up, by `verify`, and
//!   by every append and aggregate load, which refuse a tampered stream
//!   ([`StoreError::Tampered`]); [`EventStore::checkpoint_heads`] catches whole streams deleted;
//! - an append-only audit of reads of personal data ([`EventStore::record_access`]);
//! - [`Leadership`] so that one process at a time runs a given worker.
//!
//! The store knows no domain: payloads are JSON bytes and event types are stable strings.

mod adoption;
pub mod aggregate;
mod anchor;
mod append;
mod audit;
mod error;
mod event;
mod grpc;
mod hashchain;
mod head_check;
mod head_problem;
mod heads;
mod leader;
mod options;
mod pool;
mod postgres;
mod reads;
mod row;
mod sqlite;
mod store;
mod subscription;
mod tx;
mod upcast;
mod verified;
mod verify;
mod wakeup;

pub use adoption::Adoption;
pub use audit::{AccessOutcome, AccessRecord};
pub use error::StoreError;
pub use event::{
    Actor, AppendToStream, Appended, AppendedEvent, EventMetadata, ExpectedVersion, NewEvent,
    Position, RecordedEvent, category_of,
};
pub use grpc::Refusal;
pub use head_check::{HeadCheckpoint, HeadsReport};
pub use head_problem::HeadProblem;
pub use leader::Leadership;
pub use options::StoreOptions;
pub use pool::PoolRef;
pub use store::{Backend, EventStore};
pub use subscription::{EventHandler, HandlerError, Subscription, SubscriptionError, error_chain};
pub use tx::{Tx, TxConn};
pub use upcast::Upcasters;
pub use verify::{BrokenLink, LinkProblem, VerifyReport};
pub use wakeup::Wakeup;
