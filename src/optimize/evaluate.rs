//! Candidates evaluated in memory: every replication of a candidate's
//! scenario run with a sink that only feeds the metrics (no row is
//! formatted or written), replications in parallel, each point once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::interrupt::{Interrupt, Interrupted};
use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use crate::report::{Metric, MetricSummary, MetricsCollector, SampleSummary};
use crate::run::ReplicationMetrics;
use crate::scenario::Scenario;
use crate::sim::{RecordSink, run_replication};

use super::search::{Oracle, Step};
use super::{ConstraintCheck, OptimizeError, Plan};

/// One evaluated point of the search.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The value of each minimised key, in the plan's order.
    pub point: Vec<u32>,
    /// The first step of the search that asked for it.
    pub step: Step,
    /// Every constraint holds.
    pub feasible: bool,
    /// One per constraint, in the plan's order.
    pub checks: Vec<ConstraintCheck>,
    /// The summary of each constraint's metric over the replications.
    pub constrained: Vec<SampleSummary>,
    /// Every metric of `summary.csv` over the replications, in its order.
    pub metrics: Vec<MetricSummary>,
}

/// Runs every replication of `scenario` for its metrics alone, in parallel on
/// the current rayon pool, in replication order. Stops when `interrupt` is
/// raised.
pub fn run_in_memory(
    scenario: &Scenario,
    interrupt: &Interrupt,
) -> Result<ReplicationMetrics, Interrupted> {
    let shared = Arc::new(scenario.clone());
    let per_replication: Vec<Vec<Metric>> = (0..scenario.simulation.replications)
        .into_par_iter()
        .map(|replication| {
            let mut sink = MetricsSink {
                metrics: MetricsCollector::new(),
                interrupt,
            };
            let stats = run_replication(&shared, replication, &mut sink, &mut |_| {});
            sink.metrics.finish(stats)
        })
        .collect();
    interrupt.check()?;
    Ok(ReplicationMetrics::from(per_replication))
}

/// Feeds job rows to the metrics and writes nothing.
struct MetricsSink<'a> {
    metrics: MetricsCollector,
    interrupt: &'a Interrupt,
}

impl RecordSink for MetricsSink<'_> {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        self.metrics.add_job(&job, drives);
    }

    fn timeseries(&mut self, _row: &TimeseriesRow) {}

    fn wants_trace(&self) -> bool {
        false
    }

    fn trace(&mut self, _event: &TraceEvent) {}

    fn stopped(&self) -> bool {
        self.interrupt.is_raised()
    }
}

/// The search's oracle: evaluates a point once and remembers it.
pub(super) struct Evaluator<'a> {
    plan: &'a Plan,
    interrupt: &'a Interrupt,
    on_candidate: &'a (dyn Fn(&Candidate) + Sync),
    evaluated: Mutex<BTreeMap<Vec<u32>, Candidate>>,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(
        plan: &'a Plan,
        interrupt: &'a Interrupt,
        on_candidate: &'a (dyn Fn(&Candidate) + Sync),
    ) -> Evaluator<'a> {
        Evaluator {
            plan,
            interrupt,
            on_candidate,
            evaluated: Mutex::new(BTreeMap::new()),
        }
    }

    /// Every candidate, by the first step that asked for it: the same order
    /// whatever the threads did.
    pub(super) fn into_candidates(self) -> Vec<Candidate> {
        let mut candidates: Vec<Candidate> = self
            .evaluated
            .into_inner()
            .expect("no evaluation panicked")
            .into_values()
            .collect();
        candidates.sort_by(|a, b| (a.step, &a.point).cmp(&(b.step, &b.point)));
        candidates
    }

    // Large errors: see `Plan::new`.
    #[allow(clippy::result_large_err)]
    fn evaluate(&self, point: &[u32], step: Step) -> Result<Candidate, OptimizeError> {
        let plan = self.plan;
        let scenario =
            plan.candidate_scenario(point)
                .map_err(|source| OptimizeError::Candidate {
                    point: plan.describe(point),
                    source,
                })?;
        let metrics = run_in_memory(&scenario, self.interrupt)?;
        let summaries = metrics.summaries();
        let replications = metrics.len();
        let mut checks = Vec::with_capacity(plan.constraints.len());
        let mut constrained = Vec::with_capacity(plan.constraints.len());
        for constraint in &plan.constraints {
            let summary = summaries
                .iter()
                .find(|metric| metric.name == constraint.metric)
                .expect("constraints name metrics of summary.csv")
                .summary;
            checks.push(constraint.check(&summary, replications, plan.confidence));
            constrained.push(summary);
        }
        let constrained_names: Vec<&str> =
            plan.constraints.iter().map(|c| c.metric.as_str()).collect();
        Ok(Candidate {
            point: point.to_vec(),
            step,
            feasible: checks.iter().all(|check| check.holds),
            checks,
            constrained,
            metrics: summaries
                .into_iter()
                .filter(|metric| !constrained_names.contains(&metric.name.as_str()))
                .collect(),
        })
    }
}

impl Oracle for Evaluator<'_> {
    type Error = OptimizeError;

    // Large errors: see `Plan::new`.
    #[allow(clippy::result_large_err)]
    fn feasible(&self, point: &[u32], step: Step) -> Result<bool, OptimizeError> {
        let known = |evaluated: &mut BTreeMap<Vec<u32>, Candidate>| {
            evaluated.get_mut(point).map(|candidate| {
                candidate.step = candidate.step.min(step);
                candidate.feasible
            })
        };
        if let Some(feasible) = known(&mut self.evaluated.lock().expect("no evaluation panicked")) {
            return Ok(feasible);
        }
        // Evaluated outside the lock, so branches run in parallel; two that
        // ask for the same point at once both compute the same candidate.
        let candidate = self.evaluate(point, step)?;
        let mut evaluated = self.evaluated.lock().expect("no evaluation panicked");
        if let Some(feasible) = known(&mut evaluated) {
            return Ok(feasible);
        }
        (self.on_candidate)(&candidate);
        let feasible = candidate.feasible;
        evaluated.insert(point.to_vec(), candidate);
        Ok(feasible)
    }
}
