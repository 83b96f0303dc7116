//! Tests of scenario loading: merging, overrides, validation messages,
//! traces and the shipped scenario files.

use super::file::ScenarioFile;
use super::spans::{key_from_line, line_column};
use super::*;
use crate::dist::DistKind;
use crate::time::MS_PER_DAY;

fn days(n: i64) -> SimDuration {
    SimDuration::from_days(n)
}

fn sets(overrides: &[&str]) -> Vec<String> {
    overrides.iter().map(|text| text.to_string()).collect()
}

/// Builds a scenario from file text named `x.toml` plus overrides.
fn from_text(text: &str, overrides: &[&str]) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml(text, "x.toml", None, &sets(overrides))
}

/// Asserts that the scenario fails with a message containing every needle.
fn check_error(text: &str, overrides: &[&str], needles: &[&str]) {
    let message = match from_text(text, overrides) {
        Ok(_) => panic!("expected an error for {text:?} {overrides:?}"),
        Err(error) => error.to_string(),
    };
    for needle in needles {
        assert!(
            message.contains(needle),
            "message {message:?} lacks {needle:?} (input {text:?} {overrides:?})"
        );
    }
}

#[test]
fn baseline_has_the_spec_values() {
    let scenario = Scenario::baseline();
    let simulation = &scenario.simulation;
    assert_eq!(simulation.name, "baseline");
    assert_eq!(simulation.start.to_rfc3339(), "2026-01-05T00:00:00+00:00");
    assert_eq!(simulation.horizon, days(365));
    assert_eq!(simulation.warmup, SimDuration::ZERO);
    assert_eq!(simulation.drain_limit, days(400));
    assert_eq!((simulation.seed, simulation.replications), (1, 1));
    assert!(matches!(
        scenario.arrivals.process,
        ArrivalProcess::Poisson { jobs_per_day } if jobs_per_day == 20.0
    ));
    assert_eq!(scenario.arrivals.export_fraction.get(), 0.2);
    assert_eq!(
        scenario.arrivals.drives_per_job.dist().kind(),
        &DistKind::UniformInt { min: 1, max: 10 }
    );
    assert_eq!(scenario.arrivals.data_per_drive_tb.mean(), 8.5);
    assert_eq!(
        scenario.customer.ship_delay.dist().kind(),
        &DistKind::LogNormal {
            median: (3 * MS_PER_DAY) as f64,
            sigma: 0.8
        }
    );
    assert_eq!(scenario.customer.abandon_probability.get(), 0.03);
    assert_eq!(scenario.customer.response_delay.mean(), days(4));
    assert_eq!(scenario.shipping.lost_package_probability.get(), 0.005);
    assert_eq!(
        scenario.shipping.return_transit.mean(),
        SimDuration::from_hours(60)
    );
    assert_eq!(scenario.datacenter.receiving_staff, 4);
    assert_eq!(scenario.datacenter.copy_stations, 120);
    assert_eq!(scenario.datacenter.packaging_staff, 2);
    assert_eq!(
        scenario.datacenter.copy_setup.as_constant(),
        Some(SimDuration::from_minutes(30))
    );
    assert_eq!(
        scenario.datacenter.copy_throughput_mb_s.dist().kind(),
        &DistKind::Normal {
            mean: 120.0,
            sd: 20.0
        }
    );
    assert_eq!(
        scenario.datacenter.receive_time.mean(),
        SimDuration::from_minutes(30)
    );
    let policy = &scenario.policy;
    assert_eq!(policy.creating_timeout, days(14));
    assert_eq!(policy.shipping_timeout, days(14));
    assert_eq!(policy.shipping_extension, days(14));
    assert_eq!(policy.customer_response_window, days(30));
    assert_eq!(policy.orphan_contact_window, days(14));
    assert_eq!(policy.disposal_after, days(90));
    assert_eq!(policy.retention, days(90));
    assert_eq!(
        policy.cancellable_states,
        vec![JobState::Creating, JobState::Shipping]
    );
    assert_eq!(policy.max_drives_per_job, 10);
    assert!(scenario.warnings.is_empty());
    assert_eq!(scenario.horizon_end(), SimTime::ZERO + days(365));
    assert_eq!(scenario.run_end(), SimTime::ZERO + days(765));
}

