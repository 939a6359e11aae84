//! The referral service: the closed loop from referrer to link worker to VCSE providers and
//! back, and the responsibility ledger that says who is accountable for a person's referral at
//! any moment.
//!
//! Built so far: the domain (the referral decider with its Gravity status table, two-phase
//! responsibility handoffs, consent, onward referrals, NHS number and SNOMED CT parsing), the
//! application layer over the event log, the responsibility read model (handoff trail,
//! accountable at T, holdings), escalation of unaccepted offers, and the gRPC interface with
//! health and reflection. The FHIR interface, the directory read model, publishing through the
//! relay and the NHS number vault come next.

pub mod app;
pub mod directory;
pub mod domain;
pub mod escalation;
pub mod fhir;
pub mod grpc;
pub mod projections;
pub mod startup;
mod status;
pub mod vault;
