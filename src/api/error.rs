//! The ARM error body, `{"error":{"code","message"}}`, as every Azure
//! Resource Manager API answers a refused request.

use serde::{Deserialize, Serialize};

/// An ARM error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

/// `error` of an ARM error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A machine-readable code, such as `ResourceNotFound`.
    pub code: String,
    /// What was wrong, for a person.
    pub message: String,
}
