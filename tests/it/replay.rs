//! `impexsim replay` (issue 12) against an in-process stub target
//! (`stub`): expectations checked and mismatches counted by kind, a stall
//! that shows in the latency from the intended send time, thresholds and
//! their exit code, an unreachable target, malformed lines, Ctrl-C, the
//! stopping options, and `impexsim calls --out - | impexsim replay -`.
//!
//! Streams are written by hand here, with calls spaced in simulated time
//! so that at `--speed 1000` they are due a known number of milliseconds
//! apart; expected latencies follow from the stub's fixed stall. Every run
//! has a timeout, every wait loop a bound.

mod stub;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::value::RawValue;
use tempfile::TempDir;

use self::stub::{STALL, Stub};
use crate::{Row, data, impexsim, parse_time, read_header, read_rows, start};

/// The longest any replay here may take.
const RUN_LIMIT: Duration = Duration::from_secs(60);

const SUBSCRIPTION: &str = "3f2a0c1e-5b7d-4e9f-8a6b-1c2d3e4f5a6b";

fn job_path(job: &str) -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.ImportExport/jobs/{job}?api-version=2016-11-01"
    )
}

/// A call line `at_ms` after `start()`.
fn line(at_ms: i64, job: &str, key: u64, method: &str, status: u16, state: Option<&str>) -> String {
    let at = (start() + chrono::TimeDelta::milliseconds(at_ms))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let state = state
        .map(|s| format!(r#","state":"{s}""#))
        .unwrap_or_default();
    let body = if method == "GET" {
        String::new()
    } else {
        r#","body":{"properties":{"logLevel":"Verbose"}}"#.to_string()
    };
    format!(
        r#"{{"at":"{at}","job":"{job}","key":"{key}.0","method":"{method}","path":"{}"{body},"expect":{{"status":{status}{state}}}}}"#,
        job_path(job)
    )
}

/// A Get Job poll of `job` expecting 200 `Creating`, `at_ms` after the start.
fn poll(at_ms: i64, job: &str, key: u64) -> String {
    line(at_ms, job, key, "GET", 200, Some("Creating"))
}

/// A call stream in a temporary file.
struct Stream {
    tmp: TempDir,
    path: PathBuf,
}

fn stream(lines: &[String]) -> Stream {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("calls.jsonl");
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(&path, text).unwrap();
    Stream { tmp, path }
}

impl Stream {
    fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }

    fn out(&self) -> PathBuf {
        self.tmp.path().join("out")
    }
}

/// What one `impexsim replay` did and wrote.
struct Replayed {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    dir: PathBuf,
}

impl Replayed {
    fn written(&self) -> bool {
        self.dir.join("replay-summary.csv").is_file()
    }

    /// `replay.csv`, in the order rows were written.
    fn rows(&self) -> Vec<Row> {
        read_rows(&self.dir.join("replay.csv"))
    }

    fn summary(&self) -> BTreeMap<String, String> {
        read_rows(&self.dir.join("replay-summary.csv"))
            .into_iter()
            .map(|row| (row.get("metric").to_string(), row.get("value").to_string()))
            .collect()
    }

    #[track_caller]
    fn metric(&self, name: &str) -> f64 {
        let summary = self.summary();
        let text = summary
            .get(name)
            .unwrap_or_else(|| panic!("no metric {name}"));
        text.parse()
            .unwrap_or_else(|err| panic!("metric {name} = `{text}`: {err}"))
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(self.dir.join("replay.json")).unwrap()).unwrap()
    }

    /// The rows of each job's calls, by the job's name as sent.
    fn outcomes_by_job(&self) -> BTreeMap<String, Vec<String>> {
        let mut jobs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in self.rows() {
            jobs.entry(row.get("job").to_string())
                .or_default()
                .push(row.get("outcome").to_string());
        }
        jobs
    }
}

/// Runs `impexsim replay <calls> <args> --out <stream's dir>/out --quiet`.
fn replay(calls: &Stream, args: &[&str]) -> Replayed {
    let dir = calls.out();
    let output = impexsim()
        .arg("replay")
        .arg(calls.arg())
        .args(args)
        .arg("--out")
        .arg(&dir)
        .arg("--quiet")
        .timeout(RUN_LIMIT)
        .output()
        .expect("the binary runs");
    let replayed = Replayed {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        dir,
    };
    assert!(
        !replayed.stderr.contains("panicked"),
        "a panic reached the user:\n{}",
        replayed.stderr
    );
    replayed
}

