//! Output safety: what a command leaves on disk when a write fails, a signal
//! comes, a second command writes the same target, or the target is not a
//! place an output can go; and the defaults that keep outputs out of the
//! working tree.
//!
//! Commands that must be stopped run `tests/data/endless.toml` (a million
//! jobs, some 20 s if left alone) and are stopped long before they could
//! finish; every wait is bounded (`wait_bounded`, `wait_until`), and a
//! command still running at its bound is killed and the test fails.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use impexsim::interrupt::Interrupt;
use impexsim::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use impexsim::run::{RunError, RunOptions, ThreadsError, run_to_dir};
use impexsim::scenario::Scenario;
use impexsim::sim::{RecordSink, run_replication};

use crate::{data, data_arg, entries, impexsim};

/// Longest any stopped command may take to end.
const BOUND: Duration = Duration::from_secs(60);

/// `impexsim ARGS` in the background, in `dir`, its output discarded.
fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_impexsim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits for `child` to end, at most `BOUND`; kills it and fails past that.
#[track_caller]
fn wait_bounded(child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command did not end within {BOUND:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `ready()` holds, at most `BOUND`.
#[track_caller]
fn wait_until(what: &str, child: &mut Child, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the command ended ({status}) before {what}");
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no {what} within {BOUND:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// The staging path of `target` for the process `pid`.
fn staging(target: &Path, pid: u32) -> PathBuf {
    let name = target.file_name().unwrap().to_string_lossy();
    target.with_file_name(format!(".{name}.tmp-{pid}"))
}

fn send(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} failed");
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Issue 7: SIGINT or SIGTERM left `.NAME.tmp-PID` (and sometimes
/// `.NAME.old`) behind. Every command that writes output now unwinds: exit
/// 130 for SIGINT, 143 for SIGTERM, nothing left beside the target.
#[test]
fn signals_leave_no_staging_directory_behind() {
    let endless = data_arg("endless.toml");
    let commands: [(&[&str], &str); 5] = [
        (&["run"], "INT"),
        (
            &["sweep", "--vary", "datacenter.copy_stations=16440,16441"],
            "TERM",
        ),
        (
            &["compare", "--candidate", "policy.creating_timeout=7d"],
            "INT",
        ),
        (&["fixtures", "--all"], "TERM"),
        (&["calls"], "INT"),
    ];
    for (command, signal) in commands {
        let tmp = TempDir::new().unwrap();
        let out = tmp.path().join("out");
        let mut args = command.to_vec();
        args.extend([endless.as_str(), "--quiet", "--out", "out"]);
        let mut child = spawn(tmp.path(), &args);
        let staged = staging(&out, child.id());
        wait_until("staging", &mut child, || staged.exists());
        send(signal, &child);
        let status = wait_bounded(&mut child);
        let stderr = stderr_of(&mut child);
        let expected = if signal == "INT" { 130 } else { 143 };
        assert_eq!(status.code(), Some(expected), "{command:?}: {stderr}");
        assert!(stderr.contains("interrupted"), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command:?}: {stderr}");
        assert_eq!(
            entries(tmp.path()),
            Vec::<String>::new(),
            "{command:?} left something behind"
        );
    }
}

/// Issue 7: what a SIGKILL leaves (it cannot be caught) is removed by the
/// next command into the same target, which holds the lock and so knows no
/// live process is writing there.
#[test]
fn staging_left_by_a_killed_run_is_removed_by_the_next_run() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let mut child = spawn(
        tmp.path(),
        &["run", &data_arg("endless.toml"), "--quiet", "--out", "out"],
    );
    let staged = staging(&out, child.id());
    wait_until("staging", &mut child, || staged.exists());
    send("KILL", &child);
    let status = wait_bounded(&mut child);
    assert_eq!(status.code(), None, "killed by the signal");
    assert!(staged.exists(), "a SIGKILL leaves the staging directory");

    impexsim()
        .args(["run", &data_arg("quiet.toml"), "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(entries(tmp.path()), ["out"]);
}

/// Issue 8: two runs replacing the same `--out` raced (`cannot write ...`)
/// and the fixed backup name `.NAME.old` deleted a user's own folder of that
/// name. The second run now fails at once naming the other writer, and the
/// user's `.out.old` survives every replacement.
#[test]
fn second_run_into_the_same_out_fails_at_once_and_a_users_old_folder_survives() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let users = tmp.path().join(".out.old");
    fs::create_dir(&users).unwrap();
    fs::write(users.join("keep.txt"), "mine").unwrap();
    let quiet = data_arg("quiet.toml");
    for _ in 0..2 {
        impexsim()
            .args(["run", &quiet, "--quiet", "--out"])
            .arg(&out)
            .assert()
            .success();
    }

    let mut first = spawn(
        tmp.path(),
        &["run", &data_arg("endless.toml"), "--quiet", "--out", "out"],
    );
    let staged = staging(&out, first.id());
    wait_until("staging", &mut first, || staged.exists());
    let second = impexsim()
        .args(["run", &quiet, "--quiet", "--out"])
        .arg(&out)
        .timeout(BOUND)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("another impexsim command is writing it"),
        "{stderr}"
    );
    send("TERM", &first);
    assert_eq!(wait_bounded(&mut first).code(), Some(143));

    assert_eq!(fs::read_to_string(users.join("keep.txt")).unwrap(), "mine");
    assert_eq!(entries(tmp.path()), [".out.old", "out"]);
    assert!(out.join("run.json").is_file(), "the earlier output stays");
}

/// Issue 2: a closed standard output was noticed only at the end, so
/// `calls --out - | head -1` ran until killed. It now stops at the first
/// failed write, quietly and with success, as ripgrep does.
#[test]
fn calls_into_a_closed_pipe_stops_at_once() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_impexsim"))
        .args(["calls", &data_arg("endless.toml"), "--quiet", "--out", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    assert!(first_line.starts_with("{\"at\":"), "{first_line}");
    // The reader is gone (dropped above), as after `| head -1`.
    let status = wait_bounded(&mut child);
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "", "a closed pipe is not an error");
}

/// Issue 2: a full device was noticed only at the end (a 1M-job run into a
/// full disk ran 28 s before exit 1). It now ends at the first failed write.
#[test]
fn a_full_device_stops_the_command_at_the_first_failed_write() {
    let output = impexsim()
        .args(["calls", &data_arg("endless.toml"), "--quiet", "--out"])
        .arg("/dev/full")
        .timeout(BOUND)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write /dev/full"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

/// A sink whose writes "fail" after the first job: the engine must stop
/// within one progress interval, not run the scenario to its end.
struct FailingSink {
    jobs: u64,
    fail_after: Option<u64>,
}

impl RecordSink for FailingSink {
    fn job(&mut self, _job: JobRecord, _drives: &[DriveRecord]) {
        self.jobs += 1;
    }
    fn timeseries(&mut self, _row: &TimeseriesRow) {}
    fn wants_trace(&self) -> bool {
        false
    }
    fn trace(&mut self, _event: &TraceEvent) {}
    fn stopped(&self) -> bool {
        self.fail_after.is_some_and(|after| self.jobs >= after)
    }
}

/// Issue 2, in the library: `RecordSink::stopped` ends a replication early.
/// The baseline simulates some 7,300 jobs in about 110,000 events; the
/// engine asks every 4,096 events, so a sink that fails at its first job
/// sees a few hundred of them.
#[test]
fn engine_stops_when_its_sink_reports_a_failed_write() {
    let scenario = std::sync::Arc::new(Scenario::baseline());
    let mut whole = FailingSink {
        jobs: 0,
        fail_after: None,
    };
    run_replication(&scenario, 0, &mut whole, &mut |_| {});
    let mut failing = FailingSink {
        jobs: 0,
        fail_after: Some(1),
    };
    run_replication(&scenario, 0, &mut failing, &mut |_| {});
    assert!(whole.jobs > 5_000, "the baseline runs {} jobs", whole.jobs);
    assert!(
        failing.jobs * 10 < whole.jobs,
        "{} of {} jobs simulated after the failure",
        failing.jobs,
        whole.jobs
    );
}

/// Issue 9: `calls --out PATH` replaced whatever was at PATH by temp+rename:
/// a character device, a FIFO, a user's file. Devices and FIFOs are now
/// written to; a regular file is replaced only if it is an earlier call
/// stream, or with `--force`.
#[test]
fn calls_out_writes_to_devices_and_fifos_and_never_replaces_a_users_file() {
    use std::os::unix::fs::FileTypeExt;

    let quiet = data_arg("quiet.toml");
    impexsim()
        .args(["calls", &quiet, "--quiet", "--out", "/dev/null"])
        .timeout(BOUND)
        .assert()
        .success();
    let null = fs::metadata("/dev/null").unwrap();
    assert!(
        null.file_type().is_char_device(),
        "/dev/null is still a device"
    );

    let tmp = TempDir::new().unwrap();
    let fifo = tmp.path().join("calls.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let reader = {
        let fifo = fifo.clone();
        thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    impexsim()
        .args(["calls", &quiet, "--quiet", "--out"])
        .arg(&fifo)
        .timeout(BOUND)
        .assert()
        .success();
    let streamed = reader.join().unwrap();
    let lines: Vec<&str> = streamed.lines().collect();
    assert!(!lines.is_empty(), "the reader got the stream");
    for line in &lines {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());

    let notes = tmp.path().join("notes.jsonl");
    fs::write(&notes, "my notes\n").unwrap();
    let refused = impexsim()
        .args(["calls", &quiet, "--quiet", "--out"])
        .arg(&notes)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refusing to replace"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(fs::read_to_string(&notes).unwrap(), "my notes\n");

    impexsim()
        .args(["calls", &quiet, "--quiet", "--force", "--out"])
        .arg(&notes)
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&notes).unwrap(), streamed);
    // An earlier call stream is replaced without --force.
    impexsim()
        .args(["calls", &quiet, "--quiet", "--out"])
        .arg(&notes)
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&notes).unwrap(), streamed);
    assert_eq!(entries(tmp.path()), ["calls.fifo", "notes.jsonl"]);
}

/// Issue 10: `--out .` failed only after the whole run (the directory the
/// command runs in cannot be renamed over). It now fails before simulating:
/// `endless.toml` would take far longer than the bound.
#[test]
fn out_dot_fails_before_simulating() {
    let tmp = TempDir::new().unwrap();
    for target in [".", "..", "sub/.."] {
        let output = impexsim()
            .current_dir(tmp.path())
            .args(["run", &data_arg("endless.toml"), "--quiet", "--out", target])
            .timeout(BOUND)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "--out {target}: {stderr}");
        assert!(
            stderr.contains(&format!("cannot write {target}: ")),
            "--out {target}: {stderr}"
        );
    }
    let inside = tmp.path().join("inside");
    fs::create_dir(&inside).unwrap();
    let output = impexsim()
        .current_dir(&inside)
        .args([
            "run",
            &data_arg("endless.toml"),
            "--quiet",
            "--out",
            "../inside",
        ])
        .timeout(BOUND)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the command runs inside it"), "{stderr}");
    assert_eq!(entries(tmp.path()), ["inside"]);
    assert_eq!(entries(&inside), Vec::<String>::new());
}

/// Issue 14: an unwritable `--out` was reported by its staging path
/// (`cannot write /proc/.nope.tmp-2333`). It is now named as typed.
#[test]
fn unwritable_out_is_named_as_typed_not_by_its_staging_path() {
    let output = impexsim()
        .args([
            "run",
            &data_arg("quiet.toml"),
            "--quiet",
            "--out",
            "/proc/nope",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write /proc/nope: "), "{stderr}");
    assert!(!stderr.contains(".tmp-"), "{stderr}");
}

/// Issue 24: README examples left large files in the repository root
/// (`calls.jsonl`, `fixtures/`, `compare-out/`). Every `--out` in the README
/// goes under `output/` (or a temporary directory, standard output, or the
/// user's home for installed files such as the manual page).
#[test]
fn readme_examples_write_under_output() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let mut checked = 0;
    for line in readme.lines() {
        let mut words = line.split_whitespace();
        while let Some(word) = words.next() {
            if word != "--out" {
                continue;
            }
            let Some(target) = words.next() else { break };
            checked += 1;
            assert!(
                ["output/", "/tmp/", "-", "DIR", "PATH", "~/"]
                    .iter()
                    .any(|allowed| target.starts_with(allowed)),
                "README writes outside output/: {line}"
            );
        }
    }
    assert!(checked >= 3, "the README shows --out {checked} times");
}

/// Issue 24: every command's default output goes under `output/`.
#[test]
fn default_outputs_go_under_output() {
    let tmp = TempDir::new().unwrap();
    let quiet = data_arg("quiet.toml");
    let commands: [&[&str]; 5] = [
        &["run"],
        &["sweep", "--vary", "datacenter.copy_stations=1,2"],
        &["compare", "--candidate", "policy.creating_timeout=7d"],
        &["fixtures"],
        &["calls"],
    ];
    for command in commands {
        impexsim()
            .current_dir(tmp.path())
            .args(command)
            .args([quiet.as_str(), "--quiet"])
            .assert()
            .success();
    }
    assert_eq!(entries(tmp.path()), ["output"]);
    assert_eq!(
        entries(&tmp.path().join("output")),
        [
            "quiet",
            "quiet-calls.jsonl",
            "quiet-compare",
            "quiet-fixtures",
            "quiet-sweep"
        ]
    );
}

/// Issue 24: bare `fixtures` wrote every job at every change (393 MB for a
/// year of the baseline). Without a choice of jobs it now writes what
/// `--cover` writes; `--all` writes every job.
#[test]
fn bare_fixtures_writes_a_covering_few_and_all_writes_every_job() {
    let index = |extra: &[&str]| {
        let scenario = data_arg("fixtures_errors.toml");
        let mut args = vec!["fixtures", scenario.as_str()];
        args.extend_from_slice(extra);
        let invocation = crate::invoke_ok(&args);
        fs::read_to_string(invocation.dir.join("index.csv")).unwrap()
    };
    let jobs = |index: &str| {
        let mut jobs: Vec<String> = index
            .lines()
            .skip(1)
            .map(|line| line.split(',').nth(2).unwrap().to_string())
            .collect();
        jobs.dedup();
        jobs.len()
    };
    let bare = index(&[]);
    assert_eq!(bare, index(&["--cover"]));
    let all = index(&["--all"]);
    assert!(
        jobs(&bare) < jobs(&all),
        "{} jobs by default, {} with --all",
        jobs(&bare),
        jobs(&all)
    );
}

/// Issue 4: `--threads 65535` panicked (`ThreadPoolBuildError`) or hung. It
/// is capped at 1024 (exit 2 beyond), and the library returns an error, not
/// a panic, for a count it cannot use.
#[test]
fn threads_beyond_the_cap_are_bad_input_not_a_panic() {
    let quiet = data_arg("quiet.toml");
    for command in ["run", "compare", "sweep"] {
        let mut args = vec![command, quiet.as_str(), "--quiet", "--threads", "65535"];
        match command {
            "compare" => args.extend(["--candidate", "policy.creating_timeout=7d"]),
            "sweep" => args.extend(["--vary", "datacenter.copy_stations=1,2"]),
            _ => {}
        }
        let output = impexsim().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(stderr.contains("1..=1024"), "{command}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    }
    let tmp = TempDir::new().unwrap();
    impexsim()
        .args([
            "run",
            &quiet,
            "--quiet",
            "--replications",
            "3",
            "--threads",
            "1024",
        ])
        .arg("--out")
        .arg(tmp.path().join("out"))
        .timeout(BOUND)
        .assert()
        .success();

    let scenario = Scenario::load(&data("quiet.toml"), &[]).unwrap();
    let options = RunOptions {
        out: tmp.path().join("library"),
        threads: Some(65_535),
        interrupt: Interrupt::new(),
        ..RunOptions::default()
    };
    let result = run_to_dir(&scenario, &options, &|_| {});
    assert!(
        matches!(
            result,
            Err(RunError::Threads(ThreadsError::OutOfRange {
                threads: 65_535
            }))
        ),
        "{result:?}"
    );
    assert!(!tmp.path().join("library").exists());
}

/// The lock file is gone once a command is done, and nothing but the target
/// is left beside it (`calls` included).
#[test]
fn nothing_but_the_target_is_left_beside_it() {
    let tmp = TempDir::new().unwrap();
    let quiet = data_arg("quiet.toml");
    for _ in 0..2 {
        for (command, out) in [("run", "run-out"), ("calls", "calls.jsonl")] {
            impexsim()
                .current_dir(tmp.path())
                .args([command, &quiet, "--quiet", "--out", out])
                .assert()
                .success();
        }
    }
    assert_eq!(entries(tmp.path()), ["calls.jsonl", "run-out"]);
    let mut first = String::new();
    File::open(tmp.path().join("calls.jsonl"))
        .unwrap()
        .read_to_string(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"at\":\""), "{first}");
}
