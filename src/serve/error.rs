//! `ApiError`: every way `serve` refuses a request, each with its HTTP
//! status and the ARM error body `{"error":{"code","message"}}`.
//!
//! Handlers return `Result<_, ApiError>`; nothing builds an error body by
//! hand. Refusals the service's rules decide (a Shipping update without a
//! return address, an update in the wrong state, an unknown job) come from
//! the engine's `model::Answer`, whose `status()` is the one source of those
//! statuses (`ApiError::from_answer`), so `serve` answers exactly what
//! `impexsim calls` expects.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::{API_VERSIONS, ErrorBody, ErrorResponse};
use crate::model::{Answer, Invalid, JobState};

/// A refused request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer <token>` header (401).
    #[error("the request has no `Authorization: Bearer <token>` header")]
    Unauthorized,
    /// No `api-version` query parameter (400).
    #[error("the request has no api-version query parameter; supported: {}", API_VERSIONS.join(", "))]
    MissingApiVersion,
    /// An `api-version` the server does not speak (400).
    #[error("api-version `{0}` is not supported; supported: {versions}", versions = API_VERSIONS.join(", "))]
    UnsupportedApiVersion(String),
    /// A body that is not JSON, or not the JSON the call takes (400).
    #[error("the request body is not valid: {0}")]
    InvalidBody(String),
    /// A job name outside the documented alphabet or length (400).
    #[error(
        "job name `{0}`: expected 1 to 64 lowercase letters, digits, `-` and `_`, starting with a letter"
    )]
    InvalidJobName(String),
    /// More drives than `policy.max_drives_per_job`, or none for an import (400).
    #[error("an import job lists 1 to {max} drives; this one lists {given}")]
    DriveCount { given: usize, max: u32 },
    /// A property with a value the service does not take (400).
    #[error("{property}: {message}")]
    InvalidProperty {
        property: &'static str,
        message: String,
    },
    /// A query parameter with a value the server does not take (400).
    #[error("query parameter {parameter}: {message}")]
    InvalidQuery {
        parameter: &'static str,
        message: String,
    },
    /// An `x-impexsim-*` header that cannot be read (400).
    #[error("header {header}: {message}")]
    InvalidHeader {
        header: &'static str,
        message: String,
    },
    /// `state = Shipping` without a return address, now or before (400).
    #[error(
        "cannot set state Shipping: the job has no returnAddress (give it in this request or an earlier one)"
    )]
    MissingReturnAddress,
    /// `state = Shipping` without a delivery package, now or before (400).
    #[error(
        "cannot set state Shipping: the job has no deliveryPackage (carrier and tracking number; give it in this request or an earlier one)"
    )]
    MissingDeliveryPackage,
    /// The job does not exist (404).
    #[error("job `{job}` was not found in resource group `{resource_group}`")]
    JobNotFound { job: String, resource_group: String },
    /// Not allowed in the job's current state (409).
    #[error("{action} is refused while the job is {state}: {rule}")]
    Conflict {
        action: &'static str,
        state: &'static str,
        rule: String,
    },
    /// The job name is taken by a job of another resource group (409).
    #[error("job name `{0}` is taken by a job of another resource group or subscription")]
    NameTaken(String),
    /// A request to move the simulated clock that cannot be done (400).
    #[error("{0}")]
    Clock(String),
    /// A path the API does not have (404).
    #[error("no such resource: {0}")]
    UnknownPath(String),
    /// A method the path does not take (405).
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    /// A body over the size limit (413).
    #[error("the request body is larger than {0} bytes")]
    BodyTooLarge(usize),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::MissingApiVersion
            | ApiError::UnsupportedApiVersion(_)
            | ApiError::InvalidBody(_)
            | ApiError::InvalidJobName(_)
            | ApiError::DriveCount { .. }
            | ApiError::InvalidProperty { .. }
            | ApiError::InvalidQuery { .. }
            | ApiError::InvalidHeader { .. }
            | ApiError::MissingReturnAddress
            | ApiError::MissingDeliveryPackage
            | ApiError::Clock(_) => StatusCode::BAD_REQUEST,
            ApiError::JobNotFound { .. } | ApiError::UnknownPath(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } | ApiError::NameTaken(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// The ARM error code (`error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "AuthenticationFailed",
            ApiError::MissingApiVersion => "MissingApiVersionParameter",
            ApiError::UnsupportedApiVersion(_) => "InvalidApiVersionParameter",
            ApiError::InvalidBody(_) => "InvalidRequestContent",
            ApiError::InvalidJobName(_) => "InvalidResourceName",
            ApiError::DriveCount { .. } => "InvalidDriveCount",
            ApiError::InvalidProperty { .. } => "InvalidParameter",
            ApiError::InvalidQuery { .. } => "InvalidQueryParameterValue",
            ApiError::InvalidHeader { .. } => "InvalidHeader",
            ApiError::MissingReturnAddress => "MissingReturnAddress",
            ApiError::MissingDeliveryPackage => "MissingDeliveryPackage",
            ApiError::JobNotFound { .. } => "ResourceNotFound",
            ApiError::Conflict { .. } => "InvalidJobState",
            ApiError::NameTaken(_) => "ResourceNameTaken",
            ApiError::Clock(_) => "InvalidClockRequest",
            ApiError::UnknownPath(_) => "NotFound",
            ApiError::MethodNotAllowed { .. } => "MethodNotAllowed",
            ApiError::BodyTooLarge(_) => "RequestTooLarge",
        }
    }

    /// The refusal the engine's answer stands for, `None` for a success.
    /// `state` is the job's state after the call (for a 409's message),
    /// `action` and `rule` what was refused and the rule that refuses it.
    pub fn from_answer(answer: Answer, refused: Refused<'_>) -> Option<ApiError> {
        let error = match answer {
            Answer::Created | Answer::Accepted => return None,
            Answer::Invalid(Invalid::MissingReturnAddress) => ApiError::MissingReturnAddress,
            Answer::Invalid(Invalid::MissingDeliveryPackage) => ApiError::MissingDeliveryPackage,
            Answer::Conflict => ApiError::Conflict {
                action: refused.action,
                state: refused.state.map_or("gone", JobState::as_str),
                rule: refused.rule,
            },
            Answer::NotFound => ApiError::JobNotFound {
                job: refused.job.to_string(),
                resource_group: refused.resource_group.to_string(),
            },
        };
        debug_assert_eq!(error.status().as_u16(), answer.status());
        Some(error)
    }
}

