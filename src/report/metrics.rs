//! The `summary.csv` metrics of one replication (the list is in the `report`
//! module doc) and the exact percentile they use.
//!
//! `MetricsCollector` sees every job row once, keeps counts and one number per
//! job for each percentile, and turns them into `Metric`s in a fixed order
//! that depends on nothing but this code.

use crate::durations::{Durations, SortedDurations};
use crate::model::{Disposition, EventKind, JobState, Outcome};
use crate::record::{DriveRecord, JobRecord, ResourceStats, RunStats};
use crate::time::SimDuration;

/// One named value of `summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// Dotted name, such as `jobs.completed.fraction`.
    pub name: String,
    /// `None` when the metric has no value (a percentile over no jobs); never
    /// NaN or infinite.
    pub value: Option<f64>,
}

/// What a metric counts or measures (the unit column of the table in the
/// `report` module doc), read from its name by `UnitKind::of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// A number of jobs, drives, contacts or queued items: whole in one
    /// replication (`jobs.total`, `events.<event>.jobs`, `drives.destroyed`,
    /// `drives_on_site.peak`, `<resource>.queue_length.max`, ...).
    Count,
    /// A share in [0, 1]: `.fraction` of jobs, `.utilisation` of capacity.
    Fraction,
    /// A duration [days]: `end_to_end_days.*`, `state_days.*`,
    /// `<resource>.queue_wait_days.*`.
    Days,
    /// A time average of a count: `drives_on_site.mean`,
    /// `<resource>.queue_length.mean`.
    TimeAverage,
    /// `operator_contacts.per_week`.
    PerWeek,
}

impl UnitKind {
    /// The unit of a `summary.csv` metric, from the naming scheme.
    pub fn of(metric: &str) -> UnitKind {
        if metric.ends_with(".fraction") || metric.ends_with(".utilisation") {
            UnitKind::Fraction
        } else if metric.starts_with("end_to_end_days.")
            || metric.starts_with("state_days.")
            || metric.contains(".queue_wait_days.")
        {
            UnitKind::Days
        } else if metric == "drives_on_site.mean" || metric.ends_with(".queue_length.mean") {
            UnitKind::TimeAverage
        } else if metric == "operator_contacts.per_week" {
            UnitKind::PerWeek
        } else {
            UnitKind::Count
        }
    }

    /// The name `--json` writes: `count`, `fraction`, `days`,
    /// `time_average`, `per_week`.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Count => "count",
            UnitKind::Fraction => "fraction",
            UnitKind::Days => "days",
            UnitKind::TimeAverage => "time_average",
            UnitKind::PerWeek => "per_week",
        }
    }
}

/// Accumulates one replication's job rows into metrics.
#[derive(Clone, Debug, Default)]
pub struct MetricsCollector {
    jobs_total: u64,
    /// Indexed like `Outcome::ALL`.
    outcome_jobs: [u64; Outcome::ALL.len()],
    /// Indexed like `EventKind::ALL`.
    event_jobs: [u64; EventKind::ALL.len()],
    /// End to end time of each finished job.
    end_to_end: Durations,
    /// Time in each of `JobState::OPEN` of each job that entered it.
    state_time: [Durations; JobState::OPEN.len()],
    /// Indexed like `Disposition::ALL`.
    disposition_drives: [u64; Disposition::ALL.len()],
    operator_contacts: u64,
}

impl MetricsCollector {
    pub fn new() -> MetricsCollector {
        MetricsCollector::default()
    }

    /// Counts a job row and its drive rows; a job created during the warm-up
    /// (and its drives) is left out of every metric.
    pub fn add_job(&mut self, job: &JobRecord, drives: &[DriveRecord]) {
        if job.in_warmup {
            return;
        }
        self.jobs_total += 1;
        self.outcome_jobs[outcome_index(job.outcome)] += 1;
        for kind in job.events.iter() {
            self.event_jobs[kind as usize] += 1;
        }
        if let Some(end_to_end) = job.end_to_end() {
            self.end_to_end.push(end_to_end);
        }
        for (times, time) in self.state_time.iter_mut().zip(job.state_time) {
            if let Some(time) = time {
                times.push(time);
            }
        }
        for drive in drives {
            self.disposition_drives[disposition_index(drive.disposition)] += 1;
        }
        self.operator_contacts += u64::from(job.contacts);
    }

