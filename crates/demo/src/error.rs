//! Why a load stopped. A step a service refuses is a bug in the demo (it should only ever ask
//! for what the pathway allows), so every refusal names the step and the record it was about.

use directory::domain::centroids::CentroidError;

/// Why loading the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The options are out of range.
    #[error("invalid options: {0}")]
    Options(String),
    /// A target address is not usable (`http://host:port` expected).
    #[error("invalid target {address:?}: {reason}")]
    Target {
        /// The address given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The demo postcode sample could not be read.
    #[error("the demo postcodes: {0}")]
    Postcodes(String),
    /// A service could not be reached.
    #[error("cannot reach the {service} at {address}")]
    Unreachable {
        /// Which API.
        service: &'static str,
        /// Where.
        address: String,
        /// Why.
        #[source]
        source: tonic::transport::Error,
    },
    /// A gRPC call was refused or failed.
    #[error("{step}: {code:?}: {message}")]
    Refused {
        /// The step, naming the record (e.g. "person 12 (referral …): link worker accepts").
        step: String,
        /// The status code.
        code: tonic::Code,
        /// The status message.
        message: String,
    },
    /// The FHIR API answered with something other than success.
    #[error("{step}: HTTP {status}: {body}")]
    Fhir {
        /// The step.
        step: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body (an OperationOutcome naming the element at fault).
        body: String,
    },
    /// The FHIR API could not be reached.
    #[error("{step}: {reason}")]
    Http {
        /// The step.
        step: String,
        /// Why.
        reason: String,
    },
}

impl From<CentroidError> for DemoError {
    fn from(error: CentroidError) -> Self {
        Self::Postcodes(error.to_string())
    }
}

impl DemoError {
    /// A refusal of `step` with `status`.
    pub(crate) fn refused(step: &str, status: &tonic::Status) -> Self {
        Self::Refused {
            step: step.to_owned(),
            code: status.code(),
            message: status.message().to_owned(),
        }
    }
}
