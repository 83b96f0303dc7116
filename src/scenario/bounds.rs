//! Bounds on what one run may cost, checked when a scenario is built.
//!
//! Validation is the one gate: a scenario that passes it runs to its end,
//! without a panic and within the machine it was written for (the project's
//! reference is 2 cores and 24 GiB, a run in minutes). Every bound here is
//! far beyond any real study of the service and is listed, with its reason,
//! in the README's "Bounds" section; the messages name the key, the bound
//! and what to change.
//!
//! The work of a replication is estimated by `Workload`, from the arrival
//! process and the few keys that repeat work for a job: follow-up exports,
//! extensions of an overdue package, and the Get Job polls of `impexsim
//! calls`. The jobs are an expectation; the rest are bounds on expectations
//! (a follow-up cycle is taken at its least, a slow package at its mean
//! transit), so a scenario the bounds accept does not run away.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::dist::format_duration;
use crate::echo;
use crate::model::JobKind;
use crate::scenario::{ArrivalProcess, BASELINE_ORIGIN, Origin, Scenario, Source};
use crate::time::{MS_PER_DAY, MS_PER_SECOND, SimDuration};

/// The longest `simulation.horizon`: 100 years. A run keeps a daily
/// snapshot and calendar state for every day it covers.
pub const MAX_HORIZON: SimDuration = SimDuration::from_ms(36_500 * MS_PER_DAY);

/// The longest `simulation.drain_limit`: 100 years.
pub const MAX_DRAIN_LIMIT: SimDuration = SimDuration::from_ms(36_500 * MS_PER_DAY);

/// The most replications (`simulation.replications`, `--replications`): the
/// 95% interval of a mean over 10,000 replications is already 2% of one
/// replication's spread.
pub const MAX_REPLICATIONS: u32 = 10_000;

/// The most jobs one replication is expected to create, follow-up exports
/// included: every job in flight holds up to ~3.5 KB (with 10 drives), and
/// a short horizon or a saturated site can put all of them in flight at once
/// (2,000,000 jobs: about 7 GB for each replication running).
pub const MAX_JOBS_PER_REPLICATION: f64 = 2e6;

/// The most jobs a whole run is expected to create, over all replications:
/// about half an hour of one core (the engine settles ~70,000 jobs a second).
pub const MAX_JOBS_PER_RUN: f64 = 1e8;

/// The most overdue-package deadlines that contact a customer, over all
/// replications: a deadline costs a few events, a job some forty, so this
/// is about the work of `MAX_JOBS_PER_RUN` jobs.
pub const MAX_OVERDUE_DEADLINES_PER_RUN: f64 = 1e9;

/// The most Get Job polls of one job in `impexsim calls` (one JSON line of
/// about 280 bytes each): the poll interval against the run's length.
pub const MAX_POLLS_PER_JOB: f64 = 1e5;

/// The shortest `customer.poll_interval`.
pub const MIN_POLL_INTERVAL: SimDuration = SimDuration::from_ms(MS_PER_SECOND);

/// The most drives a job may list (`policy.max_drives_per_job`): the
/// service's documented limit, which drive serials rely on (with an extra
/// drive, 11 a job).
pub const MAX_DRIVES_PER_JOB: u32 = 10;

/// The most data on one drive [TB] a draw of `arrivals.data_per_drive_tb`
/// reaches in practice (`Dist::practical_max`): a million TB, so eleven
/// drives' bytes add up within a `u64`.
pub const MAX_DATA_PER_DRIVE_TB: f64 = 1e6;

/// The largest arrival trace file [bytes] (1 GiB): it is read whole.
pub const MAX_TRACE_BYTES: u64 = 1 << 30;

/// The last instant a timestamp can show: RFC 3339 years have four digits.
const LAST_INSTANT: &str = "9999-12-31T23:59:59.999Z";

/// The first such instant.
const FIRST_INSTANT: &str = "0000-01-01T00:00:00Z";

