//! The engagement service's integration tests, on real PostgreSQL and SQLite: spawned with the
//! directory as `linkwork up` runs them (each the other's peer on the process's listener), a
//! provider's sessions, registers and QR check-ins through the gRPC API, integrators' device
//! evidence over gRPC, FHIR and NATS, and the lapses judged from the log.

mod evidence;
mod evidence_fhir;
mod helpers;
mod intake;
mod lapses;
mod referrals;
mod sessions;