    /// The metrics in the documented order; `run` brings what the engine
    /// measured over the window (resources, drives on site).
    pub fn finish(self, run: RunStats) -> Vec<Metric> {
        let mut metrics = Metrics::default();
        let jobs_total = self.jobs_total as f64;
        let fraction = |count: u64| (self.jobs_total > 0).then(|| count as f64 / jobs_total);

        metrics.count("jobs.total".to_string(), self.jobs_total);
        for (outcome, &count) in Outcome::ALL.iter().zip(&self.outcome_jobs) {
            let name = outcome.as_str();
            metrics.count(format!("jobs.{name}.count"), count);
            metrics.push(format!("jobs.{name}.fraction"), fraction(count));
        }
        for (kind, &count) in EventKind::ALL.iter().zip(&self.event_jobs) {
            let name = kind.as_str();
            metrics.count(format!("events.{name}.jobs"), count);
            metrics.push(format!("events.{name}.fraction"), fraction(count));
        }
        metrics.distribution("end_to_end_days", self.end_to_end);
        for (state, times) in JobState::OPEN.iter().zip(self.state_time) {
            let name = state.as_str().to_lowercase();
            metrics.distribution(&format!("state_days.{name}"), times);
        }
        for (disposition, &count) in Disposition::ALL.iter().zip(&self.disposition_drives) {
            metrics.count(format!("drives.{}", disposition.as_str()), count);
        }
        metrics.push(
            "drives_on_site.mean".to_string(),
            Some(run.drives_on_site_mean),
        );
        metrics.count("drives_on_site.peak".to_string(), run.drives_on_site_peak);
        metrics.count("operator_contacts".to_string(), self.operator_contacts);
        let window_weeks = run.window.as_days_f64() / 7.0;
        metrics.push(
            "operator_contacts.per_week".to_string(),
            (run.window > SimDuration::ZERO).then(|| self.operator_contacts as f64 / window_weeks),
        );
        for (name, stats) in [
            ("receiving", run.receiving),
            ("copy", run.copy),
            ("packaging", run.packaging),
        ] {
            metrics.resource(name, stats);
        }
        metrics.list
    }
}

/// The `p` quantile (`p` in [0, 1]) of values sorted ascending, `None` when
/// there are none.
///
/// numpy's default (`method="linear"`): `h = (n - 1) p`, then linear
/// interpolation between the order statistics `floor(h)` and `floor(h) + 1`.
/// The interpolation is computed the way numpy's `_lerp` does (from the upper
/// end when the weight is at least one half), so results match numpy to the
/// last bit rather than merely to rounding.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    debug_assert!(sorted.is_sorted_by(|a, b| a <= b), "values not sorted");
    percentile_by_rank(sorted.len(), |rank| sorted[rank], p)
}

/// `percentile` of `len` ascending values, read by rank with `value`.
fn percentile_by_rank(len: usize, value: impl Fn(usize) -> f64, p: f64) -> Option<f64> {
    assert!((0.0..=1.0).contains(&p), "percentile {p} outside [0, 1]");
    let last = len.checked_sub(1)?;
    let h = last as f64 * p;
    let below = h.floor();
    let weight = h - below;
    let below = below as usize;
    let lower = value(below);
    let upper = value((below + 1).min(last));
    let difference = upper - lower;
    Some(if weight >= 0.5 {
        upper - difference * (1.0 - weight)
    } else {
        lower + difference * weight
    })
}

/// The metric list being built.
#[derive(Default)]
struct Metrics {
    list: Vec<Metric>,
}

impl Metrics {
    /// Adds a value; a non-finite one (a 0/0 from an empty window) has no value.
    fn push(&mut self, name: String, value: Option<f64>) {
        let value = value.filter(|value| value.is_finite());
        self.list.push(Metric { name, value });
    }

