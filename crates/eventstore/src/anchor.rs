//! Anchored stream heads: the keyed record of where each stream ends.
//!
//! A hash chain proves that each event follows from the one before it, but a stream whose last
//! events were deleted is still a valid chain. So every append also records the stream's new
//! head (last version and chain hash) in `stream_heads`, in the same transaction, with an
//! HMAC-SHA-256 over it. The key lives outside the database (production passes it from a
//! secret), so someone who can edit the database but cannot read the key can delete events but
//! cannot move the head back to match. Without a key (tests, tools) the MAC is keyed with a
//! fixed, public label: it still catches accidental truncation and careless edits, but anyone
//! who has read this source can forge it.
//!
//! This module is the pure half: the MACs, and comparing a stream's last event with its head.
//! The tables are in `heads.rs`; the checks that use them in `head_check.rs` and on every
//! append and aggregate load.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::HeadProblem;
use crate::hashchain::{Digest32, Encoder};

/// The HMAC key of a store opened without one. Public by design: see the module docs.
const UNKEYED: &[u8] = b"linkwork.anchor.unkeyed.v1";
/// Domain separation: a head's MAC can never pass as a checkpoint's, or the reverse.
const HEAD_LABEL: &[u8] = b"linkwork.stream-head.v1";
const CHECKPOINT_LABEL: &[u8] = b"linkwork.head-checkpoint.v1";

/// The stream id used in reports and errors for a problem of the log as a whole. `$` is not
/// allowed in stream ids, so it names no real stream.
pub(crate) const WHOLE_LOG: &str = "$all";

/// A stream's head as `stream_heads` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AnchoredHead {
    pub(crate) version: u64,
    pub(crate) chain_hash: Vec<u8>,
    pub(crate) mac: Vec<u8>,
}

/// The counts of a head checkpoint, as the MAC covers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) taken_at: DateTime<Utc>,
    pub(crate) streams: u64,
    pub(crate) events: u64,
}

/// The key that MACs heads and checkpoints. Its `Debug` never shows the key.
#[derive(Clone)]
pub(crate) struct Anchor {
    /// HMAC state with the key already absorbed, cloned for each MAC.
    mac: Hmac<Sha256>,
    keyed: bool,
}

impl std::fmt::Debug for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anchor")
            .field("keyed", &self.keyed)
            .finish_non_exhaustive()
    }
}

impl Anchor {
    /// An anchor keyed with `key`, or with the public label when there is none.
    pub(crate) fn new(key: Option<&[u8; 32]>) -> Self {
        let keyed = key.is_some();
        let key: &[u8] = key.map_or(UNKEYED, |key| key.as_slice());
        // HMAC zero-pads a key shorter than SHA-256's 64-byte block, so padding it here gives
        // the same MAC as any HMAC of the unpadded key, without a fallible constructor.
        let mut block = [0u8; 64];
        block[..key.len()].copy_from_slice(key);
        Self {
            mac: Hmac::new(&block.into()),
            keyed,
        }
    }

    /// True when a secret key was given, so a MAC proves that the key holder wrote it.
    pub(crate) fn is_keyed(&self) -> bool {
        self.keyed
    }

    fn head_mac(&self, stream_id: &str, version: u64, chain_hash: &[u8]) -> Hmac<Sha256> {
        let mut encoder = Encoder(self.mac.clone());
        encoder
            .bytes(HEAD_LABEL)
            .bytes(stream_id.as_bytes())
            .int(version as i64)
            .bytes(chain_hash);
        encoder.0
    }

    /// The MAC of a stream's head.
    pub(crate) fn sign_head(&self, stream_id: &str, version: u64, chain_hash: &[u8]) -> Digest32 {
        self.head_mac(stream_id, version, chain_hash)
            .finalize()
            .into_bytes()
            .into()
    }

    /// True when `head`'s MAC is this key's, compared in constant time.
    pub(crate) fn head_is_genuine(&self, stream_id: &str, head: &AnchoredHead) -> bool {
        self.head_mac(stream_id, head.version, &head.chain_hash)
            .verify_slice(&head.mac)
            .is_ok()
    }

    /// Checkpoint MACs chain: each covers the MAC of the checkpoint before it, so an old
    /// genuine checkpoint copied in as the latest does not verify.
    fn checkpoint_mac(&self, previous_mac: &[u8], counts: &Counts) -> Hmac<Sha256> {
        let mut encoder = Encoder(self.mac.clone());
        encoder
            .bytes(CHECKPOINT_LABEL)
            .bytes(previous_mac)
            .int(counts.taken_at.timestamp_micros())
            .int(counts.streams as i64)
            .int(counts.events as i64);
        encoder.0
    }

    /// The MAC of a checkpoint taken after the one whose MAC is `previous_mac` (empty for the
    /// first).
    pub(crate) fn sign_checkpoint(&self, previous_mac: &[u8], counts: &Counts) -> Digest32 {
        self.checkpoint_mac(previous_mac, counts)
            .finalize()
            .into_bytes()
            .into()
    }

