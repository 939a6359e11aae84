//! How the outcomes service's refusals reach a gRPC client: one choice of status code per rule
//! broken. Store faults are mapped by the event store, once for every service.

use eventstore::Refusal;
use tonic::Code;

use crate::app::Refused;
use crate::domain::outcomes::Error;

impl Refusal for Error {
    fn code(&self) -> Code {
        match self {
            Error::IdUsed => Code::AlreadyExists,
            Error::NotFound => Code::NotFound,
        }
    }
}

impl Refusal for Refused {
    fn code(&self) -> Code {
        match self {
            Refused::NoSuchReferral => Code::NotFound,
            Refused::Response(error) => error.code(),
            Refused::Answers(_)
            | Refused::AnswerShape(_)
            | Refused::Repeated(_)
            | Refused::UnknownInstrument
            | Refused::UnknownValueSet
            | Refused::Definition(_) => Code::InvalidArgument,
            Refused::VersionTaken(_) => Code::FailedPrecondition,
        }
    }
}
