//! Parameter sweeps: one scenario run at every point of a cross product of
//! `--vary` values (`impexsim sweep`).
//!
//! Key types: `Vary` (one `--vary KEY=V1,V2,...` argument), `SweepPlan` (the
//! validated points, each with its own `Scenario`), `run_sweep` (runs every
//! point into one output directory) and `write_sweep_csv` (the combined
//! metrics).
//!
//! # Values
//!
//! `--vary KEY=V1,V2,...` lists the values of one scenario key. Each value is
//! read exactly like the VALUE of `--set KEY=VALUE` (a TOML value, else a
//! string), and a point applies its values as `--set` overrides after the
//! user's own `--set`s, `--seed` and `--replications`; so the scenario
//! loader checks them and its messages name what is wrong. The list is split
//! at commas outside `[...]`, `{...}` and quotes, so
//! `--vary 'policy.cancellable_states=["Creating"],[]'` has two values.
//! Blanks around a value are dropped; an empty value, an empty list and a
//! value listed twice are errors.
//!
//! A value `START..END` or `START..END..STEP` of integers is a range: START,
//! START + STEP, ... up to END, END included when it is reached (STEP is 1
//! when left out). `datacenter.copy_stations=90..150..10` is 90, 100, ...,
//! 150. Ranges and plain values mix: `1,2,5..20..5`. A range holds at most
//! `MAX_RANGE_VALUES` values.
//!
//! # Points
//!
//! The points are the cross product of the lists, the first `--vary`
//! outermost. Every point uses the same seed, so the points see the same
//! random draws (common random numbers: docs/model.md, Randomness and common
//! random numbers) and differ only by the effect
//! of their values. Every point is built and validated before any is run: a
//! bad value fails the sweep before anything is written.
//!
//! # Output
//!
//! The sweep directory holds `sweep.csv` and one subdirectory per point,
//! each a complete `impexsim run` output (`run::run_to_dir`). A
//! subdirectory is named `name=value` for each varied key, joined with `,`
//! (`copy_stations=90,creating_timeout=7d`): the name is the key without its
//! section (the full key if two varied keys would share a name) and the value
//! keeps ASCII letters, digits and `.`, `+`, `-`, `_`, with every other run of
//! characters turned into one `_`, no `_` at either end (`_` alone if nothing
//! is left) and at most `MAX_NAME_VALUE_CHARS` characters: `["Creating"]`
//! gives `cancellable_states=Creating`, `[]` gives `cancellable_states=_`.
//! Names that would still clash (ignoring case) get `~2`, `~3`, ... in point
//! order.
//!
//! `sweep.csv` has one column per varied key, named by the full dotted key and
//! holding the value as given (a range expanded), then `metric,value` when
//! every point has one replication, or `metric,mean,stddev,ci95_low,ci95_high,n`
//! (as `summary.csv` of several replications) when any point has more. Rows
//! go point by point in cross-product order, the metrics of each point in the
//! fixed order of `summary.csv`; numbers are written as in `summary.csv`
//! (the shortest text that round-trips, counts as integers).
//!
//! The whole directory is built in a staging directory beside the target
//! (`.<name>.tmp-<pid>`) and renamed into place at the end, so a failed
//! sweep never leaves a directory that looks complete. A target that exists
//! is replaced only when it is empty or holds `sweep.csv` (an earlier sweep).
//!
//! Points run in parallel (and the replications of each point), on
//! `threads` threads or all cores; the output does not depend on it. Each
//! point's `run.json` records the sweep's command line and the point's
//! resolved scenario. `summary_table` gives the few lines the binary prints
//! at the end (each point's `end_to_end_days.p90` and `copy.utilisation`).
//!
//! # Errors
//!
//! A `--vary` that cannot be read is a `VaryError` naming the key. A point the
//! scenario loader rejects is `PlanError::Point`, whose message lists the
//! point's values (`sweep point datacenter.copy_stations=abc`) and whose
//! source is the loader's `ScenarioError` (which names the value as the
//! `--set` it was applied as). Both are bad input (exit 2 in the binary);
//! `SweepError` (an output that cannot be written) is not.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::interrupt::{Interrupt, Interrupted};
use crate::output_dir::{OutputDirError, StagedDir, write_staged};
use crate::outputs::{Compression, OutputSet};
use crate::report::{UnitKind, show_value, write_number};
use crate::run::{ReplicationMetrics, RunError, RunOptions, ThreadsError, with_threads, write_run};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Progress;

