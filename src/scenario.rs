//! Scenarios: the validated description of one study (docs/model.md,
//! Scenario files).
//!
//! `Scenario` is what the engine reads. It is built once from TOML text: the
//! embedded `scenarios/baseline.toml` supplies every key a file leaves out,
//! then the file, then `--set` overrides. The serde file types live in
//! `scenario/file.rs` and are never seen by the engine; arrival traces are
//! read by `scenario/trace.rs`; `scenario/resolve.rs` merges the baseline,
//! the file and `--set` overrides, `scenario/build.rs` turns the merged
//! table into a `Scenario` with the checks across keys, and
//! `scenario/spans.rs` finds a key's line and column in the file's text;
//! `scenario/reference.rs` documents every key
//! and writes a scenario back as commented TOML; `scenario/bounds.rs` bounds
//! what one run of a built scenario may cost (validation is the one gate:
//! what passes runs).
//!
//! Merging happens on TOML tables, at the level of `section.key`: a key's
//! value (a whole distribution table included) replaces the baseline's
//! wholesale. A `--set` with a deeper key (`datacenter.copy_lag.max=5d`)
//! changes one entry inside the current table of that key.
//!
//! Every error is one `ScenarioError` whose message names where the value
//! came from (`file:line:column` or the `--set` text), the dotted key, and
//! what was expected. Values are checked where they are read, so each file
//! and each `--set` is checked on its own before the merged result is built;
//! a check across keys (such as `warmup < horizon`) points at one key,
//! wherever it was last set, and names the other with its value.

mod bounds;
mod build;
mod file;
mod reference;
mod resolve;
mod spans;
#[cfg(test)]
mod tests;
mod trace;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::dist::{DurationDist, NumberDist, PositiveNumberDist, Probability};
use crate::echo;
use crate::model::{JobKind, JobState};
use crate::time::{SimDuration, SimTime};

pub use self::bounds::{
    MAX_DATA_PER_DRIVE_TB, MAX_DRAIN_LIMIT, MAX_DRIVES_PER_JOB, MAX_HORIZON,
    MAX_JOBS_PER_REPLICATION, MAX_JOBS_PER_RUN, MAX_OVERDUE_DEADLINES_PER_RUN, MAX_POLLS_PER_JOB,
    MAX_REPLICATIONS, MAX_TRACE_BYTES, MIN_POLL_INTERVAL, Workload,
};
use self::build::is_folder_name;
use self::file::SECTIONS;
use self::resolve::{Origin, Resolver};

pub use self::reference::{CommentedMode, KEYS, KeyDoc, commented_toml, key_doc};

/// Every key a scenario file may set, dotted (`policy.retention`), in file
/// order.
pub fn keys() -> impl Iterator<Item = String> {
    SECTIONS
        .iter()
        .flat_map(|(section, keys)| keys.iter().map(move |key| format!("{section}.{key}")))
}

/// The embedded default scenario.
pub const BASELINE_TOML: &str = include_str!("../scenarios/baseline.toml");

/// How messages name the embedded baseline.
pub const BASELINE_ORIGIN: &str = "scenarios/baseline.toml (embedded)";

/// A validated scenario: every value is in range and every key is present.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub simulation: Simulation,
    pub arrivals: Arrivals,
    pub customer: Customer,
    pub shipping: Shipping,
    pub datacenter: Datacenter,
    pub policy: Policy,
    /// The merged scenario as TOML (baseline, then the file, then `--set`
    /// overrides), for `run.json`.
    pub resolved: toml::Table,
    /// Things the user should know that are not errors (e.g. trace rows
    /// skipped because they fall outside the horizon), one sentence each.
    pub warnings: Vec<String>,
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
    /// How often a customer polls Get Job (`impexsim calls`); positive.
    pub poll_interval: SimDuration,
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
    pub copy_throughput_mb_s: PositiveNumberDist,
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

