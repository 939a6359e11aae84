//! The instruments and value sets a deployment scores with: the bundled ones, plus any the
//! deployer supplies, looked up by id and version.
//!
//! The bundled data is compiled into the binary (`include_str!`), so scoring needs no files
//! at run time; reading it parses some 34,000 table rows, so build the catalogue once at
//! start-up and share it. Definitions are never replaced: adding an (id, version) that is
//! already present is refused, because scores already recorded against it would silently
//! change meaning.

use std::collections::BTreeMap;

use crate::instrument::{DefinitionError, Instrument};
use crate::value_set::{ValueSet, ValueSetError};
use crate::version::{Reference, Version};

/// Bundled instrument definitions: file name and JSON.
const INSTRUMENTS: [(&str, &str); 5] = [
    (
        "ons4-1.0.json",
        include_str!("../data/instruments/ons4-1.0.json"),
    ),
    (
        "swemwbs-1.0.json",
        include_str!("../data/instruments/swemwbs-1.0.json"),
    ),
    (
        "wemwbs-1.0.json",
        include_str!("../data/instruments/wemwbs-1.0.json"),
    ),
    (
        "ucla3-1.0.json",
        include_str!("../data/instruments/ucla3-1.0.json"),
    ),
    (
        "eq5d5l-1.0.json",
        include_str!("../data/instruments/eq5d5l-1.0.json"),
    ),
];

/// A bundled value set: its file name and JSON, and its table's file name and CSV if any.
type BundledValueSet = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

/// Bundled value sets.
const VALUE_SETS: [BundledValueSet; 4] = [
    (
        "dsu-2023-1.0.json",
        include_str!("../data/value-sets/dsu-2023-1.0.json"),
        Some((
            "eq5d5l-to-3l-uk-dsu-2023.csv",
            include_str!("../data/value-sets/eq5d5l-to-3l-uk-dsu-2023.csv"),
        )),
    ),
    (
        "vanhout-2012-1.0.json",
        include_str!("../data/value-sets/vanhout-2012-1.0.json"),
        Some((
            "eq5d5l-to-3l-uk-crosswalk-vanhout-2012.csv",
            include_str!("../data/value-sets/eq5d5l-to-3l-uk-crosswalk-vanhout-2012.csv"),
        )),
    ),
    (
        "dolan-1997-1.0.json",
        include_str!("../data/value-sets/dolan-1997-1.0.json"),
        None,
    ),
    (
        "uk-5l-2026-1.0.json",
        include_str!("../data/value-sets/uk-5l-2026-1.0.json"),
        None,
    ),
];

/// The bundled definitions' JSON by file name, for tests and tools that check the data itself.
pub fn bundled_instrument_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    INSTRUMENTS.into_iter()
}

/// The bundled value sets' metadata JSON by file name.
pub fn bundled_value_set_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    VALUE_SETS.into_iter().map(|(file, json, _)| (file, json))
}

/// The bundled value sets' metadata JSON and, for a table model, the table's CSV text: what a
/// service records so that the tables travel in its log with everything else it scores by.
pub fn bundled_value_sets() -> impl Iterator<Item = (&'static str, Option<&'static str>)> {
    VALUE_SETS
        .into_iter()
        .map(|(_, json, table)| (json, table.map(|(_, csv)| csv)))
}

/// Instruments and value sets by id and version.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    instruments: BTreeMap<String, BTreeMap<Version, Instrument>>,
    value_sets: BTreeMap<String, BTreeMap<Version, ValueSet>>,
}

/// Why the catalogue could not be built or extended.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// A bundled instrument definition is invalid (a defect in this crate's data).
    #[error("bundled {file}: {error}")]
    Instrument {
        /// The file.
        file: &'static str,
        /// What is wrong.
        error: DefinitionError,
    },
    /// A bundled value set is invalid (a defect in this crate's data).
    #[error("bundled {file}: {error}")]
    ValueSet {
        /// The file.
        file: &'static str,
        /// What is wrong.
        error: ValueSetError,
    },
    /// A bundled file is not named `<id>-<version>.json` after what it holds, or a value
    /// set's table is not the file its model names.
    #[error("bundled {file} holds {holds}")]
    Misnamed {
        /// The file.
        file: &'static str,
        /// What it holds.
        holds: String,
    },
    /// That version of that instrument is already in the catalogue.
    #[error("instrument {0} is already in the catalogue")]
    DuplicateInstrument(Reference),
    /// That version of that value set is already in the catalogue.
    #[error("value set {0} is already in the catalogue")]
    DuplicateValueSet(Reference),
}

