//! What a customer can ask of the service through the API, and how the
//! service answers (docs/model.md, Customer behaviour).
//!
//! These are the model's own types, not the wire's: a server converts the
//! JSON of a request into them at its edge, and the simulated customers
//! build them directly. Both go through the same rules (`sim::service`), so
//! a call answers the same whoever makes it.

use crate::model::JobKind;

/// Put Job: create a job (or replace one still `Creating`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutJob {
    pub kind: JobKind,
    /// Serials of the listed drives (import jobs; empty for export). At
    /// most `policy.max_drives_per_job`, checked at the edge.
    pub drives: Vec<u32>,
    /// Export jobs: how many drives the customer will ship (drawn from the
    /// scenario when `None`).
    pub export_drives: Option<u32>,
    /// The request gives a return address.
    pub return_address: bool,
    /// The request gives a delivery package.
    pub delivery_package: bool,
    /// `logLevel = Verbose`.
    pub verbose_log: bool,
}

/// Update Job Properties: the parts a request carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Update {
    /// The request gives a return address.
    pub return_address: bool,
    /// The request gives a delivery package (carrier and tracking number).
    pub delivery_package: bool,
    /// The request sets `state = Shipping`.
    pub shipping: bool,
    /// The request sets `cancelRequested = true`. A cancellation is applied
    /// on its own: the request's other parts are not.
    pub cancel: bool,
}

impl Update {
    /// An update of properties that changes no state (log level, backup
    /// manifest, ...).
    pub const PROPERTIES: Update = Update {
        return_address: false,
        delivery_package: false,
        shipping: false,
        cancel: false,
    };

    /// `state = Shipping` with the delivery package.
    pub const SHIPPING: Update = Update {
        return_address: false,
        delivery_package: true,
        shipping: true,
        cancel: false,
    };

    /// `state = Shipping` with the delivery package and the return address.
    pub const SHIPPING_WITH_ADDRESS: Update = Update {
        return_address: true,
        delivery_package: true,
        shipping: true,
        cancel: false,
    };

    /// `cancelRequested = true`.
    pub const CANCEL: Update = Update {
        return_address: false,
        delivery_package: false,
        shipping: false,
        cancel: true,
    };
}

/// The service's answer to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Put Job created the job (HTTP 201).
    Created,
    /// Done (HTTP 200); for Put Job, a job still `Creating` was replaced.
    Accepted,
    /// The request is invalid as it stands (HTTP 400).
    Invalid(Invalid),
    /// Not allowed in the job's current state (HTTP 409).
    Conflict,
    /// The job does not exist (HTTP 404).
    NotFound,
}

/// Why a request was invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// `state = Shipping` needs a return address, given now or before.
    MissingReturnAddress,
    /// `state = Shipping` needs a delivery package, given now or before.
    MissingDeliveryPackage,
}

impl Answer {
    /// The HTTP status the service answers with: the one source of the
    /// statuses `impexsim calls` expects and `impexsim serve` sends.
    pub fn status(self) -> u16 {
        match self {
            Answer::Created => 201,
            Answer::Accepted => 200,
            Answer::Invalid(_) => 400,
            Answer::Conflict => 409,
            Answer::NotFound => 404,
        }
    }

    pub fn is_success(self) -> bool {
        matches!(self, Answer::Created | Answer::Accepted)
    }
}
