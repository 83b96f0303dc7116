//! What a client told the service about its job, and the edge where request
//! bodies become the model's requests.
//!
//! `put_request` and `update_request` check a body the way the service
//! does and convert it into `model::PutJob` / `model::Update` (the engine
//! decides the rest: docs/model.md, Serving customer calls). `ClientJob`
//! keeps what the client gave (its resource group, storage account, return
//! address, carrier, drives and their BitLocker keys) so Get Job echoes it:
//! the lifecycle (states, bytes, logs) comes from the engine through the
//! one Get Job interpreter (`fixtures::snapshot::JobView`), and `overlay`
//! puts the client's own values over the invented ones. Between requests
//! the values are kept packed, with what many jobs share shared
//! (`serve::client_store`).

use std::borrow::Cow;
use std::sync::Arc;

use crate::api::{
    DriveSpec, Export, JobResponse, PackageInformation, PutJobBody, RESOURCE_TYPE, ReturnAddress,
    ReturnShipping, UpdateJobBody,
};
use crate::fixtures::fake::CustomerFake;
use crate::model::{JobKind, PutJob, Update};
use crate::serve::error::ApiError;

/// The longest job name accepted [characters].
pub const MAX_JOB_NAME: usize = 64;

/// Where a job belongs: ARM scopes a job by subscription and resource group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Owner {
    pub subscription: String,
    pub resource_group: String,
}

/// What a client gave for its job, echoed by Get Job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientJob {
    /// What many jobs of one customer give alike, shared between them
    /// (`serve::client_store`); changed by copy (`Arc::make_mut`).
    pub profile: Arc<Profile>,
    pub delivery_package: Option<PackageInformation>,
    /// Import jobs: the drives as listed, with their BitLocker keys.
    pub drives: Vec<GivenDrive>,
}

/// The values of a job that are usually the same for every job of a
/// customer: whose it is, where it ships from and to, how it logs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    pub owner: Owner,
    pub location: Option<Cow<'static, str>>,
    pub storage_account_id: String,
    pub return_address: Option<ReturnAddress>,
    pub return_shipping: Option<ReturnShipping>,
    pub diagnostics_path: Cow<'static, str>,
    pub log_level: Cow<'static, str>,
    pub backup_drive_manifest: bool,
    pub export: Option<Export>,
}

/// A drive of Put Job's `driveList`, as far as the service echoes it (Get
/// Job's drive list, `listBitLockerKeys`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenDrive {
    pub drive_id: String,
    pub bit_locker_key: String,
    pub manifest_file: Cow<'static, str>,
    pub manifest_hash: String,
}

impl Owner {
    /// ARM compares subscription ids and resource group names without case.
    pub fn is(&self, subscription: &str, resource_group: Option<&str>) -> bool {
        self.subscription.eq_ignore_ascii_case(subscription)
            && resource_group.is_none_or(|rg| self.resource_group.eq_ignore_ascii_case(rg))
    }

    /// The owner of a job of the scenario's own customers.
    pub fn of_fake(customer: &CustomerFake) -> Owner {
        Owner {
            subscription: customer.subscription_id.clone(),
            resource_group: customer.resource_group.clone(),
        }
    }
}

/// Checks a job name: lowercase letters, digits, `-` and `_`, starting with
/// a letter, at most `MAX_JOB_NAME` characters (docs/model.md, Jobs and drives).
pub fn check_job_name(name: &str) -> Result<(), ApiError> {
    let mut bytes = name.bytes();
    let starts_with_letter = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    let rest_ok =
        bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if starts_with_letter && rest_ok && name.len() <= MAX_JOB_NAME {
        Ok(())
    } else {
        Err(ApiError::InvalidJobName(
            crate::echo::cut(name).into_owned(),
        ))
    }
}

/// A drive id as the engine's serial: 8 hexadecimal digits (either case).
pub fn drive_serial(drive_id: &str) -> Option<u32> {
    (drive_id.len() == 8 && drive_id.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(drive_id, 16).ok())
        .flatten()
}

