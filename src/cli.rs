//! The command line (clap derive types only). Exit codes are decided in `main`.
//!
//! Every subcommand's help ends with an example (`after_help`), and the
//! top-level help lists the exit codes; a unit test keeps it so. Help is
//! wrapped to the terminal (at most 100 columns).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `--threads` at most (`impexsim::run::MAX_THREADS`, as clap's range wants it).
const MAX_THREADS: i64 = impexsim::run::MAX_THREADS as i64;

/// Discrete-event simulator and load generator for Azure Import/Export jobs.
#[derive(Debug, Parser)]
#[command(
    name = "impexsim",
    version,
    about,
    propagate_version = true,
    max_term_width = 100,
    after_help = TOP_LEVEL_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes, as the top-level help and the man page list them.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success"),
    (
        1,
        "any other failure: an unwritable output directory, a full disk",
    ),
    (
        2,
        "bad input: usage, a scenario or --set error, a missing or malformed trace or guard file",
    ),
    (3, "compare: a guard failed"),
];

const TOP_LEVEL_HELP: &str = "\
Examples:
  impexsim run
  impexsim run scenarios/peak_season.toml --replications 10
  impexsim scenario show > my_study.toml

Exit codes:
  0  success
  1  any other failure: an unwritable output directory, a full disk
  2  bad input: usage, a scenario or --set error, a missing or malformed trace or
     guard file; optimize: service levels no candidate within the bounds meets
  3  compare: a guard failed";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (the embedded baseline when none is given), write
    /// jobs.csv, drives.csv, summary.csv, timeseries.csv and run.json, and
    /// print a short summary on standard output (--json for a machine).
    #[command(after_help = RUN_EXAMPLE)]
    Run(RunArgs),
    /// Check scenario files without running them.
    #[command(after_help = VALIDATE_EXAMPLE)]
    Validate(ValidateArgs),
    /// Run a scenario at every point of a cross product of `--vary` values
    /// (same seed everywhere) and write sweep.csv plus one run directory per point.
    #[command(after_help = SWEEP_EXAMPLE)]
    Sweep(SweepArgs),
    /// Run a baseline and a candidate policy paired (same seeds and
    /// replications), print what moved and write compare.csv; exit 3 when a
    /// --guard fails.
    #[command(after_help = COMPARE_EXAMPLE)]
    Compare(CompareArgs),
    /// Write Get Job responses (JSON, the API's JobResponse) of simulated
    /// jobs at chosen instants, with an index.csv.
    #[command(after_help = FIXTURES_EXAMPLE)]
    Fixtures(FixturesArgs),
    /// Write the API calls the simulated customers make (Put Job, Update Job
    /// Properties, Get Job polls) as JSON Lines in time order.
    #[command(after_help = CALLS_EXAMPLE)]
    Calls(CallsArgs),
    /// Show a scenario with every key resolved and explained, or write a
    /// commented starter file.
    #[command(after_help = SCENARIO_EXAMPLE)]
    Scenario(ScenarioArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLE)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command.
    #[command(after_help = MAN_EXAMPLE)]
    Man(ManArgs),
    /// Write a self-contained HTML report with charts (report.html) of an
    /// output directory of run, sweep or compare.
    #[command(after_help = REPORT_EXAMPLE)]
    Report(ReportArgs),
    /// Estimate a scenario from a history (jobs.csv and drives.csv of a run,
    /// or a site's own records with those columns) and write it as a
    /// commented scenario file.
    #[command(after_help = FIT_EXAMPLE)]
    Fit(FitArgs),
    /// Send a call stream to an HTTP service at its simulated times (time
    /// compressed), check every answer, measure latency from each request's
    /// intended send time, and write replay.csv and replay-summary.csv; exit 3
    /// when a --threshold fails.
    #[command(after_help = REPLAY_EXAMPLE)]
    Replay(ReplayArgs),
    /// Merge the shard directories of `run --shard I/N` (or `sweep --shard
    /// I/N`) into the output one process with every replication writes.
    #[command(after_help = MERGE_EXAMPLE)]
    Merge(MergeArgs),
    /// Find the least (or, with --cost, cheapest) resource counts that meet
    /// every --subject-to service level with the stated confidence, by a
    /// search over paired runs; write optimize.csv with every candidate.
    #[command(after_help = OPTIMIZE_EXAMPLE)]
    Optimize(OptimizeArgs),
    /// Serve the Import/Export REST API locally: jobs created by a client
    /// live the scenario's lifecycle on a simulated clock; on SIGINT or
    /// SIGTERM write the record (jobs.csv, drives.csv, summary.csv,
    /// run.json, requests.csv).
    #[command(after_help = SERVE_EXAMPLE)]
    Serve(ServeArgs),
}

