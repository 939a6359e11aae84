//! Keeping the index current: replay the log at start, then tail it.
//!
//! One task owns the writes; searches take a read lock for the microseconds a query needs.
//! A command handler that wants to read its own write waits for the position its append
//! returned ([`LiveIndex::wait_for`]) instead of sleeping and hoping.

use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use chrono::Duration as Period;
use eventstore::{EventStore, Position, StoreError, Wakeup};
use tokio::sync::watch;

use super::{Change, DirectoryIndex};

/// Events folded per read of the log.
const BATCH: usize = 1_000;
/// How often to look at the log when no wake-up arrives (a safety net, not the mechanism).
const POLL: Duration = Duration::from_secs(1);

/// Why the index could not be built or kept current.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading the log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event in the log could not be decoded: a bug or a missing upcaster.
    #[error("directory event {event_id} ({event_type}) could not be decoded")]
    Corrupt {
        /// The event.
        event_id: uuid::Uuid,
        /// Its type.
        event_type: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The index did not reach the position asked for in time.
    #[error("the directory index did not catch up with the log in time")]
    Lagging,
}

/// A [`DirectoryIndex`] kept current from the log, shared by every request.
#[derive(Debug, Clone)]
pub struct LiveIndex {
    index: Arc<RwLock<DirectoryIndex>>,
    position: watch::Receiver<Position>,
}

impl LiveIndex {
    /// Replays the whole log into a new index and returns it with the task that keeps it
    /// current until `shutdown` completes.
    pub async fn start(
        store: EventStore,
        stale_after: Period,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(Self, tokio::task::JoinHandle<()>), IndexError> {
        let index = Arc::new(RwLock::new(DirectoryIndex::new(stale_after)));
        let (sender, position) = watch::channel(Position::START);
        let mut tailer = Tailer {
            store,
            index: index.clone(),
            sender,
        };
        // Everything committed before the start is folded before it serves, also events an
        // older transaction elsewhere still holds back from readers (PostgreSQL's horizon).
        let target = tailer.store.last_committed_position().await?;
        let mut wakeup = Wakeup::new(&tailer.store).await;
        loop {
            if tailer.step().await? > 0 {
                continue;
            }
            let folded = *tailer.sender.borrow();
            if target.is_none_or(|target| folded >= target) {
                break;
            }
            wakeup.wait_past(Some(folded), POLL).await;
        }
        let task = tokio::spawn(async move { tailer.run(shutdown).await });
        Ok((Self { index, position }, task))
    }

    /// The index, for one query. Do not hold the guard across an `.await`.
    pub fn read(&self) -> RwLockReadGuard<'_, DirectoryIndex> {
        // A panic while folding would poison the lock; the fold has no panicking paths, and a
        // poisoned index is still the last consistent fold, so keep serving it.
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until the index has folded in `position` (a command's own write).
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> Result<(), IndexError> {
        let mut receiver = self.position.clone();
        tokio::time::timeout(timeout, receiver.wait_for(|seen| *seen >= position))
            .await
            .map_err(|_| IndexError::Lagging)?
            .map_err(|_| IndexError::Lagging)?;
        Ok(())
    }
}

/// The one writer of the index.
struct Tailer {
    store: EventStore,
    index: Arc<RwLock<DirectoryIndex>>,
    sender: watch::Sender<Position>,
}

impl Tailer {
    /// Folds the next batch; returns how many events it folded.
    async fn step(&mut self) -> Result<usize, IndexError> {
        let after = *self.sender.borrow();
        let events = self.store.read_all(after, BATCH).await?;
        let Some(last) = events.last().map(|event| event.position) else {
            return Ok(0);
        };
        // Decoding is most of the work; doing it before taking the write lock keeps searches
        // waiting only for the fold itself.
        let changes = (events.iter())
            .map(|event| {
                let change = Change::decode(event).map_err(|source| IndexError::Corrupt {
                    event_id: event.event_id,
                    event_type: event.event_type.clone(),
                    source,
                })?;
                Ok((change, event.position))
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        {
            let mut index = self
                .index
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            for (change, position) in changes {
                index.fold(change, position);
            }
        }
        self.sender.send_replace(last);
        Ok(events.len())
    }

    async fn run(&mut self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut wakeup = Wakeup::new(&self.store).await;
        let mut backoff = Duration::from_millis(50);
        loop {
            let step = tokio::select! {
                () = &mut shutdown => return,
                step = self.step() => step,
            };
            match step {
                Ok(0) => {
                    backoff = Duration::from_millis(50);
                    let read_to = *self.sender.borrow();
                    tokio::select! {
                        () = &mut shutdown => return,
                        () = wakeup.wait_past(Some(read_to), POLL) => {}
                    }
                }
                Ok(_) => backoff = Duration::from_millis(50),
                Err(error) => {
                    tracing::error!(error = %eventstore::error_chain(&error), "directory index stalled; retrying");
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    tokio::select! {
                        () = &mut shutdown => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                }
            }
        }
    }
}
