//! The one mapping from application errors to gRPC status codes.

use crate::app::AppError;
use crate::domain::referral::Error;

impl From<AppError> for tonic::Status {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rejected(rejected) => {
                let message = rejected.to_string();
                match rejected {
                    Error::NotFound => tonic::Status::not_found(message),
                    Error::AlreadyExists => tonic::Status::already_exists(message),
                    Error::NotAParty { .. }
                    | Error::OfferNotForYou(_)
                    | Error::NotAccountable(_) => tonic::Status::permission_denied(message),
                    Error::NoReasons
                    | Error::ReferrerMismatch
                    | Error::ReasonRequired(_)
                    | Error::InvalidOffer(_)
                    | Error::EmptyAssessment => tonic::Status::invalid_argument(message),
                    _ => tonic::Status::failed_precondition(message),
                }
            }
            AppError::Store(store) => store.into(),
            AppError::Encode(_) | AppError::Corrupt { .. } => {
                tracing::error!(error = %eventstore::error_chain(&error), "referral data fault");
                tonic::Status::internal("internal error")
            }
        }
    }
}
