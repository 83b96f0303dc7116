//! `impexsim fit`: a scenario estimated from a history of jobs and drives
//! (docs/model.md, Fitting).
//!
//! - `history`: `jobs.csv` / `drives.csv` rows read by column name.
//! - `family`: maximum-likelihood fits per family with right-censoring, AIC,
//!   Kolmogorov–Smirnov distances.
//! - `proportion`: event probabilities with Wilson intervals.
//! - `scenario_text`: the fitted scenario as a commented TOML file.
//!
//! `fit_history` turns a `History` into a `Fitted`: one `Estimate` per
//! scenario key it can recover, each from the observations that isolate
//! that key (docs/model.md, Fitting, says which and why). Keys it cannot
//! recover are left out of the file, so they take the baseline's values.

pub mod family;
pub mod history;
pub mod proportion;
pub mod scenario_text;

use std::io;
use std::path::{Path, PathBuf};

use crate::time::MS_PER_DAY;
use family::{CountFit, FamilyKind, Fit, Sample, fit_continuous, fit_counts};
use history::{History, JobRow};
use proportion::Proportion;

/// A history that cannot be read (bad input).
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// A file cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A file lacks columns the fit needs.
    #[error(
        "{}: missing {} {}: expected the columns of impexsim's {} ({})",
        path.display(),
        if missing.len() == 1 { "column" } else { "columns" },
        missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
        path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        required.join(", ")
    )]
    MissingColumns {
        path: PathBuf,
        missing: Vec<String>,
        required: Vec<String>,
    },
    /// A row holds something the columns cannot mean.
    #[error("{at}: {message}")]
    Malformed { at: String, message: String },
    /// The path is neither a directory with `jobs.csv` nor a CSV file.
    #[error(
        "{}: expected an output directory holding jobs.csv and drives.csv, or a jobs CSV file",
        path.display()
    )]
    NotAHistory { path: PathBuf },
}

/// The creating timeout assumed when reading a cancelled job's deletion
/// (docs/model.md, Creating timeout): the documented 14 days.
pub const CREATING_TIMEOUT_MS: i64 = 14 * MS_PER_DAY;

/// The scenario a history gives.
#[derive(Debug)]
pub struct Fitted {
    /// Start of the first day a root job was created [ms since the epoch].
    pub start_ms: i64,
    /// Whole days from `start_ms` past the last root job's creation.
    pub horizon_days: i64,
    /// From the horizon's end to the end of the history, when jobs were
    /// still open there [ms]; `None` when every job had settled.
    pub drain_ms: Option<i64>,
    pub replications: u32,
    pub jobs: usize,
    pub drives: usize,
    pub jobs_path: PathBuf,
    pub drives_path: PathBuf,
    /// Every estimate, in the order the file states them.
    pub estimates: Vec<Estimate>,
}

/// One scenario key estimated.
#[derive(Debug)]
pub struct Estimate {
    /// `customer.ship_delay`.
    pub key: &'static str,
    /// What was measured, for the file's comment.
    pub source: &'static str,
    pub value: EstimateValue,
}

/// What an estimate holds.
#[derive(Debug)]
pub enum EstimateValue {
    /// A duration distribution [days]: every candidate, best AIC first.
    Duration {
        fits: Vec<Fit>,
        exact: usize,
        censored: usize,
    },
    /// A distribution of a quantity in its own unit.
    Number {
        fits: Vec<Fit>,
        exact: usize,
        censored: usize,
    },
    /// A distribution of whole numbers.
    Count { fits: Vec<CountFit>, n: usize },
    /// A probability.
    Probability(Proportion),
    /// A Poisson arrival rate [per day] with its standard error, and the KS
    /// distance of the gaps to the exponential.
    Rate {
        per_day: f64,
        standard_error: f64,
        jobs: usize,
        ks: f64,
    },
    /// A constant duration [days] estimated by least squares.
    ConstantDuration { days: f64, n: usize },
}

