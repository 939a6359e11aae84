//! How the referral's refusals reach a gRPC client: the one choice of status code per rule
//! broken. Store faults and data faults are mapped by the event store, once for every service.

use eventstore::Refusal;
use tonic::Code;

use crate::domain::referral::Error;

impl Refusal for Error {
    fn code(&self) -> Code {
        match self {
            Error::NotFound => Code::NotFound,
            Error::AlreadyExists => Code::AlreadyExists,
            Error::NotAParty { .. } | Error::OfferNotForYou(_) | Error::NotAccountable(_) => {
                Code::PermissionDenied
            }
            Error::NoReasons
            | Error::ReferrerMismatch
            | Error::ReasonRequired(_)
            | Error::InvalidOffer(_)
            | Error::EmptyAssessment
            | Error::BornAfterReferral
            | Error::NoSuchParent => Code::InvalidArgument,
            _ => Code::FailedPrecondition,
        }
    }
}
