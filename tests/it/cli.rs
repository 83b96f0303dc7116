//! The command line and the output directory (README, Exit codes): exit codes,
//! error messages that name what the user typed, and no half-written output.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::{data, days, entries, hours, impexsim, invoke, read_header, read_rows, start};

/// What a failed command printed and returned.
struct Failure {
    code: Option<i32>,
    stderr: String,
}

/// Runs `impexsim <args>` with `--out` inside a fresh directory and checks
/// that the failure left nothing behind in that directory.
#[track_caller]
fn run_failing(args: &[&str]) -> Failure {
    let failed = invoke(args);
    let failure = Failure {
        code: failed.code,
        stderr: failed.stderr.clone(),
    };
    let out = &failed.dir;
    assert_ne!(failure.code, Some(0), "impexsim {args:?} succeeded");
    assert_no_panic(&failure.stderr);
    // README, Exit codes: a failed run leaves no output directory behind.
    assert!(
        !out.exists(),
        "impexsim {args:?} left {} behind",
        out.display()
    );
    assert_eq!(
        entries(failed.root()),
        Vec::<String>::new(),
        "impexsim {args:?} left files next to the output directory"
    );
    failure
}

/// README, Exit codes: every error is one message on standard error with its
/// cause chain, never a panic or a backtrace.
#[track_caller]
fn assert_no_panic(stderr: &str) {
    for marker in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(
            !stderr.contains(marker),
            "a panic reached the user:\n{stderr}"
        );
    }
    assert!(!stderr.trim().is_empty(), "a failure with no message");
}

/// True when `stderr` names line `line` (`line 3`, `:3:` or `:3,`).
fn names_line(stderr: &str, line: u32) -> bool {
    [
        format!("line {line}"),
        format!(":{line}:"),
        format!(":{line},"),
    ]
    .iter()
    .any(|pattern| stderr.contains(pattern.as_str()))
}

/// A scenario file written into a temporary directory.
struct BadScenario {
    _tmp: TempDir,
    path: PathBuf,
}

fn bad_scenario(file_name: &str, text: &str) -> BadScenario {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join(file_name);
    fs::write(&path, text).unwrap();
    BadScenario { _tmp: tmp, path }
}

/// Checks one bad scenario file with both `run` and `validate`: exit code 2
/// and a message that names the file, the line and each of `words`.
#[track_caller]
fn check_bad_file(file_name: &str, text: &str, line: Option<u32>, words: &[&str]) {
    let scenario = bad_scenario(file_name, text);
    let path = scenario.path.to_str().unwrap();

    let failure = run_failing(&["run", path]);
    assert_eq!(failure.code, Some(2), "run {file_name}: {}", failure.stderr);
    check_message(file_name, &failure.stderr, line, words);

    let output = impexsim().args(["validate", path]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "validate {file_name}: {stderr}"
    );
    assert_no_panic(&stderr);
    check_message(file_name, &stderr, line, words);
}

#[track_caller]
fn check_message(file_name: &str, stderr: &str, line: Option<u32>, words: &[&str]) {
    assert!(
        stderr.contains(file_name),
        "the message does not name {file_name}:\n{stderr}"
    );
    if let Some(line) = line {
        assert!(
            names_line(stderr, line),
            "the message does not name line {line}:\n{stderr}"
        );
    }
    for word in words {
        assert!(
            stderr.contains(word),
            "the message does not name `{word}`:\n{stderr}"
        );
    }
}

// ---------------------------------------------------------------------------
// Bad input: exit code 2 (README, Exit codes).

#[test]
fn malformed_toml_is_bad_input() {
    check_bad_file(
        "malformed.toml",
        "[simulation]\nname = \"broken\"\nhorizon = \n",
        Some(3),
        &[],
    );
}

#[test]
fn unknown_key_is_bad_input() {
    check_bad_file(
        "unknown_key.toml",
        "[customer]\nabandon_probabilty = 0.1\n",
        Some(2),
        &["abandon_probabilty"],
    );
}