/// What one replication of a scenario is expected to do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Workload {
    /// Jobs of the arrival process (`jobs_per_day x horizon`, `count`, or
    /// the trace's rows inside the horizon).
    pub root_jobs: f64,
    /// Jobs each root job stands for on average: itself and its chain of
    /// follow-up exports,
    /// `1 + export share x min(q / (1 - q), 1 + (horizon + drain_limit) / cycle)`,
    /// with `q` the chance that an export return is lost or damaged and
    /// reordered, and `cycle` the mean time from a
    /// job's creation to its return without any queueing (the sum of the
    /// means of ship_delay, transit, receive_lag, receive_time, copy_lag,
    /// copy_setup, packaging_time and return_transit). Infinite when every
    /// return is reordered and a cycle takes no time: an endless chain of
    /// jobs at one instant.
    pub follow_up_factor: f64,
    /// `root_jobs x follow_up_factor`.
    pub jobs: f64,
    /// Overdue-package deadlines that contact the customer, at most:
    /// `jobs x (lost_package_probability x n(horizon + drain_limit) +
    /// n(mean transit))`, where `n(span)` bounds the deadlines of one
    /// overdue job waiting that long,
    /// `min(1 / (1 - response_probability x extend_probability), 1 + span / shipping_extension)`,
    /// and the transit term is 0 when no transit reaches `shipping_timeout`
    /// (`Dist::practical_max`).
    pub overdue_deadlines: f64,
    /// Get Job polls of one job in `impexsim calls`, at most on average:
    /// `1 + (horizon / 2 + drain_limit + retention) / poll_interval` (a job
    /// is polled from its creation until it is deleted, `retention` after it
    /// finishes, or until the run ends).
    pub polls_per_job: f64,
}

/// A bound the scenario breaks: the key to blame and what to say.
pub(super) struct Violation {
    pub key: &'static str,
    pub message: String,
}

impl Workload {
    /// The expected work of one replication of `scenario`.
    pub fn of(scenario: &Scenario) -> Workload {
        let simulation = &scenario.simulation;
        let horizon_days = simulation.horizon.as_days_f64();
        let (root_jobs, export_share) = match &scenario.arrivals.process {
            ArrivalProcess::Poisson { jobs_per_day } => (
                jobs_per_day * horizon_days,
                scenario.arrivals.export_fraction.get(),
            ),
            ArrivalProcess::Count { count } => {
                (*count as f64, scenario.arrivals.export_fraction.get())
            }
            ArrivalProcess::Trace { rows } => {
                let exports = rows
                    .iter()
                    .filter(|row| row.kind == JobKind::Export)
                    .count();
                let share = if rows.is_empty() {
                    0.0
                } else {
                    exports as f64 / rows.len() as f64
                };
                (rows.len() as f64, share)
            }
        };
        let reorder = follow_up_probability(scenario);
        let by_chance = if reorder >= 1.0 {
            f64::INFINITY
        } else {
            reorder / (1.0 - reorder)
        };
        let cycle = follow_up_cycle(scenario);
        let by_time = if cycle > SimDuration::ZERO {
            1.0 + (simulation.horizon + simulation.drain_limit).ms() as f64 / cycle.ms() as f64
        } else {
            f64::INFINITY
        };
        let follow_up_factor = if export_share == 0.0 || reorder == 0.0 {
            1.0
        } else {
            1.0 + export_share * by_chance.min(by_time)
        };
        let jobs = root_jobs * follow_up_factor;

        let policy = &scenario.policy;
        let customer = &scenario.customer;
        let answered = customer.response_probability.get() * customer.extend_probability.get();
        let deadlines = |span: SimDuration| {
            let by_time = 1.0 + span.ms() as f64 / policy.shipping_extension.ms() as f64;
            if answered < 1.0 {
                by_time.min(1.0 / (1.0 - answered))
            } else {
                by_time
            }
        };
        let lost = scenario.shipping.lost_package_probability.get();
        // A package that is only slow is waited for at most 1 + transit /
        // extension deadlines; on average over jobs, at most n(mean transit).
        let transit = &scenario.shipping.transit;
        let longest_transit = SimDuration::from_ms_f64(transit.dist().practical_max());
        let slow_transit = if longest_transit > policy.shipping_timeout {
            deadlines(transit.mean())
        } else {
            0.0
        };
        let overdue_per_job =
            lost * deadlines(simulation.horizon + simulation.drain_limit) + slow_transit;

        let polled_for = simulation.horizon.ms() as f64 / 2.0
            + simulation.drain_limit.ms() as f64
            + policy.retention.ms() as f64;
        let polls_per_job = 1.0 + polled_for / customer.poll_interval.ms() as f64;
        Workload {
            root_jobs,
            follow_up_factor,
            jobs,
            overdue_deadlines: jobs * overdue_per_job,
            polls_per_job,
        }
    }
}