/// Most values one `START..END..STEP` range may expand to.
pub const MAX_RANGE_VALUES: u64 = 10_000;

/// Most characters of one value in a point's directory name.
pub const MAX_NAME_VALUE_CHARS: usize = 48;

/// The file of combined metrics in a sweep directory.
pub const SWEEP_CSV: &str = "sweep.csv";

/// One `--vary KEY=V1,V2,...`: a scenario key and the values it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vary {
    /// The dotted key as typed (checked by the scenario loader, not here).
    pub key: String,
    /// The values, ranges expanded, in the order given; never empty, no
    /// value twice.
    pub values: Vec<String>,
}

/// A `--vary` argument that cannot be read, or a set of them that does not
/// make a sweep.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaryError {
    /// No `=`, or nothing before it.
    #[error("--vary `{text}`: expected KEY=V1,V2,..., e.g. --vary datacenter.copy_stations=90,120")]
    Syntax { text: String },
    /// Nothing after the `=`.
    #[error("--vary {key}: empty list of values, expected V1,V2,... or START..END[..STEP]")]
    EmptyList { key: String },
    /// An empty value between commas (`1,,2`).
    #[error("--vary {key}: value {position} of `{list}` is empty")]
    EmptyValue {
        key: String,
        /// 1-based position in the list.
        position: usize,
        list: String,
    },
    /// A bracket, brace or quote that is not closed.
    #[error("--vary {key}: unclosed bracket, brace or quote in `{list}`")]
    Unbalanced { key: String, list: String },
    /// A `START..END[..STEP]` range that is empty, has a zero step or is too long.
    #[error("--vary {key}: range `{range}`: {problem}")]
    Range {
        key: String,
        range: String,
        problem: String,
    },
    /// A value that appears twice in one list (ranges expanded).
    #[error("--vary {key}: value `{value}` is listed twice")]
    DuplicateValue { key: String, value: String },
    /// The same key in two `--vary` arguments.
    #[error("--vary {key} is given twice: give each key once, with all its values")]
    DuplicateKey { key: String },
    /// No `--vary` at all.
    #[error("nothing to sweep: give at least one --vary KEY=V1,V2,...")]
    Missing,
}

/// A sweep that cannot be built: bad `--vary` arguments, or a scenario (the
/// base or one point) that the loader rejects.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Vary(#[from] VaryError),
    /// The scenario without any `--vary` value is invalid.
    #[error(transparent)]
    Base(ScenarioError),
    /// One point is invalid; `point` lists its values as `key=value, ...`.
    #[error("sweep point {point}")]
    Point {
        point: String,
        #[source]
        source: ScenarioError,
    },
}

/// A sweep that could not be run or written.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Output(#[from] OutputDirError),
    #[error("stopped early")]
    Interrupted(#[from] Interrupted),
    #[error(transparent)]
    Threads(#[from] ThreadsError),
    /// One point's run failed.
    #[error("sweep point {point}")]
    Run {
        point: String,
        #[source]
        source: RunError,
    },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Where the scenario of a sweep comes from, before any `--vary` value.
#[derive(Clone, Copy, Debug)]
pub struct BaseScenario<'a> {
    /// The scenario file; the embedded baseline when `None`.
    pub path: Option<&'a Path>,
    /// `--set` overrides (and `simulation.seed=...` etc.) applied to every point.
    pub overrides: &'a [String],
}

/// Every point of a sweep, validated.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// The scenario with the base overrides and no `--vary` value.
    pub base: Scenario,
    /// The varied keys, in `--vary` order.
    pub keys: Vec<String>,
    /// The points in cross-product order (the first key outermost).
    pub points: Vec<SweepPoint>,
}

/// One point of a sweep.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// The value of each varied key, in `SweepPlan::keys` order.
    pub values: Vec<String>,
    /// The point's subdirectory in the sweep directory.
    pub dir_name: String,
    /// The base scenario with this point's values applied.
    pub scenario: Scenario,
}

