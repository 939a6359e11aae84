//! Reading the log: one stream, the whole log in global order, positions, checkpoints and the
//! consumer inbox. Every path that returns events applies the store's upcasters.

use uuid::Uuid;

use crate::store::Pool;
use crate::tx::TxInner;
use crate::verify::StoredEvent;
use crate::{EventStore, Position, RecordedEvent, StoreError, Tx, postgres, sqlite};

fn clamp_limit(limit: usize) -> i64 {
    limit.clamp(1, 100_000) as i64
}

impl EventStore {
    /// The stream's last version, or `None` if it has no events.
    pub async fn stream_version(&self, stream_id: &str) -> Result<Option<u64>, StoreError> {
        let head = match self.pool() {
            Pool::Postgres(pool) => {
                postgres::stream_head(&mut *pool.acquire().await?, stream_id).await?
            }
            Pool::Sqlite(pool) => {
                sqlite::stream_head(&mut *pool.acquire().await?, stream_id).await?
            }
        };
        Ok(head.map(|h| h.version))
    }

    /// The last version of each of `stream_ids`, in the same order (`None` for a stream with no
    /// events), read in one statement: one round trip and one snapshot, for a caller that asks
    /// after several streams at once (is what it built from them still current?).
    pub async fn stream_versions(
        &self,
        stream_ids: &[&str],
    ) -> Result<Vec<Option<u64>>, StoreError> {
        let versions = match self.pool() {
            Pool::Postgres(pool) => {
                postgres::stream_versions(&mut *pool.acquire().await?, stream_ids).await?
            }
            Pool::Sqlite(pool) => {
                sqlite::stream_versions(&mut *pool.acquire().await?, stream_ids).await?
            }
        };
        Ok(versions
            .into_iter()
            .map(|version| version.and_then(|v| u64::try_from(v).ok()))
            .collect())
    }

    /// Up to `limit` events of one stream from `from_version` on, upcast to current schemas.
    pub async fn read_stream(
        &self,
        stream_id: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stored = self
            .stored_stream(stream_id, from_version, u64::MAX, clamp_limit(limit))
            .await?;
        self.upcast_all(stored.into_iter().map(|s| s.event).collect())
    }

    /// Events `from_version..=through_version` of one stream as stored (not upcast), with
    /// their hashes.
    pub(crate) async fn stored_stream(
        &self,
        stream_id: &str,
        from_version: u64,
        through_version: u64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        match self.pool() {
            Pool::Postgres(pool) => {
                let conn = &mut *pool.acquire().await?;
                postgres::stored_stream(conn, stream_id, from_version, through_version, limit).await
            }
            Pool::Sqlite(pool) => {
                let conn = &mut *pool.acquire().await?;
                sqlite::stored_stream(conn, stream_id, from_version, through_version, limit).await
            }
        }
    }

    /// Like [`EventStore::stored_stream`], inside a transaction.
    pub(crate) async fn stored_stream_in(
        &self,
        tx: &mut Tx,
        stream_id: &str,
        from_version: u64,
        through_version: u64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        match &mut tx.inner {
            TxInner::Postgres(conn) => {
                postgres::stored_stream(conn, stream_id, from_version, through_version, limit).await
            }
            TxInner::Sqlite(conn) => {
                sqlite::stored_stream(conn, stream_id, from_version, through_version, limit).await
            }
        }
    }

    /// The events with these ids, upcast, in log order; ids the log does not hold are skipped.
    /// What a writer whose event ids derive from a client's own ids (an idempotency key) asks
    /// to learn which it recorded before.
    pub async fn read_events(&self, ids: &[Uuid]) -> Result<Vec<RecordedEvent>, StoreError> {
        let stored = match self.pool() {
            Pool::Postgres(pool) => {
                postgres::stored_by_id(&mut *pool.acquire().await?, ids).await?
            }
            Pool::Sqlite(pool) => sqlite::stored_by_id(&mut *pool.acquire().await?, ids).await?,
        };
        self.upcast_all(stored.into_iter().map(|s| s.event).collect())
    }

    /// Every event of one stream, upcast: what an aggregate folds to rebuild its state.
    pub async fn load_stream(&self, stream_id: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = Vec::new();
        loop {
            let from = events
                .last()
                .map_or(1, |e: &RecordedEvent| e.stream_version + 1);
            let page = self.read_stream(stream_id, from, 1000).await?;
            let done = page.len() < 1000;
            events.extend(page);
            if done {
                return Ok(events);
            }
        }
    }

