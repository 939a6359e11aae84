//! The outcomes service's integration tests, on real PostgreSQL and SQLite: its FHIR API
//! in-process, its gRPC API as `linkwork serve outcomes` runs it.

mod fhir;
mod grpc;
mod helpers;