#[test]
fn unknown_section_is_bad_input() {
    check_bad_file(
        "unknown_section.toml",
        "[simulation]\nseed = 3\n\n[warehouse]\nshelves = 4\n",
        Some(4),
        &["warehouse"],
    );
}

#[test]
fn wrong_type_is_bad_input() {
    check_bad_file(
        "wrong_type.toml",
        "# copy stations are a count\n[datacenter]\ncopy_stations = \"many\"\n",
        Some(3),
        &["copy_stations"],
    );
}

#[test]
fn probability_above_one_is_bad_input() {
    check_bad_file(
        "probability.toml",
        "[customer]\ncancel_probability = 1.5\n",
        Some(2),
        &["cancel_probability"],
    );
}

#[test]
fn negative_duration_is_bad_input() {
    check_bad_file(
        "negative.toml",
        "[policy]\nretention = \"-1d\"\n",
        Some(2),
        &["retention"],
    );
}

#[test]
fn zero_policy_duration_is_bad_input() {
    // docs/model.md, Scenario files: every [policy] duration must be positive.
    check_bad_file(
        "zero_timeout.toml",
        "[policy]\ncreating_timeout = \"0s\"\n",
        Some(2),
        &["creating_timeout"],
    );
}

#[test]
fn uniform_with_max_below_min_is_bad_input() {
    check_bad_file(
        "max_below_min.toml",
        "[datacenter]\nreceive_lag = { dist = \"uniform\", min = \"3d\", max = \"1d\" }\n",
        Some(2),
        &["receive_lag"],
    );
}

#[test]
fn cancellable_state_outside_the_allowed_ones_is_bad_input() {
    // Its states must be among Creating, Shipping, Received, Transferring
    // (`impexsim scenario show`, policy.cancellable_states); `Packaging` is a job state but not one of those.
    check_bad_file(
        "cancellable.toml",
        "[policy]\ncancellable_states = [\"Creating\", \"Packaging\"]\n",
        Some(2),
        &["cancellable_states"],
    );
    check_bad_file(
        "not_a_state.toml",
        "[policy]\ncancellable_states = [\"Shipped\"]\n",
        Some(2),
        &["cancellable_states"],
    );
}

#[test]
fn zero_replications_in_a_file_is_bad_input() {
    check_bad_file(
        "zero_replications.toml",
        "[simulation]\nreplications = 0\n",
        Some(2),
        &["replications"],
    );
}

#[test]
fn missing_trace_file_is_bad_input() {
    check_bad_file(
        "with_trace.toml",
        "[arrivals]\nprocess = \"trace\"\ntrace = \"no_such_arrivals.csv\"\n",
        None,
        &["no_such_arrivals.csv"],
    );
}

