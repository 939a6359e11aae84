//! FHIR `OperationOutcome`s, as every service's FHIR API renders them
//! (`servicekit::fhir::OperationOutcome`), and which one each refusal of the referral's
//! application layer is.

use axum::http::StatusCode;

use crate::app::AppError;
use crate::domain::referral::Error;

pub use servicekit::fhir::OperationOutcome as Outcome;

/// The OperationOutcome a refusal of the application layer (or a failure of the log) is.
pub fn refused(error: AppError) -> Outcome {
    let rejected = match Outcome::unless_rejected(error) {
        Ok(rejected) => rejected,
        Err(outcome) => return outcome,
    };
    let message = rejected.to_string();
    match rejected {
        Error::NotFound => Outcome::not_found(message),
        Error::AlreadyExists => Outcome::plain(StatusCode::CONFLICT, "duplicate", message),
        Error::NotAParty { .. } | Error::OfferNotForYou(_) | Error::NotAccountable(_) => {
            Outcome::plain(StatusCode::FORBIDDEN, "forbidden", message)
        }
        _ => Outcome::plain(StatusCode::UNPROCESSABLE_ENTITY, "business-rule", message),
    }
}