/// Where a history's files are: a directory with `jobs.csv` and
/// `drives.csv`, or a jobs CSV file with `drives.csv` beside it unless
/// `drives` says.
pub fn history_paths(path: &Path, drives: Option<&Path>) -> Result<(PathBuf, PathBuf), FitError> {
    if path.is_dir() {
        let jobs = path.join("jobs.csv");
        if !jobs.is_file() {
            return Err(FitError::NotAHistory {
                path: path.to_path_buf(),
            });
        }
        let drives = drives.map_or_else(|| path.join("drives.csv"), Path::to_path_buf);
        return Ok((jobs, drives));
    }
    let beside = path
        .parent()
        .map_or_else(|| PathBuf::from("drives.csv"), |dir| dir.join("drives.csv"));
    Ok((path.to_path_buf(), drives.map_or(beside, Path::to_path_buf)))
}

/// Reads and fits the history at `jobs` and `drives`.
pub fn fit_files(jobs: &Path, drives: &Path) -> Result<Fitted, FitError> {
    let mut history = history::read(jobs, drives)?;
    if history.jobs.iter().any(JobRow::unfinished)
        && let Some(end) = jobs
            .parent()
            .and_then(|dir| run_end_ms(&dir.join("run.json")))
    {
        // An impexsim run that left jobs open stopped at its drain limit,
        // which may lie after the last instant any row records.
        history.end_ms = history.end_ms.max(end);
    }
    Ok(fit_history(&history))
}

/// `start + horizon + drain_limit` of the run that wrote `run.json`, when
/// there is one and it says.
fn run_end_ms(path: &Path) -> Option<i64> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let simulation = json.get("resolved_scenario")?.get("simulation")?;
    let start = chrono::DateTime::parse_from_rfc3339(simulation.get("start")?.as_str()?).ok()?;
    let duration = |key: &str| {
        crate::dist::parse_duration(simulation.get(key)?.as_str()?)
            .ok()
            .map(|d| d.ms())
    };
    Some(start.timestamp_millis() + duration("horizon")? + duration("drain_limit")?)
}

/// The duration families a fit compares.
const DURATION_FAMILIES: [FamilyKind; 5] = [
    FamilyKind::Exponential,
    FamilyKind::Uniform,
    FamilyKind::LogNormal,
    FamilyKind::Normal,
    FamilyKind::Triangular,
];

