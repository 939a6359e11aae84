//! The cheap start-time check of anchored heads, and the checkpoints it compares counts with.
//!
//! [`EventStore::check_heads`] reads no payloads and hashes nothing but one MAC per stream: for
//! every stream, its last event must be where its anchored head says, under a genuine MAC; every
//! head must have its stream; and the log must hold at least as many streams and events as its
//! latest checkpoint recorded. It catches deleted last events, deleted or forged heads, deleted
//! middle events (a stream with fewer events than its last version) and deleted whole streams.
//! What it cannot see, an event's content changed in place, [`EventStore::verify`] finds by
//! walking every chain; `verify` runs this check too.

use chrono::{DateTime, SubsecRound, Utc};
use futures::TryStreamExt;

use crate::anchor::{Anchor, AnchoredHead, Counts, WHOLE_LOG};
use crate::heads::{self, StoredCheckpoint};
use crate::{BrokenLink, EventStore, HeadProblem, LinkProblem, StoreError};

/// When the log was last counted, and what it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadCheckpoint {
    /// When the checkpoint was taken.
    pub taken_at: DateTime<Utc>,
    /// Streams the log had.
    pub streams: u64,
    /// Events the log had.
    pub events: u64,
}

/// The outcome of [`EventStore::check_heads`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeadsReport {
    /// Streams whose last event was compared with their anchored head.
    pub streams_checked: u64,
    /// Events counted in those streams (counted, not hashed).
    pub events_counted: u64,
    /// The latest checkpoint the counts were compared with, if the log has one.
    pub checkpoint: Option<HeadCheckpoint>,
    /// The first problem found, as a [`LinkProblem::Head`]: the check stops there. A problem
    /// of the log as a whole names the stream `$all`.
    pub first_broken: Option<BrokenLink>,
}

