//! Read models, each folded from the log.

pub mod index;
