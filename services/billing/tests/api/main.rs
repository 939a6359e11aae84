//! The billing service's integration tests, on real PostgreSQL and SQLite: its gRPC API as
//! `linkwork serve billing` runs it, the other services' events delivered to its consumers as
//! the bus delivers them (and once over NATS itself), and the accrual processor running.

mod accrual;
mod claims;
mod contracts;
mod helpers;
