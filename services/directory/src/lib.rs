//! The directory service: the knowledge of local services that link workers refer people to,
//! kept as events so it stays current and its history is queryable, and shared through Open
//! Referral UK (HSDS 3.0).
//!
//! Built so far: the service aggregate (listing, details, capacity, suspension, withdrawal,
//! verification) over the event log, whose events are the contract the referral service's
//! directory view reads; postcode normalisation and the ONS centroid file format.
//! Organisations, locations, taxonomies, search, the ORUK API and feed import come next.

pub mod app;
pub mod domain;
