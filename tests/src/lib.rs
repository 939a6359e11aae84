//! Shared set-up for the end-to-end tests in `tests/`: a producing and a consuming service
//! wired through a bus of the test's own, and what a service published, read back.

pub mod published;
pub mod world;