/// Every estimate a history supports.
pub fn fit_history(history: &History) -> Fitted {
    let days = |ms: i64| ms as f64 / MS_PER_DAY as f64;
    let end = history.end_ms;
    let roots: Vec<&JobRow> = history.jobs.iter().filter(|job| !job.follow_up).collect();
    let first_created = history
        .jobs
        .iter()
        .map(|job| job.created_ms)
        .min()
        .expect("a history has jobs");
    let last_created = roots
        .iter()
        .map(|job| job.created_ms)
        .max()
        .unwrap_or(first_created);
    let start_ms = first_created.div_euclid(MS_PER_DAY) * MS_PER_DAY;
    let horizon_days = (last_created - start_ms).div_euclid(MS_PER_DAY) + 1;
    let horizon_end = start_ms + horizon_days * MS_PER_DAY;
    let any_open = history.jobs.iter().any(JobRow::unfinished);
    let drain_ms = any_open.then(|| (end - horizon_end).max(1000));

    let mut estimates = Vec::new();
    let mut push = |key, source, value| {
        estimates.push(Estimate { key, source, value });
    };

    // Arrivals: a Poisson process over [start, start + horizon) of every
    // replication; gaps between root jobs for the KS distance.
    let n_roots = roots.len();
    let exposure_days = history.replications.max(1) as f64 * horizon_days as f64;
    let per_day = n_roots as f64 / exposure_days;
    let mut gaps = Vec::new();
    let mut by_replication = std::collections::BTreeMap::<u32, Vec<i64>>::new();
    for job in &roots {
        by_replication
            .entry(job.replication)
            .or_default()
            .push(job.created_ms);
    }
    for created in by_replication.values_mut() {
        created.sort_unstable();
        let mut previous = start_ms;
        for time in created.iter() {
            gaps.push(days(time - previous));
            previous = *time;
        }
    }
    let gap_model = family::Model::Exponential {
        mean: 1.0 / per_day,
    };
    let ks = family::ks_distance(
        &Sample {
            exact: gaps,
            censored: vec![],
        },
        &gap_model,
    );
    push(
        "arrivals.jobs_per_day",
        "root jobs (not follow-up exports) created per day of the horizon",
        EstimateValue::Rate {
            per_day,
            standard_error: per_day / (n_roots as f64).sqrt(),
            jobs: n_roots,
            ks,
        },
    );
    push(
        "arrivals.export_fraction",
        "root jobs of job_type export",
        EstimateValue::Probability(Proportion::new(
            roots.iter().filter(|job| job.export).count(),
            n_roots,
        )),
    );
    let drive_counts: Vec<i64> = roots.iter().map(|job| i64::from(job.drives)).collect();
    push(
        "arrivals.drives_per_job",
        "the drives column of root jobs",
        EstimateValue::Count {
            n: drive_counts.len(),
            fits: fit_counts(&drive_counts),
        },
    );
    let sizes: Vec<f64> = roots
        .iter()
        .flat_map(|job| job.drive_rows.iter().map(|drive| drive.data_bytes / 1e12))
        .collect();
    if !sizes.is_empty() {
        let sample = Sample {
            exact: sizes,
            censored: vec![],
        };
        push(
            "arrivals.data_per_drive_tb",
            "data_bytes / 10^12 of every drive of a root job",
            number(&sample, &DURATION_FAMILIES),
        );
    }

    // Customer: who abandons, and the ship delay of those who ship.
    let abandoned = |job: &JobRow| {
        job.outcome == "expired"
            && job.shipping_ms.is_none()
            && !job.cancelled
            && !job.met("orphan_drives")
            && !job.met("package_lost")
    };
    let undecided =
        |job: &JobRow| job.unfinished() && job.shipping_ms.is_none() && !job.met("orphan_drives");
    let decided: Vec<&JobRow> = history.jobs.iter().filter(|job| !undecided(job)).collect();
    push(
        "customer.abandon_probability",
        "jobs that expired without shipping, cancelling or a package, of jobs whose customer's choice is known",
        EstimateValue::Probability(Proportion::new(
            decided.iter().filter(|job| abandoned(job)).count(),
            decided.len(),
        )),
    );
    let mut ship = Sample::default();
    for job in &history.jobs {
        let clean = !job.met("return_address_missing") && !job.met("orphan_drives");
        match (job.shipping_ms, job.expired_ms) {
            (Some(shipping), _) if clean => ship.exact.push(days(shipping - job.created_ms)),
            // Shipped after the job was deleted: the delay exceeds the job's
            // life. (A customer who skipped the Shipping update and whose
            // package came before the deletion is left out.)
            (None, Some(deleted))
                if job.met("orphan_drives")
                    && job
                        .package_arrival_ms()
                        .is_none_or(|arrival| arrival > deleted) =>
            {
                ship.censored.push(days(deleted - job.created_ms));
            }
            (None, Some(deleted))
                if job.cancelled && !job.met("package_lost") && !job.met("orphan_drives") =>
            {
                // Cancelled while Creating: never shipped; the cancellation
                // was the last accepted update before the deletion.
                ship.censored
                    .push(days(deleted - CREATING_TIMEOUT_MS - job.created_ms).max(0.0));
            }
            (None, None) if undecided(job) && !job.cancelled => {
                ship.censored.push(days(end - job.created_ms));
            }
            _ => {}
        }
    }
    if !ship.exact.is_empty() {
        push(
            "customer.ship_delay",
            "shipping_at - created_at of jobs whose first Shipping update was accepted; right-censored: jobs deleted or cancelled before shipping, jobs not shipped when the history ends",
            duration(&ship),
        );
    }

    // Shipping: lost packages, transit, missing and extra drives.
    let shipped: Vec<&JobRow> = history
        .jobs
        .iter()
        .filter(|job| job.met("package_lost") || job.package_arrival_ms().is_some())
        .collect();
    push(
        "shipping.lost_package_probability",
        "packages that met package_lost, of packages lost or delivered",
        EstimateValue::Probability(Proportion::new(
            shipped.iter().filter(|job| job.met("package_lost")).count(),
            shipped.len(),
        )),
    );
    let mut transit = Sample::default();
    for job in &history.jobs {
        let clean = !job.met("return_address_missing")
            && !job.met("orphan_drives")
            && !job.met("package_lost")
            && !job.met("drive_never_received");
        let Some(shipping) = job.shipping_ms.filter(|_| clean) else {
            continue;
        };
        match job.package_arrival_ms() {
            Some(arrival) => transit.exact.push(days(arrival - shipping)),
            None if job.unfinished() => transit.censored.push(days(end - shipping)),
            None => {}
        }
    }
    if !transit.exact.is_empty() {
        push(
            "shipping.transit",
            "first arrived_at of a job's drives - shipping_at, packages not lost, no drive missing; right-censored: packages not delivered when the history ends",
            duration(&transit),
        );
    }
    let delivered_imports: Vec<(&JobRow, i64)> = history
        .jobs
        .iter()
        .filter(|job| !job.export)
        .filter_map(|job| job.package_arrival_ms().map(|arrival| (job, arrival)))
        .collect();
    let (mut missing, mut listed) = (0, 0);
    for (job, arrival) in &delivered_imports {
        for drive in job.drive_rows.iter().filter(|drive| !drive.extra) {
            listed += 1;
            if drive.arrived_ms.is_none_or(|at| at > *arrival) {
                missing += 1;
            }
        }
    }
    push(
        "shipping.missing_drive_probability",
        "listed drives of delivered import packages not delivered with the package",
        EstimateValue::Probability(Proportion::new(missing, listed)),
    );
    push(
        "shipping.extra_drive_probability",
        "delivered import packages with an extra drive",
        EstimateValue::Probability(Proportion::new(
            delivered_imports
                .iter()
                .filter(|(job, _)| job.extra_drives > 0)
                .count(),
            delivered_imports.len(),
        )),
    );

    // Data centre: receive lag, job faults, copy lag, copy time, outcomes.
    let mut receive = Sample::default();
    for job in history
        .jobs
        .iter()
        .filter(|job| !job.met("orphan_drives") && !job.met("drive_never_received"))
    {
        let Some(arrival) = job.package_arrival_ms() else {
            continue;
        };
        match job.received_ms {
            Some(received) => receive.exact.push(days(received - arrival)),
            None if job.unfinished() => receive.censored.push(days(end - arrival)),
            None => {}
        }
    }
    if !receive.exact.is_empty() {
        push(
            "datacenter.receive_lag",
            "received_at - first arrived_at, jobs without orphan or missing drives (includes the receiving service and its queue wait); right-censored: packages not processed when the history ends",
            duration(&receive),
        );
    }
    let received: Vec<&JobRow> = history
        .jobs
        .iter()
        .filter(|job| job.received_ms.is_some())
        .collect();
    push(
        "datacenter.job_fault_probability",
        "received jobs that met job_fault",
        EstimateValue::Probability(Proportion::new(
            received.iter().filter(|job| job.met("job_fault")).count(),
            received.len(),
        )),
    );
    let mut copy_lag = Sample::default();
    for job in &received {
        if job.met("job_fault") || job.cancelled {
            continue;
        }
        let received_ms = job.received_ms.expect("filtered");
        let queued = job
            .drive_rows
            .iter()
            .filter(|drive| !drive.extra)
            .filter_map(|drive| drive.queued_ms)
            .min();
        match queued {
            Some(queued) => copy_lag.exact.push(days(queued - received_ms)),
            None if job.unfinished() => copy_lag.censored.push(days(end - received_ms)),
            None => {}
        }
    }
    if !copy_lag.exact.is_empty() {
        push(
            "datacenter.copy_lag",
            "first queued_at of a job's drives - received_at, jobs without job faults or cancellation; right-censored: drives not queued when the history ends",
            duration(&copy_lag),
        );
    }
    // Copies of jobs that met no drive fault were single attempts:
    // duration = setup + data / throughput.
    let copies: Vec<(f64, f64)> = history
        .jobs
        .iter()
        .filter(|job| !job.met("drive_fault"))
        .flat_map(|job| job.drive_rows.iter())
        .filter(|drive| !drive.extra && drive.data_bytes > 0.0)
        .filter_map(|drive| match (drive.copy_start_ms, drive.copy_end_ms) {
            (Some(start), Some(end)) => {
                Some((drive.data_bytes / 1e6, (end - start) as f64 / 1000.0))
            }
            _ => None,
        })
        .collect();
    if copies.len() >= 3 {
        let setup_s = setup_seconds(&copies).max(0.0);
        push(
            "datacenter.copy_setup",
            "slope of (copy_end_at - copy_start_at) / data_bytes against 1 / data_bytes (least squares), single-attempt copies",
            EstimateValue::ConstantDuration {
                days: setup_s / 86_400.0,
                n: copies.len(),
            },
        );
        let throughput: Vec<f64> = copies
            .iter()
            .filter(|(_, seconds)| *seconds > setup_s)
            .map(|(mb, seconds)| mb / (seconds - setup_s))
            .collect();
        if !throughput.is_empty() {
            push(
                "datacenter.copy_throughput_mb_s",
                "data_bytes / 10^6 / (copy_end_at - copy_start_at - copy_setup), single-attempt copies",
                number(
                    &Sample {
                        exact: throughput,
                        censored: vec![],
                    },
                    &DURATION_FAMILIES,
                ),
            );
        }
    }
    let copied: Vec<&str> = history
        .jobs
        .iter()
        .flat_map(|job| job.drive_rows.iter())
        .filter(|drive| {
            !drive.extra && drive.copy_outcome != "none" && !drive.copy_outcome.is_empty()
        })
        .map(|drive| drive.copy_outcome.as_str())
        .collect();
    for (key, outcome) in [
        ("datacenter.copy_error_probability", "errors"),
        ("datacenter.copy_warning_probability", "warnings"),
        ("datacenter.copy_info_probability", "info"),
    ] {
        push(
            key,
            match outcome {
                "errors" => "copied drives whose copy_outcome is errors",
                "warnings" => "copied drives whose copy_outcome is warnings",
                _ => "copied drives whose copy_outcome is info",
            },
            EstimateValue::Probability(Proportion::new(
                copied.iter().filter(|o| **o == outcome).count(),
                copied.len(),
            )),
        );
    }
    let started: usize = history
        .jobs
        .iter()
        .flat_map(|job| job.drive_rows.iter())
        .filter(|drive| !drive.extra && drive.copy_start_ms.is_some())
        .count();
    let drive_faults: usize = history
        .jobs
        .iter()
        .map(|job| job.faults.saturating_sub(u32::from(job.met("job_fault"))) as usize)
        .sum();
    push(
        "datacenter.drive_fault_probability",
        "drive faults (faults less job faults) per drive whose copy started",
        EstimateValue::Probability(Proportion::new(drive_faults.min(started), started)),
    );

    Fitted {
        start_ms,
        horizon_days,
        drain_ms,
        replications: history.replications,
        jobs: history.jobs.len(),
        drives: history.jobs.iter().map(|job| job.drive_rows.len()).sum(),
        jobs_path: history.jobs_path.clone(),
        drives_path: history.drives_path.clone(),
        estimates,
    }
}

