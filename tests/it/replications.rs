//! Several replications (docs/model.md, Randomness and common random
//! numbers): the output does not depend on the
//! thread count, nor a replication's rows on how many replications ran, and
//! `summary.csv` is what `replications.csv` says it should be.
//!
//! Every test runs `tests/data/reps_small.toml` (the baseline, everything
//! random, about 300 jobs a replication, jobs sharing the copy stations).

use std::collections::BTreeMap;
use std::fs;

use crate::{Output, data, read_dir_bytes, read_header, read_rows, run};

/// The files that must be byte-identical (`run.json` holds the wall time).
const CSV_FILES: [&str; 5] = [
    "jobs.csv",
    "drives.csv",
    "timeseries.csv",
    "summary.csv",
    "replications.csv",
];

/// The per-replication files: every row starts with its replication.
const ROW_FILES: [&str; 4] = [
    "jobs.csv",
    "drives.csv",
    "timeseries.csv",
    "replications.csv",
];

fn run_reps(extra: &[&str]) -> Output {
    let scenario = data("reps_small.toml");
    let mut args = vec![scenario.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(extra);
    run(&args)
}

/// The lines of a CSV file (header left out) whose replication is
/// `replication`, as written.
fn lines_of_replication(out: &Output, file: &str, replication: u32) -> Vec<String> {
    let text = fs::read_to_string(out.dir.join(file))
        .unwrap_or_else(|err| panic!("cannot read {file}: {err}"));
    let prefix = format!("{replication},");
    text.lines()
        .skip(1)
        .filter(|line| line.starts_with(&prefix))
        .map(str::to_string)
        .collect()
}

/// `t(0.975, dof)`, Student's t two-sided 95% quantile, to full `f64`
/// precision: six decimals (3.182446 for 3 degrees of freedom) are off by
/// 3e-7, which moves the interval of a stddev of 100 by 1.5e-5, beyond the
/// files' rounding. From the closed-form CDFs: tan(pi (p - 1/2)) for 1,
/// (2p - 1) sqrt(2 / (4p (1 - p))) for 2, and for 3 the root of
/// 1/2 + (x / (1 + x^2) + atan x) / pi = p with x = t / sqrt(3) (bisection).
fn student_t_975(dof: usize) -> f64 {
    match dof {
        1 => 12.706204736174696,
        2 => 4.302652729749461,
        3 => 3.182446305283706,
        _ => panic!("no t quantile here for {dof} degrees of freedom"),
    }
}

/// Byte-identical CSV output on every run and every thread count (README,
/// Outputs).
#[test]
fn thread_count_does_not_change_any_byte() {
    let one = run_reps(&["--replications", "4", "--threads", "1"]);
    let two = run_reps(&["--replications", "4", "--threads", "2"]);
    let one_bytes = read_dir_bytes(&one.dir);
    let two_bytes = read_dir_bytes(&two.dir);
    for file in CSV_FILES {
        let a = one_bytes.get(file).unwrap_or_else(|| panic!("no {file}"));
        let b = two_bytes.get(file).unwrap_or_else(|| panic!("no {file}"));
        assert!(a == b, "{file} differs between --threads 1 and --threads 2");
    }
    // Not vacuous: four replications, each with rows, and not all the same.
    for replication in 0..4 {
        assert!(
            lines_of_replication(&one, "jobs.csv", replication).len() > 100,
            "replication {replication} has few jobs"
        );
    }
    let strip = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .map(|line| line.split_once(',').unwrap().1.to_string())
            .collect()
    };
    assert_ne!(
        strip(lines_of_replication(&one, "jobs.csv", 0)),
        strip(lines_of_replication(&one, "jobs.csv", 1)),
        "replications 0 and 1 have the same jobs"
    );
}

