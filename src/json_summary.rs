//! `--json`: the machine-readable summary of `run`, `sweep`, `compare` and
//! `optimize`,
//! one pretty-printed JSON document on standard output (which then carries
//! nothing else; progress and diagnostics stay on standard error).
//!
//! The shape is stable: keys are only ever added. Its JSON Schema is
//! `schemas/summary.schema.json`; `command` says which of the four it is.
//!
//! - `run`: `command`, `scenario` (its name), `seed`, `replications`,
//!   `jobs` (rows written over all replications), `out` (the output
//!   directory), `wall_time_seconds`, and `metrics`: an object keyed by
//!   metric name in `summary.csv` order, each `{unit, mean, stddev,
//!   ci95_low, ci95_high, n}` (`unit` is `count`, `fraction`, `days`,
//!   `time_average` or `per_week`; `n` the replications where the metric has
//!   a value; with one replication `mean` is its value and the spread is
//!   null).
//! - `sweep`: `command`, `scenario`, `seed`, `keys` (the varied keys),
//!   `jobs`, `out`, `wall_time_seconds`, and `points`: one per point in
//!   cross-product order, `{values: {key: value as given}, out,
//!   replications, metrics}` with `metrics` as for `run`.
//! - `compare`: `command`, `baseline` and `candidate` (scenario names),
//!   `seed`, `replications`, `changed_jobs` (rows of `compare.jobs.csv`),
//!   `out`, `wall_time_seconds`, `metrics` keyed by name, each `{unit,
//!   baseline_mean, candidate_mean, diff_mean, diff_ci95_low,
//!   diff_ci95_high, n, significant}` (the columns of `compare.csv`),
//!   `guards`: one per guard in file order, `{metric, limit, amount,
//!   allowed, diff_mean, diff_ci95_low, diff_ci95_high, n, significant,
//!   result, origin}` (`result` is `pass` or `fail`, `origin` the guard's
//!   `file:line:column`), and `guards_passed`.
//! - `optimize`: `command`, `scenario`, `seed`, `replications`,
//!   `confidence`, `keys` (the minimised keys), `weights` (their costs, in
//!   `keys` order), `out`, `wall_time_seconds`, `candidates` (how many were
//!   evaluated), `feasible`, `answer` (the least or cheapest feasible
//!   candidate, `null` when none is), `best` (the answer, or when none is
//!   feasible the candidate that came closest), and `one_less`: one per key
//!   whose answer is above the floor of its range, the answer with one less
//!   of it (all infeasible). A candidate is `{values: {key: count}, cost,
//!   feasible, constraints}`, `constraints` one per `--subject-to` in order,
//!   `{metric, limit, value, mean, bound, n, holds}` (`limit` is `<=`, `<`,
//!   `>=` or `>`; `bound` the one-sided bound at the confidence), the values
//!   of `optimize.csv`; a `one_less` entry also has its `key`.
//!
//! A value that does not exist is `null`. Numbers are JSON numbers, whole
//! ones (counts) written as integers, others with the shortest digits that
//! round-trip.

use std::path::Path;

use serde::{Serialize, Serializer};

use impexsim::compare::{Comparison, MetricComparison, Pair};
use impexsim::optimize::{Candidate, Optimization, Plan};
use impexsim::report::UnitKind;
use impexsim::run::{ReplicationMetrics, RunOutcome};
use impexsim::scenario::Scenario;
use impexsim::sweep::{SweepOutcome, SweepPlan};

/// The `--json` document of `run`.
#[derive(Debug, Serialize)]
pub struct RunSummary {
    command: &'static str,
    scenario: String,
    seed: u64,
    replications: u32,
    jobs: u64,
    out: String,
    wall_time_seconds: f64,
    metrics: Metrics,
}

/// The `--json` document of `sweep`.
#[derive(Debug, Serialize)]
pub struct SweepSummary {
    command: &'static str,
    scenario: String,
    seed: u64,
    keys: Vec<String>,
    jobs: u64,
    out: String,
    wall_time_seconds: f64,
    points: Vec<PointSummary>,
}

/// The `--json` document of `compare`.
#[derive(Debug, Serialize)]
pub struct CompareSummary {
    command: &'static str,
    baseline: String,
    candidate: String,
    seed: u64,
    replications: u32,
    changed_jobs: u64,
    out: String,
    wall_time_seconds: f64,
    metrics: Keyed<ComparedMetric>,
    guards: Vec<GuardSummary>,
    guards_passed: bool,
}

