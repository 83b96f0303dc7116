//! The bodies of Put Job (`PutJobParameters`) and Update Job Properties
//! (`UpdateJobParameters`): `calls` writes them, `serve` reads them.
//!
//! Reading follows the service: the fields it requires are required
//! (`properties`, `storageAccountId`, `jobType`; in a drive, `driveId` and
//! `bitLockerKey`), optional ones take its defaults (`diagnosticsPath`
//! `waimportexport`, `logLevel` `Error`, `backupDriveManifest` false), and
//! fields the simulator does not model (`tags`, `incompleteBlobListUri`,
//! `percentComplete`, ...) are ignored.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::api::job::{Export, PackageInformation, ReturnAddress, ReturnShipping};
use crate::api::{DIAGNOSTICS_PATH, MANIFEST_FILE};

/// The body of Put Job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PutJobBody {
    /// The Azure location; the service's own when a request leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Cow<'static, str>>,
    pub properties: PutJobProperties,
}

/// `PutJobParameters.properties`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutJobProperties {
    pub storage_account_id: String,
    /// `Import` or `Export`.
    pub job_type: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_address: Option<ReturnAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_shipping: Option<ReturnShipping>,
    /// Given already at creation (the customer shipped before creating the job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_package: Option<PackageInformation>,
    #[serde(default = "default_diagnostics_path")]
    pub diagnostics_path: Cow<'static, str>,
    /// `Error` or `Verbose`.
    #[serde(default = "default_log_level")]
    pub log_level: Cow<'static, str>,
    #[serde(default)]
    pub backup_drive_manifest: bool,
    /// Import jobs: the drives shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_list: Option<Vec<DriveSpec>>,
    /// Export jobs: what to export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

/// One drive of Put Job's `driveList`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveSpec {
    pub drive_id: String,
    pub bit_locker_key: String,
    #[serde(default = "default_manifest_file")]
    pub manifest_file: Cow<'static, str>,
    #[serde(default)]
    pub manifest_hash: String,
    #[serde(default)]
    pub drive_header_hash: Cow<'static, str>,
}

/// The body of Update Job Properties.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UpdateJobBody {
    #[serde(default)]
    pub properties: UpdateJobProperties,
}

/// `UpdateJobParameters.properties`: only what the call changes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateJobProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_requested: Option<bool>,
    /// `Shipping` when set (the one state a customer may set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Cow<'static, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_address: Option<ReturnAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_shipping: Option<ReturnShipping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_package: Option<PackageInformation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<Cow<'static, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_drive_manifest: Option<bool>,
}

fn default_diagnostics_path() -> Cow<'static, str> {
    DIAGNOSTICS_PATH.into()
}

fn default_log_level() -> Cow<'static, str> {
    "Error".into()
}

fn default_manifest_file() -> Cow<'static, str> {
    MANIFEST_FILE.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_put_takes_the_service_defaults() {
        let body: PutJobBody = serde_json::from_str(
            r#"{"properties":{"storageAccountId":"/s/a","jobType":"Import",
                "driveList":[{"driveId":"9CA995BB","bitLockerKey":"1-2"}],"tags":{"a":"b"}}}"#,
        )
        .unwrap();
        assert_eq!(body.location, None);
        let properties = body.properties;
        assert_eq!(properties.diagnostics_path, "waimportexport");
        assert_eq!(properties.log_level, "Error");
        assert!(!properties.backup_drive_manifest);
        let drive = &properties.drive_list.unwrap()[0];
        assert_eq!(drive.manifest_file, MANIFEST_FILE);
        assert_eq!(drive.manifest_hash, "");
    }

    #[test]
    fn a_put_without_its_required_fields_names_the_first_missing() {
        let error = serde_json::from_str::<PutJobBody>(r#"{"properties":{"jobType":"Import"}}"#)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("missing field `storageAccountId`"),
            "{error}"
        );
    }
}