/// README, Outputs: with several replications, summary.csv has
/// `metric,mean,stddev,ci95_low,ci95_high,n`, and for each metric, over the
/// replications where it has a value: the mean, the sample standard
/// deviation (divisor n - 1) and mean +- t(0.975, n - 1) stddev / sqrt(n)
/// (src/report.rs, "Several replications"); stddev and interval empty when
/// n < 2. Recomputed here from replications.csv; both files round to six
/// decimals, so the tolerance is 1e-5.
#[test]
fn summary_of_replications_is_recomputed_from_replications_csv() {
    let out = run_reps(&["--replications", "4"]);
    assert_eq!(
        read_header(&out.dir.join("summary.csv")),
        ["metric", "mean", "stddev", "ci95_low", "ci95_high", "n"]
    );
    let long_path = out.dir.join("replications.csv");
    assert_eq!(read_header(&long_path), ["replication", "metric", "value"]);

    // metric -> value per replication (None when empty), in replication order.
    let mut values: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for row in read_rows(&long_path) {
        let replication: usize = row.get("replication").parse().unwrap();
        let entry = values.entry(row.get("metric").to_string()).or_default();
        assert_eq!(
            entry.len(),
            replication,
            "`{}` of replication {replication} out of order or repeated",
            row.get("metric")
        );
        let text = row.get("value");
        entry.push((!text.is_empty()).then(|| text.parse().unwrap()));
    }
    assert!(values.values().all(|v| v.len() == 4), "4 replications each");
    let summary_metrics: Vec<&str> = out
        .summary_rows
        .iter()
        .map(|row| row.get("metric"))
        .collect();
    let long_metrics: Vec<&str> = values.keys().map(String::as_str).collect();
    let mut sorted_summary = summary_metrics.clone();
    sorted_summary.sort_unstable();
    assert_eq!(
        sorted_summary, long_metrics,
        "the same metrics in both files"
    );

    let close = |metric: &str, column: &str, got: &str, expected: Option<f64>| match expected {
        None => assert_eq!(got, "", "`{metric}` {column} should be empty"),
        Some(expected) => {
            let got: f64 = got
                .parse()
                .unwrap_or_else(|err| panic!("`{metric}` {column} = `{got}`: {err}"));
            assert!(
                (got - expected).abs() <= 1e-5,
                "`{metric}` {column}: summary.csv has {got}, replications.csv gives {expected}"
            );
        }
    };
    let mut with_interval = 0;
    for row in &out.summary_rows {
        let metric = row.get("metric");
        let present: Vec<f64> = values[metric].iter().flatten().copied().collect();
        let n = present.len();
        assert_eq!(row.u64("n") as usize, n, "`{metric}` n");
        let mean = (n > 0).then(|| present.iter().sum::<f64>() / n as f64);
        let stddev = (n > 1).then(|| {
            let m = mean.unwrap();
            let squares: f64 = present.iter().map(|v| (v - m) * (v - m)).sum();
            (squares / (n - 1) as f64).sqrt()
        });
        let half_width = stddev.map(|s| student_t_975(n - 1) * s / (n as f64).sqrt());
        close(metric, "mean", row.get("mean"), mean);
        close(metric, "stddev", row.get("stddev"), stddev);
        close(
            metric,
            "ci95_low",
            row.get("ci95_low"),
            half_width.map(|h| mean.unwrap() - h),
        );
        close(
            metric,
            "ci95_high",
            row.get("ci95_high"),
            half_width.map(|h| mean.unwrap() + h),
        );
        if n == 4 && stddev.unwrap() > 0.0 {
            with_interval += 1;
        }
    }
    // Not vacuous: most metrics vary across replications.
    assert!(with_interval > 30, "only {with_interval} metrics vary");
}

/// README, Outputs: one replication writes `metric,value` and no replications.csv;
/// and it is replication 0 of any larger run (docs/model.md, Randomness and common random numbers: streams are keyed by
/// seed, replication and job, not by the number of replications).
#[test]
fn one_replication_is_replication_zero_of_several() {
    let single = run_reps(&["--replications", "1"]);
    assert_eq!(
        read_header(&single.dir.join("summary.csv")),
        ["metric", "value"]
    );
    assert!(
        !single.dir.join("replications.csv").exists(),
        "replications.csv written for one replication"
    );
    let several = run_reps(&["--replications", "4"]);
    for file in ["jobs.csv", "drives.csv", "timeseries.csv"] {
        let alone = lines_of_replication(&single, file, 0);
        assert!(!alone.is_empty(), "{file} of one replication is empty");
        assert!(
            alone == lines_of_replication(&several, file, 0),
            "{file}: replication 0 differs between 1 and 4 replications"
        );
    }
    // The single run's summary is replication 0's line of replications.csv.
    let zero: BTreeMap<String, String> = read_rows(&several.dir.join("replications.csv"))
        .into_iter()
        .filter(|row| row.get("replication") == "0")
        .map(|row| (row.get("metric").to_string(), row.get("value").to_string()))
        .collect();
    assert_eq!(
        single.summary, zero,
        "summary.csv of one replication differs from replication 0 of four"
    );
}

/// docs/model.md, Randomness and common random numbers: a replication's rows do not depend on how many replications ran:
/// replication 1 of a 2-replication run equals replication 1 of a
/// 3-replication run, in every per-replication file.
#[test]
fn a_replication_does_not_depend_on_how_many_ran() {
    let two = run_reps(&["--replications", "2"]);
    let three = run_reps(&["--replications", "3"]);
    for file in ROW_FILES {
        let in_two = lines_of_replication(&two, file, 1);
        assert!(!in_two.is_empty(), "{file} has no rows of replication 1");
        assert!(
            in_two == lines_of_replication(&three, file, 1),
            "{file}: replication 1 differs between 2 and 3 replications"
        );
    }
    assert!(
        lines_of_replication(&three, "jobs.csv", 2).len() > 100,
        "the third replication ran"
    );
}
