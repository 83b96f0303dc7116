//! Scenario parsing under attack: random byte edits of the shipped and test
//! scenario files, and random `--set` overrides (real keys, a parameter
//! inside a distribution, values of the wrong type and of extreme
//! magnitude). Loading must never panic, and whatever loads must run: each
//! scenario that passes validation runs a small simulation (all of its
//! outputs, the event trace and the customer calls) without a panic.
//!
//! The work is capped: a scenario whose estimated work is beyond a small
//! budget is loaded again with a handful of jobs and one replication, and
//! run only if that fits. Cases are generated from a fixed seed, so the
//! test is the same on every run; about 300 cases take a few seconds.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

use impexsim::run::{RunOptions, run_to_dir};
use impexsim::scenario::{Scenario, keys};

/// Cases per property.
const CASES: u32 = 300;

/// The most jobs (over all replications) and overdue deadlines a case runs.
const JOB_BUDGET: f64 = 200.0;
const DEADLINE_BUDGET: f64 = 20_000.0;
/// The most Get Job polls `calls` writes in a case.
const POLL_BUDGET: f64 = 50_000.0;

/// Overrides that make any scenario small: appended when one is too big.
const SMALL: [&str; 3] = [
    "arrivals.process=count",
    "arrivals.count=3",
    "simulation.replications=1",
];

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        rng_seed: RngSeed::Fixed(10),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    })
}

/// A value as a `--set` VALUE: TOML of every type, extreme numbers,
/// durations near and past the bounds, and junk.
fn set_value() -> impl Strategy<Value = String> {
    let scalars = prop::sample::select(vec![
        "0",
        "1",
        "-1",
        "2",
        "10",
        "11",
        "255",
        "256",
        "10000",
        "10001",
        "4294967295",
        "4294967296",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551615",
        "0.0",
        "-0.0",
        "0.5",
        "1.5",
        "1e7",
        "1e308",
        "-1e308",
        "5e-324",
        "1e-310",
        "nan",
        "inf",
        "-inf",
        "true",
        "false",
        "0s",
        "1ms",
        "1s",
        "59s",
        "1m",
        "1h",
        "1d",
        "14d",
        "365d",
        "36500d",
        "36501d",
        "10000000d",
        "99999999999999999999d",
        "1e9d",
        "-1d",
        "2d 12h",
        "0.0000001ms",
        "\"\"",
        "\"7d\"",
        "[]",
        "[\"Creating\"]",
        "[\"Packaging\"]",
        "[1, 2]",
        "[\"1d\", \"2d\"]",
        "{}",
        "poisson",
        "count",
        "trace",
        "missing.csv",
        "2026-01-05T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0000-01-01T00:00:00+01:00",
        "2026-01-05T00:00:00",
        "1979-05-27",
        "07:32:00",
        "[",
        "{ dist",
        "\"unclosed",
    ])
    .prop_map(str::to_string);
    let families = prop::sample::select(vec![
        "constant",
        "exponential",
        "uniform",
        "lognormal",
        "triangular",
        "normal",
        "empirical",
        "uniform_int",
        "gamma",
    ]);
    let params = prop::collection::vec(
        (
            prop::sample::select(vec![
                "value", "mean", "min", "max", "median", "sigma", "mode", "sd", "values",
                "weights", "dist",
            ]),
            scalars.clone(),
        ),
        0..4,
    );
    let table = (families, params).prop_map(|(family, params)| {
        let mut text = format!("{{ dist = \"{family}\"");
        for (name, value) in params {
            if name != "dist" {
                text.push_str(&format!(", {name} = {value}"));
            }
        }
        text.push_str(" }");
        text
    });
    prop_oneof![
        4 => scalars,
        3 => table,
        1 => "[ -~]{0,12}",
        1 => (1_usize..5_000).prop_map(|n| "9".repeat(n)),
    ]
}

/// What kind of value a key takes, from the baseline's value of it: the
/// values tried for a key are mostly of its own kind (so that many cases
/// pass validation and run), extreme or at the edge of a bound.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Probability,
    Float,
    Integer,
    Duration,
    Start,
    Text,
    DurationDist,
    NumberDist,
    States,
}