/// How to run a sweep, beyond the plan.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// The sweep directory.
    pub out: PathBuf,
    /// The command line, recorded in each point's `run.json`.
    pub command: Vec<String>,
    /// Threads for points and replications; all cores when `None`.
    pub threads: Option<usize>,
    /// The files each point's run writes.
    pub outputs: OutputSet,
    /// How the points' row files are written.
    pub compression: Compression,
    /// Raised to stop the sweep early; nothing is then put in place.
    pub interrupt: Interrupt,
}

/// What one replication of one point reported (as often as a run reports).
#[derive(Clone, Copy, Debug)]
pub struct SweepProgress<'a> {
    /// The point's position in `SweepPlan::points`.
    pub index: usize,
    pub point: &'a SweepPoint,
    /// The engine's report (replication, simulated time, jobs written).
    pub replication: Progress,
}

/// What a finished sweep reports.
#[derive(Clone, Debug)]
pub struct SweepOutcome {
    /// The sweep directory.
    pub out: PathBuf,
    /// The varied keys, in `--vary` order.
    pub keys: Vec<String>,
    /// The points in cross-product order.
    pub points: Vec<PointOutcome>,
    /// Job rows written over all points and replications.
    pub jobs: u64,
    pub wall_time_seconds: f64,
}

/// The result of one point.
#[derive(Clone, Debug)]
pub struct PointOutcome {
    /// The value of each varied key.
    pub values: Vec<String>,
    pub dir_name: String,
    /// Metrics of each replication, in replication order.
    pub metrics: ReplicationMetrics,
}

impl FromStr for Vary {
    type Err = VaryError;

    /// Reads `KEY=V1,V2,...` (see the module doc).
    fn from_str(text: &str) -> Result<Vary, VaryError> {
        let Some((key, list)) = text.split_once('=') else {
            return Err(VaryError::Syntax {
                text: text.to_string(),
            });
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(VaryError::Syntax {
                text: text.to_string(),
            });
        }
        let list = list.trim();
        if list.is_empty() {
            return Err(VaryError::EmptyList {
                key: key.to_string(),
            });
        }
        let items = split_top_level(list).ok_or_else(|| VaryError::Unbalanced {
            key: key.to_string(),
            list: list.to_string(),
        })?;
        let mut values: Vec<String> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item = item.trim();
            if item.is_empty() {
                return Err(VaryError::EmptyValue {
                    key: key.to_string(),
                    position: index + 1,
                    list: list.to_string(),
                });
            }
            let expanded = match parse_range(item) {
                Some(range) => expand_range(range).map_err(|problem| VaryError::Range {
                    key: key.to_string(),
                    range: item.to_string(),
                    problem,
                })?,
                None => vec![item.to_string()],
            };
            for value in expanded {
                if values.contains(&value) {
                    return Err(VaryError::DuplicateValue {
                        key: key.to_string(),
                        value,
                    });
                }
                values.push(value);
            }
        }
        Ok(Vary {
            key: key.to_string(),
            values,
        })
    }
}

impl SweepPlan {
    /// Builds and validates every point: the base scenario with the
    /// `varies` values applied as `--set KEY=VALUE` overrides, in
    /// cross-product order.
    // `PlanError` is as large as a `ScenarioError` plus the point's text; it
    // is built once per sweep, and boxing the `ScenarioError` would hide it
    // from the binary's exit-code check (a downcast through the cause chain).
    #[allow(clippy::result_large_err)]
    pub fn new(base: BaseScenario<'_>, varies: &[Vary]) -> Result<SweepPlan, PlanError> {
        if varies.is_empty() {
            return Err(VaryError::Missing.into());
        }
        for (index, vary) in varies.iter().enumerate() {
            if varies[..index]
                .iter()
                .any(|earlier| earlier.key == vary.key)
            {
                return Err(VaryError::DuplicateKey {
                    key: vary.key.clone(),
                }
                .into());
            }
        }
        let load = |overrides: &[String]| match base.path {
            Some(path) => Scenario::load(path, overrides),
            None => Scenario::from_overrides(overrides),
        };
        let base_scenario = load(base.overrides).map_err(PlanError::Base)?;

        let keys: Vec<String> = varies.iter().map(|vary| vary.key.clone()).collect();
        let labels = key_labels(&keys);
        let mut taken_names: Vec<String> = Vec::new();
        let mut points = Vec::new();
        for values in cross_product(varies) {
            let mut overrides = base.overrides.to_vec();
            overrides.extend(
                keys.iter()
                    .zip(&values)
                    .map(|(key, value)| format!("{key}={value}")),
            );
            let scenario = load(&overrides).map_err(|source| PlanError::Point {
                point: describe_point(&keys, &values),
                source,
            })?;
            let dir_name = unique_name(point_dir_name(&labels, &values), &mut taken_names);
            points.push(SweepPoint {
                values,
                dir_name,
                scenario,
            });
        }
        Ok(SweepPlan {
            base: base_scenario,
            keys,
            points,
        })
    }

