//! Scenarios: the validated description of one study (docs/model.md,
//! Scenario files).
//!
//! `Scenario` is what the engine reads. It is built once from TOML text: the
//! embedded `scenarios/baseline.toml` supplies every key a file leaves out,
//! then the file, then `--set` overrides. The serde file types live in
//! `scenario/file.rs` and are never seen by the engine; arrival traces are
//! read by `scenario/trace.rs`; `scenario/reference.rs` documents every key
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
mod file;
mod reference;
mod trace;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use toml::de::DeTable;

use crate::dist::{
    DurationDist, NumberDist, PositiveNumberDist, Probability, describe_value, format_duration,
};
use crate::echo;
use crate::model::{JobKind, JobState};
use crate::time::{SimDuration, SimTime};

pub use self::bounds::{
    MAX_DATA_PER_DRIVE_TB, MAX_DRAIN_LIMIT, MAX_DRIVES_PER_JOB, MAX_HORIZON,
    MAX_JOBS_PER_REPLICATION, MAX_JOBS_PER_RUN, MAX_OVERDUE_DEADLINES_PER_RUN, MAX_POLLS_PER_JOB,
    MAX_REPLICATIONS, MAX_TRACE_BYTES, MIN_POLL_INTERVAL, Workload,
};
use self::file::{ProcessKind, SECTIONS, ScenarioFile};
use self::trace::{TraceBounds, parse_trace};

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

/// The merged TOML so far and where each `section.key` came from.
struct Resolver {
    table: toml::Table,
    origins: BTreeMap<String, Origin>,
}

/// Where one `section.key` was last set.
#[derive(Clone, Debug)]
struct Origin {
    source: Source,
    /// The folder relative paths in this value are resolved against.
    base_dir: Option<PathBuf>,
}

impl Resolver {
    /// Starts from the embedded baseline.
    fn baseline() -> Result<Resolver, ScenarioError> {
        let mut resolver = Resolver {
            table: toml::Table::new(),
            origins: BTreeMap::new(),
        };
        resolver.merge_file(BASELINE_TOML, BASELINE_ORIGIN, None)?;
        Ok(resolver)
    }

    /// Checks the TOML `text` of a (possibly partial) scenario file and lays
    /// its keys over the merged table.
    fn merge_file(
        &mut self,
        text: &str,
        name: &str,
        base_dir: Option<&Path>,
    ) -> Result<(), ScenarioError> {
        // Parsing with recovery keeps the keys before a syntax error, so even
        // that error can name the key it is in.
        let (document, errors) = DeTable::parse_recoverable(text);
        let spans = KeySpans::new(text, document.get_ref());
        let invalid = |span: Option<Range<usize>>, message: String| {
            ScenarioError::invalid(spans.locate(name, span), &message)
        };
        if let Some(error) = errors.first() {
            return Err(invalid(
                error.span(),
                format!("invalid TOML: {}", error.message()),
            ));
        }
        check_file_keys(document.get_ref(), &invalid)?;
        // Deserializing the text itself (not a table made from it) gives
        // every value error the span of the value.
        if let Err(error) = toml::from_str::<ScenarioFile>(text) {
            return Err(invalid(error.span(), error.message().to_string()));
        }
        let file_table: toml::Table = toml::from_str(text)
            .map_err(|error| invalid(error.span(), error.message().to_string()))?;
        for (section, keys) in file_table {
            let toml::Value::Table(keys) = keys else {
                unreachable!("check_file_keys lets only tables through as sections");
            };
            for (key, value) in keys {
                let dotted = format!("{section}.{key}");
                let origin = Origin {
                    source: Source::File {
                        name: name.to_string(),
                        position: spans.value_position(&dotted),
                    },
                    base_dir: base_dir.map(Path::to_path_buf),
                };
                self.origins.insert(dotted, origin);
                self.section_mut(&section)
                    .insert(key, datetimes_as_text(value));
            }
        }
        Ok(())
    }

    /// Applies one `--set KEY=VALUE` (README, Commands) and checks the value it sets.
    fn apply_set(&mut self, text: &str) -> Result<(), ScenarioError> {
        let Some((key_text, value_text)) = text.split_once('=') else {
            return Err(ScenarioError::SetSyntax {
                text: text.to_string(),
            });
        };
        let key_text = key_text.trim();
        let value_text = value_text.trim();
        let invalid = |key: Option<&str>, message: String| {
            let at = Location {
                source: Some(Source::Set {
                    text: text.to_string(),
                }),
                key: key.map(str::to_string),
            };
            ScenarioError::invalid(at, &message)
        };
        let path: Vec<&str> = key_text.split('.').map(str::trim).collect();
        if key_text.is_empty() || path.iter().any(|part| part.is_empty()) {
            return Err(ScenarioError::SetSyntax {
                text: text.to_string(),
            });
        }
        let Some(allowed) = section_keys(path[0]) else {
            let message = match owning_section(path[0]) {
                Some(section) if path.len() == 1 => {
                    format!("expected SECTION.KEY: did you mean {section}.{}?", path[0])
                }
                _ => unknown_name_message("section", path[0], &section_names()),
            };
            return Err(invalid(Some(key_text), message));
        };
        if path.len() == 1 {
            return Err(invalid(
                Some(key_text),
                format!("expected SECTION.KEY, e.g. {}.{}", path[0], allowed[0]),
            ));
        }
        let (section, key) = (path[0], path[1]);
        let dotted = format!("{section}.{key}");
        if !allowed.contains(&key) {
            let message = unknown_name_message(&format!("key in [{section}]"), key, allowed);
            return Err(invalid(Some(&dotted), message));
        }
        let value = parse_set_value(value_text)
            .map(datetimes_as_text)
            .map_err(|message| invalid(Some(&dotted), message))?;

        // The new value of `section.key`: the value itself, or the current
        // table with one entry changed.
        let new_value = if path.len() == 2 {
            value
        } else {
            let mut current = self
                .table
                .get(section)
                .and_then(|keys| keys.get(key))
                .cloned()
                .unwrap_or_else(|| toml::Value::Table(toml::Table::new()));
            set_nested(&mut current, &path[2..], value)
                .map_err(|message| invalid(Some(&dotted), message))?;
            current
        };

        // Check the one key on its own, as a file holding only it.
        let mut single_section = toml::Table::new();
        single_section.insert(key.to_string(), new_value.clone());
        let mut single = toml::Table::new();
        single.insert(section.to_string(), toml::Value::Table(single_section));
        if let Err(error) = toml::Value::Table(single).try_into::<ScenarioFile>() {
            return Err(invalid(Some(&dotted), error.message().to_string()));
        }

        self.section_mut(section).insert(key.to_string(), new_value);
        self.origins.insert(
            dotted,
            Origin {
                source: Source::Set {
                    text: text.to_string(),
                },
                base_dir: None,
            },
        );
        Ok(())
    }