/// Every key with its kind.
fn typed_keys() -> Vec<(String, Kind)> {
    let baseline: toml::Table = impexsim::scenario::BASELINE_TOML.parse().unwrap();
    keys()
        .map(|key| {
            let (section, name) = key.split_once('.').unwrap();
            let kind = match baseline.get(section).and_then(|keys| keys.get(name)) {
                _ if key == "simulation.start" => Kind::Start,
                Some(toml::Value::Float(_))
                    if name.ends_with("probability") || name.ends_with("fraction") =>
                {
                    Kind::Probability
                }
                Some(toml::Value::Float(_)) => Kind::Float,
                Some(toml::Value::Integer(_)) | None if name != "trace" => Kind::Integer,
                Some(toml::Value::String(text)) if impexsim::dist::parse_duration(text).is_ok() => {
                    Kind::Duration
                }
                Some(toml::Value::Table(table))
                    if table
                        .iter()
                        .any(|(param, value)| param != "dist" && value.is_str()) =>
                {
                    Kind::DurationDist
                }
                Some(toml::Value::Table(_)) => Kind::NumberDist,
                Some(toml::Value::Integer(_)) => Kind::Integer,
                Some(toml::Value::Array(_)) => Kind::States,
                _ => Kind::Text,
            };
            (key, kind)
        })
        .collect()
}

fn pick(values: &[&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(values.to_vec())
        .prop_map(str::to_string)
        .boxed()
}

const DURATIONS: &[&str] = &[
    "\"0s\"",
    "\"1ms\"",
    "\"1s\"",
    "\"1m\"",
    "\"1h\"",
    "\"1d\"",
    "\"14d\"",
    "\"365d\"",
    "\"3000d\"",
    "\"36500d\"",
    "\"0.5s\"",
    "\"2d 12h\"",
];
const NUMBERS: &[&str] = &[
    "0", "1", "2", "10", "100", "0.001", "1e6", "1e-310", "5e-324", "1e308",
];

/// A distribution table with parameters of the right kind.
fn dist_value(params: &'static [&'static str]) -> BoxedStrategy<String> {
    let family = prop::sample::select(vec![
        ("constant", vec!["value"]),
        ("exponential", vec!["mean"]),
        ("uniform", vec!["min", "max"]),
        ("lognormal", vec!["median", "sigma"]),
        ("triangular", vec!["min", "mode", "max"]),
        ("normal", vec!["mean", "sd"]),
        ("empirical", vec!["values", "weights"]),
        ("uniform_int", vec!["min", "max"]),
    ]);
    let scalars = prop::collection::vec(prop::sample::select(params.to_vec()), 3);
    let numbers = prop::collection::vec(prop::sample::select(NUMBERS.to_vec()), 3);
    (family, scalars, numbers)
        .prop_map(|((family, names), scalars, numbers)| {
            let mut text = format!("{{ dist = \"{family}\"");
            for (index, name) in names.iter().enumerate() {
                let value = match *name {
                    "sigma" => numbers[index].to_string(),
                    "values" => format!("[{}, {}]", scalars[0], scalars[1]),
                    "weights" => format!("[{}, {}]", numbers[0], numbers[1]),
                    _ if family == "uniform_int" => numbers[index].replace(['.', 'e', '-'], ""),
                    _ => scalars[index].to_string(),
                };
                text.push_str(&format!(", {name} = {value}"));
            }
            text.push_str(" }");
            text
        })
        .boxed()
}

