//! The closed set of things that happen, as the event queue holds them.
//!
//! Every event but `Arrival` and `Snapshot` names one job by `JobRef`. Some
//! events *hold* their job's row open until they run (see `Event::is_held`):
//! a job is not written out while one is pending. The others are timers that
//! can be made stale (a timer generation in the event no longer matches the
//! job's) and then do nothing when they pop.

use crate::sim::job::JobRef;

/// Something that happens at one instant.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The next job of the arrival process is created.
    Arrival,
    /// The daily `timeseries.csv` snapshot.
    Snapshot,
    /// The simulated customer does something (see `sim::customer`).
    Customer(JobRef, CustomerAct),
    CreatingTimeout(JobRef, u32),
    PackageDelivered(JobRef),
    LateDriveDelivered(JobRef, u8),
    /// `receive_lag` is over: the package joins the receiving queue.
    ReceiveReady(JobRef, Package),
    ReceiveDone(JobRef, Package),
    ShippingDeadline(JobRef, u32),
    OverdueAnswered(JobRef, u32, OverdueAnswer),
    OverdueNoAnswer(JobRef, u32),
    OrphanAnswered(JobRef),
    OrphanWindowEnd(JobRef),
    /// `copy_lag` is over: the job's received drives join the copy queue.
    CopyLagDone(JobRef),
    CopyDone(JobRef, u8),
    DriveFault(JobRef, u8),
    DriveFaultEnd(JobRef, u8, Resolution),
    JobFaultEnd(JobRef, Resolution),
    AddressAnswered(JobRef),
    AddressWindowEnd(JobRef),
    PackagingDone(JobRef, Shipment),
    /// An export return reaches (or fails to reach) the customer.
    ReturnDelivered(JobRef),
    /// Drives that could not be returned are destroyed.
    Destroy(JobRef, DestroyGroup),
    /// A finished job's retention is over: it is deleted (servers only).
    RetentionOver(JobRef),
}

/// What a simulated customer does, each at a time drawn in its job's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerAct {
    /// The one Update Job Properties while `Creating`.
    UpdateWhileCreating,
    /// Hands the package to the carrier and sends the Shipping update
    /// (unless the customer skips it).
    Ships,
    /// Sends the Shipping update again, with the return address a first one lacked.
    FixesShippingUpdate,
    /// Asks for the job to be cancelled.
    RequestsCancellation,
}

/// Which package a receiving operator processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Package {
    /// The job's package.
    Main,
    /// A listed drive that was missing and turned up later, on its own.
    LateDrive(u8),
}

/// What a packaging staff member ships back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shipment {
    /// All of a job's drives on site, when it leaves `Packaging`.
    Job,
    /// Orphan drives on site (their job is `Creating`, `Closed` or gone).
    Orphans,
    /// One late drive whose job has already shipped back.
    Stray(u8),
}

/// What a customer answered to an overdue-package contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverdueAnswer {
    Extend,
    Cancel,
}

/// How a job or drive fault ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Resolved within the customer response window.
    Resolved,
    /// Still unresolved when the window closed.
    Unresolved,
}

/// Which drives a destruction covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DestroyGroup {
    /// The orphan drives on site.
    Orphans,
    /// Every drive of the job on site (wrong return address never fixed).
    All,
    /// One late drive.
    Stray(u8),
}

/// Which of a job's drives an event reads (`Event::drives_read`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrivesRead {
    /// This one.
    One(u8),
    /// Each of them (a package received, copies opened, drives shipped back).
    All,
    /// Some, or none, depending on the job and the path.
    Some,
}

impl Event {
    /// The job the event concerns, if any.
    pub fn job(self) -> Option<JobRef> {
        match self {
            Event::Arrival | Event::Snapshot => None,
            Event::Customer(j, _)
            | Event::CreatingTimeout(j, _)
            | Event::PackageDelivered(j)
            | Event::LateDriveDelivered(j, _)
            | Event::ReceiveReady(j, _)
            | Event::ReceiveDone(j, _)
            | Event::ShippingDeadline(j, _)
            | Event::OverdueAnswered(j, _, _)
            | Event::OverdueNoAnswer(j, _)
            | Event::OrphanAnswered(j)
            | Event::OrphanWindowEnd(j)
            | Event::CopyLagDone(j)
            | Event::CopyDone(j, _)
            | Event::DriveFault(j, _)
            | Event::DriveFaultEnd(j, _, _)
            | Event::JobFaultEnd(j, _)
            | Event::AddressAnswered(j)
            | Event::AddressWindowEnd(j)
            | Event::PackagingDone(j, _)
            | Event::ReturnDelivered(j)
            | Event::Destroy(j, _)
            | Event::RetentionOver(j) => Some(j),
        }
    }

    /// Which of its job's drives handling the event reads, for fetching
    /// them ahead (`JobSlab::prefetch`). A hint: a path that reads more
    /// only waits for memory.
    pub fn drives_read(self) -> DrivesRead {
        match self {
            Event::LateDriveDelivered(_, d)
            | Event::ReceiveReady(_, Package::LateDrive(d))
            | Event::ReceiveDone(_, Package::LateDrive(d))
            | Event::CopyDone(_, d)
            | Event::DriveFault(_, d)
            | Event::DriveFaultEnd(_, d, _) => DrivesRead::One(d),
            Event::PackageDelivered(_)
            | Event::ReceiveDone(_, Package::Main)
            | Event::CopyLagDone(_)
            | Event::PackagingDone(_, Shipment::Job | Shipment::Orphans) => DrivesRead::All,
            _ => DrivesRead::Some,
        }
    }

    /// Whether the event holds its job's row open until it has run; the
    /// others are timers that may be stale by the time they pop.
    pub fn is_held(self) -> bool {
        match self {
            Event::Arrival
            | Event::Snapshot
            | Event::Customer(_, CustomerAct::UpdateWhileCreating)
            | Event::Customer(_, CustomerAct::FixesShippingUpdate)
            | Event::CreatingTimeout(..)
            | Event::ShippingDeadline(..)
            | Event::OverdueAnswered(..)
            | Event::OverdueNoAnswer(..)
            | Event::RetentionOver(_) => false,
            Event::Customer(_, CustomerAct::Ships)
            | Event::Customer(_, CustomerAct::RequestsCancellation)
            | Event::PackageDelivered(_)
            | Event::LateDriveDelivered(..)
            | Event::ReceiveReady(..)
            | Event::ReceiveDone(..)
            | Event::OrphanAnswered(_)
            | Event::OrphanWindowEnd(_)
            | Event::CopyLagDone(_)
            | Event::CopyDone(..)
            | Event::DriveFault(..)
            | Event::DriveFaultEnd(..)
            | Event::JobFaultEnd(..)
            | Event::AddressAnswered(_)
            | Event::AddressWindowEnd(_)
            | Event::PackagingDone(..)
            | Event::ReturnDelivered(_)
            | Event::Destroy(..) => true,
        }
    }
}
