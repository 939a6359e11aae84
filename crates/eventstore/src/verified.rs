//! Loading one stream for a command, checked before anything acts on it.
//!
//! A command decides on the history it loads, so a history changed behind the store's back
//! would be acted upon and the change compounded. [`EventStore::load_stream_verified`]
//! therefore recomputes the stream's hash chain (two SHA-256s per event, small beside the read)
//! and checks that it ends at the stream's anchored head under a genuine MAC, before upcasting.
//! The head is read in the same statement as the first page, so a load of a stream of up to a
//! thousand events still costs one round trip.

use crate::anchor::AnchoredHead;
use crate::store::Pool;
use crate::verify::{StoredEvent, Walker};
use crate::{EventStore, HeadProblem, RecordedEvent, StoreError, heads, postgres, sqlite};

/// Events read per page.
const PAGE: i64 = 1000;

impl EventStore {
    /// Every event of one stream, upcast, like [`EventStore::load_stream`], but refused with
    /// [`StoreError::Tampered`] unless every event still matches its hash, the chain holds and
    /// it ends exactly at the stream's anchored head. What `aggregate::load` uses.
    #[tracing::instrument(skip_all, fields(stream_id = %stream_id), err)]
    pub async fn load_stream_verified(
        &self,
        stream_id: &str,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let (first, anchored) = self.anchored_stream_start(stream_id).await?;
        if !first.is_empty() {
            return self.verify_loaded(stream_id, first, anchored).await;
        }
        // No events: there must be no head either. A head found now belongs to a stream created
        // since the first read (events and head commit together, so its events are visible
        // now) or to a stream that lost its events.
        let Some(anchored) = heads::anchored(self, stream_id).await? else {
            return Ok(Vec::new());
        };
        let (first, anchored_with_it) = self.anchored_stream_start(stream_id).await?;
        if !first.is_empty() {
            return self.verify_loaded(stream_id, first, anchored_with_it).await;
        }
        let problem = self
            .anchor()
            .head_problem(stream_id, None, Some(&anchored))
            .unwrap_or(HeadProblem::StreamMissing {
                anchored_version: anchored.version,
            });
        Err(StoreError::tampered(stream_id, problem))
    }

    /// The first page of a stream and, in the same statement, its anchored head.
    async fn anchored_stream_start(
        &self,
        stream_id: &str,
    ) -> Result<(Vec<StoredEvent>, Option<AnchoredHead>), StoreError> {
        match self.pool() {
            Pool::Postgres(pool) => {
                let conn = &mut *pool.acquire().await?;
                postgres::anchored_stream_start(conn, stream_id, PAGE).await
            }
            Pool::Sqlite(pool) => {
                let conn = &mut *pool.acquire().await?;
                sqlite::anchored_stream_start(conn, stream_id, PAGE).await
            }
        }
    }

    /// Walks the chain from `first` (the first page, read with `anchored`) to the stream's
    /// anchored head, then upcasts.
    async fn verify_loaded(
        &self,
        stream_id: &str,
        first: Vec<StoredEvent>,
        anchored: Option<AnchoredHead>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let anchored =
            anchored.ok_or_else(|| StoreError::tampered(stream_id, HeadProblem::Unanchored))?;
        let mut walker = Walker::default();
        let mut events = Vec::new();
        let mut page = first;
        loop {
            let full = page.len() >= PAGE as usize;
            for stored in page {
                if let Some(problem) = walker.check(&stored) {
                    let version = stored.event.stream_version;
                    let problem = format!("version {version}: {problem}");
                    return Err(StoreError::tampered(stream_id, problem));
                }
                events.push(stored.event);
            }
            let next = events
                .last()
                .map_or(1, |e: &RecordedEvent| e.stream_version + 1);
            if !full || next > anchored.version {
                break;
            }
            // Later pages stop at the head read with the first, whatever is appended meanwhile.
            page = self
                .stored_stream(stream_id, next, anchored.version, PAGE)
                .await?;
        }
        let chain_hash = walker.previous();
        let last = events
            .last()
            .map(|event| (event.stream_version, chain_hash.as_slice()));
        if let Some(problem) = self.anchor().head_problem(stream_id, last, Some(&anchored)) {
            return Err(StoreError::tampered(stream_id, problem));
        }
        self.upcast_all(events)
    }
}
