//! What the billing service derives from its own log: [`accrual`], the processor that accrues
//! each contract's lines into its ledger, with [`contracts`], the parties it keeps as it goes.

pub mod accrual;
pub mod contracts;