    /// The merged table of one section, created empty if needed.
    fn section_mut(&mut self, section: &str) -> &mut toml::Table {
        let entry = self
            .table
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(table) => table,
            _ => unreachable!("sections are checked to be tables before they are merged"),
        }
    }

    /// Where `key` was last set, for an error about it.
    fn at(&self, key: &str) -> Location {
        Location {
            source: self.origins.get(key).map(|origin| origin.source.clone()),
            key: Some(key.to_string()),
        }
    }

    fn invalid(&self, key: &str, message: String) -> ScenarioError {
        ScenarioError::invalid(self.at(key), &message)
    }

    /// Turns the merged table into a `Scenario`, with the checks that span
    /// several keys.
    fn build(self) -> Result<Scenario, ScenarioError> {
        let file: ScenarioFile = toml::Value::Table(self.table.clone()).try_into().map_err(
            |error: toml::de::Error| {
                let at = Location {
                    source: None,
                    key: None,
                };
                ScenarioError::invalid(at, error.message())
            },
        )?;
        let mut warnings = Vec::new();

        // A missing key can only mean a broken baseline: every key but
        // `arrivals.count` and `arrivals.trace` is in it.
        let required = |key: &str| {
            self.invalid(
                key,
                "missing key (the embedded baseline should provide it)".to_string(),
            )
        };
        macro_rules! take {
            ($section:ident . $key:ident) => {
                $section
                    .$key
                    .ok_or_else(|| required(concat!(stringify!($section), ".", stringify!($key))))?
            };
        }

        let simulation = file.simulation.unwrap_or_default();
        let arrivals = file.arrivals.unwrap_or_default();
        let customer = file.customer.unwrap_or_default();
        let shipping = file.shipping.unwrap_or_default();
        let datacenter = file.datacenter.unwrap_or_default();
        let policy = file.policy.unwrap_or_default();

        let name = take!(simulation.name);
        if !is_folder_name(&name) {
            return Err(self.invalid(
                "simulation.name",
                format!(
                    "expected a name usable as a folder name (not empty, no / or \\, no control \
                     characters, at most {MAX_NAME_BYTES} bytes), got {}",
                    echo::quote(&name)
                ),
            ));
        }
        let horizon = take!(simulation.horizon).0;
        let warmup = take!(simulation.warmup).0;
        if warmup >= horizon {
            return Err(self.invalid(
                "simulation.warmup",
                format!(
                    "expected a warmup shorter than simulation.horizon ({}), got {}",
                    format_duration(horizon),
                    format_duration(warmup)
                ),
            ));
        }
        let simulation = Simulation {
            name,
            start: take!(simulation.start).0,
            horizon,
            warmup,
            drain_limit: take!(simulation.drain_limit).0,
            seed: take!(simulation.seed).0,
            replications: take!(simulation.replications).0,
        };

        let policy = Policy {
            creating_timeout: take!(policy.creating_timeout).0,
            shipping_timeout: take!(policy.shipping_timeout).0,
            shipping_extension: take!(policy.shipping_extension).0,
            customer_response_window: take!(policy.customer_response_window).0,
            orphan_contact_window: take!(policy.orphan_contact_window).0,
            disposal_after: take!(policy.disposal_after).0,
            retention: take!(policy.retention).0,
            cancellable_states: take!(policy.cancellable_states).0,
            max_drives_per_job: take!(policy.max_drives_per_job).0,
        };

        let process_kind = take!(arrivals.process);
        let process = match process_kind {
            ProcessKind::Poisson => ArrivalProcess::Poisson {
                jobs_per_day: take!(arrivals.jobs_per_day).0,
            },
            ProcessKind::Count => {
                let count = match arrivals.count {
                    Some(count) => count.0,
                    None => {
                        let jobs_per_day = take!(arrivals.jobs_per_day).0;
                        let count = (jobs_per_day * horizon.as_days_f64()).round();
                        if count < 1.0 {
                            return Err(self.invalid(
                                "arrivals.jobs_per_day",
                                format!(
                                    "process = \"count\" without arrivals.count creates \
                                     round(jobs_per_day x horizon) = round({jobs_per_day} x {}) \
                                     = 0 jobs; set arrivals.count or a larger jobs_per_day",
                                    horizon.as_days_f64()
                                ),
                            ));
                        }
                        count as u64
                    }
                };
                ArrivalProcess::Count { count }
            }
            ProcessKind::Trace => {
                let Some(trace) = arrivals.trace.as_deref() else {
                    return Err(self.invalid(
                        "arrivals.process",
                        "process = \"trace\" needs arrivals.trace, the path of a CSV file \
                         with the columns created_at,job_type[,drives]"
                            .to_string(),
                    ));
                };
                let bounds = TraceBounds {
                    start: simulation.start,
                    horizon,
                    max_drives_per_job: policy.max_drives_per_job,
                };
                ArrivalProcess::Trace {
                    rows: self.read_trace(trace, &bounds, &mut warnings)?,
                }
            }
        };
        if arrivals.count.is_some() && process_kind != ProcessKind::Count {
            warnings.push(format!(
                "arrivals.count is ignored because arrivals.process is {:?}",
                process_name(process_kind)
            ));
        }
        if arrivals.trace.is_some() && process_kind != ProcessKind::Trace {
            warnings.push(format!(
                "arrivals.trace is ignored because arrivals.process is {:?}",
                process_name(process_kind)
            ));
        }
        let arrivals = Arrivals {
            process,
            export_fraction: take!(arrivals.export_fraction),
            drives_per_job: take!(arrivals.drives_per_job),
            data_per_drive_tb: take!(arrivals.data_per_drive_tb),
            verbose_log_fraction: take!(arrivals.verbose_log_fraction),
        };

        let customer = Customer {
            ship_delay: take!(customer.ship_delay),
            abandon_probability: take!(customer.abandon_probability),
            update_while_creating_probability: take!(customer.update_while_creating_probability),
            skip_shipping_update_probability: take!(customer.skip_shipping_update_probability),
            missing_return_address_probability: take!(customer.missing_return_address_probability),
            fix_return_address_delay: take!(customer.fix_return_address_delay),
            wrong_return_address_probability: take!(customer.wrong_return_address_probability),
            cancel_probability: take!(customer.cancel_probability),
            cancel_delay: take!(customer.cancel_delay),
            response_probability: take!(customer.response_probability),
            response_delay: take!(customer.response_delay),
            extend_probability: take!(customer.extend_probability),
            reorder_export_probability: take!(customer.reorder_export_probability),
            poll_interval: take!(customer.poll_interval).0,
        };

        let shipping = Shipping {
            transit: take!(shipping.transit),
            lost_package_probability: take!(shipping.lost_package_probability),
            late_package_probability: take!(shipping.late_package_probability),
            late_package_delay: take!(shipping.late_package_delay),
            missing_drive_probability: take!(shipping.missing_drive_probability),
            missing_drive_later_probability: take!(shipping.missing_drive_later_probability),
            missing_drive_later_delay: take!(shipping.missing_drive_later_delay),
            extra_drive_probability: take!(shipping.extra_drive_probability),
            return_transit: take!(shipping.return_transit),
            return_lost_probability: take!(shipping.return_lost_probability),
            return_damaged_probability: take!(shipping.return_damaged_probability),
        };

        let datacenter = Datacenter {
            receive_lag: take!(datacenter.receive_lag),
            receiving_staff: take!(datacenter.receiving_staff).0,
            receive_time: take!(datacenter.receive_time),
            copy_stations: take!(datacenter.copy_stations).0,
            copy_lag: take!(datacenter.copy_lag),
            copy_setup: take!(datacenter.copy_setup),
            copy_throughput_mb_s: take!(datacenter.copy_throughput_mb_s),
            copy_error_probability: take!(datacenter.copy_error_probability),
            copy_warning_probability: take!(datacenter.copy_warning_probability),
            copy_info_probability: take!(datacenter.copy_info_probability),
            drive_fault_probability: take!(datacenter.drive_fault_probability),
            job_fault_probability: take!(datacenter.job_fault_probability),
            fault_resolution: take!(datacenter.fault_resolution),
            packaging_staff: take!(datacenter.packaging_staff).0,
            packaging_time: take!(datacenter.packaging_time),
        };
        let copy_outcomes = datacenter.copy_error_probability.get()
            + datacenter.copy_warning_probability.get()
            + datacenter.copy_info_probability.get();
        if copy_outcomes > 1.0 + 1e-12 {
            return Err(self.invalid(
                "datacenter.copy_error_probability",
                format!(
                    "copy_error_probability + copy_warning_probability + copy_info_probability \
                     must be at most 1 (one draw picks the outcome), got {copy_outcomes}"
                ),
            ));
        }

        let mut scenario = Scenario {
            simulation,
            arrivals,
            customer,
            shipping,
            datacenter,
            policy,
            resolved: toml::Table::new(),
            warnings,
        };
        bounds::check(&scenario, &self.origins)
            .map_err(|violation| self.invalid(violation.key, violation.message))?;
        scenario.resolved = self.table;
        Ok(scenario)
    }

    /// Reads `arrivals.trace`, relative to the folder of the file that set
    /// it (the working directory for `--set` and the baseline).
    fn read_trace(
        &self,
        trace: &str,
        bounds: &TraceBounds,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TraceRow>, ScenarioError> {
        let base_dir = self
            .origins
            .get("arrivals.trace")
            .and_then(|origin| origin.base_dir.as_deref());
        let path = match base_dir {
            Some(dir) => dir.join(trace),
            None => PathBuf::from(trace),
        };
        let read_error = |source| ScenarioError::ReadTrace {
            at: self.at("arrivals.trace"),
            path: path.clone(),
            source,
        };
        // The file is read whole: look at its size first.
        let size = std::fs::metadata(&path).map_err(read_error)?.len();
        if size > MAX_TRACE_BYTES {
            return Err(self.invalid(
                "arrivals.trace",
                format!(
                    "{} holds {size} bytes; expected an arrival trace of at most {MAX_TRACE_BYTES} \
                     bytes (1 GiB)",
                    path.display()
                ),
            ));
        }
        let bytes = std::fs::read(&path).map_err(read_error)?;
        parse_trace(&path, &bytes, bounds, warnings)
    }
}