/// Why a scenario could not be built. Each message is one line that names
/// the file, line and column (or the `--set` text), the dotted key, and what
/// was expected.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario file could not be read (the I/O error is the source).
    #[error("cannot read scenario file {}", path.display())]
    ReadScenario {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The arrival trace named at `at` could not be read (the I/O error is the source).
    #[error("{at}: cannot read arrival trace {}", path.display())]
    ReadTrace {
        at: Location,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A value is malformed, unknown, of the wrong type or out of range.
    #[error("{at}: {message}")]
    Invalid { at: Location, message: String },
    /// A `--set` argument without `=`.
    #[error("--set `{}`: expected KEY=VALUE, e.g. --set policy.creating_timeout=7d", echo::cut(.text))]
    SetSyntax { text: String },
    /// A row or the header of the arrival trace is malformed.
    #[error("{}{}: {message}", path.display(), line.map(|line| format!(":{line}")).unwrap_or_default())]
    Trace {
        path: PathBuf,
        /// 1-based line in the file, when known.
        line: Option<u64>,
        message: String,
    },
}

impl ScenarioError {
    /// An `Invalid` error; a long value quoted in `message` (serde's and
    /// toml's messages repeat what they reject) is cut.
    fn invalid(at: Location, message: &str) -> ScenarioError {
        ScenarioError::Invalid {
            at,
            message: echo::cut_quoted(message),
        }
    }
}

/// Where a scenario value came from, and which key it is: the prefix of
/// every `ScenarioError::Invalid` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub source: Option<Source>,
    /// The dotted key, e.g. `customer.abandon_probability`.
    pub key: Option<String>,
}

/// The text a scenario value was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A scenario file (or the embedded baseline) with the 1-based line and
    /// column [characters] of the value, when known.
    File {
        name: String,
        position: Option<(usize, usize)>,
    },
    /// A `--set KEY=VALUE` override, as the user typed it.
    Set { text: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(Source::File {
                name,
                position: Some((line, column)),
            }) => write!(f, "{name}:{line}:{column}")?,
            Some(Source::File {
                name,
                position: None,
            }) => write!(f, "{name}")?,
            Some(Source::Set { text }) => write!(f, "--set `{}`", echo::cut(text))?,
            None => f.write_str("scenario")?,
        }
        if let Some(key) = &self.key {
            write!(f, ": {}", echo::cut(key))?;
        }
        Ok(())
    }
}

impl Scenario {
    /// The embedded default scenario.
    ///
    /// Panics only if `scenarios/baseline.toml` itself is broken, which the
    /// unit tests rule out.
    pub fn baseline() -> Scenario {
        match Scenario::from_overrides(&[]) {
            Ok(scenario) => scenario,
            Err(error) => panic!("the embedded baseline scenario is broken: {error}"),
        }
    }

    /// Reads a scenario file, merges it over the baseline and applies the
    /// `--set` overrides. A trace file is found relative to the file's folder.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::ReadScenario {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        // A file that names no study takes its file name, so that the default
        // output folder (`output/<name>/`) of one partial scenario does not
        // overwrite another's (a departure from "every key left out takes the
        // baseline's value", for `simulation.name` alone).
        let names_itself = text
            .parse::<toml::Table>()
            .ok()
            .and_then(|table| table.get("simulation")?.get("name").cloned())
            .is_some();
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned());
        match stem {
            // A file name that is no folder name (say, 250 bytes) leaves the
            // baseline's, rather than fail on a `--set` nobody typed.
            Some(stem) if !names_itself && is_folder_name(&stem) => {
                let mut with_name = vec![format!("simulation.name={}", toml::Value::from(stem))];
                with_name.extend_from_slice(overrides);
                Scenario::from_toml(&text, &origin, path.parent(), &with_name)
            }
            _ => Scenario::from_toml(&text, &origin, path.parent(), overrides),
        }
    }

    /// The embedded baseline with `--set` overrides applied.
    pub fn from_overrides(overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let mut resolver = Resolver::baseline()?;
        for text in overrides {
            resolver.apply_set(text)?;
        }
        resolver.build()
    }

    /// Builds a scenario from the TOML `text` of a (possibly partial) file.
    /// `origin` names the text in messages; `base_dir` is where a relative
    /// `arrivals.trace` is found (the working directory when `None`).
    pub fn from_toml(
        text: &str,
        origin: &str,
        base_dir: Option<&Path>,
        overrides: &[String],
    ) -> Result<Scenario, ScenarioError> {
        let mut resolver = Resolver::baseline()?;
        resolver.merge_file(text, origin, base_dir)?;
        for text in overrides {
            resolver.apply_set(text)?;
        }
        resolver.build()
    }

    /// The end of arrivals, `start + horizon`.
    pub fn horizon_end(&self) -> SimTime {
        SimTime::ZERO + self.simulation.horizon
    }

    /// The hard end of the run, `start + horizon + drain_limit`.
    pub fn run_end(&self) -> SimTime {
        self.horizon_end() + self.simulation.drain_limit
    }

    /// What one replication is expected to do (jobs, overdue deadlines,
    /// Get Job polls), as the bounds of validation estimate it.
    pub fn workload(&self) -> Workload {
        Workload::of(self)
    }
}
