//! What the binary prints: results a person reads on standard output,
//! progress and diagnostics on standard error, `--json` documents that match
//! `schemas/summary.schema.json` and the files, numbers shown alike
//! everywhere, and closed pipes that stop nothing but the text.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

use crate::{Row, data_arg, read_rows};

/// A guard file on the metrics of `compare_small.toml`: the expiry guard
/// fails under a 7-day Creating timeout, the on-site one passes.
const GUARDS: &str = "\
[[guard]]
metric = \"jobs.expired.fraction\"
max_increase = 0.005

[[guard]]
metric = \"drives.destroyed\"
max_increase = 1000
";

/// What one command printed, with its output directory.
struct Printed {
    _tmp: TempDir,
    dir: PathBuf,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `impexsim <args> --out <fresh dir>/out`, without `--quiet`.
fn printed(args: &[&str]) -> Printed {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("out");
    let output = binary()
        .args(args)
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("the binary runs");
    Printed {
        _tmp: tmp,
        dir,
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 on standard output"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_impexsim"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn guard_file(tmp: &TempDir) -> String {
    let path = tmp.path().join("guards.toml");
    fs::write(&path, GUARDS).unwrap();
    path.to_str().unwrap().to_string()
}

#[track_caller]
fn assert_no_panic(stderr: &str) {
    for marker in ["panicked", "RUST_BACKTRACE", "Broken pipe"] {
        assert!(!stderr.contains(marker), "{marker}:\n{stderr}");
    }
}

// ----- standard output and standard error ------------------------------------

/// `impexsim run > x.txt` left x.txt empty: the summary went to standard
/// error with the progress. Results a person reads now go to standard
/// output (as cargo and hyperfine do), diagnostics to standard error.
#[test]
fn results_a_person_reads_go_to_standard_error_only() {
    let run = printed(&["run", &data_arg("reps_small.toml")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains(" jobs (follow-up exports included): completed "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("end to end [days]: p50 "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("copy utilisation: "), "{}", run.stdout);
    assert!(run.stdout.contains("; results in "), "{}", run.stdout);
    assert_eq!(run.stderr, "", "nothing to diagnose");

    let sweep = printed(&[
        "sweep",
        &data_arg("reps_small.toml"),
        "--vary",
        "datacenter.copy_stations=30,40",
    ]);
    assert_eq!(sweep.code, Some(0), "{}", sweep.stderr);
    let lines: Vec<&str> = sweep.stdout.lines().collect();
    assert!(
        lines[0].starts_with("copy_stations  e2e p90 [d]"),
        "{}",
        sweep.stdout
    );
    assert!(lines[1].starts_with("30 "), "{}", sweep.stdout);
    assert!(lines[2].starts_with("40 "), "{}", sweep.stdout);
    assert_eq!(sweep.stderr, "");

    let tmp = TempDir::new().unwrap();
    let compare = printed(&[
        "compare",
        &data_arg("compare_small.toml"),
        "--candidate",
        "policy.creating_timeout=7d",
        "--guard",
        &guard_file(&tmp),
    ]);
    assert_eq!(compare.code, Some(3), "{}", compare.stderr);
    assert!(compare.stdout.starts_with("metric "), "{}", compare.stdout);
    assert!(
        compare
            .stdout
            .contains("\nFAIL jobs.expired.fraction: diff +"),
        "{}",
        compare.stdout
    );
    assert!(
        compare.stdout.contains("\nPASS drives.destroyed: diff +"),
        "{}",
        compare.stdout
    );
    // The failure is a diagnostic: standard error, with the exit code 3.
    assert!(
        compare.stderr.starts_with("error: 1 of 2 guards failed"),
        "{}",
        compare.stderr
    );
}

/// The compare table said "68 of 102 metrics significant" and showed 22
/// rows; the count in its footer is now the number of rows marked `*`, and
/// each is a significant row of compare.csv.
#[test]
fn compare_table_hides_which_metrics_moved() {
    let compare = printed(&[
        "compare",
        &data_arg("compare_small.toml"),
        "--candidate",
        "policy.creating_timeout=7d",
    ]);
    assert_eq!(compare.code, Some(0), "{}", compare.stderr);
    let significant: Vec<String> = read_rows(&compare.dir.join("compare.csv"))
        .iter()
        .filter(|row| row.bool("significant"))
        .map(|row| row.get("metric").to_string())
        .collect();
    assert!(significant.len() > 22, "{} moved", significant.len());
    let marked: Vec<&str> = compare
        .stdout
        .lines()
        .filter(|line| line.ends_with(" *"))
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(marked, significant, "{}", compare.stdout);
    let footer = format!("{} of ", significant.len());
    assert!(
        compare
            .stdout
            .lines()
            .any(|line| line.starts_with(&footer) && line.contains(" metrics moved")),
        "{}",
        compare.stdout
    );
}

/// Utilisation read 70.1% in the run summary and 0.705 in the sweep table.
/// The same mean shows the same text in the run summary, the sweep table
/// and the compare table.
#[test]
fn utilisation_shown_as_a_percentage_in_one_place_and_a_fraction_in_another() {
    let scenario = data_arg("compare_small.toml");
    let run = printed(&["run", &scenario, "--replications", "2"]);
    let shown = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("copy utilisation: "))
        .unwrap_or_else(|| panic!("no utilisation in {}", run.stdout))
        .to_string();
    assert!(shown.ends_with('%'), "{shown}");
    let percent: f64 = shown.trim_end_matches('%').parse().unwrap();
    let mean: f64 = read_rows(&run.dir.join("summary.csv"))
        .iter()
        .find(|row| row.get("metric") == "copy.utilisation")
        .unwrap()
        .get("mean")
        .parse()
        .unwrap();
    // Four significant digits of the mean, as a percentage.
    assert!(
        (percent - 100.0 * mean).abs() <= 0.005,
        "{shown} for {mean}"
    );

    let sweep = printed(&[
        "sweep",
        &scenario,
        "--replications",
        "2",
        "--vary",
        "datacenter.copy_setup=30m",
    ]);
    let point = sweep.stdout.lines().nth(1).unwrap();
    assert!(point.ends_with(&format!("  {shown}")), "{point} vs {shown}");

    let compare = printed(&[
        "compare",
        &scenario,
        "--replications",
        "2",
        "--candidate",
        "policy.creating_timeout=14d",
    ]);
    let row = compare
        .stdout
        .lines()
        .find(|line| line.starts_with("copy.utilisation "))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1], shown, "{row}");
    assert_eq!(cells[3], "+0", "{row}");
}

// ----- --json -----------------------------------------------------------------

pub fn summary_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/summary.schema.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("a valid schema")
}

#[track_caller]
fn json_of(printed: &Printed) -> Value {
    assert!(printed.code.is_some(), "the binary ended by a signal");
    let value: Value = serde_json::from_str(&printed.stdout).unwrap_or_else(|err| {
        panic!(
            "standard output is not one JSON document: {err}\n{}",
            printed.stdout
        )
    });
    let errors: Vec<String> = summary_validator()
        .iter_errors(&value)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    value
}

/// A file's number and the document's, as the same `f64`.
#[track_caller]
fn assert_same_number(text: &str, json: &Value, what: &str) {
    if text.is_empty() {
        assert!(json.is_null(), "{what}: file empty, JSON {json}");
    } else {
        let file: f64 = text.parse().unwrap();
        let document = json.as_f64().unwrap_or_else(|| panic!("{what}: {json}"));
        assert_eq!(
            file.to_bits(),
            document.to_bits(),
            "{what}: {text} vs {json}"
        );
    }
}

/// `--json` gives a machine the summary, in the documented shape, with the
/// very values of the files.
#[test]
fn json_summaries_match_their_files_and_schema() {
    let run = printed(&[
        "run",
        &data_arg("reps_small.toml"),
        "--replications",
        "3",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let document = json_of(&run);
    assert_eq!(document["command"], "run");
    assert_eq!(document["scenario"], "reps_small");
    assert_eq!(document["replications"], 3);
    assert_eq!(document["out"], run.dir.to_str().unwrap());
    let summary: Vec<Row> = read_rows(&run.dir.join("summary.csv"));
    let metrics = document["metrics"].as_object().unwrap();
    // serde_json's map sorts keys, so the order is checked on the text.
    let positions: Vec<usize> = summary
        .iter()
        .map(|row| {
            let key = format!("\"{}\": {{", row.get("metric"));
            run.stdout.find(&key).unwrap_or_else(|| panic!("no {key}"))
        })
        .collect();
    assert!(positions.is_sorted(), "metrics in summary.csv order");
    assert_eq!(metrics.len(), summary.len());
    for row in &summary {
        let metric = &metrics[row.get("metric")];
        for column in ["mean", "stddev", "ci95_low", "ci95_high"] {
            assert_same_number(row.get(column), &metric[column], row.get("metric"));
        }
        assert_eq!(metric["n"].as_u64(), Some(row.u64("n")));
    }
    assert_eq!(metrics["jobs.total"]["unit"], "count");
    assert!(
        metrics["jobs.total"]["mean"].is_u64(),
        "a count is an integer"
    );
    assert_eq!(metrics["copy.utilisation"]["unit"], "fraction");
    assert_eq!(metrics["end_to_end_days.p90"]["unit"], "days");

    let sweep = printed(&[
        "sweep",
        &data_arg("reps_small.toml"),
        "--vary",
        "datacenter.copy_stations=30,40",
        "--json",
        "--quiet",
    ]);
    assert_eq!(sweep.code, Some(0), "{}", sweep.stderr);
    let document = json_of(&sweep);
    assert_eq!(
        document["keys"],
        serde_json::json!(["datacenter.copy_stations"])
    );
    let points = document["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!(points[1]["values"]["datacenter.copy_stations"], "40");
    for row in read_rows(&sweep.dir.join("sweep.csv")) {
        let index = usize::from(row.get("datacenter.copy_stations") == "40");
        let metric = &points[index]["metrics"][row.get("metric")];
        assert_same_number(row.get("value"), &metric["mean"], row.get("metric"));
    }

    let tmp = TempDir::new().unwrap();
    let compare = printed(&[
        "compare",
        &data_arg("compare_small.toml"),
        "--candidate",
        "policy.creating_timeout=7d",
        "--guard",
        &guard_file(&tmp),
        "--json",
    ]);
    assert_eq!(
        compare.code,
        Some(3),
        "the exit code still says a guard failed"
    );
    let document = json_of(&compare);
    assert_eq!(document["guards_passed"], false);
    let guards = document["guards"].as_array().unwrap();
    assert_eq!(guards[0]["metric"], "jobs.expired.fraction");
    assert_eq!(guards[0]["result"], "fail");
    assert_eq!(guards[1]["result"], "pass");
    for row in read_rows(&compare.dir.join("compare.csv")) {
        let metric = &document["metrics"][row.get("metric")];
        for column in [
            "baseline_mean",
            "candidate_mean",
            "diff_mean",
            "diff_ci95_low",
            "diff_ci95_high",
        ] {
            assert_same_number(row.get(column), &metric[column], row.get("metric"));
        }
        assert_eq!(
            metric["significant"].as_bool(),
            Some(row.bool("significant"))
        );
    }
    for (guard, row) in guards
        .iter()
        .zip(read_rows(&compare.dir.join("compare.guards.csv")))
    {
        assert_eq!(guard["result"].as_str(), Some(row.get("result")));
        assert_same_number(row.get("allowed"), &guard["allowed"], "allowed");
    }
}

// ----- closed pipes -------------------------------------------------------------

/// Which standard stream a test closes.
#[derive(Clone, Copy)]
enum Closed {
    Stdout,
    Stderr,
}

/// Runs the binary with standard output or error a pipe whose reading end
/// is already closed (a reader that has gone, like `| true`), and returns
/// its exit code and what it wrote on the other stream.
fn with_closed(closed: Closed, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut command = binary();
    command.args(args).stdin(Stdio::null());
    match closed {
        Closed::Stdout => command.stdout(writer).stderr(Stdio::piped()),
        Closed::Stderr => command.stderr(writer).stdout(Stdio::piped()),
    };
    let output = command.output().expect("the binary runs");
    let other = match closed {
        Closed::Stdout => &output.stderr,
        Closed::Stderr => &output.stdout,
    };
    (
        output.status.code(),
        String::from_utf8_lossy(other).into_owned(),
    )
}

/// `impexsim validate scenarios/baseline.toml | true` exited 101 with a
/// panic: a closed standard output is not a crash.
#[test]
fn closed_pipes_panic() {
    let (code, stderr) = with_closed(Closed::Stdout, &["validate", "scenarios/baseline.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_no_panic(&stderr);

    // A bad file still says so on standard error, and exits 2.
    let (code, stderr) = with_closed(
        Closed::Stdout,
        &[
            "validate",
            "scenarios/baseline.toml",
            "--set",
            "datacenter.copy_stations=0",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("copy_stations"), "{stderr}");

    for args in [&["--help"][..], &["run", "--help"], &["--version"]] {
        let (code, stderr) = with_closed(Closed::Stdout, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_no_panic(&stderr);
    }
}

/// `impexsim compare --guard ... | true` wrote its outputs, then exited 101
/// instead of 3: the exit code is the verdict's, whatever became of the reader.
#[test]
fn closed_pipe_keeps_the_guard_exit_code() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let guards = guard_file(&tmp);
    let args = [
        "compare",
        &data_arg("compare_small.toml"),
        "--candidate",
        "policy.creating_timeout=7d",
        "--guard",
        &guards,
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, stderr) = with_closed(Closed::Stdout, &args);
    assert_eq!(code, Some(3), "{stderr}");
    assert_no_panic(&stderr);
    assert!(stderr.contains("1 of 2 guards failed"), "{stderr}");
    assert!(out.join("compare.guards.csv").is_file());

    // With --json too, and with standard error closed as well as output.
    let json_out = tmp.path().join("json");
    let mut json_args = args.to_vec();
    json_args[7] = json_out.to_str().unwrap();
    json_args.push("--json");
    let (code, stderr) = with_closed(Closed::Stdout, &json_args);
    assert_eq!(code, Some(3), "{stderr}");
    assert_no_panic(&stderr);
}

/// `run` without `--quiet` exited 101 when standard error was a closed pipe.
#[test]
fn closed_standard_error_does_not_stop_a_run() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let scenario = data_arg("reps_small.toml");
    let (code, stdout) = with_closed(
        Closed::Stderr,
        &[
            "run",
            &scenario,
            "--set",
            "simulation.warmup=-1d",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    // A bad override: the message is lost with standard error, the exit code is not.
    assert_eq!(code, Some(2), "{stdout}");
    let (code, stdout) = with_closed(
        Closed::Stderr,
        &[
            "run",
            &scenario,
            "--replications",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0));
    assert!(stdout.contains("; results in "), "{stdout}");
    assert!(out.join("summary.csv").is_file());
}

/// `calls --out -` into a reader that has gone reported `Broken pipe` and
/// exited 1: the reader is done, so the command stops quietly (exit 0),
/// as a filter such as ripgrep does.
#[test]
fn calls_into_a_closed_pipe_stop_quietly() {
    let (code, stderr) = with_closed(
        Closed::Stdout,
        &["calls", &data_arg("reps_small.toml"), "--out", "-"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "", "nothing to report");
}
