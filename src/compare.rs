//! `impexsim compare`: a baseline and a candidate policy run **paired**, and
//! what moved between them (docs/model.md, Randomness and common random
//! numbers).
//!
//! Both scenarios run with the same seed and replications, so every job sees
//! the same random draws under both policies (common random numbers) and a
//! metric's per-replication difference, candidate - baseline, holds the
//! policy's effect with little of the noise. `Pair::load` builds the two
//! scenarios and refuses a candidate that changes `simulation.seed` or
//! `simulation.replications`; `compare_to_dir` runs them and writes the
//! output directory; `guard` reads guard files and checks them.
//!
//! # Replications
//!
//! A paired interval needs replications: the scenario's
//! `simulation.replications`, but 10 when that is 1 (docs/model.md,
//! Randomness and common random numbers), or
//! `--replications N` (at least 2).
//!
//! # Output directory
//!
//! Default `output/<scenario name>-compare/`:
//!
//! - `baseline/`, `candidate/`: each run's usual output (`jobs.csv`, ...,
//!   `run.json` with the resolved scenario).
//! - `compare.csv`: one row per metric of `summary.csv`, in its order:
//!   `metric,baseline_mean,candidate_mean,diff_mean,diff_ci95_low,diff_ci95_high,n,significant`.
//!   Only the `n` replications where the metric has a value in both runs
//!   count (a percentile over no jobs has none); the two means are over those
//!   replications, `diff_*` summarize the per-replication differences
//!   candidate - baseline (mean and Student-t 95% interval, as in
//!   `summary.csv`). When every difference is the same number the interval is
//!   that number exactly, so identical policies give `0,0,0`. `significant`
//!   is `true` when the interval excludes 0; the interval is empty and
//!   `significant` is `false` when `n < 2`.
//! - `compare.jobs.csv`: the jobs whose outcome differs (see `jobs`).
//! - `compare.guards.csv`, with `--guard`: one row per guard,
//!   `metric,limit,amount,allowed,diff_mean,diff_ci95_low,diff_ci95_high,n,result`,
//!   where `allowed` is the limit in the metric's unit (a magnitude) and
//!   `result` is `pass` or `fail`.
//!
//! The directory is built beside the target (`.<name>.tmp-<pid>`) and renamed
//! into place when complete, like a run's; an existing target is replaced
//! only if it is empty or an earlier comparison (it holds `compare.csv`). A
//! guard failure is not a failed comparison: its outputs are written in full
//! (they are the evidence), and the binary then exits with 3 (`GuardsFailed`).
//!
//! # Terminal
//!
//! Unless `--quiet`, `comparison_table` goes to standard output like a run's
//! summary: every metric that moved (its difference is significant), the
//! headline and the guarded metrics, numbers shown as on every terminal text
//! (`report::show_value`: fractions as percentages, their changes in
//! percentage points). The guard verdicts (`GuardVerdict::line`, one
//! `PASS`/`FAIL` line per guard with the difference, its interval and the
//! limit) are the command's result and go to standard output, also with
//! `--quiet`.

pub mod guard;
pub mod jobs;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::compression::decoder;
use crate::interrupt::{Interrupt, Interrupted};
use crate::output_dir::{OutputDirError, StagedDir, write_staged};
use crate::outputs::{Compression, OutputKind, OutputSet};
use crate::record::RunStats;
use crate::report::{
    Metric, MetricsCollector, SampleSummary, UnitKind, show_change, show_interval, show_value,
    summarize_sample, write_number,
};
use crate::run::{ReplicationMetrics, RunError, RunOptions, write_run};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Progress;

use self::guard::{Guard, GuardVerdict, evaluate};
use self::jobs::write_job_diff;

/// Replications of a comparison whose scenario asks for one (docs/model.md,
/// Randomness and common random numbers).
pub const DEFAULT_REPLICATIONS: u32 = 10;

/// The header of `compare.csv`.
pub const COMPARE_HEADER: &str =
    "metric,baseline_mean,candidate_mean,diff_mean,diff_ci95_low,diff_ci95_high,n,significant";

/// The header of `compare.guards.csv`.
pub const GUARDS_HEADER: &str =
    "metric,limit,amount,allowed,diff_mean,diff_ci95_low,diff_ci95_high,n,result";

