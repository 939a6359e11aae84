//! The one mapping from application errors to gRPC status codes.
//!
//! A command naming something that does not exist is the caller's mistake in a field
//! (INVALID_ARGUMENT, naming it), whereas the thing the command is about not existing is
//! NOT_FOUND. Infrastructure faults are logged with their cause chain and reach the client only
//! as INTERNAL.

use tonic::Status;

use crate::app::AppError;
use crate::domain::entry::EntryError;
use crate::domain::service::Error;

impl From<AppError> for Status {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rejected(rejected) => service_refusal(rejected),
            AppError::RecordRejected(rejected) => {
                let message = rejected.to_string();
                match rejected {
                    EntryError::NotFound(_) => Status::not_found(message),
                    EntryError::AlreadyRegistered(_) => Status::already_exists(message),
                    EntryError::Invalid(_) => Status::invalid_argument(message),
                }
            }
            AppError::UnknownReference { .. } | AppError::UnknownPostcode => {
                Status::invalid_argument(error.to_string())
            }
            AppError::Store(store) => store.into(),
            AppError::Corrupt(_) => {
                tracing::error!(error = %eventstore::error_chain(&error), "directory data fault");
                Status::internal("internal error")
            }
        }
    }
}

fn service_refusal(rejected: Error) -> Status {
    let message = rejected.to_string();
    match rejected {
        Error::NotFound => Status::not_found(message),
        Error::AlreadyListed => Status::already_exists(message),
        Error::Withdrawn
        | Error::AlreadySuspended
        | Error::NotSuspended
        | Error::AlreadyAtLocation
        | Error::NoSuchLocation => Status::failed_precondition(message),
        Error::Invalid(_) => Status::invalid_argument(message),
    }
}

#[cfg(test)]
mod tests {
    use eventstore::{ExpectedVersion, StoreError};
    use tonic::Code;

    use super::*;

    fn code(error: AppError) -> (Code, String) {
        let status = Status::from(error);
        (status.code(), status.message().to_owned())
    }

    #[test]
    fn each_refusal_gets_the_code_that_tells_the_caller_what_to_do() {
        assert_eq!(code(Error::NotFound.into()).0, Code::NotFound);
        assert_eq!(code(Error::AlreadyListed.into()).0, Code::AlreadyExists);
        for broken in [
            Error::Withdrawn,
            Error::AlreadySuspended,
            Error::NotSuspended,
            Error::AlreadyAtLocation,
            Error::NoSuchLocation,
        ] {
            assert_eq!(code(broken.into()).0, Code::FailedPrecondition);
        }
        assert_eq!(
            code(Error::Invalid("details.name must be 1 to 300 characters".into()).into()),
            (
                Code::InvalidArgument,
                "details.name must be 1 to 300 characters".to_owned()
            )
        );
        assert_eq!(
            code(EntryError::NotFound("location").into()).0,
            Code::NotFound
        );
        assert_eq!(
            code(EntryError::AlreadyRegistered("organization").into()).0,
            Code::AlreadyExists
        );
    }

    #[test]
    fn unknown_references_and_postcodes_name_the_field() {
        let (status, message) = code(AppError::UnknownReference {
            field: "organisation_id".into(),
            kind: "organization",
        });
        assert_eq!(status, Code::InvalidArgument);
        assert!(message.starts_with("organisation_id: "), "{message}");
        let (status, message) = code(AppError::UnknownPostcode);
        assert_eq!(status, Code::InvalidArgument);
        assert!(
            message.starts_with("address.postal_code: not a known postcode"),
            "{message}"
        );
    }

    #[test]
    fn conflicts_abort_and_faults_say_nothing_of_their_cause() {
        let conflict = StoreError::WrongExpectedVersion {
            stream_id: "service-a".into(),
            expected: ExpectedVersion::Exact(1),
            actual: Some(2),
        };
        assert_eq!(code(conflict.into()).0, Code::Aborted);
        let corrupt = serde_json::from_str::<u8>("nope").expect_err("not JSON");
        assert_eq!(
            code(AppError::Corrupt(corrupt)),
            (Code::Internal, "internal error".to_owned())
        );
    }
}
