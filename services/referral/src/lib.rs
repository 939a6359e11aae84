//! The referral service: the closed loop from referrer to link worker to VCSE providers and
//! back, and the responsibility ledger that says who is accountable for a person's referral at
//! any moment.
//!
//! Built so far: the domain (the referral decider with its Gravity status table, two-phase
//! responsibility handoffs, consent, onward referrals, NHS number and SNOMED CT parsing), the
//! application layer over the event log, and the responsibility read model (handoff trail,
//! accountable at T, holdings). The gRPC and FHIR interfaces, the directory read model, the
//! escalation scheduler and the NHS number vault come next.

pub mod app;
pub mod domain;
pub mod escalation;
pub mod projections;