#[track_caller]
fn assert_code(replayed: &Replayed, code: i32) {
    assert_eq!(
        replayed.code,
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        replayed.stdout,
        replayed.stderr
    );
}

/// Issue 12: "against a stub target that answers 500 to some calls and
/// wrong states to others ... the mismatches are counted by kind ... and a
/// threshold fails with exit 3". Here also a timeout (a stall longer than
/// `--timeout`), a closed connection (transport) and an expected 404.
#[test]
fn mismatches_are_counted_by_kind_and_a_failed_threshold_exits_3() {
    let jobs = [
        ("job-a", 2),
        ("job-b", 2),
        ("job-fail-c", 2),
        ("job-stale-d", 3),
        ("job-slow-e", 1),
        ("job-drop-f", 1),
        ("job-g", 1),
    ];
    let mut lines = Vec::new();
    let mut at = 0;
    for round in 0..3 {
        for (key, &(job, polls)) in jobs.iter().enumerate() {
            if round < polls {
                lines.push(poll(at, job, key as u64));
                at += 20_000;
            }
        }
    }
    // A job gone: a 404 is what is expected, and what the stub answers.
    lines.push(line(at, "job-gone-h", 7, "GET", 404, None));
    lines.push(line(
        at + 20_000,
        "job-gone-i",
        8,
        "GET",
        200,
        Some("Creating"),
    ));
    lines.push(line(at + 40_000, "job-j", 9, "PUT", 201, Some("Creating")));
    let calls = stream(&lines);
    let stub = Stub::start();
    let replayed = replay(
        &calls,
        &[
            "--target",
            &stub.url(),
            "--speed",
            "1000",
            "--concurrency",
            "3",
            "--timeout",
            "300ms",
            "--name-prefix",
            "",
            "--threshold",
            "mismatches==0",
            "--threshold",
            "mismatches.status<=2",
            "--threshold",
            "requests>=15",
        ],
    );
    assert_code(&replayed, 3);
    assert!(
        replayed
            .stdout
            .contains("FAIL mismatches==0 (mismatches = 8)"),
        "{}",
        replayed.stdout
    );
    assert!(
        replayed.stdout.contains("FAIL mismatches.status<=2"),
        "{}",
        replayed.stdout
    );
    assert!(
        replayed.stdout.contains("PASS requests>=15"),
        "{}",
        replayed.stdout
    );
    assert!(
        replayed.stderr.contains("2 of 3 thresholds failed"),
        "{}",
        replayed.stderr
    );

    // By hand: 15 requests; job-fail-c polls twice and job-gone-i expects
    // 200 (3 status), job-stale-d polls three times (3 state), job-slow-e
    // stalls past the timeout, job-drop-f gets no answer: 8 mismatches.
    let by_job = replayed.outcomes_by_job();
    let expected: BTreeMap<String, Vec<String>> = [
        ("job-a", vec!["ok"; 2]),
        ("job-b", vec!["ok"; 2]),
        ("job-fail-c", vec!["status"; 2]),
        ("job-stale-d", vec!["state"; 3]),
        ("job-slow-e", vec!["timeout"]),
        ("job-drop-f", vec!["transport"]),
        ("job-g", vec!["ok"]),
        ("job-gone-h", vec!["ok"]),
        ("job-gone-i", vec!["status"]),
        ("job-j", vec!["ok"]),
    ]
    .into_iter()
    .map(|(job, outcomes)| {
        (
            job.to_string(),
            outcomes.into_iter().map(String::from).collect(),
        )
    })
    .collect();
    assert_eq!(by_job, expected);
    for (metric, value) in [
        ("requests", 15.0),
        ("ok", 7.0),
        ("mismatches", 8.0),
        ("mismatches.status", 3.0),
        ("mismatches.state", 3.0),
        ("mismatches.timeout", 1.0),
        ("mismatches.transport", 1.0),
        ("requests.get", 14.0),
        ("requests.put", 1.0),
        ("requests.unsent", 0.0),
    ] {
        assert_eq!(replayed.metric(metric), value, "{metric}");
    }
    assert!(
        (replayed.metric("mismatches.fraction") - 8.0 / 15.0).abs() < 1e-6,
        "fraction"
    );
    // The timed-out request was abandoned at the timeout, well before the stall ended.
    let rows = replayed.rows();
    let slow = rows.iter().find(|r| r.get("job") == "job-slow-e").unwrap();
    let waited: f64 = slow.get("service_ms").parse().unwrap();
    assert!(
        (300.0..STALL.as_millis() as f64).contains(&waited),
        "waited {waited} ms"
    );
    let state_row = rows.iter().find(|r| r.get("job") == "job-stale-d").unwrap();
    assert_eq!(state_row.get("state"), "Closed");
    assert_eq!(state_row.get("expected_state"), "Creating");
    let fail_row = rows.iter().find(|r| r.get("job") == "job-fail-c").unwrap();
    assert_eq!(fail_row.get("status"), "500");
    assert_eq!(fail_row.get("state"), "", "an error body has no state");
    let verdicts = read_rows(&replayed.dir.join("replay-thresholds.csv"));
    let passed: Vec<&str> = verdicts.iter().map(|r| r.get("passed")).collect();
    assert_eq!(passed, ["false", "false", "true"]);
}

