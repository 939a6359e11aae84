//! How the billing service's refusals reach a gRPC client: one status code per rule broken.
//! Store faults are mapped by the event store, once for every service (a version conflict a
//! command could not resolve by deciding again is ABORTED).

use eventstore::Refusal;
use tonic::Code;

use crate::app::Refused;
use crate::domain::{claim, contract};

impl Refusal for contract::Error {
    fn code(&self) -> Code {
        match self {
            Self::NotFound => Code::NotFound,
            Self::IdUsed => Code::AlreadyExists,
            Self::Invalid(_) => Code::InvalidArgument,
            Self::Ended => Code::FailedPrecondition,
        }
    }
}

impl Refusal for claim::Error {
    fn code(&self) -> Code {
        match self {
            Self::NotFound => Code::NotFound,
            Self::IdUsed => Code::AlreadyExists,
            Self::UnknownLine { .. } | Self::Invalid { .. } => Code::InvalidArgument,
            Self::NoLines
            | Self::NotDraft(_)
            | Self::NotSubmitted(_)
            | Self::AlreadyDecided(_)
            | Self::NotApproved(_) => Code::FailedPrecondition,
            // The service builds a claim's lines from its ledger: these would be its own bugs.
            Self::NotTheClaimId
            | Self::LineWithoutCause { .. }
            | Self::OtherContractsLine { .. }
            | Self::LineAfterPeriod { .. }
            | Self::DuplicateLine { .. } => Code::Internal,
        }
    }
}

impl Refusal for Refused {
    fn code(&self) -> Code {
        match self {
            Self::Contract(error) => error.code(),
            Self::Claim(error) => error.code(),
            Self::NoSuchContract | Self::NoSuchClaim => Code::NotFound,
            Self::MonthNotOver(_) | Self::NothingToClaim(_) => Code::FailedPrecondition,
            Self::StillAccruing(_) => Code::Unavailable,
        }
    }
}