#[test]
fn section_key_lists_match_the_baseline() {
    let baseline: toml::Table = toml::from_str(BASELINE_TOML).unwrap();
    let mut from_baseline: Vec<String> = baseline
        .iter()
        .flat_map(|(section, keys)| {
            let keys = keys.as_table().unwrap();
            keys.keys().map(move |key| format!("{section}.{key}"))
        })
        .collect();
    // The two keys the baseline leaves commented out.
    from_baseline.push("arrivals.count".to_string());
    from_baseline.push("arrivals.trace".to_string());
    from_baseline.sort();
    let mut listed: Vec<String> = SECTIONS
        .iter()
        .flat_map(|(section, keys)| keys.iter().map(move |key| format!("{section}.{key}")))
        .collect();
    listed.sort();
    assert_eq!(listed, from_baseline);
    // And the serde types accept every listed key (deny_unknown_fields
    // would reject one they lack).
    let mut all = baseline.clone();
    let arrivals = all.get_mut("arrivals").unwrap().as_table_mut().unwrap();
    arrivals.insert("count".into(), toml::Value::Integer(5));
    arrivals.insert("trace".into(), toml::Value::String("a.csv".into()));
    toml::Value::Table(all).try_into::<ScenarioFile>().unwrap();
}

#[test]
fn resolved_table_round_trips() {
    let scenario = from_text("", &["policy.creating_timeout=7d"]).unwrap();
    let text = toml::to_string(&scenario.resolved).unwrap();
    let again = from_text(&text, &[]).unwrap();
    assert_eq!(again.policy.creating_timeout, days(7));
    assert_eq!(again.resolved, scenario.resolved);
}

#[test]
fn partial_file_keeps_the_baseline_elsewhere() {
    let text = r#"
        [simulation]
        name = "short"
        horizon = "30d"

        [datacenter]
        copy_lag = { dist = "exponential", mean = "3d" }
        copy_stations = 60

        [policy]
        creating_timeout = "7d"
    "#;
    let scenario = from_text(text, &[]).unwrap();
    assert_eq!(scenario.simulation.name, "short");
    assert_eq!(scenario.simulation.horizon, days(30));
    assert_eq!(scenario.simulation.drain_limit, days(400));
    assert_eq!(scenario.datacenter.copy_stations, 60);
    assert_eq!(scenario.datacenter.receiving_staff, 4);
    assert_eq!(scenario.policy.creating_timeout, days(7));
    assert_eq!(scenario.policy.shipping_timeout, days(14));
    // The distribution is replaced wholesale, never merged with the
    // baseline's uniform { min, max }.
    assert_eq!(
        scenario.datacenter.copy_lag.dist().kind(),
        &DistKind::Exponential {
            mean: (3 * MS_PER_DAY) as f64
        }
    );
    let copy_lag = scenario.resolved["datacenter"]["copy_lag"]
        .as_table()
        .unwrap();
    assert_eq!(copy_lag.keys().collect::<Vec<_>>(), ["dist", "mean"]);
}

#[test]
fn set_overrides_of_each_kind() {
    let scenario = from_text(
        "[customer]\nabandon_probability = 0.1\n",
        &[
            "customer.abandon_probability=0.5",
            "policy.creating_timeout=7d",
            "policy.cancellable_states=[\"Creating\"]",
            "customer.ship_delay={ dist = \"exponential\", mean = \"2d\" }",
            "datacenter.copy_lag.max=5d",
            "simulation.name=my study",
            "simulation.start=2026-02-01T00:00:00Z",
            "datacenter.copy_stations = 90",
            "arrivals.jobs_per_day=25",
        ],
    )
    .unwrap();
    assert_eq!(scenario.customer.abandon_probability.get(), 0.5);
    assert_eq!(scenario.policy.creating_timeout, days(7));
    assert_eq!(scenario.policy.cancellable_states, vec![JobState::Creating]);
    assert_eq!(
        scenario.customer.ship_delay.dist().kind(),
        &DistKind::Exponential {
            mean: (2 * MS_PER_DAY) as f64
        }
    );
    assert_eq!(
        scenario.datacenter.copy_lag.dist().kind(),
        &DistKind::Uniform {
            min: (2 * MS_PER_DAY) as f64,
            max: (5 * MS_PER_DAY) as f64
        }
    );
    assert_eq!(scenario.simulation.name, "my study");
    assert_eq!(
        scenario.simulation.start.to_rfc3339(),
        "2026-02-01T00:00:00+00:00"
    );
    assert_eq!(scenario.datacenter.copy_stations, 90);
    assert!(matches!(
        scenario.arrivals.process,
        ArrivalProcess::Poisson { jobs_per_day } if jobs_per_day == 25.0
    ));
    assert_eq!(
        scenario.resolved["policy"]["creating_timeout"].as_str(),
        Some("7d")
    );

    let none_cancellable = Scenario::from_overrides(&sets(&["policy.cancellable_states=[]"]));
    assert!(
        none_cancellable
            .unwrap()
            .policy
            .cancellable_states
            .is_empty()
    );
}