/// The chance that an export job's return leads to a follow-up export:
/// lost or damaged (one draw against both), then reordered.
fn follow_up_probability(scenario: &Scenario) -> f64 {
    let shipping = &scenario.shipping;
    let lost_or_damaged = (shipping.return_lost_probability.get()
        + shipping.return_damaged_probability.get())
    .min(1.0);
    lost_or_damaged * scenario.customer.reorder_export_probability.get()
}

/// The mean time from a job's creation to its return reaching the customer,
/// without queueing and leaving the copy's data time out: a follow-up job is
/// created no sooner than this after its parent, on average.
fn follow_up_cycle(scenario: &Scenario) -> SimDuration {
    let (customer, shipping, datacenter) =
        (&scenario.customer, &scenario.shipping, &scenario.datacenter);
    [
        &customer.ship_delay,
        &shipping.transit,
        &datacenter.receive_lag,
        &datacenter.receive_time,
        &datacenter.copy_lag,
        &datacenter.copy_setup,
        &datacenter.packaging_time,
        &shipping.return_transit,
    ]
    .into_iter()
    .fold(SimDuration::ZERO, |sum, dist| sum + dist.mean())
}

/// Checks every bound on the built `scenario`; `origins` says where each key
/// was set (to blame a key the user wrote rather than the baseline's).
pub(super) fn check(
    scenario: &Scenario,
    origins: &BTreeMap<String, Origin>,
) -> Result<(), Violation> {
    let simulation = &scenario.simulation;
    let policy = &scenario.policy;
    let customer = &scenario.customer;
    let fail = |key: &'static str, message: String| Err(Violation { key, message });

    if simulation.horizon > MAX_HORIZON {
        return fail(
            "simulation.horizon",
            format!(
                "expected at most {} (100 years), got {}",
                format_duration(MAX_HORIZON),
                format_duration(simulation.horizon)
            ),
        );
    }
    if simulation.drain_limit > MAX_DRAIN_LIMIT {
        return fail(
            "simulation.drain_limit",
            format!(
                "expected at most {} (100 years), got {}",
                format_duration(MAX_DRAIN_LIMIT),
                format_duration(simulation.drain_limit)
            ),
        );
    }
    if simulation.replications > MAX_REPLICATIONS {
        return fail(
            "simulation.replications",
            format!(
                "expected at most {MAX_REPLICATIONS} replications, got {}",
                simulation.replications
            ),
        );
    }
    if policy.max_drives_per_job > MAX_DRIVES_PER_JOB {
        return fail(
            "policy.max_drives_per_job",
            format!(
                "expected at most {MAX_DRIVES_PER_JOB} (the service's limit), got {}",
                policy.max_drives_per_job
            ),
        );
    }
    if customer.poll_interval < MIN_POLL_INTERVAL {
        return fail(
            "customer.poll_interval",
            format!(
                "expected at least {}, got {}",
                format_duration(MIN_POLL_INTERVAL),
                format_duration(customer.poll_interval)
            ),
        );
    }
    check_calendar(scenario, origins)?;

    let largest_data = scenario.arrivals.data_per_drive_tb.dist().practical_max();
    if largest_data > MAX_DATA_PER_DRIVE_TB {
        return fail(
            "arrivals.data_per_drive_tb",
            format!(
                "draws reach {} TB (the value exceeded with probability below 1e-18); \
                 expected at most {} TB a drive",
                echo::number(largest_data),
                echo::number(MAX_DATA_PER_DRIVE_TB)
            ),
        );
    }

    let workload = Workload::of(scenario);
    if workload.follow_up_factor.is_infinite() {
        return fail(
            "customer.reorder_export_probability",
            "every export return is lost or damaged (shipping.return_lost_probability + \
             shipping.return_damaged_probability >= 1) and reordered (reorder_export_probability \
             = 1), and a job's whole cycle takes no time (ship_delay, transit, receive_lag, \
             receive_time, copy_lag, copy_setup, packaging_time and return_transit are all 0): \
             each export job would start an endless chain of follow-up jobs at one instant; \
             expected a probability below 1"
                .to_string(),
        );
    }
    let replications = f64::from(simulation.replications);
    // Blame the follow-ups when they are most of the jobs.
    let jobs_key = if workload.follow_up_factor >= 2.0 {
        "customer.reorder_export_probability"
    } else {
        jobs_key(scenario, origins)
    };
    if workload.jobs > MAX_JOBS_PER_REPLICATION {
        return fail(
            jobs_key,
            format!(
                "{} expected jobs in a replication{}; expected at most {} (memory: each job in \
                 flight takes up to 3.5 KB, and all of them can be in flight at once)",
                count(workload.jobs),
                jobs_detail(scenario, &workload),
                count(MAX_JOBS_PER_REPLICATION)
            ),
        );
    }
    if workload.jobs * replications > MAX_JOBS_PER_RUN {
        return fail(
            jobs_key,
            format!(
                "{} expected jobs in a replication x {} replications (simulation.replications) = \
                 {} jobs; expected at most {} in one run: run fewer replications or fewer jobs",
                count(workload.jobs),
                simulation.replications,
                count(workload.jobs * replications),
                count(MAX_JOBS_PER_RUN)
            ),
        );
    }
    if workload.overdue_deadlines * replications > MAX_OVERDUE_DEADLINES_PER_RUN {
        return fail(
            "policy.shipping_extension",
            format!(
                "up to {} overdue-package deadlines over {} replication(s) ({} expected jobs, \
                 extended every {} while the package is missing); expected at most {}: use a \
                 longer shipping_extension, or a lower customer.extend_probability or \
                 shipping.lost_package_probability",
                count(workload.overdue_deadlines * replications),
                simulation.replications,
                count(workload.jobs),
                format_duration(policy.shipping_extension),
                count(MAX_OVERDUE_DEADLINES_PER_RUN)
            ),
        );
    }
    if workload.polls_per_job > MAX_POLLS_PER_JOB {
        let polled_for = SimDuration::from_ms_f64(simulation.horizon.ms() as f64 / 2.0)
            + simulation.drain_limit
            + policy.retention;
        return fail(
            "customer.poll_interval",
            format!(
                "up to {} Get Job polls a job (every {} for up to horizon / 2 + drain_limit + \
                 retention = {}); expected at most {}: poll less often, or shorten \
                 simulation.drain_limit",
                count(workload.polls_per_job),
                format_duration(customer.poll_interval),
                format_duration(polled_for),
                count(MAX_POLLS_PER_JOB)
            ),
        );
    }
    Ok(())
}

