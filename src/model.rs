//! Job and drive states, the closed list of error events, and the one table of
//! legal transitions (docs/model.md, Legal transitions).
//!
//! The engine calls `check_job_transition` / `check_drive_transition` on every
//! state change; an illegal transition is a bug in the engine and panics.

mod request;

use std::fmt;

pub use self::request::{Answer, Invalid, PutJob, Update};

/// The type of an Import/Export job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    Import,
    Export,
}

impl JobKind {
    /// The `job_type` column value and the API's `jobType`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Import => "Import",
            JobKind::Export => "Export",
        }
    }
}

/// A job's state as Get Job reports it (docs/model.md, Job states). Deletion
/// is not a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobState {
    Creating,
    Shipping,
    Received,
    Transferring,
    Packaging,
    Completed,
    Closed,
    Faulted,
}

impl JobState {
    pub const ALL: [JobState; 8] = [
        JobState::Creating,
        JobState::Shipping,
        JobState::Received,
        JobState::Transferring,
        JobState::Packaging,
        JobState::Completed,
        JobState::Closed,
        JobState::Faulted,
    ];

    /// The non-final states, in the order of the `timeseries.csv` columns and
    /// the `state_days.<state>` metrics.
    pub const OPEN: [JobState; 6] = [
        JobState::Creating,
        JobState::Shipping,
        JobState::Received,
        JobState::Transferring,
        JobState::Packaging,
        JobState::Faulted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Creating => "Creating",
            JobState::Shipping => "Shipping",
            JobState::Received => "Received",
            JobState::Transferring => "Transferring",
            JobState::Packaging => "Packaging",
            JobState::Completed => "Completed",
            JobState::Closed => "Closed",
            JobState::Faulted => "Faulted",
        }
    }

    /// Position in `OPEN`, or `None` for `Completed` and `Closed`.
    pub fn open_index(self) -> Option<usize> {
        match self {
            JobState::Creating => Some(0),
            JobState::Shipping => Some(1),
            JobState::Received => Some(2),
            JobState::Transferring => Some(3),
            JobState::Packaging => Some(4),
            JobState::Faulted => Some(5),
            JobState::Completed | JobState::Closed => None,
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        JobState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, JobState::Completed | JobState::Closed)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A drive's state as Get Job reports it (docs/model.md, Drive states).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DriveState {
    Specified,
    Received,
    NeverReceived,
    Transferring,
    Completed,
    CompletedMoreInfo,
    ShippedBack,
    Faulted,
}

impl DriveState {
    pub const ALL: [DriveState; 8] = [
        DriveState::Specified,
        DriveState::Received,
        DriveState::NeverReceived,
        DriveState::Transferring,
        DriveState::Completed,
        DriveState::CompletedMoreInfo,
        DriveState::ShippedBack,
        DriveState::Faulted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DriveState::Specified => "Specified",
            DriveState::Received => "Received",
            DriveState::NeverReceived => "NeverReceived",
            DriveState::Transferring => "Transferring",
            DriveState::Completed => "Completed",
            DriveState::CompletedMoreInfo => "CompletedMoreInfo",
            DriveState::ShippedBack => "ShippedBack",
            DriveState::Faulted => "Faulted",
        }
    }
}

impl fmt::Display for DriveState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a job's row ends (`jobs.csv` `outcome`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Completed,
    Closed,
    /// Deleted from `Creating` by the Creating timeout.
    Expired,
    /// Still open at the end of the run.
    Unfinished,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Completed,
        Outcome::Closed,
        Outcome::Expired,
        Outcome::Unfinished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Closed => "closed",
            Outcome::Expired => "expired",
            Outcome::Unfinished => "unfinished",
        }
    }
}

/// Why a job was deleted (`jobs.csv` `deletion_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeletionReason {
    /// Still `Creating` after `creating_timeout`.
    Expired,
    /// `retention` after `Completed` or `Closed`.
    Retention,
    /// The customer's Delete Job (only a server's jobs meet it).
    Deleted,
}

impl DeletionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionReason::Expired => "expired",
            DeletionReason::Retention => "retention",
            DeletionReason::Deleted => "deleted",
        }
    }
}

/// Where a drive ended up (`drives.csv` `disposition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    Returned,
    Destroyed,
    NeverArrived,
    LostInReturn,
    DamagedInReturn,
    /// Still at the data centre at the end of the run.
    OnSite,
}