#[test]
fn count_process_defaults_to_rate_times_horizon() {
    let text =
        "[simulation]\nhorizon = \"30d\"\n[arrivals]\nprocess = \"count\"\njobs_per_day = 10.4\n";
    let scenario = from_text(text, &[]).unwrap();
    assert!(matches!(
        scenario.arrivals.process,
        ArrivalProcess::Count { count: 312 }
    ));
    let scenario = from_text(text, &["arrivals.count=5000"]).unwrap();
    assert!(matches!(
        scenario.arrivals.process,
        ArrivalProcess::Count { count: 5000 }
    ));
    let scenario = Scenario::from_overrides(&sets(&["arrivals.count=10"])).unwrap();
    assert_eq!(
        scenario.warnings,
        ["arrivals.count is ignored because arrivals.process is \"poisson\""]
    );
}

#[test]
fn malformed_toml_names_line_and_key() {
    check_error(
        "[customer]\nabandon_probability = 0.5\nship_delay = 3d\n",
        &[],
        &["x.toml:3:14: customer.ship_delay: invalid TOML"],
    );
    check_error("[policy\n", &[], &["x.toml:1:", "invalid TOML"]);
    check_error(
        "[simulation]\nseed = 1\nseed = 2\n",
        &[],
        &["x.toml:3:1: simulation.seed: invalid TOML: duplicate key"],
    );
}