/// The `--json` document of `optimize`.
#[derive(Debug, Serialize)]
pub struct OptimizeSummary {
    command: &'static str,
    scenario: String,
    seed: u64,
    replications: u32,
    confidence: Number,
    keys: Vec<String>,
    weights: Vec<Number>,
    out: String,
    wall_time_seconds: f64,
    candidates: usize,
    feasible: bool,
    answer: Option<CandidateSummary>,
    best: CandidateSummary,
    one_less: Vec<OneLessSummary>,
}

/// One candidate of `optimize`.
#[derive(Debug, Serialize)]
struct CandidateSummary {
    values: Keyed<u32>,
    cost: Number,
    feasible: bool,
    constraints: Vec<ConstraintSummary>,
}

#[derive(Debug, Serialize)]
struct OneLessSummary {
    key: String,
    #[serde(flatten)]
    candidate: CandidateSummary,
}

/// One `--subject-to` on one candidate.
#[derive(Debug, Serialize)]
struct ConstraintSummary {
    metric: String,
    limit: &'static str,
    value: Number,
    mean: Option<Number>,
    bound: Option<Number>,
    n: usize,
    holds: bool,
}

#[derive(Debug, Serialize)]
struct PointSummary {
    values: Keyed<String>,
    out: String,
    replications: usize,
    metrics: Metrics,
}

/// One metric over a run's replications.
#[derive(Debug, Serialize)]
struct MetricSummary {
    unit: &'static str,
    mean: Option<Number>,
    stddev: Option<Number>,
    ci95_low: Option<Number>,
    ci95_high: Option<Number>,
    n: usize,
}

#[derive(Debug, Serialize)]
struct ComparedMetric {
    unit: &'static str,
    baseline_mean: Option<Number>,
    candidate_mean: Option<Number>,
    diff_mean: Option<Number>,
    diff_ci95_low: Option<Number>,
    diff_ci95_high: Option<Number>,
    n: usize,
    significant: bool,
}

#[derive(Debug, Serialize)]
struct GuardSummary {
    metric: String,
    limit: &'static str,
    amount: Number,
    allowed: Option<Number>,
    diff_mean: Option<Number>,
    diff_ci95_low: Option<Number>,
    diff_ci95_high: Option<Number>,
    n: usize,
    significant: bool,
    result: &'static str,
    origin: String,
}

type Metrics = Keyed<MetricSummary>;

/// Named values written as one JSON object, keys in the order given.
#[derive(Debug)]
struct Keyed<T>(Vec<(String, T)>);

/// A finite number: whole ones are written as integers.
#[derive(Clone, Copy, Debug)]
struct Number(f64);

impl RunSummary {
    pub fn new(scenario: &Scenario, outcome: &RunOutcome) -> RunSummary {
        RunSummary {
            command: "run",
            scenario: scenario.simulation.name.clone(),
            seed: scenario.simulation.seed,
            replications: scenario.simulation.replications,
            jobs: outcome.jobs,
            out: path_text(&outcome.out),
            wall_time_seconds: outcome.wall_time_seconds,
            metrics: metrics(&outcome.metrics),
        }
    }
}

impl SweepSummary {
    pub fn new(plan: &SweepPlan, outcome: &SweepOutcome) -> SweepSummary {
        let points = outcome
            .points
            .iter()
            .map(|point| PointSummary {
                values: Keyed(
                    outcome
                        .keys
                        .iter()
                        .cloned()
                        .zip(point.values.clone())
                        .collect(),
                ),
                out: path_text(&outcome.out.join(&point.dir_name)),
                replications: point.metrics.len(),
                metrics: metrics(&point.metrics),
            })
            .collect();
        SweepSummary {
            command: "sweep",
            scenario: plan.base.simulation.name.clone(),
            seed: plan.base.simulation.seed,
            keys: outcome.keys.clone(),
            jobs: outcome.jobs,
            out: path_text(&outcome.out),
            wall_time_seconds: outcome.wall_time_seconds,
            points,
        }
    }
}

impl CompareSummary {
    pub fn new(pair: &Pair, comparison: &Comparison) -> CompareSummary {
        let metrics = comparison
            .metrics
            .iter()
            .map(|metric| (metric.name.clone(), compared(metric)))
            .collect();
        let guards = comparison
            .verdicts
            .iter()
            .map(|verdict| {
                let diff = &verdict.comparison.diff;
                GuardSummary {
                    metric: verdict.guard.metric.clone(),
                    limit: verdict.guard.limit.key(),
                    amount: Number(verdict.guard.amount),
                    allowed: verdict.allowed.map(Number),
                    diff_mean: diff.mean.map(Number),
                    diff_ci95_low: diff.ci95.map(|(low, _)| Number(low)),
                    diff_ci95_high: diff.ci95.map(|(_, high)| Number(high)),
                    n: diff.n,
                    significant: verdict.comparison.significant(),
                    result: if verdict.failed { "fail" } else { "pass" },
                    origin: verdict.guard.origin.clone(),
                }
            })
            .collect();
        CompareSummary {
            command: "compare",
            baseline: pair.baseline.simulation.name.clone(),
            candidate: pair.candidate.simulation.name.clone(),
            seed: pair.baseline.simulation.seed,
            replications: comparison.replications,
            changed_jobs: comparison.changed_jobs,
            out: path_text(&comparison.out),
            wall_time_seconds: comparison.wall_time_seconds,
            metrics: Keyed(metrics),
            guards,
            guards_passed: comparison.failed_guards().next().is_none(),
        }
    }
}