/// Byte spans of every key and value of a TOML document, to turn an error's
/// span into the dotted key it concerns and a line and column.
struct KeySpans<'a> {
    text: &'a str,
    entries: Vec<KeySpan>,
}

struct KeySpan {
    dotted: String,
    depth: usize,
    key: Range<usize>,
    value: Range<usize>,
}

impl<'a> KeySpans<'a> {
    fn new(text: &'a str, document: &DeTable<'_>) -> KeySpans<'a> {
        let mut spans = KeySpans {
            text,
            entries: Vec::new(),
        };
        spans.walk(document, "", 1);
        spans
    }

    fn walk(&mut self, table: &DeTable<'_>, prefix: &str, depth: usize) {
        for (key, value) in table.iter() {
            let dotted = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            self.entries.push(KeySpan {
                dotted: dotted.clone(),
                depth,
                key: key.span(),
                value: value.span(),
            });
            if let Some(inner) = value.get_ref().as_table() {
                self.walk(inner, &dotted, depth + 1);
            }
        }
    }

    /// The location of an error with this span: the deepest key whose name
    /// or value contains the span's start.
    fn locate(&self, name: &str, span: Option<Range<usize>>) -> Location {
        let Some(span) = span else {
            return Location {
                source: Some(Source::File {
                    name: name.to_string(),
                    position: None,
                }),
                key: None,
            };
        };
        let contains = |range: &Range<usize>| {
            range.start <= span.start && span.start < range.end.max(range.start + 1)
        };
        let key = self
            .entries
            .iter()
            .filter(|entry| contains(&entry.key) || contains(&entry.value))
            .max_by_key(|entry| entry.depth)
            .map(|entry| entry.dotted.clone())
            .or_else(|| key_from_line(self.text, span.start));
        Location {
            source: Some(Source::File {
                name: name.to_string(),
                position: Some(line_column(self.text, span.start)),
            }),
            key,
        }
    }

    /// The line and column of the value of `dotted`.
    fn value_position(&self, dotted: &str) -> Option<(usize, usize)> {
        self.entries
            .iter()
            .find(|entry| entry.dotted == dotted)
            .map(|entry| line_column(self.text, entry.value.start))
    }
}

/// The dotted key written on the line holding `offset`, from the text alone:
/// the fallback when the parsed document has no span there (a duplicate key,
/// or a syntax error the parser could not recover from). The key is the
/// text before `=`, inside the nearest `[section]` header above.
fn key_from_line(text: &str, offset: usize) -> Option<String> {
    let (line_number, _) = line_column(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let header = |line: &str| {
        let line = line.trim();
        (line.starts_with('[') && !line.starts_with("[["))
            .then(|| line.trim_start_matches('[').split(']').next())
            .flatten()
            .map(|name| name.trim().to_string())
    };
    let line = lines.get(line_number.checked_sub(1)?)?;
    if let Some(section) = header(line) {
        return Some(section);
    }
    let key = line.split_once('=')?.0.trim().trim_matches(['"', '\'']);
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let section = lines[..line_number - 1]
        .iter()
        .rev()
        .find_map(|line| header(line));
    Some(match section {
        Some(section) => format!("{section}.{key}"),
        None => key.to_string(),
    })
}

/// The 1-based line and column [characters] of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Rejects unknown sections and keys of a parsed file, and sections that are
/// not tables, with a suggestion when the name is close to a known one.
fn check_file_keys(
    document: &DeTable<'_>,
    invalid: &dyn Fn(Option<Range<usize>>, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    for (section, value) in document.iter() {
        let section_name = section.get_ref().as_ref();
        let Some(allowed) = section_keys(section_name) else {
            let message = match owning_section(section_name) {
                Some(owner) => format!("unknown section; `{section_name}` belongs in [{owner}]"),
                None => unknown_name_message("section", section_name, &section_names()),
            };
            return Err(invalid(Some(section.span()), message));
        };
        let Some(keys) = value.get_ref().as_table() else {
            return Err(invalid(
                Some(value.span()),
                format!(
                    "expected a table [{section_name}], got {}",
                    value.get_ref().type_str()
                ),
            ));
        };
        for (key, _) in keys.iter() {
            let key_name = key.get_ref().as_ref();
            if !allowed.contains(&key_name) {
                let message =
                    unknown_name_message(&format!("key in [{section_name}]"), key_name, allowed);
                return Err(invalid(Some(key.span()), message));
            }
        }
    }
    Ok(())
}

/// The keys a section allows, or `None` for an unknown section.
fn section_keys(section: &str) -> Option<&'static [&'static str]> {
    SECTIONS
        .iter()
        .find(|(name, _)| *name == section)
        .map(|(_, keys)| *keys)
}

fn section_names() -> Vec<&'static str> {
    SECTIONS.iter().map(|(name, _)| *name).collect()
}

/// The section a key belongs to, for a key written without its section.
fn owning_section(key: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(_, keys)| keys.contains(&key))
        .map(|(name, _)| *name)
}