/// Metrics the terminal table always shows; the others show when their
/// difference is significant or a guard names them.
const HEADLINE_METRICS: [&str; 10] = [
    "jobs.completed.fraction",
    "jobs.closed.fraction",
    "jobs.expired.fraction",
    "end_to_end_days.p50",
    "end_to_end_days.p90",
    "end_to_end_days.p99",
    "drives.destroyed",
    "operator_contacts",
    "copy.utilisation",
    "drives_on_site.mean",
];

/// What the user asked to compare, before any file is read.
#[derive(Clone, Debug, Default)]
pub struct PairSpec {
    /// The baseline scenario file; the embedded baseline when `None`.
    pub scenario: Option<PathBuf>,
    /// `--set` overrides, applied to both scenarios.
    pub overrides: Vec<String>,
    /// `--candidate-scenario`: the candidate's file instead of the baseline's.
    pub candidate_scenario: Option<PathBuf>,
    /// `--candidate KEY=VALUE`: applied to the candidate after everything else.
    pub candidate_overrides: Vec<String>,
    /// `--seed`, for both.
    pub seed: Option<u64>,
    /// `--replications`, for both (at least 2).
    pub replications: Option<u32>,
}

/// The two scenarios of a comparison, with the same seed and replications.
#[derive(Clone, Debug)]
pub struct Pair {
    pub baseline: Scenario,
    pub candidate: Scenario,
}

/// Bad input to `compare`: the binary exits with 2.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The baseline scenario or a `--set` override is invalid.
    #[error("baseline scenario")]
    Baseline(#[source] ScenarioError),
    /// The candidate scenario or a `--candidate` override is invalid.
    #[error("candidate scenario")]
    Candidate(#[source] ScenarioError),
    /// `--replications` below 2.
    #[error("--replications must be at least 2 to estimate a paired interval, got {0}")]
    TooFewReplications(u32),
    /// The candidate changes what pairing holds fixed.
    #[error(
        "the candidate changes {key} ({baseline} -> {candidate}): a paired comparison runs \
         both policies with the same seed and replications (set them with --seed and \
         --replications)"
    )]
    Unpaired {
        key: &'static str,
        baseline: String,
        candidate: String,
    },
    /// The guard file could not be read.
    #[error("cannot read guard file {}", path.display())]
    ReadGuardFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The guard file is malformed or names an unknown metric.
    #[error("{at}: {message}")]
    GuardFile {
        /// `file:line:column`.
        at: String,
        message: String,
    },
}

/// A comparison that could not be run or written (the binary exits with 1).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Output(#[from] OutputDirError),
    #[error("stopped early")]
    Interrupted(#[from] Interrupted),
    /// One of the two runs failed.
    #[error("{kind} run failed")]
    Run {
        kind: RunKind,
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

/// At least one guard failed; the comparison's outputs are written. The
/// binary exits with 3 when this is anywhere in the error chain.
#[derive(Debug, thiserror::Error)]
#[error("{} of {total} guards failed ({}); the comparison is in {}", failed.len(), failed.join(", "), out.display())]
pub struct GuardsFailed {
    /// The metrics of the failed guards, in guard-file order.
    pub failed: Vec<String>,
    pub total: usize,
    pub out: PathBuf,
}

/// Which of the two runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    Baseline,
    Candidate,
}

/// How to run a comparison, beyond the two scenarios.
#[derive(Clone, Debug, Default)]
pub struct CompareOptions {
    /// The comparison's output directory.
    pub out: PathBuf,
    /// The command line, recorded in both runs' `run.json`.
    pub command: Vec<String>,
    /// Threads for the replications; all cores when `None`.
    pub threads: Option<usize>,
    /// The files each run writes into `baseline/` and `candidate/`
    /// (`jobs.csv` is written for the job diff in any case, and removed
    /// after it when not chosen).
    pub outputs: OutputSet,
    /// How the runs' row files are written.
    pub compression: Compression,
    /// Raised to stop the comparison early; nothing is then put in place.
    pub interrupt: Interrupt,
}

/// One metric under both policies.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricComparison {
    pub name: String,
    /// Mean over the paired replications (where both runs have a value).
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    /// The per-replication differences candidate - baseline; `diff.n` is
    /// the number of pairs.
    pub diff: SampleSummary,
}