impl Disposition {
    pub const ALL: [Disposition; 6] = [
        Disposition::Returned,
        Disposition::Destroyed,
        Disposition::NeverArrived,
        Disposition::LostInReturn,
        Disposition::DamagedInReturn,
        Disposition::OnSite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Returned => "returned",
            Disposition::Destroyed => "destroyed",
            Disposition::NeverArrived => "never_arrived",
            Disposition::LostInReturn => "lost_in_return",
            Disposition::DamagedInReturn => "damaged_in_return",
            Disposition::OnSite => "on_site",
        }
    }
}

/// The result of a drive's copy (`drives.csv` `copy_outcome`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CopyOutcome {
    /// Not copied (cancelled, extra, unresolved fault, never arrived).
    None,
    Ok,
    Info,
    Warnings,
    Errors,
}

impl CopyOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CopyOutcome::None => "none",
            CopyOutcome::Ok => "ok",
            CopyOutcome::Info => "info",
            CopyOutcome::Warnings => "warnings",
            CopyOutcome::Errors => "errors",
        }
    }
}

/// The closed list of events a job can meet (`jobs.csv` `events`;
/// docs/model.md, Output rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventKind {
    ReturnAddressMissing,
    CancelRejected,
    PackageLost,
    PackageLate,
    ShippingOverdue,
    ShippingExtended,
    ShippingCancelled,
    ClosedNoResponse,
    OrphanDrives,
    ExtraDrive,
    DriveNeverReceived,
    DriveLate,
    JobFault,
    DriveFault,
    FaultUnresolved,
    CopyErrors,
    ReturnAddressWrong,
    DrivesDestroyed,
    ReturnLost,
    ReturnDamaged,
}

impl EventKind {
    pub const ALL: [EventKind; 20] = [
        EventKind::ReturnAddressMissing,
        EventKind::CancelRejected,
        EventKind::PackageLost,
        EventKind::PackageLate,
        EventKind::ShippingOverdue,
        EventKind::ShippingExtended,
        EventKind::ShippingCancelled,
        EventKind::ClosedNoResponse,
        EventKind::OrphanDrives,
        EventKind::ExtraDrive,
        EventKind::DriveNeverReceived,
        EventKind::DriveLate,
        EventKind::JobFault,
        EventKind::DriveFault,
        EventKind::FaultUnresolved,
        EventKind::CopyErrors,
        EventKind::ReturnAddressWrong,
        EventKind::DrivesDestroyed,
        EventKind::ReturnLost,
        EventKind::ReturnDamaged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ReturnAddressMissing => "return_address_missing",
            EventKind::CancelRejected => "cancel_rejected",
            EventKind::PackageLost => "package_lost",
            EventKind::PackageLate => "package_late",
            EventKind::ShippingOverdue => "shipping_overdue",
            EventKind::ShippingExtended => "shipping_extended",
            EventKind::ShippingCancelled => "shipping_cancelled",
            EventKind::ClosedNoResponse => "closed_no_response",
            EventKind::OrphanDrives => "orphan_drives",
            EventKind::ExtraDrive => "extra_drive",
            EventKind::DriveNeverReceived => "drive_never_received",
            EventKind::DriveLate => "drive_late",
            EventKind::JobFault => "job_fault",
            EventKind::DriveFault => "drive_fault",
            EventKind::FaultUnresolved => "fault_unresolved",
            EventKind::CopyErrors => "copy_errors",
            EventKind::ReturnAddressWrong => "return_address_wrong",
            EventKind::DrivesDestroyed => "drives_destroyed",
            EventKind::ReturnLost => "return_lost",
            EventKind::ReturnDamaged => "return_damaged",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// What caused a state change (`events.csv` `cause`): one word per rule of
/// the lifecycle that moves a job or a drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// Put Job created the job.
    Created,
    /// The Creating timeout deleted the job.
    Expired,
    /// The customer's Delete Job deleted the job.
    Deleted,
    /// An accepted Update Job Properties with `state = Shipping`.
    ShippingUpdate,
    /// An answer to the orphan-drives contact turned a Creating job Shipping.
    OrphanAnswer,
    /// Orphan drives of a job that became Shipping make it Received at once.
    OrphansAdopted,
    /// Operators processed the drive or the package.
    Received,
    /// The job's package has been processed.
    PackageReceived,
    /// A listed drive was not in its package.
    MissingFromPackage,
    /// A listed drive that was missing turned up and was processed.
    LateDriveReceived,
    /// The Shipping deadline passed without the package.
    ShippingOverdue,
    /// The customer answered the overdue contact with a cancellation.
    ShippingCancelled,
    /// Nobody answered the overdue contact within the window.
    ClosedNoResponse,
    /// A job cancelled before its Shipping deadline is closed at it.
    CancelledOverdue,
    /// A fault struck the job on receipt.
    JobFault,
    /// A fault struck the drive during its copy.
    DriveFault,
    /// A job or drive fault was resolved.
    FaultResolved,
    /// A job or drive fault was not resolved within the window.
    FaultUnresolved,
    /// A drive's copy started (and with it, the job's first).
    CopyStarted,
    /// A drive's copy finished.
    CopyDone,
    /// Every drive of the job has finished its copy.
    CopyFinished,
    /// The job had nothing to copy.
    NothingToCopy,
    /// The wrong return address was never fixed.
    ReturnAddressUnfixed,
    /// Drives (and with them, the job) were shipped back.
    ShippedBack,
}

impl Cause {
    /// The `cause` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Created => "created",
            Cause::Expired => "expired",
            Cause::Deleted => "deleted",
            Cause::ShippingUpdate => "shipping_update",
            Cause::OrphanAnswer => "orphan_answer",
            Cause::OrphansAdopted => "orphans_adopted",
            Cause::Received => "received",
            Cause::PackageReceived => "package_received",
            Cause::MissingFromPackage => "missing_from_package",
            Cause::LateDriveReceived => "late_drive_received",
            Cause::ShippingOverdue => "shipping_overdue",
            Cause::ShippingCancelled => "shipping_cancelled",
            Cause::ClosedNoResponse => "closed_no_response",
            Cause::CancelledOverdue => "cancelled_overdue",
            Cause::JobFault => "job_fault",
            Cause::DriveFault => "drive_fault",
            Cause::FaultResolved => "fault_resolved",
            Cause::FaultUnresolved => "fault_unresolved",
            Cause::CopyStarted => "copy_started",
            Cause::CopyDone => "copy_done",
            Cause::CopyFinished => "copy_finished",
            Cause::NothingToCopy => "nothing_to_copy",
            Cause::ReturnAddressUnfixed => "return_address_unfixed",
            Cause::ShippedBack => "shipped_back",
        }
    }
}

