//! Catch-up subscriptions: a named reader that processes the log in global order from its
//! checkpoint, exactly once per event as far as its own database is concerned.
//!
//! Each batch runs in one transaction: load the checkpoint, read the next events (never past a
//! transaction still in flight), let the handler write its effects, save the new checkpoint,
//! commit. A crash anywhere rolls the effects and the checkpoint back together, so the batch is
//! simply processed again. The relay, projections and replays are all subscriptions.

use std::future::Future;
use std::time::Duration;

use crate::{EventStore, Position, RecordedEvent, StoreError, Tx, Wakeup};

/// What a handler may fail with; the batch is rolled back and retried after a back-off.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Applies events inside the subscription's transaction.
pub trait EventHandler: Send {
    /// Applies one event. Write only through `tx` (and `EventStore::append_in` with it):
    /// anything else would not roll back with the checkpoint.
    fn handle(
        &mut self,
        tx: &mut Tx,
        event: &RecordedEvent,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Why a batch failed.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// Reading, checkpointing or committing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The handler rejected an event.
    #[error("handler failed on event {event_id} ({event_type})")]
    Handler {
        /// The event it failed on.
        event_id: uuid::Uuid,
        /// Its type.
        event_type: String,
        /// What the handler said.
        #[source]
        source: HandlerError,
    },
}

/// A named, checkpointed reader of one service's log.
#[derive(Debug, Clone)]
pub struct Subscription {
    store: EventStore,
    name: String,
    batch_size: usize,
    poll_interval: Duration,
    max_backoff: Duration,
}

impl Subscription {
    /// A subscription called `name` (its checkpoint's key) over `store`.
    pub fn new(store: EventStore, name: impl Into<String>) -> Self {
        Self {
            store,
            name: name.into(),
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }

    /// Events per transaction (default 500).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Longest wait between polls when no notification arrives (default 1 s).
    pub fn poll_interval(mut self, poll_interval: Duration) -> Self {
        self.poll_interval = poll_interval;
        self
    }

    /// The subscription's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the subscription has got to, `None` before its first batch.
    pub async fn checkpoint(&self) -> Result<Option<Position>, StoreError> {
        let mut tx = self.store.begin().await?;
        let position = self.store.load_checkpoint(&mut tx, &self.name).await?;
        tx.rollback().await?;
        Ok(position)
    }

    /// Processes at most one batch in one transaction; returns how many events it applied.
    pub async fn process_batch<H: EventHandler>(
        &self,
        handler: &mut H,
    ) -> Result<usize, SubscriptionError> {
        let mut tx = self.store.begin().await?;
        let after = self
            .store
            .load_checkpoint(&mut tx, &self.name)
            .await?
            .unwrap_or(Position::START);
        let events = self
            .store
            .read_all_in(&mut tx, after, self.batch_size)
            .await?;
        let Some(last) = events.last().map(|e| e.position) else {
            tx.rollback().await?;
            return Ok(0);
        };
        for event in &events {
            handler
                .handle(&mut tx, event)
                .await
                .map_err(|source| SubscriptionError::Handler {
                    event_id: event.event_id,
                    event_type: event.event_type.clone(),
                    source,
                })?;
        }
        self.store
            .save_checkpoint(&mut tx, &self.name, last)
            .await?;
        tx.commit().await?;
        Ok(events.len())
    }

    /// Rebuilds from the start of the log: `reset` clears the handler's effects in the same
    /// transaction that forgets the checkpoint (so a crash leaves either the old read model
    /// or an empty one with no checkpoint, which the next run rebuilds), then every committed
    /// event is processed again. `progress` hears how many events have been applied so far.
    pub async fn rebuild<H, R>(
        &self,
        handler: &mut H,
        reset: R,
        progress: impl FnMut(u64),
    ) -> Result<u64, SubscriptionError>
    where
        H: EventHandler,
        R: for<'t> AsyncFnOnce(&'t mut Tx) -> Result<(), StoreError>,
    {
        let mut tx = self.store.begin().await?;
        reset(&mut tx).await?;
        self.store.forget_checkpoint(&mut tx, &self.name).await?;
        tx.commit().await?;
        self.catch_up_reporting(handler, progress).await
    }

    /// Processes every event committed before the call, then returns how many it applied.
    /// If an older transaction is still in flight it waits for it rather than skip past.
    pub async fn catch_up<H: EventHandler>(
        &self,
        handler: &mut H,
    ) -> Result<u64, SubscriptionError> {
        self.catch_up_reporting(handler, |_| {}).await
    }

    /// [`Self::catch_up`], telling `progress` the running total after each batch.
    async fn catch_up_reporting<H: EventHandler>(
        &self,
        handler: &mut H,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SubscriptionError> {
        let Some(target) = self.store.last_committed_position().await? else {
            return Ok(0);
        };
        let mut wakeup = Wakeup::new(&self.store).await;
        let mut total = 0;
        loop {
            match self.process_batch(handler).await? {
                0 if self.checkpoint().await?.is_some_and(|at| at >= target) => return Ok(total),
                0 => wakeup.wait(Duration::from_millis(20)).await,
                applied => {
                    total += applied as u64;
                    progress(total);
                }
            }
        }
    }

    /// Runs until `shutdown` completes: processes what is there, then waits for appends.
    /// Failures are logged and retried with exponential back-off; nothing is skipped.
    pub async fn run<H: EventHandler>(&self, handler: &mut H, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut wakeup = Wakeup::new(&self.store).await;
        let mut backoff = Duration::from_millis(50);
        loop {
            let step = tokio::select! {
                () = &mut shutdown => return,
                step = self.process_batch(handler) => step,
            };
            let pause = match step {
                Ok(0) => {
                    backoff = Duration::from_millis(50);
                    let read_to = self.checkpoint().await.ok().flatten();
                    tokio::select! {
                        () = &mut shutdown => return,
                        () = wakeup.wait_past(read_to, self.poll_interval) => {}
                    }
                    continue;
                }
                Ok(_) => {
                    backoff = Duration::from_millis(50);
                    continue;
                }
                Err(error) => {
                    tracing::warn!(subscription = %self.name, error = %error_chain(&error), "batch failed; retrying");
                    backoff = (backoff * 2).min(self.max_backoff);
                    backoff
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}

/// An error and its sources on one line, for logs.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
