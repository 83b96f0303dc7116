//! `impexsim optimize`: the least (or cheapest) resources that meet service
//! levels with a stated confidence (docs/model.md, Optimisation).
//!
//! ```text
//! impexsim optimize --minimize datacenter.copy_stations,datacenter.receiving_staff \
//!     --subject-to 'end_to_end_days.p90<=14' --confidence 0.95
//! ```
//!
//! - **What can be minimised**: the resource counts `RESOURCE_KEYS`, each
//!   over a range `KEY=MIN..MAX` (default `1..max(4 x the scenario's value,
//!   16)`). Any other key is bad input.
//! - **Objective**: the total count, or with `--cost KEY=WEIGHT` the
//!   weighted sum (weights default to 1).
//! - **Constraints** (`constraint`): each holds when the one-sided
//!   Student-t bound over the replications at `--confidence` is on the right
//!   side of its value.
//! - **Search** (`search`): bisection per resource, then coordinate descent,
//!   relying on monotonicity (more servers never make a queue worse); the
//!   answer with one less of each resource is evaluated and shown to fail.
//! - **Common random numbers**: every candidate runs the same seed and
//!   replications, so every job meets the same draws at every candidate
//!   (docs/model.md, Randomness and common random numbers) and two
//!   candidates differ by their resources, not by noise.
//! - **Evaluation** (`evaluate`): in memory, metrics only (no rows are
//!   written), replications and independent branches of the search in
//!   parallel; a point is evaluated once.
//!
//! # Output
//!
//! `output/<scenario>-optimize/` (staged like every output; marker
//! `optimize.csv`):
//!
//! - `optimize.csv`: every candidate, in search order, one row per metric of
//!   `summary.csv` (the constrained ones first):
//!   `candidate,step,<one column per minimised key>,cost,verdict,role,metric,mean,stddev,n,constraint,bound,holds`.
//!   `step` is where the search first asked for the point (`upper_bounds`,
//!   `bisect <key>`, `descend <key>`, `trade <key>`, `one_less <key>`); `verdict` is
//!   `feasible` or `infeasible`; `role` is `answer`, `one_less <key>` or
//!   empty; `mean`, `stddev`, `n` summarize the metric over the
//!   replications (as `summary.csv`); on a constrained metric `constraint`
//!   is the limit as given (`<=14`), `bound` the one-sided bound at the
//!   confidence and `holds` `true`/`false` (empty elsewhere).
//! - `optimize.json`: what produced it and the answer (`OptimizeInfo`).
//!
//! No candidate within the bounds feasible is bad input (`Infeasible`, exit
//! 2), reported after the evidence is written.

mod constraint;
mod evaluate;
mod search;

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::interrupt::{Interrupt, Interrupted};
use crate::output_dir::{OutputDirError, StagedDir, write_staged};
use crate::report::{UnitKind, show_value, write_number};
use crate::run::{ThreadsError, with_threads};
use crate::scenario::{Scenario, ScenarioError};

pub use self::constraint::{
    Constraint, ConstraintCheck, ConstraintError, LimitKind, one_sided_bound,
};
pub use self::evaluate::{Candidate, run_in_memory};
pub use self::search::{PhaseKind, SearchOutcome, Space, Step};

use self::evaluate::Evaluator;

/// The keys that can be minimised: the resource counts.
pub const RESOURCE_KEYS: [&str; 3] = [
    "datacenter.copy_stations",
    "datacenter.receiving_staff",
    "datacenter.packaging_staff",
];

/// Replications when the scenario asks for one (an interval needs several).
pub const DEFAULT_REPLICATIONS: u32 = 10;

/// The default confidence of `--confidence`.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// The marker file of an optimize directory.
pub const OPTIMIZE_CSV: &str = "optimize.csv";

/// What the user asked for, before any file is read.
#[derive(Clone, Debug)]
pub struct OptimizeSpec {
    /// The scenario file; the embedded baseline when `None`.
    pub scenario: Option<PathBuf>,
    /// `--set` overrides, applied to every candidate.
    pub overrides: Vec<String>,
    pub seed: Option<u64>,
    /// At least 2; the scenario's (10 when it has 1) when `None`.
    pub replications: Option<u32>,
    /// `--minimize` items: `KEY` or `KEY=MIN..MAX` (commas already split).
    pub minimize: Vec<String>,
    /// `--subject-to` texts.
    pub subject_to: Vec<String>,
    /// `--cost KEY=WEIGHT` texts.
    pub costs: Vec<String>,
    /// In (0.5, 1).
    pub confidence: f64,
}