/// The run's timestamps must have four-digit years: from `simulation.start`
/// up to `start + horizon + drain_limit + retention + poll_interval` (a
/// finished job is deleted `retention` after it finishes, at the latest at
/// the end of the run; `impexsim calls` polls it once more after that).
fn check_calendar(
    scenario: &Scenario,
    origins: &BTreeMap<String, Origin>,
) -> Result<(), Violation> {
    let simulation = &scenario.simulation;
    let first = instant(FIRST_INSTANT);
    if simulation.start < first {
        return Err(Violation {
            key: "simulation.start",
            message: format!(
                "expected an instant from {FIRST_INSTANT} on (four-digit years), got {}",
                rfc3339(simulation.start)
            ),
        });
    }
    let terms = [
        ("simulation.horizon", simulation.horizon),
        ("simulation.drain_limit", simulation.drain_limit),
        ("policy.retention", scenario.policy.retention),
        ("customer.poll_interval", scenario.customer.poll_interval),
    ];
    let last_ms = i128::from(simulation.start.timestamp_millis())
        + terms
            .iter()
            .map(|(_, duration)| i128::from(duration.ms()))
            .sum::<i128>();
    if last_ms <= i128::from(instant(LAST_INSTANT).timestamp_millis()) {
        return Ok(());
    }
    // Blame the longest of the durations the user set, else the start.
    let key = terms
        .iter()
        .filter(|(key, _)| set_by_user(origins, key))
        .max_by_key(|(_, duration)| *duration)
        .map_or("simulation.start", |(key, _)| key);
    let last = i64::try_from(last_ms)
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .map_or_else(|| "a year past 9999".to_string(), rfc3339);
    let shown: Vec<String> = terms
        .iter()
        .map(|(key, duration)| format!("{key} {}", format_duration(*duration)))
        .collect();
    Err(Violation {
        key,
        message: format!(
            "the run's latest timestamp, simulation.start {} + {} = {last}, is past \
             {LAST_INSTANT} (timestamps are RFC 3339, with four-digit years)",
            rfc3339(simulation.start),
            shown.join(" + "),
        ),
    })
}

