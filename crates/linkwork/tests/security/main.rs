//! The security test plan's rows T12, T13, T14, T17, T18 and T19
//! (`../shared/reference/security.md` §13), run against the built `linkwork` binary on both
//! backends of the log, as an attacker and as the people the platform serves would meet it.

mod audit;
mod authn;
mod bola;
mod limits;
mod platform;
mod retries;