/// Put Job's body as the model's request, checked as the service checks it.
pub fn put_request(body: &PutJobBody, max_drives: u32) -> Result<PutJob, ApiError> {
    let properties = &body.properties;
    let invalid =
        |property: &'static str, message: String| ApiError::InvalidProperty { property, message };
    if properties.storage_account_id.trim().is_empty() {
        return Err(invalid(
            "properties.storageAccountId",
            "expected the ARM id of a storage account".to_string(),
        ));
    }
    let kind = match properties.job_type.as_ref() {
        "Import" | "import" => JobKind::Import,
        "Export" | "export" => JobKind::Export,
        other => {
            return Err(invalid(
                "properties.jobType",
                format!(
                    "expected Import or Export, got `{}`",
                    crate::echo::cut(other)
                ),
            ));
        }
    };
    let verbose_log = log_level_is_verbose(&properties.log_level)?;
    let listed = properties.drive_list.as_deref().unwrap_or_default();
    let (drives, export_drives) = match kind {
        JobKind::Import => {
            if listed.is_empty() || listed.len() > max_drives as usize {
                return Err(ApiError::DriveCount {
                    given: listed.len(),
                    max: max_drives,
                });
            }
            let mut serials = Vec::with_capacity(listed.len());
            for drive in listed {
                let serial = drive_serial(&drive.drive_id).ok_or_else(|| {
                    invalid(
                        "properties.driveList.driveId",
                        format!(
                            "`{}`: expected the drive's serial, 8 hexadecimal digits",
                            crate::echo::cut(&drive.drive_id)
                        ),
                    )
                })?;
                if serials.contains(&serial) {
                    return Err(invalid(
                        "properties.driveList.driveId",
                        format!("`{}` is listed twice", drive.drive_id),
                    ));
                }
                if drive.bit_locker_key.trim().is_empty() {
                    return Err(invalid(
                        "properties.driveList.bitLockerKey",
                        format!("drive {} has no BitLocker key", drive.drive_id),
                    ));
                }
                serials.push(serial);
            }
            (serials, None)
        }
        JobKind::Export => {
            if listed.len() > max_drives as usize {
                return Err(ApiError::DriveCount {
                    given: listed.len(),
                    max: max_drives,
                });
            }
            (
                Vec::new(),
                (!listed.is_empty()).then_some(listed.len() as u32),
            )
        }
    };
    Ok(PutJob {
        kind,
        drives,
        export_drives,
        return_address: properties.return_address.is_some(),
        delivery_package: properties.delivery_package.is_some(),
        verbose_log,
    })
}

/// Update Job Properties' body as the model's request.
pub fn update_request(body: &UpdateJobBody) -> Result<Update, ApiError> {
    let properties = &body.properties;
    let shipping = match properties.state.as_deref() {
        None => false,
        Some("Shipping") => true,
        Some(other) => {
            return Err(ApiError::InvalidProperty {
                property: "properties.state",
                message: format!(
                    "a customer can set only `Shipping`, got `{}`",
                    crate::echo::cut(other)
                ),
            });
        }
    };
    if let Some(level) = &properties.log_level {
        log_level_is_verbose(level)?;
    }
    Ok(Update {
        return_address: properties.return_address.is_some(),
        delivery_package: properties.delivery_package.is_some(),
        shipping,
        cancel: properties.cancel_requested == Some(true),
    })
}

fn log_level_is_verbose(level: &str) -> Result<bool, ApiError> {
    match level {
        "Verbose" => Ok(true),
        "Error" => Ok(false),
        other => Err(ApiError::InvalidProperty {
            property: "properties.logLevel",
            message: format!(
                "expected Error or Verbose, got `{}`",
                crate::echo::cut(other)
            ),
        }),
    }
}

impl ClientJob {
    /// What a Put Job gave.
    pub fn from_put(owner: Owner, body: PutJobBody) -> ClientJob {
        let properties = body.properties;
        let profile = Profile {
            owner,
            location: body.location,
            storage_account_id: properties.storage_account_id,
            return_address: properties.return_address,
            return_shipping: properties.return_shipping,
            diagnostics_path: properties.diagnostics_path,
            log_level: properties.log_level,
            backup_drive_manifest: properties.backup_drive_manifest,
            export: properties.export,
        };
        let drives = properties.drive_list.unwrap_or_default();
        ClientJob {
            profile: Arc::new(profile),
            delivery_package: properties.delivery_package,
            drives: drives.into_iter().map(GivenDrive::from).collect(),
        }
    }

