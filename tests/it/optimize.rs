//! `impexsim optimize`: the answer against queueing theory, its stability
//! across seeds, the evidence in `optimize.csv`, determinism, bad input.

use std::fs;

use serde_json::Value;

use crate::queueing::erlang_c;
use crate::terminal::summary_validator;
use crate::{Invocation, Row, data_arg, invoke, invoke_ok, read_rows};

/// `tests/data/mmc_copy.toml` (an M/M/c copy stage, see `queueing`) cut to
/// 300 days after a 30-day warm-up: about 7 800 drives a replication.
fn mmc_args<'a>(path: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "optimize",
        path,
        "--minimize",
        "datacenter.copy_stations=1..16",
        "--set",
        "simulation.horizon=300d",
        "--set",
        "simulation.warmup=30d",
        "--replications",
        "5",
    ];
    args.extend_from_slice(extra);
    args
}

/// The candidates of `optimize.csv`, one row each (the rows of its first
/// metric, the constrained one).
fn candidates(invocation: &Invocation) -> Vec<Row> {
    let rows = read_rows(&invocation.dir.join("optimize.csv"));
    let first_metric = rows[0].get("metric").to_string();
    rows.into_iter()
        .filter(|row| row.get("metric") == first_metric)
        .collect()
}

/// Standard output as one JSON document valid against the schema.
#[track_caller]
fn json_document(invocation: &Invocation) -> Value {
    let value: Value = serde_json::from_str(&invocation.stdout)
        .unwrap_or_else(|err| panic!("not one JSON document: {err}\n{}", invocation.stdout));
    let errors: Vec<String> = summary_validator()
        .iter_errors(&value)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    value
}

fn number(row: &Row, column: &str) -> f64 {
    row.get(column)
        .parse()
        .unwrap_or_else(|err| panic!("`{column}` = `{}`: {err}", row.get(column)))
}

/// The M/M/c copy stage (lambda = 25.92 drives a day, mu = 8.64 a station-day):
/// the answer is the least c whose Erlang C mean wait C / (c mu - lambda)
/// meets the limit. Wq is 0.05896 d at c = 4, 0.01367 at 5, 0.003825 at 6,
/// 0.001089 at 7 (and infinite below 4); the limit 0.0072 d lies between 5
/// and 6, a factor of about 1.9 from each, so the answer is 6.
///
/// Why noise cannot flip it: measured over 20 replications of this
/// scenario, one replication's mean wait has a standard deviation of 21% of
/// Wq at c = 6 (15.5% at c = 5), so the mean of 5 has a standard error of
/// 9.4% (7%), and the 95% upper bound adds t(0.95, 4) = 2.13 of them. c = 6
/// fails only if its upper bound, about 1.2 Wq(6) = 0.0047, reaches 0.0072:
/// 7 standard errors; c = 5 passes only if its mean falls below about
/// 0.0051 = 0.37 Wq(5): 9 standard errors.
#[test]
fn the_mmc_answer_is_the_least_c_erlang_c_allows() {
    const LAMBDA: f64 = 25.92;
    const MU: f64 = 8.64;
    const LIMIT: f64 = 0.0072;
    let wait = |c: u32| {
        if f64::from(c) * MU <= LAMBDA {
            f64::INFINITY
        } else {
            erlang_c(LAMBDA, MU, c) / (f64::from(c) * MU - LAMBDA)
        }
    };
    let expected = (1..=16).find(|&c| wait(c) <= LIMIT).unwrap();
    assert_eq!(expected, 6);
    assert!(wait(expected - 1) > 1.8 * LIMIT && wait(expected) < LIMIT / 1.8);

    let path = data_arg("mmc_copy.toml");
    let invocation = invoke_ok(&mmc_args(
        &path,
        &["--subject-to", "copy.queue_wait_days.mean<=0.0072"],
    ));
    assert!(
        invocation.stdout.starts_with(&format!(
            "answer: copy_stations={expected} (total {expected})\n"
        )),
        "{}",
        invocation.stdout
    );
    assert!(
        invocation
            .stdout
            .contains("one less, copy_stations=5: fails"),
        "{}",
        invocation.stdout
    );

    let rows = candidates(&invocation);
    let answers: Vec<&Row> = rows
        .iter()
        .filter(|row| row.get("role") == "answer")
        .collect();
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].u64("datacenter.copy_stations"),
        u64::from(expected)
    );
    let one_less: Vec<&Row> = rows
        .iter()
        .filter(|row| row.get("role") == "one_less datacenter.copy_stations")
        .collect();
    assert_eq!(one_less.len(), 1);
    assert_eq!(
        one_less[0].u64("datacenter.copy_stations"),
        u64::from(expected - 1)
    );
    assert_eq!(one_less[0].get("verdict"), "infeasible");
    for row in &rows {
        // Every verdict follows from its bound, and the verdicts are monotone in c.
        let c = row.u64("datacenter.copy_stations") as u32;
        assert_eq!(row.get("constraint"), "<=0.0072");
        assert_eq!(row.u64("n"), 5);
        let holds = row.bool("holds");
        assert_eq!(holds, number(row, "bound") <= LIMIT, "{row:?}");
        assert_eq!(
            row.get("verdict"),
            if holds { "feasible" } else { "infeasible" }
        );
        assert_eq!(holds, c >= expected, "{row:?}");
        assert!(number(row, "bound") >= number(row, "mean"));
        if (4..=7).contains(&c) {
            // Stable candidates measure Erlang C's wait: within 40% (the
            // standard error above is 7-10%; the 300-day runs start empty).
            let relative = number(row, "mean") / wait(c) - 1.0;
            assert!(
                relative.abs() < 0.4,
                "c = {c}: {relative:+.3} from Erlang C"
            );
        } else if c > 7 {
            // Above 7 Erlang C's wait is below Wq(7) = 0.001089 d (and may
            // be measured as no wait at all): bounded by it, with the same 40%.
            assert!(number(row, "mean") < 1.4 * wait(7), "c = {c}: {row:?}");
        }
    }
    // A bisection over 1..16 and its checks: far fewer than 16 candidates.
    assert!(rows.len() <= 8, "{} candidates", rows.len());
    // Every candidate lists every metric of summary.csv once.
    let all = read_rows(&invocation.dir.join("optimize.csv"));
    let run = invoke_ok(&[
        "run",
        &path,
        "--set",
        "simulation.horizon=10d",
        "--set",
        "simulation.warmup=1d",
    ]);
    let metrics = read_rows(&run.dir.join("summary.csv")).len();
    assert_eq!(all.len(), rows.len() * metrics);
}

