//! The referral service: the closed loop from referrer to link worker to VCSE providers and
//! back, and the responsibility ledger that says who is accountable for a person's referral at
//! any moment.
//!
//! Built so far: the domain (the referral decider with its Gravity status table and two-phase
//! responsibility handoffs, NHS number and SNOMED CT parsing). The application layer, gRPC and
//! FHIR interfaces, the directory read model and the NHS number vault come next.

pub mod domain;