/// Issue 12: "one that stalls for a second: ... the stall shows in the
/// latency from intended send time (not only from actual send time)".
///
/// One worker, 12 polls due 100 ms apart (`--speed 1000`, 100 s apart in
/// simulated time); the third (due at 200 ms) stalls `STALL` = 1 s, so the
/// ones due at 300, 400, ... 1100 ms all leave at about 1200 ms, one after
/// another. By hand, latency from the intended time: 1000 ms for the stalled
/// one, then 900, 800, 700, 600, 500, 400, ..., 100 ms; service time about 1
/// ms for all but the stalled one. So 6 requests take at least 450 ms from
/// their intended time, 1 from its actual send; the largest lag is the 900
/// ms of the one due at 300 ms. Tolerance: 50 ms for scheduling noise.
#[test]
fn a_stall_shows_in_the_latency_from_the_intended_send_time() {
    let lines: Vec<String> = (0..12)
        .map(|i| {
            let job = if i == 2 {
                "job-slow-1".to_string()
            } else {
                format!("job-{i}")
            };
            poll(i * 100_000, &job, i as u64)
        })
        .collect();
    let calls = stream(&lines);
    let stub = Stub::start();
    let replayed = replay(
        &calls,
        &[
            "--target",
            &stub.url(),
            "--speed",
            "1000",
            "--concurrency",
            "1",
            "--threshold",
            "latency.p99<=250ms",
            "--threshold",
            "service_time.p50<=250ms",
        ],
    );
    assert_code(&replayed, 3);
    assert!(
        replayed.stdout.contains("FAIL latency.p99<=250ms"),
        "{}",
        replayed.stdout
    );
    assert!(
        replayed.stdout.contains("PASS service_time.p50<=250ms"),
        "{}",
        replayed.stdout
    );

    let rows = replayed.rows();
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| r.get("outcome") == "ok"));
    let ms = |row: &Row, column: &str| -> f64 { row.get(column).parse().unwrap() };
    let slow_from_due = rows.iter().filter(|r| ms(r, "latency_ms") >= 450.0).count();
    let slow_from_sent = rows.iter().filter(|r| ms(r, "service_ms") >= 450.0).count();
    assert_eq!(slow_from_due, 6, "latency from the intended time");
    assert_eq!(slow_from_sent, 1, "service time");
    let near = |got: f64, expected: f64| (got - expected).abs() <= 50.0;
    let max = replayed.metric("latency.max");
    assert!(near(max, STALL.as_millis() as f64), "latency.max {max}");
    let lag = replayed.metric("lag.max");
    assert!(near(lag, 900.0), "lag.max {lag}");
    assert!(replayed.metric("service_time.p50") < 50.0);
    assert_eq!(replayed.metric("behind_schedule"), 1.0);
    // Intended times are 100 ms apart whatever happened; the actual ones bunch up.
    let scheduled: Vec<_> = rows.iter().map(|r| r.time_set("scheduled_at")).collect();
    for pair in scheduled.windows(2) {
        let gap = (pair[1] - pair[0]).num_milliseconds();
        assert!((95..=105).contains(&gap), "intended times {gap} ms apart");
    }
    let sent_after_stall = rows[3].time_set("sent_at") - rows[2].time_set("sent_at");
    assert!(
        sent_after_stall.num_milliseconds() >= 950,
        "the next call left {} ms after the stalled one",
        sent_after_stall.num_milliseconds()
    );
}

