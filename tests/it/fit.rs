//! `impexsim fit` (docs/model.md, Fitting): a history of the known scenario
//! `fit_known.toml` (the baseline over 500 days, about 10,000 jobs, the last
//! month still open) is fitted, and
//!
//! - every fitted parameter lies within four standard errors of the truth,
//!   each standard error from the theory of its estimator with the sample
//!   size the file states (tolerances are given where they are computed);
//! - a run of the fitted scenario, with another seed, reproduces the
//!   history's outcome fractions and end-to-end percentiles within four
//!   standard errors of their difference;
//! - a history file that lacks columns is bad input (exit 2) named with
//!   its columns.

use std::fs;
use std::path::Path;

use crate::{Output, data_arg, impexsim, invoke, run};

const DAY_S: f64 = 86_400.0;

/// The fitted scenario of a history, as TOML and as text (its comments).
struct Fitted {
    toml: toml::Table,
    text: String,
}

impl Fitted {
    /// The table of `section.key`.
    fn table(&self, key: &str) -> &toml::Table {
        self.value(key)
            .as_table()
            .unwrap_or_else(|| panic!("{key} is not a distribution table"))
    }

    fn value(&self, key: &str) -> &toml::Value {
        let (section, name) = key.split_once('.').unwrap();
        self.toml[section]
            .get(name)
            .unwrap_or_else(|| panic!("the fitted scenario has no {key}:\n{}", self.text))
    }

    fn number(&self, key: &str) -> f64 {
        match self.value(key) {
            toml::Value::Float(x) => *x,
            toml::Value::Integer(x) => *x as f64,
            other => panic!("{key} = {other} is not a number"),
        }
    }

    /// The comment lines of `section.key` (above it in the file).
    fn comment(&self, key: &str) -> String {
        let name = key.split_once('.').unwrap().1;
        let lines: Vec<&str> = self.text.lines().collect();
        let at = lines
            .iter()
            .position(|line| line.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("no line for {key}"));
        let first = lines[..at]
            .iter()
            .rposition(|line| !line.starts_with('#'))
            .map_or(0, |i| i + 1);
        lines[first..at].join("\n")
    }

    /// `n = N` or `K of N` of the comment: the sample size the file states.
    fn sample_size(&self, key: &str) -> f64 {
        // The detail lines, indented under the one naming the source.
        let comment: String = self
            .comment(key)
            .lines()
            .filter(|line| line.starts_with("#   "))
            .collect();
        let n = if let Some((_, rest)) = comment.split_once("n = ") {
            rest.split(|c: char| !c.is_ascii_digit()).next().unwrap()
        } else {
            let (_, rest) = comment.split_once(" of ").expect("a count");
            rest.split(|c: char| !c.is_ascii_digit()).next().unwrap()
        };
        n.parse::<f64>().unwrap()
    }

    /// A duration parameter of a distribution table [days].
    fn days(&self, key: &str, parameter: &str) -> f64 {
        let text = self.table(key)[parameter].as_str().expect("a duration");
        duration_days(text)
    }

    fn dist(&self, key: &str) -> &str {
        self.table(key)["dist"].as_str().unwrap()
    }
}

/// `"2d 3h 4m 5s"` in days.
fn duration_days(text: &str) -> f64 {
    text.split_whitespace()
        .map(|part| {
            let split = part.find(|c: char| c.is_ascii_alphabetic()).unwrap();
            let (number, unit) = part.split_at(split);
            let number: f64 = number.parse().unwrap();
            number
                * match unit {
                    "d" => 1.0,
                    "h" => 1.0 / 24.0,
                    "m" => 1.0 / 1440.0,
                    "s" => 1.0 / DAY_S,
                    "ms" => 1.0 / DAY_S / 1000.0,
                    other => panic!("unit {other}"),
                }
        })
        .sum()
}

