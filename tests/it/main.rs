//! Integration tests: the `impexsim` binary driven end to end, as a user runs it.
//!
//! - `rules`: one small scenario per lifecycle rule of docs/model.md, with constant
//!   delays, so every expected timestamp is computed by hand in the test.
//! - `cli`: exit codes, error messages and what is left on disk (README, Exit codes).
//! - `deploy`: the Kubernetes recipe's commands run as Kubernetes would run
//!   them, merged into one process's output.
//! - `determinism`: same seed, same bytes; common random numbers
//!   (docs/model.md, Randomness and common random numbers).
//! - `compare`: paired runs, guards and their exit codes, and the variance
//!   reduction that pairing buys.
//! - `queueing`: metrics against queueing theory (Erlang C, Little's law,
//!   M/G/infinity), with stated tolerances.
//! - `optimize`: `impexsim optimize` against Erlang C, across seeds and
//!   threads, and its bad input.
//! - `replications`: several replications, any thread count.
//! - `sweep`: `impexsim sweep` over a cross product of `--vary` values.
//! - `engine`: the engine driven from outside by customer calls, against
//!   the rows of a batch run.
//! - `golden`: sha256 digests of whole outputs, pinned across refactors.
//! - `fit`: `impexsim fit` recovers a known scenario from its output, and
//!   a run of the fitted scenario reproduces the history.
//! - `fixtures`: `impexsim fixtures` and `impexsim calls`: Get Job snapshots
//!   (docs/model.md, What Get Job reports), customer call streams, their
//!   JSON Schemas, golden outputs.
//! - `formats`: how values are written in the files: timestamps with
//!   milliseconds, summary numbers that round-trip.
//! - `terminal`: what goes to standard output and standard error, `--json`,
//!   numbers shown alike everywhere, closed pipes.
//! - `docs`: the documentation cites only what the repository ships, and its
//!   sentences about the outputs hold.
//! - `help`: help wrapped to the terminal, exit codes, completions, man page.
//! - `scenario_text`: `scenario show` and `scenario init`.
//! - `outputs`: `--outputs` and `--compress`: the files chosen, summaries
//!   that do not change, one zstd frame of the plain bytes.
//! - `shard`: `--shard I/N` and `merge`: shards merged into the bytes of one
//!   process, and shards that do not belong together refused.
//! - `output_safety`: failed writes, signals, a second writer, targets that
//!   cannot be replaced, and default output paths.
//! - `report`: the HTML reports of a run, a sweep and a comparison, read as
//!   text: charts, axis titles, series and points; determinism; bad input.
//! - `report_browser`: the same reports rendered by headless chromium, every
//!   chart found drawn on the screenshot.
//! - `replay`: `impexsim replay` against an in-process stub target:
//!   expectations, honest latency, thresholds, stops and bad input.
//! - `serve`: `impexsim serve` over HTTP: the lifecycle on the manual
//!   clock at hand-computed instants, refusals and their ARM bodies,
//!   listings, the record at SIGINT, and the closed loop with `replay`.
//! - `fuzz`: mutated scenario files and `--set` values never panic, and
//!   whatever passes validation runs (proptest, fixed seed, bounded cases).
//! - `validation`: the bounds on what a run may cost, values that used to
//!   crash after validation, and what messages echo.
//!
//! Scenario files live in `tests/data/`; `quiet.toml` switches every random
//! thing off and the other files there are copies of it with one rule on.
//! Outputs are read by column name (the column order is checked once, in
//! `cli`), and timestamps are compared as instants, not as text.

mod cli;
mod compare;
mod deploy;
mod determinism;
mod docs;
mod engine;
mod fit;
mod fixtures;
mod formats;
mod fuzz;
mod golden;
mod help;
mod optimize;
mod output_safety;
mod outputs;
mod queueing;
mod replay;
mod replications;
mod report;
mod report_browser;
mod rules;
mod scenario_text;
mod serve;
mod shard;
mod sweep;
mod terminal;
mod validation;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use tempfile::TempDir;

