//! The command line (clap derive types only). Exit codes are decided in `main`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Discrete-event simulator and load generator for Azure Import/Export jobs.
#[derive(Debug, Parser)]
#[command(name = "impexsim", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (the embedded baseline when none is given) and write
    /// jobs.csv, drives.csv, summary.csv, timeseries.csv and run.json.
    Run(RunArgs),
    /// Check scenario files without running them.
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
    /// Send a call stream to an HTTP service at its simulated times (time
    /// compressed), check every answer, measure latency from each request's
    /// intended send time, and write replay.csv and replay-summary.csv; exit 3
    /// when a --threshold fails.
    #[command(after_help = REPLAY_EXAMPLE)]
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of independent replications (overrides simulation.replications).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Output directory [default: output/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key, e.g. `--set policy.creating_timeout=7d` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Threads for the replications [default: all cores]; the output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Also write every state transition to events.csv.
    #[arg(long)]
    pub trace: bool,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

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
Example (a shorter Creating timeout against the embedded baseline, as a CI check):
  impexsim compare --candidate policy.creating_timeout=7d --guard scenarios/guards.toml
writes output/baseline-compare/ (compare.csv, compare.jobs.csv, baseline/, candidate/);
exit code 0 when every guard passes, 3 when one fails, 2 for bad input.";

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
    #[arg(long)]
    pub seed: Option<u64>,
    /// Paired replications, at least 2 [default: simulation.replications, 10 when that is 1].
    #[arg(long)]
    pub replications: Option<u32>,
    /// Output directory [default: output/<scenario name>-compare/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key in both runs, e.g. `--set arrivals.jobs_per_day=30` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Threads for the replications [default: all cores]; the output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// No progress bar and no table on the terminal (guard lines still print).
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
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications at every point (overrides simulation.replications).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Output directory [default: output/<scenario name>-sweep/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key at every point, e.g. `--set policy.creating_timeout=7d`
    /// (repeatable; --vary values are applied after it).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Threads for points and replications [default: all cores]; the output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// No progress bar and no table on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

const FIXTURES_EXAMPLE: &str = "\
Examples (replication 0 of the scenario; the module docs of impexsim::fixtures
describe every field):
  impexsim fixtures --cover --out fixtures/
  impexsim fixtures --where orphan_drives --jobs 5
  impexsim fixtures --at 30d --at 2026-03-01T00:00:00Z
writes <job>/<yyyyMMddTHHmmss.fffZ>.json files and index.csv
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
    #[arg(long, value_name = "N", conflicts_with = "cover")]
    pub jobs: Option<u64>,
    /// A small set of jobs that together show every job state, drive state
    /// and event the selected jobs showed.
    #[arg(long)]
    pub cover: bool,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long)]
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
  impexsim calls --set customer.poll_interval=12h --out calls.jsonl
writes one {\"at\", \"job\", \"method\", \"path\", \"body\", \"expect\"} object per line;
`--out -` writes to standard output.";

#[derive(Debug, Args)]
pub struct CallsArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output file, `-` for standard output [default: output/<scenario name>-calls.jsonl].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key, e.g. `--set customer.poll_interval=12h` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

const REPLAY_EXAMPLE: &str = "\
Examples (a year of calls, a simulated day per second; then as fast as possible):
  impexsim calls --out calls.jsonl
  impexsim replay calls.jsonl --target http://127.0.0.1:8080 --speed 86400 \\
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