    fn count(&mut self, name: String, count: u64) {
        self.push(name, Some(count as f64));
    }

    /// `<prefix>.p50`, `.p90`, `.p99`, `.mean` of `times` in days.
    fn distribution(&mut self, prefix: &str, times: Durations) {
        let times = times.sorted();
        for (suffix, p) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
            self.push(format!("{prefix}.{suffix}"), percentile_of_days(&times, p));
        }
        self.push(format!("{prefix}.mean"), mean_days(&times));
    }

    fn resource(&mut self, name: &str, stats: ResourceStats) {
        let waits = stats.waits.sorted();
        self.push(format!("{name}.utilisation"), Some(stats.utilisation));
        self.push(format!("{name}.queue_wait_days.mean"), mean_days(&waits));
        self.push(
            format!("{name}.queue_wait_days.p90"),
            percentile_of_days(&waits, 0.9),
        );
        self.push(
            format!("{name}.queue_length.mean"),
            Some(stats.queue_length_mean),
        );
        self.count(format!("{name}.queue_length.max"), stats.queue_length_max);
    }
}

/// `percentile` of durations in days.
fn percentile_of_days(sorted: &SortedDurations, p: f64) -> Option<f64> {
    percentile_by_rank(sorted.len(), |rank| sorted.get(rank).as_days_f64(), p)
}

/// The mean in days, summed least first (as a sorted slice of days would be).
fn mean_days(sorted: &SortedDurations) -> Option<f64> {
    let sum: f64 = sorted.iter().map(SimDuration::as_days_f64).sum();
    (!sorted.is_empty()).then(|| sum / sorted.len() as f64)
}

/// Position in `Outcome::ALL`.
fn outcome_index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Completed => 0,
        Outcome::Closed => 1,
        Outcome::Expired => 2,
        Outcome::Unfinished => 3,
    }
}

