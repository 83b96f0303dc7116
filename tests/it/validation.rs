//! Validation is the one gate (issue 10): inputs that ran away with the
//! machine, values that passed validation and crashed or saturated later,
//! and what the messages echo. Every rejection is exit 2 with a message that
//! names the key (or option) and the bound, and leaves nothing on disk.

use std::fs;

use tempfile::TempDir;

use impexsim::scenario::{MAX_POLLS_PER_JOB, Scenario};

use crate::{data_arg, entries, invoke, invoke_ok};

/// Runs `impexsim <args> --out <fresh>/out --quiet`, expects exit 2 with
/// every needle on standard error, no panic, and nothing written.
#[track_caller]
fn check_bad_input(args: &[&str], needles: &[&str]) -> String {
    let failed = invoke(args);
    assert_eq!(
        failed.code,
        Some(2),
        "impexsim {args:?}:\n{}",
        failed.stderr
    );
    for marker in ["panicked", "stack backtrace"] {
        assert!(!failed.stderr.contains(marker), "{}", failed.stderr);
    }
    for needle in needles {
        assert!(
            failed.stderr.contains(needle),
            "impexsim {args:?}: {:?} lacks {needle:?}",
            failed.stderr
        );
    }
    assert_eq!(
        entries(failed.root()),
        Vec::<String>::new(),
        "{args:?} wrote something"
    );
    failed.stderr
}

#[test]
fn runaway_inputs_are_bad_input_naming_the_key_and_the_bound() {
    // Each of these took gigabytes or aborted before it was bounded.
    check_bad_input(
        &[
            "run",
            "--set",
            "arrivals.jobs_per_day=1e7",
            "--set",
            "simulation.horizon=1d",
        ],
        &[
            "arrivals.jobs_per_day: 10,004,008 expected jobs",
            "expected at most 2,000,000",
        ],
    );
    check_bad_input(
        &["run", "--replications", "4294967295"],
        &[
            "--replications",
            "expected an integer within [1, 10000], got \"4294967295\"",
        ],
    );
    check_bad_input(
        &[
            "compare",
            "--candidate",
            "policy.creating_timeout=7d",
            "--replications",
            "10001",
        ],
        &["--replications", "[1, 10000]"],
    );
    check_bad_input(
        &["calls", "--set", "customer.poll_interval=1ms"],
        &["customer.poll_interval: expected at least 1s, got 1ms"],
    );
    check_bad_input(
        &["calls", "--set", "customer.poll_interval=1m"],
        &[
            "customer.poll_interval: up to",
            "Get Job polls a job",
            "at most 100,000",
        ],
    );
    check_bad_input(
        &["run", "--set", "simulation.horizon=10000000d"],
        &["simulation.horizon: expected at most 36500d (100 years)"],
    );
    check_bad_input(
        &["sweep", "--vary", "simulation.replications=1,20000"],
        &["simulation.replications: expected at most 10000 replications, got 20000"],
    );
}

#[test]
fn values_that_crashed_after_validation_are_bad_input() {
    // A zero throughput panicked in the engine (exit 101); 1e308 TB
    // saturated the byte count so that no copy ever finished.
    check_bad_input(
        &[
            "run",
            "--set",
            "datacenter.copy_throughput_mb_s={ dist = \"empirical\", values = [0, 100], weights = [1, 0] }",
        ],
        &["datacenter.copy_throughput_mb_s: empirical: `values`: every value must be positive"],
    );
    check_bad_input(
        &[
            "run",
            "--set",
            "datacenter.copy_throughput_mb_s={ dist = \"exponential\", mean = 1e-310 }",
        ],
        &["datacenter.copy_throughput_mb_s: exponential: half of the draws would be"],
    );
    check_bad_input(
        &["run", "--set", "arrivals.data_per_drive_tb=1e308"],
        &[
            "arrivals.data_per_drive_tb: draws reach 1e308 TB",
            "at most 1000000 TB",
        ],
    );
    check_bad_input(
        &["run", "--set", "policy.max_drives_per_job=300"],
        &["policy.max_drives_per_job: expected at most 10"],
    );
}

#[test]
fn seed_of_two_to_the_63_names_the_seed_option() {
    // It failed with a message about `--set simulation.seed`, never typed.
    let quiet = data_arg("quiet.toml");
    for command in ["run", "fixtures", "calls"] {
        let stderr = check_bad_input(
            &[command, &quiet, "--seed", "9223372036854775808"],
            &[
                "--seed",
                "expected an integer within [0, 9223372036854775807]",
            ],
        );
        assert!(!stderr.contains("--set"), "{stderr}");
    }
    let stderr = check_bad_input(
        &[
            "sweep",
            &quiet,
            "--vary",
            "datacenter.copy_stations=1,2",
            "--seed",
            "18446744073709551615",
        ],
        &["--seed"],
    );
    assert!(!stderr.contains("--set"), "{stderr}");
    // The largest seed a scenario file can hold runs, and run.json says so.
    let ok = invoke_ok(&["run", &quiet, "--seed", "9223372036854775807"]);
    let info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ok.dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(info["seed"], serde_json::json!(9223372036854775807_u64));
    assert_eq!(
        info["resolved_scenario"]["simulation"]["seed"],
        serde_json::json!(9223372036854775807_u64)
    );
}