/// The events a job met, each once, in order of first occurrence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventList {
    /// Bit `k` set when `EventKind::ALL[k]` was met.
    seen: u32,
    len: u8,
    order: [u8; 20],
}

impl EventList {
    /// Records `kind`; a kind already met keeps its first position.
    pub fn insert(&mut self, kind: EventKind) {
        let bit = 1u32 << kind as u8;
        if self.seen & bit == 0 {
            self.seen |= bit;
            self.order[usize::from(self.len)] = kind as u8;
            self.len += 1;
        }
    }

    pub fn contains(&self, kind: EventKind) -> bool {
        self.seen & (1u32 << kind as u8) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The kinds in order of first occurrence.
    pub fn iter(&self) -> impl Iterator<Item = EventKind> + '_ {
        self.order[..usize::from(self.len)]
            .iter()
            .map(|&k| EventKind::ALL[usize::from(k)])
    }
}

/// Every legal job transition (docs/model.md, Legal transitions). Deletion is
/// not a transition.
pub const JOB_TRANSITIONS: &[(JobState, JobState)] = &[
    (JobState::Creating, JobState::Shipping),
    (JobState::Shipping, JobState::Received),
    (JobState::Shipping, JobState::Closed),
    (JobState::Received, JobState::Transferring),
    (JobState::Received, JobState::Packaging),
    (JobState::Received, JobState::Faulted),
    (JobState::Transferring, JobState::Packaging),
    (JobState::Faulted, JobState::Received),
    (JobState::Faulted, JobState::Packaging),
    (JobState::Packaging, JobState::Completed),
    (JobState::Packaging, JobState::Closed),
];

/// Every legal drive transition (docs/model.md, Legal transitions). Export
/// and extra drives start at
/// `Received`; destruction is not a transition.
pub const DRIVE_TRANSITIONS: &[(DriveState, DriveState)] = &[
    (DriveState::Specified, DriveState::Received),
    (DriveState::Specified, DriveState::NeverReceived),
    (DriveState::NeverReceived, DriveState::Received),
    (DriveState::Received, DriveState::Transferring),
    (DriveState::Received, DriveState::ShippedBack),
    (DriveState::Transferring, DriveState::Completed),
    (DriveState::Transferring, DriveState::CompletedMoreInfo),
    (DriveState::Transferring, DriveState::Faulted),
    (DriveState::Faulted, DriveState::Received),
    (DriveState::Faulted, DriveState::ShippedBack),
    (DriveState::Completed, DriveState::ShippedBack),
    (DriveState::CompletedMoreInfo, DriveState::ShippedBack),
];