/// A finished comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Every metric, in `summary.csv` order.
    pub metrics: Vec<MetricComparison>,
    /// One per guard, in guard-file order.
    pub verdicts: Vec<GuardVerdict>,
    /// Rows of `compare.jobs.csv`.
    pub changed_jobs: u64,
    pub replications: u32,
    pub out: PathBuf,
    pub wall_time_seconds: f64,
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.dir_name())
    }
}

impl RunKind {
    /// The run's folder in the comparison's directory.
    pub fn dir_name(self) -> &'static str {
        match self {
            RunKind::Baseline => "baseline",
            RunKind::Candidate => "candidate",
        }
    }
}

impl Pair {
    /// Builds both scenarios: the baseline is the file (or the embedded
    /// baseline) with the `--set`s, `--seed` and `--replications`; the
    /// candidate the same from its own file when given, then the
    /// `--candidate` overrides. A replication count of 1 becomes
    /// `DEFAULT_REPLICATIONS` for both.
    pub fn load(spec: &PairSpec) -> Result<Pair, InputError> {
        if let Some(replications) = spec.replications
            && replications < 2
        {
            return Err(InputError::TooFewReplications(replications));
        }
        let mut shared = spec.overrides.clone();
        if let Some(seed) = spec.seed {
            shared.push(format!("simulation.seed={seed}"));
        }
        if let Some(replications) = spec.replications {
            shared.push(format!("simulation.replications={replications}"));
        }
        let load = |path: Option<&Path>, overrides: &[String]| match path {
            Some(path) => Scenario::load(path, overrides),
            None => Scenario::from_overrides(overrides),
        };
        let candidate_path = spec
            .candidate_scenario
            .as_deref()
            .or(spec.scenario.as_deref());
        let candidate_overrides = |extra: &[String]| {
            let mut overrides = shared.clone();
            overrides.extend(spec.candidate_overrides.iter().cloned());
            overrides.extend(extra.iter().cloned());
            overrides
        };
        let mut baseline = load(spec.scenario.as_deref(), &shared).map_err(InputError::Baseline)?;
        let mut candidate =
            load(candidate_path, &candidate_overrides(&[])).map_err(InputError::Candidate)?;
        let (b, c) = (&baseline.simulation, &candidate.simulation);
        if b.seed != c.seed {
            return Err(InputError::Unpaired {
                key: "simulation.seed",
                baseline: b.seed.to_string(),
                candidate: c.seed.to_string(),
            });
        }
        if b.replications != c.replications {
            return Err(InputError::Unpaired {
                key: "simulation.replications",
                baseline: b.replications.to_string(),
                candidate: c.replications.to_string(),
            });
        }
        if b.replications == 1 {
            // Loaded again rather than patched, so `run.json` records the
            // replications that ran.
            let more = [format!("simulation.replications={DEFAULT_REPLICATIONS}")];
            let mut overrides = shared.clone();
            overrides.extend(more.iter().cloned());
            baseline = load(spec.scenario.as_deref(), &overrides).map_err(InputError::Baseline)?;
            candidate =
                load(candidate_path, &candidate_overrides(&more)).map_err(InputError::Candidate)?;
        }
        Ok(Pair {
            baseline,
            candidate,
        })
    }

    /// Replications both runs use.
    pub fn replications(&self) -> u32 {
        self.baseline.simulation.replications
    }

    /// The two scenarios resolve to the same keys and values (the
    /// `simulation.name` aside), so every difference will be 0.
    pub fn is_identical(&self) -> bool {
        let without_name = |scenario: &Scenario| {
            let mut table = scenario.resolved.clone();
            if let Some(toml::Value::Table(simulation)) = table.get_mut("simulation") {
                simulation.remove("name");
            }
            table
        };
        without_name(&self.baseline) == without_name(&self.candidate)
    }
}

/// The metric names of `summary.csv`, in its order. They never depend on the
/// data, so the metrics of an empty replication list them all.
pub fn metric_names() -> Vec<String> {
    MetricsCollector::new()
        .finish(RunStats::default())
        .into_iter()
        .map(|metric| metric.name)
        .collect()
}