#[test]
fn unknown_names_suggest_the_closest() {
    check_error(
        "[customer]\nabandon_probabilty = 0.5\n",
        &[],
        &[
            "x.toml:2:1: customer.abandon_probabilty: unknown key in [customer] \
           `abandon_probabilty`, did you mean `abandon_probability`?",
        ],
    );
    check_error(
        "[customer]\nfoo = 1\n",
        &[],
        &[
            "x.toml:2:1: customer.foo: unknown key in [customer] `foo`, expected one of \
           `ship_delay`, `abandon_probability`",
        ],
    );
    check_error(
        "[simulaton]\nseed = 2\n",
        &[],
        &["x.toml:1:2: simulaton: unknown section `simulaton`, did you mean `simulation`?"],
    );
    check_error(
        "seed = 2\n",
        &[],
        &["x.toml:1:1: seed: unknown section; `seed` belongs in [simulation]"],
    );
    check_error(
        "policy = 3\n",
        &[],
        &["x.toml:1:10: policy: expected a table [policy]"],
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    check_error(
        "[datacenter]\ncopy_stations = \"many\"\n",
        &[],
        &[
            "x.toml:2:17: datacenter.copy_stations:",
            "expected a positive integer",
        ],
    );
    check_error(
        "[datacenter]\ncopy_stations = 2.5\n",
        &[],
        &["datacenter.copy_stations:", "expected a positive integer"],
    );
    check_error(
        "[policy]\nretention = 90\n",
        &[],
        &[
            "x.toml:2:13: policy.retention:",
            "expected a positive duration",
        ],
    );
    check_error(
        "[customer]\nship_delay = 3\n",
        &[],
        &["x.toml:2:14: customer.ship_delay: expected a duration like"],
    );
    check_error(
        "[simulation]\nstart = \"tomorrow\"\n",
        &[],
        &[
            "simulation.start: expected an RFC 3339 instant",
            "\"tomorrow\"",
        ],
    );
    check_error(
        "[simulation]\nseed = -1\n",
        &[],
        &["simulation.seed: expected a non-negative integer (at most 9223372036854775807), got -1"],
    );
}

#[test]
fn out_of_range_values_are_errors() {
    check_error(
        "[customer]\nabandon_probability = 1.5\n",
        &[],
        &[
            "x.toml:2:23: customer.abandon_probability: expected a probability within [0, 1], got 1.5",
        ],
    );
    check_error(
        "[policy]\nretention = \"-1d\"\n",
        &[],
        &["x.toml:2:13: policy.retention: negative duration"],
    );
    check_error(
        "[simulation]\nwarmup = \"-1d\"\n",
        &[],
        &["simulation.warmup: negative duration"],
    );
    check_error(
        "[policy]\ncreating_timeout = \"0s\"\n",
        &[],
        &["x.toml:2:20: policy.creating_timeout: expected a positive duration, got \"0s\""],
    );
    check_error(
        "[datacenter]\ncopy_lag = { dist = \"uniform\", min = \"3d\", max = \"1d\" }\n",
        &[],
        &["x.toml:2:12: datacenter.copy_lag: uniform: `max` (1d) must not be less than `min` (3d)"],
    );
    check_error(
        "[datacenter.copy_lag]\ndist = \"uniform\"\nmin = \"3d\"\nmax = \"1d\"\n",
        &[],
        &[
            "x.toml:",
            "datacenter.copy_lag",
            "must not be less than `min`",
        ],
    );
    check_error(
        "[customer]\nresponse_delay = { dist = \"exponential\", mean = \"0s\" }\n",
        &[],
        &["customer.response_delay: exponential: `mean` must be positive, got 0s"],
    );
    check_error(
        "[datacenter]\ncopy_throughput_mb_s = 0\n",
        &[],
        &[
            "x.toml:2:24: datacenter.copy_throughput_mb_s: expected a positive value (a copy at 0 MB/s never ends), got 0",
        ],
    );
    check_error(
        "[datacenter]\ncopy_error_probability = 0.5\ncopy_warning_probability = 0.6\n",
        &[],
        &[
            "x.toml:2:26: datacenter.copy_error_probability:",
            "must be at most 1",
        ],
    );
}

#[test]
fn non_positive_counts_are_errors() {
    let cases = [
        (
            "[simulation]\nhorizon = \"0s\"\n",
            "simulation.horizon: expected a positive duration",
        ),
        (
            "[simulation]\nreplications = 0\n",
            "simulation.replications: expected a positive integer",
        ),
        (
            "[arrivals]\njobs_per_day = 0\n",
            "arrivals.jobs_per_day: expected a positive number, got 0",
        ),
        (
            "[arrivals]\ncount = 0\n",
            "arrivals.count: expected a positive integer",
        ),
        (
            "[datacenter]\ncopy_stations = 0\n",
            "datacenter.copy_stations: expected a positive integer",
        ),
        (
            "[datacenter]\nreceiving_staff = -2\n",
            "datacenter.receiving_staff: expected a positive integer",
        ),
        (
            "[datacenter]\npackaging_staff = 0\n",
            "datacenter.packaging_staff: expected a positive integer",
        ),
        (
            "[policy]\nmax_drives_per_job = 0\n",
            "policy.max_drives_per_job: expected a positive integer",
        ),
        (
            "[policy]\ndisposal_after = \"0d\"\n",
            "policy.disposal_after: expected a positive duration",
        ),
    ];
    for (text, needle) in cases {
        check_error(text, &[], &["x.toml:2:", needle]);
    }
}

#[test]
fn cancellable_states_must_be_job_states() {
    check_error(
        "[policy]\ncancellable_states = [\"Creating\", \"Shiping\"]\n",
        &[],
        &[
            "x.toml:2:",
            "policy.cancellable_states: \"Shiping\" is not a job state: expected one of \
             \"Creating\", \"Shipping\", \"Received\", \"Transferring\"",
        ],
    );
    check_error(
        "[policy]\ncancellable_states = [\"Packaging\"]\n",
        &[],
        &["policy.cancellable_states: Packaging cannot be a cancellable state"],
    );
    check_error(
        "[policy]\ncancellable_states = \"Creating\"\n",
        &[],
        &["policy.cancellable_states: expected a list of job states like [\"Creating\""],
    );
    let repeated = from_text(
        "[policy]\ncancellable_states = [\"Shipping\", \"Shipping\"]\n",
        &[],
    );
    assert_eq!(
        repeated.unwrap().policy.cancellable_states,
        vec![JobState::Shipping]
    );
    let scenario = from_text(
        "[policy]\ncancellable_states = [\"Received\", \"Transferring\"]\n",
        &[],
    )
    .unwrap();
    assert!(scenario.policy.is_cancellable(JobState::Transferring));
    assert!(!scenario.policy.is_cancellable(JobState::Creating));
}

#[test]
fn warmup_must_be_shorter_than_horizon() {
    check_error(
        "[simulation]\nhorizon = \"30d\"\nwarmup = \"30d\"\n",
        &[],
        &[
            "x.toml:3:10: simulation.warmup: expected a warmup shorter than simulation.horizon (30d), got 30d",
        ],
    );
    check_error(
        "",
        &["simulation.warmup=400d"],
        &["--set `simulation.warmup=400d`: simulation.warmup: expected a warmup shorter"],
    );
}

#[test]
fn bad_overrides_name_the_set_text() {
    check_error(
        "",
        &["policy.creating_timeout"],
        &["--set `policy.creating_timeout`: expected KEY=VALUE"],
    );
    check_error("", &["=3"], &["--set `=3`: expected KEY=VALUE"]);
    check_error(
        "",
        &["policy.creating_timout=7d"],
        &[
            "--set `policy.creating_timout=7d`: policy.creating_timout: unknown key in [policy] \
           `creating_timout`, did you mean `creating_timeout`?",
        ],
    );
    check_error(
        "",
        &["polcy.creating_timeout=7d"],
        &[
            "--set `polcy.creating_timeout=7d`: polcy.creating_timeout: unknown section `polcy`, did you mean `policy`?",
        ],
    );
    check_error(
        "",
        &["seed=3"],
        &["--set `seed=3`: seed: expected SECTION.KEY: did you mean simulation.seed?"],
    );
    check_error(
        "",
        &["customer.abandon_probability=1.5"],
        &[
            "--set `customer.abandon_probability=1.5`: customer.abandon_probability: expected a probability within [0, 1], got 1.5",
        ],
    );
    check_error(
        "",
        &["policy.creating_timeout=soon"],
        &[
            "--set `policy.creating_timeout=soon`: policy.creating_timeout:",
            "expected a duration like",
        ],
    );
    check_error(
        "",
        &["policy.cancellable_states=[\"Creating\""],
        &["policy.cancellable_states: VALUE \"[\\\"Creating\\\"\" is not valid TOML"],
    );
    check_error(
        "",
        &["datacenter.copy_setup.max=1h"],
        &["datacenter.copy_setup: cannot set `max` inside \"30m\""],
    );
    check_error(
        "",
        &["datacenter.copy_lag.mode=3d"],
        &["datacenter.copy_lag: uniform: unknown parameter `mode`"],
    );
    check_error(
        "",
        &["arrivals.process=posson"],
        &[
            "--set `arrivals.process=posson`: arrivals.process: unknown variant `posson`, expected one of `poisson`, `count`, `trace`",
        ],
    );
}

#[test]
fn unknown_process_and_missing_trace_key() {
    check_error(
        "[arrivals]\nprocess = \"posson\"\n",
        &[],
        &["x.toml:2:11: arrivals.process: unknown variant `posson`"],
    );
    check_error(
        "[arrivals]\nprocess = \"trace\"\n",
        &[],
        &["x.toml:2:11: arrivals.process: process = \"trace\" needs arrivals.trace"],
    );
}

#[test]
fn missing_scenario_file_is_named() {
    let error = Scenario::load(Path::new("no/such/scenario.toml"), &[]).unwrap_err();
    assert!(matches!(error, ScenarioError::ReadScenario { .. }));
    assert_eq!(
        error.to_string(),
        "cannot read scenario file no/such/scenario.toml"
    );
    let source = std::error::Error::source(&error).unwrap().to_string();
    assert!(source.contains("No such file"), "{source}");
}

/// Writes a scenario and a trace into a fresh folder and loads the scenario.
fn load_with_trace(trace: impl AsRef<[u8]>) -> Result<Scenario, ScenarioError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/arrivals.csv"), trace).unwrap();
    let scenario_path = dir.path().join("study.toml");
    std::fs::write(
        &scenario_path,
        "[simulation]\nhorizon = \"10d\"\n\n[arrivals]\nprocess = \"trace\"\ntrace = \"data/arrivals.csv\"\n",
    )
    .unwrap();
    Scenario::load(&scenario_path, &[])
}

