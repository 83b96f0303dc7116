//! The wire types of the Import/Export REST API (Microsoft.ImportExport,
//! api-versions 2016-11-01 and 2021-01-01): serde structs that mirror the
//! API's camelCase JSON, shared by everything that reads or writes it.
//!
//! - `job`: Get Job's `JobResponse` and the pieces it shares with request
//!   bodies (`ReturnAddress`, `ReturnShipping`, `PackageInformation`,
//!   `Export`); what `fixtures` writes and `serve` answers.
//! - `request`: the bodies of Put Job and Update Job Properties; `calls`
//!   writes them, `serve` reads them.
//! - `list`: List Jobs pages, `listBitLockerKeys`, locations and operations.
//! - `error`: the ARM error body `{"error":{"code","message"}}`.
//!
//! Field order is the API's, and a field that is `None` is left out of the
//! JSON (the service omits what it does not know yet rather than writing
//! `null`). Request types accept what the official clients send: fields the
//! simulator has no use for are ignored, and optional fields take the
//! service's defaults. These are edge types: `serve` converts them into the
//! model's requests (`model::PutJob`, `model::Update`) at its edge.

pub mod error;
pub mod job;
pub mod list;
pub mod request;

pub use self::error::{ErrorBody, ErrorResponse};
pub use self::job::{
    BlobList, DriveStatus, Export, JobDetails, JobResponse, PackageInformation, ReturnAddress,
    ReturnShipping,
};
pub use self::list::{DriveBitLockerKey, GetBitLockerKeysResponse, JobList, Location, Operation};
pub use self::request::{
    DriveSpec, PutJobBody, PutJobProperties, UpdateJobBody, UpdateJobProperties,
};

/// The resource type of every job.
pub const RESOURCE_TYPE: &str = "Microsoft.ImportExport/jobs";

/// The API version of the paths `calls` writes (the Python client's).
pub const API_VERSION: &str = "2016-11-01";

/// Every API version `serve` answers: the Python client sends the first,
/// the JavaScript client the second. The shapes are the same for what the
/// simulator reports.
pub const API_VERSIONS: [&str; 2] = ["2016-11-01", "2021-01-01"];

/// `diagnosticsPath` of every job: the container the service writes logs to.
pub const DIAGNOSTICS_PATH: &str = "waimportexport";

/// `manifestFile` of every drive.
pub const MANIFEST_FILE: &str = "\\DriveManifest.xml";
