//! Reproducibility (docs/model.md, Randomness and common random numbers): the same scenario and seed give byte-identical
//! CSV output; a policy change leaves every job's draws unchanged (common
//! random numbers); replications are independent runs of one scenario.

use std::collections::BTreeMap;

use crate::{Output, Row, data, read_dir_bytes, run};

/// The embedded default, shortened: about 300 jobs.
const SMALL_DEFAULT: [&str; 4] = [
    "--set",
    "arrivals.jobs_per_day=5",
    "--set",
    "simulation.horizon=60d",
];

/// The CSV files that must be byte-identical (`run.json` holds the wall time).
const CSV_FILES: [&str; 4] = ["jobs.csv", "drives.csv", "summary.csv", "timeseries.csv"];

fn small_default(extra: &[&str]) -> Output {
    let mut args: Vec<&str> = SMALL_DEFAULT.to_vec();
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn same_seed_gives_byte_identical_csv() {
    let first = small_default(&["--seed", "7", "--trace"]);
    let second = small_default(&["--seed", "7", "--trace"]);
    assert!(first.jobs.len() > 100, "{} jobs", first.jobs.len());
    let first_bytes = read_dir_bytes(&first.dir);
    let second_bytes = read_dir_bytes(&second.dir);
    for file in CSV_FILES.iter().chain(&["events.csv"]) {
        let a = first_bytes
            .get(*file)
            .unwrap_or_else(|| panic!("no {file}"));
        let b = second_bytes
            .get(*file)
            .unwrap_or_else(|| panic!("no {file}"));
        assert!(a == b, "{file} differs between two runs with seed 7");
    }
}

#[test]
fn different_seed_gives_different_jobs() {
    let seven = small_default(&["--seed", "7"]);
    let eight = small_default(&["--seed", "8"]);
    let a = read_dir_bytes(&seven.dir);
    let b = read_dir_bytes(&eight.dir);
    assert!(
        a["jobs.csv"] != b["jobs.csv"],
        "seeds 7 and 8 gave the same jobs.csv"
    );
}

/// `--seed N` and `simulation.seed = N` name the same seed, and `run.json`
/// records it.
#[test]
fn seed_option_and_seed_key_agree() {
    let by_option = small_default(&["--seed", "11"]);
    let by_key = small_default(&["--set", "simulation.seed=11"]);
    let a = read_dir_bytes(&by_option.dir);
    let b = read_dir_bytes(&by_key.dir);
    for file in CSV_FILES {
        assert!(
            a[file] == b[file],
            "{file}: --seed 11 differs from simulation.seed=11"
        );
    }
    let run_json: serde_json::Value = serde_json::from_slice(&a["run.json"]).unwrap();
    assert!(
        has_key_with_value(&run_json, "seed", &serde_json::json!(11)),
        "run.json does not record seed 11: {run_json}"
    );
    // "the resolved scenario (overrides applied)".
    assert!(
        has_key_with_value(&run_json, "jobs_per_day", &serde_json::json!(5.0))
            || has_key_with_value(&run_json, "jobs_per_day", &serde_json::json!(5)),
        "run.json does not hold the override jobs_per_day = 5: {run_json}"
    );
}

fn has_key_with_value(value: &serde_json::Value, key: &str, wanted: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| (k == key && v == wanted) || has_key_with_value(v, key, wanted)),
        serde_json::Value::Array(items) => items.iter().any(|v| has_key_with_value(v, key, wanted)),
        _ => false,
    }
}