const MERGE_EXAMPLE: &str = "\
Examples:
  for i in 0 1 2 3; do impexsim run --replications 20 --shard $i/4 --out output/shards/$i; done
  impexsim merge output/shards/0 output/shards/1 output/shards/2 output/shards/3 --out output/baseline
the merged directory holds the same bytes as `impexsim run --replications 20` would
write (run.json's command, wall time and events per second aside); exit code 2 when a shard is missing,
given twice, or of another scenario, seed, version or shard count.";

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard directories, one per shard, in any order.
    #[arg(required = true, value_name = "DIR")]
    pub shards: Vec<PathBuf>,
    /// The merged output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// No summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

const OPTIMIZE_EXAMPLE: &str = "\
Examples (copy stations and operators so that 90% of jobs finish within 17.5
days, with 95% confidence; then the cheapest mix when a station costs three
operators):
  impexsim optimize --minimize datacenter.copy_stations,datacenter.receiving_staff \\
      --subject-to 'end_to_end_days.p90<=17.5'
  impexsim optimize scenarios/peak_season.toml \\
      --minimize datacenter.copy_stations=150..400 \\
      --minimize datacenter.packaging_staff \\
      --subject-to 'copy.queue_wait_days.mean<=1d' --cost datacenter.copy_stations=3
writes output/<scenario name>-optimize/ (optimize.csv, optimize.json); exit code 2
when no candidate within the bounds meets every constraint (the best is named).";

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Resource counts to minimise, each KEY or KEY=MIN..MAX (comma-separated or
    /// repeated): datacenter.copy_stations, datacenter.receiving_staff,
    /// datacenter.packaging_staff [default range: 1..max(4 x the scenario's value, 16)].
    #[arg(
        long,
        value_name = "KEY[=MIN..MAX],...",
        value_delimiter = ',',
        required = true
    )]
    pub minimize: Vec<String>,
    /// A service level on a metric of summary.csv, METRIC<=VALUE (or <, >=, >), e.g.
    /// `end_to_end_days.p90<=14`, `copy.queue_wait_days.mean<=1d`,
    /// `jobs.completed.fraction>=90%` (repeatable: all must hold).
    #[arg(long = "subject-to", value_name = "METRIC<=VALUE", required = true)]
    pub subject_to: Vec<String>,
    /// Confidence that each service level holds: its one-sided Student-t bound over
    /// the replications must meet the limit.
    #[arg(long, default_value_t = impexsim::optimize::DEFAULT_CONFIDENCE)]
    pub confidence: f64,
    /// Replications of every candidate, at least 2 [default: simulation.replications,
    /// 10 when that is 1].
    #[arg(long, value_parser = replications_value)]
    pub replications: Option<u32>,
    /// The cost of one unit of a minimised resource, KEY=WEIGHT (repeatable; 1 when
    /// not given): the answer is then the cheapest, not the least in total.
    #[arg(long = "cost", value_name = "KEY=WEIGHT")]
    pub costs: Vec<String>,
    /// Seed of every random stream, the same for every candidate (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Output directory [default: output/<scenario name>-optimize/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key in every candidate, e.g. `--set arrivals.jobs_per_day=30`
    /// (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Threads for candidates and replications, 1 to 1024 [default: all cores]; the output
    /// does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub threads: Option<u16>,
    /// Print a machine-readable summary on standard output instead of the
    /// human answer: one JSON document (schemas/summary.schema.json).
    #[arg(long)]
    pub json: bool,
    /// No progress and no footer on the terminal (the answer, or --json, is still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

const RUN_EXAMPLE: &str = "\
Examples:
  impexsim run
  impexsim run scenarios/small_datacenter.toml --replications 10 --out output/small
  impexsim run --set policy.creating_timeout=7d --set arrivals.jobs_per_day=40