fn duration(sample: &Sample) -> EstimateValue {
    EstimateValue::Duration {
        fits: fit_continuous(sample, &DURATION_FAMILIES),
        exact: sample.exact.len(),
        censored: sample.censored.len(),
    }
}

fn number(sample: &Sample, families: &[FamilyKind]) -> EstimateValue {
    EstimateValue::Number {
        fits: fit_continuous(sample, families),
        exact: sample.exact.len(),
        censored: sample.censored.len(),
    }
}

/// The copy setup [s] from `(data [MB], duration [s])` of single-attempt
/// copies: duration = setup + data / throughput, so duration / data =
/// 1 / throughput + setup / data, a line in 1 / data whose slope is the
/// setup and whose noise (from the throughput) has the same spread for
/// every drive size, so ordinary least squares on it is efficient
/// (weighted least squares of the duration on the data, weights 1 / data²).
fn setup_seconds(copies: &[(f64, f64)]) -> f64 {
    let points: Vec<(f64, f64)> = copies
        .iter()
        .map(|(mb, seconds)| (1.0 / mb, seconds / mb))
        .collect();
    least_squares_slope(&points)
}

/// The slope of the least-squares line through `(x, y)` points.
fn least_squares_slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|(x, _)| x).sum::<f64>() / n;
    let mean_y = points.iter().map(|(_, y)| y).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    if sxx == 0.0 {
        return 0.0;
    }
    let sxy: f64 = points
        .iter()
        .map(|(x, y)| (x - mean_x) * (y - mean_y))
        .sum();
    sxy / sxx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_of_copies_at_one_throughput() {
        // 100 MB/s and 1800 s of setup, drives of 1 to 9 TB.
        let copies: Vec<(f64, f64)> = (1..10)
            .map(|tb| (tb as f64 * 1e6, 1800.0 + tb as f64 * 1e4))
            .collect();
        assert!((setup_seconds(&copies) - 1800.0).abs() < 1e-6);
    }
}
