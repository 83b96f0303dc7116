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