/// The product binary, built by cargo for this test run.
pub fn impexsim() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_impexsim"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// What `impexsim <args> --out <fresh dir>/out --quiet` did. The temporary
/// directory lives as long as this value.
pub struct Invocation {
    pub tmp: TempDir,
    /// The `--out` given (inside the temporary directory).
    pub dir: PathBuf,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Invocation {
    /// The fresh directory that holds `dir`: what a failure must leave empty.
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }
}

/// Runs `impexsim <args> --out <fresh dir>/out --quiet`; `args` starts with
/// the subcommand.
pub fn invoke(args: &[&str]) -> Invocation {
    let tmp = TempDir::new().expect("a temporary directory");
    let dir = tmp.path().join("out");
    let output = impexsim()
        .args(args)
        .arg("--out")
        .arg(&dir)
        .arg("--quiet")
        .output()
        .expect("the binary runs");
    Invocation {
        tmp,
        dir,
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Like `invoke`, and asserts the command succeeded.
#[track_caller]
pub fn invoke_ok(args: &[&str]) -> Invocation {
    let invocation = invoke(args);
    assert_eq!(
        invocation.code,
        Some(0),
        "impexsim {args:?} failed:\n{}",
        invocation.stderr
    );
    invocation
}

/// File and directory names in `dir`, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `tests/data/<name>` as text, for an argument list.
pub fn data_arg(name: &str) -> String {
    data(name).to_str().expect("a UTF-8 path").to_string()
}

/// A file in `tests/data/`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `simulation.start` of every file in `tests/data/`.
pub fn start() -> DateTime<Utc> {
    parse_time("2026-01-05T00:00:00Z")
}

pub fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

pub fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

pub fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

pub fn seconds(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

#[track_caller]
pub fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|err| panic!("`{text}` is not an RFC 3339 timestamp: {err}"))
        .with_timezone(&Utc)
}

/// A duration as the CSV files write it: decimal days with six decimals.
pub fn days_text(duration: TimeDelta) -> String {
    format!("{:.6}", duration.num_milliseconds() as f64 / 86_400_000.0)
}

/// One CSV row, read by column name.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    fields: BTreeMap<String, String>,
}

impl Row {
    /// The raw text of `column`; panics naming the column when it is absent.
    #[track_caller]
    pub fn get(&self, column: &str) -> &str {
        match self.fields.get(column) {
            Some(value) => value,
            None => panic!("no column `{column}` in row {:?}", self.fields),
        }
    }

    /// Every (column, value) of the row, columns in name order.
    pub fn columns(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|(column, value)| (column.as_str(), value.as_str()))
    }

    /// A timestamp column; `None` when empty (the event never happened).
    #[track_caller]
    pub fn time(&self, column: &str) -> Option<DateTime<Utc>> {
        let text = self.get(column);
        (!text.is_empty()).then(|| parse_time(text))
    }

    /// A timestamp column that must be set.
    #[track_caller]
    pub fn time_set(&self, column: &str) -> DateTime<Utc> {
        self.time(column)
            .unwrap_or_else(|| panic!("`{column}` is empty in {:?}", self.fields))
    }

    #[track_caller]
    pub fn bool(&self, column: &str) -> bool {
        match self.get(column) {
            "true" => true,
            "false" => false,
            other => panic!("`{column}` = `{other}` is not a boolean"),
        }
    }

    #[track_caller]
    pub fn u64(&self, column: &str) -> u64 {
        let text = self.get(column);
        text.parse()
            .unwrap_or_else(|err| panic!("`{column}` = `{text}` is not a count: {err}"))
    }

    /// The `events` column split on `;`.
    pub fn events(&self) -> Vec<&str> {
        let text = self.get("events");
        if text.is_empty() {
            Vec::new()
        } else {
            text.split(';').collect()
        }
    }

    /// Asserts a timestamp column, naming the row and column on failure.
    #[track_caller]
    pub fn assert_time(&self, column: &str, expected: Option<DateTime<Utc>>) {
        assert_eq!(
            self.time(column),
            expected,
            "column `{column}` of {} {}",
            self.fields.get("job").map_or("?", String::as_str),
            self.fields.get("drive").map_or("", String::as_str),
        );
    }

    /// Asserts a text column, naming the row and column on failure.
    #[track_caller]
    pub fn assert_text(&self, column: &str, expected: &str) {
        assert_eq!(
            self.get(column),
            expected,
            "column `{column}` of {} {}",
            self.fields.get("job").map_or("?", String::as_str),
            self.fields.get("drive").map_or("", String::as_str),
        );
    }
}

