//! The value set definition format: what a `data/value-sets/<id>-<version>.json` file holds.
//!
//! A value set turns an EQ-5D health state into a utility. Its metadata says where it comes
//! from, when it applies and on what scale its utilities lie; its model is either a small
//! additive formula stated in the file (Dolan 1997, the 2026 UK 5L set) or a table of one
//! utility per state, read from CSV text beside it (the DSU mapping, the van Hout crosswalk).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::fixed::Fixed;
use crate::provenance::{Dated, Source};
use crate::version::Version;

/// A value set's metadata and model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueSetDefinition {
    /// A stable lowercase id, e.g. `dsu-2023`.
    pub id: String,
    /// The definition's version.
    pub version: Version,
    /// Its name.
    pub title: String,
    /// The publication it comes from.
    pub source: Source,
    /// When it applies from (its publication, or the deployment's adoption).
    pub effective: Dated,
    /// What its utilities are on, e.g. `eq-5d-3l-uk`. Utilities, and MIDs, compare only
    /// within one scale.
    pub scale: String,
    /// The EQ-5D system whose states it values: 3 (3L) or 5 (5L).
    pub levels: u8,
    /// The dimension codes in the order states are written: `MO`, `SC`, `UA`, `PD`, `AD`.
    pub dimensions: Vec<String>,
    /// The decimal places utilities are reported to (3, as published).
    pub decimals: u8,
    /// Its standing, e.g. NICE's preferred mapping, or sensitivity analysis only.
    pub note: String,
    /// How a state is valued.
    pub model: Model,
}

/// How a value set values a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Model {
    /// `full_health`, less `constant` if any dimension is above level 1, less each
    /// `any_at_level` term whose level some dimension is at, less each dimension's decrement
    /// for its level.
    Additive {
        /// The value of state `11111`.
        full_health: Fixed,
        /// Subtracted once when any dimension is above level 1 (Dolan's constant).
        constant: Fixed,
        /// Subtracted once each when any dimension is at the term's level (Dolan's N3).
        any_at_level: Vec<LevelTerm>,
        /// By dimension code: the decrement for level 2, 3, … up to the system's top level.
        decrements: BTreeMap<String, Vec<Fixed>>,
    },
    /// One utility per state, from a CSV table with a `state` column.
    Table {
        /// The CSV file's name, as shipped beside the definition.
        file: String,
        /// The column holding the utility.
        column: String,
        /// Where the table's figures were taken from, and under what licence.
        provenance: String,
    },
    /// One utility per state, age band and sex, from a CSV table with `state`, `age_band`
    /// and `sex` columns.
    AgeSexTable {
        /// The CSV file's name, as shipped beside the definition.
        file: String,
        /// The column holding the utility.
        column: String,
        /// Where the table's figures were taken from, and under what licence.
        provenance: String,
    },
}

/// A decrement applied once when any dimension is at `level`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelTerm {
    /// The level.
    pub level: u8,
    /// What is subtracted.
    pub decrement: Fixed,
}
