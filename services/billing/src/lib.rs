//! The billing service, so far its domain alone: money to VCSE providers and link-worker
//! funding, with every penny explained by an event (issue 14). Everything here is pure — no
//! clock, no store, no bus — so each rule is tested with plain given/when/then tests; the
//! service wiring (the service kit, gRPC, bus consumers turning referral, engagement and
//! outcomes events into billable facts, projections and the demo) comes next and is built on
//! these types.
//!
//! - [`domain`]: money in pence, contracts and their versions, accrual, claims, and the ARRS
//!   reimbursement view.

pub mod domain;