impl Catalogue {
    /// An empty catalogue.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bundled instruments (ONS4, SWEMWBS, WEMWBS, UCLA-3, EQ-5D-5L) and value sets
    /// (DSU 2023, van Hout 2012, Dolan 1997, UK 5L 2026).
    pub fn bundled() -> Result<Self, CatalogueError> {
        let mut catalogue = Self::new();
        for (file, json) in INSTRUMENTS {
            let instrument = Instrument::parse(json)
                .map_err(|error| CatalogueError::Instrument { file, error })?;
            named_after(file, instrument.reference())?;
            catalogue.add_instrument(instrument)?;
        }
        for (file, json, table) in VALUE_SETS {
            let value_set = ValueSet::parse(json, table.map(|(_, csv)| csv))
                .map_err(|error| CatalogueError::ValueSet { file, error })?;
            named_after(file, value_set.reference())?;
            if let Some((table, _)) = table {
                table_named(table, &value_set)?;
            }
            catalogue.add_value_set(value_set)?;
        }
        Ok(catalogue)
    }

    /// Adds an instrument, e.g. a licensed one the deployer supplies.
    pub fn add_instrument(&mut self, instrument: Instrument) -> Result<(), CatalogueError> {
        let versions = self
            .instruments
            .entry(instrument.id().to_owned())
            .or_default();
        if versions.contains_key(instrument.version()) {
            let reference = instrument.reference().clone();
            return Err(CatalogueError::DuplicateInstrument(reference));
        }
        versions.insert(instrument.version().clone(), instrument);
        Ok(())
    }

    /// Adds a value set.
    pub fn add_value_set(&mut self, value_set: ValueSet) -> Result<(), CatalogueError> {
        let reference = value_set.reference().clone();
        let versions = self.value_sets.entry(reference.id.clone()).or_default();
        if versions.contains_key(&reference.version) {
            return Err(CatalogueError::DuplicateValueSet(reference));
        }
        versions.insert(reference.version, value_set);
        Ok(())
    }

    /// The instrument `id` at `version`.
    pub fn instrument(&self, id: &str, version: &str) -> Option<&Instrument> {
        let version: Version = version.parse().ok()?;
        self.instruments.get(id)?.get(&version)
    }

    /// The highest version of instrument `id`.
    pub fn latest_instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.get(id)?.values().next_back()
    }

    /// Every instrument, by id then version.
    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> {
        self.instruments.values().flat_map(BTreeMap::values)
    }

    /// The value set `id` at `version`.
    pub fn value_set(&self, id: &str, version: &str) -> Option<&ValueSet> {
        let version: Version = version.parse().ok()?;
        self.value_sets.get(id)?.get(&version)
    }

    /// The value set a reference (as recorded beside a utility) names.
    pub fn value_set_at(&self, reference: &Reference) -> Option<&ValueSet> {
        self.value_sets.get(&reference.id)?.get(&reference.version)
    }

    /// The highest version of value set `id`.
    pub fn latest_value_set(&self, id: &str) -> Option<&ValueSet> {
        self.value_sets.get(id)?.values().next_back()
    }

    /// Every value set, by id then version.
    pub fn value_sets(&self) -> impl Iterator<Item = &ValueSet> {
        self.value_sets.values().flat_map(BTreeMap::values)
    }

    /// The value set `instrument` names as its default (for EQ-5D-5L, the DSU mapping NICE
    /// prefers), if the catalogue holds it.
    pub fn default_value_set(&self, instrument: &Instrument) -> Option<&ValueSet> {
        self.value_set_at(&instrument.utility_rule()?.default_value_set)
    }
}

/// Refuses a bundled file not named `<id>-<version>.json` after what it holds.
fn named_after(file: &'static str, reference: &Reference) -> Result<(), CatalogueError> {
    let expected = format!("{}-{}.json", reference.id, reference.version);
    if file == expected {
        Ok(())
    } else {
        let holds = reference.to_string();
        Err(CatalogueError::Misnamed { file, holds })
    }
}

/// Refuses a bundled table that is not the file the value set's model names.
fn table_named(file: &'static str, value_set: &ValueSet) -> Result<(), CatalogueError> {
    use crate::value_set::definition::Model;
    match &value_set.definition().model {
        Model::Table { file: named, .. } | Model::AgeSexTable { file: named, .. }
            if named == file =>
        {
            Ok(())
        }
        _ => Err(CatalogueError::Misnamed {
            file,
            holds: format!("a table not named by {}", value_set.reference()),
        }),
    }
}