    /// A second Put Job on a job still `Creating`: its values replace the
    /// earlier ones, except that a drive list stands as first given and
    /// what the new body leaves out is kept.
    pub fn replace(&mut self, body: PutJobBody) {
        let properties = body.properties;
        let profile = Arc::make_mut(&mut self.profile);
        profile.location = body.location.or(profile.location.take());
        profile.storage_account_id = properties.storage_account_id;
        profile.return_address = properties.return_address.or(profile.return_address.take());
        profile.return_shipping = properties
            .return_shipping
            .or(profile.return_shipping.take());
        profile.diagnostics_path = properties.diagnostics_path;
        profile.log_level = properties.log_level;
        profile.backup_drive_manifest = properties.backup_drive_manifest;
        profile.export = properties.export.or(profile.export.take());
        self.delivery_package = properties.delivery_package.or(self.delivery_package.take());
    }

    /// An accepted Update Job Properties: what it gave replaces what was
    /// known. A cancellation is applied on its own (model::Update).
    pub fn update(&mut self, body: UpdateJobBody, update: Update) {
        if update.cancel {
            return;
        }
        let properties = body.properties;
        if properties.delivery_package.is_some() {
            self.delivery_package = properties.delivery_package;
        }
        let changes_profile = properties.return_address.is_some()
            || properties.return_shipping.is_some()
            || properties.log_level.is_some()
            || properties.backup_drive_manifest.is_some();
        if !changes_profile {
            return;
        }
        let profile = Arc::make_mut(&mut self.profile);
        if properties.return_address.is_some() {
            profile.return_address = properties.return_address;
        }
        if properties.return_shipping.is_some() {
            profile.return_shipping = properties.return_shipping;
        }
        if let Some(level) = properties.log_level {
            profile.log_level = level;
        }
        if let Some(backup) = properties.backup_drive_manifest {
            profile.backup_drive_manifest = backup;
        }
    }

    /// The drive the client listed whose id is the engine's drive `serial`.
    pub fn given_drive(&self, serial: u32) -> Option<&GivenDrive> {
        self.drives
            .iter()
            .find(|drive| drive_serial(&drive.drive_id) == Some(serial))
    }

    /// Puts the client's values over the invented ones of `response` (a
    /// Get Job answer built with the job's fake customer, whose blob
    /// endpoint is `fake_blob_endpoint`).
    pub fn overlay(self, response: &mut JobResponse, fake_blob_endpoint: &str) {
        let profile = &*self.profile;
        response.id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{RESOURCE_TYPE}/{}",
            profile.owner.subscription, profile.owner.resource_group, response.name
        );
        if let Some(location) = &profile.location {
            response.location = location.clone();
        }
        let details = &mut response.properties;
        details.storage_account_id = profile.storage_account_id.clone();
        if details.return_address.is_some()
            && let Some(address) = &profile.return_address
        {
            details.return_address = Some(address.clone());
        }
        if details.return_shipping.is_some() {
            details.return_shipping = profile.return_shipping.clone();
        }
        if let (Some(shown), Some(given)) = (&mut details.delivery_package, self.delivery_package) {
            shown.carrier_name = given.carrier_name;
            shown.tracking_number = given.tracking_number;
            if given.drive_count.is_some() {
                shown.drive_count = given.drive_count;
            }
            if given.ship_date.is_some() {
                shown.ship_date = given.ship_date;
            }
        }
        if let (Some(shown), Some(shipping)) =
            (&mut details.return_package, &profile.return_shipping)
        {
            shown.carrier_name = shipping.carrier_name.clone();
        }
        details.diagnostics_path = profile.diagnostics_path.clone();
        details.log_level = profile.log_level.clone();
        details.backup_drive_manifest = profile.backup_drive_manifest;
        if profile.export.is_some() {
            details.export = profile.export.clone();
        }
        let blob_endpoint = profile.blob_endpoint();
        let rebase = |uri: &mut Option<String>| {
            if let Some(text) = uri
                && let (Some(rest), Some(endpoint)) =
                    (text.strip_prefix(fake_blob_endpoint), &blob_endpoint)
            {
                *text = format!("{endpoint}{rest}");
            }
        };
        rebase(&mut details.incomplete_blob_list_uri);
        for drive in &mut details.drive_list {
            rebase(&mut drive.error_log_uri);
            rebase(&mut drive.verbose_log_uri);
            let serial = drive_serial(&drive.drive_id);
            if let Some(given) = self
                .drives
                .iter()
                .find(|given| drive_serial(&given.drive_id) == serial)
            {
                drive.drive_id = given.drive_id.clone();
                drive.manifest_file = given.manifest_file.clone();
                drive.manifest_hash = given.manifest_hash.clone();
            }
        }
    }
}

