//! The postcode-centroid table: how "near SW1A 1AA" becomes a point, and how deprived the area
//! around it is.
//!
//! Loaded from a CSV in the ONS Postcode Directory's column format (a small sample ships for
//! the demo region; the full ONSPD file can be loaded the same way). An unknown postcode is an
//! error the caller reports, never an empty search.

use eventstore::{EventStore, StoreError, on_pool};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::domain::centroids::{Centroid, CentroidError, Columns};
use crate::domain::deprivation;
use crate::domain::geo::Point;
use crate::domain::postcode::Postcode;

/// Centroids of the fictional demo region's postcodes (`LW1`–`LW9`), in the ONS format; see
/// `services/directory/data/README.md`.
pub const DEMO_REGION_CSV: &str = include_str!("../data/demo-postcodes.csv");

/// Rows per INSERT: well under SQLite's bound-parameter limit.
const ROWS_PER_STATEMENT: usize = 500;
/// Rows read from a file before they are written.
const ROWS_PER_BATCH: usize = 10_000;

/// Why a centroid file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Reading the file failed.
    #[error("cannot read the file")]
    Read(#[from] std::io::Error),
    /// The file is not in the ONS format.
    #[error(transparent)]
    Format(#[from] CentroidError),
    /// Writing the table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the table knows of a postcode's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    /// The English IMD decile of its neighbourhood (1 = most deprived), when the loaded file
    /// gave a rank.
    pub imd_decile: Option<u32>,
}

/// The centroid table in the directory's database.
#[derive(Debug, Clone)]
pub struct PostcodeDirectory {
    store: EventStore,
}

impl PostcodeDirectory {
    /// The table in `store`'s database (created by [`crate::migrate`]).
    pub fn new(store: EventStore) -> Self {
        Self { store }
    }

    /// Loads centroids, replacing any already held for the same postcodes; returns how many.
    pub async fn load(&self, centroids: &[Centroid]) -> Result<u64, StoreError> {
        let mut loaded = 0;
        for chunk in centroids.chunks(ROWS_PER_STATEMENT) {
            let mut sql = String::from(
                "INSERT INTO postcode_centroids (postcode, latitude, longitude, imd_rank) VALUES ",
            );
            for index in 0..chunk.len() {
                let n = index * 4;
                if index > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
            }
            // A file is the ONS's whole word on a postcode: one without ranks clears them.
            sql.push_str(
                " ON CONFLICT (postcode) DO UPDATE SET latitude = excluded.latitude, \
                 longitude = excluded.longitude, imd_rank = excluded.imd_rank",
            );
            on_pool!(self.store, |pool| {
                // Built from placeholders only: every value is bound.
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for centroid in chunk {
                    query = query
                        .bind(centroid.postcode.as_str())
                        .bind(centroid.latitude)
                        .bind(centroid.longitude)
                        .bind(centroid.imd_rank.map(i64::from));
                }
                query.execute(pool).await.map(drop)
            })?;
            loaded += chunk.len() as u64;
        }
        Ok(loaded)
    }

    /// Loads an ONS-format CSV row by row in batches, so even the full ONSPD needs little
    /// memory; calls `progress` with the bytes read so far after each batch. A malformed row
    /// stops the load naming its line; the batches before it stay loaded (loading is an
    /// upsert, so running it again after fixing the file is safe).
    pub async fn load_csv<R: AsyncBufRead + Unpin>(
        &self,
        reader: R,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, LoadError> {
        let mut lines = reader.lines();
        let mut number = 0;
        let mut bytes = 0;
        let columns = loop {
            number += 1;
            let line = lines.next_line().await?;
            bytes += line.as_ref().map_or(0, |line| line.len() as u64 + 1);
            match line {
                Some(header) if header.trim().is_empty() => continue,
                Some(header) => break Columns::from_header(&header)?,
                None => return Err(CentroidError::MissingColumn("pcds").into()),
            }
        };
        let mut batch = Vec::with_capacity(ROWS_PER_BATCH);
        let mut loaded = 0;
        while let Some(line) = lines.next_line().await? {
            number += 1;
            bytes += line.len() as u64 + 1;
            batch.extend(columns.row(number, &line)?);
            if batch.len() == ROWS_PER_BATCH {
                loaded += self.load(&batch).await?;
                batch.clear();
                progress(bytes);
            }
        }
        loaded += self.load(&batch).await?;
        progress(bytes);
        Ok(loaded)
    }

    /// Where `postcode` is, or `None` if the table does not know it.
    pub async fn locate(&self, postcode: &Postcode) -> Result<Option<Point>, StoreError> {
        let sql = "SELECT latitude, longitude FROM postcode_centroids WHERE postcode = $1";
        let row: Option<(f64, f64)> = on_pool!(self.store, |pool| {
            sqlx::query_as(sql)
                .bind(postcode.as_str())
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.and_then(|(latitude, longitude)| Point::new(latitude, longitude)))
    }

    /// What the table knows of `postcode`'s area, or `None` if it does not know the postcode.
    pub async fn area(&self, postcode: &Postcode) -> Result<Option<Area>, StoreError> {
        let sql = "SELECT imd_rank FROM postcode_centroids WHERE postcode = $1";
        let row: Option<(Option<i64>,)> = on_pool!(self.store, |pool| {
            sqlx::query_as(sql)
                .bind(postcode.as_str())
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(rank,)| Area {
            imd_decile: rank
                .and_then(|rank| u32::try_from(rank).ok())
                .and_then(deprivation::decile),
        }))
    }

    /// How many postcodes the table holds.
    pub async fn count(&self) -> Result<u64, StoreError> {
        let sql = "SELECT COUNT(*) FROM postcode_centroids";
        let (count,): (i64,) =
            on_pool!(self.store, |pool| sqlx::query_as(sql).fetch_one(pool).await)?;
        Ok(count.max(0) as u64)
    }
}