    /// True when `mac` is this key's MAC of `counts` after `previous_mac`.
    pub(crate) fn checkpoint_is_genuine(
        &self,
        previous_mac: &[u8],
        counts: &Counts,
        mac: &[u8],
    ) -> bool {
        self.checkpoint_mac(previous_mac, counts)
            .verify_slice(mac)
            .is_ok()
    }

    /// What is wrong, if anything, with a stream whose last event is `last` (version and chain
    /// hash) and whose anchored head is `anchored`.
    pub(crate) fn head_problem(
        &self,
        stream_id: &str,
        last: Option<(u64, &[u8])>,
        anchored: Option<&AnchoredHead>,
    ) -> Option<HeadProblem> {
        let anchored = match (last, anchored) {
            (None, None) => return None,
            (Some(_), None) => return Some(HeadProblem::Unanchored),
            (_, Some(anchored)) if !self.head_is_genuine(stream_id, anchored) => {
                return Some(HeadProblem::ForgedAnchor);
            }
            (_, Some(anchored)) => anchored,
        };
        let anchored_version = anchored.version;
        let Some((found_version, chain_hash)) = last else {
            return Some(HeadProblem::StreamMissing { anchored_version });
        };
        if found_version < anchored_version {
            Some(HeadProblem::Truncated {
                anchored_version,
                found_version,
            })
        } else if found_version > anchored_version {
            Some(HeadProblem::Extended {
                anchored_version,
                found_version,
            })
        } else if chain_hash != anchored.chain_hash.as_slice() {
            Some(HeadProblem::HeadRewritten {
                version: found_version,
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(anchor: &Anchor, stream: &str, version: u64, chain: &[u8]) -> AnchoredHead {
        AnchoredHead {
            version,
            chain_hash: chain.to_vec(),
            mac: anchor.sign_head(stream, version, chain).to_vec(),
        }
    }

    #[test]
    fn a_head_matches_only_the_event_it_anchors() {
        let anchor = Anchor::new(Some(&[7; 32]));
        let anchored = head(&anchor, "thing-1", 3, &[1; 32]);
        let check = |last| anchor.head_problem("thing-1", last, Some(&anchored));
        assert_eq!(check(Some((3, &[1; 32]))), None);
        assert_eq!(
            check(Some((2, &[9; 32]))),
            Some(HeadProblem::Truncated {
                anchored_version: 3,
                found_version: 2
            })
        );
        assert_eq!(
            check(Some((4, &[9; 32]))),
            Some(HeadProblem::Extended {
                anchored_version: 3,
                found_version: 4
            })
        );
        assert_eq!(
            check(Some((3, &[9; 32]))),
            Some(HeadProblem::HeadRewritten { version: 3 })
        );
        assert_eq!(
            check(None),
            Some(HeadProblem::StreamMissing {
                anchored_version: 3
            })
        );
        assert_eq!(
            anchor.head_problem("thing-1", Some((3, &[1; 32])), None),
            Some(HeadProblem::Unanchored)
        );
    }

    #[test]
    fn a_head_signed_by_another_key_or_for_another_stream_is_forged() {
        let ours = Anchor::new(Some(&[7; 32]));
        let theirs = Anchor::new(Some(&[8; 32]));
        let unkeyed = Anchor::new(None);
        let last = Some((3, [1u8; 32].as_slice()));
        let forged = head(&theirs, "thing-1", 3, &[1; 32]);
        assert_eq!(
            ours.head_problem("thing-1", last, Some(&forged)),
            Some(HeadProblem::ForgedAnchor)
        );
        let by_label = head(&unkeyed, "thing-1", 3, &[1; 32]);
        assert_eq!(
            ours.head_problem("thing-1", last, Some(&by_label)),
            Some(HeadProblem::ForgedAnchor)
        );
        let moved = head(&ours, "thing-2", 3, &[1; 32]);
        assert_eq!(
            ours.head_problem("thing-1", last, Some(&moved)),
            Some(HeadProblem::ForgedAnchor)
        );
        assert!(ours.is_keyed() && !unkeyed.is_keyed());
    }

    #[test]
    fn the_mac_is_standard_hmac_sha256_of_the_unpadded_key() {
        let key = [42u8; 32];
        let padded = Anchor::new(Some(&key));
        let mut plain = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any length");
        plain.update(b"message");
        let mut ours = padded.mac.clone();
        ours.update(b"message");
        assert_eq!(ours.finalize().into_bytes(), plain.finalize().into_bytes());
    }

    #[test]
    fn checkpoint_macs_chain_on_the_previous_one() {
        let anchor = Anchor::new(None);
        let counts = Counts {
            taken_at: Utc::now(),
            streams: 2,
            events: 5,
        };
        let first = anchor.sign_checkpoint(&[], &counts);
        assert!(anchor.checkpoint_is_genuine(&[], &counts, &first));
        assert!(!anchor.checkpoint_is_genuine(&[1; 32], &counts, &first));
        let fewer = Counts {
            events: 4,
            ..counts
        };
        assert!(!anchor.checkpoint_is_genuine(&[], &fewer, &first));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let shown = format!("{:?}", Anchor::new(Some(&[0xAB; 32])));
        assert!(
            !shown.contains("171") && !shown.to_lowercase().contains("ab"),
            "{shown}"
        );
    }
}
