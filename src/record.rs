//! Finished rows: what the engine hands to the writers and the metrics.
//!
//! A `JobRecord` with its `DriveRecord`s is produced once, when the job and
//! all its drives are settled (or at the end of the run). Records are plain
//! data; the engine's live state never leaves `sim`.

use crate::durations::Durations;
use crate::model::{
    Answer, Cause, CopyOutcome, DeletionReason, Disposition, DriveState, EventList, JobKind,
    JobState, Outcome,
};
use crate::time::{SimDuration, SimTime};

/// One row of `jobs.csv`.
#[derive(Clone, Debug)]
pub struct JobRecord {
    pub replication: u32,
    /// The job name (`job` column).
    pub name: String,
    pub kind: JobKind,
    /// Drives listed (import) or shipped by the customer (export).
    pub drives: u32,
    pub extra_drives: u32,
    pub outcome: Outcome,
    pub cancelled: bool,
    /// Job and drive faults met.
    pub faults: u32,
    /// Operator contacts made about this job (docs/model.md, Operator contacts
    /// lists what counts).
    pub contacts: u32,
    pub created_at: SimTime,
    pub shipping_at: Option<SimTime>,
    pub received_at: Option<SimTime>,
    pub transferring_at: Option<SimTime>,
    pub packaging_at: Option<SimTime>,
    /// When it became `Completed` or `Closed`.
    pub finished_at: Option<SimTime>,
    pub deleted_at: Option<SimTime>,
    pub deletion_reason: Option<DeletionReason>,
    pub events: EventList,
    /// Time spent in each of `JobState::OPEN` (all visits summed), `None`
    /// when the job never entered it.
    pub state_time: [Option<SimDuration>; 6],
    /// Created before `start + warmup`: written, left out of every metric.
    pub in_warmup: bool,
    /// The job's past in detail, when the sink asked for it
    /// (`RecordSink::wants_history`).
    pub history: Option<Box<JobHistory>>,
}

/// Everything a Get Job response or a customer call needs about one job's
/// past. Recorded only on request: it costs memory per job in flight.
#[derive(Clone, Debug, Default)]
pub struct JobHistory {
    /// The job's stream key (`sim::JobKey`): its root job's arrival index and
    /// its follow-up generation (0 for a root job).
    pub root_index: u64,
    pub generation: u32,
    /// The customer asked for verbose logs (`logLevel = Verbose`).
    pub verbose_log: bool,
    /// Every state change of the job or one of its drives, in time order
    /// (drive changes name the drive by serial).
    pub changes: Vec<StateChange>,
    /// Every copy attempt, in the order they started.
    pub copy_attempts: Vec<CopyAttempt>,
    /// The customer's API calls and the service's answers, in time order.
    pub calls: Vec<CustomerCall>,
    /// When the service first held a return address (Put Job, a fixed update
    /// or an answer to an operator contact).
    pub return_address_at: Option<SimTime>,
    /// When the service first held the delivery package (carrier, tracking).
    pub delivery_package_at: Option<SimTime>,
    /// When a cancellation request was accepted.
    pub cancel_requested_at: Option<SimTime>,
}

/// One state change of a job (`drive` is `None`) or a drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateChange {
    pub time: SimTime,
    /// The drive's serial, for a drive change.
    pub drive: Option<u32>,
    pub from: TraceState,
    pub to: TraceState,
    pub cause: Cause,
}

/// One copy attempt of a drive: bytes rise linearly from 0 at `data_start`
/// to `bytes_at_end` at `end` (a drive's reported bytes never decrease).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyAttempt {
    /// The drive's serial.
    pub drive: u32,
    pub start: SimTime,
    /// `start` + the copy setup.
    pub data_start: SimTime,
    /// The copy's end, or the instant a fault struck.
    pub end: SimTime,
    pub bytes_at_end: u64,
    /// A fault struck at `end`.
    pub faulted: bool,
}

