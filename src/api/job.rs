//! Get Job's answer (`JobResponse`) and the pieces of it that request
//! bodies share: a return address, return shipping, a package, an export's
//! blob list.
//!
//! Strings the simulator fills in from constants are `Cow<'static, str>`, so
//! `fixtures` borrows them while `serve` can echo what a client sent.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Get Job's answer: one job as an ARM resource.
#[derive(Clone, Debug, Serialize)]
pub struct JobResponse {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub resource_type: Cow<'static, str>,
    pub location: Cow<'static, str>,
    pub properties: JobDetails,
}

/// `JobResponse.properties`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDetails {
    pub storage_account_id: String,
    pub job_type: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_address: Option<ReturnAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_shipping: Option<ReturnShipping>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_package: Option<PackageInformation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_package: Option<PackageInformation>,
    pub diagnostics_path: Cow<'static, str>,
    pub log_level: Cow<'static, str>,
    pub backup_drive_manifest: bool,
    pub state: &'static str,
    pub cancel_requested: bool,
    /// Within 0..=100.
    pub percent_complete: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_blob_list_uri: Option<String>,
    pub drive_list: Vec<DriveStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
    pub provisioning_state: &'static str,
}

/// One drive of `driveList` as Get Job reports it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveStatus {
    /// 8 uppercase hexadecimal digits.
    pub drive_id: String,
    pub state: &'static str,
    /// Absent until the drive is first `Transferring`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_status: Option<&'static str>,
    /// Within 0..=100.
    pub percent_complete: u32,
    pub bytes_succeeded: u64,
    pub manifest_file: Cow<'static, str>,
    pub manifest_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbose_log_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_log_uri: Option<String>,
}

/// `ReturnAddress`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnAddress {
    pub recipient_name: String,
    pub street_address1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address2: Option<String>,
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_province: Option<Cow<'static, str>>,
    pub postal_code: String,
    pub country_or_region: Cow<'static, str>,
    pub phone: String,
    pub email: String,
}

/// `ReturnShipping`: the carrier and the customer's account with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnShipping {
    pub carrier_name: Cow<'static, str>,
    pub carrier_account_number: String,
}

/// `PackageInfomation` (sic, the API's name) and `DeliveryPackageInformation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageInformation {
    pub carrier_name: Cow<'static, str>,
    pub tracking_number: String,
    /// Always given in answers; optional in requests (api-version 2021-01-01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_count: Option<u32>,
    /// `yyyy-MM-dd`; always given in answers, optional in requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_date: Option<String>,
}

/// `Export`: what an export job exports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    pub blob_list: BlobList,
}

/// `Export.blobList`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobList {
    pub blob_path_prefix: Vec<String>,
}