/// "unknown key in [customer] `x`, did you mean `y`?" or, with nothing
/// close, the list of names allowed.
fn unknown_name_message(what: &str, name: &str, allowed: &[&str]) -> String {
    // A name far longer than every allowed one is no typo of one (and its
    // distances would take long to compute).
    const LONGEST_TYPO: usize = 64;
    let closest = allowed
        .iter()
        .filter(|_| name.len() <= LONGEST_TYPO)
        .map(|candidate| (strsim::levenshtein(name, candidate), *candidate))
        .min();
    let name = echo::cut(name);
    match closest {
        Some((distance, candidate)) if distance <= 2.max(name.len() / 3) => {
            format!("unknown {what} `{name}`, did you mean `{candidate}`?")
        }
        _ => {
            let list: Vec<String> = allowed.iter().map(|name| format!("`{name}`")).collect();
            format!(
                "unknown {what} `{name}`, expected one of {}",
                list.join(", ")
            )
        }
    }
}

/// A `--set` VALUE: a TOML value when it parses as one, else the text as a
/// string (so `7d` needs no quotes). Text that starts like a TOML array,
/// table or quoted string but does not parse is an error, not a string.
fn parse_set_value(text: &str) -> Result<toml::Value, String> {
    match text.parse::<toml::Value>() {
        Ok(value) => Ok(value),
        Err(error) if text.starts_with(['[', '{', '"', '\'']) => Err(format!(
            "VALUE {} is not valid TOML: {}",
            echo::quote(text),
            error.message()
        )),
        Err(_) => Ok(toml::Value::String(text.to_string())),
    }
}

/// `value` with every TOML date-time (`start = 2026-01-05T00:00:00Z`,
/// unquoted) turned into its text, as if it had been quoted: the merged
/// table is written to `run.json`, and JSON has no date-time (serde would
/// show toml's private wrapper, `{"$__toml_private_datetime": ...}`).
fn datetimes_as_text(value: toml::Value) -> toml::Value {
    match value {
        toml::Value::Datetime(datetime) => toml::Value::String(datetime.to_string()),
        toml::Value::Array(items) => {
            toml::Value::Array(items.into_iter().map(datetimes_as_text).collect())
        }
        toml::Value::Table(table) => toml::Value::Table(
            table
                .into_iter()
                .map(|(key, value)| (key, datetimes_as_text(value)))
                .collect(),
        ),
        other @ (toml::Value::String(_)
        | toml::Value::Integer(_)
        | toml::Value::Float(_)
        | toml::Value::Boolean(_)) => other,
    }
}