    /// Up to `limit` events after `after` in global order, upcast. Never returns an event
    /// while an earlier one may still commit, so a reader advancing by what it got skips none.
    pub async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let limit = clamp_limit(limit);
        let events = match self.pool() {
            Pool::Postgres(pool) => {
                postgres::read_all(&mut *pool.acquire().await?, after, limit).await?
            }
            Pool::Sqlite(pool) => {
                sqlite::read_all(&mut *pool.acquire().await?, after, limit).await?
            }
        };
        self.upcast_all(events)
    }

    /// Like [`EventStore::read_all`], inside a transaction.
    pub async fn read_all_in(
        &self,
        tx: &mut Tx,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let limit = clamp_limit(limit);
        let events = match &mut tx.inner {
            TxInner::Postgres(conn) => postgres::read_all(conn, after, limit).await?,
            TxInner::Sqlite(conn) => sqlite::read_all(conn, after, limit).await?,
        };
        self.upcast_all(events)
    }

    /// The newest position every reader can see (`None` for an empty log): how far a
    /// subscriber has to go.
    pub async fn head_position(&self) -> Result<Option<Position>, StoreError> {
        match self.pool() {
            Pool::Postgres(pool) => postgres::head_position(&mut *pool.acquire().await?).await,
            Pool::Sqlite(pool) => sqlite::head_position(&mut *pool.acquire().await?).await,
        }
    }

    /// The newest committed position, including events a reader cannot see yet because an
    /// older transaction is still in flight: where a catch-up must get to.
    pub async fn last_committed_position(&self) -> Result<Option<Position>, StoreError> {
        match self.pool() {
            Pool::Postgres(pool) => {
                postgres::last_committed_position(&mut *pool.acquire().await?).await
            }
            // SQLite commits in position order: what is committed is visible.
            Pool::Sqlite(pool) => sqlite::head_position(&mut *pool.acquire().await?).await,
        }
    }

    /// Forgets a subscriber's checkpoint inside its transaction, so it starts again from the
    /// beginning of the log.
    pub async fn forget_checkpoint(&self, tx: &mut Tx, subscriber: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM checkpoints WHERE subscriber = $1";
        match &mut tx.inner {
            TxInner::Postgres(conn) => sqlx::query(sql)
                .bind(subscriber)
                .execute(&mut **conn)
                .await
                .map(drop),
            TxInner::Sqlite(conn) => sqlx::query(sql)
                .bind(subscriber)
                .execute(&mut **conn)
                .await
                .map(drop),
        }?;
        Ok(())
    }

    /// A subscriber's checkpoint, read inside its transaction.
    pub async fn load_checkpoint(
        &self,
        tx: &mut Tx,
        subscriber: &str,
    ) -> Result<Option<Position>, StoreError> {
        match &mut tx.inner {
            TxInner::Postgres(conn) => postgres::load_checkpoint(conn, subscriber).await,
            TxInner::Sqlite(conn) => sqlite::load_checkpoint(conn, subscriber).await,
        }
    }

    /// Stores a subscriber's checkpoint inside its transaction, beside its effects.
    pub async fn save_checkpoint(
        &self,
        tx: &mut Tx,
        subscriber: &str,
        position: Position,
    ) -> Result<(), StoreError> {
        match &mut tx.inner {
            TxInner::Postgres(conn) => postgres::save_checkpoint(conn, subscriber, position).await,
            TxInner::Sqlite(conn) => sqlite::save_checkpoint(conn, subscriber, position).await,
        }
    }

    /// Records in `tx` that `consumer` has applied `event_id`. Returns false if it already
    /// had: the caller must then skip the effect (the inbox of an idempotent consumer).
    pub async fn record_in_inbox(
        &self,
        tx: &mut Tx,
        consumer: &str,
        event_id: uuid::Uuid,
    ) -> Result<bool, StoreError> {
        match &mut tx.inner {
            TxInner::Postgres(conn) => postgres::inbox_insert(conn, consumer, event_id).await,
            TxInner::Sqlite(conn) => sqlite::inbox_insert(conn, consumer, event_id).await,
        }
    }

    pub(crate) fn upcast_all(
        &self,
        mut events: Vec<RecordedEvent>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        for event in &mut events {
            self.upcasters().apply(event)?;
        }
        Ok(events)
    }
}