#[test]
fn trace_is_read_relative_to_the_file_sorted_and_clipped() {
    let scenario = load_with_trace(
        "created_at,job_type,drives\n\
         2026-01-06T00:00:00Z,Import,3\n\
         2026-01-05T12:00:00Z,export,\n\
         2026-01-04T23:59:59Z,Import,1\n\
         2026-01-06T00:00:00Z,EXPORT,2\n\
         2026-01-15T00:00:00Z,Import,1\n\
         2026-01-05T02:00:00+01:00,Import,10\n",
    )
    .unwrap();
    let ArrivalProcess::Trace { rows } = &scenario.arrivals.process else {
        panic!("expected a trace");
    };
    let hour = SimDuration::from_hours(1);
    let expected = [
        (SimTime::ZERO + hour, JobKind::Import, Some(10)),
        (
            SimTime::ZERO + SimDuration::from_hours(12),
            JobKind::Export,
            None,
        ),
        (SimTime::ZERO + days(1), JobKind::Import, Some(3)),
        (SimTime::ZERO + days(1), JobKind::Export, Some(2)),
    ];
    let got: Vec<_> = rows
        .iter()
        .map(|row| (row.created_at, row.kind, row.drives))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(scenario.warnings.len(), 1, "{:?}", scenario.warnings);
    assert!(
        scenario.warnings[0]
            .contains("skipped 2 row(s) created outside [start, start + horizon) (line 4, 6)"),
        "{:?}",
        scenario.warnings
    );
}