#[test]
fn missing_scenario_file_is_bad_input() {
    let missing = data("no_such_scenario.toml");
    let missing = missing.to_str().unwrap();
    let failure = run_failing(&["run", missing]);
    assert_eq!(failure.code, Some(2), "{}", failure.stderr);
    assert!(
        failure.stderr.contains("no_such_scenario.toml"),
        "{}",
        failure.stderr
    );

    let output = impexsim().args(["validate", missing]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bad_set_key_is_bad_input() {
    let quiet = data("quiet.toml");
    let quiet = quiet.to_str().unwrap();
    let failure = run_failing(&["run", quiet, "--set", "policy.no_such_key=3"]);
    assert_eq!(failure.code, Some(2), "{}", failure.stderr);
    assert!(failure.stderr.contains("no_such_key"), "{}", failure.stderr);

    let failure = run_failing(&["run", quiet, "--set", "nowhere.creating_timeout=3d"]);
    assert_eq!(failure.code, Some(2), "{}", failure.stderr);
    assert!(failure.stderr.contains("nowhere"), "{}", failure.stderr);
}

#[test]
fn bad_set_value_is_bad_input() {
    let quiet = data("quiet.toml");
    let quiet = quiet.to_str().unwrap();
    for (set, key) in [
        ("policy.creating_timeout=banana", "creating_timeout"),
        ("customer.cancel_probability=1.5", "cancel_probability"),
        ("datacenter.copy_stations=-4", "copy_stations"),
        ("arrivals.jobs_per_day=lots", "jobs_per_day"),
    ] {
        let failure = run_failing(&["run", quiet, "--set", set]);
        assert_eq!(failure.code, Some(2), "--set {set}: {}", failure.stderr);
        assert!(
            failure.stderr.contains(key),
            "--set {set}: {}",
            failure.stderr
        );
    }
}

#[test]
fn set_without_equals_is_bad_input() {
    let quiet = data("quiet.toml");
    let failure = run_failing(&[
        "run",
        quiet.to_str().unwrap(),
        "--set",
        "policy.creating_timeout",
    ]);
    assert_eq!(failure.code, Some(2), "{}", failure.stderr);
}

#[test]
fn zero_replications_on_the_command_line_is_bad_input() {
    let quiet = data("quiet.toml");
    let failure = run_failing(&["run", quiet.to_str().unwrap(), "--replications", "0"]);
    assert_eq!(failure.code, Some(2), "{}", failure.stderr);
}

#[test]
fn unknown_subcommand_and_option_are_bad_input() {
    let output = impexsim().arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let failure = run_failing(&["run", "--no-such-option"]);
    assert_eq!(failure.code, Some(2), "{}", failure.stderr);
}

// ---------------------------------------------------------------------------
// I/O failure: exit code 1.

/// README, Exit codes: 1 for any other failure (an unwritable output directory ...).
#[test]
fn unwritable_output_directory_is_an_io_failure() {
    let tmp = TempDir::new().unwrap();
    let blocker = tmp.path().join("blocker");
    fs::write(&blocker, "a regular file where a directory should be\n").unwrap();
    let out = blocker.join("out");
    let output = impexsim()
        .args([
            "run",
            data("quiet.toml").to_str().unwrap(),
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_no_panic(&stderr);
    assert!(
        stderr.contains("blocker"),
        "the message does not name the path:\n{stderr}"
    );
    assert_eq!(
        entries(tmp.path()),
        ["blocker"],
        "something was left behind"
    );
    assert_eq!(
        fs::read_to_string(&blocker).unwrap(),
        "a regular file where a directory should be\n"
    );
}

// ---------------------------------------------------------------------------
// Success paths.

/// Issue 10: `impexsim validate scenarios/*.toml` failed because a guard
/// file lived among the scenarios. Every `.toml` in `scenarios/` (and in
/// `tests/data/`) is a scenario now, with no file left out; guard files
/// live in `guards/` (and `tests/data/guards/`).
#[test]
fn validate_scenarios_glob_meets_no_guard_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["scenarios", "tests/data"] {
        let mut files: Vec<PathBuf> = fs::read_dir(root.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no scenario in {folder}");
        for file in &files {
            let output = impexsim().arg("validate").arg(file).output().unwrap();
            assert!(
                output.status.success(),
                "validate {}: {}",
                file.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        // Several files at once.
        let output = impexsim().arg("validate").args(&files).output().unwrap();
        assert!(output.status.success(), "validate {folder}/*.toml");
    }
}

#[test]
fn validate_fails_when_any_file_is_bad() {
    let bad = bad_scenario("bad.toml", "[customer]\ncancel_probability = 2\n");
    let output = impexsim()
        .arg("validate")
        .arg(data("quiet.toml"))
        .arg(&bad.path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad.toml"));
}

/// README, Outputs: the output directory holds exactly the five files, with the
/// contract's columns first, in order.
#[test]
fn output_directory_holds_the_contract_files_and_columns() {
    let out = crate::run_scenario("quiet.toml", &[]);
    assert_eq!(
        entries(&out.dir),
        [
            "drives.csv",
            "jobs.csv",
            "run.json",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    let contract: [(&str, &[&str]); 4] = [
        (
            "jobs.csv",
            &[
                "replication",
                "job",
                "job_type",
                "drives",
                "extra_drives",
                "outcome",
                "cancelled",
                "faults",
                "created_at",
                "shipping_at",
                "received_at",
                "transferring_at",
                "packaging_at",
                "finished_at",
                "deleted_at",
                "deletion_reason",
                "end_to_end_days",
                "events",
            ],
        ),
        (
            "drives.csv",
            &[
                "replication",
                "job",
                "drive",
                "extra",
                "final_state",
                "disposition",
                "data_bytes",
                "bytes_succeeded",
                "copy_outcome",
                "arrived_at",
                "received_at",
                "copy_start_at",
                "copy_end_at",
                "shipped_back_at",
                "destroyed_at",
                "queued_at",
            ],
        ),
        ("summary.csv", &["metric", "value"]),
        (
            "timeseries.csv",
            &[
                "replication",
                "day",
                "time",
                "creating",
                "shipping",
                "received",
                "transferring",
                "packaging",
                "faulted",
                "drives_on_site",
                "receiving_queue",
                "copy_queue",
                "packaging_queue",
                "receiving_busy",
                "copy_busy",
                "packaging_busy",
            ],
        ),
    ];
    for (file, columns) in contract {
        let header = read_header(&out.dir.join(file));
        assert!(
            header.len() >= columns.len() && header[..columns.len()] == *columns,
            "{file} header {header:?}"
        );
    }
    let run_json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.dir.join("run.json")).unwrap()).unwrap();
    assert!(run_json.is_object(), "{run_json}");
}

/// README, Outputs: `--trace` writes `events.csv`, every transition; the happy
/// path's job transitions at the hand-computed instants.
#[test]
fn trace_writes_every_job_transition() {
    let out = crate::run_scenario("quiet.toml", &["--trace"]);
    let path = out.dir.join("events.csv");
    assert_eq!(
        read_header(&path)[..8],
        [
            "time",
            "replication",
            "job",
            "drive",
            "entity",
            "from",
            "to",
            "cause"
        ]
    );
    let rows = read_rows(&path);
    let job_states = [
        "Creating",
        "Shipping",
        "Received",
        "Transferring",
        "Packaging",
        "Completed",
        "Closed",
        "Faulted",
    ];
    let job_transitions: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r.get("drive").is_empty() && job_states.contains(&r.get("to")))
        .map(|r| (r.get("time").to_string(), r.get("to").to_string()))
        .collect();
    // Creation may or may not be written as a transition into Creating.
    let after_creation: Vec<_> = job_transitions
        .iter()
        .filter(|(_, to)| to != "Creating")
        .map(|(time, to)| (crate::parse_time(time), to.as_str()))
        .collect();
    // quiet.toml by hand: shipping 2d, received 2d + 2d + 1d + 1h, queued 2d
    // later, copy 30m + 10000s, packaging 1h.
    let shipping = start() + days(2);
    let received = shipping + days(3) + hours(1);
    let transferring = received + days(2);
    let packaging = transferring + crate::minutes(30) + crate::seconds(10_000);
    let completed = packaging + hours(1);
    assert_eq!(
        after_creation,
        [
            (shipping, "Shipping"),
            (received, "Received"),
            (transferring, "Transferring"),
            (packaging, "Packaging"),
            (completed, "Completed"),
        ]
    );
    // Each drive: Specified -> Received -> Transferring -> Completed -> ShippedBack.
    let drive_rows = rows
        .iter()
        .filter(|r| !r.get("drive").is_empty() && r.get("to") != "Specified")
        .count();
    assert_eq!(drive_rows, 2 * 4, "drive transitions");
}

#[test]
fn no_trace_without_the_flag() {
    let out = crate::run_scenario("quiet.toml", &[]);
    assert!(!out.dir.join("events.csv").exists());
}