/// A customer's call to the Import/Export API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomerCall {
    pub time: SimTime,
    pub kind: CallKind,
    pub answer: Answer,
}

/// What the customer asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// Put Job; with or without a return address.
    PutJob { return_address: bool },
    /// Update Job Properties while `Creating` (no state change).
    UpdateProperties,
    /// Update Job Properties with `state = Shipping` and the delivery package;
    /// `return_address` when this call supplies a missing one.
    ShippingUpdate { return_address: bool },
    /// Update Job Properties with `cancelRequested = true`.
    CancelRequest,
    /// Delete Job.
    DeleteJob,
}

impl JobRecord {
    /// `finished_at - created_at`, for finished jobs.
    pub fn end_to_end(&self) -> Option<SimDuration> {
        self.finished_at.map(|finished| finished - self.created_at)
    }
}

/// One row of `drives.csv`.
#[derive(Clone, Debug)]
pub struct DriveRecord {
    pub replication: u32,
    /// The drive's serial, written as 8 uppercase hexadecimal digits (`drive`
    /// column). The `job` column is the name of the record's job.
    pub serial: u32,
    pub extra: bool,
    pub final_state: DriveState,
    pub disposition: Disposition,
    pub data_bytes: u64,
    pub bytes_succeeded: u64,
    pub copy_outcome: CopyOutcome,
    /// Carrier delivery.
    pub arrived_at: Option<SimTime>,
    pub received_at: Option<SimTime>,
    pub copy_start_at: Option<SimTime>,
    /// The last copy attempt's end.
    pub copy_end_at: Option<SimTime>,
    /// The last time it was shipped back.
    pub shipped_back_at: Option<SimTime>,
    pub destroyed_at: Option<SimTime>,
    /// When it first joined the copy queue.
    pub queued_at: Option<SimTime>,
}

impl DriveRecord {
    /// The drive id as the API shows it: 8 uppercase hexadecimal digits.
    pub fn drive_id(&self) -> String {
        format!("{:08X}", self.serial)
    }
}

/// One snapshot row of `timeseries.csv`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeseriesRow {
    pub replication: u32,
    /// Days since `start + warmup`.
    pub day: u64,
    pub time: SimTime,
    /// Jobs in each of `JobState::OPEN`.
    pub jobs_in_state: [u64; 6],
    pub drives_on_site: u64,
    pub receiving_queue: u64,
    pub copy_queue: u64,
    pub packaging_queue: u64,
    pub receiving_busy: u64,
    pub copy_busy: u64,
    pub packaging_busy: u64,
}

/// One row of `events.csv` (`--trace`): a state transition.
#[derive(Clone, Debug)]
pub struct TraceEvent {
    pub time: SimTime,
    pub replication: u32,
    pub job: String,
    /// The drive serial for a drive transition, empty for a job transition.
    pub drive: Option<String>,
    pub from: TraceState,
    pub to: TraceState,
    /// What caused it.
    pub cause: Cause,
}

/// A state in the trace: job or drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceState {
    Job(JobState),
    Drive(DriveState),
    /// Before the job or drive existed, or after it was deleted.
    None,
}

/// Time-weighted statistics of one resource over `[start + warmup, start + horizon)`.
#[derive(Clone, Debug, Default)]
pub struct ResourceStats {
    /// Busy time over capacity x window.
    pub utilisation: f64,
    /// Queue wait of each item served whose job is outside the warm-up.
    pub waits: Durations,
    /// Time-average queue length over the window.
    pub queue_length_mean: f64,
    /// Longest queue seen in the window.
    pub queue_length_max: u64,
}

/// Run-wide figures the engine measures directly (not derivable from rows).
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    pub receiving: ResourceStats,
    pub copy: ResourceStats,
    pub packaging: ResourceStats,
    pub drives_on_site_mean: f64,
    pub drives_on_site_peak: u64,
    /// Length of the measurement window `horizon - warmup`.
    pub window: SimDuration,
    /// Events the engine handled (its throughput is this over the run's time).
    pub events: u64,
}