#[test]
fn malformed_traces_name_file_and_line() {
    let check = |trace: &str, needles: &[&str]| {
        let message = load_with_trace(trace).unwrap_err().to_string();
        for needle in needles {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        }
    };
    check("", &["arrivals.csv:1: empty file: expected a header row"]);
    check(
        "2026-01-05T00:00:00Z,Import\n",
        &["arrivals.csv:1: the first row must be a header created_at,job_type[,drives]"],
    );
    check(
        "created_at,kind\n",
        &["arrivals.csv:1: unknown column \"kind\""],
    );
    check("created_at\n", &["arrivals.csv:1: missing column job_type"]);
    check(
        "created_at,job_type\n2026-01-05T00:00:00Z,Import\n2026-01-05,Import\n",
        &[
            "arrivals.csv:3: created_at: expected an RFC 3339 instant",
            "\"2026-01-05\"",
        ],
    );
    check(
        "created_at,job_type\n2026-01-05T00:00:00Z,Imprt\n",
        &["arrivals.csv:2: job_type: expected Import or Export, got \"Imprt\""],
    );
    check(
        "created_at,job_type,drives\n2026-01-05T00:00:00Z,Import,0\n",
        &["arrivals.csv:2: drives: expected an integer within [1, 10]"],
    );
    check(
        "created_at,job_type,drives\n2026-01-05T00:00:00Z,Import,11\n",
        &["arrivals.csv:2: drives: expected an integer within [1, 10]"],
    );
    check(
        "created_at,job_type\n2026-01-05T00:00:00Z,Import,4\n",
        &["arrivals.csv:2: expected 2 fields like the header row, got 3"],
    );
}