/// Runs the known scenario and fits its output.
fn history_and_fit() -> (Output, Fitted, tempfile::TempDir) {
    let history = run(&[&data_arg("fit_known.toml")]);
    let tmp = tempfile::TempDir::new().unwrap();
    let out = tmp.path().join("fitted.toml");
    let status = impexsim()
        .args([
            "fit",
            history.dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "fit failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = fs::read_to_string(&out).unwrap();
    let toml = text
        .parse::<toml::Table>()
        .expect("the fitted scenario is TOML");
    (history, Fitted { toml, text }, tmp)
}

#[track_caller]
fn assert_within(what: &str, fitted: f64, truth: f64, tolerance: f64) {
    assert!(
        (fitted - truth).abs() <= tolerance,
        "{what}: fitted {fitted}, truth {truth}, tolerance {tolerance}"
    );
}

#[test]
fn fit_recovers_the_parameters_of_a_known_scenario() {
    let (history, fitted, _tmp) = history_and_fit();
    assert!(history.jobs.len() >= 9_000, "{} jobs", history.jobs.len());
    assert!(
        history
            .jobs
            .iter()
            .any(|job| job.get("outcome") == "unfinished"),
        "the history has open jobs, so censoring is exercised"
    );

    // Poisson rate: the MLE n / T has standard error rate / sqrt(n).
    let n = fitted.sample_size("arrivals.jobs_per_day");
    assert_within(
        "jobs_per_day",
        fitted.number("arrivals.jobs_per_day"),
        20.0,
        4.0 * 20.0 / n.sqrt(),
    );

    // Proportions: standard error sqrt(p (1 - p) / n) at the true p, with
    // the trials the file states; the stated interval holds the estimate.
    for (key, truth) in [
        ("arrivals.export_fraction", 0.2),
        ("customer.abandon_probability", 0.03),
        ("shipping.lost_package_probability", 0.005),
        ("shipping.missing_drive_probability", 0.003),
        ("shipping.extra_drive_probability", 0.01),
        ("datacenter.job_fault_probability", 0.005),
        ("datacenter.copy_error_probability", 0.02),
        ("datacenter.copy_warning_probability", 0.05),
        ("datacenter.copy_info_probability", 0.05),
        ("datacenter.drive_fault_probability", 0.01),
    ] {
        let trials = fitted.sample_size(key);
        assert!(trials >= 1_000.0, "{key}: {trials} trials");
        let standard_error = (truth * (1.0 - truth) / trials).sqrt();
        assert_within(key, fitted.number(key), truth, 4.0 * standard_error);
        assert!(fitted.comment(key).contains("Wilson interval"), "{key}");
    }

    // Drive counts: uniform_int on 1..=10 is recovered exactly (every value
    // is seen thousands of times) and beats the empirical table by AIC.
    let drives = fitted.table("arrivals.drives_per_job");
    assert_eq!(drives["dist"].as_str(), Some("uniform_int"));
    assert_eq!(drives["min"].as_integer(), Some(1));
    assert_eq!(drives["max"].as_integer(), Some(10));

    // Uniform bounds: the MLE is the sample extremes, within
    // range / n of the truth on average; four times that is the tolerance.
    let check_uniform = |key: &str, min: f64, max: f64, read: &dyn Fn(&str) -> f64| {
        assert_eq!(
            fitted.dist(key),
            "uniform",
            "{key}:\n{}",
            fitted.comment(key)
        );
        let n = fitted.sample_size(key);
        let tolerance = 4.0 * (max - min) / n;
        let (fitted_min, fitted_max) = (read("min"), read("max"));
        assert!(
            fitted_min >= min && fitted_min - min <= tolerance,
            "{key} min {fitted_min}"
        );
        assert!(
            fitted_max <= max && max - fitted_max <= tolerance,
            "{key} max {fitted_max}"
        );
    };
    check_uniform("arrivals.data_per_drive_tb", 1.0, 16.0, &|p| {
        fitted.table("arrivals.data_per_drive_tb")[p]
            .as_float()
            .unwrap()
    });
    check_uniform("datacenter.copy_lag", 2.0, 4.0, &|p| {
        fitted.days("datacenter.copy_lag", p)
    });

    // Log-normal: the MLE of mu and sigma have standard errors
    // sigma / sqrt(n) and sigma / sqrt(2 n) (censoring only adds a little
    // to them: fewer than 5% of the values are censored, so the exact count
    // stands for n).
    for (key, median_days, sigma) in [
        ("customer.ship_delay", 3.0, 0.8),
        ("shipping.transit", 2.0, 0.4),
    ] {
        assert_eq!(
            fitted.dist(key),
            "lognormal",
            "{key}:\n{}",
            fitted.comment(key)
        );
        let n = fitted.sample_size(key);
        let mu = fitted.days(key, "median").ln();
        assert_within(key, mu, f64::ln(median_days), 4.0 * sigma / n.sqrt());
        let fitted_sigma = fitted.table(key)["sigma"].as_float().unwrap();
        assert_within(key, fitted_sigma, sigma, 4.0 * sigma / (2.0 * n).sqrt());
    }

    // The receive lag observed includes the receiving service (triangular,
    // 10 min to 1 h) and its queue wait (4 operators at a load of about
    // 0.1): the support of the sum is [1d 10m, 3d 1h] plus waits, which
    // stay well under an hour at that load.
    let key = "datacenter.receive_lag";
    assert_eq!(
        fitted.dist(key),
        "uniform",
        "{key}:\n{}",
        fitted.comment(key)
    );
    let (min, max) = (fitted.days(key, "min"), fitted.days(key, "max"));
    assert!(
        (1.0 + 10.0 / 1440.0..=1.0 + 1.0 / 24.0).contains(&min),
        "receive_lag min {min}"
    );
    assert!(
        (3.0..=3.0 + 2.0 / 24.0).contains(&max),
        "receive_lag max {max}"
    );

    // Copy setup: the slope of duration / data against 1 / data. Its
    // standard error is sd(1 / T) / sqrt(n var(1 / D)), with sd(1 / T) about
    // sd / mean^2 of the throughput [s/MB] and D uniform on 1..16 TB [MB].
    let n = fitted.sample_size("datacenter.copy_setup");
    let (lo, hi): (f64, f64) = (1e6, 16e6);
    let mean_inv = (hi / lo).ln() / (hi - lo);
    let mean_inv_sq = (1.0 / lo - 1.0 / hi) / (hi - lo);
    let var_inv = mean_inv_sq - mean_inv * mean_inv;
    let sd_inv_t = 20.0 / (120.0 * 120.0);
    let setup_se_s = sd_inv_t / (n * var_inv).sqrt();
    let setup_s = duration_days(fitted.value("datacenter.copy_setup").as_str().unwrap()) * DAY_S;
    assert_within("copy_setup [s]", setup_s, 1800.0, 4.0 * setup_se_s + 1.0);

    // Throughput: normal, mean and sd with standard errors sd / sqrt(n) and
    // sd / sqrt(2 n), plus what an error in the setup of 4 standard errors
    // moves each throughput by on average: mean^2 E[1 / D] x that error.
    let key = "datacenter.copy_throughput_mb_s";
    assert_eq!(
        fitted.dist(key),
        "normal",
        "{key}:\n{}",
        fitted.comment(key)
    );
    let n = fitted.sample_size(key);
    let from_setup = 120.0 * 120.0 * mean_inv * 4.0 * setup_se_s;
    let table = fitted.table(key);
    assert_within(
        "throughput mean",
        table["mean"].as_float().unwrap(),
        120.0,
        4.0 * 20.0 / n.sqrt() + from_setup,
    );
    assert_within(
        "throughput sd",
        table["sd"].as_float().unwrap(),
        20.0,
        4.0 * 20.0 / (2.0 * n).sqrt() + from_setup,
    );

    // Every distribution states its goodness of fit.
    for key in [
        "customer.ship_delay",
        "shipping.transit",
        "datacenter.copy_lag",
        "datacenter.copy_throughput_mb_s",
    ] {
        let comment = fitted.comment(key);
        assert!(
            comment.contains("KS D = ") && comment.contains("AIC: "),
            "{comment}"
        );
    }
}

/// The `p` quantile of sorted values (h = (n - 1) p, linear interpolation).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (low, frac) = (h.floor() as usize, h.fract());
    let high = (low + 1).min(sorted.len() - 1);
    sorted[low] + frac * (sorted[high] - sorted[low])
}

fn end_to_end(output: &Output) -> Vec<f64> {
    let mut values: Vec<f64> = output
        .jobs
        .iter()
        .filter(|job| !job.get("end_to_end_days").is_empty())
        .map(|job| job.get("end_to_end_days").parse().unwrap())
        .collect();
    values.sort_by(f64::total_cmp);
    values
}

#[test]
fn a_run_of_the_fitted_scenario_reproduces_the_history() {
    let (history, _fitted, tmp) = history_and_fit();
    let fitted_path = tmp.path().join("fitted.toml");
    let validate = impexsim()
        .args(["validate", fitted_path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        validate.status.success(),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );
    let replay = run(&[fitted_path.to_str().unwrap(), "--seed", "11"]);

    // Outcome fractions: two independent proportions, standard error of the
    // difference sqrt(p (1 - p) (1 / n1 + 1 / n2)).
    let (n1, n2) = (history.jobs.len() as f64, replay.jobs.len() as f64);
    for outcome in ["completed", "closed", "expired", "unfinished"] {
        let fraction = |output: &Output| {
            output
                .jobs
                .iter()
                .filter(|job| job.get("outcome") == outcome)
                .count() as f64
                / output.jobs.len() as f64
        };
        let (p1, p2) = (fraction(&history), fraction(&replay));
        let p = (p1 + p2) / 2.0;
        let se = (p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)).sqrt();
        assert_within(outcome, p2, p1, 4.0 * se.max(1.0 / n1));
    }

    // End-to-end percentiles: a sample quantile has standard error
    // sqrt(p (1 - p) / n) / f(q), the density f estimated from the
    // history's own quantiles at p +- 0.02; two samples, so sqrt(2) of that.
    // Four standard errors, plus the receiving service the fitted receive
    // lag holds a second time (at most 1 h).
    let (e1, e2) = (end_to_end(&history), end_to_end(&replay));
    for p in [0.5, 0.9] {
        let density = 0.04 / (quantile(&e1, p + 0.02) - quantile(&e1, p - 0.02));
        let se = (p * (1.0 - p) / e1.len() as f64).sqrt() / density;
        assert_within(
            &format!("end_to_end p{}", p * 100.0),
            quantile(&e2, p),
            quantile(&e1, p),
            4.0 * 2f64.sqrt() * se + 1.0 / 24.0,
        );
    }
}

#[test]
fn fit_of_a_history_missing_columns_exits_2() {
    let tmp = tempfile::TempDir::new().unwrap();
    let jobs = tmp.path().join("jobs.csv");
    fs::write(
        &jobs,
        "replication,job,job_type,drives,extra_drives,outcome,cancelled,faults,created_at,\
         shipping_at,deleted_at\n0,job-0000000,Import,1,0,completed,false,0,\
         2026-01-05T00:00:00.000Z,2026-01-06T00:00:00.000Z,\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("drives.csv"),
        "replication,job,extra,data_bytes,copy_outcome,arrived_at,copy_start_at,copy_end_at,queued_at\n",
    )
    .unwrap();
    let out = tmp.path().join("fitted.toml");
    let invocation = invoke(&["fit", tmp.path().to_str().unwrap(), "--force"]);
    assert_eq!(invocation.code, Some(2), "{}", invocation.stderr);
    let stderr = &invocation.stderr;
    assert!(
        stderr.contains(&jobs.display().to_string())
            && stderr.contains("missing columns `received_at`, `events`"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    assert!(!out.exists());
    assert!(!Path::new(&invocation.dir).exists(), "nothing written");
}