impl OptimizeSummary {
    pub fn new(plan: &Plan, optimization: &Optimization) -> OptimizeSummary {
        let candidate = |candidate: &Candidate| CandidateSummary {
            values: Keyed(
                plan.keys
                    .iter()
                    .cloned()
                    .zip(candidate.point.iter().copied())
                    .collect(),
            ),
            cost: Number(plan.space.cost(&candidate.point)),
            feasible: candidate.feasible,
            constraints: plan
                .constraints
                .iter()
                .zip(candidate.checks.iter().zip(&candidate.constrained))
                .map(|(constraint, (check, summary))| ConstraintSummary {
                    metric: constraint.metric.clone(),
                    limit: constraint.limit.as_str(),
                    value: Number(constraint.value),
                    mean: summary.mean.map(Number),
                    bound: check.bound.map(Number),
                    n: summary.n,
                    holds: check.holds,
                })
                .collect(),
        };
        let one_less = plan
            .keys
            .iter()
            .zip(&optimization.one_less)
            .filter_map(|(key, index)| {
                index.map(|index| OneLessSummary {
                    key: key.clone(),
                    candidate: candidate(&optimization.candidates[index]),
                })
            })
            .collect();
        OptimizeSummary {
            command: "optimize",
            scenario: plan.base.simulation.name.clone(),
            seed: plan.base.simulation.seed,
            replications: plan.replications,
            confidence: Number(plan.confidence),
            keys: plan.keys.clone(),
            weights: plan.space.weights.iter().copied().map(Number).collect(),
            out: path_text(&optimization.out),
            wall_time_seconds: optimization.wall_time_seconds,
            candidates: optimization.candidates.len(),
            feasible: optimization.answer.is_some(),
            answer: optimization.answer().map(candidate),
            best: candidate(optimization.best(plan)),
            one_less,
        }
    }
}

/// The document as pretty JSON (without the final line break).
pub fn to_text<T: Serialize>(summary: &T) -> String {
    serde_json::to_string_pretty(summary).expect("plain data with string keys serializes")
}

fn metrics(per_replication: &ReplicationMetrics) -> Metrics {
    Keyed(
        per_replication
            .summaries()
            .into_iter()
            .map(|metric| {
                let summary = metric.summary;
                let value = MetricSummary {
                    unit: UnitKind::of(&metric.name).as_str(),
                    mean: summary.mean.map(Number),
                    stddev: summary.stddev.map(Number),
                    ci95_low: summary.ci95.map(|(low, _)| Number(low)),
                    ci95_high: summary.ci95.map(|(_, high)| Number(high)),
                    n: summary.n,
                };
                (metric.name, value)
            })
            .collect(),
    )
}

fn compared(metric: &MetricComparison) -> ComparedMetric {
    ComparedMetric {
        unit: UnitKind::of(&metric.name).as_str(),
        baseline_mean: metric.baseline.map(Number),
        candidate_mean: metric.candidate.map(Number),
        diff_mean: metric.diff.mean.map(Number),
        diff_ci95_low: metric.diff.ci95.map(|(low, _)| Number(low)),
        diff_ci95_high: metric.diff.ci95.map(|(_, high)| Number(high)),
        n: metric.diff.n,
        significant: metric.significant(),
    }
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

impl<T: Serialize> Serialize for Keyed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, value)| (key, value)))
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Below 2^53 every whole f64 is an exact integer.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        let value = self.0;
        if value.fract() == 0.0 && value.abs() < EXACT {
            serializer.serialize_i64(value as i64)
        } else {
            serializer.serialize_f64(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_integers_and_keys_keep_their_order() {
        let keyed = Keyed(vec![
            ("z.count".to_string(), Number(5000.0)),
            ("a.fraction".to_string(), Number(2.0 / 3.0)),
            ("m.zero".to_string(), Number(-0.0)),
            ("big".to_string(), Number(1e300)),
        ]);
        assert_eq!(
            serde_json::to_string(&keyed).unwrap(),
            r#"{"z.count":5000,"a.fraction":0.6666666666666666,"m.zero":0,"big":1e+300}"#
        );
    }
}