/// Pairs each metric's values replication by replication. Both runs must
/// hold the same replications and metrics (they come from the same code).
pub fn compare_metrics(
    baseline: &[Vec<Metric>],
    candidate: &[Vec<Metric>],
) -> Vec<MetricComparison> {
    compare_replications(
        &ReplicationMetrics::from(baseline.to_vec()),
        &ReplicationMetrics::from(candidate.to_vec()),
    )
}

/// `compare_metrics` over the tables two runs return.
pub fn compare_replications(
    baseline: &ReplicationMetrics,
    candidate: &ReplicationMetrics,
) -> Vec<MetricComparison> {
    assert_eq!(
        baseline.len(),
        candidate.len(),
        "paired runs with different replications"
    );
    if baseline.is_empty() {
        return Vec::new();
    }
    assert_eq!(
        baseline.names(),
        candidate.names(),
        "paired runs hold different metric lists"
    );
    baseline
        .names()
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let pairs: Vec<(f64, f64)> = (0..baseline.len())
                .filter_map(|r| Some((baseline.values(r)[index]?, candidate.values(r)[index]?)))
                .collect();
            let baseline_values: Vec<f64> = pairs.iter().map(|(b, _)| *b).collect();
            let candidate_values: Vec<f64> = pairs.iter().map(|(_, c)| *c).collect();
            let diffs: Vec<f64> = pairs.iter().map(|(b, c)| c - b).collect();
            MetricComparison {
                name: name.clone(),
                baseline: summarize_sample(&baseline_values).mean,
                candidate: summarize_sample(&candidate_values).mean,
                diff: summarize_sample(&diffs),
            }
        })
        .collect()
}

impl MetricComparison {
    /// The 95% interval of the difference excludes 0.
    pub fn significant(&self) -> bool {
        matches!(self.diff.ci95, Some((low, high)) if low > 0.0 || high < 0.0)
    }
}

impl Comparison {
    /// The guards that failed.
    pub fn failed_guards(&self) -> impl Iterator<Item = &GuardVerdict> {
        self.verdicts.iter().filter(|verdict| verdict.failed)
    }

    /// `GuardsFailed` when any guard failed.
    pub fn check_guards(&self) -> Result<(), GuardsFailed> {
        let failed: Vec<String> = self
            .failed_guards()
            .map(|verdict| verdict.guard.metric.clone())
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        Err(GuardsFailed {
            failed,
            total: self.verdicts.len(),
            out: self.out.clone(),
        })
    }
}

/// Runs the baseline and the candidate and writes the comparison's
/// directory. Guards are checked and written but do not make this fail.
pub fn compare_to_dir(
    pair: &Pair,
    guards: &[Guard],
    options: &CompareOptions,
    progress: &(dyn Fn(RunKind, Progress) + Sync),
) -> Result<Comparison, CompareError> {
    assert_eq!(
        (pair.baseline.simulation.seed, pair.replications()),
        (
            pair.candidate.simulation.seed,
            pair.candidate.simulation.replications
        ),
        "Pair::load keeps seed and replications equal"
    );
    let started = Instant::now();
    let target = options.out.clone();
    let comparison = write_staged(&target, "compare.csv", &options.interrupt, |staging| {
        write_all(pair, guards, options, staging, progress)
    })?;
    Ok(Comparison {
        out: target,
        wall_time_seconds: started.elapsed().as_secs_f64(),
        ..comparison
    })
}

