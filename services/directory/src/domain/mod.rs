//! The directory's aggregates and value types: pure, no I/O.

pub mod centroids;
pub mod deprivation;
pub mod entry;
pub mod geo;
pub mod postcode;
pub mod provenance;
pub mod records;
pub mod satellites;
pub mod service;

#[cfg(test)]
mod entry_tests;
#[cfg(test)]
mod published_tests;
#[cfg(test)]
mod service_tests;