/// What a refused call was, for the message of its error.
#[derive(Clone, Debug)]
pub struct Refused<'a> {
    pub job: &'a str,
    pub resource_group: &'a str,
    pub state: Option<JobState>,
    pub action: &'static str,
    pub rule: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorResponse {
            error: ErrorBody {
                code: self.code().to_string(),
                message: self.to_string(),
            },
        };
        let bytes = serde_json::to_vec(&body).expect("an error body serializes");
        let mut response = (self.status(), bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if self == ApiError::Unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Refused<'static> {
        Refused {
            job: "j",
            resource_group: "rg",
            state: Some(JobState::Shipping),
            action: "Delete Job",
            rule: "a job can be deleted only while Creating or Completed".to_string(),
        }
    }

    /// The statuses of the engine's answers are `Answer::status()`'s.
    #[test]
    fn answers_map_to_their_status() {
        for answer in [
            Answer::Invalid(Invalid::MissingReturnAddress),
            Answer::Invalid(Invalid::MissingDeliveryPackage),
            Answer::Conflict,
            Answer::NotFound,
        ] {
            let error = ApiError::from_answer(answer, refused()).unwrap();
            assert_eq!(error.status().as_u16(), answer.status(), "{answer:?}");
        }
        assert_eq!(ApiError::from_answer(Answer::Created, refused()), None);
        assert_eq!(ApiError::from_answer(Answer::Accepted, refused()), None);
    }

    #[test]
    fn a_conflict_names_the_state_and_the_rule() {
        let error = ApiError::from_answer(Answer::Conflict, refused()).unwrap();
        assert_eq!(
            error.to_string(),
            "Delete Job is refused while the job is Shipping: a job can be deleted only while \
             Creating or Completed"
        );
        assert_eq!(error.code(), "InvalidJobState");
    }
}
