//! Adopting streams written before anchoring existed: giving them anchored heads once.
//!
//! A log created before the `stream_heads` migration has events but no heads. Opening it with
//! migrations runs [`EventStore::anchor_unanchored`], which verifies each such stream's chain
//! and anchors the head the chain ends at, then takes the first head checkpoint.
//!
//! The trade-off: adoption trusts the log as it stands. A stream truncated before the upgrade is
//! adopted truncated (its chain still verifies); one whose chain is broken is refused and left
//! unanchored, so `check_heads` and `verify` keep reporting it and appends to it are refused.
//! To stop adoption becoming a way to bless later tampering (delete a head row, truncate the
//! stream, let the next open re-adopt it), adoption is closed for good once the log has a head
//! checkpoint. Someone able to delete every checkpoint and head could reopen it; only a record
//! kept outside the database (the logged checkpoint counts) shows that. Every process writing a
//! log must therefore run this version before the first one opens it with migrations: a stream
//! an older binary writes afterwards stays unanchored and is refused.

use crate::heads;
use crate::verify::Walker;
use crate::{BrokenLink, EventStore, HeadProblem, LinkProblem, StoreError, Tx};

/// What [`EventStore::anchor_unanchored`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Adoption {
    /// Streams whose chain verified and which now have an anchored head.
    pub adopted: u64,
    /// Streams left unanchored because their chain is broken: the first broken link of each.
    pub refused: Vec<BrokenLink>,
    /// True when the log already had a head checkpoint, so adoption was closed and nothing was
    /// looked at.
    pub already_closed: bool,
}

/// What adopting one stream came to.
enum Outcome {
    Adopted,
    /// A concurrent opener adopted it first (or it has no events after all).
    AlreadyAnchored,
    Refused(BrokenLink),
}

/// Events read per page while verifying a stream.
const PAGE: i64 = 1000;

impl EventStore {
    /// Gives every stream without an anchored head one, computed from its chain as it stands
    /// after verifying that chain, then takes a head checkpoint, which closes adoption. A no-op
    /// once the log has a checkpoint. See the module docs for what this trusts.
    ///
    /// [`EventStore::connect`] runs this after migrating, so a service needs to call it only
    /// when it opened its log without migrations.
    #[tracing::instrument(skip_all, err)]
    pub async fn anchor_unanchored(&self) -> Result<Adoption, StoreError> {
        let mut adoption = Adoption::default();
        if !heads::latest_checkpoints(self).await?.is_empty() {
            adoption.already_closed = true;
            return Ok(adoption);
        }
        for stream_id in heads::unanchored_streams(self).await? {
            let mut tx = self.begin().await?;
            match self.adopt_in(&mut tx, &stream_id).await? {
                Outcome::Refused(refused) => {
                    tracing::error!(%refused, "stream not adopted: its chain is broken");
                    adoption.refused.push(refused);
                }
                Outcome::Adopted => {
                    tx.commit().await?;
                    adoption.adopted += 1;
                }
                Outcome::AlreadyAnchored => {}
            }
        }
        self.checkpoint_heads().await?;
        if adoption.adopted > 0 {
            tracing::info!(
                adopted = adoption.adopted,
                "anchored streams written before anchoring"
            );
        }
        Ok(adoption)
    }

    /// Verifies one unanchored stream's chain and anchors its head; refuses it when the chain
    /// does not hold.
    async fn adopt_in(&self, tx: &mut Tx, stream_id: &str) -> Result<Outcome, StoreError> {
        let current = heads::read_in(&mut tx.inner, stream_id).await?;
        let Some(last) = current.last else {
            return Ok(Outcome::AlreadyAnchored);
        };
        if current.anchored.is_some() {
            return Ok(Outcome::AlreadyAnchored);
        }
        let mut walker = Walker::default();
        let mut from = 1;
        while from <= last.version {
            let page = self
                .stored_stream_in(tx, stream_id, from, last.version, PAGE)
                .await?;
            let Some(final_version) = page.last().map(|stored| stored.event.stream_version) else {
                break;
            };
            for stored in &page {
                if let Some(problem) = walker.check(stored) {
                    return Ok(Outcome::Refused(BrokenLink {
                        stream_id: stream_id.to_owned(),
                        stream_version: stored.event.stream_version,
                        global_position: stored.event.position.global_position,
                        problem,
                    }));
                }
            }
            from = final_version + 1;
        }
        if walker.next_version() != last.version + 1 {
            // The pages ended before the last version: a version is missing.
            return Ok(Outcome::Refused(BrokenLink {
                stream_id: stream_id.to_owned(),
                stream_version: last.version,
                global_position: 0,
                problem: LinkProblem::Head(HeadProblem::EventsMissing {
                    last_version: last.version,
                    found: walker.next_version().saturating_sub(1),
                }),
            }));
        }
        let chain_hash = walker.previous();
        heads::write_in(
            &mut tx.inner,
            self.anchor(),
            stream_id,
            last.version,
            &chain_hash,
        )
        .await?;
        Ok(Outcome::Adopted)
    }
}