#[test]
fn trace_errors_count_physical_lines_after_blank_lines() {
    // The csv crate's line numbers left out blank lines between rows.
    let check = |trace: &str, needle: &str| {
        let message = load_with_trace(trace).unwrap_err().to_string();
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    };
    check(
        "created_at,job_type\n\n\n2026-01-05T00:00:00Z,Import\n\n2026-01-05,Import\n",
        "arrivals.csv:6: created_at",
    );
    check(
        "created_at,job_type\r\n\r\n2026-01-05T00:00:00Z,Import\r\n\"a\nb\",Import\n",
        "arrivals.csv:4: created_at",
    );
    check(
        "\n\ncreated_at,kind\n2026-01-05T00:00:00Z,Import\n",
        "arrivals.csv:3: unknown column \"kind\"",
    );
    check(
        "created_at,job_type\n\n2026-01-05T00:00:00Z,Import,4\n",
        "arrivals.csv:3: expected 2 fields",
    );
    let not_utf8 =
        load_with_trace(b"created_at,job_type\n\n2026-01-05T00:00:00Z,Import\n\n\xff,Import\n")
            .unwrap_err()
            .to_string();
    assert!(
        not_utf8.contains("arrivals.csv:5: not valid UTF-8"),
        "{not_utf8}"
    );
    check("\n\n", "arrivals.csv:1: empty file");
    let scenario = load_with_trace(
        "created_at,job_type\n\n2025-01-05T00:00:00Z,Import\n\n\n\
         2025-01-05T00:00:00Z,Import\n2026-01-05T00:00:00Z,Import\n",
    )
    .unwrap();
    assert!(
        scenario.warnings[0]
            .contains("skipped 2 row(s) created outside [start, start + horizon) (line 3, 6)"),
        "{:?}",
        scenario.warnings
    );
}

#[test]
fn trace_fields_echoed_in_errors_are_cut() {
    // A 200 MB field once made a 200 MB message.
    let long = "x".repeat(200_000);
    for trace in [
        format!("created_at,job_type\n{long},Import\n"),
        format!("created_at,job_type\n2026-01-05T00:00:00Z,{long}\n"),
        format!("created_at,job_type,drives\n2026-01-05T00:00:00Z,Import,{long}\n"),
        format!("created_at,{long}\n"),
    ] {
        let message = load_with_trace(&trace).unwrap_err().to_string();
        assert!(
            message.len() < 400,
            "{} bytes: {}",
            message.len(),
            &message[..400]
        );
        assert!(message.contains("(200000 characters)"), "{message}");
    }
}

#[test]
fn trace_larger_than_1_gib_is_rejected_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let trace = std::fs::File::create(dir.path().join("big.csv")).unwrap();
    // A sparse file: no disk space, but the size of a huge trace.
    trace.set_len(MAX_TRACE_BYTES + 1).unwrap();
    let scenario_path = dir.path().join("study.toml");
    std::fs::write(
        &scenario_path,
        "[arrivals]\nprocess = \"trace\"\ntrace = \"big.csv\"\n",
    )
    .unwrap();
    let message = Scenario::load(&scenario_path, &[]).unwrap_err().to_string();
    assert!(
        message.contains(
            "study.toml:3:9: arrivals.trace: ",
        ) && message.contains("holds 1073741825 bytes; expected an arrival trace of at most 1073741824 bytes (1 GiB)"),
        "{message}"
    );
}

#[test]
fn values_echoed_in_errors_are_cut() {
    let long = "y".repeat(100_000);
    let cases = [
        (
            String::new(),
            vec![format!("simulation.replications={long}")],
        ),
        (
            String::new(),
            vec![format!("policy.creating_timeout={long}")],
        ),
        (String::new(), vec![format!("policy.{long}=3")]),
        (String::new(), vec![format!("{long}.key=3")]),
        (String::new(), vec![format!("policy.creating_timeout")]),
        (String::new(), vec![format!("{long}")]),
        (
            String::new(),
            vec![format!("policy.cancellable_states=[\"{long}\"]")],
        ),
        (
            String::new(),
            vec![format!("policy.cancellable_states=[\"{long}")],
        ),
        (
            String::new(),
            vec![format!("customer.ship_delay={{ dist = \"{long}\" }}")],
        ),
        (
            String::new(),
            vec![format!(
                "customer.ship_delay={{ dist = \"exponential\", {long} = 1 }}"
            )],
        ),
        (format!("[simulation]\nreplications = \"{long}\"\n"), vec![]),
        (format!("[simulation]\nname = \"a/{long}\"\n"), vec![]),
        (format!("[simulation]\nstart = \"{long}\"\n"), vec![]),
        (format!("[simulation]\n{long} = 1\n"), vec![]),
        (format!("[{long}]\n"), vec![]),
        (format!("[arrivals]\nprocess = \"{long}\"\n"), vec![]),
        (
            format!("[arrivals]\ndrives_per_job = [{}]\n", "1, ".repeat(30_000)),
            vec![],
        ),
    ];
    for (text, overrides) in cases {
        let overrides: Vec<&str> = overrides.iter().map(String::as_str).collect();
        let message = match from_text(&text, &overrides) {
            Ok(_) => panic!("accepted {}", &text[..text.len().min(60)]),
            Err(error) => error.to_string(),
        };
        assert!(
            message.len() < 700,
            "{} bytes: {}",
            message.len(),
            &message[..message.len().min(700)]
        );
    }
}