/// A validated optimisation: the base scenario, the box and the constraints.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario with the `--set`s, seed and replications applied.
    pub base: Scenario,
    /// Where `base` came from, to build each candidate the same way.
    path: Option<PathBuf>,
    overrides: Vec<String>,
    /// The minimised keys, in the order given.
    pub keys: Vec<String>,
    pub space: Space,
    pub constraints: Vec<Constraint>,
    pub confidence: f64,
    pub replications: u32,
}

/// Bad input to `optimize` (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Constraint(#[from] ConstraintError),
    /// `--minimize` names no resource count, or is malformed.
    #[error("--minimize `{given}`: {reason}")]
    Minimize { given: String, reason: String },
    /// `--cost` is malformed or names a key not minimised.
    #[error("--cost `{given}`: {reason}")]
    Cost { given: String, reason: String },
    #[error("--replications must be at least 2 to give an interval, got {0}")]
    TooFewReplications(u32),
    #[error("--confidence must be at least 0.5 and below 1, got {0}")]
    Confidence(f64),
    #[error("nothing to satisfy: give at least one --subject-to METRIC<=VALUE")]
    NoConstraint,
    #[error("nothing to minimise: give --minimize KEY[,KEY...]")]
    NoKey,
    /// The candidate at a corner of the box fails validation.
    #[error("candidate {point}")]
    Corner {
        point: String,
        #[source]
        source: ScenarioError,
    },
}

/// No candidate within the bounds meets every constraint (bad input: the
/// service levels ask for more than the box holds). The evidence is written.
#[derive(Debug, thiserror::Error)]
#[error(
    "no candidate within the search bounds meets every constraint: the best found, {best}, \
     has {failing}; widen the bounds (--minimize KEY=MIN..MAX) or relax the constraints \
     (the evidence is in {})",
    csv.display()
)]
pub struct Infeasible {
    /// The best candidate as `key=value, ...`.
    pub best: String,
    /// Its failing constraints, e.g. `end_to_end_days.p90 upper bound 15.2 > 14`.
    pub failing: String,
    pub csv: PathBuf,
}

