//! List answers: a page of jobs, a job's BitLocker keys, the provider's
//! locations and operations.

use serde::Serialize;

use crate::api::job::JobResponse;

/// One page of List Jobs (by resource group or by subscription).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobList {
    pub value: Vec<JobResponse>,
    /// The absolute URL of the next page, absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// The answer of `listBitLockerKeys`.
#[derive(Clone, Debug, Serialize)]
pub struct GetBitLockerKeysResponse {
    pub value: Vec<DriveBitLockerKey>,
}

/// One drive's BitLocker key.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveBitLockerKey {
    pub drive_id: String,
    pub bit_locker_key: String,
}

/// A data centre location of the service (`GET .../locations`).
#[derive(Clone, Debug, Serialize)]
pub struct Location {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub resource_type: &'static str,
    pub properties: LocationProperties,
}

/// `Location.properties`: where drives are shipped.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationProperties {
    pub recipient_name: &'static str,
    pub street_address1: &'static str,
    pub city: &'static str,
    pub state_or_province: &'static str,
    pub postal_code: &'static str,
    pub country_or_region: &'static str,
    pub phone: &'static str,
    pub supported_carriers: Vec<&'static str>,
    pub alternate_locations: Vec<String>,
}

/// One operation of the provider (`GET .../operations`).
#[derive(Clone, Debug, Serialize)]
pub struct Operation {
    pub name: &'static str,
    pub display: OperationDisplay,
}

/// `Operation.display`.
#[derive(Clone, Debug, Serialize)]
pub struct OperationDisplay {
    pub provider: &'static str,
    pub resource: &'static str,
    pub operation: &'static str,
    pub description: &'static str,
}