/// Position in `Disposition::ALL`.
fn disposition_index(disposition: Disposition) -> usize {
    match disposition {
        Disposition::Returned => 0,
        Disposition::Destroyed => 1,
        Disposition::NeverArrived => 2,
        Disposition::LostInReturn => 3,
        Disposition::DamagedInReturn => 4,
        Disposition::OnSite => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CopyOutcome, DriveState, EventList, JobKind};
    use crate::time::{MS_PER_DAY, MS_PER_HOUR, SimTime};

    #[test]
    fn percentiles_match_numpy() {
        // Expected values are numpy.percentile(values, 100 p), worked by hand:
        // h = (n - 1) p, then lower + (h - floor h) (upper - lower).
        let check = |values: &[f64], p: f64, expected: f64| {
            let got = percentile(values, p).unwrap();
            assert!(
                (got - expected).abs() < 1e-12,
                "percentile({values:?}, {p}) = {got}, expected {expected}"
            );
        };
        check(&[7.0], 0.0, 7.0);
        check(&[7.0], 0.5, 7.0);
        check(&[7.0], 0.99, 7.0);
        check(&[1.0, 2.0], 0.5, 1.5);
        check(&[1.0, 2.0, 3.0, 4.0], 0.5, 2.5);
        check(&[1.0, 2.0, 3.0, 4.0], 0.9, 3.7); // h = 2.7
        check(&[1.0, 2.0, 3.0, 4.0], 0.99, 3.97); // h = 2.97
        check(&[1.0, 2.0, 3.0, 4.0], 0.0, 1.0);
        check(&[1.0, 2.0, 3.0, 4.0], 1.0, 4.0);
        check(&[15.0, 20.0, 35.0, 40.0, 50.0], 0.4, 29.0); // h = 1.6
        check(&[15.0, 20.0, 35.0, 40.0, 50.0], 0.5, 35.0); // h = 2, exact
        let one_to_ten: Vec<f64> = (1..=10).map(f64::from).collect();
        check(&one_to_ten, 0.5, 5.5); // h = 4.5
        check(&one_to_ten, 0.9, 9.1); // h = 8.1
        check(&one_to_ten, 0.99, 9.91); // h = 8.91
        check(&[0.5, 0.5, 0.5], 0.9, 0.5);
        check(&[-3.0, -1.0, 10.0], 0.25, -2.0); // h = 0.5
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn percentile_at_the_ends_is_exact() {
        let values = [0.1, 0.2, 0.7];
        assert_eq!(percentile(&values, 0.0), Some(0.1));
        assert_eq!(percentile(&values, 1.0), Some(0.7));
        assert_eq!(percentile(&values, 0.5), Some(0.2));
    }

    fn durations_in_days(days: &[i64]) -> Durations {
        let mut durations = Durations::new();
        for &days in days {
            durations.push(SimDuration::from_days(days));
        }
        durations
    }

    fn job(outcome: Outcome, end_to_end_hours: Option<i64>) -> JobRecord {
        JobRecord {
            replication: 0,
            name: "job".to_string(),
            kind: JobKind::Import,
            drives: 1,
            extra_drives: 0,
            outcome,
            cancelled: false,
            faults: 0,
            contacts: 0,
            created_at: SimTime::from_ms(MS_PER_DAY),
            shipping_at: None,
            received_at: None,
            transferring_at: None,
            packaging_at: None,
            finished_at: end_to_end_hours
                .map(|hours| SimTime::from_ms(MS_PER_DAY + hours * MS_PER_HOUR)),
            deleted_at: None,
            deletion_reason: None,
            events: EventList::default(),
            state_time: [None; 6],
            in_warmup: false,
            history: None,
        }
    }

    fn drive(disposition: Disposition) -> DriveRecord {
        DriveRecord {
            replication: 0,
            serial: 1,
            extra: false,
            final_state: DriveState::ShippedBack,
            disposition,
            data_bytes: 1,
            bytes_succeeded: 1,
            copy_outcome: CopyOutcome::Ok,
            arrived_at: None,
            received_at: None,
            copy_start_at: None,
            copy_end_at: None,
            shipped_back_at: None,
            destroyed_at: None,
            queued_at: None,
        }
    }

    fn value(metrics: &[Metric], name: &str) -> Option<f64> {
        metrics
            .iter()
            .find(|metric| metric.name == name)
            .unwrap_or_else(|| panic!("no metric {name}"))
            .value
    }

    /// The documented order, written out by hand.
    fn documented_names() -> Vec<String> {
        let mut names = vec!["jobs.total".to_string()];
        for outcome in ["completed", "closed", "expired", "unfinished"] {
            names.push(format!("jobs.{outcome}.count"));
            names.push(format!("jobs.{outcome}.fraction"));
        }
        for event in [
            "return_address_missing",
            "cancel_rejected",
            "package_lost",
            "package_late",
            "shipping_overdue",
            "shipping_extended",
            "shipping_cancelled",
            "closed_no_response",
            "orphan_drives",
            "extra_drive",
            "drive_never_received",
            "drive_late",
            "job_fault",
            "drive_fault",
            "fault_unresolved",
            "copy_errors",
            "return_address_wrong",
            "drives_destroyed",
            "return_lost",
            "return_damaged",
        ] {
            names.push(format!("events.{event}.jobs"));
            names.push(format!("events.{event}.fraction"));
        }
        let distribution = ["p50", "p90", "p99", "mean"];
        for suffix in distribution {
            names.push(format!("end_to_end_days.{suffix}"));
        }
        for state in [
            "creating",
            "shipping",
            "received",
            "transferring",
            "packaging",
            "faulted",
        ] {
            for suffix in distribution {
                names.push(format!("state_days.{state}.{suffix}"));
            }
        }
        for disposition in [
            "returned",
            "destroyed",
            "never_arrived",
            "lost_in_return",
            "damaged_in_return",
            "on_site",
        ] {
            names.push(format!("drives.{disposition}"));
        }
        names.extend(
            [
                "drives_on_site.mean",
                "drives_on_site.peak",
                "operator_contacts",
                "operator_contacts.per_week",
            ]
            .map(String::from),
        );
        for resource in ["receiving", "copy", "packaging"] {
            for suffix in [
                "utilisation",
                "queue_wait_days.mean",
                "queue_wait_days.p90",
                "queue_length.mean",
                "queue_length.max",
            ] {
                names.push(format!("{resource}.{suffix}"));
            }
        }
        names
    }

    fn names(metrics: &[Metric]) -> Vec<String> {
        metrics.iter().map(|metric| metric.name.clone()).collect()
    }

    #[test]
    fn metric_order_is_fixed_and_documented() {
        let empty = MetricsCollector::new().finish(RunStats::default());
        assert_eq!(names(&empty), documented_names());

        let mut collector = MetricsCollector::new();
        let mut busy = job(Outcome::Closed, Some(30));
        busy.events.insert(EventKind::ReturnDamaged);
        busy.events.insert(EventKind::PackageLost);
        collector.add_job(&busy, &[drive(Disposition::OnSite)]);
        let full = collector.finish(RunStats::default());
        assert_eq!(names(&full), documented_names());
    }

    #[test]
    fn every_metric_has_its_documented_unit() {
        let expected = |name: &str| -> UnitKind {
            let (family, rest) = name.split_once('.').unwrap_or((name, ""));
            match (family, rest) {
                ("jobs", "total") => UnitKind::Count,
                ("jobs" | "events", _) if rest.ends_with("fraction") => UnitKind::Fraction,
                ("jobs" | "events", _) => UnitKind::Count,
                ("end_to_end_days" | "state_days", _) => UnitKind::Days,
                ("drives", _) => UnitKind::Count,
                ("drives_on_site", "mean") => UnitKind::TimeAverage,
                ("drives_on_site", "peak") => UnitKind::Count,
                ("operator_contacts", "") => UnitKind::Count,
                ("operator_contacts", "per_week") => UnitKind::PerWeek,
                ("receiving" | "copy" | "packaging", "utilisation") => UnitKind::Fraction,
                ("receiving" | "copy" | "packaging", "queue_wait_days.mean")
                | ("receiving" | "copy" | "packaging", "queue_wait_days.p90") => UnitKind::Days,
                ("receiving" | "copy" | "packaging", "queue_length.mean") => UnitKind::TimeAverage,
                ("receiving" | "copy" | "packaging", "queue_length.max") => UnitKind::Count,
                _ => panic!("metric {name} has no documented unit"),
            }
        };
        for name in documented_names() {
            assert_eq!(UnitKind::of(&name), expected(&name), "{name}");
        }
    }

    #[test]
    fn every_event_has_metrics_even_when_unmet() {
        let mut collector = MetricsCollector::new();
        let mut met = job(Outcome::Completed, Some(24));
        met.events.insert(EventKind::DriveLate);
        collector.add_job(&met, &[]);
        collector.add_job(&job(Outcome::Completed, Some(24)), &[]);
        let metrics = collector.finish(RunStats::default());
        for kind in EventKind::ALL {
            let name = kind.as_str();
            let (jobs, fraction) = if kind == EventKind::DriveLate {
                (1.0, 0.5)
            } else {
                (0.0, 0.0)
            };
            assert_eq!(value(&metrics, &format!("events.{name}.jobs")), Some(jobs));
            assert_eq!(
                value(&metrics, &format!("events.{name}.fraction")),
                Some(fraction)
            );
        }
    }

    #[test]
    fn metrics_of_a_small_replication() {
        let mut collector = MetricsCollector::new();
        let mut first = job(Outcome::Completed, Some(24));
        first.contacts = 2;
        first.state_time[0] = Some(SimDuration::from_hours(12));
        first.state_time[5] = Some(SimDuration::from_days(3));
        first.events.insert(EventKind::JobFault);
        collector.add_job(
            &first,
            &[drive(Disposition::Returned), drive(Disposition::Returned)],
        );
        let mut second = job(Outcome::Closed, Some(72));
        second.state_time[0] = Some(SimDuration::from_days(1));
        collector.add_job(&second, &[drive(Disposition::Destroyed)]);
        collector.add_job(
            &job(Outcome::Unfinished, None),
            &[drive(Disposition::OnSite)],
        );
        let mut warm_up = job(Outcome::Expired, None);
        warm_up.in_warmup = true;
        warm_up.contacts = 100;
        warm_up.events.insert(EventKind::JobFault);
        collector.add_job(&warm_up, &[drive(Disposition::Destroyed)]);

        let run = RunStats {
            copy: ResourceStats {
                utilisation: 0.75,
                waits: durations_in_days(&[3, 1, 2]),
                queue_length_mean: 1.5,
                queue_length_max: 4,
            },
            drives_on_site_mean: 2.25,
            drives_on_site_peak: 9,
            window: SimDuration::from_days(14),
            ..RunStats::default()
        };
        let metrics = collector.finish(run);
        let check = |name: &str, expected: Option<f64>| {
            let got = value(&metrics, name);
            match (got, expected) {
                (Some(got), Some(expected)) => {
                    assert!(
                        (got - expected).abs() < 1e-12,
                        "{name}: {got} != {expected}"
                    )
                }
                _ => assert_eq!(got, expected, "{name}"),
            }
        };
        check("jobs.total", Some(3.0));
        check("jobs.completed.count", Some(1.0));
        check("jobs.completed.fraction", Some(1.0 / 3.0));
        check("jobs.closed.count", Some(1.0));
        check("jobs.expired.count", Some(0.0));
        check("jobs.expired.fraction", Some(0.0));
        check("jobs.unfinished.fraction", Some(1.0 / 3.0));
        check("events.job_fault.jobs", Some(1.0));
        check("end_to_end_days.p50", Some(2.0));
        check("end_to_end_days.p90", Some(2.8));
        check("end_to_end_days.p99", Some(2.98));
        check("end_to_end_days.mean", Some(2.0));
        check("state_days.creating.p50", Some(0.75));
        check("state_days.creating.mean", Some(0.75));
        check("state_days.faulted.p99", Some(3.0));
        check("state_days.shipping.p50", None);
        check("state_days.shipping.mean", None);
        check("drives.returned", Some(2.0));
        check("drives.destroyed", Some(1.0));
        check("drives.on_site", Some(1.0));
        check("drives.never_arrived", Some(0.0));
        check("drives_on_site.mean", Some(2.25));
        check("drives_on_site.peak", Some(9.0));
        check("operator_contacts", Some(2.0));
        check("operator_contacts.per_week", Some(1.0));
        check("copy.utilisation", Some(0.75));
        check("copy.queue_wait_days.mean", Some(2.0));
        check("copy.queue_wait_days.p90", Some(2.8));
        check("copy.queue_length.mean", Some(1.5));
        check("copy.queue_length.max", Some(4.0));
        check("receiving.queue_wait_days.mean", None);
        check("receiving.queue_wait_days.p90", None);
        check("receiving.utilisation", Some(0.0));
    }

    #[test]
    fn no_jobs_gives_counts_of_zero_and_no_fractions() {
        let metrics = MetricsCollector::new().finish(RunStats::default());
        assert_eq!(value(&metrics, "jobs.total"), Some(0.0));
        assert_eq!(value(&metrics, "jobs.completed.count"), Some(0.0));
        assert_eq!(value(&metrics, "jobs.completed.fraction"), None);
        assert_eq!(value(&metrics, "events.package_lost.fraction"), None);
        assert_eq!(value(&metrics, "end_to_end_days.p50"), None);
        assert_eq!(value(&metrics, "operator_contacts"), Some(0.0));
        // The default run has an empty window: no rate.
        assert_eq!(value(&metrics, "operator_contacts.per_week"), None);
    }

    #[test]
    fn non_finite_engine_figures_have_no_value() {
        let run = RunStats {
            packaging: ResourceStats {
                utilisation: f64::NAN,
                ..ResourceStats::default()
            },
            ..RunStats::default()
        };
        let metrics = MetricsCollector::new().finish(run);
        assert_eq!(value(&metrics, "packaging.utilisation"), None);
    }
}