writes jobs.csv, drives.csv, summary.csv, timeseries.csv and run.json
(events.csv with --trace) into output/<scenario name>/ unless --out says.";

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Number of independent replications (overrides simulation.replications).
    #[arg(long, value_parser = replications_value)]
    pub replications: Option<u32>,
    /// Output directory [default: output/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key, e.g. `--set policy.creating_timeout=7d` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Threads for the replications, 1 to 1024 [default: all cores]; the output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub threads: Option<u16>,
    /// Also write every state transition to events.csv.
    #[arg(long)]
    pub trace: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Run only shard I of N: the replications k with k % N == I, into a
    /// shard directory for `impexsim merge` (N from 1 to 100000).
    #[arg(long, value_name = "I/N", allow_hyphen_values = true, conflicts_with_all = ["json", "report"])]
    pub shard: Option<impexsim::shard::ShardSpec>,
    /// Print a machine-readable summary on standard output instead of the
    /// human one: one JSON document (schemas/summary.schema.json).
    #[arg(long)]
    pub json: bool,
    /// Also write report.html, charts of the results, into the output directory.
    #[arg(long)]
    pub report: bool,
    /// No progress bar and no summary on the terminal (--json still prints).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--outputs` and `--compress`: which files, and how.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// The files to write, comma-separated, from summary (summary.csv and
    /// replications.csv), timeseries, jobs, drives, events (events.csv, as
    /// --trace) [default: summary,timeseries,jobs,drives]. run.json is always
    /// written; the metrics are the same whatever is chosen.
    #[arg(long, value_name = "LIST")]
    pub outputs: Option<impexsim::outputs::OutputSet>,
    /// Compress the row files: `zstd` (level 1) or `zstd:LEVEL` (1 to 19)
    /// writes jobs.csv.zst etc. (one zstd frame each, which pandas, polars and
    /// DuckDB read); `none` [default: none].
    #[arg(long, value_name = "zstd|zstd:LEVEL|none", default_value = "none")]
    pub compress: impexsim::outputs::Compression,
}

impl OutputArgs {
    /// The files to write, `events` added with `trace`.
    pub fn outputs(&self, trace: bool) -> impexsim::outputs::OutputSet {
        let outputs = self.outputs.unwrap_or_default();
        if trace {
            outputs.with(impexsim::outputs::OutputKind::Events)
        } else {
            outputs
        }
    }
}

