//! Generated protobuf messages and gRPC stubs for every `linkwork.*` package in `proto/`.
//!
//! Each package lives in a module named after it, as in tonic's examples, so a service writes
//! `proto::events::v1::EventEnvelope`. [`FILE_DESCRIPTOR_SET`] feeds gRPC reflection.

/// `linkwork.events.*`: the envelope events travel in between services.
pub mod events {
    /// Version 1 of the event envelope.
    pub mod v1 {
        tonic::include_proto!("linkwork.events.v1");
    }
}

/// `linkwork.directory.*`: the directory service.
pub mod directory {
    /// Version 1 of the directory service API.
    pub mod v1 {
        tonic::include_proto!("linkwork.directory.v1");
    }
}

/// `linkwork.referral.*`: the referral service.
pub mod referral {
    /// Version 1 of the referral service API.
    pub mod v1 {
        tonic::include_proto!("linkwork.referral.v1");
    }
}

/// Encoded `FileDescriptorSet` of every compiled proto, for `tonic-reflection`.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("linkwork_descriptor");
