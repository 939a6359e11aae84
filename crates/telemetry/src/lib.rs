//! Tracing and OpenTelemetry for every Linkwork process, and the W3C trace context that
//! follows a command from its gRPC call, through the event log and NATS, to each consumer.
//!
//! [`init`] installs structured logs (filtered by `RUST_LOG`, default `info`) and, only when an
//! OTLP endpoint is configured, an OpenTelemetry exporter. The trace context is carried as a
//! `traceparent` string: captured with [`current_traceparent`] when events are appended, put in
//! NATS headers and gRPC metadata with the carriers in [`carriers`], and restored as a span's
//! parent with [`set_parent`].

pub mod carriers;
mod context;
mod setup;

pub use context::{current_traceparent, set_parent, trace_id_of};
pub use setup::{TelemetryConfig, TelemetryError, TelemetryGuard, init};