const VALIDATE_EXAMPLE: &str = "\
Examples:
  impexsim validate scenarios/*.toml
  impexsim validate my_study.toml --set datacenter.copy_stations=90
prints `FILE: ok (NAME)` per valid file; exit code 2 when any is invalid.";

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Overrides to check along with each file.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
}

const COMPARE_EXAMPLE: &str = "\
Examples (a shorter Creating timeout against the embedded baseline, as a CI
check; the same change written as a scenario file):
  impexsim compare --candidate policy.creating_timeout=7d --guard guards/baseline.toml
  impexsim compare --candidate-scenario scenarios/shorter_creating_timeout.toml
writes output/baseline-compare/ (compare.csv, compare.jobs.csv, baseline/,
candidate/); exit code 0 when every guard passes, 3 when one fails, 2 for bad
input.";

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("candidate_source")
        .required(true)
        .multiple(true)
        .args(["candidate", "candidate_scenario"])
))]
pub struct CompareArgs {
    /// Baseline scenario file (TOML); the embedded baseline when none is given.
    pub scenario: Option<PathBuf>,
    /// The candidate's change, e.g. `--candidate policy.creating_timeout=7d`
    /// (repeatable; read like --set, applied after every other override).
    #[arg(long, value_name = "KEY=VALUE")]
    pub candidate: Vec<String>,
    /// The candidate's own scenario file, read with the same --set overrides
    /// (and then any --candidate ones).
    #[arg(long, value_name = "FILE")]
    pub candidate_scenario: Option<PathBuf>,
    /// Guard file: `[[guard]]` limits on metrics; exit 3 when one fails.
    #[arg(long, value_name = "FILE")]
    pub guard: Option<PathBuf>,
    /// Seed of every random stream, the same for both (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Paired replications, at least 2 [default: simulation.replications, 10 when that is 1].
    #[arg(long, value_parser = replications_value)]
    pub replications: Option<u32>,
    /// Output directory [default: output/<scenario name>-compare/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key in both runs, e.g. `--set arrivals.jobs_per_day=30` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Threads for the replications, 1 to 1024 [default: all cores]; the output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub threads: Option<u16>,
    /// Print a machine-readable summary on standard output instead of the
    /// table and guard lines: one JSON document (schemas/summary.schema.json).
    #[arg(long)]
    pub json: bool,
    /// Also write report.html (PASS/FAIL, differences, CDFs) into the output
    /// directory, also when a guard fails.
    #[arg(long)]
    pub report: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    /// No progress bar and no table on the terminal (guard lines and --json still print).
    #[arg(long, short)]
    pub quiet: bool,
}

const SWEEP_EXAMPLE: &str = "\
Example (copy stations against end-to-end p90 on the embedded baseline):
  impexsim sweep --vary datacenter.copy_stations=90..150..10
writes output/baseline-sweep/sweep.csv and one run directory per point
(copy_stations=90/, copy_stations=100/, ...).";

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// A key and its values, e.g. `--vary datacenter.copy_stations=90,120` or
    /// `=90..150..10` (integers START..END[..STEP], END included). Each value
    /// is read like a --set VALUE; commas inside [...], {...} or quotes do not
    /// split. Repeatable: the points are the cross product, the first --vary
    /// outermost.
    #[arg(long, value_name = "KEY=V1,V2,...", required = true)]
    pub vary: Vec<impexsim::sweep::Vary>,
    /// Seed of every random stream, the same at every point (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Replications at every point (overrides simulation.replications).
    #[arg(long, value_parser = replications_value)]
    pub replications: Option<u32>,
    /// Output directory [default: output/<scenario name>-sweep/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key at every point, e.g. `--set policy.creating_timeout=7d`
    /// (repeatable; --vary values are applied after it).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Threads for points and replications, 1 to 1024 [default: all cores]; the output does not
    /// depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub threads: Option<u16>,
    /// Print a machine-readable summary on standard output instead of the
    /// table: one JSON document (schemas/summary.schema.json).
    #[arg(long)]
    pub json: bool,
    /// Also write report.html, the metrics against the varied keys, into the
    /// sweep directory.
    #[arg(long)]
    pub report: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Run only shard I of N: the items (points x replications, numbered in
    /// point order) k with k % N == I, into a shard directory for `impexsim
    /// merge`.
    #[arg(long, value_name = "I/N", allow_hyphen_values = true, conflicts_with_all = ["json", "report"])]
    pub shard: Option<impexsim::shard::ShardSpec>,
    /// No progress bar and no table on the terminal (--json still prints).
    #[arg(long, short)]
    pub quiet: bool,
}

const FIXTURES_EXAMPLE: &str = "\
Examples (replication 0 of the scenario; the module docs of impexsim::fixtures
describe every field):
  impexsim fixtures                  (a few jobs showing every state and event)
  impexsim fixtures --where orphan_drives --jobs 5
  impexsim fixtures --at 30d --at 2026-03-01T00:00:00Z
  impexsim fixtures --all            (every job at every state change)
writes output/<scenario name>-fixtures/: <job>/<yyyyMMddTHHmmss.fffZ>.json files and index.csv
(file,replication,job,time,job_state,drive_states).";

#[derive(Debug, Args)]
pub struct FixturesArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Snapshot every selected job that exists at TIME: a duration from the
    /// start (`30d`) or an RFC 3339 time (repeatable).
    #[arg(long, value_name = "TIME")]
    pub at: Vec<String>,
    /// Snapshot each selected job at every state change of the job or one of
    /// its drives (the default without --at).
    #[arg(long)]
    pub on_change: bool,
    /// Only jobs that met EVENT, a name of the jobs.csv `events` column
    /// (repeatable: every one).
    #[arg(long = "where", value_name = "EVENT")]
    pub where_events: Vec<String>,
    /// At most N jobs (the first ones written).
    #[arg(long, value_name = "N", conflicts_with_all = ["cover", "all"], value_parser = jobs_value)]
    pub jobs: Option<u64>,
    /// A small set of jobs that together show every job state, drive state
    /// and event the selected jobs showed (the default without --at, --where,
    /// --jobs or --all).
    #[arg(long, conflicts_with = "all")]
    pub cover: bool,
    /// Every job (a year of the baseline is some 400 MB of JSON).
    #[arg(long)]
    pub all: bool,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Output directory [default: output/<scenario name>-fixtures/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key, e.g. `--set policy.creating_timeout=7d` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

const CALLS_EXAMPLE: &str = "\
Example (customers polling every 12 hours):
  impexsim calls --set customer.poll_interval=12h --out output/calls.jsonl
writes one {\"at\", \"job\", \"method\", \"path\", \"body\", \"expect\"} object per line;
`--out -` writes to standard output.";

#[derive(Debug, Args)]
pub struct CallsArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Output file, `-` for standard output [default: output/<scenario name>-calls.jsonl]. A
    /// FIFO or device is written to as a stream; an existing file is replaced only if it is an
    /// earlier call stream, or with --force.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the --out file even if it is not an earlier call stream.
    #[arg(long)]
    pub force: bool,
    /// Override a scenario key, e.g. `--set customer.poll_interval=12h` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--seed`: a seed a scenario file can hold too (`simulation.seed` is a
/// TOML integer, at most `i64::MAX`), so every run can be written down.
fn seed_value(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(seed) if seed <= i64::MAX as u64 => Ok(seed),
        _ => Err(format!(
            "expected an integer within [0, {}], got {}",
            i64::MAX,
            impexsim::echo::quote(text)
        )),
    }
}

/// `--replications`: within the bound of `simulation.replications`.
fn replications_value(text: &str) -> Result<u32, String> {
    let max = impexsim::scenario::MAX_REPLICATIONS;
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=u64::from(max)).contains(&n) => Ok(n as u32),
        _ => Err(format!(
            "expected an integer within [1, {max}], got {}",
            impexsim::echo::quote(text)
        )),
    }
}

/// `fixtures --jobs`: at least one job.
fn jobs_value(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a positive integer, got {}",
            impexsim::echo::quote(text)
        )),
    }
}

const REPLAY_EXAMPLE: &str = "\
Examples (a year of calls, a simulated day per second; then as fast as possible):
  impexsim calls --out output/calls.jsonl
  impexsim replay output/calls.jsonl --target http://127.0.0.1:8080 --speed 86400 \\
      --threshold 'latency.p99<=250ms' --threshold 'mismatches==0'
  impexsim calls --out - | impexsim replay - --target http://127.0.0.1:8080 --as-fast-as-possible
writes output/replay/ (replay.csv, replay-summary.csv, replay.json); exit code 0,
3 when a threshold fails, 2 for bad input (a malformed line names its number),
1 when the target cannot be reached (the results so far are still written).
Thresholds: METRIC OP VALUE, OP one of <= < >= > ==, VALUE in the metric's unit or
with us/ms/s (time metrics) or % (mismatches.fraction); metrics are the names of
replay-summary.csv (latency.p99, latency.get.p99.9, service_time.max, lag.p99,
mismatches, mismatches.status, throughput, behind_schedule, ...).";

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Call stream (JSON Lines as `impexsim calls` writes them), `-` for standard input.
    pub calls: PathBuf,
    /// The service under test: http://HOST[:PORT][/BASE] (plain HTTP).
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// Simulated time per wall-clock time: 86400 sends a simulated day per
    /// second [default: 86400].
    #[arg(long, value_name = "S", conflicts_with = "as_fast_as_possible")]
    pub speed: Option<f64>,
    /// Ignore the schedule: send each call as soon as a worker is free.
    #[arg(long)]
    pub as_fast_as_possible: bool,
    /// Workers, each with one keep-alive connection; a job's calls all go
    /// through one worker, in order.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub concurrency: u16,
    /// Send at most M calls.
    #[arg(long, value_name = "M")]
    pub max_requests: Option<u64>,
    /// Stop at the first call due at or after D of wall-clock time (`30s`,
    /// `5m`); with --as-fast-as-possible, stop sending after D.
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,
    /// Longest wait for a connection and for each complete answer.
    #[arg(long, value_name = "D", default_value = "10s")]
    pub timeout: String,
    /// A limit on a summary metric, e.g. `latency.p99<=250ms` or
    /// `mismatches==0` (repeatable); exit 3 when one fails.
    #[arg(long = "threshold", value_name = "METRIC<=VALUE")]
    pub thresholds: Vec<String>,
    /// Put P in front of every job name in paths and bodies, so one stream
    /// can be replayed twice against one server; `''` keeps the names
    /// [default: a run id such as `r0k3xz-`, new on every run].
    #[arg(long, value_name = "P")]
    pub name_prefix: Option<String>,
    /// The bearer token of the `Authorization` header.
    #[arg(long, default_value = "impexsim")]
    pub token: String,
    /// Count malformed lines, warn and go on, instead of stopping (exit 2).
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// Output directory [default: output/replay/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no summary on the terminal (threshold lines still print).
    #[arg(long, short)]
    pub quiet: bool,
}

const SERVE_EXAMPLE: &str = "\
Examples:
  impexsim serve                                  # http://127.0.0.1:8080, an hour a second
  impexsim serve tests.toml --listen 127.0.0.1:0 --manual-clock --no-background
  curl -X POST localhost:8080/impexsim/clock -d '{\"advance\": \"3d\"}'
  impexsim serve closed_loop.toml --clock requests &   # then: impexsim calls ... | impexsim replay -
The first line on standard output is `listening on http://ADDR`. API routes need
`?api-version=2016-11-01` (or 2021-01-01) and `Authorization: Bearer <any token>`
(unless --no-auth); admin routes: GET/POST /impexsim/clock, GET /impexsim/health,
POST /impexsim/reset. Exit code 0 after a stop by SIGINT or SIGTERM (the record is
written to --out), 1 when the address cannot be listened on, 2 for bad input.";

/// How a server's simulated clock moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockKind {
    /// At --speed times wall time.
    Wall,
    /// Only POST /impexsim/clock moves it.
    Manual,
    /// Each request is applied at its x-impexsim-at header (as impexsim replay sends it).
    Requests,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Simulated time per wall-clock time (3600: a simulated hour a second) [default: 3600].
    #[arg(long, value_name = "S", conflicts_with = "manual_clock")]
    pub speed: Option<f64>,
    /// Stop the clock: only POST /impexsim/clock moves it (same as --clock manual).
    #[arg(long, conflicts_with = "clock")]
    pub manual_clock: bool,
    /// How the simulated clock moves [default: wall].
    #[arg(long, value_enum, value_name = "MODE")]
    pub clock: Option<ClockKind>,
    /// No simulated customers of the scenario's own: an empty site.
    #[arg(long)]
    pub no_background: bool,
    /// Accept requests without an `Authorization: Bearer` header.
    #[arg(long)]
    pub no_auth: bool,
    /// Jobs per page of a listing.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub page_size: u64,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
    pub seed: Option<u64>,
    /// Override a scenario key (repeatable), as for run.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Where the record goes at the stop [default: output/<scenario name>-serve/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No access log on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

const REPORT_EXAMPLE: &str = "\
Examples:
  impexsim report output/baseline                 # writes output/baseline/report.html
  impexsim report output/baseline-sweep --metric end_to_end_days.p99 --metric copy.utilisation
  impexsim run --report                           # the same, right after the run
The page is one file (inline SVG and CSS, nothing fetched), the same bytes
for the same directory. Exit code 2 when DIR is not an impexsim output.";

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The output directory of impexsim run, sweep or compare.
    pub dir: PathBuf,
    /// Where to write the report [default: DIR/report.html].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A metric of summary.csv that a sweep report charts (repeatable)
    /// [default: end_to_end_days.p90, copy.utilisation,
    /// copy.queue_wait_days.mean, drives_on_site.peak, jobs.expired.fraction,
    /// jobs.closed.fraction].
    #[arg(long = "metric", value_name = "METRIC")]
    pub metrics: Vec<String>,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

const SCENARIO_EXAMPLE: &str = "\
Examples:
  impexsim scenario show
  impexsim scenario show scenarios/peak_season.toml --set datacenter.copy_stations=260
  impexsim scenario init my_study.toml";

#[derive(Debug, Args)]
pub struct ScenarioArgs {
    #[command(subcommand)]
    pub command: ScenarioCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print a scenario with every key resolved (the embedded baseline, then
    /// the file, then --set) as TOML, each key with its meaning, unit and
    /// allowed values; the output is itself a scenario with the same values.
    #[command(after_help = SCENARIO_SHOW_EXAMPLE)]
    Show(ScenarioShowArgs),
    /// Write a commented starter scenario: every key of the embedded baseline,
    /// explained and commented out, to uncomment and change.
    #[command(after_help = SCENARIO_INIT_EXAMPLE)]
    Init(ScenarioInitArgs),
}

const SCENARIO_SHOW_EXAMPLE: &str = "\
Examples:
  impexsim scenario show
  impexsim scenario show scenarios/carrier_strike.toml > strike.toml
  impexsim scenario show --set policy.creating_timeout=7d
print the embedded default scenario, a file's scenario and the baseline with a
shorter Creating timeout, every key with its meaning.";

#[derive(Debug, Args)]
pub struct ScenarioShowArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Override a scenario key, e.g. `--set policy.creating_timeout=7d` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
}

const SCENARIO_INIT_EXAMPLE: &str = "\
Example:
  impexsim scenario init my_study.toml
  impexsim run my_study.toml
refuses to replace an existing file unless --force is given (exit code 2).";

#[derive(Debug, Args)]
pub struct ScenarioInitArgs {
    /// The file to write, e.g. `my_study.toml`.
    pub file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

const COMPLETIONS_EXAMPLE: &str = "\
Examples:
  impexsim completions bash > ~/.local/share/bash-completion/completions/impexsim
  impexsim completions zsh > ~/.zfunc/_impexsim
  impexsim completions fish > ~/.config/fish/completions/impexsim.fish
(for zsh, with `fpath+=~/.zfunc` before `compinit` in ~/.zshrc).";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

const MAN_EXAMPLE: &str = "\
Examples:
  impexsim man | man -l -
  impexsim man --out ~/.local/share/man/man1
the second writes impexsim.1, impexsim-run.1, impexsim-scenario-show.1, ...";

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write impexsim.1 and one page per subcommand (impexsim-run.1, ...) into
    /// DIR instead of printing impexsim.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every command and subcommand, with its path (`impexsim scenario show`).
    fn commands() -> Vec<(String, clap::Command)> {
        fn walk(prefix: &str, command: &clap::Command, into: &mut Vec<(String, clap::Command)>) {
            let path = format!("{prefix}{}", command.get_name());
            into.push((path.clone(), command.clone()));
            for sub in command.get_subcommands() {
                walk(&format!("{path} "), sub, into);
            }
        }
        let mut command = Cli::command();
        command.build();
        let mut all = Vec::new();
        walk("", &command, &mut all);
        all.retain(|(path, _)| !path.ends_with(" help") && !path.contains(" help "));
        all
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Issue 10: an example on every subcommand's help.
    #[test]
    fn every_subcommand_help_has_an_example() {
        let all = commands();
        assert!(
            all.len() > 10,
            "{:?}",
            all.iter().map(|(path, _)| path).collect::<Vec<_>>()
        );
        for (path, mut command) in all {
            let help = command.render_help().to_string();
            let has_example = help
                .lines()
                .skip_while(|line| !line.starts_with("Example"))
                .any(|line| line.starts_with(&format!("  {path}")));
            assert!(has_example, "`{path} --help` shows no example:\n{help}");
        }
    }

    /// Issue 10: the exit codes in the top-level help.
    #[test]
    fn top_level_help_lists_every_exit_code() {
        let help = Cli::command().render_help().to_string();
        let listed = help.split_once("Exit codes:").expect("an exit code list").1;
        for (code, meaning) in EXIT_CODES {
            let first_words: String = meaning
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                listed.contains(&format!("  {code}  {first_words}")),
                "exit code {code} ({meaning}) missing from\n{help}"
            );
        }
    }
}

const FIT_EXAMPLE: &str = "\
Examples:
  impexsim fit output/baseline                  # writes output/fitted.toml
  impexsim fit site/jobs.csv --drives site/drives.csv --out output/site.toml
  impexsim validate output/fitted.toml
Each key of the file states what it was estimated from, its sample size, the
Kolmogorov-Smirnov distance and AIC of every candidate family, or a Wilson
interval. Exit code 2 when a file is missing or lacks a column.";

#[derive(Debug, Args)]
pub struct FitArgs {
    /// An output directory holding jobs.csv and drives.csv, or a jobs CSV file.
    pub history: PathBuf,
    /// The drives CSV file [default: drives.csv beside the jobs file].
    #[arg(long)]
    pub drives: Option<PathBuf>,
    /// Where to write the fitted scenario.
    #[arg(long, default_value = "output/fitted.toml")]
    pub out: PathBuf,
    /// Replace --out even when it is not an earlier fitted scenario.
    #[arg(long)]
    pub force: bool,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}