impl Profile {
    /// `https://<account>.blob.core.windows.net`, from the storage account id.
    fn blob_endpoint(&self) -> Option<String> {
        let account = self
            .storage_account_id
            .rsplit('/')
            .find(|part| !part.is_empty())?;
        Some(format!("https://{account}.blob.core.windows.net"))
    }
}

impl From<DriveSpec> for GivenDrive {
    fn from(drive: DriveSpec) -> GivenDrive {
        GivenDrive {
            drive_id: drive.drive_id,
            bit_locker_key: drive.bit_locker_key,
            manifest_file: drive.manifest_file,
            manifest_hash: drive.manifest_hash,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_follow_the_documented_alphabet() {
        for name in ["a", "job-0000017", "r0k3xz-job-0000001-r2", "my_job"] {
            assert_eq!(check_job_name(name), Ok(()), "{name}");
        }
        let long = "a".repeat(MAX_JOB_NAME + 1);
        for name in ["", "1job", "Job", "job.1", "job 1", "-job", long.as_str()] {
            assert!(check_job_name(name).is_err(), "{name}");
        }
    }

    #[test]
    fn drive_ids_are_8_hex_digits() {
        assert_eq!(drive_serial("9CA995BB"), Some(0x9CA9_95BB));
        assert_eq!(drive_serial("9ca995bb"), Some(0x9CA9_95BB));
        assert_eq!(drive_serial("9CA995B"), None);
        assert_eq!(drive_serial("9CA995BG"), None);
        assert_eq!(drive_serial("+CA995BB"), None);
    }

    fn put(json: &str) -> Result<PutJob, ApiError> {
        put_request(&serde_json::from_str(json).unwrap(), 2)
    }

    #[test]
    fn put_bodies_become_the_models_requests() {
        let import = put(
            r#"{"properties":{"storageAccountId":"/s","jobType":"Import","logLevel":"Verbose",
                "returnAddress":{"recipientName":"r","streetAddress1":"s","city":"c",
                "postalCode":"p","countryOrRegion":"USA","phone":"1","email":"e"},
                "driveList":[{"driveId":"0000000A","bitLockerKey":"k"}]}}"#,
        )
        .unwrap();
        assert_eq!(import.kind, JobKind::Import);
        assert_eq!(import.drives, [10]);
        assert!(import.return_address && import.verbose_log && !import.delivery_package);
        let export = put(r#"{"properties":{"storageAccountId":"/s","jobType":"Export"}}"#).unwrap();
        assert_eq!((export.kind, export.export_drives), (JobKind::Export, None));
    }

    #[test]
    fn put_bodies_the_service_refuses() {
        let drives = |list: &str| {
            put(&format!(
                r#"{{"properties":{{"storageAccountId":"/s","jobType":"Import","driveList":[{list}]}}}}"#
            ))
        };
        let drive = |id: &str| format!(r#"{{"driveId":"{id}","bitLockerKey":"k"}}"#);
        assert_eq!(drives(""), Err(ApiError::DriveCount { given: 0, max: 2 }));
        let three = [drive("00000001"), drive("00000002"), drive("00000003")].join(",");
        assert_eq!(
            drives(&three),
            Err(ApiError::DriveCount { given: 3, max: 2 })
        );
        let twice = [drive("00000001"), drive("00000001")].join(",");
        assert!(matches!(
            drives(&twice),
            Err(ApiError::InvalidProperty { .. })
        ));
        assert!(matches!(
            drives(&drive("xyz")),
            Err(ApiError::InvalidProperty { .. })
        ));
        let kind = put(r#"{"properties":{"storageAccountId":"/s","jobType":"Move"}}"#);
        assert!(matches!(
            kind,
            Err(ApiError::InvalidProperty {
                property: "properties.jobType",
                ..
            })
        ));
    }

    #[test]
    fn a_customer_sets_no_state_but_shipping() {
        let update = |json: &str| update_request(&serde_json::from_str(json).unwrap());
        assert_eq!(
            update(
                r#"{"properties":{"state":"Shipping","deliveryPackage":{"carrierName":"UPS","trackingNumber":"1"}}}"#
            ),
            Ok(Update {
                return_address: false,
                delivery_package: true,
                shipping: true,
                cancel: false
            })
        );
        assert_eq!(
            update(r#"{"properties":{"cancelRequested":true}}"#),
            Ok(Update::CANCEL)
        );
        assert!(update(r#"{"properties":{"state":"Completed"}}"#).is_err());
    }
}
