//! Scenarios: the validated description of one study (SPEC 3).
//!
//! `Scenario` is what the engine reads. It is built once from TOML text: the
//! embedded `scenarios/baseline.toml` supplies every key a file leaves out,
//! then the file, then `--set` overrides. The serde file types live in
//! `scenario/file.rs` and are never seen by the engine.

use chrono::{DateTime, Utc};

use crate::dist::{DurationDist, NumberDist, Probability};
use crate::model::{JobKind, JobState};
use crate::time::{SimDuration, SimTime};

/// The embedded default scenario.
pub const BASELINE_TOML: &str = include_str!("../scenarios/baseline.toml");

/// A validated scenario: every value is in range and every key is present.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub simulation: Simulation,
    pub arrivals: Arrivals,
    pub customer: Customer,
    pub shipping: Shipping,
    pub datacenter: Datacenter,
    pub policy: Policy,
}

/// `[simulation]`.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub name: String,
    /// Wall-clock instant of simulated time zero.
    pub start: DateTime<Utc>,
    /// Jobs are created during `[0, horizon)`.
    pub horizon: SimDuration,
    /// Jobs created before this are left out of every metric.
    pub warmup: SimDuration,
    /// After the horizon the run goes on at most this long.
    pub drain_limit: SimDuration,
    pub seed: u64,
    pub replications: u32,
}

/// How jobs arrive (`arrivals.process`).
#[derive(Clone, Debug)]
pub enum ArrivalProcess {
    /// Exponential gaps with this rate [jobs per day].
    Poisson { jobs_per_day: f64 },
    /// Job `i` of `count` created at `i * horizon / count`.
    Count { count: u64 },
    /// Jobs read from a CSV file, sorted by time, inside `[0, horizon)`.
    Trace { rows: Vec<TraceRow> },
}

/// One row of an arrival trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    pub created_at: SimTime,
    pub kind: JobKind,
    /// Drives listed (import) or shipped (export); drawn when absent.
    pub drives: Option<u32>,
}

/// `[arrivals]`.
#[derive(Clone, Debug)]
pub struct Arrivals {
    pub process: ArrivalProcess,
    pub export_fraction: Probability,
    /// Rounded and clamped to `[1, policy.max_drives_per_job]`.
    pub drives_per_job: NumberDist,
    /// Data on each drive [TB, 10^12 bytes].
    pub data_per_drive_tb: NumberDist,
    pub verbose_log_fraction: Probability,
}

/// `[customer]`.
#[derive(Clone, Debug)]
pub struct Customer {
    pub ship_delay: DurationDist,
    pub abandon_probability: Probability,
    pub update_while_creating_probability: Probability,
    pub skip_shipping_update_probability: Probability,
    pub missing_return_address_probability: Probability,
    pub fix_return_address_delay: DurationDist,
    pub wrong_return_address_probability: Probability,
    pub cancel_probability: Probability,
    pub cancel_delay: DurationDist,
    pub response_probability: Probability,
    pub response_delay: DurationDist,
    pub extend_probability: Probability,
    pub reorder_export_probability: Probability,
}

/// `[shipping]`.
#[derive(Clone, Debug)]
pub struct Shipping {
    pub transit: DurationDist,
    pub lost_package_probability: Probability,
    pub late_package_probability: Probability,
    pub late_package_delay: DurationDist,
    pub missing_drive_probability: Probability,
    pub missing_drive_later_probability: Probability,
    pub missing_drive_later_delay: DurationDist,
    pub extra_drive_probability: Probability,
    pub return_transit: DurationDist,
    pub return_lost_probability: Probability,
    pub return_damaged_probability: Probability,
}

/// `[datacenter]`.
#[derive(Clone, Debug)]
pub struct Datacenter {
    pub receive_lag: DurationDist,
    pub receiving_staff: u32,
    pub receive_time: DurationDist,
    pub copy_stations: u32,
    pub copy_lag: DurationDist,
    pub copy_setup: DurationDist,
    /// Per copy attempt [MB/s, 10^6 bytes per second]; redrawn until positive.
    pub copy_throughput_mb_s: NumberDist,
    pub copy_error_probability: Probability,
    pub copy_warning_probability: Probability,
    pub copy_info_probability: Probability,
    pub drive_fault_probability: Probability,
    pub job_fault_probability: Probability,
    pub fault_resolution: DurationDist,
    pub packaging_staff: u32,
    pub packaging_time: DurationDist,
}

/// `[policy]`: the service's timeouts and rules.
#[derive(Clone, Debug)]
pub struct Policy {
    pub creating_timeout: SimDuration,
    pub shipping_timeout: SimDuration,
    pub shipping_extension: SimDuration,
    pub customer_response_window: SimDuration,
    pub orphan_contact_window: SimDuration,
    pub disposal_after: SimDuration,
    pub retention: SimDuration,
    /// States in which a cancellation request is accepted.
    pub cancellable_states: Vec<JobState>,
    pub max_drives_per_job: u32,
}

impl Policy {
    pub fn is_cancellable(&self, state: JobState) -> bool {
        self.cancellable_states.contains(&state)
    }
}

impl Scenario {
    /// The embedded default scenario.
    pub fn baseline() -> Scenario {
        todo!("load BASELINE_TOML")
    }

    /// The end of arrivals, `start + horizon`.
    pub fn horizon_end(&self) -> SimTime {
        SimTime::ZERO + self.simulation.horizon
    }

    /// The hard end of the run, `start + horizon + drain_limit`.
    pub fn run_end(&self) -> SimTime {
        self.horizon_end() + self.simulation.drain_limit
    }
}
