//! The one mapping from store and command errors to gRPC status codes, used at every
//! service's edge.
//!
//! A concurrency conflict is `ABORTED` (the client reloads and retries), a malformed append or a
//! reused event id is `INVALID_ARGUMENT`, an unreachable database is `UNAVAILABLE`, a stream
//! that failed its integrity check is `DATA_LOSS`, and anything else is `INTERNAL`; the last two
//! carry no cause text: the cause is logged, never sent to the client. A domain's refusal of a
//! command keeps its message and takes the code its [`Refusal`] gives.

use crate::StoreError;
use crate::aggregate::CommandError;

/// A domain's refusal of a command, as a gRPC client should hear it.
pub trait Refusal: std::error::Error {
    /// What the caller should do about it: `NOT_FOUND`, `FAILED_PRECONDITION` (the state
    /// forbids it), `PERMISSION_DENIED`, `INVALID_ARGUMENT`... The message is the refusal's own.
    fn code(&self) -> tonic::Code;
}

impl<E: Refusal + 'static> From<CommandError<E>> for tonic::Status {
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Rejected(refused) => {
                tonic::Status::new(refused.code(), refused.to_string())
            }
            CommandError::Store(store) => store.into(),
            CommandError::Encode(_) | CommandError::Corrupt { .. } => {
                tracing::error!(error = %crate::error_chain(&error), "data fault");
                tonic::Status::internal("internal error")
            }
        }
    }
}

impl From<StoreError> for tonic::Status {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::WrongExpectedVersion { .. } | StoreError::ConcurrentAppend { .. } => {
                tonic::Status::aborted(error.to_string())
            }
            StoreError::EventIdReused { .. } | StoreError::InvalidAppend(_) => {
                tonic::Status::invalid_argument(error.to_string())
            }
            StoreError::Unavailable(_) => {
                tonic::Status::unavailable("the event store is unavailable")
            }
            StoreError::ReadOnly => tonic::Status::unavailable(
                "the service is read-only while its log's integrity is investigated",
            ),
            StoreError::Tampered { .. } => {
                tracing::error!(error = %error, "stored data failed its integrity check");
                tonic::Status::data_loss("stored data failed its integrity check")
            }
            StoreError::Upcast { .. }
            | StoreError::Config(_)
            | StoreError::Database(_)
            | StoreError::Migrate(_) => {
                tracing::error!(error = %crate::error_chain(&error), "event store failure");
                tonic::Status::internal("internal error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;
    use uuid::Uuid;

    use crate::{ExpectedVersion, StoreError};

    #[test]
    fn conflicts_are_aborted_and_name_the_stream() {
        let status = tonic::Status::from(StoreError::WrongExpectedVersion {
            stream_id: "referral-1".to_owned(),
            expected: ExpectedVersion::Exact(3),
            actual: Some(4),
        });
        assert_eq!(status.code(), Code::Aborted);
        assert!(status.message().contains("referral-1"));
        let raced = StoreError::ConcurrentAppend {
            event_id: Uuid::nil(),
        };
        assert_eq!(tonic::Status::from(raced).code(), Code::Aborted);
    }

    #[test]
    fn bad_input_is_invalid_argument_and_failures_hide_their_cause() {
        let invalid = StoreError::InvalidAppend("stream_id \"a b\" must be …".to_owned());
        assert_eq!(tonic::Status::from(invalid).code(), Code::InvalidArgument);
        let reused = StoreError::EventIdReused {
            event_id: Uuid::nil(),
        };
        assert_eq!(tonic::Status::from(reused).code(), Code::InvalidArgument);
        let down = StoreError::Unavailable(sqlx::Error::PoolTimedOut);
        assert_eq!(tonic::Status::from(down).code(), Code::Unavailable);
        let internal = tonic::Status::from(StoreError::Database(sqlx::Error::RowNotFound));
        assert_eq!(internal.code(), Code::Internal);
        assert_eq!(internal.message(), "internal error");
    }

    #[test]
    fn tampering_is_data_loss_and_names_nothing() {
        let status = tonic::Status::from(StoreError::Tampered {
            stream_id: "referral-1".to_owned(),
            problem: "truncated".to_owned(),
        });
        assert_eq!(status.code(), Code::DataLoss);
        assert!(
            !status.message().contains("referral-1"),
            "{}",
            status.message()
        );
        assert!(
            !status.message().contains("truncated"),
            "{}",
            status.message()
        );
    }
}
