//! The tamper-evident hash chain kept per stream.
//!
//! Every event stores two SHA-256 digests:
//! - `content_hash` over the event as the appender sent it (id, stream, type, schema version,
//!   occurred-at, metadata, payload). It decides whether a retry is "the same event".
//! - `chain_hash = SHA-256(previous chain_hash ‖ stream_version ‖ recorded_at ‖ content_hash)`,
//!   the first event of a stream chaining from 32 zero bytes.
//!
//! Hashes cover the stored payload bytes, so once personal data inside a payload is encrypted
//! under a per-person key, deleting that key (crypto-shredding) leaves the chain verifiable.
//! Every field is length-prefixed so no two different events encode to the same bytes.

use chrono::{DateTime, Utc};
use sha2::digest::Update;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::EventMetadata;

/// A SHA-256 digest.
pub(crate) type Digest32 = [u8; 32];

/// The chain hash a stream starts from.
pub(crate) const GENESIS: Digest32 = [0; 32];

/// The fields that make an event what it is, borrowed from a new or a stored event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventContent<'a> {
    pub(crate) event_id: Uuid,
    pub(crate) stream_id: &'a str,
    pub(crate) event_type: &'a str,
    pub(crate) schema_version: u32,
    pub(crate) occurred_at: DateTime<Utc>,
    pub(crate) metadata: &'a EventMetadata,
    pub(crate) payload: &'a [u8],
}

/// Feeds length-prefixed fields to a digest or a MAC (`anchor.rs` encodes heads the same way).
pub(crate) struct Encoder<D>(pub(crate) D);

impl<D: Update> Encoder<D> {
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        // Lengths are u64 so no payload size can overflow the prefix.
        self.0.update(&(bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    fn optional(&mut self, bytes: Option<&[u8]>) -> &mut Self {
        match bytes {
            Some(bytes) => {
                self.0.update(&[1]);
                self.bytes(bytes)
            }
            None => {
                self.0.update(&[0]);
                self
            }
        }
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Self {
        self.0.update(&value.to_be_bytes());
        self
    }
}

impl Encoder<Sha256> {
    fn finish(self) -> Digest32 {
        self.0.finalize().into()
    }
}

/// Digest of an event's content, independent of where and when it was recorded.
pub(crate) fn content_hash(content: &EventContent<'_>) -> Digest32 {
    let meta = content.metadata;
    let mut encoder = Encoder(Sha256::new());
    encoder
        .bytes(b"linkwork.event.v1")
        .bytes(content.event_id.as_bytes())
        .bytes(content.stream_id.as_bytes())
        .bytes(content.event_type.as_bytes())
        .int(i64::from(content.schema_version))
        .int(content.occurred_at.timestamp_micros())
        .bytes(meta.correlation_id.as_bytes())
        .optional(
            meta.causation_id
                .as_ref()
                .map(|id| id.as_bytes().as_slice()),
        )
        .optional(meta.traceparent.as_deref().map(str::as_bytes))
        .bytes(meta.actor.id.as_bytes())
        .bytes(meta.actor.organisation.as_bytes())
        .bytes(meta.actor.role.as_bytes())
        .optional(meta.data_subject.as_deref().map(str::as_bytes))
        .bytes(meta.tenant.as_bytes())
        .bytes(content.payload);
    encoder.finish()
}

/// The next link of a stream's chain.
pub(crate) fn chain_hash(
    previous: &Digest32,
    stream_version: u64,
    recorded_at: DateTime<Utc>,
    content_hash: &Digest32,
) -> Digest32 {
    let mut encoder = Encoder(Sha256::new());
    encoder
        .bytes(previous)
        .int(stream_version as i64)
        .int(recorded_at.timestamp_micros())
        .bytes(content_hash);
    encoder.finish()
}

/// Reads a stored digest, which must be exactly 32 bytes.
pub(crate) fn digest_from_slice(bytes: &[u8]) -> Option<Digest32> {
    bytes.try_into().ok()
}