/// Issue 12: "an unreachable target: a clear message, exit 1, and the
/// results so far still written". First a port nobody listens on, then a
/// target that answers three requests and is gone.
#[test]
fn an_unreachable_target_exits_1_and_the_results_so_far_are_written() {
    let lines: Vec<String> = (0..10).map(|i| poll(i * 20_000, "job-a", 0)).collect();
    let calls = stream(&lines);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = format!("http://127.0.0.1:{port}");
    let replayed = replay(&calls, &["--target", &target, "--speed", "1000"]);
    assert_code(&replayed, 1);
    assert!(
        replayed
            .stderr
            .contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{}",
        replayed.stderr
    );
    assert!(replayed.written(), "the results are written");
    let rows = replayed.rows();
    assert_eq!(rows.len(), 1, "one attempt, then the run stops");
    assert_eq!(rows[0].get("outcome"), "transport");
    assert!(rows[0].get("error").contains("cannot connect"));
    assert_eq!(replayed.json()["stopped"], "unreachable");
    // The reader may stop before it has read the other nine calls.
    assert!(replayed.metric("requests.unsent") <= 9.0);

    let stub = Stub::closing_after(3);
    let calls = stream(&lines);
    let replayed = replay(&calls, &["--target", &stub.url(), "--speed", "1000"]);
    assert_code(&replayed, 1);
    assert!(
        replayed.stderr.contains("cannot connect to"),
        "{}",
        replayed.stderr
    );
    let outcomes: Vec<String> = replayed
        .rows()
        .iter()
        .map(|r| r.get("outcome").to_string())
        .collect();
    assert_eq!(
        outcomes,
        ["ok", "ok", "ok", "transport"],
        "{}",
        replayed.stderr
    );
    assert_eq!(stub.received().len(), 3);
}

/// Issue 12: "a malformed JSONL line: exit 2 naming the line number (or,
/// with --skip-bad-lines, counted)".
#[test]
fn a_malformed_line_exits_2_naming_it_or_is_skipped_and_counted() {
    let stub = Stub::start();
    let mut lines: Vec<String> = (0..4).map(|i| poll(i * 10_000, "job-a", 0)).collect();
    lines[2] = r#"{"at":"2026-01-05T00:00:20Z","job":"job-a","#.to_string();
    let calls = stream(&lines);
    let replayed = replay(&calls, &["--target", &stub.url(), "--speed", "1000"]);
    assert_code(&replayed, 2);
    let message = format!("{}:3:", calls.arg());
    assert!(replayed.stderr.contains(&message), "{}", replayed.stderr);
    assert!(
        replayed.stderr.contains("not a call line"),
        "{}",
        replayed.stderr
    );
    if replayed.written() {
        // What was sent before the bad line was read is on record.
        assert_eq!(replayed.json()["stopped"], "input_failed");
        assert!(replayed.rows().len() <= 2);
    }

    let replayed = replay(
        &calls,
        &[
            "--target",
            &stub.url(),
            "--speed",
            "1000",
            "--skip-bad-lines",
        ],
    );
    assert_code(&replayed, 0);
    assert!(
        replayed
            .stderr
            .contains(&format!("warning: skipped {message}")),
        "{}",
        replayed.stderr
    );
    assert_eq!(replayed.metric("lines.skipped"), 1.0);
    assert_eq!(replayed.metric("requests"), 3.0);
    let lines_sent: Vec<&str> = vec!["1", "2", "4"];
    let rows = replayed.rows();
    let mut got: Vec<&str> = rows.iter().map(|r| r.get("line")).collect();
    got.sort_unstable();
    assert_eq!(got, lines_sent);

    // A bad first line: nothing was sent, nothing is left behind.
    let calls = stream(&["{}".to_string(), poll(0, "job-a", 0)]);
    let replayed = replay(&calls, &["--target", &stub.url()]);
    assert_code(&replayed, 2);
    assert!(
        replayed.stderr.contains(":1:") || replayed.stderr.contains(":1 "),
        "{}",
        replayed.stderr
    );
    assert!(
        replayed.stderr.contains("missing field `at`"),
        "{}",
        replayed.stderr
    );
    assert!(!replayed.dir.exists(), "nothing left behind");
    assert_eq!(
        fs::read_dir(calls.tmp.path()).unwrap().count(),
        1,
        "only the call file"
    );
}

