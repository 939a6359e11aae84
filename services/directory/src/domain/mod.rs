//! The directory's domain: pure, synchronous, no I/O.

pub mod centroids;
pub mod postcode;
pub mod service;

#[cfg(test)]
mod service_tests;
