//! [`HeadProblem`]: the ways a stream can fail to end at its anchored head, and the log's head
//! checkpoints can fail to hold, named so an operator knows what was done to the log.

/// What is wrong with a stream's anchored head, or with the log's head checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadProblem {
    /// The stream has events but no anchored head: the head row was deleted, or the stream was
    /// written by something other than this store (or predates anchoring and was not adopted).
    Unanchored,
    /// The head's MAC does not verify: it was written or edited without the anchor key, or the
    /// store was opened with a different key from the one that wrote it.
    ForgedAnchor,
    /// The head is anchored but the stream has no events left.
    StreamMissing {
        /// The version the head records.
        anchored_version: u64,
    },
    /// The stream ends before its anchored head: its last events were deleted.
    Truncated {
        /// The version the head records.
        anchored_version: u64,
        /// The last version found.
        found_version: u64,
    },
    /// The stream goes on past its anchored head: events were inserted behind the store's back.
    Extended {
        /// The version the head records.
        anchored_version: u64,
        /// The last version found.
        found_version: u64,
    },
    /// The last event is at the anchored version but its chain hash differs: it was replaced.
    HeadRewritten {
        /// The version of the replaced event.
        version: u64,
    },
    /// The stream has fewer events than its last version: events before the last were deleted.
    EventsMissing {
        /// The stream's last version.
        last_version: u64,
        /// How many events it has.
        found: u64,
    },
    /// The log has fewer streams or events than its latest checkpoint recorded. The log only
    /// grows, so whole streams (events and heads together) were deleted.
    FewerThanCheckpoint {
        /// Streams at the checkpoint.
        checkpoint_streams: u64,
        /// Events at the checkpoint.
        checkpoint_events: u64,
        /// Streams now.
        streams: u64,
        /// Events now.
        events: u64,
    },
    /// The latest head checkpoint's MAC does not verify, or it counts fewer than the one before.
    ForgedCheckpoint,
    /// The log has no anchoring tables: it predates anchoring and was never opened with
    /// migrations (which adopt its streams), or they were dropped.
    AnchorsMissing,
}

impl std::fmt::Display for HeadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unanchored => f.write_str("the stream has events but no anchored head"),
            Self::ForgedAnchor => f.write_str("the anchored head's MAC does not verify"),
            Self::StreamMissing { anchored_version } => write!(
                f,
                "the head is anchored at version {anchored_version} but the stream has no events"
            ),
            Self::Truncated {
                anchored_version,
                found_version,
            } => write!(
                f,
                "truncated: the head is anchored at version {anchored_version} but the stream \
                 ends at {found_version}"
            ),
            Self::Extended {
                anchored_version,
                found_version,
            } => write!(
                f,
                "the head is anchored at version {anchored_version} but the stream goes on to \
                 {found_version}"
            ),
            Self::HeadRewritten { version } => write!(
                f,
                "the event at version {version} does not match the anchored head's chain hash"
            ),
            Self::EventsMissing {
                last_version,
                found,
            } => write!(
                f,
                "the stream ends at version {last_version} but has only {found} events"
            ),
            Self::FewerThanCheckpoint {
                checkpoint_streams,
                checkpoint_events,
                streams,
                events,
            } => write!(
                f,
                "the log has {streams} streams and {events} events, fewer than the \
                 {checkpoint_streams} and {checkpoint_events} of its latest checkpoint"
            ),
            Self::ForgedCheckpoint => {
                f.write_str("the latest head checkpoint's MAC does not verify")
            }
            Self::AnchorsMissing => f.write_str(
                "the log has no anchored heads: it predates anchoring (open it once with \
                 migrations to adopt its streams) or the tables were dropped",
            ),
        }
    }
}