    /// The most replications any point runs.
    pub fn max_replications(&self) -> u32 {
        self.points
            .iter()
            .map(|point| point.scenario.simulation.replications)
            .max()
            .unwrap_or(1)
    }
}

/// Runs every point of `plan` into `options.out` and writes `sweep.csv`.
pub fn run_sweep(
    plan: &SweepPlan,
    options: &SweepOptions,
    progress: &(dyn Fn(SweepProgress<'_>) + Sync),
) -> Result<SweepOutcome, SweepError> {
    let started = Instant::now();
    let target = options.out.clone();
    let (points, jobs) = write_staged(&target, SWEEP_CSV, &options.interrupt, |staging| {
        write_all(plan, options, staging, progress)
    })?;
    Ok(SweepOutcome {
        out: target,
        keys: plan.keys.clone(),
        points,
        jobs,
        wall_time_seconds: started.elapsed().as_secs_f64(),
    })
}

/// `sweep.csv`: the varied keys' values, then each point's metrics as in
/// `summary.csv` (see the module doc). `several` picks the
/// several-replication columns.
pub fn write_sweep_csv<W: Write>(
    out: W,
    keys: &[String],
    points: &[PointOutcome],
    several: bool,
) -> io::Result<()> {
    // The csv writer quotes the values that need it (`["Creating","Shipping"]`).
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = keys.iter().map(String::as_str).collect();
    if several {
        header.extend(["metric", "mean", "stddev", "ci95_low", "ci95_high", "n"]);
    } else {
        header.extend(["metric", "value"]);
    }
    writer.write_record(&header)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for point in points {
        assert_eq!(point.values.len(), keys.len(), "one value per varied key");
        if several {
            for summary in point.metrics.summaries() {
                record.clear();
                record.extend(point.values.iter().cloned());
                record.push(summary.name);
                let stats = summary.summary;
                record.push(number(stats.mean));
                record.push(number(stats.stddev));
                record.push(number(stats.ci95.map(|(low, _)| low)));
                record.push(number(stats.ci95.map(|(_, high)| high)));
                record.push(stats.n.to_string());
                writer.write_record(&record)?;
            }
        } else {
            assert_eq!(point.metrics.len(), 1, "one replication per point");
            for metric in &point.metrics.replication(0) {
                record.clear();
                record.extend(point.values.iter().cloned());
                record.push(metric.name.clone());
                record.push(number(metric.value));
                writer.write_record(&record)?;
            }
        }
    }
    writer.flush()
}

/// A few lines for the terminal: each point's `end_to_end_days.p90` and
/// `copy.utilisation` (means over replications, shown as `show_value` shows
/// them everywhere: utilisation as a percentage), `-` where there is none.
pub fn summary_table(outcome: &SweepOutcome) -> String {
    const METRICS: [(&str, &str); 2] = [
        ("end_to_end_days.p90", "e2e p90 [d]"),
        ("copy.utilisation", "copy util"),
    ];
    let labels = key_labels(&outcome.keys);
    let mut rows: Vec<Vec<String>> = vec![
        labels
            .iter()
            .cloned()
            .chain(METRICS.iter().map(|(_, title)| title.to_string()))
            .collect(),
    ];
    for point in &outcome.points {
        let summaries = point.metrics.summaries();
        let mean = |name: &str| {
            summaries
                .iter()
                .find(|summary| summary.name == name)
                .and_then(|summary| summary.summary.mean)
        };
        let mut row = point.values.clone();
        for (name, _) in METRICS {
            row.push(show_value(UnitKind::of(name), mean(name)));
        }
        rows.push(row);
    }
    let n_columns = rows[0].len();
    let widths: Vec<usize> = (0..n_columns)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in &rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            let _ = write!(line, "{cell:<width$}", width = widths[column]);
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Runs the points into `dir`, then writes `sweep.csv` there.
fn write_all(
    plan: &SweepPlan,
    options: &SweepOptions,
    dir: &StagedDir,
    progress: &(dyn Fn(SweepProgress<'_>) + Sync),
) -> Result<(Vec<PointOutcome>, u64), SweepError> {
    let total = plan.points.len();
    // After a failed point, the points not yet started are skipped.
    let failed = AtomicBool::new(false);
    // `None`: skipped, because another point failed.
    let run_point = |(index, point): (usize, &SweepPoint)| -> PointResult {
        options.interrupt.check()?;
        if failed.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let run_dir = dir.subdir(&point.dir_name);
        let fail = |source: RunError| {
            failed.store(true, Ordering::Relaxed);
            SweepError::Run {
                point: describe_point(&plan.keys, &point.values),
                source,
            }
        };
        fs::create_dir(run_dir.path()).map_err(|source| {
            fail(RunError::Io {
                path: run_dir.target().to_path_buf(),
                source,
            })
        })?;
        let run_options = RunOptions {
            out: run_dir.target().to_path_buf(),
            outputs: options.outputs,
            compression: options.compression,
            command: options.command.clone(),
            // The replications share the sweep's thread pool.
            threads: None,
            interrupt: options.interrupt.clone(),
        };
        let report = |replication: Progress| {
            progress(SweepProgress {
                index,
                point,
                replication,
            })
        };
        let outcome = write_run(
            &point.scenario,
            &run_options,
            &run_dir,
            &report,
            Instant::now(),
        )
        .map_err(fail)?;
        let result = PointOutcome {
            values: point.values.clone(),
            dir_name: point.dir_name.clone(),
            metrics: outcome.metrics,
        };
        Ok(Some((result, outcome.jobs)))
    };
    let results = with_threads(options.threads, || {
        plan.points
            .par_iter()
            .enumerate()
            .map(run_point)
            .collect::<Vec<PointResult>>()
    })?;
    options.interrupt.check()?;
    let mut points = Vec::with_capacity(results.len());
    let mut jobs = 0;
    for result in results {
        if let Some((point, point_jobs)) = result? {
            points.push(point);
            jobs += point_jobs;
        }
    }
    assert_eq!(
        points.len(),
        total,
        "points are skipped only after a failure"
    );

    let path = dir.file(SWEEP_CSV);
    let shown = dir.shown(SWEEP_CSV);
    let file = fs::File::create(&path).map_err(|source| SweepError::Io {
        path: shown.clone(),
        source,
    })?;
    let several = plan.max_replications() > 1;
    write_sweep_csv(io::BufWriter::new(file), &plan.keys, &points, several).map_err(|source| {
        SweepError::Io {
            path: shown,
            source,
        }
    })?;
    Ok((points, jobs))
}

/// One point's outcome and its jobs; `None` when it was skipped because
/// another point failed.
type PointResult = Result<Option<(PointOutcome, u64)>, SweepError>;

/// A summary value as `summary.csv` writes it; empty when absent.
fn number(value: Option<f64>) -> String {
    let mut text = String::new();
    if let Some(value) = value {
        write_number(&mut text, value);
    }
    text
}

/// Splits `list` at commas outside brackets, braces and quotes. `None` when
/// a bracket, brace or quote is left open.
fn split_top_level(list: &str) -> Option<Vec<&str>> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut item_start = 0;
    for (index, c) in list.char_indices() {
        if let Some(open) = quote {
            // TOML: backslash escapes only inside "basic" strings.
            if escaped {
                escaped = false;
            } else if c == '\\' && open == '"' {
                escaped = true;
            } else if c == open {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '{' => depth += 1,
            // A stray closer is left for the TOML reader to report.
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&list[item_start..index]);
                item_start = index + 1;
            }
            _ => {}
        }
    }
    if depth > 0 || quote.is_some() {
        return None;
    }
    items.push(&list[item_start..]);
    Some(items)
}

/// `START..END[..STEP]` of integers; `None` when `item` is not one.
fn parse_range(item: &str) -> Option<(i64, i64, i64)> {
    let parts: Vec<&str> = item.split("..").map(str::trim).collect();
    let integer = |text: &str| text.parse::<i64>().ok();
    match parts.as_slice() {
        [start, end] => Some((integer(start)?, integer(end)?, 1)),
        [start, end, step] => Some((integer(start)?, integer(end)?, integer(step)?)),
        _ => None,
    }
}

/// The values of a range, or what is wrong with it.
fn expand_range((start, end, step): (i64, i64, i64)) -> Result<Vec<String>, String> {
    if step <= 0 {
        return Err(format!("expected a positive STEP, got {step}"));
    }
    if end < start {
        return Err(format!("expected START <= END, got {start} > {end}"));
    }
    let count = (end as i128 - start as i128) / step as i128 + 1;
    if count > MAX_RANGE_VALUES as i128 {
        return Err(format!(
            "{count} values, expected at most {MAX_RANGE_VALUES} (use a larger STEP)"
        ));
    }
    Ok((0..count as i64)
        .map(|index| (start + index * step).to_string())
        .collect())
}

/// Every combination of the lists' values, the first list outermost.
fn cross_product(varies: &[Vary]) -> Vec<Vec<String>> {
    let mut points: Vec<Vec<String>> = vec![Vec::new()];
    for vary in varies {
        points = points
            .iter()
            .flat_map(|prefix| {
                vary.values.iter().map(move |value| {
                    let mut point = prefix.clone();
                    point.push(value.clone());
                    point
                })
            })
            .collect();
    }
    points
}

/// `key=value, key=value` for messages.
pub(crate) fn describe_point(keys: &[String], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Short names of the varied keys: the key without its section, or the
/// full key where two short names would be the same.
fn key_labels(keys: &[String]) -> Vec<String> {
    let short = |key: &str| match key.split_once('.') {
        Some((_, rest)) if !rest.is_empty() => rest.to_string(),
        _ => key.to_string(),
    };
    keys.iter()
        .map(|key| {
            let label = short(key);
            let shared = keys
                .iter()
                .filter(|other| short(other).eq_ignore_ascii_case(&label))
                .count()
                > 1;
            if shared { key.clone() } else { label }
        })
        .collect()
}

/// `label=value` per key, joined with `,`, made safe as a file name.
fn point_dir_name(labels: &[String], values: &[String]) -> String {
    labels
        .iter()
        .zip(values)
        .map(|(label, value)| format!("{}={}", safe_name(label), safe_name(value)))
        .collect::<Vec<_>>()
        .join(",")
}

/// Keeps ASCII letters, digits and `.+-_`; every other run of characters
/// becomes one `_`, and `_` at either end is dropped; at most
/// `MAX_NAME_VALUE_CHARS` characters, never empty (`_`) and never ending in
/// `.` (Windows drops it).
fn safe_name(text: &str) -> String {
    let mut name = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_') {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    let mut name = name.trim_matches('_').to_string();
    name.truncate(MAX_NAME_VALUE_CHARS);
    if name.is_empty() || name.ends_with('.') {
        name.push('_');
    }
    name
}

/// `name`, or `name~2`, `name~3`, ... when taken (ignoring case, for
/// file systems that do).
fn unique_name(name: String, taken: &mut Vec<String>) -> String {
    let is_taken = |candidate: &str, taken: &[String]| {
        taken
            .iter()
            .any(|other| other.eq_ignore_ascii_case(candidate))
    };
    let mut candidate = name.clone();
    let mut suffix = 2;
    while is_taken(&candidate, taken) {
        candidate = format!("{name}~{suffix}");
        suffix += 1;
    }
    taken.push(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests;