/// Bad options are refused before anything is sent.
#[test]
fn bad_options_exit_2_before_anything_is_sent() {
    let stub = Stub::start();
    let calls = stream(&[poll(0, "job-a", 0)]);
    for (args, expected) in [
        (
            vec!["--target", "https://127.0.0.1:1"],
            "https is not supported",
        ),
        (vec!["--target", "127.0.0.1:1"], "expected http://HOST"),
        (
            vec!["--threshold", "latncy.p99<=1ms"],
            "did you mean `latency.p99`?",
        ),
        (vec!["--threshold", "latency.p99<=1h"], "unknown unit `h`"),
        (vec!["--name-prefix", "9x-"], "--name-prefix `9x-`"),
        (
            vec!["--speed", "0"],
            "--speed 0: expected a positive number",
        ),
        (vec!["--duration", "soon"], "--duration"),
    ] {
        let url = stub.url();
        let mut all = args.clone();
        if !all.contains(&"--target") {
            all.extend(["--target", url.as_str()]);
        }
        let replayed = replay(&calls, &all);
        assert_code(&replayed, 2);
        assert!(
            replayed.stderr.contains(expected),
            "{args:?}: {}",
            replayed.stderr
        );
        assert!(!replayed.dir.exists(), "{args:?} left output behind");
    }
    let missing = impexsim()
        .args(["replay", "no/such/calls.jsonl", "--target", &stub.url()])
        .timeout(RUN_LIMIT)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read no/such/calls.jsonl"));
    assert!(stub.received().is_empty(), "nothing was sent");
}

/// `--max-requests` and `--duration` stop the run by themselves; with a
/// schedule, `--duration` keeps exactly the calls due before it.
#[test]
fn max_requests_and_duration_bound_the_run() {
    let stub = Stub::start();
    let lines: Vec<String> = (0..10)
        .map(|i| poll(i * 100_000, &format!("job-{i}"), i as u64))
        .collect();
    let calls = stream(&lines);
    let replayed = replay(
        &calls,
        &[
            "--target",
            &stub.url(),
            "--speed",
            "1000",
            "--max-requests",
            "4",
        ],
    );
    assert_code(&replayed, 0);
    assert_eq!(replayed.rows().len(), 4);
    assert_eq!(replayed.json()["stopped"], "max_requests");

    // Due at 0, 100, ..., 400 ms: five calls before 450 ms.
    let replayed = replay(
        &calls,
        &[
            "--target",
            &stub.url(),
            "--speed",
            "1000",
            "--duration",
            "450ms",
        ],
    );
    assert_code(&replayed, 0);
    assert_eq!(replayed.rows().len(), 5);
    assert_eq!(replayed.json()["stopped"], "duration");
}

/// Issue 12: "Ctrl-C stops sending, drains what is in flight, and still
/// writes the results". 50 polls due 100 ms apart; SIGINT once the stub
/// has seen 3 (a bounded wait), then the run ends well before the stream.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_sending_and_the_results_are_written() {
    let stub = Stub::start();
    let lines: Vec<String> = (0..50)
        .map(|i| poll(i * 100_000, &format!("job-{i}"), i as u64))
        .collect();
    let calls = stream(&lines);
    let dir = calls.out();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_impexsim"))
        .args([
            "replay",
            calls.arg(),
            "--target",
            &stub.url(),
            "--speed",
            "1000",
            "--quiet",
        ])
        .arg("--out")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let began = Instant::now();
    while stub.received().len() < 3 {
        assert!(began.elapsed() < RUN_LIMIT, "the stub saw no requests");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if began.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("replay did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let replayed = Replayed {
        code: status.code(),
        stdout: String::new(),
        stderr: stderr.into_owned(),
        dir,
    };
    assert_eq!(replayed.json()["stopped"], "interrupted");
    let rows = replayed.rows();
    assert!(rows.len() >= 3 && rows.len() < 50, "{} rows", rows.len());
    // Every request the stub received was answered and is on record.
    assert_eq!(rows.len(), stub.received().len());
    assert!(rows.iter().all(|r| r.get("outcome") == "ok"));
    assert_eq!(
        replayed.metric("requests") + replayed.metric("requests.unsent"),
        50.0
    );
}

/// A call line's body, byte for byte.
#[derive(Deserialize)]
struct RawBody<'a> {
    #[serde(borrow)]
    body: Option<&'a RawValue>,
}

