//! Read models, each rebuilt from the log by a checkpointed subscription.

pub mod responsibility;