/// docs/model.md, Randomness and common random numbers: changing a policy
/// parameter leaves every job's random draws unchanged, and identical draws
/// mean identical rows only where jobs share no queue, so this scenario's
/// resources never queue. A longer Creating timeout can only change jobs that
/// met it: those that expired or whose drives arrived for a Creating job.
#[test]
fn creating_timeout_change_leaves_other_jobs_unchanged() {
    let never_queue = [
        "--seed",
        "5",
        "--set",
        "datacenter.receiving_staff=1000",
        "--set",
        "datacenter.copy_stations=100000",
        "--set",
        "datacenter.packaging_staff=1000",
    ];
    let mut short_args = never_queue.to_vec();
    short_args.extend(["--set", "policy.creating_timeout=14d"]);
    let mut long_args = never_queue.to_vec();
    long_args.extend(["--set", "policy.creating_timeout=20d"]);
    let short = small_default(&short_args);
    let long = small_default(&long_args);
    for out in [&short, &long] {
        for resource in ["receiving", "copy", "packaging"] {
            out.assert_metric(&format!("{resource}.queue_length.max"), 0.0, 1e-9);
        }
    }

    let long_jobs = by_name(&long.jobs);
    let long_drives = drives_by_job(&long.drives);
    let short_drives = drives_by_job(&short.drives);
    let mut compared = 0;
    for job in &short.jobs {
        if job.get("outcome") == "expired" || job.events().contains(&"orphan_drives") {
            continue;
        }
        let name = job.get("job");
        let other = long_jobs
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing with creating_timeout = 20d"));
        assert_eq!(
            job, *other,
            "job {name} changed with creating_timeout 14d -> 20d"
        );
        assert_eq!(
            short_drives.get(name),
            long_drives.get(name),
            "drives of {name} changed with creating_timeout 14d -> 20d"
        );
        compared += 1;
    }
    assert!(compared > 200, "only {compared} jobs compared");
    // The change must have had an effect somewhere, or the test proves nothing.
    let a = read_dir_bytes(&short.dir);
    let b = read_dir_bytes(&long.dir);
    assert!(
        a["jobs.csv"] != b["jobs.csv"],
        "creating_timeout had no effect at all"
    );
}

fn by_name(rows: &[Row]) -> BTreeMap<&str, &Row> {
    rows.iter().map(|row| (row.get("job"), row)).collect()
}

fn drives_by_job(rows: &[Row]) -> BTreeMap<&str, Vec<&Row>> {
    let mut map: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in rows {
        map.entry(row.get("job")).or_default().push(row);
    }
    map
}

/// docs/model.md, Randomness and common random numbers: replications are
/// independent runs, rows in replication order;
/// with nothing random, every replication is the same, so the summary's
/// stddev is 0 and its interval collapses to the mean.
#[test]
fn replications_of_a_constant_scenario_are_identical() {
    let quiet = data("quiet.toml");
    let out = run(&[quiet.to_str().unwrap(), "--replications", "3"]);
    assert_eq!(out.jobs.len(), 3, "{:?}", out.jobs);
    assert_eq!(out.drives.len(), 6);
    let replications: Vec<&str> = out.jobs.iter().map(|j| j.get("replication")).collect();
    let mut distinct = replications.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "replication column {replications:?}");
    assert!(
        replications
            .windows(2)
            .all(|w| w[0].parse::<u32>().unwrap() < w[1].parse::<u32>().unwrap()),
        "rows not in replication order: {replications:?}"
    );
    let strip = |row: &Row| -> Vec<(String, String)> {
        [
            "job",
            "outcome",
            "created_at",
            "shipping_at",
            "received_at",
            "finished_at",
            "events",
        ]
        .iter()
        .map(|c| (c.to_string(), row.get(c).to_string()))
        .collect()
    };
    assert_eq!(strip(&out.jobs[0]), strip(&out.jobs[1]));
    assert_eq!(strip(&out.jobs[0]), strip(&out.jobs[2]));

    let header = crate::read_header(&out.dir.join("summary.csv"));
    assert_eq!(
        header,
        ["metric", "mean", "stddev", "ci95_low", "ci95_high", "n"]
    );
    let total = out
        .summary_rows
        .iter()
        .find(|r| r.get("metric") == "jobs.total")
        .expect("a jobs.total row");
    for (column, expected) in [
        ("mean", 1.0),
        ("stddev", 0.0),
        ("ci95_low", 1.0),
        ("ci95_high", 1.0),
        ("n", 3.0),
    ] {
        let got: f64 = total.get(column).parse().unwrap();
        assert!((got - expected).abs() < 1e-9, "jobs.total {column} = {got}");
    }
}
