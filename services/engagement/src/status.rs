//! How the engagement service's refusals reach a gRPC client: one status code per rule broken.
//! Store faults are mapped by the event store, once for every service.

use eventstore::Refusal;
use tonic::Code;

use crate::app::{Refused, Unfit};
use crate::domain::session::Error;

impl Refusal for Error {
    fn code(&self) -> Code {
        match self {
            Error::NotFound => Code::NotFound,
            Error::IdUsed => Code::AlreadyExists,
            Error::EndsBeforeStart => Code::InvalidArgument,
            Error::NotStarted | Error::NotEnded => Code::FailedPrecondition,
            Error::TokenUsed => Code::PermissionDenied,
        }
    }
}

impl Refusal for Refused {
    fn code(&self) -> Code {
        match self {
            Refused::Session(error) => error.code(),
            Refused::NoSuchService | Refused::NoSuchReferral | Refused::NotAParty => Code::NotFound,
            Refused::Token(_) => Code::PermissionDenied,
            Refused::NeedsReferral => Code::InvalidArgument,
            Refused::DirectoryUnavailable => Code::Unavailable,
            Refused::Evidence(rejected) => match rejected.why {
                Unfit::Invalid(_) | Unfit::OtherPerson => Code::InvalidArgument,
                Unfit::NoSuchReferral => Code::NotFound,
                Unfit::NotConsented | Unfit::OutsideReferral(..) => Code::FailedPrecondition,
                Unfit::Conflict(_) => Code::AlreadyExists,
            },
        }
    }
}