#[test]
fn timestamps_past_year_9999_are_bad_input() {
    // They were written as `10000-01-05T...`, which is not RFC 3339.
    check_bad_input(
        &["run", "--set", "simulation.start=9999-06-01T00:00:00Z"],
        &[
            "simulation.start: the run's latest timestamp",
            "is past 9999-12-31T23:59:59.999Z",
        ],
    );
    check_bad_input(
        &[
            "run",
            &data_arg("quiet.toml"),
            "--set",
            "policy.retention=3000000d",
        ],
        &["policy.retention:", "+10240-11-10T00:00:00Z"],
    );
}

#[test]
fn unquoted_toml_datetime_is_a_string_in_run_json() {
    // run.json showed {"$__toml_private_datetime": "2026-01-05T00:00:00Z"}.
    let tmp = TempDir::new().unwrap();
    let quiet = fs::read_to_string(crate::data("quiet.toml")).unwrap();
    let unquoted = quiet.replace(
        "start = \"2026-01-05T00:00:00Z\"",
        "start = 2026-01-05T00:00:00Z",
    );
    assert_ne!(quiet, unquoted, "quiet.toml no longer quotes its start");
    let path = tmp.path().join("unquoted.toml");
    fs::write(&path, unquoted).unwrap();
    let ok = invoke_ok(&["run", path.to_str().unwrap()]);
    let info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ok.dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(
        info["resolved_scenario"]["simulation"]["start"],
        serde_json::json!("2026-01-05T00:00:00Z")
    );
}

#[test]
fn fixtures_jobs_zero_is_bad_input() {
    // It succeeded and wrote nothing.
    check_bad_input(
        &["fixtures", &data_arg("quiet.toml"), "--jobs", "0"],
        &["--jobs", "expected a positive integer, got \"0\""],
    );
    let ok = invoke_ok(&["fixtures", &data_arg("quiet.toml"), "--jobs", "1"]);
    assert!(ok.dir.join("index.csv").exists());
}

#[test]
fn long_values_are_cut_in_messages() {
    // One argument can hold 128 KiB.
    let long = "z".repeat(100_000);
    for set in [
        format!("simulation.replications={long}"),
        format!("policy.{long}=1d"),
        format!("customer.ship_delay={{ dist = \"{long}\" }}"),
    ] {
        let stderr = check_bad_input(&["run", "--set", &set], &["(100"]);
        assert!(
            stderr.len() < 1_000,
            "{} bytes: {}",
            stderr.len(),
            &stderr[..1_000]
        );
    }
}

/// The bounds rest on `Workload`: its expected jobs must match what a run
/// creates, and its polls must bound what `calls` writes.
#[test]
fn workload_estimates_match_a_run() {
    let overrides: Vec<String> = [
        "simulation.horizon=60d",
        "simulation.drain_limit=120d",
        "customer.poll_interval=12h",
    ]
    .iter()
    .map(|text| text.to_string())
    .collect();
    let scenario = Scenario::from_overrides(&overrides).unwrap();
    let workload = scenario.workload();
    // 20 jobs a day for 60 days, and the baseline's few follow-ups.
    assert!((workload.root_jobs - 1200.0).abs() < 1e-9, "{workload:?}");
    let mut args = vec!["calls".to_string()];
    for set in &overrides {
        args.extend(["--set".to_string(), set.clone()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ok = invoke_ok(&args);
    let text = fs::read_to_string(&ok.dir).unwrap();
    let mut jobs = std::collections::BTreeSet::new();
    let mut polls = 0_u64;
    for line in text.lines() {
        let call: serde_json::Value = serde_json::from_str(line).unwrap();
        jobs.insert(call["job"].as_str().unwrap().to_string());
        if call["method"] == "GET" {
            polls += 1;
        }
    }
    // The number of Poisson arrivals has sd sqrt(1200) = 35: four of them.
    let created = jobs.len() as f64;
    assert!(
        (created - workload.jobs).abs() <= 4.0 * workload.jobs.sqrt(),
        "{created} jobs, expected {} +- {}",
        workload.jobs,
        4.0 * workload.jobs.sqrt()
    );
    // An upper bound on the mean polls a job: 1 + (30d + 120d + 90d) / 12h.
    assert_eq!(workload.polls_per_job, 481.0);
    assert!(workload.polls_per_job <= MAX_POLLS_PER_JOB);
    assert!(
        polls as f64 <= created * workload.polls_per_job,
        "{polls} polls of {created} jobs, bound {}",
        workload.polls_per_job
    );
}