/// A transition table turned into bits when compiled: for each state of
/// `$state`, the states it may move to, one bit per state (`1 << to as usize`).
macro_rules! transition_bits {
    ($table:expr, $state:ty) => {{
        let mut bits = [0u16; <$state>::ALL.len()];
        let mut index = 0;
        while index < $table.len() {
            let (from, to) = $table[index];
            bits[from as usize] |= 1 << to as usize;
            index += 1;
        }
        bits
    }};
}

const JOB_TRANSITION_BITS: [u16; JobState::ALL.len()] = transition_bits!(JOB_TRANSITIONS, JobState);

const DRIVE_TRANSITION_BITS: [u16; DriveState::ALL.len()] =
    transition_bits!(DRIVE_TRANSITIONS, DriveState);

pub fn is_legal_job_transition(from: JobState, to: JobState) -> bool {
    JOB_TRANSITION_BITS[from as usize] & (1 << to as usize) != 0
}

pub fn is_legal_drive_transition(from: DriveState, to: DriveState) -> bool {
    DRIVE_TRANSITION_BITS[from as usize] & (1 << to as usize) != 0
}

/// Panics on a job transition outside the table: the engine has a bug.
pub fn check_job_transition(from: JobState, to: JobState) {
    assert!(
        is_legal_job_transition(from, to),
        "illegal job transition {from} -> {to}"
    );
}

/// Panics on a drive transition outside the table: the engine has a bug.
pub fn check_drive_transition(from: DriveState, to: DriveState) {
    assert!(
        is_legal_drive_transition(from, to),
        "illegal drive transition {from} -> {to}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_transition_is_legal() {
        for &(from, to) in JOB_TRANSITIONS {
            assert!(is_legal_job_transition(from, to));
        }
        for &(from, to) in DRIVE_TRANSITIONS {
            assert!(is_legal_drive_transition(from, to));
        }
        assert_eq!(JOB_TRANSITIONS.len(), 11);
        assert_eq!(DRIVE_TRANSITIONS.len(), 12);
    }

    #[test]
    fn transition_bits_are_the_tables() {
        for from in JobState::ALL {
            for to in JobState::ALL {
                let listed = JOB_TRANSITIONS.contains(&(from, to));
                assert_eq!(is_legal_job_transition(from, to), listed, "{from} -> {to}");
            }
        }
        for from in DriveState::ALL {
            for to in DriveState::ALL {
                let listed = DRIVE_TRANSITIONS.contains(&(from, to));
                assert_eq!(
                    is_legal_drive_transition(from, to),
                    listed,
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn forbidden_transitions_are_rejected() {
        let forbidden_jobs = [
            (JobState::Creating, JobState::Received),
            (JobState::Creating, JobState::Closed),
            (JobState::Shipping, JobState::Transferring),
            (JobState::Shipping, JobState::Completed),
            (JobState::Received, JobState::Completed),
            (JobState::Transferring, JobState::Faulted),
            (JobState::Transferring, JobState::Received),
            (JobState::Packaging, JobState::Transferring),
            (JobState::Completed, JobState::Closed),
            (JobState::Closed, JobState::Completed),
            (JobState::Faulted, JobState::Transferring),
        ];
        for (from, to) in forbidden_jobs {
            assert!(!is_legal_job_transition(from, to), "{from} -> {to}");
        }
        // Nothing leaves a final state, and no state goes to itself.
        for to in JobState::ALL {
            assert!(!is_legal_job_transition(JobState::Completed, to));
            assert!(!is_legal_job_transition(JobState::Closed, to));
            assert!(!is_legal_job_transition(to, to));
        }
        let forbidden_drives = [
            (DriveState::Specified, DriveState::Transferring),
            (DriveState::Specified, DriveState::ShippedBack),
            (DriveState::NeverReceived, DriveState::ShippedBack),
            (DriveState::Received, DriveState::Completed),
            (DriveState::Transferring, DriveState::ShippedBack),
            (DriveState::Completed, DriveState::Received),
            (DriveState::Faulted, DriveState::Transferring),
        ];
        for (from, to) in forbidden_drives {
            assert!(!is_legal_drive_transition(from, to), "{from} -> {to}");
        }
        for to in DriveState::ALL {
            assert!(!is_legal_drive_transition(DriveState::ShippedBack, to));
        }
    }

    #[test]
    fn event_list_keeps_first_occurrence_order() {
        let mut list = EventList::default();
        list.insert(EventKind::OrphanDrives);
        list.insert(EventKind::ReturnAddressMissing);
        list.insert(EventKind::OrphanDrives);
        let names: Vec<_> = list.iter().map(EventKind::as_str).collect();
        assert_eq!(names, ["orphan_drives", "return_address_missing"]);
        assert!(list.contains(EventKind::OrphanDrives));
        assert!(!list.contains(EventKind::JobFault));
    }
}