/// Everything one `impexsim run` wrote.
pub struct Output {
    /// Holds the temporary directory alive while the test looks at it.
    pub _tmp: TempDir,
    pub dir: PathBuf,
    pub jobs: Vec<Row>,
    pub drives: Vec<Row>,
    /// `summary.csv`: metric -> value (one replication) or mean (several).
    pub summary: BTreeMap<String, String>,
    /// `summary.csv` as rows.
    pub summary_rows: Vec<Row>,
    pub timeseries: Vec<Row>,
}

impl Output {
    /// The one job of a single-job scenario.
    #[track_caller]
    pub fn only_job(&self) -> &Row {
        assert_eq!(
            self.jobs.len(),
            1,
            "expected exactly one job: {:?}",
            self.jobs
        );
        &self.jobs[0]
    }

    /// The drive rows of `job`, in file order.
    pub fn drives_of(&self, job: &Row) -> Vec<&Row> {
        let name = job.get("job");
        self.drives
            .iter()
            .filter(|d| d.get("job") == name)
            .collect()
    }

    /// The listed (not extra) drive rows of `job`.
    pub fn listed_drives_of(&self, job: &Row) -> Vec<&Row> {
        self.drives_of(job)
            .into_iter()
            .filter(|d| !d.bool("extra"))
            .collect()
    }

    /// A numeric summary metric; panics when absent or empty.
    #[track_caller]
    pub fn metric(&self, name: &str) -> f64 {
        let text = self
            .summary
            .get(name)
            .unwrap_or_else(|| panic!("no metric `{name}` in summary.csv"));
        text.parse()
            .unwrap_or_else(|err| panic!("metric `{name}` = `{text}`: {err}"))
    }

    /// Asserts a summary metric to within `tolerance` (absolute).
    #[track_caller]
    pub fn assert_metric(&self, name: &str, expected: f64, tolerance: f64) {
        let got = self.metric(name);
        assert!(
            (got - expected).abs() <= tolerance,
            "metric `{name}`: got {got}, expected {expected} +- {tolerance}"
        );
    }
}

/// Reads a CSV file into rows keyed by header name.
#[track_caller]
pub fn read_rows(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let headers = reader.headers().expect("a header row").clone();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let fields = headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            Row { fields }
        })
        .collect()
}

/// The header row of a CSV file.
pub fn read_header(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_string)
        .collect()
}

/// Runs `impexsim run <args> --out <tmp> --quiet`, asserts success and reads
/// every output file.
#[track_caller]
pub fn run(args: &[&str]) -> Output {
    let mut run_args = vec!["run"];
    run_args.extend_from_slice(args);
    let Invocation { tmp, dir, .. } = invoke_ok(&run_args);
    let summary_path = dir.join("summary.csv");
    // One replication: `metric,value`; several: `metric,mean,...`.
    let value_column = if read_header(&summary_path).iter().any(|h| h == "value") {
        "value"
    } else {
        "mean"
    };
    let summary_rows = read_rows(&summary_path);
    let summary: BTreeMap<String, String> = summary_rows
        .iter()
        .map(|row| {
            (
                row.get("metric").to_string(),
                row.get(value_column).to_string(),
            )
        })
        .collect();
    Output {
        jobs: read_rows(&dir.join("jobs.csv")),
        drives: read_rows(&dir.join("drives.csv")),
        timeseries: read_rows(&dir.join("timeseries.csv")),
        summary,
        summary_rows,
        dir,
        _tmp: tmp,
    }
}

/// Runs the scenario `tests/data/<name>` with `extra` arguments.
#[track_caller]
pub fn run_scenario(name: &str, extra: &[&str]) -> Output {
    let path = data_arg(name);
    let mut args = vec![path.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

/// Bytes of every file in an output directory, by file name.
pub fn read_dir_bytes(dir: &Path) -> HashMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .map(|entry| {
            let entry = entry.expect("a directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, fs::read(entry.path()).expect("a readable file"))
        })
        .collect()
}
