//! `impexsim sweep`: the cross product of `--vary` values, `sweep.csv`, one
//! run directory per point, common random numbers across points, and bad
//! input that fails before anything is written.

use std::fs;
use std::path::PathBuf;

use tempfile::TempDir;

use crate::{
    Invocation, Row, data, entries, impexsim, invoke, invoke_ok, read_dir_bytes, read_header,
    read_rows, run_scenario,
};

/// A finished sweep and where it is.
struct Sweep {
    _tmp: TempDir,
    dir: PathBuf,
    /// `sweep.csv` as rows.
    rows: Vec<Row>,
}

impl Sweep {
    /// The rows of one point, by the values of its varied keys.
    fn point_rows(&self, point: &[(&str, &str)]) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|row| point.iter().all(|(key, value)| row.get(key) == *value))
            .collect()
    }

    /// A metric's `value` (one replication) at one point.
    #[track_caller]
    fn metric(&self, point: &[(&str, &str)], metric: &str) -> f64 {
        let rows: Vec<&Row> = self
            .point_rows(point)
            .into_iter()
            .filter(|row| row.get("metric") == metric)
            .collect();
        assert_eq!(rows.len(), 1, "one `{metric}` row at {point:?}");
        let text = rows[0].get("value");
        text.parse()
            .unwrap_or_else(|err| panic!("`{metric}` = `{text}` at {point:?}: {err}"))
    }
}

/// Runs `impexsim sweep <args> --out <tmp> --quiet` and asserts success.
#[track_caller]
fn sweep(args: &[&str]) -> Sweep {
    let mut sweep_args = vec!["sweep"];
    sweep_args.extend_from_slice(args);
    let Invocation { tmp, dir, .. } = invoke_ok(&sweep_args);
    Sweep {
        rows: read_rows(&dir.join("sweep.csv")),
        dir,
        _tmp: tmp,
    }
}

/// Runs `impexsim sweep <args>` that must fail with `code`, and checks that
/// nothing was left in its output's folder. Returns standard error.
#[track_caller]
fn sweep_failing(args: &[&str], code: i32) -> String {
    let mut sweep_args = vec!["sweep"];
    sweep_args.extend_from_slice(args);
    let failed = invoke(&sweep_args);
    let stderr = failed.stderr.clone();
    assert_eq!(
        failed.code,
        Some(code),
        "impexsim sweep {args:?}:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "a panic reached the user:\n{stderr}"
    );
    assert_eq!(
        entries(failed.root()),
        Vec::<String>::new(),
        "impexsim sweep {args:?} left files behind"
    );
    stderr
}

fn path_text(name: &str) -> String {
    data(name).to_str().expect("a UTF-8 path").to_string()
}