/// The key that sets how many jobs arrive.
fn jobs_key(scenario: &Scenario, origins: &BTreeMap<String, Origin>) -> &'static str {
    match scenario.arrivals.process {
        ArrivalProcess::Poisson { .. } => "arrivals.jobs_per_day",
        ArrivalProcess::Count { .. } if origins.contains_key("arrivals.count") => "arrivals.count",
        ArrivalProcess::Count { .. } => "arrivals.jobs_per_day",
        ArrivalProcess::Trace { .. } => "arrivals.trace",
    }
}

/// How the expected jobs come about, for a message: ` (20 jobs a day x
/// horizon 365d)`, with the follow-up factor when it counts.
fn jobs_detail(scenario: &Scenario, workload: &Workload) -> String {
    let horizon = format_duration(scenario.simulation.horizon);
    let roots = match &scenario.arrivals.process {
        ArrivalProcess::Poisson { jobs_per_day } => {
            format!(
                "{} jobs a day x horizon {horizon}",
                echo::number(*jobs_per_day)
            )
        }
        ArrivalProcess::Count { count } => format!("count {count}"),
        ArrivalProcess::Trace { rows } => format!("{} trace rows inside the horizon", rows.len()),
    };
    if workload.follow_up_factor > 1.001 {
        let factor = if workload.follow_up_factor < 1000.0 {
            format!("{:.3}", workload.follow_up_factor)
        } else {
            count(workload.follow_up_factor)
        };
        format!(" ({roots}, x {factor} for chains of follow-up exports)")
    } else {
        format!(" ({roots})")
    }
}

/// Whether `key` was set by a scenario file or `--set`, not by the baseline.
fn set_by_user(origins: &BTreeMap<String, Origin>, key: &str) -> bool {
    origins.get(key).is_some_and(|origin| match &origin.source {
        Source::File { name, .. } => name != BASELINE_ORIGIN,
        Source::Set { .. } => true,
    })
}

