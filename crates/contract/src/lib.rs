//! What Linkwork's protos declare beyond their messages, read from the compiled descriptors
//! ([`proto::FILE_DESCRIPTOR_SET`]) so that each fact is written once, in the proto:
//!
//! - [`rules`]: the limits a request field must keep (`linkwork.api.v1.field`), and
//!   [`validate`], which every service runs on every request before its handler.
//! - [`access`]: who may call each RPC (`linkwork.api.v1.access`).
//! - [`http`]: each RPC's JSON route (`google.api.http`, `linkwork.api.v1.answer`).
//! - [`json`]: the proto3 JSON mapping as the JSON API speaks it — strict on the way in (the
//!   types the OpenAPI document states, every refusal naming the field), proto field names on
//!   the way out.
//! - [`events`]: the events each service publishes (`linkwork.events.v1.event`): decoding a
//!   payload into its contract type, checking a producer keeps its contracts, and the catalogue
//!   of every subject and payload.
//! - [`schema`]: JSON Schemas of the messages, with the limits, for the OpenAPI document.
//! - [`docs`]: the proto comments, for generated documentation.

pub mod access;
pub mod docs;
pub mod events;
pub mod http;
pub mod json;
mod pool;
pub mod rules;
pub mod schema;
mod text;
mod validate;

pub use pool::pool;
pub use text::is_usable_line;
pub use validate::{Violation, validate};
