//! Waking subscribers when new events commit, with polling as the safety net.
//!
//! On PostgreSQL every append sends `NOTIFY linkwork_events` (delivered at commit) and
//! subscribers in any process `LISTEN`; within one process a commit also bumps a local watch.
//! A notification can be missed (listener reconnecting), so a reader never waits longer than
//! its poll interval. One can also come too early: the append is committed but an older
//! transaction holds the horizon back and will send nothing when it ends, so a reader that
//! finds committed events it cannot read yet looks again within milliseconds
//! ([`Wakeup::wait_past`]).

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::store::Pool;
use crate::{EventStore, Position, postgres};

/// How soon to look again when committed events are held behind an older transaction; it
/// doubles while they stay held (a long transaction, a backup), up to the poll interval.
const HELD_BACK_RETRY: Duration = Duration::from_millis(20);

/// Waits for "something may have been appended".
#[derive(Debug)]
pub struct Wakeup {
    local: watch::Receiver<u64>,
    listener: Option<PgListener>,
    store: EventStore,
    /// The next wait while events stay held back.
    held_back_retry: Duration,
}

impl Wakeup {
    /// Starts listening for appends to `store`.
    pub async fn new(store: &EventStore) -> Self {
        let mut wakeup = Self {
            local: store.local_appends(),
            listener: None,
            store: store.clone(),
            held_back_retry: HELD_BACK_RETRY,
        };
        wakeup.ensure_listener().await;
        wakeup
    }

    async fn ensure_listener(&mut self) {
        let Pool::Postgres(pool) = self.store.pool() else {
            return;
        };
        if self.listener.is_some() {
            return;
        }
        let listening = async {
            let mut listener = PgListener::connect_with(pool).await?;
            listener.listen(postgres::NOTIFY_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match listening.await {
            Ok(listener) => self.listener = Some(listener),
            Err(error) => tracing::warn!(%error, "cannot LISTEN for appends; polling instead"),
        }
    }

    /// Like [`Self::wait`] for a reader that has read up to `read_to` (`None`: nothing yet)
    /// and found nothing more: if events are already committed past it, they are held behind
    /// an older transaction, so it returns within milliseconds to look again (backing off
    /// while they stay held).
    pub async fn wait_past(&mut self, read_to: Option<Position>, poll: Duration) {
        // A failure to tell counts as "held back": one early look costs little, and the
        // reader's next pass will meet the same failure and back off.
        let held_back = match self.store.last_committed_position().await {
            Ok(head) => head > read_to,
            Err(_) => true,
        };
        if !held_back {
            self.held_back_retry = HELD_BACK_RETRY;
            return self.wait(poll).await;
        }
        let retry = self.held_back_retry.min(poll);
        self.held_back_retry = (self.held_back_retry * 2).min(poll);
        self.wait(retry).await;
    }

    /// Returns when an append may have committed, or after `poll` at the latest.
    pub async fn wait(&mut self, poll: Duration) {
        self.ensure_listener().await;
        let notified = async {
            match self.listener.as_mut() {
                Some(listener) => {
                    if let Err(error) = listener.recv().await {
                        tracing::warn!(%error, "lost the LISTEN connection; polling until it is back");
                        self.listener = None;
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = notified => {}
            changed = self.local.changed() => {
                if changed.is_err() {
                    tokio::time::sleep(poll).await;
                }
            }
            () = tokio::time::sleep(poll) => {}
        }
    }
}
