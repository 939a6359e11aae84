//! Instruments and EQ-5D value sets as events, and the value set in force.
//!
//! Reference data lives in the outcomes log like everything else, so that a score can always
//! be derived again from what was recorded, and an old one reproduced: every instrument
//! version in `catalogue-instruments`, every value set's definition in `catalogue-value-sets`
//! (its table, in parts, in a stream of its own written first), each choice of value set in
//! `catalogue-selection`. The bundled ones (`crates/measures`) are recorded when the service
//! first starts ([`record`]); a deployer adds the licensed instruments we cannot ship through
//! the API, in the same format.
//!
//! [`Library`] is what the rest of the service scores with: the log's reference data read into
//! a `measures::Catalogue`, read again only when one of the catalogue streams has moved on.

mod load;
pub mod record;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use eventstore::{EventStore, StoreError};
use measures::{Catalogue, Instrument, Reference, ValueSet};

pub use load::load;

/// Every instrument version, in the order published.
pub const INSTRUMENTS: &str = "catalogue-instruments";
/// Every value set's definition, in the order published.
pub const VALUE_SETS: &str = "catalogue-value-sets";
/// Each choice of the value set in force.
pub const SELECTION: &str = "catalogue-selection";

/// The stream of value set `id` at `version`'s table (a version's dots are not stream-id
/// characters, so they are written as underscores).
pub fn table_stream(id: &str, version: &str) -> String {
    format!("valueset-{id}-v{}", version.replace('.', "_"))
}

/// The reference data as the log says at one moment.
#[derive(Debug, Default)]
pub struct ReferenceData {
    /// Every instrument and value set published.
    pub catalogue: Catalogue,
    /// The value set put in force last, and when; none chosen means each instrument's default.
    pub selected: Option<(Reference, DateTime<Utc>)>,
}

impl ReferenceData {
    /// The instrument `id` at `version`, or at its latest when no version is given.
    pub fn instrument(&self, id: &str, version: Option<&str>) -> Option<&Instrument> {
        match version {
            Some(version) => self.catalogue.instrument(id, version),
            None => self.catalogue.latest_instrument(id),
        }
    }

    /// The value set `instrument`'s answers are valued with now: the one in force if it values
    /// states of the instrument's system, else the instrument's default (a 3L set cannot value
    /// 5L answers). None for an instrument with no utility.
    pub fn value_set_for(&self, instrument: &Instrument) -> Option<&ValueSet> {
        let rule = instrument.utility_rule()?;
        let selected = self
            .selected
            .as_ref()
            .and_then(|(reference, _)| self.catalogue.value_set_at(reference))
            .filter(|value_set| value_set.levels() == rule.levels);
        selected.or_else(|| self.catalogue.default_value_set(instrument))
    }

    /// The value set in force: the one chosen last, or the default of the first instrument
    /// that has one.
    pub fn in_force(&self) -> Option<&ValueSet> {
        match &self.selected {
            Some((reference, _)) => self.catalogue.value_set_at(reference),
            None => self
                .catalogue
                .instruments()
                .find_map(|instrument| self.catalogue.default_value_set(instrument)),
        }
    }
}

/// The streams whose versions say whether the reference data has moved on.
const CATALOGUE: [&str; 3] = [INSTRUMENTS, VALUE_SETS, SELECTION];

/// The version of each [`CATALOGUE`] stream a [`ReferenceData`] was read at.
type Versions = Vec<Option<u64>>;

/// The reference data last read, and the versions it was read at.
type Kept = Option<(Versions, Arc<ReferenceData>)>;

/// The reference data, read from the log and kept until the log moves on. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Library {
    store: EventStore,
    kept: Arc<Mutex<Kept>>,
}

impl Library {
    /// The reference data in `store`.
    pub fn new(store: EventStore) -> Self {
        Self {
            store,
            kept: Arc::new(Mutex::new(None)),
        }
    }

    /// The reference data as the log says now: what was read before, unless another process
    /// (or this one) has published or selected since. Every request asks, so the catalogue
    /// streams' versions are read in one query.
    pub async fn current(&self) -> Result<Arc<ReferenceData>, StoreError> {
        let versions = self.store.stream_versions(&CATALOGUE).await?;
        if let Some((read_at, data)) = self.kept().as_ref()
            && *read_at == versions
        {
            return Ok(Arc::clone(data));
        }
        let data = Arc::new(load(&self.store).await?);
        *self.kept() = Some((versions, Arc::clone(&data)));
        Ok(data)
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic elsewhere while holding the lock leaves nothing half-written: the value is
        // replaced whole.
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
