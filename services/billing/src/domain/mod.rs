//! The billing domain: [`money`] in integer pence with one rounding rule; calendar [`period`]s;
//! a [`contract`] between a commissioner and a provider as a decider whose amendments are new
//! versions; [`accrual`], the pure step from a billable fact to lines that cite it; a
//! contract's [`ledger`] of lines and what claims took; what the service [`noted`] from the bus
//! and its clock; a [`claim`] per contract and month as a decider; and [`arrs`], the
//! link-worker reimbursement view against a PCN's fixed envelope.

pub mod accrual;
pub mod arrs;
pub mod claim;
pub mod contract;
pub mod ledger;
pub mod money;
pub mod noted;
pub mod period;

#[cfg(test)]
mod published_tests;