/// Sets `path` inside `target` (a table), creating missing inner tables.
fn set_nested(target: &mut toml::Value, path: &[&str], value: toml::Value) -> Result<(), String> {
    let toml::Value::Table(table) = target else {
        return Err(format!(
            "cannot set `{}` inside {}: only a distribution table has inner keys; \
             set the whole key instead",
            path.join("."),
            describe_value(target)
        ));
    };
    match path {
        [last] => {
            table.insert(last.to_string(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let inner = table
                .entry(first.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            set_nested(inner, rest, value)
        }
        [] => unreachable!("a --set key has at least three parts here"),
    }
}

/// The most bytes of `simulation.name`: the default output is
/// `output/<name>-calls.jsonl` at the longest, and a file name has at most
/// 255 bytes.
const MAX_NAME_BYTES: usize = 200;

/// Whether `name` can name the default output folder.
fn is_folder_name(name: &str) -> bool {
    !(name.is_empty()
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control)
        || name.len() > MAX_NAME_BYTES)
}

fn process_name(kind: ProcessKind) -> &'static str {
    match kind {
        ProcessKind::Poisson => "poisson",
        ProcessKind::Count => "count",
        ProcessKind::Trace => "trace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::DistKind;
    use crate::time::MS_PER_DAY;

    fn days(n: i64) -> SimDuration {
        SimDuration::from_days(n)
    }

    fn sets(overrides: &[&str]) -> Vec<String> {
        overrides.iter().map(|text| text.to_string()).collect()
    }

    /// Builds a scenario from file text named `x.toml` plus overrides.
    fn from_text(text: &str, overrides: &[&str]) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(text, "x.toml", None, &sets(overrides))
    }

    /// Asserts that the scenario fails with a message containing every needle.
    fn check_error(text: &str, overrides: &[&str], needles: &[&str]) {
        let message = match from_text(text, overrides) {
            Ok(_) => panic!("expected an error for {text:?} {overrides:?}"),
            Err(error) => error.to_string(),
        };
        for needle in needles {
            assert!(
                message.contains(needle),
                "message {message:?} lacks {needle:?} (input {text:?} {overrides:?})"
            );
        }
    }

    #[test]
    fn baseline_has_the_spec_values() {
        let scenario = Scenario::baseline();
        let simulation = &scenario.simulation;
        assert_eq!(simulation.name, "baseline");
        assert_eq!(simulation.start.to_rfc3339(), "2026-01-05T00:00:00+00:00");
        assert_eq!(simulation.horizon, days(365));
        assert_eq!(simulation.warmup, SimDuration::ZERO);
        assert_eq!(simulation.drain_limit, days(400));
        assert_eq!((simulation.seed, simulation.replications), (1, 1));
        assert!(matches!(
            scenario.arrivals.process,
            ArrivalProcess::Poisson { jobs_per_day } if jobs_per_day == 20.0
        ));
        assert_eq!(scenario.arrivals.export_fraction.get(), 0.2);
        assert_eq!(
            scenario.arrivals.drives_per_job.dist().kind(),
            &DistKind::UniformInt { min: 1, max: 10 }
        );
        assert_eq!(scenario.arrivals.data_per_drive_tb.mean(), 8.5);
        assert_eq!(
            scenario.customer.ship_delay.dist().kind(),
            &DistKind::LogNormal {
                median: (3 * MS_PER_DAY) as f64,
                sigma: 0.8
            }
        );
        assert_eq!(scenario.customer.abandon_probability.get(), 0.03);
        assert_eq!(scenario.customer.response_delay.mean(), days(4));
        assert_eq!(scenario.shipping.lost_package_probability.get(), 0.005);
        assert_eq!(
            scenario.shipping.return_transit.mean(),
            SimDuration::from_hours(60)
        );
        assert_eq!(scenario.datacenter.receiving_staff, 4);
        assert_eq!(scenario.datacenter.copy_stations, 120);
        assert_eq!(scenario.datacenter.packaging_staff, 2);
        assert_eq!(
            scenario.datacenter.copy_setup.as_constant(),
            Some(SimDuration::from_minutes(30))
        );
        assert_eq!(
            scenario.datacenter.copy_throughput_mb_s.dist().kind(),
            &DistKind::Normal {
                mean: 120.0,
                sd: 20.0
            }
        );
        assert_eq!(
            scenario.datacenter.receive_time.mean(),
            SimDuration::from_minutes(30)
        );
        let policy = &scenario.policy;
        assert_eq!(policy.creating_timeout, days(14));
        assert_eq!(policy.shipping_timeout, days(14));
        assert_eq!(policy.shipping_extension, days(14));
        assert_eq!(policy.customer_response_window, days(30));
        assert_eq!(policy.orphan_contact_window, days(14));
        assert_eq!(policy.disposal_after, days(90));
        assert_eq!(policy.retention, days(90));
        assert_eq!(
            policy.cancellable_states,
            vec![JobState::Creating, JobState::Shipping]
        );
        assert_eq!(policy.max_drives_per_job, 10);
        assert!(scenario.warnings.is_empty());
        assert_eq!(scenario.horizon_end(), SimTime::ZERO + days(365));
        assert_eq!(scenario.run_end(), SimTime::ZERO + days(765));
    }

    #[test]
    fn section_key_lists_match_the_baseline() {
        let baseline: toml::Table = toml::from_str(BASELINE_TOML).unwrap();
        let mut from_baseline: Vec<String> = baseline
            .iter()
            .flat_map(|(section, keys)| {
                let keys = keys.as_table().unwrap();
                keys.keys().map(move |key| format!("{section}.{key}"))
            })
            .collect();
        // The two keys the baseline leaves commented out.
        from_baseline.push("arrivals.count".to_string());
        from_baseline.push("arrivals.trace".to_string());
        from_baseline.sort();
        let mut listed: Vec<String> = SECTIONS
            .iter()
            .flat_map(|(section, keys)| keys.iter().map(move |key| format!("{section}.{key}")))
            .collect();
        listed.sort();
        assert_eq!(listed, from_baseline);
        // And the serde types accept every listed key (deny_unknown_fields
        // would reject one they lack).
        let mut all = baseline.clone();
        let arrivals = all.get_mut("arrivals").unwrap().as_table_mut().unwrap();
        arrivals.insert("count".into(), toml::Value::Integer(5));
        arrivals.insert("trace".into(), toml::Value::String("a.csv".into()));
        toml::Value::Table(all).try_into::<ScenarioFile>().unwrap();
    }

    #[test]
    fn resolved_table_round_trips() {
        let scenario = from_text("", &["policy.creating_timeout=7d"]).unwrap();
        let text = toml::to_string(&scenario.resolved).unwrap();
        let again = from_text(&text, &[]).unwrap();
        assert_eq!(again.policy.creating_timeout, days(7));
        assert_eq!(again.resolved, scenario.resolved);
    }

    #[test]
    fn partial_file_keeps_the_baseline_elsewhere() {
        let text = r#"
            [simulation]
            name = "short"
            horizon = "30d"

            [datacenter]
            copy_lag = { dist = "exponential", mean = "3d" }
            copy_stations = 60

            [policy]
            creating_timeout = "7d"
        "#;
        let scenario = from_text(text, &[]).unwrap();
        assert_eq!(scenario.simulation.name, "short");
        assert_eq!(scenario.simulation.horizon, days(30));
        assert_eq!(scenario.simulation.drain_limit, days(400));
        assert_eq!(scenario.datacenter.copy_stations, 60);
        assert_eq!(scenario.datacenter.receiving_staff, 4);
        assert_eq!(scenario.policy.creating_timeout, days(7));
        assert_eq!(scenario.policy.shipping_timeout, days(14));
        // The distribution is replaced wholesale, never merged with the
        // baseline's uniform { min, max }.
        assert_eq!(
            scenario.datacenter.copy_lag.dist().kind(),
            &DistKind::Exponential {
                mean: (3 * MS_PER_DAY) as f64
            }
        );
        let copy_lag = scenario.resolved["datacenter"]["copy_lag"]
            .as_table()
            .unwrap();
        assert_eq!(copy_lag.keys().collect::<Vec<_>>(), ["dist", "mean"]);
    }

    #[test]
    fn set_overrides_of_each_kind() {
        let scenario = from_text(
            "[customer]\nabandon_probability = 0.1\n",
            &[
                "customer.abandon_probability=0.5",
                "policy.creating_timeout=7d",
                "policy.cancellable_states=[\"Creating\"]",
                "customer.ship_delay={ dist = \"exponential\", mean = \"2d\" }",
                "datacenter.copy_lag.max=5d",
                "simulation.name=my study",
                "simulation.start=2026-02-01T00:00:00Z",
                "datacenter.copy_stations = 90",
                "arrivals.jobs_per_day=25",
            ],
        )
        .unwrap();
        assert_eq!(scenario.customer.abandon_probability.get(), 0.5);
        assert_eq!(scenario.policy.creating_timeout, days(7));
        assert_eq!(scenario.policy.cancellable_states, vec![JobState::Creating]);
        assert_eq!(
            scenario.customer.ship_delay.dist().kind(),
            &DistKind::Exponential {
                mean: (2 * MS_PER_DAY) as f64
            }
        );
        assert_eq!(
            scenario.datacenter.copy_lag.dist().kind(),
            &DistKind::Uniform {
                min: (2 * MS_PER_DAY) as f64,
                max: (5 * MS_PER_DAY) as f64
            }
        );
        assert_eq!(scenario.simulation.name, "my study");
        assert_eq!(
            scenario.simulation.start.to_rfc3339(),
            "2026-02-01T00:00:00+00:00"
        );
        assert_eq!(scenario.datacenter.copy_stations, 90);
        assert!(matches!(
            scenario.arrivals.process,
            ArrivalProcess::Poisson { jobs_per_day } if jobs_per_day == 25.0
        ));
        assert_eq!(
            scenario.resolved["policy"]["creating_timeout"].as_str(),
            Some("7d")
        );

        let none_cancellable = Scenario::from_overrides(&sets(&["policy.cancellable_states=[]"]));
        assert!(
            none_cancellable
                .unwrap()
                .policy
                .cancellable_states
                .is_empty()
        );
    }

    #[test]
    fn count_process_defaults_to_rate_times_horizon() {
        let text = "[simulation]\nhorizon = \"30d\"\n[arrivals]\nprocess = \"count\"\njobs_per_day = 10.4\n";
        let scenario = from_text(text, &[]).unwrap();
        assert!(matches!(
            scenario.arrivals.process,
            ArrivalProcess::Count { count: 312 }
        ));
        let scenario = from_text(text, &["arrivals.count=5000"]).unwrap();
        assert!(matches!(
            scenario.arrivals.process,
            ArrivalProcess::Count { count: 5000 }
        ));
        let scenario = Scenario::from_overrides(&sets(&["arrivals.count=10"])).unwrap();
        assert_eq!(
            scenario.warnings,
            ["arrivals.count is ignored because arrivals.process is \"poisson\""]
        );
    }

    #[test]
    fn malformed_toml_names_line_and_key() {
        check_error(
            "[customer]\nabandon_probability = 0.5\nship_delay = 3d\n",
            &[],
            &["x.toml:3:14: customer.ship_delay: invalid TOML"],
        );
        check_error("[policy\n", &[], &["x.toml:1:", "invalid TOML"]);
        check_error(
            "[simulation]\nseed = 1\nseed = 2\n",
            &[],
            &["x.toml:3:1: simulation.seed: invalid TOML: duplicate key"],
        );
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        check_error(
            "[customer]\nabandon_probabilty = 0.5\n",
            &[],
            &[
                "x.toml:2:1: customer.abandon_probabilty: unknown key in [customer] \
               `abandon_probabilty`, did you mean `abandon_probability`?",
            ],
        );
        check_error(
            "[customer]\nfoo = 1\n",
            &[],
            &[
                "x.toml:2:1: customer.foo: unknown key in [customer] `foo`, expected one of \
               `ship_delay`, `abandon_probability`",
            ],
        );
        check_error(
            "[simulaton]\nseed = 2\n",
            &[],
            &["x.toml:1:2: simulaton: unknown section `simulaton`, did you mean `simulation`?"],
        );
        check_error(
            "seed = 2\n",
            &[],
            &["x.toml:1:1: seed: unknown section; `seed` belongs in [simulation]"],
        );
        check_error(
            "policy = 3\n",
            &[],
            &["x.toml:1:10: policy: expected a table [policy]"],
        );
    }

    #[test]
    fn wrong_types_say_what_was_expected() {
        check_error(
            "[datacenter]\ncopy_stations = \"many\"\n",
            &[],
            &[
                "x.toml:2:17: datacenter.copy_stations:",
                "expected a positive integer",
            ],
        );
        check_error(
            "[datacenter]\ncopy_stations = 2.5\n",
            &[],
            &["datacenter.copy_stations:", "expected a positive integer"],
        );
        check_error(
            "[policy]\nretention = 90\n",
            &[],
            &[
                "x.toml:2:13: policy.retention:",
                "expected a positive duration",
            ],
        );
        check_error(
            "[customer]\nship_delay = 3\n",
            &[],
            &["x.toml:2:14: customer.ship_delay: expected a duration like"],
        );
        check_error(
            "[simulation]\nstart = \"tomorrow\"\n",
            &[],
            &[
                "simulation.start: expected an RFC 3339 instant",
                "\"tomorrow\"",
            ],
        );
        check_error(
            "[simulation]\nseed = -1\n",
            &[],
            &[
                "simulation.seed: expected a non-negative integer (at most 9223372036854775807), got -1",
            ],
        );
    }

    #[test]
    fn out_of_range_values_are_errors() {
        check_error(
            "[customer]\nabandon_probability = 1.5\n",
            &[],
            &[
                "x.toml:2:23: customer.abandon_probability: expected a probability within [0, 1], got 1.5",
            ],
        );
        check_error(
            "[policy]\nretention = \"-1d\"\n",
            &[],
            &["x.toml:2:13: policy.retention: negative duration"],
        );
        check_error(
            "[simulation]\nwarmup = \"-1d\"\n",
            &[],
            &["simulation.warmup: negative duration"],
        );
        check_error(
            "[policy]\ncreating_timeout = \"0s\"\n",
            &[],
            &["x.toml:2:20: policy.creating_timeout: expected a positive duration, got \"0s\""],
        );
        check_error(
            "[datacenter]\ncopy_lag = { dist = \"uniform\", min = \"3d\", max = \"1d\" }\n",
            &[],
            &[
                "x.toml:2:12: datacenter.copy_lag: uniform: `max` (1d) must not be less than `min` (3d)",
            ],
        );
        check_error(
            "[datacenter.copy_lag]\ndist = \"uniform\"\nmin = \"3d\"\nmax = \"1d\"\n",
            &[],
            &[
                "x.toml:",
                "datacenter.copy_lag",
                "must not be less than `min`",
            ],
        );
        check_error(
            "[customer]\nresponse_delay = { dist = \"exponential\", mean = \"0s\" }\n",
            &[],
            &["customer.response_delay: exponential: `mean` must be positive, got 0s"],
        );
        check_error(
            "[datacenter]\ncopy_throughput_mb_s = 0\n",
            &[],
            &[
                "x.toml:2:24: datacenter.copy_throughput_mb_s: expected a positive value (a copy at 0 MB/s never ends), got 0",
            ],
        );
        check_error(
            "[datacenter]\ncopy_error_probability = 0.5\ncopy_warning_probability = 0.6\n",
            &[],
            &[
                "x.toml:2:26: datacenter.copy_error_probability:",
                "must be at most 1",
            ],
        );
    }

    #[test]
    fn non_positive_counts_are_errors() {
        let cases = [
            (
                "[simulation]\nhorizon = \"0s\"\n",
                "simulation.horizon: expected a positive duration",
            ),
            (
                "[simulation]\nreplications = 0\n",
                "simulation.replications: expected a positive integer",
            ),
            (
                "[arrivals]\njobs_per_day = 0\n",
                "arrivals.jobs_per_day: expected a positive number, got 0",
            ),
            (
                "[arrivals]\ncount = 0\n",
                "arrivals.count: expected a positive integer",
            ),
            (
                "[datacenter]\ncopy_stations = 0\n",
                "datacenter.copy_stations: expected a positive integer",
            ),
            (
                "[datacenter]\nreceiving_staff = -2\n",
                "datacenter.receiving_staff: expected a positive integer",
            ),
            (
                "[datacenter]\npackaging_staff = 0\n",
                "datacenter.packaging_staff: expected a positive integer",
            ),
            (
                "[policy]\nmax_drives_per_job = 0\n",
                "policy.max_drives_per_job: expected a positive integer",
            ),
            (
                "[policy]\ndisposal_after = \"0d\"\n",
                "policy.disposal_after: expected a positive duration",
            ),
        ];
        for (text, needle) in cases {
            check_error(text, &[], &["x.toml:2:", needle]);
        }
    }

    #[test]
    fn cancellable_states_must_be_job_states() {
        check_error(
            "[policy]\ncancellable_states = [\"Creating\", \"Shiping\"]\n",
            &[],
            &[
                "x.toml:2:",
                "policy.cancellable_states: \"Shiping\" is not a job state: expected one of \
                 \"Creating\", \"Shipping\", \"Received\", \"Transferring\"",
            ],
        );
        check_error(
            "[policy]\ncancellable_states = [\"Packaging\"]\n",
            &[],
            &["policy.cancellable_states: Packaging cannot be a cancellable state"],
        );
        check_error(
            "[policy]\ncancellable_states = \"Creating\"\n",
            &[],
            &["policy.cancellable_states: expected a list of job states like [\"Creating\""],
        );
        let repeated = from_text(
            "[policy]\ncancellable_states = [\"Shipping\", \"Shipping\"]\n",
            &[],
        );
        assert_eq!(
            repeated.unwrap().policy.cancellable_states,
            vec![JobState::Shipping]
        );
        let scenario = from_text(
            "[policy]\ncancellable_states = [\"Received\", \"Transferring\"]\n",
            &[],
        )
        .unwrap();
        assert!(scenario.policy.is_cancellable(JobState::Transferring));
        assert!(!scenario.policy.is_cancellable(JobState::Creating));
    }

    #[test]
    fn warmup_must_be_shorter_than_horizon() {
        check_error(
            "[simulation]\nhorizon = \"30d\"\nwarmup = \"30d\"\n",
            &[],
            &[
                "x.toml:3:10: simulation.warmup: expected a warmup shorter than simulation.horizon (30d), got 30d",
            ],
        );
        check_error(
            "",
            &["simulation.warmup=400d"],
            &["--set `simulation.warmup=400d`: simulation.warmup: expected a warmup shorter"],
        );
    }

    #[test]
    fn bad_overrides_name_the_set_text() {
        check_error(
            "",
            &["policy.creating_timeout"],
            &["--set `policy.creating_timeout`: expected KEY=VALUE"],
        );
        check_error("", &["=3"], &["--set `=3`: expected KEY=VALUE"]);
        check_error(
            "",
            &["policy.creating_timout=7d"],
            &[
                "--set `policy.creating_timout=7d`: policy.creating_timout: unknown key in [policy] \
               `creating_timout`, did you mean `creating_timeout`?",
            ],
        );
        check_error(
            "",
            &["polcy.creating_timeout=7d"],
            &[
                "--set `polcy.creating_timeout=7d`: polcy.creating_timeout: unknown section `polcy`, did you mean `policy`?",
            ],
        );
        check_error(
            "",
            &["seed=3"],
            &["--set `seed=3`: seed: expected SECTION.KEY: did you mean simulation.seed?"],
        );
        check_error(
            "",
            &["customer.abandon_probability=1.5"],
            &[
                "--set `customer.abandon_probability=1.5`: customer.abandon_probability: expected a probability within [0, 1], got 1.5",
            ],
        );
        check_error(
            "",
            &["policy.creating_timeout=soon"],
            &[
                "--set `policy.creating_timeout=soon`: policy.creating_timeout:",
                "expected a duration like",
            ],
        );
        check_error(
            "",
            &["policy.cancellable_states=[\"Creating\""],
            &["policy.cancellable_states: VALUE \"[\\\"Creating\\\"\" is not valid TOML"],
        );
        check_error(
            "",
            &["datacenter.copy_setup.max=1h"],
            &["datacenter.copy_setup: cannot set `max` inside \"30m\""],
        );
        check_error(
            "",
            &["datacenter.copy_lag.mode=3d"],
            &["datacenter.copy_lag: uniform: unknown parameter `mode`"],
        );
        check_error(
            "",
            &["arrivals.process=posson"],
            &[
                "--set `arrivals.process=posson`: arrivals.process: unknown variant `posson`, expected one of `poisson`, `count`, `trace`",
            ],
        );
    }

    #[test]
    fn unknown_process_and_missing_trace_key() {
        check_error(
            "[arrivals]\nprocess = \"posson\"\n",
            &[],
            &["x.toml:2:11: arrivals.process: unknown variant `posson`"],
        );
        check_error(
            "[arrivals]\nprocess = \"trace\"\n",
            &[],
            &["x.toml:2:11: arrivals.process: process = \"trace\" needs arrivals.trace"],
        );
    }

    #[test]
    fn missing_scenario_file_is_named() {
        let error = Scenario::load(Path::new("no/such/scenario.toml"), &[]).unwrap_err();
        assert!(matches!(error, ScenarioError::ReadScenario { .. }));
        assert_eq!(
            error.to_string(),
            "cannot read scenario file no/such/scenario.toml"
        );
        let source = std::error::Error::source(&error).unwrap().to_string();
        assert!(source.contains("No such file"), "{source}");
    }

    /// Writes a scenario and a trace into a fresh folder and loads the scenario.
    fn load_with_trace(trace: impl AsRef<[u8]>) -> Result<Scenario, ScenarioError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/arrivals.csv"), trace).unwrap();
        let scenario_path = dir.path().join("study.toml");
        std::fs::write(
            &scenario_path,
            "[simulation]\nhorizon = \"10d\"\n\n[arrivals]\nprocess = \"trace\"\ntrace = \"data/arrivals.csv\"\n",
        )
        .unwrap();
        Scenario::load(&scenario_path, &[])
    }

    #[test]
    fn trace_is_read_relative_to_the_file_sorted_and_clipped() {
        let scenario = load_with_trace(
            "created_at,job_type,drives\n\
             2026-01-06T00:00:00Z,Import,3\n\
             2026-01-05T12:00:00Z,export,\n\
             2026-01-04T23:59:59Z,Import,1\n\
             2026-01-06T00:00:00Z,EXPORT,2\n\
             2026-01-15T00:00:00Z,Import,1\n\
             2026-01-05T02:00:00+01:00,Import,10\n",
        )
        .unwrap();
        let ArrivalProcess::Trace { rows } = &scenario.arrivals.process else {
            panic!("expected a trace");
        };
        let hour = SimDuration::from_hours(1);
        let expected = [
            (SimTime::ZERO + hour, JobKind::Import, Some(10)),
            (
                SimTime::ZERO + SimDuration::from_hours(12),
                JobKind::Export,
                None,
            ),
            (SimTime::ZERO + days(1), JobKind::Import, Some(3)),
            (SimTime::ZERO + days(1), JobKind::Export, Some(2)),
        ];
        let got: Vec<_> = rows
            .iter()
            .map(|row| (row.created_at, row.kind, row.drives))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(scenario.warnings.len(), 1, "{:?}", scenario.warnings);
        assert!(
            scenario.warnings[0]
                .contains("skipped 2 row(s) created outside [start, start + horizon) (line 4, 6)"),
            "{:?}",
            scenario.warnings
        );
    }

    #[test]
    fn malformed_traces_name_file_and_line() {
        let check = |trace: &str, needles: &[&str]| {
            let message = load_with_trace(trace).unwrap_err().to_string();
            for needle in needles {
                assert!(message.contains(needle), "{message:?} lacks {needle:?}");
            }
        };
        check("", &["arrivals.csv:1: empty file: expected a header row"]);
        check(
            "2026-01-05T00:00:00Z,Import\n",
            &["arrivals.csv:1: the first row must be a header created_at,job_type[,drives]"],
        );
        check(
            "created_at,kind\n",
            &["arrivals.csv:1: unknown column \"kind\""],
        );
        check("created_at\n", &["arrivals.csv:1: missing column job_type"]);
        check(
            "created_at,job_type\n2026-01-05T00:00:00Z,Import\n2026-01-05,Import\n",
            &[
                "arrivals.csv:3: created_at: expected an RFC 3339 instant",
                "\"2026-01-05\"",
            ],
        );
        check(
            "created_at,job_type\n2026-01-05T00:00:00Z,Imprt\n",
            &["arrivals.csv:2: job_type: expected Import or Export, got \"Imprt\""],
        );
        check(
            "created_at,job_type,drives\n2026-01-05T00:00:00Z,Import,0\n",
            &["arrivals.csv:2: drives: expected an integer within [1, 10]"],
        );
        check(
            "created_at,job_type,drives\n2026-01-05T00:00:00Z,Import,11\n",
            &["arrivals.csv:2: drives: expected an integer within [1, 10]"],
        );
        check(
            "created_at,job_type\n2026-01-05T00:00:00Z,Import,4\n",
            &["arrivals.csv:2: expected 2 fields like the header row, got 3"],
        );
    }

    #[test]
    fn trace_errors_count_physical_lines_after_blank_lines() {
        // The csv crate's line numbers left out blank lines between rows.
        let check = |trace: &str, needle: &str| {
            let message = load_with_trace(trace).unwrap_err().to_string();
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        };
        check(
            "created_at,job_type\n\n\n2026-01-05T00:00:00Z,Import\n\n2026-01-05,Import\n",
            "arrivals.csv:6: created_at",
        );
        check(
            "created_at,job_type\r\n\r\n2026-01-05T00:00:00Z,Import\r\n\"a\nb\",Import\n",
            "arrivals.csv:4: created_at",
        );
        check(
            "\n\ncreated_at,kind\n2026-01-05T00:00:00Z,Import\n",
            "arrivals.csv:3: unknown column \"kind\"",
        );
        check(
            "created_at,job_type\n\n2026-01-05T00:00:00Z,Import,4\n",
            "arrivals.csv:3: expected 2 fields",
        );
        let not_utf8 =
            load_with_trace(b"created_at,job_type\n\n2026-01-05T00:00:00Z,Import\n\n\xff,Import\n")
                .unwrap_err()
                .to_string();
        assert!(
            not_utf8.contains("arrivals.csv:5: not valid UTF-8"),
            "{not_utf8}"
        );
        check("\n\n", "arrivals.csv:1: empty file");
        let scenario = load_with_trace(
            "created_at,job_type\n\n2025-01-05T00:00:00Z,Import\n\n\n\
             2025-01-05T00:00:00Z,Import\n2026-01-05T00:00:00Z,Import\n",
        )
        .unwrap();
        assert!(
            scenario.warnings[0]
                .contains("skipped 2 row(s) created outside [start, start + horizon) (line 3, 6)"),
            "{:?}",
            scenario.warnings
        );
    }

    #[test]
    fn trace_fields_echoed_in_errors_are_cut() {
        // A 200 MB field once made a 200 MB message.
        let long = "x".repeat(200_000);
        for trace in [
            format!("created_at,job_type\n{long},Import\n"),
            format!("created_at,job_type\n2026-01-05T00:00:00Z,{long}\n"),
            format!("created_at,job_type,drives\n2026-01-05T00:00:00Z,Import,{long}\n"),
            format!("created_at,{long}\n"),
        ] {
            let message = load_with_trace(&trace).unwrap_err().to_string();
            assert!(
                message.len() < 400,
                "{} bytes: {}",
                message.len(),
                &message[..400]
            );
            assert!(message.contains("(200000 characters)"), "{message}");
        }
    }

    #[test]
    fn trace_larger_than_1_gib_is_rejected_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let trace = std::fs::File::create(dir.path().join("big.csv")).unwrap();
        // A sparse file: no disk space, but the size of a huge trace.
        trace.set_len(MAX_TRACE_BYTES + 1).unwrap();
        let scenario_path = dir.path().join("study.toml");
        std::fs::write(
            &scenario_path,
            "[arrivals]\nprocess = \"trace\"\ntrace = \"big.csv\"\n",
        )
        .unwrap();
        let message = Scenario::load(&scenario_path, &[]).unwrap_err().to_string();
        assert!(
            message.contains(
                "study.toml:3:9: arrivals.trace: ",
            ) && message.contains("holds 1073741825 bytes; expected an arrival trace of at most 1073741824 bytes (1 GiB)"),
            "{message}"
        );
    }

    #[test]
    fn values_echoed_in_errors_are_cut() {
        let long = "y".repeat(100_000);
        let cases = [
            (
                String::new(),
                vec![format!("simulation.replications={long}")],
            ),
            (
                String::new(),
                vec![format!("policy.creating_timeout={long}")],
            ),
            (String::new(), vec![format!("policy.{long}=3")]),
            (String::new(), vec![format!("{long}.key=3")]),
            (String::new(), vec![format!("policy.creating_timeout")]),
            (String::new(), vec![format!("{long}")]),
            (
                String::new(),
                vec![format!("policy.cancellable_states=[\"{long}\"]")],
            ),
            (
                String::new(),
                vec![format!("policy.cancellable_states=[\"{long}")],
            ),
            (
                String::new(),
                vec![format!("customer.ship_delay={{ dist = \"{long}\" }}")],
            ),
            (
                String::new(),
                vec![format!(
                    "customer.ship_delay={{ dist = \"exponential\", {long} = 1 }}"
                )],
            ),
            (format!("[simulation]\nreplications = \"{long}\"\n"), vec![]),
            (format!("[simulation]\nname = \"a/{long}\"\n"), vec![]),
            (format!("[simulation]\nstart = \"{long}\"\n"), vec![]),
            (format!("[simulation]\n{long} = 1\n"), vec![]),
            (format!("[{long}]\n"), vec![]),
            (format!("[arrivals]\nprocess = \"{long}\"\n"), vec![]),
            (
                format!("[arrivals]\ndrives_per_job = [{}]\n", "1, ".repeat(30_000)),
                vec![],
            ),
        ];
        for (text, overrides) in cases {
            let overrides: Vec<&str> = overrides.iter().map(String::as_str).collect();
            let message = match from_text(&text, &overrides) {
                Ok(_) => panic!("accepted {}", &text[..text.len().min(60)]),
                Err(error) => error.to_string(),
            };
            assert!(
                message.len() < 700,
                "{} bytes: {}",
                message.len(),
                &message[..message.len().min(700)]
            );
        }
    }

    #[test]
    fn names_that_cannot_be_a_folder_are_rejected() {
        // A NUL or a 300-byte name failed only when the output was written
        // (exit 1), after the whole run.
        for name in ["a\\u0000b", "line\\nbreak", &"n".repeat(201), "a/b", ".."] {
            check_error(
                &format!("[simulation]\nname = \"{name}\"\n"),
                &[],
                &["x.toml:2:8: simulation.name: expected a name usable as a folder name"],
            );
        }
        let longest = "n".repeat(200);
        let scenario = from_text(&format!("[simulation]\nname = \"{longest}\"\n"), &[]).unwrap();
        assert_eq!(scenario.simulation.name, longest);
        // A file named too long for a name keeps the baseline's.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{}.toml", "f".repeat(220)));
        std::fs::write(&path, "[policy]\nretention = \"30d\"\n").unwrap();
        assert_eq!(
            Scenario::load(&path, &[]).unwrap().simulation.name,
            "baseline"
        );
    }

    #[test]
    fn unquoted_start_is_text_in_the_resolved_scenario() {
        // run.json showed {"$__toml_private_datetime": ...} for it.
        let scenario = from_text("[simulation]\nstart = 2026-02-01T08:00:00+01:00\n", &[]).unwrap();
        assert_eq!(
            scenario.resolved["simulation"]["start"],
            toml::Value::String("2026-02-01T08:00:00+01:00".to_string())
        );
        assert_eq!(
            scenario.simulation.start.to_rfc3339(),
            "2026-02-01T07:00:00+00:00"
        );
        let scenario = from_text("", &["simulation.start=2026-02-01T00:00:00Z"]).unwrap();
        assert_eq!(
            serde_json::to_value(&scenario.resolved).unwrap()["simulation"]["start"],
            serde_json::json!("2026-02-01T00:00:00Z")
        );
    }

    #[test]
    fn missing_trace_file_names_the_key_that_set_it() {
        let error = from_text(
            "[arrivals]\nprocess = \"trace\"\ntrace = \"no-such-trace.csv\"\n",
            &[],
        )
        .unwrap_err();
        assert!(matches!(error, ScenarioError::ReadTrace { .. }));
        assert_eq!(
            error.to_string(),
            "x.toml:3:9: arrivals.trace: cannot read arrival trace no-such-trace.csv"
        );
        let error = Scenario::from_overrides(&sets(&[
            "arrivals.process=trace",
            "arrivals.trace=missing.csv",
        ]))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "--set `arrivals.trace=missing.csv`: arrivals.trace: cannot read arrival trace missing.csv"
        );
    }

    #[test]
    fn every_shipped_scenario_loads_cleanly() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        paths.sort();
        assert!(paths.len() >= 5, "{paths:?}");
        for path in paths {
            let scenario = Scenario::load(&path, &[])
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            assert!(
                scenario.warnings.is_empty(),
                "{}: {:?}",
                path.display(),
                scenario.warnings
            );
            let stem = path.file_stem().unwrap().to_str().unwrap();
            // Output goes to output/<name>/, so a shipped study names itself
            // after its file rather than inheriting "baseline".
            assert_eq!(scenario.simulation.name, stem, "{}", path.display());
        }
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 3), (2, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é = 1", 5), (1, 5));
        let text = "[simulation]\nseed = 1\n\n[policy]\nretention = \"9d\"\n";
        assert_eq!(
            key_from_line(text, text.find("retention").unwrap()),
            Some("policy.retention".into())
        );
        assert_eq!(key_from_line(text, 2), Some("simulation".into()));
        assert_eq!(key_from_line(text, text.find("\n\n").unwrap() + 1), None);
    }
}
