//! The referral service's domain: pure, synchronous, no I/O.

pub mod nhs_number;
pub mod referral;
pub mod snomed;
pub mod status;

#[cfg(test)]
mod published_tests;
#[cfg(test)]
mod referral_tests;
