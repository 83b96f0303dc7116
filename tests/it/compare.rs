//! `impexsim compare` (docs/model.md, Randomness and common random numbers):
//! paired runs, `compare.csv`,
//! `compare.jobs.csv`, guards and their exit codes, and proof that pairing
//! (common random numbers) takes the noise out of a policy's effect.
//!
//! `tests/data/compare_small.toml` is the embedded baseline shortened to
//! about 300 jobs a replication; it asks for one replication, so `compare`
//! runs 10.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use impexsim::compare::{MetricComparison, compare_metrics};
use impexsim::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use impexsim::report::{Metric, MetricsCollector};
use impexsim::scenario::Scenario;
use impexsim::sim::{RecordSink, run_replication};

use crate::{Row, data, invoke, read_header, read_rows};

/// The guard file users are pointed at.
fn guards() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guards/baseline.toml")
}

/// What one `impexsim compare` left behind.
struct Compared {
    _tmp: TempDir,
    dir: PathBuf,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Compared {
    /// `compare.csv` by metric name.
    fn metrics(&self) -> BTreeMap<String, Row> {
        read_rows(&self.dir.join("compare.csv"))
            .into_iter()
            .map(|row| (row.get("metric").to_string(), row))
            .collect()
    }
}

/// Runs `impexsim compare <args> --out <tmp>/out --quiet`.
fn compare(args: &[&str]) -> Compared {
    let mut compare_args = vec!["compare"];
    compare_args.extend_from_slice(args);
    let done = invoke(&compare_args);
    Compared {
        _tmp: done.tmp,
        dir: done.dir,
        code: done.code,
        stdout: done.stdout,
        stderr: done.stderr,
    }
}

fn small() -> String {
    data("compare_small.toml").to_str().unwrap().to_string()
}

#[track_caller]
fn number(row: &Row, column: &str) -> f64 {
    let text = row.get(column);
    text.parse()
        .unwrap_or_else(|err| panic!("`{column}` = `{text}` in {row:?}: {err}"))
}

/// A failure before anything ran: exit 2, a message naming each of `words`,
/// and no output directory.
#[track_caller]
fn check_bad_input(args: &[&str], words: &[&str]) {
    let compared = compare(args);
    assert_eq!(compared.code, Some(2), "{args:?}: {}", compared.stderr);
    assert!(!compared.stderr.contains("panicked"), "{}", compared.stderr);
    for word in words {
        assert!(
            compared.stderr.contains(word),
            "{args:?}: the message does not name `{word}`:\n{}",
            compared.stderr
        );
    }
    assert!(
        !compared.dir.exists(),
        "{args:?} left {}",
        compared.dir.display()
    );
    let parent = compared.dir.parent().unwrap();
    assert_eq!(
        std::fs::read_dir(parent).unwrap().count(),
        0,
        "{args:?} left files beside the output directory"
    );
}

// ---------------------------------------------------------------------------
// Paired runs end to end.

/// Identical policies: every paired difference is exactly 0 with an interval
/// of exactly 0, no job changes outcome, every guard passes, exit 0.
#[test]
fn identical_policies_give_exact_zeros() {
    let guards = guards();
    let compared = compare(&[
        &small(),
        "--candidate",
        "policy.creating_timeout=14d",
        "--guard",
        guards.to_str().unwrap(),
    ]);
    assert_eq!(compared.code, Some(0), "{}", compared.stderr);
    assert_eq!(
        read_header(&compared.dir.join("compare.csv")),
        [
            "metric",
            "baseline_mean",
            "candidate_mean",
            "diff_mean",
            "diff_ci95_low",
            "diff_ci95_high",
            "n",
            "significant"
        ]
    );
    let metrics = compared.metrics();
    assert!(metrics.len() > 90, "{} metrics", metrics.len());
    // docs/model.md, Randomness and common random numbers: one replication asks for 10.
    metrics["jobs.total"].assert_text("n", "10");
    for (name, row) in &metrics {
        row.assert_text("significant", "false");
        // Replications where the metric has no value (a percentile over no
        // jobs) are left out of the pairs.
        if row.get("n") == "0" {
            continue;
        }
        assert!(row.u64("n") <= 10, "{name}: {row:?}");
        for column in ["diff_mean", "diff_ci95_low", "diff_ci95_high"] {
            assert_eq!(row.get(column), "0", "{name} {column}");
        }
        assert_eq!(
            row.get("baseline_mean"),
            row.get("candidate_mean"),
            "{name}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(compared.dir.join("compare.jobs.csv")).unwrap(),
        "replication,job,baseline_outcome,candidate_outcome,\
         baseline_end_to_end_days,candidate_end_to_end_days\n"
    );
    let lines: Vec<&str> = compared.stdout.lines().collect();
    assert!(!lines.is_empty(), "no guard lines");
    for line in &lines {
        assert!(line.starts_with("PASS "), "{line}");
    }
    for result in read_rows(&compared.dir.join("compare.guards.csv")) {
        result.assert_text("result", "pass");
    }
    for run in ["baseline", "candidate"] {
        assert!(compared.dir.join(run).join("jobs.csv").is_file(), "{run}");
        assert!(compared.dir.join(run).join("run.json").is_file(), "{run}");
    }
}

/// The example: a Creating timeout of 7 days instead of 14 expires
/// more jobs, the guard on expiries fails, the outputs are written (they are
/// the evidence) and the exit code is 3.
#[test]
fn shorter_creating_timeout_fails_the_expiry_guard() {
    let guards = guards();
    let compared = compare(&[
        &small(),
        "--candidate",
        "policy.creating_timeout=7d",
        "--guard",
        guards.to_str().unwrap(),
    ]);
    assert_eq!(compared.code, Some(3), "{}", compared.stderr);
    assert!(
        compared.stderr.contains("guards failed"),
        "{}",
        compared.stderr
    );
    assert!(
        compared
            .stdout
            .lines()
            .any(|line| line.starts_with("FAIL jobs.expired.fraction: diff +")),
        "{}",
        compared.stdout
    );
    let metrics = compared.metrics();
    for name in ["jobs.expired.count", "jobs.expired.fraction"] {
        let row = &metrics[name];
        row.assert_text("significant", "true");
        assert!(number(row, "diff_ci95_low") > 0.0, "{row:?}");
        assert!(
            number(row, "candidate_mean") > number(row, "baseline_mean"),
            "{row:?}"
        );
        let diff = number(row, "candidate_mean") - number(row, "baseline_mean");
        assert!((diff - number(row, "diff_mean")).abs() < 1e-5, "{row:?}");
    }
    let results: BTreeMap<String, String> = read_rows(&compared.dir.join("compare.guards.csv"))
        .iter()
        .map(|row| (row.get("metric").to_string(), row.get("result").to_string()))
        .collect();
    assert_eq!(results["jobs.expired.fraction"], "fail");

    check_job_diff(&compared.dir);
}

/// `compare.jobs.csv` holds exactly the jobs whose outcome differs between
/// the two `jobs.csv` files, ordered by replication then job name.
#[track_caller]
fn check_job_diff(dir: &Path) {
    let outcomes = |run: &str| -> BTreeMap<(String, String), (String, String)> {
        read_rows(&dir.join(run).join("jobs.csv"))
            .iter()
            .map(|row| {
                (
                    (
                        row.get("replication").to_string(),
                        row.get("job").to_string(),
                    ),
                    (
                        row.get("outcome").to_string(),
                        row.get("end_to_end_days").to_string(),
                    ),
                )
            })
            .collect()
    };
    let baseline = outcomes("baseline");
    let candidate = outcomes("candidate");
    let none = (String::new(), String::new());
    let mut expected = Vec::new();
    for key in baseline.keys().chain(candidate.keys()) {
        let b = baseline.get(key).unwrap_or(&none);
        let c = candidate.get(key).unwrap_or(&none);
        if b.0 != c.0 {
            expected.push((key.clone(), b.clone(), c.clone()));
        }
    }
    expected.sort_by_key(|(key, _, _)| (key.0.parse::<u32>().unwrap(), key.1.clone()));
    expected.dedup();
    let got: Vec<_> = read_rows(&dir.join("compare.jobs.csv"))
        .iter()
        .map(|row| {
            (
                (
                    row.get("replication").to_string(),
                    row.get("job").to_string(),
                ),
                (
                    row.get("baseline_outcome").to_string(),
                    row.get("baseline_end_to_end_days").to_string(),
                ),
                (
                    row.get("candidate_outcome").to_string(),
                    row.get("candidate_end_to_end_days").to_string(),
                ),
            )
        })
        .collect();
    assert!(got.len() > 50, "only {} jobs changed outcome", got.len());
    assert!(
        got.iter()
            .any(|(_, b, c)| b.0 == "completed" && c.0 == "expired"),
        "no completed -> expired job"
    );
    assert_eq!(got, expected);
}

/// `--candidate-scenario FILE` and `--candidate KEY=VALUE` describing the same
/// change give the same comparison; `--replications` sets the pairs.
#[test]
fn candidate_scenario_file_equals_candidate_overrides() {
    let by_file = compare(&[
        &small(),
        "--candidate-scenario",
        data("compare_small_7d.toml").to_str().unwrap(),
        "--replications",
        "3",
    ]);
    let by_override = compare(&[
        &small(),
        "--candidate",
        "policy.creating_timeout=7d",
        "--replications",
        "3",
    ]);
    for compared in [&by_file, &by_override] {
        assert_eq!(compared.code, Some(0), "{}", compared.stderr);
        assert_eq!(compared.stdout, "", "no guards, no guard lines");
    }
    let read = |compared: &Compared, name: &str| std::fs::read(compared.dir.join(name)).unwrap();
    for name in ["compare.csv", "compare.jobs.csv"] {
        assert!(
            read(&by_file, name) == read(&by_override, name),
            "{name} differs"
        );
    }
    by_file.metrics()["jobs.total"].assert_text("n", "3");
}

// ---------------------------------------------------------------------------
// Bad input: exit code 2, nothing written.

#[test]
fn unknown_guard_metric_is_bad_input() {
    let path = data("guards/unknown_metric.toml");
    check_bad_input(
        &[
            &small(),
            "--candidate",
            "policy.creating_timeout=7d",
            "--guard",
            path.to_str().unwrap(),
        ],
        &[
            "unknown_metric.toml:8:",
            "jobs.expird.count",
            "did you mean `jobs.expired.count`",
        ],
    );
}

#[test]
fn malformed_guard_file_is_bad_input() {
    let path = data("guards/malformed.toml");
    check_bad_input(
        &[
            &small(),
            "--candidate",
            "policy.creating_timeout=7d",
            "--guard",
            path.to_str().unwrap(),
        ],
        &["malformed.toml:5:"],
    );
    check_bad_input(
        &[
            &small(),
            "--candidate",
            "policy.creating_timeout=7d",
            "--guard",
            "no/such/guards.toml",
        ],
        &["cannot read guard file no/such/guards.toml"],
    );
}

/// Pairing needs the same seed and replications in both runs, and at least
/// two replications.
#[test]
fn unpaired_candidates_are_bad_input() {
    check_bad_input(
        &[&small(), "--candidate", "simulation.seed=2"],
        &["simulation.seed", "1 -> 2"],
    );
    check_bad_input(
        &[&small(), "--candidate", "simulation.replications=5"],
        &["simulation.replications"],
    );
    check_bad_input(
        &[
            &small(),
            "--candidate",
            "policy.creating_timeout=7d",
            "--replications",
            "1",
        ],
        &["--replications must be at least 2"],
    );
    check_bad_input(
        &[&small(), "--candidate", "policy.creating_timout=7d"],
        &["candidate scenario", "creating_timout"],
    );
    check_bad_input(&[&small()], &["--candidate"]);
}

// ---------------------------------------------------------------------------
// Pairing works (docs/model.md, Randomness and common random numbers).

/// Feeds one replication's job rows to the metrics, writing nothing.
struct MetricsSink(MetricsCollector);

impl RecordSink for MetricsSink {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        self.0.add_job(&job, drives);
    }

    fn timeseries(&mut self, _row: &TimeseriesRow) {}

    fn wants_trace(&self) -> bool {
        false
    }

    fn trace(&mut self, _event: &TraceEvent) {}
}

fn replication_metrics(scenario: &Scenario, replications: u32) -> Vec<Vec<Metric>> {
    let scenario = std::sync::Arc::new(scenario.clone());
    (0..replications)
        .map(|replication| {
            let mut sink = MetricsSink(MetricsCollector::new());
            let stats = run_replication(&scenario, replication, &mut sink, &mut |_| {});
            sink.0.finish(stats)
        })
        .collect()
}

fn small_scenario(overrides: &[&str]) -> Scenario {
    let overrides: Vec<String> = overrides.iter().map(|text| text.to_string()).collect();
    Scenario::load(&data("compare_small.toml"), &overrides).unwrap()
}

/// Standard deviation over replications of the paired difference
/// (candidate and baseline with the same seed) and of the difference of
/// independent runs (the candidate with another seed).
fn paired_and_independent_stddev(change: &str, metric: &str) -> (f64, f64) {
    const REPLICATIONS: u32 = 20;
    let baseline = replication_metrics(&small_scenario(&[]), REPLICATIONS);
    let paired = replication_metrics(&small_scenario(&[change]), REPLICATIONS);
    let independent = replication_metrics(
        &small_scenario(&[change, "simulation.seed=2"]),
        REPLICATIONS,
    );
    let stddev = |candidate: &[Vec<Metric>]| {
        let compared: Vec<MetricComparison> = compare_metrics(&baseline, candidate);
        let row = compared.iter().find(|row| row.name == metric).unwrap();
        assert_eq!(row.diff.n, REPLICATIONS as usize, "{metric}");
        row.diff.stddev.unwrap()
    };
    (stddev(&paired), stddev(&independent))
}

/// The proof that pairing works: for a policy change, the paired
/// difference varies across replications far less than the difference of
/// independent runs. Measured with 20 replications of ~300 jobs:
///
/// | change | metric | paired sd | independent sd | factor |
/// |---|---|---|---|---|
/// | `shipping_timeout` 14d -> 7d | `end_to_end_days.mean` | 0.0208 | 0.334 | 16.1 |
/// | `shipping_timeout` 14d -> 7d | `operator_contacts` | 0.759 | 6.61 | 8.7 |
/// | `creating_timeout` 14d -> 12d | `jobs.expired.fraction` | 0.0050 | 0.0217 | 4.3 |
///
/// The bounds below are a quarter to a half of those factors. A change that
/// moves many jobs gains less: `creating_timeout` 14d -> 7d expires ~11% more
/// jobs, and how many is itself binomial noise that pairing cannot remove
/// (factor ~2 on `jobs.expired.fraction`).
#[test]
fn paired_differences_vary_far_less_than_independent_ones() {
    for (change, metric, bound) in [
        ("policy.shipping_timeout=7d", "end_to_end_days.mean", 4.0),
        ("policy.shipping_timeout=7d", "operator_contacts", 3.0),
        ("policy.creating_timeout=12d", "jobs.expired.fraction", 2.0),
    ] {
        let (paired, independent) = paired_and_independent_stddev(change, metric);
        assert!(
            independent > 0.0 && paired > 0.0,
            "{change} {metric}: paired sd {paired}, independent sd {independent}: \
             the change must have an effect that varies, or the test proves nothing"
        );
        assert!(
            paired * bound < independent,
            "{change} {metric}: paired sd {paired} is not {bound} times smaller than \
             independent sd {independent} (factor {:.2})",
            independent / paired
        );
    }
}