/// Issue 12: "`impexsim calls --out - | impexsim replay - ...` works", and
/// each request is the line's method, path and body as written (the job
/// renamed), with the headers the load generator promises. Which answers
/// meet their expectation follows from the stub's rule, computed here from
/// the lines alone.
#[test]
fn calls_piped_into_replay_send_every_line_as_written() {
    let stub = Stub::start();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("out");
    let scenario = data("fixtures_errors.toml");
    let script = format!(
        "'{bin}' calls '{scenario}' --out - --quiet | '{bin}' replay - --target {url} \
         --as-fast-as-possible --concurrency 8 --name-prefix t1- --token s3cret --out '{dir}' \
         --quiet",
        bin = env!("CARGO_BIN_EXE_impexsim"),
        scenario = scenario.display(),
        url = stub.url(),
        dir = dir.display(),
    );
    let output = assert_cmd::Command::new("sh")
        .args(["-c", &script])
        .timeout(RUN_LIMIT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let calls = impexsim()
        .args(["calls"])
        .arg(&scenario)
        .args(["--out", "-", "--quiet"])
        .timeout(RUN_LIMIT)
        .output()
        .unwrap();
    let text = String::from_utf8(calls.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let received = stub.received();
    assert_eq!(received.len(), lines.len(), "one request per line");

    // Match each request to its line by (job key, simulated time, method).
    let mut by_call: BTreeMap<
        (String, chrono::DateTime<chrono::Utc>, String),
        Vec<&stub::Received>,
    > = BTreeMap::new();
    for request in &received {
        let key = (
            request.header("x-impexsim-job-key").unwrap().to_string(),
            parse_time(request.header("x-impexsim-at").unwrap()),
            request.method.clone(),
        );
        by_call.entry(key).or_default().push(request);
    }
    let mut expected_ok = 0;
    let mut ids = BTreeSet::new();
    for text in &lines {
        let call: serde_json::Value = serde_json::from_str(text).unwrap();
        let raw: RawBody<'_> = serde_json::from_str(text).unwrap();
        let field = |name: &str| call[name].as_str().unwrap().to_string();
        let key = (field("key"), parse_time(&field("at")), field("method"));
        let request = by_call
            .get_mut(&key)
            .and_then(Vec::pop)
            .unwrap_or_else(|| panic!("no request for {text}"));
        let job = field("job");
        assert_eq!(
            request.path,
            field("path").replace(&format!("/jobs/{job}?"), &format!("/jobs/t1-{job}?")),
        );
        assert_eq!(
            request.body,
            raw.body
                .map(|b| b.get().as_bytes().to_vec())
                .unwrap_or_default(),
            "the body as written"
        );
        assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
        let at = request.header("x-impexsim-at").unwrap();
        assert!(
            at.len() == 24 && at.ends_with('Z'),
            "milliseconds always: {at}"
        );
        let id = request.header("x-ms-client-request-id").unwrap();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        assert!(ids.insert(id.to_string()), "request ids are unique");
        if raw.body.is_some() {
            assert_eq!(request.header("content-type"), Some("application/json"));
        }
        // The stub: 201 Creating for PUT, 200 Creating otherwise.
        let status = call["expect"]["status"].as_u64().unwrap();
        let stub_status = if field("method") == "PUT" { 201 } else { 200 };
        let state_ok = call["expect"]["state"]
            .as_str()
            .is_none_or(|state| state == "Creating");
        expected_ok += usize::from(status == stub_status && state_ok);
    }
    let replayed = Replayed {
        code: Some(0),
        stdout: String::new(),
        stderr: stderr.into_owned(),
        dir,
    };
    assert_eq!(replayed.metric("requests"), lines.len() as f64);
    assert_eq!(replayed.metric("ok"), expected_ok as f64);
    assert!(
        expected_ok > 100 && expected_ok < lines.len(),
        "{expected_ok}"
    );
    assert!(replayed.metric("connections") <= 8.0);
    assert_eq!(replayed.json()["input"], "standard input");
    // No schedule, no lag.
    assert_eq!(replayed.summary()["lag.p99"], "");
    assert_eq!(replayed.summary()["behind_schedule"], "");
    assert_eq!(
        read_header(&replayed.dir.join("replay.csv")),
        [
            "scheduled_at",
            "sent_at",
            "job",
            "method",
            "path_template",
            "status",
            "expected_status",
            "state",
            "expected_state",
            "latency_ms",
            "service_ms",
            "outcome",
            "at",
            "key",
            "line",
            "error"
        ]
    );
}

/// `--name-prefix`: by default a new run id each run, so two replays of one
/// stream use different job names; `''` keeps the names.
#[test]
fn default_name_prefixes_differ_between_runs() {
    let stub = Stub::start();
    let calls = stream(&[line(0, "job-a", 0, "PUT", 201, Some("Creating"))]);
    for _ in 0..2 {
        assert_code(&replay(&calls, &["--target", &stub.url()]), 0);
    }
    assert_code(
        &replay(&calls, &["--target", &stub.url(), "--name-prefix", ""]),
        0,
    );
    let names: Vec<String> = stub
        .received()
        .iter()
        .map(|r| r.job().to_string())
        .collect();
    assert_eq!(names.len(), 3);
    assert_ne!(names[0], names[1]);
    for name in &names[..2] {
        let prefix = name.strip_suffix("job-a").expect("prefixed");
        assert!(
            prefix.len() == 7 && prefix.starts_with('r') && prefix.ends_with('-'),
            "{name}"
        );
    }
    assert_eq!(names[2], "job-a");
}

/// `tests/data/closed_loop.toml` is the scenario of the closed loop (its
/// calls replayed against a server simulating the same scenario and seed
/// must meet every expectation): it must hold the paths that loop is
/// meant to cover, in its jobs and in its call stream.
#[test]
fn the_closed_loop_scenario_holds_every_path_it_is_meant_to_cover() {
    let run = crate::run_scenario("closed_loop.toml", &[]);
    assert!(
        (250..=400).contains(&run.jobs.len()),
        "a few hundred jobs: {}",
        run.jobs.len()
    );
    let met: BTreeSet<&str> = run.jobs.iter().flat_map(Row::events).collect();
    for event in [
        "job_fault",
        "drive_fault",
        "shipping_overdue",
        "shipping_extended",
        "shipping_cancelled",
        "orphan_drives",
        "package_late",
        "cancel_rejected",
        "return_address_missing",
        "return_address_wrong",
        "drives_destroyed",
    ] {
        assert!(met.contains(event), "no job met {event}");
    }
    assert!(
        run.jobs.iter().any(|job| job.bool("cancelled")),
        "no cancellation"
    );
    let outcomes: BTreeSet<&str> = run.jobs.iter().map(|job| job.get("outcome")).collect();
    assert_eq!(
        outcomes,
        BTreeSet::from(["closed", "completed", "expired"]),
        "every job settles"
    );

    let calls = impexsim()
        .args(["calls"])
        .arg(data("closed_loop.toml"))
        .args(["--out", "-", "--quiet"])
        .timeout(RUN_LIMIT)
        .output()
        .unwrap();
    let text = String::from_utf8(calls.stdout).unwrap();
    let mut expected: BTreeSet<(String, u64, String)> = BTreeSet::new();
    for text in text.lines() {
        let call: serde_json::Value = serde_json::from_str(text).unwrap();
        let cancel = call["body"]["properties"]["cancelRequested"] == true;
        let kind = if cancel {
            "cancel".to_string()
        } else {
            call["method"].as_str().unwrap().to_string()
        };
        let state = call["expect"]["state"].as_str().unwrap_or("-").to_string();
        expected.insert((kind, call["expect"]["status"].as_u64().unwrap(), state));
    }
    let has = |kind: &str, status: u64, state: &str| {
        expected.contains(&(kind.to_string(), status, state.to_string()))
    };
    for (kind, status, state) in [
        ("PUT", 201, "Creating"),
        ("PATCH", 200, "Shipping"),
        ("PATCH", 400, "Creating"),
        ("PATCH", 404, "-"),
        ("cancel", 200, "Creating"),
        ("cancel", 200, "Shipping"),
        ("GET", 200, "Faulted"),
        ("GET", 200, "Transferring"),
        ("GET", 200, "Closed"),
        ("GET", 200, "Completed"),
        ("GET", 404, "-"),
    ] {
        assert!(
            has(kind, status, state),
            "no {kind} expecting {status} {state}"
        );
    }
    assert!(
        expected
            .iter()
            .any(|(kind, status, _)| kind == "cancel" && *status == 409),
        "no refused cancellation"
    );
}