/// The baseline itself (365 days, 20 jobs a day, 10 replications): the
/// least copy stations for a mean copy queue wait of at most 6 hours is the
/// same within one station whatever the seed. Measured with this command:
/// 97, 96, 97, 97, 97, 96, 96, 97, 96, 96 for seeds 1 to 10 (the 95% upper
/// bound at the answer 0.21-0.25 d, at one less 0.25-0.30 d: the limit
/// falls between two neighbours, so a seed picks one of the two). The
/// range is cut to 60..140 to keep the bisection short; the bounds check
/// that the answer is not at either end of it.
#[test]
fn the_baseline_answer_is_stable_across_seeds() {
    let mut answers = Vec::new();
    for seed in ["1", "2", "3"] {
        let invocation = invoke_ok(&[
            "optimize",
            "--minimize",
            "datacenter.copy_stations=60..140",
            "--subject-to",
            "copy.queue_wait_days.mean<=6h",
            "--seed",
            seed,
        ]);
        let answer = candidates(&invocation)
            .into_iter()
            .find(|row| row.get("role") == "answer")
            .unwrap()
            .u64("datacenter.copy_stations");
        answers.push(answer);
    }
    let (low, high) = (answers.iter().min().unwrap(), answers.iter().max().unwrap());
    assert!(high - low <= 1, "answers by seed: {answers:?}");
    assert!((61..140).contains(low), "answers by seed: {answers:?}");
}

/// Same seed, same evidence, whatever the thread count: the candidates are
/// listed in search order, not in the order threads finished them. The
/// `--json` document gives the answer and its one-less evidence as
/// `optimize.csv` has them.
#[test]
fn optimize_csv_does_not_depend_on_threads() {
    let run = |threads: &str| {
        invoke_ok(&[
            "optimize",
            "--minimize",
            "datacenter.copy_stations=60..180,datacenter.receiving_staff=1..8,datacenter.packaging_staff=1..8",
            "--subject-to",
            "end_to_end_days.p90<=17.5",
            "--set",
            "simulation.horizon=60d",
            "--replications",
            "3",
            "--threads",
            threads,
            "--json",
        ])
    };
    let (one, two) = (run("1"), run("2"));
    let csv = fs::read(one.dir.join("optimize.csv")).unwrap();
    assert_eq!(csv, fs::read(two.dir.join("optimize.csv")).unwrap());

    let document = json_document(&one);
    assert_eq!(document["command"], "optimize");
    assert_eq!(document["feasible"], true);
    assert_eq!(document["answer"], document["best"]);
    let rows = candidates(&one);
    assert_eq!(document["candidates"], rows.len());
    let keys = [
        "datacenter.copy_stations",
        "datacenter.receiving_staff",
        "datacenter.packaging_staff",
    ];
    let values = |row: &Row| keys.map(|key| row.u64(key));
    let answer = rows.iter().find(|row| row.get("role") == "answer").unwrap();
    assert_eq!(
        keys.map(|key| document["answer"]["values"][key].as_u64().unwrap()),
        values(answer)
    );
    let constraint = &document["answer"]["constraints"][0];
    assert_eq!(constraint["metric"], "end_to_end_days.p90");
    assert_eq!(constraint["limit"], "<=");
    assert_eq!(constraint["holds"], true);
    assert_eq!(
        constraint["bound"].as_f64().unwrap(),
        number(answer, "bound")
    );
    for less in document["one_less"].as_array().unwrap() {
        let key = less["key"].as_str().unwrap();
        let row = rows
            .iter()
            .find(|row| row.get("role") == format!("one_less {key}"))
            .unwrap();
        assert_eq!(row.get("verdict"), "infeasible");
        assert_eq!(
            keys.map(|key| less["values"][key].as_u64().unwrap()),
            values(row)
        );
        let position = keys.iter().position(|known| *known == key).unwrap();
        let mut expected = values(answer);
        expected[position] -= 1;
        assert_eq!(values(row), expected, "{key}");
    }

    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with(
        "candidate,step,datacenter.copy_stations,datacenter.receiving_staff,\
         datacenter.packaging_staff,cost,verdict,role,metric,mean,stddev,n,constraint,bound,holds\n\
         1,upper_bounds,180,8,8,196,feasible,,end_to_end_days.p90,"
    ));
}