/// A count for a message: `2,000,000`, or `1.2e30` when it has no place in
/// digits.
fn count(x: f64) -> String {
    if !x.is_finite() || x >= 1e15 {
        return format!("{x:.3e}");
    }
    let digits = format!("{:.0}", x.round());
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 constant")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioError;

    fn sets(overrides: &[&str]) -> Vec<String> {
        overrides.iter().map(|text| text.to_string()).collect()
    }

    fn build(overrides: &[&str]) -> Result<Scenario, ScenarioError> {
        Scenario::from_overrides(&sets(overrides))
    }

    /// Asserts that the overrides fail, naming `key` and containing every needle.
    #[track_caller]
    fn check_rejected(overrides: &[&str], key: &str, needles: &[&str]) {
        let message = match build(overrides) {
            Ok(_) => panic!("{overrides:?} passed validation"),
            Err(error) => error.to_string(),
        };
        assert!(message.contains(&format!(": {key}: ")), "{message}");
        for needle in needles {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
    }

    #[track_caller]
    fn check_accepted(overrides: &[&str]) -> Scenario {
        build(overrides).unwrap_or_else(|error| panic!("{overrides:?}: {error}"))
    }

    /// One job, so only the bound under test can be broken.
    const ONE_JOB: [&str; 2] = ["arrivals.process=count", "arrivals.count=1"];

    fn with_one_job<'a>(more: &[&'a str]) -> Vec<&'a str> {
        ONE_JOB
            .iter()
            .copied()
            .chain(more.iter().copied())
            .collect()
    }

    #[test]
    fn ten_million_jobs_a_day_for_a_day_is_rejected() {
        // Issue: `--set arrivals.jobs_per_day=1e7 --set simulation.horizon=1d`
        // took 2 GB and aborted.
        check_rejected(
            &["arrivals.jobs_per_day=1e7", "simulation.horizon=1d"],
            "arrivals.jobs_per_day",
            &[
                "expected jobs in a replication",
                "expected at most 2,000,000",
            ],
        );
        // 1,999,000 expected jobs (with the baseline's few follow-ups) pass.
        check_accepted(&["arrivals.jobs_per_day=1999000", "simulation.horizon=1d"]);
        check_rejected(
            &["arrivals.process=count", "arrivals.count=2100000"],
            "arrivals.count",
            &["count 2100000"],
        );
        // `count` computed from jobs_per_day x horizon names jobs_per_day.
        check_rejected(
            &["arrivals.process=count", "arrivals.jobs_per_day=1e300"],
            "arrivals.jobs_per_day",
            &["expected at most 2,000,000"],
        );
    }

    #[test]
    fn replications_above_the_bound_are_rejected() {
        check_accepted(&with_one_job(&["simulation.replications=10000"]));
        check_rejected(
            &with_one_job(&["simulation.replications=10001"]),
            "simulation.replications",
            &["expected at most 10000 replications, got 10001"],
        );
        check_rejected(
            &["simulation.replications=4294967295"],
            "simulation.replications",
            &["at most 10000"],
        );
    }

    #[test]
    fn replications_times_jobs_above_the_run_bound_are_rejected() {
        // 100,000 jobs x 1,000 replications = 10^8: at the bound.
        check_accepted(&[
            "arrivals.process=count",
            "arrivals.count=100000",
            "arrivals.export_fraction=0",
            "simulation.replications=1000",
        ]);
        check_rejected(
            &[
                "arrivals.process=count",
                "arrivals.count=100000",
                "arrivals.export_fraction=0",
                "simulation.replications=1001",
            ],
            "arrivals.count",
            &[
                "x 1001 replications",
                "100,100,000 jobs",
                "at most 100,000,000 in one run",
            ],
        );
    }

    #[test]
    fn horizon_and_drain_limit_of_more_than_a_century_are_rejected() {
        // Issue 3's `simulation.horizon = 10000000d` took 1.9 GB.
        check_accepted(&with_one_job(&["simulation.horizon=36500d"]));
        check_rejected(
            &with_one_job(&["simulation.horizon=36501d"]),
            "simulation.horizon",
            &["expected at most 36500d (100 years), got 36501d"],
        );
        check_rejected(
            &with_one_job(&["simulation.horizon=10000000d"]),
            "simulation.horizon",
            &["at most 36500d"],
        );
        check_accepted(&with_one_job(&["simulation.drain_limit=36500d"]));
        check_rejected(
            &with_one_job(&["simulation.drain_limit=36500d 1ms"]),
            "simulation.drain_limit",
            &["got 36500d 1ms"],
        );
    }

    #[test]
    fn poll_interval_of_one_millisecond_is_rejected() {
        // Issue: `customer.poll_interval = "1ms"` wrote 3.5 GB in 5 s.
        check_rejected(
            &["customer.poll_interval=1ms"],
            "customer.poll_interval",
            &["expected at least 1s, got 1ms"],
        );
        // 1 + (30m + 1h + 1d) / 1s = 91,801 polls a job: within the bound.
        check_accepted(&with_one_job(&[
            "customer.poll_interval=1s",
            "simulation.horizon=1h",
            "simulation.drain_limit=1h",
            "policy.retention=1d",
        ]));
        // Relative to the run: up to 672.5 days of polls a job in the
        // baseline; 1 + 672.5d / 9m 41s is 100,008 polls, just over the
        // bound, and 9m 42s gives 99,836, just under.
        check_rejected(
            &["customer.poll_interval=9m 41s"],
            "customer.poll_interval",
            &[
                "100,008 Get Job polls a job",
                "horizon / 2 + drain_limit + retention = 672d 12h",
                "at most 100,000",
            ],
        );
        check_accepted(&["customer.poll_interval=9m 42s"]);
    }

    #[test]
    fn overdue_extension_of_one_millisecond_is_rejected() {
        // Every package lost, every customer answering and extending: one
        // deadline a millisecond until the end of the run.
        let endless = [
            "shipping.lost_package_probability=1",
            "shipping.late_package_probability=0",
            "customer.response_probability=1",
            "customer.response_delay=0s",
            "customer.extend_probability=1",
            "policy.shipping_extension=1ms",
        ];
        check_rejected(
            &endless,
            "policy.shipping_extension",
            &[
                "overdue-package deadlines",
                "extended every 1ms",
                "at most 1,000,000,000",
            ],
        );
        // Packages that are only slow, however heavy the tail of their
        // transit, are waited for about mean transit / extension deadlines.
        let slow = check_accepted(&[
            "customer.response_probability=1",
            "customer.extend_probability=1",
            "shipping.transit={ dist = \"lognormal\", median = \"2d\", sigma = 2 }",
        ]);
        let per_job = slow.workload().overdue_deadlines / slow.workload().jobs;
        // lost 0.005 x (1 + 765d / 14d) + (1 + 2d e^2 / 14d).
        let expected = 0.005 * (1.0 + 765.0 / 14.0) + 1.0 + 2.0 * 2.0_f64.exp() / 14.0;
        assert!((per_job - expected).abs() < 1e-6, "{per_job} != {expected}");
        // The same with the documented 14-day extension is fine.
        let mut documented = endless.to_vec();
        documented[5] = "policy.shipping_extension=14d";
        check_accepted(&documented);
    }

    #[test]
    fn endless_follow_up_chain_at_one_instant_is_rejected() {
        // Every export return lost and reordered, with a cycle that takes no
        // time: the engine looped at one instant, holding every job.
        let mut chain = vec![
            "arrivals.export_fraction=1",
            "shipping.return_lost_probability=1",
            "customer.reorder_export_probability=1",
        ];
        let zero = [
            "customer.ship_delay=0s",
            "shipping.transit=0s",
            "datacenter.receive_lag=0s",
            "datacenter.receive_time=0s",
            "datacenter.copy_lag=0s",
            "datacenter.copy_setup=0s",
            "datacenter.packaging_time=0s",
            "shipping.return_transit=0s",
        ];
        chain.extend(with_one_job(&zero));
        check_rejected(
            &chain,
            "customer.reorder_export_probability",
            &["endless chain of follow-up jobs at one instant"],
        );
        // With a cycle that takes time, the run's end bounds the chain.
        let mut timed = chain.clone();
        timed.push("shipping.return_transit=1d");
        let scenario = check_accepted(&timed);
        let workload = scenario.workload();
        // One job, then one follow-up a day over horizon 365d + drain 400d.
        assert_eq!(workload.root_jobs, 1.0);
        assert_eq!(workload.follow_up_factor, 1.0 + 1.0 + 765.0);
    }

    #[test]
    fn follow_up_factor_is_the_mean_length_of_a_chain() {
        // q = (0.1 + 0.1) x 0.5 = 0.1: each export job has q / (1 - q) =
        // 1/9 follow-ups on average, and half of the jobs are exports.
        let scenario = check_accepted(&[
            "arrivals.export_fraction=0.5",
            "shipping.return_lost_probability=0.1",
            "shipping.return_damaged_probability=0.1",
            "customer.reorder_export_probability=0.5",
        ]);
        let workload = scenario.workload();
        assert!((workload.follow_up_factor - (1.0 + 0.5 / 9.0)).abs() < 1e-12);
        assert!((workload.root_jobs - 20.0 * 365.0).abs() < 1e-9);
        assert!((workload.jobs - workload.root_jobs * workload.follow_up_factor).abs() < 1e-6);
    }

    #[test]
    fn data_per_drive_that_saturates_bytes_is_rejected() {
        // Issue: 1e308 TB saturated the u64 byte count; copies never ended.
        check_rejected(
            &["arrivals.data_per_drive_tb=1e308"],
            "arrivals.data_per_drive_tb",
            &["draws reach 1e308 TB", "at most 1000000 TB a drive"],
        );
        check_accepted(&["arrivals.data_per_drive_tb=1000000"]);
        // Unbounded families by their 1e-18 tail: exp(9 x 2) x 8 TB = 5.2e8.
        check_rejected(
            &["arrivals.data_per_drive_tb={ dist = \"lognormal\", median = 8, sigma = 2 }"],
            "arrivals.data_per_drive_tb",
            &["draws reach"],
        );
        check_accepted(&[
            "arrivals.data_per_drive_tb={ dist = \"lognormal\", median = 8, sigma = 0.8 }",
        ]);
    }

    #[test]
    fn more_than_ten_drives_per_job_are_rejected() {
        check_accepted(&["policy.max_drives_per_job=10"]);
        check_rejected(
            &["policy.max_drives_per_job=11"],
            "policy.max_drives_per_job",
            &["expected at most 10 (the service's limit), got 11"],
        );
    }

    #[test]
    fn timestamps_past_year_9999_are_rejected() {
        // The last timestamp is start + horizon + drain_limit + retention +
        // poll_interval: 1d + 1d + 1d + 1m after the start here.
        let short = [
            "simulation.horizon=1d",
            "simulation.drain_limit=1d",
            "policy.retention=1d",
            "customer.poll_interval=1m",
        ];
        let mut at_the_end = with_one_job(&short);
        at_the_end.push("simulation.start=9999-12-28T23:58:59.999Z");
        check_accepted(&at_the_end);
        let mut one_ms_later = with_one_job(&short);
        one_ms_later.push("simulation.start=9999-12-28T23:59:00Z");
        check_rejected(
            &one_ms_later,
            "policy.retention",
            &["= +10000-01-01T00:00:00Z, is past 9999-12-31T23:59:59.999Z"],
        );
        // The longest duration the user set is to blame.
        let mut longer_horizon = with_one_job(&short);
        longer_horizon.extend([
            "simulation.horizon=2d",
            "simulation.start=9999-12-28T00:00:00Z",
        ]);
        check_rejected(&longer_horizon, "simulation.horizon", &["is past"]);
        // Only the start set: the start is to blame.
        check_rejected(
            &["simulation.start=9999-06-01T00:00:00Z"],
            "simulation.start",
            &["is past 9999-12-31T23:59:59.999Z"],
        );
        check_rejected(
            &["policy.retention=3000000d"],
            "policy.retention",
            &["= +10241-10-31T00:00:00Z, is past"],
        );
        // Past the calendar chrono knows (year 262142).
        check_rejected(
            &["policy.retention=100000000d"],
            "policy.retention",
            &["= a year past 9999, is past"],
        );
        // And before year 0: an offset can put the start there.
        check_rejected(
            &["simulation.start=0000-01-01T00:00:00+01:00"],
            "simulation.start",
            &["expected an instant from 0000-01-01T00:00:00Z on"],
        );
    }

    #[test]
    fn every_shipped_scenario_is_within_the_bounds_with_room() {
        for name in [
            "baseline",
            "peak_season",
            "carrier_strike",
            "export_heavy",
            "small_datacenter",
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(format!("{name}.toml"));
            let scenario = Scenario::load(&path, &[]).unwrap();
            let workload = scenario.workload();
            assert!(
                workload.jobs < MAX_JOBS_PER_REPLICATION / 100.0,
                "{name}: {workload:?}"
            );
            assert!(
                workload.polls_per_job < MAX_POLLS_PER_JOB / 10.0,
                "{name}: {workload:?}"
            );
            assert!(workload.overdue_deadlines < 1e6, "{name}: {workload:?}");
        }
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
        assert_eq!(count(2e6), "2,000,000");
        assert_eq!(count(123_456_789.4), "123,456,789");
        assert_eq!(count(1e30), "1.000e30");
        assert_eq!(count(f64::INFINITY), "inf");
    }
}
