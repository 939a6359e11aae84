//! Generated protobuf messages and gRPC stubs for every `linkwork.*` package in `proto/`.
//!
//! Each package lives in a module named after it, as in tonic's examples, so a service writes
//! `proto::events::v1::EventEnvelope`; the modules are generated from the packages found, so a
//! new service's protos need no edit here. [`FILE_DESCRIPTOR_SET`] holds every compiled file with
//! its custom options: gRPC reflection serves it, and the `contract` crate reads the JSON
//! routes, field limits and published events from it.

include!(concat!(env!("OUT_DIR"), "/linkwork_packages.rs"));

/// A message that is the contract of an event a service publishes (marked with the
/// `linkwork.events.v1.event` option); implemented by the build for every such message.
pub trait Published: prost::Message + prost::Name + Default {
    /// The producing service, e.g. `directory`.
    const SERVICE: &'static str;
    /// The aggregate category: the first part of the stream id, e.g. `service`.
    const CATEGORY: &'static str;
    /// The stored event type, e.g. `service_listed`.
    const EVENT_TYPE: &'static str;
}

/// Encoded `FileDescriptorSet` of every compiled proto, custom options included.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("linkwork_descriptor");