fn write_all(
    pair: &Pair,
    guards: &[Guard],
    options: &CompareOptions,
    dir: &StagedDir,
    progress: &(dyn Fn(RunKind, Progress) + Sync),
) -> Result<Comparison, CompareError> {
    let mut metrics = Vec::with_capacity(2);
    for (kind, scenario) in [
        (RunKind::Baseline, &pair.baseline),
        (RunKind::Candidate, &pair.candidate),
    ] {
        let run_dir = dir.subdir(kind.dir_name());
        let run_options = RunOptions {
            out: run_dir.target().to_path_buf(),
            outputs: options.outputs.with(OutputKind::Jobs),
            compression: options.compression,
            command: options.command.clone(),
            threads: options.threads,
            interrupt: options.interrupt.clone(),
        };
        let failed = |source| CompareError::Run { kind, source };
        fs::create_dir(run_dir.path()).map_err(|source| {
            failed(RunError::Io {
                path: run_dir.target().to_path_buf(),
                source,
            })
        })?;
        let on_progress = |p: Progress| progress(kind, p);
        let outcome = write_run(
            scenario,
            &run_options,
            &run_dir,
            &on_progress,
            Instant::now(),
        )
        .map_err(failed)?;
        metrics.push(outcome.metrics);
    }
    let compared = compare_replications(&metrics[0], &metrics[1]);
    let verdicts = evaluate(guards, &compared);

    let in_dir = |name: &str| {
        let path = dir.shown(name);
        move |source| CompareError::Io { path, source }
    };
    let create = |name: &str| {
        File::create(dir.file(name))
            .map(BufWriter::new)
            .map_err(in_dir(name))
    };
    write_compare_csv(create("compare.csv")?, &compared).map_err(in_dir("compare.csv"))?;

    let jobs_csv = options.compression.file_name(OutputKind::Jobs.file_name());
    let open = |kind: RunKind| -> Result<Box<dyn io::Read>, CompareError> {
        let run_dir = dir.subdir(kind.dir_name());
        let failed = |source| CompareError::Io {
            path: run_dir.shown(&jobs_csv),
            source,
        };
        let file = BufReader::new(File::open(run_dir.file(&jobs_csv)).map_err(failed)?);
        Ok(match options.compression {
            Compression::None => Box::new(file),
            Compression::Zstd { .. } => Box::new(decoder(file).map_err(failed)?),
        })
    };
    let changed_jobs = write_job_diff(
        open(RunKind::Baseline)?,
        open(RunKind::Candidate)?,
        create("compare.jobs.csv")?,
    )
    .map_err(in_dir("compare.jobs.csv"))?;
    if !options.outputs.contains(OutputKind::Jobs) {
        for kind in [RunKind::Baseline, RunKind::Candidate] {
            let run_dir = dir.subdir(kind.dir_name());
            fs::remove_file(run_dir.file(&jobs_csv)).map_err(|source| CompareError::Io {
                path: run_dir.shown(&jobs_csv),
                source,
            })?;
        }
    }

    if !verdicts.is_empty() {
        write_guards_csv(create("compare.guards.csv")?, &verdicts)
            .map_err(in_dir("compare.guards.csv"))?;
    }
    Ok(Comparison {
        metrics: compared,
        verdicts,
        changed_jobs,
        replications: pair.replications(),
        out: dir.target().to_path_buf(),
        wall_time_seconds: 0.0,
    })
}

