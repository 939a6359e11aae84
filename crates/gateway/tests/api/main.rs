//! The gateway's integration tests: the JSON API over real HTTP in front of the real referral
//! and directory services on real databases, and the OpenAPI document against the router.

mod directory;
mod errors;
mod helpers;
mod openapi;
mod referral;