/// Bad input: one message naming what is wrong, exit 2, nothing run or
/// written.
#[test]
fn bad_optimize_input_exits_2_naming_it() {
    let check = |args: &[&str], expected: &[&str]| {
        let mut all = vec!["optimize"];
        all.extend_from_slice(args);
        let invocation = invoke(&all);
        assert_eq!(invocation.code, Some(2), "{args:?}: {}", invocation.stderr);
        for text in expected {
            assert!(
                invocation.stderr.contains(text),
                "{args:?}: {}",
                invocation.stderr
            );
        }
        assert!(
            !invocation.stderr.contains("panicked"),
            "{}",
            invocation.stderr
        );
        assert!(
            !invocation.dir.exists(),
            "{args:?} wrote {}",
            invocation.dir.display()
        );
    };
    let minimize = ["--minimize", "datacenter.copy_stations"];
    check(
        &[&minimize[..], &["--subject-to", "end_to_end_days.p95<=14"]].concat(),
        &[
            "unknown metric `end_to_end_days.p95`",
            "did you mean `end_to_end_days.p90`",
        ],
    );
    check(
        &[
            "--minimize",
            "datacenter.copy_lag",
            "--subject-to",
            "end_to_end_days.p90<=14",
        ],
        &[
            "`datacenter.copy_lag` is not a resource count",
            "datacenter.packaging_staff",
        ],
    );
    check(
        &[
            &minimize[..],
            &[
                "--subject-to",
                "end_to_end_days.p90<=14",
                "--cost",
                "policy.retention=2",
            ],
        ]
        .concat(),
        &["--cost `policy.retention=2`", "is not minimised"],
    );
    check(
        &[
            &minimize[..],
            &[
                "--subject-to",
                "end_to_end_days.p90<=14",
                "--replications",
                "1",
            ],
        ]
        .concat(),
        &["--replications must be at least 2"],
    );
    check(
        &[
            &minimize[..],
            &[
                "--subject-to",
                "end_to_end_days.p90<=14",
                "--confidence",
                "1",
            ],
        ]
        .concat(),
        &["--confidence must be at least 0.5 and below 1"],
    );
    check(
        &[
            &minimize[..],
            &[
                "--subject-to",
                "end_to_end_days.p90<=14",
                "--set",
                "datacenter.copy_stations=abc",
            ],
        ]
        .concat(),
        &["datacenter.copy_stations"],
    );
}

/// A service level no candidate in the box meets: exit 2 naming the best
/// found and what it misses, with the evidence written.
#[test]
fn an_infeasible_sla_exits_2_with_the_best_found() {
    let path = data_arg("mmc_copy.toml");
    let invocation = invoke(&mmc_args(
        &path,
        &[
            "--subject-to",
            "copy.queue_wait_days.mean<=0.0072",
            "--subject-to",
            "end_to_end_days.p90<=1d",
            "--json",
        ],
    ));
    assert_eq!(invocation.code, Some(2), "{}", invocation.stderr);
    let stderr = &invocation.stderr;
    assert!(
        stderr.contains("no candidate within the search bounds meets every constraint"),
        "{stderr}"
    );
    // Every end to end takes at least the 7 constant days, so the box's top
    // corner fails, and by monotonicity nothing below it can do better.
    assert!(
        stderr
            .contains("the best found, copy_stations=16, has end_to_end_days.p90: 95% upper bound"),
        "{stderr}"
    );
    assert!(stderr.contains("optimize.csv"), "{stderr}");
    let rows = candidates(&invocation);
    assert!(rows.iter().all(|row| row.get("verdict") == "infeasible"));
    assert!(rows.iter().all(|row| row.get("role").is_empty()));
    // --json still describes the search: no answer, the best found.
    let document = json_document(&invocation);
    assert_eq!(document["feasible"], false);
    assert!(document["answer"].is_null());
    assert_eq!(document["best"]["values"]["datacenter.copy_stations"], 16);
    assert_eq!(document["best"]["constraints"][1]["holds"], false);
    assert_eq!(document["one_less"].as_array().unwrap().len(), 0);
}
