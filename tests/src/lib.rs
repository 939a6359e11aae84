//! Shared set-up for the end-to-end tests in `tests/`: a producing and a consuming service
//! wired through a bus of the test's own.

pub mod world;