/// `compare.csv` (columns in the module doc).
pub fn write_compare_csv<W: Write>(mut out: W, metrics: &[MetricComparison]) -> io::Result<()> {
    let mut text = String::from(COMPARE_HEADER);
    text.push('\n');
    for metric in metrics {
        text.push_str(&metric.name);
        for value in [
            metric.baseline,
            metric.candidate,
            metric.diff.mean,
            metric.diff.ci95.map(|(low, _)| low),
            metric.diff.ci95.map(|(_, high)| high),
        ] {
            text.push(',');
            push_optional(&mut text, value);
        }
        let _ = writeln!(text, ",{},{}", metric.diff.n, metric.significant());
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `compare.guards.csv` (columns in the module doc).
pub fn write_guards_csv<W: Write>(mut out: W, verdicts: &[GuardVerdict]) -> io::Result<()> {
    let mut text = String::from(GUARDS_HEADER);
    text.push('\n');
    for verdict in verdicts {
        let _ = write!(
            text,
            "{},{},",
            verdict.guard.metric,
            verdict.guard.limit.key()
        );
        write_number(&mut text, verdict.guard.amount);
        let diff = &verdict.comparison.diff;
        for value in [
            verdict.allowed,
            diff.mean,
            diff.ci95.map(|(low, _)| low),
            diff.ci95.map(|(_, high)| high),
        ] {
            text.push(',');
            push_optional(&mut text, value);
        }
        let result = if verdict.failed { "fail" } else { "pass" };
        let _ = writeln!(text, ",{},{result}", diff.n);
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The terminal table, in `summary.csv` order: every metric that moved (its
/// difference is significant), the headline metrics and those a guard names
/// (moved or not), and a footer that counts what moved. Nothing that moved
/// is left out, so the count in the footer is the number of rows marked `*`.
/// Numbers are shown as everywhere on the terminal (`show_value`): fractions
/// as percentages and their changes in percentage points, counts whole (or
/// with one decimal for a mean), four significant digits otherwise.
pub fn comparison_table(comparison: &Comparison) -> String {
    let guarded = |name: &str| {
        comparison
            .verdicts
            .iter()
            .any(|verdict| verdict.guard.metric == name)
    };
    let shown: Vec<&MetricComparison> = comparison
        .metrics
        .iter()
        .filter(|metric| {
            metric.significant()
                || HEADLINE_METRICS.contains(&metric.name.as_str())
                || guarded(&metric.name)
        })
        .collect();

    let mut rows: Vec<[String; 6]> = vec![[
        "metric".to_string(),
        "baseline".to_string(),
        "candidate".to_string(),
        "diff".to_string(),
        "95% CI of diff".to_string(),
        "moved".to_string(),
    ]];
    for metric in &shown {
        let unit = UnitKind::of(&metric.name);
        rows.push([
            metric.name.clone(),
            show_value(unit, metric.baseline),
            show_value(unit, metric.candidate),
            show_change(unit, metric.diff.mean),
            show_interval(unit, metric.diff.ci95),
            if metric.significant() { "*" } else { "" }.to_string(),
        ]);
    }
    let mut widths = [0; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in &rows {
        let mut line = format!("{:<w$}", row[0], w = widths[0]);
        for (cell, width) in row[1..5].iter().zip(&widths[1..5]) {
            let _ = write!(line, "  {cell:>width$}");
        }
        let _ = write!(line, "  {}", row[5]);
        text.push_str(line.trim_end());
        text.push('\n');
    }
    let moved = shown.iter().filter(|metric| metric.significant()).count();
    let _ = writeln!(
        text,
        "{moved} of {} metrics moved (*: the 95% interval of the paired difference \
         excludes 0), all shown above; compare.csv has every metric",
        comparison.metrics.len(),
    );
    let _ = writeln!(
        text,
        "{} paired replications; {} jobs changed outcome (compare.jobs.csv)",
        comparison.replications, comparison.changed_jobs
    );
    text
}

fn push_optional(text: &mut String, value: Option<f64>) {
    if let Some(value) = value {
        write_number(text, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replication(values: &[Option<f64>]) -> Vec<Metric> {
        values
            .iter()
            .enumerate()
            .map(|(index, value)| Metric {
                name: format!("m{index}"),
                value: *value,
            })
            .collect()
    }

    #[test]
    fn pairs_replication_by_replication() {
        let baseline = [
            replication(&[Some(10.0), Some(1.0), None]),
            replication(&[Some(12.0), None, Some(3.0)]),
            replication(&[Some(14.0), Some(2.0), None]),
        ];
        let candidate = [
            replication(&[Some(11.0), Some(5.0), Some(1.0)]),
            replication(&[Some(13.0), Some(7.0), Some(4.0)]),
            replication(&[Some(15.0), Some(6.0), None]),
        ];
        let compared = compare_metrics(&baseline, &candidate);
        // m0: every difference is 1, so the interval is 1 exactly.
        assert_eq!(compared[0].baseline, Some(12.0));
        assert_eq!(compared[0].candidate, Some(13.0));
        assert_eq!(compared[0].diff.mean, Some(1.0));
        assert_eq!(compared[0].diff.ci95, Some((1.0, 1.0)));
        assert!(compared[0].significant());
        // m1: replication 1 has no baseline value; pairs (1, 5) and (2, 6).
        assert_eq!(compared[1].diff.n, 2);
        assert_eq!(compared[1].baseline, Some(1.5));
        assert_eq!(compared[1].candidate, Some(5.5));
        assert_eq!(compared[1].diff.ci95, Some((4.0, 4.0)));
        // m2: one pair, no interval, not significant.
        assert_eq!(compared[2].diff.n, 1);
        assert_eq!(compared[2].diff.ci95, None);
        assert!(!compared[2].significant());

        let mut out = Vec::new();
        write_compare_csv(&mut out, &compared).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "{COMPARE_HEADER}\nm0,12,13,1,1,1,3,true\nm1,1.5,5.5,4,4,4,2,true\n\
                 m2,3,4,1,,,1,false\n"
            )
        );
    }

    #[test]
    fn identical_runs_give_exact_zeros() {
        let runs: Vec<Vec<Metric>> = [0.1, 0.7, 1.0 / 3.0]
            .iter()
            .map(|value| replication(&[Some(*value), None]))
            .collect();
        let compared = compare_metrics(&runs, &runs);
        assert_eq!(compared[0].diff.mean, Some(0.0));
        assert_eq!(compared[0].diff.ci95, Some((0.0, 0.0)));
        assert!(!compared[0].significant());
        assert_eq!(compared[1].diff.n, 0);
        assert_eq!(compared[1].baseline, None);
    }

    #[test]
    fn metric_names_are_those_of_summary_csv() {
        let names = metric_names();
        for name in [
            "jobs.total",
            "jobs.expired.fraction",
            "events.shipping_overdue.jobs",
            "end_to_end_days.p90",
            "state_days.creating.mean",
            "drives.destroyed",
            "operator_contacts.per_week",
            "packaging.queue_length.max",
        ] {
            assert!(names.iter().any(|known| known == name), "{name}");
        }
    }

    /// The table said "68 of 102 metrics significant" but showed 22 rows
    /// (twelve at most beyond the headline ones, and no count of a fraction),
    /// so which had moved was hidden. Every metric that moved is a row now.
    #[test]
    fn compare_table_hides_which_metrics_moved() {
        let metric = |name: &str, baseline: f64, diffs: &[f64]| MetricComparison {
            name: name.to_string(),
            baseline: Some(baseline),
            candidate: Some(baseline + diffs[0]),
            diff: summarize_sample(diffs),
        };
        let mut metrics = vec![
            metric("jobs.expired.fraction", 0.071844, &[0.0, 0.0]),
            metric("events.package_lost.fraction", 1.0, &[0.0, 0.0]),
            metric("events.shipping_overdue.jobs", 30.0, &[2.0, 2.0]),
            metric(
                "events.shipping_overdue.fraction",
                0.004135,
                &[-0.000425, -0.000425],
            ),
            metric("drives.destroyed", 14.0, &[59.0, 50.0, 68.0]),
        ];
        for index in 0..20 {
            let name = format!("state_days.x{index:02}.mean");
            metrics.push(metric(&name, 100.0, &[f64::from(index + 1); 2]));
        }
        let comparison = Comparison {
            metrics,
            verdicts: Vec::new(),
            changed_jobs: 4,
            replications: 2,
            out: PathBuf::from("out"),
            wall_time_seconds: 0.0,
        };
        let table = comparison_table(&comparison);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[..5],
            [
                "metric                            baseline  candidate        diff       95% CI of diff  moved",
                "jobs.expired.fraction               7.184%     7.184%       +0 pp            +0..+0 pp",
                "events.shipping_overdue.jobs            30         32          +2               +2..+2  *",
                "events.shipping_overdue.fraction   0.4135%     0.371%  -0.0425 pp  -0.0425..-0.0425 pp  *",
                // Diffs 59, 50, 68: sd 9, half width 4.3027 x 9 / sqrt(3) = 22.36.
                "drives.destroyed                        14         73         +59         +36.6..+81.4  *",
            ],
            "{table}"
        );
        // Not moved and not a headline metric: left out.
        assert!(!table.contains("events.package_lost"), "{table}");
        for index in 0..20 {
            assert!(
                table.contains(&format!("state_days.x{index:02}.mean")),
                "{table}"
            );
        }
        let moved = lines.iter().filter(|line| line.ends_with('*')).count();
        assert_eq!(moved, 23, "{table}");
        assert_eq!(lines.len(), 1 + 1 + 23 + 2, "{table}");
        assert_eq!(
            lines[25],
            "23 of 25 metrics moved (*: the 95% interval of the paired difference excludes 0), \
             all shown above; compare.csv has every metric"
        );
        assert_eq!(
            lines[26],
            "2 paired replications; 4 jobs changed outcome (compare.jobs.csv)"
        );
    }
}