impl HeadsReport {
    /// True when every stream ends where its anchored head says and no stream is missing.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// One stream's row of the check: `(stream_id, events, last version, its chain hash, its
/// global position, anchored version, anchored chain hash, anchored MAC)`.
type StreamRow = (
    String,
    i64,
    i64,
    Vec<u8>,
    i64,
    Option<i64>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// Every stream's event count and last event beside its anchored head, in one statement so that
/// a concurrent append (events and head committing together) is seen whole or not at all.
const EVERY_STREAM: &str = "\
    SELECT s.stream_id, s.n, s.last, e.chain_hash, e.global_position, \
           h.stream_version, h.chain_hash, h.mac \
    FROM (SELECT stream_id, count(*) AS n, max(stream_version) AS last \
          FROM events GROUP BY stream_id) AS s \
    JOIN events e ON e.stream_id = s.stream_id AND e.stream_version = s.last \
    LEFT JOIN stream_heads h ON h.stream_id = s.stream_id \
    ORDER BY s.stream_id";

fn broken(stream_id: &str, version: u64, global_position: i64, problem: HeadProblem) -> BrokenLink {
    BrokenLink {
        stream_id: stream_id.to_owned(),
        stream_version: version,
        global_position,
        problem: LinkProblem::Head(problem),
    }
}

/// A problem of the log as a whole.
fn whole_log(problem: HeadProblem) -> BrokenLink {
    broken(WHOLE_LOG, 0, 0, problem)
}

/// Checks one stream's row; counts it in `report` when it holds.
fn check_row(anchor: &Anchor, row: StreamRow, report: &mut HeadsReport) -> Option<BrokenLink> {
    let (stream_id, count, last, chain_hash, global_position, version, anchored_hash, mac) = row;
    let count = u64::try_from(count).unwrap_or_default();
    let last = u64::try_from(last).unwrap_or_default();
    let anchored = match (version, anchored_hash, mac) {
        (Some(version), Some(chain_hash), Some(mac)) => Some(AnchoredHead {
            version: u64::try_from(version).unwrap_or_default(),
            chain_hash,
            mac,
        }),
        _ => None,
    };
    let problem = anchor
        .head_problem(&stream_id, Some((last, &chain_hash)), anchored.as_ref())
        .or_else(|| {
            // Versions are unique and start at 1, so fewer events than the last version means
            // some before it were deleted.
            (count != last).then_some(HeadProblem::EventsMissing {
                last_version: last,
                found: count,
            })
        });
    if let Some(problem) = problem {
        return Some(broken(&stream_id, last, global_position, problem));
    }
    report.streams_checked += 1;
    report.events_counted += count;
    None
}

/// Checks the latest checkpoint's MAC, which chains on the one before it.
fn genuine_latest(anchor: &Anchor, latest: &[StoredCheckpoint]) -> Result<Option<Counts>, ()> {
    let Some(newest) = latest.first() else {
        return Ok(None);
    };
    let previous_mac = latest.get(1).map_or(&[][..], |c| c.mac.as_slice());
    let grew = latest.get(1).is_none_or(|previous| {
        previous.counts.streams <= newest.counts.streams
            && previous.counts.events <= newest.counts.events
    });
    if grew && anchor.checkpoint_is_genuine(previous_mac, &newest.counts, &newest.mac) {
        Ok(Some(newest.counts))
    } else {
        Err(())
    }
}

/// The problem with counts of `streams` and `events` after `checkpoint`, if they are fewer.
fn shortfall(checkpoint: &Counts, streams: u64, events: u64) -> Option<HeadProblem> {
    (streams < checkpoint.streams || events < checkpoint.events).then_some(
        HeadProblem::FewerThanCheckpoint {
            checkpoint_streams: checkpoint.streams,
            checkpoint_events: checkpoint.events,
            streams,
            events,
        },
    )
}

impl EventStore {
    /// The cheap start-time check of every stream's anchored head (see the module docs).
    /// Reports the first problem, naming its stream.
    #[tracing::instrument(skip_all, err)]
    pub async fn check_heads(&self) -> Result<HeadsReport, StoreError> {
        let mut report = HeadsReport::default();
        if !heads::installed(self).await? {
            report.first_broken = Some(whole_log(HeadProblem::AnchorsMissing));
            return Ok(report);
        }
        // Read the checkpoint before counting: counts taken afterwards can only be larger. A
        // forged one is reported after the streams, whose problems are more specific.
        let checkpoint = genuine_latest(self.anchor(), &heads::latest_checkpoints(self).await?);
        report.checkpoint = checkpoint.ok().flatten().map(|c| HeadCheckpoint {
            taken_at: c.taken_at,
            streams: c.streams,
            events: c.events,
        });
        if let Some(first) = self.check_every_stream(&mut report).await? {
            report.first_broken = Some(first);
            return Ok(report);
        }
        if let Some((stream, version)) = heads::first_head_without_stream(self).await? {
            let problem = HeadProblem::StreamMissing {
                anchored_version: version,
            };
            report.first_broken = Some(broken(&stream, version, 0, problem));
            return Ok(report);
        }
        let problem = match checkpoint {
            Err(()) => Some(HeadProblem::ForgedCheckpoint),
            Ok(checkpoint) => checkpoint
                .and_then(|c| shortfall(&c, report.streams_checked, report.events_counted)),
        };
        report.first_broken = problem.map(whole_log);
        Ok(report)
    }

    /// Records how many streams and events the log has, MAC'd. The log only grows, so a later
    /// count below this one proves that whole streams were deleted, heads and all.
    ///
    /// Refuses with [`StoreError::Tampered`] (stream `$all`) when the log already holds fewer
    /// than the latest checkpoint, or that checkpoint is not genuine: recording the smaller
    /// counts would hide the loss. Also logs the counts, so a record outside the database
    /// survives someone deleting the checkpoints themselves.
    #[tracing::instrument(skip_all, err)]
    pub async fn checkpoint_heads(&self) -> Result<HeadCheckpoint, StoreError> {
        let mut tx = self.begin().await?;
        let latest = heads::latest_checkpoints_in(&mut tx).await?;
        let previous = genuine_latest(self.anchor(), &latest)
            .map_err(|()| StoreError::tampered(WHOLE_LOG, HeadProblem::ForgedCheckpoint))?;
        let (streams, events) = heads::count_log_in(&mut tx).await?;
        if let Some(problem) = previous.and_then(|c| shortfall(&c, streams, events)) {
            return Err(StoreError::tampered(WHOLE_LOG, problem));
        }
        let counts = Counts {
            taken_at: Utc::now().trunc_subsecs(6),
            streams,
            events,
        };
        let previous_mac = latest.first().map_or(&[][..], |c| c.mac.as_slice());
        let mac = self.anchor().sign_checkpoint(previous_mac, &counts);
        heads::insert_checkpoint_in(&mut tx, &counts, &mac).await?;
        tx.commit().await?;
        tracing::info!(streams, events, "head checkpoint taken");
        Ok(HeadCheckpoint {
            taken_at: counts.taken_at,
            streams,
            events,
        })
    }

    /// Compares every stream's last event with its anchored head, counting into `report`, and
    /// stops at the first problem.
    async fn check_every_stream(
        &self,
        report: &mut HeadsReport,
    ) -> Result<Option<BrokenLink>, StoreError> {
        let anchor = self.anchor();
        crate::on_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, StreamRow>(EVERY_STREAM).fetch(pool);
            while let Some(row) = rows.try_next().await? {
                if let Some(broken) = check_row(anchor, row, report) {
                    return Ok(Some(broken));
                }
            }
            Ok(None)
        })
    }
}
