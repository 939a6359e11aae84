//! Verifying the per-stream hash chains: is the log still exactly what was appended?
//!
//! The database already refuses UPDATE and DELETE on `events`; verification catches what
//! bypasses it (a superuser disabling the trigger, an edited file or backup). It recomputes each
//! event's content hash from its stored columns and each chain link from the previous one, then
//! checks that every chain ends at its stream's anchored head ([`EventStore::check_heads`]),
//! since a chain whose last events were deleted still holds. It reports the first problem.

use crate::anchor::WHOLE_LOG;
use crate::hashchain::{self, Digest32, EventContent, GENESIS};
use crate::store::Pool;
use crate::{EventStore, HeadProblem, RecordedEvent, StoreError, postgres, sqlite};

/// An event with the hashes stored beside it.
#[derive(Debug)]
pub(crate) struct StoredEvent {
    pub(crate) event: RecordedEvent,
    pub(crate) content_hash: Vec<u8>,
    pub(crate) chain_hash: Vec<u8>,
}

/// What is wrong with a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// The event's stored columns no longer match the content hash recorded with them.
    ContentChanged,
    /// The stored chain hash does not follow from the previous link.
    ChainBroken,
    /// A version is missing or repeated before this event.
    VersionGap {
        /// The version the chain expected here.
        expected: u64,
    },
    /// The stream does not end where its anchored head says, or the head or the log's head
    /// checkpoint is not genuine.
    Head(HeadProblem),
}

impl std::fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ContentChanged => f.write_str("stored content does not match its hash"),
            Self::ChainBroken => f.write_str("chain hash does not follow from the previous event"),
            Self::VersionGap { expected } => write!(f, "expected version {expected} here"),
            Self::Head(problem) => problem.fmt(f),
        }
    }
}

/// The first broken link found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The stream whose chain is broken; `$all` for a problem of the log as a whole.
    pub stream_id: String,
    /// The version of the first event that fails (for a head problem, the stream's last
    /// version, or the anchored one when no event is left).
    pub stream_version: u64,
    /// Its global position (0 when there is no such event).
    pub global_position: i64,
    /// What fails.
    pub problem: LinkProblem,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.stream_id == WHOLE_LOG {
            return write!(f, "the log as a whole: {}", self.problem);
        }
        write!(
            f,
            "stream {} version {} (global position {}): {}",
            self.stream_id, self.stream_version, self.global_position, self.problem
        )
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// Streams whose chains were checked in full.
    pub streams_checked: u64,
    /// Events checked.
    pub events_checked: u64,
    /// The first broken link or anchored-head problem, if any: verification stops there.
    pub first_broken: Option<BrokenLink>,
}

impl VerifyReport {
    /// True when every chain holds.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Walks one stream after another, carrying the previous link.
#[derive(Debug, Default)]
pub(crate) struct Walker {
    stream: Option<String>,
    previous: Digest32,
    next_version: u64,
}

impl Walker {
    /// The chain hash of the last event that held.
    pub(crate) fn previous(&self) -> Digest32 {
        self.previous
    }

    /// The version the next event of the current stream must have.
    pub(crate) fn next_version(&self) -> u64 {
        self.next_version
    }

    /// Checks the next event, which may start a new stream; the problem if it does not hold.
    pub(crate) fn check(&mut self, stored: &StoredEvent) -> Option<LinkProblem> {
        let event = &stored.event;
        if self.stream.as_deref() != Some(event.stream_id.as_str()) {
            self.stream = Some(event.stream_id.clone());
            self.previous = GENESIS;
            self.next_version = 1;
        }
        if event.stream_version != self.next_version {
            return Some(LinkProblem::VersionGap {
                expected: self.next_version,
            });
        }
        let content = hashchain::content_hash(&EventContent {
            event_id: event.event_id,
            stream_id: &event.stream_id,
            event_type: &event.event_type,
            schema_version: event.schema_version,
            occurred_at: event.occurred_at,
            metadata: &event.metadata,
            payload: &event.payload,
        });
        if stored.content_hash != content {
            return Some(LinkProblem::ContentChanged);
        }
        let chain = hashchain::chain_hash(
            &self.previous,
            event.stream_version,
            event.recorded_at,
            &content,
        );
        if stored.chain_hash != chain {
            return Some(LinkProblem::ChainBroken);
        }
        self.previous = chain;
        self.next_version += 1;
        None
    }
}

impl EventStore {
    /// Checks every stream's hash chain, then every stream's anchored head, and names the first
    /// problem. `streams_checked` and `events_checked` count the chain walk.
    #[tracing::instrument(skip_all, err)]
    pub async fn verify(&self) -> Result<VerifyReport, StoreError> {
        const PAGE: i64 = 2000;
        let mut report = VerifyReport::default();
        let mut walker = Walker::default();
        let mut after: Option<(String, u64)> = None;
        loop {
            let cursor = after.as_ref().map(|(s, v)| (s.as_str(), *v));
            let page = match self.pool() {
                Pool::Postgres(pool) => {
                    postgres::stored_page(&mut *pool.acquire().await?, cursor, PAGE).await?
                }
                Pool::Sqlite(pool) => {
                    sqlite::stored_page(&mut *pool.acquire().await?, cursor, PAGE).await?
                }
            };
            for stored in &page {
                let event = &stored.event;
                if walker.stream.as_deref() != Some(event.stream_id.as_str()) {
                    report.streams_checked += 1;
                }
                if let Some(problem) = walker.check(stored) {
                    report.first_broken = Some(BrokenLink {
                        stream_id: event.stream_id.clone(),
                        stream_version: event.stream_version,
                        global_position: event.position.global_position,
                        problem,
                    });
                    return Ok(report);
                }
                report.events_checked += 1;
            }
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => {
                    after = Some((last.event.stream_id.clone(), last.event.stream_version));
                }
                _ => break,
            }
        }
        report.first_broken = self.check_heads().await?.first_broken;
        Ok(report)
    }
}