#[test]
fn names_that_cannot_be_a_folder_are_rejected() {
    // A NUL or a 300-byte name failed only when the output was written
    // (exit 1), after the whole run.
    for name in ["a\\u0000b", "line\\nbreak", &"n".repeat(201), "a/b", ".."] {
        check_error(
            &format!("[simulation]\nname = \"{name}\"\n"),
            &[],
            &["x.toml:2:8: simulation.name: expected a name usable as a folder name"],
        );
    }
    let longest = "n".repeat(200);
    let scenario = from_text(&format!("[simulation]\nname = \"{longest}\"\n"), &[]).unwrap();
    assert_eq!(scenario.simulation.name, longest);
    // A file named too long for a name keeps the baseline's.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{}.toml", "f".repeat(220)));
    std::fs::write(&path, "[policy]\nretention = \"30d\"\n").unwrap();
    assert_eq!(
        Scenario::load(&path, &[]).unwrap().simulation.name,
        "baseline"
    );
}

#[test]
fn unquoted_start_is_text_in_the_resolved_scenario() {
    // run.json showed {"$__toml_private_datetime": ...} for it.
    let scenario = from_text("[simulation]\nstart = 2026-02-01T08:00:00+01:00\n", &[]).unwrap();
    assert_eq!(
        scenario.resolved["simulation"]["start"],
        toml::Value::String("2026-02-01T08:00:00+01:00".to_string())
    );
    assert_eq!(
        scenario.simulation.start.to_rfc3339(),
        "2026-02-01T07:00:00+00:00"
    );
    let scenario = from_text("", &["simulation.start=2026-02-01T00:00:00Z"]).unwrap();
    assert_eq!(
        serde_json::to_value(&scenario.resolved).unwrap()["simulation"]["start"],
        serde_json::json!("2026-02-01T00:00:00Z")
    );
}

#[test]
fn missing_trace_file_names_the_key_that_set_it() {
    let error = from_text(
        "[arrivals]\nprocess = \"trace\"\ntrace = \"no-such-trace.csv\"\n",
        &[],
    )
    .unwrap_err();
    assert!(matches!(error, ScenarioError::ReadTrace { .. }));
    assert_eq!(
        error.to_string(),
        "x.toml:3:9: arrivals.trace: cannot read arrival trace no-such-trace.csv"
    );
    let error = Scenario::from_overrides(&sets(&[
        "arrivals.process=trace",
        "arrivals.trace=missing.csv",
    ]))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "--set `arrivals.trace=missing.csv`: arrivals.trace: cannot read arrival trace missing.csv"
    );
}

#[test]
fn every_shipped_scenario_loads_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "{paths:?}");
    for path in paths {
        let scenario = Scenario::load(&path, &[])
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert!(
            scenario.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            scenario.warnings
        );
        let stem = path.file_stem().unwrap().to_str().unwrap();
        // Output goes to output/<name>/, so a shipped study names itself
        // after its file rather than inheriting "baseline".
        assert_eq!(scenario.simulation.name, stem, "{}", path.display());
    }
}

#[test]
fn line_columns_count_characters() {
    assert_eq!(line_column("ab\ncd", 0), (1, 1));
    assert_eq!(line_column("ab\ncd", 3), (2, 1));
    assert_eq!(line_column("ab\ncd", 4), (2, 2));
    assert_eq!(line_column("é = 1", 5), (1, 5));
    let text = "[simulation]\nseed = 1\n\n[policy]\nretention = \"9d\"\n";
    assert_eq!(
        key_from_line(text, text.find("retention").unwrap()),
        Some("policy.retention".into())
    );
    assert_eq!(key_from_line(text, 2), Some("simulation".into()));
    assert_eq!(key_from_line(text, text.find("\n\n").unwrap() + 1), None);
}