/// An optimisation that could not be run or written (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    #[error(transparent)]
    Output(#[from] OutputDirError),
    #[error("stopped early")]
    Interrupted(#[from] Interrupted),
    #[error(transparent)]
    Threads(#[from] ThreadsError),
    /// A candidate inside the box failed validation.
    #[error("candidate {point}")]
    Candidate {
        point: String,
        #[source]
        source: ScenarioError,
    },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How to run, beyond the plan.
#[derive(Clone, Debug, Default)]
pub struct OptimizeOptions {
    pub out: PathBuf,
    /// The command line, recorded in `optimize.json`.
    pub command: Vec<String>,
    pub threads: Option<usize>,
    pub interrupt: Interrupt,
}

/// A finished optimisation.
#[derive(Clone, Debug)]
pub struct Optimization {
    /// Every candidate, in search order.
    pub candidates: Vec<Candidate>,
    /// Index into `candidates` of the answer; `None` when infeasible.
    pub answer: Option<usize>,
    /// For each key, the index of the answer with one less of it (`None` at
    /// the floor of its range).
    pub one_less: Vec<Option<usize>>,
    pub out: PathBuf,
    pub wall_time_seconds: f64,
}

/// `optimize.json`.
#[derive(Clone, Debug, Serialize)]
pub struct OptimizeInfo {
    pub tool_version: String,
    pub command: Vec<String>,
    pub scenario_name: String,
    pub seed: u64,
    pub replications: u32,
    pub confidence: f64,
    pub keys: Vec<String>,
    pub min: Vec<u32>,
    pub max: Vec<u32>,
    pub weights: Vec<f64>,
    pub constraints: Vec<String>,
    pub feasible: bool,
    /// The answer's value of each key, in `keys` order; `null` when infeasible.
    pub answer: Option<Vec<u32>>,
    pub cost: Option<f64>,
    pub candidates: usize,
    pub wall_time_seconds: f64,
}

impl Plan {
    /// Checks everything before anything runs: the scenario, the keys and
    /// their ranges, the weights, the constraints, and that both corners of
    /// the box are valid scenarios. `known_metrics` are the names of
    /// `summary.csv`.
    // `InputError` and `OptimizeError` are as large as a `ScenarioError` plus
    // a point's text; they are built at most once a run, and boxing the
    // `ScenarioError` would hide it from the binary's exit-code check (a
    // downcast through the cause chain), as in `SweepPlan::new`.
    #[allow(clippy::result_large_err)]
    pub fn new(spec: &OptimizeSpec, known_metrics: &[String]) -> Result<Plan, InputError> {
        if !(0.5..1.0).contains(&spec.confidence) {
            return Err(InputError::Confidence(spec.confidence));
        }
        if let Some(replications) = spec.replications
            && replications < 2
        {
            return Err(InputError::TooFewReplications(replications));
        }
        if spec.subject_to.is_empty() {
            return Err(InputError::NoConstraint);
        }
        let constraints = spec
            .subject_to
            .iter()
            .map(|text| Constraint::parse(text, known_metrics))
            .collect::<Result<Vec<_>, _>>()?;
        let items = parse_minimize(&spec.minimize)?;
        if items.is_empty() {
            return Err(InputError::NoKey);
        }

        let mut overrides = spec.overrides.clone();
        if let Some(seed) = spec.seed {
            overrides.push(format!("simulation.seed={seed}"));
        }
        let load = |overrides: &[String]| match &spec.scenario {
            Some(path) => Scenario::load(path, overrides),
            None => Scenario::from_overrides(overrides),
        };
        let first = load(&overrides)?;
        let replications = spec
            .replications
            .unwrap_or(match first.simulation.replications {
                1 => DEFAULT_REPLICATIONS,
                n => n,
            });
        overrides.push(format!("simulation.replications={replications}"));
        let base = load(&overrides)?;

        let keys: Vec<String> = items.iter().map(|(key, _)| key.clone()).collect();
        let mut min = Vec::new();
        let mut max = Vec::new();
        for (key, range) in &items {
            let (low, high) = match range {
                Some(range) => *range,
                None => {
                    let current = resource_value(&base, key);
                    (1, current.saturating_mul(4).max(16))
                }
            };
            min.push(low);
            max.push(high);
        }
        let weights = parse_costs(&spec.costs, &keys)?;
        let plan = Plan {
            base,
            path: spec.scenario.clone(),
            overrides,
            keys,
            space: Space { min, max, weights },
            constraints,
            confidence: spec.confidence,
            replications,
        };
        for corner in [&plan.space.min, &plan.space.max] {
            plan.candidate_scenario(corner)
                .map_err(|source| InputError::Corner {
                    point: plan.describe(corner),
                    source,
                })?;
        }
        Ok(plan)
    }

    /// The scenario of one candidate: the base with the point's counts.
    pub fn candidate_scenario(&self, point: &[u32]) -> Result<Scenario, ScenarioError> {
        let mut overrides = self.overrides.clone();
        for (key, value) in self.keys.iter().zip(point) {
            overrides.push(format!("{key}={value}"));
        }
        match &self.path {
            Some(path) => Scenario::load(path, &overrides),
            None => Scenario::from_overrides(&overrides),
        }
    }

    /// `copy_stations=95, receiving_staff=3`.
    pub fn describe(&self, point: &[u32]) -> String {
        self.keys
            .iter()
            .zip(point)
            .map(|(key, value)| format!("{}={value}", short_key(key)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `--set datacenter.copy_stations=95 --set ...`: the answer as overrides.
    pub fn as_overrides(&self, point: &[u32]) -> String {
        self.keys
            .iter()
            .zip(point)
            .map(|(key, value)| format!("--set {key}={value}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Runs the search and writes the output directory. An infeasible box is
/// not an error here (`Optimization::check_feasible` says so after).
// Large errors: see `Plan::new`.
#[allow(clippy::result_large_err)]
pub fn optimize_to_dir(
    plan: &Plan,
    options: &OptimizeOptions,
    on_candidate: &(dyn Fn(&Candidate) + Sync),
) -> Result<Optimization, OptimizeError> {
    let started = Instant::now();
    let result = write_staged(&options.out, OPTIMIZE_CSV, &options.interrupt, |dir| {
        let evaluator = Evaluator::new(plan, &options.interrupt, on_candidate);
        let outcome = with_threads(options.threads, || search::search(&plan.space, &evaluator))??;
        let candidates = evaluator.into_candidates();
        let index_of = |point: &[u32]| {
            candidates
                .iter()
                .position(|candidate| candidate.point == point)
                .expect("every point the search returns was evaluated")
        };
        let (answer, one_less) = match &outcome {
            SearchOutcome::Found { answer, one_less } => (
                Some(index_of(answer)),
                one_less
                    .iter()
                    .map(|point| point.as_deref().map(index_of))
                    .collect(),
            ),
            SearchOutcome::Infeasible { .. } => (None, vec![None; plan.keys.len()]),
        };
        let mut optimization = Optimization {
            candidates,
            answer,
            one_less,
            out: options.out.clone(),
            wall_time_seconds: 0.0,
        };
        write_outputs(plan, options, &mut optimization, dir, started)?;
        Ok::<_, OptimizeError>(optimization)
    })?;
    Ok(result)
}

impl Optimization {
    /// The answer, if any candidate was feasible.
    pub fn answer(&self) -> Option<&Candidate> {
        self.answer.map(|index| &self.candidates[index])
    }

    /// The answer, or when no candidate is feasible the one that came
    /// closest: the most constraints held, then the least cost, then the
    /// earliest evaluated.
    pub fn best(&self, plan: &Plan) -> &Candidate {
        if let Some(answer) = self.answer() {
            return answer;
        }
        let held = |c: &Candidate| c.checks.iter().filter(|check| check.holds).count();
        let mut best = &self.candidates[0];
        for candidate in &self.candidates[1..] {
            let closer = held(candidate) > held(best)
                || (held(candidate) == held(best)
                    && plan.space.cost(&candidate.point) < plan.space.cost(&best.point));
            if closer {
                best = candidate;
            }
        }
        best
    }

    /// `Infeasible` when no candidate met every constraint, naming the one
    /// that came closest (`best`).
    pub fn check_feasible(&self, plan: &Plan) -> Result<(), Infeasible> {
        if self.answer.is_some() {
            return Ok(());
        }
        let best = self.best(plan);
        let failing = plan
            .constraints
            .iter()
            .zip(&best.checks)
            .filter(|(_, check)| !check.holds)
            .map(|(constraint, check)| failure_text(plan, constraint, check))
            .collect::<Vec<_>>()
            .join(", ");
        Err(Infeasible {
            best: plan.describe(&best.point),
            failing,
            csv: self.out.join(OPTIMIZE_CSV),
        })
    }
}

/// `end_to_end_days.p90: 95% upper bound 15.2 > 14` (or `no value in every
/// replication`).
pub fn failure_text(plan: &Plan, constraint: &Constraint, check: &ConstraintCheck) -> String {
    let unit = UnitKind::of(&constraint.metric);
    let side = if constraint.limit.is_upper() {
        "upper"
    } else {
        "lower"
    };
    match check.bound {
        Some(bound) => format!(
            "{}: {} {side} bound {}, limit {} {}",
            constraint.metric,
            confidence_text(plan.confidence),
            show_value(unit, Some(bound)),
            constraint.limit.as_str(),
            show_value(unit, Some(constraint.value)),
        ),
        None => format!(
            "{}: no value in every replication, limit {} {}",
            constraint.metric,
            constraint.limit.as_str(),
            show_value(unit, Some(constraint.value)),
        ),
    }
}

/// `95%`, `97.5%`.
pub fn confidence_text(confidence: f64) -> String {
    let mut text = String::new();
    write_number(&mut text, confidence * 100.0);
    text.push('%');
    text
}

/// The lines printed at the end: the answer, its constraints, and one less
/// of each resource failing.
pub fn answer_text(plan: &Plan, optimization: &Optimization) -> String {
    let mut text = String::new();
    let Some(answer) = optimization.answer() else {
        return text;
    };
    let total: u32 = answer.point.iter().sum();
    let unit_weights = plan.space.weights.iter().all(|&weight| weight == 1.0);
    let cost = if unit_weights {
        format!("total {total}")
    } else {
        let mut cost = String::from("cost ");
        write_number(&mut cost, plan.space.cost(&answer.point));
        cost
    };
    let _ = writeln!(text, "answer: {} ({cost})", plan.describe(&answer.point));
    let level = confidence_text(plan.confidence);
    for (constraint, (check, summary)) in plan
        .constraints
        .iter()
        .zip(answer.checks.iter().zip(&answer.constrained))
    {
        let unit = UnitKind::of(&constraint.metric);
        let side = if constraint.limit.is_upper() {
            "upper"
        } else {
            "lower"
        };
        let _ = writeln!(
            text,
            "  {}: mean {}, {level} {side} bound {} (n {})",
            constraint.shown(),
            show_value(unit, summary.mean),
            show_value(unit, check.bound),
            summary.n
        );
    }
    for ((key, less), floor) in plan
        .keys
        .iter()
        .zip(&optimization.one_less)
        .zip(&plan.space.min)
    {
        match less {
            Some(index) => {
                let candidate = &optimization.candidates[*index];
                let failing: Vec<String> = plan
                    .constraints
                    .iter()
                    .zip(&candidate.checks)
                    .filter(|(_, check)| !check.holds)
                    .map(|(constraint, check)| failure_text(plan, constraint, check))
                    .collect();
                let _ = writeln!(
                    text,
                    "  one less, {}: fails ({})",
                    plan.describe(&candidate.point),
                    failing.join("; ")
                );
            }
            None => {
                let _ = writeln!(
                    text,
                    "  {}={floor} is the floor of its range: one less was not searched",
                    short_key(key)
                );
            }
        }
    }
    let _ = writeln!(
        text,
        "run it: impexsim run ... {}",
        plan.as_overrides(&answer.point)
    );
    text
}

/// `copy_stations` for `datacenter.copy_stations`.
pub fn short_key(key: &str) -> &str {
    key.rsplit_once('.').map_or(key, |(_, name)| name)
}

fn resource_value(scenario: &Scenario, key: &str) -> u32 {
    let datacenter = &scenario.datacenter;
    match key {
        "datacenter.copy_stations" => datacenter.copy_stations,
        "datacenter.receiving_staff" => datacenter.receiving_staff,
        "datacenter.packaging_staff" => datacenter.packaging_staff,
        other => unreachable!("{other} is not a resource key (checked by parse_minimize)"),
    }
}

/// A `--minimize` item: the key and its range, if given.
type MinimizeItem = (String, Option<(u32, u32)>);

/// Reads the `--minimize` items: each `KEY` or `KEY=MIN..MAX`, a resource
/// count, given once.
// Large errors: see `Plan::new`.
#[allow(clippy::result_large_err)]
fn parse_minimize(items: &[String]) -> Result<Vec<MinimizeItem>, InputError> {
    let mut parsed: Vec<MinimizeItem> = Vec::new();
    for item in items.iter().map(|item| item.trim()) {
        let fail = |reason: String| InputError::Minimize {
            given: crate::echo::cut(item).into_owned(),
            reason,
        };
        let (key, range) = match item.split_once('=') {
            Some((key, range)) => (key.trim(), Some(range.trim())),
            None => (item, None),
        };
        if !RESOURCE_KEYS.contains(&key) {
            return Err(fail(format!(
                "`{}` is not a resource count: only {} can be minimised",
                crate::echo::cut(key),
                RESOURCE_KEYS.join(", ")
            )));
        }
        if parsed.iter().any(|(known, _)| known == key) {
            return Err(fail(format!("{key} is given twice")));
        }
        let range = match range {
            None => None,
            Some(text) => {
                let bounds = text.split_once("..").and_then(|(low, high)| {
                    Some((
                        low.trim().parse::<u32>().ok()?,
                        high.trim().parse::<u32>().ok()?,
                    ))
                });
                match bounds {
                    Some((low, high)) if low >= 1 && low <= high => Some((low, high)),
                    _ => {
                        return Err(fail(format!(
                            "expected a range MIN..MAX of whole numbers with 1 <= MIN <= MAX, \
                             e.g. {key}=60..200"
                        )));
                    }
                }
            }
        };
        parsed.push((key.to_string(), range));
    }
    Ok(parsed)
}

/// The weight of each key from the `--cost KEY=WEIGHT` texts; 1 where none.
// Large errors: see `Plan::new`.
#[allow(clippy::result_large_err)]
fn parse_costs(costs: &[String], keys: &[String]) -> Result<Vec<f64>, InputError> {
    let mut weights: Vec<Option<f64>> = vec![None; keys.len()];
    for text in costs {
        let fail = |reason: String| InputError::Cost {
            given: crate::echo::cut(text).into_owned(),
            reason,
        };
        let Some((key, weight)) = text.split_once('=') else {
            return Err(fail(
                "expected KEY=WEIGHT, e.g. --cost datacenter.copy_stations=3".to_string(),
            ));
        };
        let key = key.trim();
        let Some(index) = keys.iter().position(|known| known == key) else {
            return Err(fail(format!(
                "`{}` is not minimised: a cost applies to a --minimize key ({})",
                crate::echo::cut(key),
                keys.join(", ")
            )));
        };
        let weight = match weight.trim().parse::<f64>() {
            Ok(weight) if weight.is_finite() && weight > 0.0 => weight,
            _ => {
                return Err(fail(format!(
                    "expected a positive number as the weight, got {}",
                    crate::echo::quote(weight)
                )));
            }
        };
        if weights[index].replace(weight).is_some() {
            return Err(fail(format!("{key} has a cost twice")));
        }
    }
    Ok(weights
        .into_iter()
        .map(|weight| weight.unwrap_or(1.0))
        .collect())
}

/// `optimize.csv` and `optimize.json` into `dir`.
// Large errors: see `Plan::new`.
#[allow(clippy::result_large_err)]
fn write_outputs(
    plan: &Plan,
    options: &OptimizeOptions,
    optimization: &mut Optimization,
    dir: &StagedDir,
    started: Instant,
) -> Result<(), OptimizeError> {
    let io_error = |name: &str| {
        let path = dir.shown(name);
        move |source| OptimizeError::Io { path, source }
    };
    let file = File::create(dir.file(OPTIMIZE_CSV)).map_err(io_error(OPTIMIZE_CSV))?;
    write_optimize_csv(BufWriter::new(file), plan, optimization).map_err(io_error(OPTIMIZE_CSV))?;
    optimization.wall_time_seconds = started.elapsed().as_secs_f64();
    let answer = optimization
        .answer()
        .map(|candidate| candidate.point.clone());
    let info = OptimizeInfo {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command: options.command.clone(),
        scenario_name: plan.base.simulation.name.clone(),
        seed: plan.base.simulation.seed,
        replications: plan.replications,
        confidence: plan.confidence,
        keys: plan.keys.clone(),
        min: plan.space.min.clone(),
        max: plan.space.max.clone(),
        weights: plan.space.weights.clone(),
        constraints: plan.constraints.iter().map(|c| c.text.clone()).collect(),
        feasible: answer.is_some(),
        cost: answer.as_deref().map(|point| plan.space.cost(point)),
        answer,
        candidates: optimization.candidates.len(),
        wall_time_seconds: optimization.wall_time_seconds,
    };
    let name = "optimize.json";
    let mut file = BufWriter::new(File::create(dir.file(name)).map_err(io_error(name))?);
    serde_json::to_writer_pretty(&mut file, &info)
        .map_err(io::Error::from)
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.flush())
        .map_err(io_error(name))
}

/// The header of `optimize.csv` for `keys`.
pub fn optimize_header(keys: &[String]) -> String {
    let mut header = String::from("candidate,step");
    for key in keys {
        header.push(',');
        header.push_str(key);
    }
    header.push_str(",cost,verdict,role,metric,mean,stddev,n,constraint,bound,holds");
    header
}

/// `optimize.csv` (module doc).
pub fn write_optimize_csv<W: Write>(
    mut out: W,
    plan: &Plan,
    optimization: &Optimization,
) -> io::Result<()> {
    let mut text = optimize_header(&plan.keys);
    text.push('\n');
    for (index, candidate) in optimization.candidates.iter().enumerate() {
        let role = if optimization.answer == Some(index) {
            "answer".to_string()
        } else {
            optimization
                .one_less
                .iter()
                .zip(&plan.keys)
                .find(|(less, _)| **less == Some(index))
                .map(|(_, key)| format!("one_less {key}"))
                .unwrap_or_default()
        };
        let mut prefix = format!("{},{}", index + 1, step_label(plan, candidate.step));
        for value in &candidate.point {
            let _ = write!(prefix, ",{value}");
        }
        prefix.push(',');
        write_number(&mut prefix, plan.space.cost(&candidate.point));
        let verdict = if candidate.feasible {
            "feasible"
        } else {
            "infeasible"
        };
        let _ = write!(prefix, ",{verdict},{role}");
        let mut row = |metric: &str,
                       summary: &crate::report::SampleSummary,
                       limit: Option<(&Constraint, &ConstraintCheck)>| {
            text.push_str(&prefix);
            let _ = write!(text, ",{metric},");
            push_optional(&mut text, summary.mean);
            text.push(',');
            push_optional(&mut text, summary.stddev);
            let _ = write!(text, ",{},", summary.n);
            if let Some((constraint, check)) = limit {
                text.push_str(constraint.limit.as_str());
                write_number(&mut text, constraint.value);
                text.push(',');
                push_optional(&mut text, check.bound);
                let _ = write!(text, ",{}", check.holds);
            } else {
                text.push_str(",,");
            }
            text.push('\n');
        };
        for ((constraint, check), summary) in plan
            .constraints
            .iter()
            .zip(&candidate.checks)
            .zip(&candidate.constrained)
        {
            row(&constraint.metric, summary, Some((constraint, check)));
        }
        for metric in &candidate.metrics {
            row(&metric.name, &metric.summary, None);
        }
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `upper_bounds`, `bisect datacenter.copy_stations`, ...
fn step_label(plan: &Plan, step: Step) -> String {
    let key = &plan.keys[step.resource];
    match step.phase {
        PhaseKind::UpperBounds => "upper_bounds".to_string(),
        PhaseKind::Bisect => format!("bisect {key}"),
        PhaseKind::Descend => format!("descend {key}"),
        PhaseKind::Trade => format!("trade {key}"),
        PhaseKind::OneLess => format!("one_less {key}"),
    }
}

fn push_optional(text: &mut String, value: Option<f64>) {
    if let Some(value) = value {
        write_number(text, value);
    }
}

/// Where `optimize` writes by default: `output/<scenario>-optimize`.
pub fn default_out(plan: &Plan) -> PathBuf {
    Path::new("output").join(format!("{}-optimize", plan.base.simulation.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|text| text.to_string()).collect()
    }

    #[test]
    fn minimize_items_are_resource_counts_with_ranges() {
        let parsed = parse_minimize(&items(&[
            "datacenter.copy_stations=60..200",
            "datacenter.packaging_staff",
        ]))
        .unwrap();
        assert_eq!(
            parsed,
            vec![
                ("datacenter.copy_stations".to_string(), Some((60, 200))),
                ("datacenter.packaging_staff".to_string(), None),
            ]
        );
        let error = |texts: &[&str]| parse_minimize(&items(texts)).unwrap_err().to_string();
        let not_resource = error(&["datacenter.copy_lag"]);
        assert!(
            not_resource.contains("`datacenter.copy_lag` is not a resource count"),
            "{not_resource}"
        );
        assert!(
            not_resource.contains("datacenter.receiving_staff"),
            "{not_resource}"
        );
        assert!(error(&["datacenter.copy_stations=0..5"]).contains("1 <= MIN <= MAX"));
        assert!(error(&["datacenter.copy_stations=9..5"]).contains("1 <= MIN <= MAX"));
        assert!(error(&["datacenter.copy_stations=a..b"]).contains("MIN..MAX"));
        assert!(error(&["datacenter.copy_stations", "datacenter.copy_stations"]).contains("twice"));
    }

    #[test]
    fn costs_weigh_minimised_keys() {
        let keys = items(&["datacenter.copy_stations", "datacenter.receiving_staff"]);
        let weights = parse_costs(&items(&["datacenter.receiving_staff=2.5"]), &keys).unwrap();
        assert_eq!(weights, vec![1.0, 2.5]);
        let error = |texts: &[&str]| parse_costs(&items(texts), &keys).unwrap_err().to_string();
        assert!(error(&["datacenter.packaging_staff=2"]).contains("is not minimised"));
        assert!(error(&["datacenter.copy_stations=0"]).contains("positive number"));
        assert!(error(&["datacenter.copy_stations=-1"]).contains("positive number"));
        assert!(error(&["datacenter.copy_stations"]).contains("KEY=WEIGHT"));
        assert!(
            error(&["datacenter.copy_stations=1", "datacenter.copy_stations=2"]).contains("twice")
        );
    }
}