#[test]
fn two_by_two_sweep_writes_every_point_and_every_metric() {
    let quiet = path_text("quiet.toml");
    let result = sweep(&[
        &quiet,
        "--vary",
        "datacenter.copy_stations=1,2",
        "--vary",
        "policy.creating_timeout=7d,14d",
    ]);
    assert_eq!(
        read_header(&result.dir.join("sweep.csv")),
        [
            "datacenter.copy_stations",
            "policy.creating_timeout",
            "metric",
            "value"
        ]
    );
    assert_eq!(
        entries(&result.dir),
        [
            "copy_stations=1,creating_timeout=14d",
            "copy_stations=1,creating_timeout=7d",
            "copy_stations=2,creating_timeout=14d",
            "copy_stations=2,creating_timeout=7d",
            "sweep.csv",
        ]
    );

    // Points in cross-product order (the first --vary outermost), each with
    // every metric of its own summary.csv, in that order and with its values.
    let points = [("1", "7d"), ("1", "14d"), ("2", "7d"), ("2", "14d")];
    let mut expected = Vec::new();
    for (stations, timeout) in points {
        let point_dir = result.dir.join(format!(
            "copy_stations={stations},creating_timeout={timeout}"
        ));
        let summary = read_rows(&point_dir.join("summary.csv"));
        assert!(summary.len() > 50, "summary.csv has every metric");
        for row in summary {
            expected.push((
                stations.to_string(),
                timeout.to_string(),
                row.get("metric").to_string(),
                row.get("value").to_string(),
            ));
        }
    }
    let got: Vec<(String, String, String, String)> = result
        .rows
        .iter()
        .map(|row| {
            (
                row.get("datacenter.copy_stations").to_string(),
                row.get("policy.creating_timeout").to_string(),
                row.get("metric").to_string(),
                row.get("value").to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), expected.len());
    assert_eq!(got, expected);
}

/// Common random numbers: a point is exactly a plain `run` with its values
/// given as `--set`, whatever the other points are.
#[test]
fn a_sweep_point_is_byte_identical_to_a_plain_run() {
    let loaded = path_text("sweep_loaded.toml");
    let result = sweep(&[
        &loaded,
        "--set",
        "policy.creating_timeout=7d",
        "--vary",
        "datacenter.copy_stations=6,10",
    ]);
    for stations in ["6", "10"] {
        let set = format!("datacenter.copy_stations={stations}");
        let run = run_scenario(
            "sweep_loaded.toml",
            &["--set", "policy.creating_timeout=7d", "--set", &set],
        );
        let plain = read_dir_bytes(&run.dir);
        let point = read_dir_bytes(&result.dir.join(format!("copy_stations={stations}")));
        for name in ["summary.csv", "jobs.csv", "drives.csv", "timeseries.csv"] {
            assert!(
                plain[name] == point[name],
                "{name} of point copy_stations={stations} differs from the plain run"
            );
        }
        for (metric, value) in &run.summary {
            let row = result
                .rows
                .iter()
                .find(|row| {
                    row.get("datacenter.copy_stations") == stations && row.get("metric") == metric
                })
                .unwrap_or_else(|| panic!("no `{metric}` row for {stations} stations"));
            assert_eq!(row.get("value"), value, "`{metric}` at {stations} stations");
        }
    }
}

/// Same seeds at every point, FIFO queue, same copy times: adding copy
/// stations can only shorten the copy queue wait.
#[test]
fn more_copy_stations_never_lengthen_the_copy_queue_wait() {
    let loaded = path_text("sweep_loaded.toml");
    let result = sweep(&[&loaded, "--vary", "datacenter.copy_stations=4..20..2"]);
    let waits: Vec<f64> = (4..=20)
        .step_by(2)
        .map(|stations| {
            let stations = stations.to_string();
            result.metric(
                &[("datacenter.copy_stations", &stations)],
                "copy.queue_wait_days.mean",
            )
        })
        .collect();
    for pair in waits.windows(2) {
        assert!(
            pair[1] <= pair[0],
            "copy queue waits {waits:?} rise somewhere"
        );
    }
    // The scenario is loaded: 4 stations wait days, 20 wait minutes.
    assert!(
        waits[0] > 1.0,
        "4 stations should queue for days: {waits:?}"
    );
    assert!(waits[8] < 0.1, "20 stations should hardly queue: {waits:?}");
}

#[test]
fn several_replications_give_the_interval_columns() {
    let quiet = path_text("quiet.toml");
    let result = sweep(&[
        &quiet,
        "--replications",
        "3",
        "--vary",
        r#"policy.cancellable_states=["Creating"],[]"#,
    ]);
    assert_eq!(
        read_header(&result.dir.join("sweep.csv")),
        [
            "policy.cancellable_states",
            "metric",
            "mean",
            "stddev",
            "ci95_low",
            "ci95_high",
            "n"
        ]
    );
    assert_eq!(
        entries(&result.dir),
        [
            "cancellable_states=Creating",
            "cancellable_states=_",
            "sweep.csv"
        ]
    );
    let jobs_total: Vec<(&str, &str)> = result
        .rows
        .iter()
        .filter(|row| row.get("metric") == "jobs.total")
        .map(|row| (row.get("policy.cancellable_states"), row.get("n")))
        .collect();
    assert_eq!(jobs_total, [(r#"["Creating"]"#, "3"), ("[]", "3")]);
    let point = result.dir.join("cancellable_states=_");
    assert!(point.join("replications.csv").is_file());
}

#[test]
fn the_output_does_not_depend_on_the_thread_count() {
    let loaded = path_text("sweep_loaded.toml");
    let args = |threads: &'static str| {
        [
            loaded.clone(),
            "--replications".into(),
            "2".into(),
            "--threads".into(),
            threads.into(),
            "--vary".into(),
            "datacenter.copy_stations=5..9..2".into(),
        ]
    };
    let one = args("1");
    let four = args("4");
    let one = sweep(&one.iter().map(String::as_str).collect::<Vec<_>>());
    let four = sweep(&four.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        fs::read(one.dir.join("sweep.csv")).unwrap(),
        fs::read(four.dir.join("sweep.csv")).unwrap()
    );
    for point in ["copy_stations=5", "copy_stations=7", "copy_stations=9"] {
        let a = read_dir_bytes(&one.dir.join(point));
        let b = read_dir_bytes(&four.dir.join(point));
        for name in ["summary.csv", "jobs.csv", "replications.csv"] {
            assert!(a[name] == b[name], "{point}/{name} differs");
        }
    }
}

#[test]
fn a_bad_vary_exits_2_naming_the_key_and_writes_nothing() {
    let quiet = path_text("quiet.toml");
    let check = |vary: &str, expected: &[&str]| {
        let stderr = sweep_failing(&[&quiet, "--vary", vary], 2);
        for text in expected {
            assert!(
                stderr.contains(text),
                "--vary {vary}: `{text}` not in\n{stderr}"
            );
        }
    };
    check(
        "datacenter.copy_station=1,2",
        &["datacenter.copy_station", "copy_stations"],
    );
    check(
        "datacenter.copy_stations=",
        &["datacenter.copy_stations", "empty"],
    );
    check(
        "datacenter.copy_stations=abc",
        &["datacenter.copy_stations", "abc", "positive integer"],
    );
    check(
        "datacenter.copy_stations=1,0",
        &["datacenter.copy_stations=0"],
    );
    check(
        "datacenter.copy_stations=1,,2",
        &["datacenter.copy_stations", "empty"],
    );
    check(
        "datacenter.copy_stations=9..1",
        &["datacenter.copy_stations", "9..1"],
    );
    check("datacenter.copy_stations=1,1", &["listed twice"]);
    check("copy_stations", &["KEY=V1,V2"]);
}

/// Every point is checked before any runs: a bad value in the last point
/// stops the sweep before the first point is written.
#[test]
fn a_bad_point_fails_before_any_point_runs() {
    let quiet = path_text("quiet.toml");
    let stderr = sweep_failing(
        &[
            &quiet,
            "--vary",
            "datacenter.copy_stations=1,2",
            "--vary",
            "policy.creating_timeout=7d,-1d",
        ],
        2,
    );
    assert!(
        stderr.contains("policy.creating_timeout=-1d"),
        "the bad value is named:\n{stderr}"
    );
    // A check across keys names the whole point.
    let stderr = sweep_failing(&[&quiet, "--vary", "simulation.warmup=1d,20d"], 2);
    assert!(stderr.contains("simulation.warmup=20d"), "{stderr}");
    assert!(stderr.contains("simulation.horizon"), "{stderr}");
}

#[test]
fn bad_options_exit_2() {
    let quiet = path_text("quiet.toml");
    let stderr = sweep_failing(
        &[
            &quiet,
            "--replications",
            "0",
            "--vary",
            "datacenter.copy_stations=1,2",
        ],
        2,
    );
    assert!(stderr.contains("--replications"), "{stderr}");
    let stderr = sweep_failing(
        &[
            &quiet,
            "--vary",
            "datacenter.copy_stations=1",
            "--vary",
            "datacenter.copy_stations=2",
        ],
        2,
    );
    assert!(
        stderr.contains("datacenter.copy_stations is given twice"),
        "{stderr}"
    );
    let stderr = sweep_failing(&[&quiet], 2);
    assert!(stderr.contains("--vary"), "{stderr}");
    let stderr = sweep_failing(
        &[
            &quiet,
            "--set",
            "datacenter.copy_stations=0",
            "--vary",
            "policy.retention=1d",
        ],
        2,
    );
    assert!(stderr.contains("datacenter.copy_stations"), "{stderr}");
}

#[test]
fn a_sweep_replaces_an_earlier_sweep_but_no_other_directory() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("sweep");
    let quiet = path_text("quiet.toml");
    let run = |vary: &str| {
        impexsim()
            .args(["sweep", &quiet, "--quiet", "--vary", vary, "--out"])
            .arg(&out)
            .output()
            .unwrap()
    };
    assert!(run("datacenter.copy_stations=1,2").status.success());
    assert!(run("datacenter.copy_stations=3").status.success());
    assert_eq!(entries(&out), ["copy_stations=3", "sweep.csv"]);
    assert_eq!(entries(tmp.path()), ["sweep"], "no staging directory left");

    let busy = tmp.path().join("busy");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("notes.txt"), "mine").unwrap();
    let output = impexsim()
        .args([
            "sweep",
            &quiet,
            "--quiet",
            "--vary",
            "datacenter.copy_stations=1",
        ])
        .arg("--out")
        .arg(&busy)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing to replace"), "{stderr}");
    assert_eq!(entries(&busy), ["notes.txt"]);
}