/// A value of `kind`, mostly valid, often extreme.
fn typed_value(kind: Kind) -> BoxedStrategy<String> {
    match kind {
        Kind::Probability => pick(&["0", "1", "0.5", "1e-300", "0.999999999", "0.01"]),
        Kind::Float => pick(&["0.001", "1", "20", "1e3", "1e6", "2e6", "1e7", "1e-300"]),
        Kind::Integer => pick(&[
            "1",
            "2",
            "3",
            "10",
            "11",
            "100",
            "10000",
            "10001",
            "4294967295",
            "0",
            "9223372036854775807",
        ]),
        Kind::Duration => pick(DURATIONS),
        Kind::Start => pick(&[
            "\"2026-01-05T00:00:00Z\"",
            "2026-01-05T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "0000-01-01T00:00:00+01:00",
            "\"0000-01-01T00:00:00Z\"",
            "9990-01-01T00:00:00Z",
        ]),
        Kind::Text => pick(&[
            "poisson",
            "count",
            "x",
            "a/b",
            "\"..\"",
            "trace_arrivals.csv",
        ]),
        Kind::DurationDist => prop_oneof![1 => pick(DURATIONS), 3 => dist_value(DURATIONS)].boxed(),
        Kind::NumberDist => prop_oneof![1 => pick(NUMBERS), 3 => dist_value(NUMBERS)].boxed(),
        Kind::States => pick(&[
            "[]",
            "[\"Creating\"]",
            "[\"Received\", \"Transferring\"]",
            "[\"Shipping\", \"Shipping\"]",
        ]),
    }
}

/// A `--set KEY=VALUE`: a real key with a value mostly of its kind,
/// sometimes junk, one parameter inside a distribution, or a key that does
/// not exist.
fn set_override(keys: Vec<(String, Kind)>) -> impl Strategy<Value = String> {
    let names: Vec<String> = keys.iter().map(|(key, _)| key.clone()).collect();
    let typed = prop::sample::select(keys)
        .prop_flat_map(|(key, kind)| (Just(key), typed_value(kind)))
        .prop_map(|(key, value)| format!("{key}={value}"));
    let junk = (
        prop_oneof![
            4 => prop::sample::select(names.clone()),
            2 => (prop::sample::select(names), prop::sample::select(vec!["mean", "max", "min", "sigma", "x"]))
                .prop_map(|(key, inner)| format!("{key}.{inner}")),
            1 => "[a-z.]{0,12}",
        ],
        set_value(),
    )
        .prop_map(|(key, value)| format!("{key}={value}"));
    prop_oneof![6 => typed, 1 => junk]
}

/// Byte edits of a file: (position as a fraction of its length, what to do).
#[derive(Clone, Debug)]
enum Edit {
    Insert(f64, u8),
    Delete(f64, usize),
    Replace(f64, u8),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let byte = prop::sample::select(b"0123456789-.:=[]{}\"'#\n ,eEdhmsxZT+_\x00\xff\xc3".to_vec());
    let edit = prop_oneof![
        (0.0..1.0, byte.clone()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        (0.0..1.0, 1_usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (0.0..1.0, byte).prop_map(|(at, byte)| Edit::Replace(at, byte)),
    ];
    prop::collection::vec(edit, 0..8)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    let index = |at: f64, len: usize| ((at * len as f64) as usize).min(len);
    for edit in edits {
        let len = bytes.len();
        match *edit {
            Edit::Insert(at, byte) => bytes.insert(index(at, len), byte),
            Edit::Delete(at, n) => {
                let from = index(at, len);
                bytes.drain(from..(from + n).min(len));
            }
            Edit::Replace(at, byte) => {
                if len > 0 {
                    bytes[index(at, len - 1)] = byte;
                }
            }
        }
    }
    bytes
}

/// The scenario files to mutate: the shipped ones and the tests' own.
fn seed_files() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/data"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap();
            files.push((path, bytes));
        }
    }
    assert!(files.len() > 10, "{files:?}");
    files
}

/// Whether `scenario`'s work fits the budget of one case.
fn fits(scenario: &Scenario) -> bool {
    let workload = scenario.workload();
    let replications = f64::from(scenario.simulation.replications);
    workload.jobs * replications <= JOB_BUDGET
        && workload.overdue_deadlines * replications <= DEADLINE_BUDGET
}

/// How many cases loaded, and how many of those ran (each property checks
/// that it exercised enough of both).
#[derive(Debug, Default)]
struct Tally {
    loaded: AtomicU32,
    ran: AtomicU32,
}

impl Tally {
    #[track_caller]
    fn assert_at_least(&self, loaded: u32, ran: u32) {
        let (got_loaded, got_ran) = (self.loaded.load(Relaxed), self.ran.load(Relaxed));
        assert!(
            got_loaded >= loaded && got_ran >= ran,
            "{got_loaded} of {CASES} cases loaded (expected {loaded}), {got_ran} ran (expected {ran})"
        );
    }
}

