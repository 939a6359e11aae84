//! The referral service's domain: pure, synchronous, no I/O.

pub mod age;
pub mod nhs_number;
pub mod person;
pub mod postcode;
pub mod referral;
pub mod snomed;
pub mod status;

#[cfg(test)]
mod consent_tests;
#[cfg(test)]
mod demographics_tests;
#[cfg(test)]
mod published_tests;
#[cfg(test)]
mod referral_tests;
