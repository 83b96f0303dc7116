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
}

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
    #[arg(long, value_name = "N", conflicts_with = "cover", value_parser = jobs_value)]
    pub jobs: Option<u64>,
    /// A small set of jobs that together show every job state, drive state
    /// and event the selected jobs showed.
    #[arg(long)]
    pub cover: bool,
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
  impexsim calls --set customer.poll_interval=12h --out calls.jsonl
writes one {\"at\", \"job\", \"method\", \"path\", \"body\", \"expect\"} object per line;
`--out -` writes to standard output.";

#[derive(Debug, Args)]
pub struct CallsArgs {
    /// Scenario file (TOML); keys it leaves out take the baseline's values.
    pub scenario: Option<PathBuf>,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long, value_parser = seed_value)]
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