/// Runs a scenario that passed validation, with its text and overrides
/// loaded again small when it is too big for a case.
fn run_small(scenario: Scenario, reload: &dyn Fn(&[String]) -> Option<Scenario>, tally: &Tally) {
    tally.loaded.fetch_add(1, Relaxed);
    let scenario = if fits(&scenario) {
        scenario
    } else {
        match reload(&SMALL.map(str::to_string)) {
            Some(small) if fits(&small) => small,
            _ => return,
        }
    };
    tally.ran.fetch_add(1, Relaxed);
    let tmp = tempfile::tempdir().unwrap();
    let options = RunOptions {
        out: tmp.path().join("out"),
        outputs: impexsim::outputs::OutputSet::DEFAULT.with(impexsim::outputs::OutputKind::Events),
        threads: Some(1),
        ..RunOptions::default()
    };
    if let Err(error) = run_to_dir(&scenario, &options, &|_| {}) {
        panic!("a valid scenario failed to run: {error}");
    }
    let workload = scenario.workload();
    if workload.jobs * workload.polls_per_job <= POLL_BUDGET {
        impexsim::fixtures::write_calls(
            &scenario,
            io::sink(),
            &impexsim::interrupt::Interrupt::new(),
            &mut |_| {},
        )
        .expect("io::sink never fails");
    }
}

#[test]
fn mutated_scenario_files_never_panic_and_what_loads_runs() {
    let files = seed_files();
    let strategy = (0..files.len(), edits());
    let tally = Tally::default();
    runner()
        .run(&strategy, |(file, edits)| {
            let (path, original) = &files[file];
            let text = String::from_utf8_lossy(&apply(original.clone(), &edits)).into_owned();
            let base_dir = path.parent();
            let load = |extra: &[String]| Scenario::from_toml(&text, "fuzz.toml", base_dir, extra);
            if let Ok(scenario) = load(&[]) {
                run_small(scenario, &|extra| load(extra).ok(), &tally);
            }
            Ok(())
        })
        .unwrap();
    tally.assert_at_least(30, 30);
}

#[test]
fn random_overrides_never_panic_and_what_loads_runs() {
    let keys = typed_keys();
    let kind_of = |key: &str| keys.iter().find(|(name, _)| name == key).unwrap().1;
    assert!(matches!(kind_of("customer.ship_delay"), Kind::DurationDist));
    assert!(matches!(
        kind_of("arrivals.data_per_drive_tb"),
        Kind::NumberDist
    ));
    assert!(matches!(kind_of("datacenter.copy_setup"), Kind::Duration));
    assert!(matches!(kind_of("arrivals.count"), Kind::Integer));
    assert!(matches!(
        kind_of("customer.abandon_probability"),
        Kind::Probability
    ));
    assert!(matches!(kind_of("policy.cancellable_states"), Kind::States));
    let strategy = prop::collection::vec(set_override(keys), 1..5);
    let tally = Tally::default();
    runner()
        .run(&strategy, |overrides| {
            let load = |extra: &[String]| {
                let mut all = overrides.clone();
                all.extend_from_slice(extra);
                Scenario::from_overrides(&all)
            };
            if let Ok(scenario) = load(&[]) {
                run_small(scenario, &|extra| load(extra).ok(), &tally);
            }
            Ok(())
        })
        .unwrap();
    tally.assert_at_least(100, 100);
}

#[test]
fn random_overrides_of_a_quiet_scenario_run() {
    // The same over a scenario with one job, so most overrides that load
    // are run without being made small first.
    let quiet = std::fs::read_to_string(crate::data("quiet.toml")).unwrap();
    let keys = typed_keys();
    let strategy = prop::collection::vec(set_override(keys), 1..4);
    let tally = Tally::default();
    runner()
        .run(&strategy, |overrides| {
            let load = |extra: &[String]| {
                let mut all = overrides.clone();
                all.extend_from_slice(extra);
                Scenario::from_toml(&quiet, "quiet.toml", None, &all)
            };
            if let Ok(scenario) = load(&[]) {
                run_small(scenario, &|extra| load(extra).ok(), &tally);
            }
            Ok(())
        })
        .unwrap();
    tally.assert_at_least(100, 100);
}
