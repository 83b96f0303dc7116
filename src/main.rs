//! The `impexsim` binary: parse the command line, run, print the error chain,
//! exit with the documented code (0 ok, 1 failure, 2 bad input, 3 guard failed).

mod cli;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use impexsim::report::human_summary;
use impexsim::run::{RunOptions, run_to_dir};
use impexsim::scenario::{Scenario, ScenarioError};
use impexsim::sim::Progress;

use crate::cli::{Cli, Command, RunArgs, ValidateArgs};

/// Bad input that is not a scenario error (a bad option value).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// 2 for bad input anywhere in the cause chain, else 1.
fn exit_code(error: &anyhow::Error) -> u8 {
    let bad_input = error.chain().any(|cause| {
        cause.downcast_ref::<ScenarioError>().is_some()
            || cause.downcast_ref::<UsageError>().is_some()
    });
    if bad_input { 2 } else { 1 }
}

fn load_scenario(path: Option<&Path>, overrides: &[String]) -> Result<Scenario> {
    let scenario = match path {
        Some(path) => Scenario::load(path, overrides)?,
        None => Scenario::from_overrides(overrides)?,
    };
    for warning in &scenario.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(scenario)
}

fn run(args: RunArgs) -> Result<()> {
    if args.replications == Some(0) {
        return Err(UsageError("--replications must be at least 1, got 0".into()).into());
    }
    let mut overrides = args.overrides.clone();
    if let Some(seed) = args.seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    if let Some(replications) = args.replications {
        overrides.push(format!("simulation.replications={replications}"));
    }
    let scenario = load_scenario(args.scenario.as_deref(), &overrides)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&scenario.simulation.name));
    let options = RunOptions {
        out,
        trace: args.trace,
        command: std::env::args().collect(),
        threads: args.threads.map(usize::from),
    };

    let bar = progress_bar(&scenario, args.quiet);
    let horizon_days = scenario.horizon_end().ms() / impexsim::time::MS_PER_DAY;
    let replications = scenario.simulation.replications;
    let on_progress = |progress: Progress| {
        let day = progress.now.ms() / impexsim::time::MS_PER_DAY;
        bar.set_position(day.clamp(0, horizon_days) as u64);
        bar.set_message(format!(
            "replication {}/{replications}, day {day}, {} jobs written",
            progress.replication + 1,
            progress.jobs_written
        ));
    };
    let outcome = run_to_dir(&scenario, &options, &on_progress)
        .with_context(|| format!("run of scenario {:?} failed", scenario.simulation.name))?;
    bar.finish_and_clear();

    if !args.quiet {
        let first = &outcome.metrics[0];
        eprint!("{}", human_summary(first));
        if outcome.metrics.len() > 1 {
            eprintln!(
                "(replication 1 of {}; summary.csv has every metric across replications)",
                outcome.metrics.len()
            );
        }
        eprintln!(
            "{} jobs in {:.1} s; results in {}",
            outcome.jobs,
            outcome.wall_time_seconds,
            outcome.out.display()
        );
    }
    Ok(())
}

fn progress_bar(scenario: &Scenario, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let horizon_days = scenario.horizon_end().ms() / impexsim::time::MS_PER_DAY;
    let bar =
        ProgressBar::with_draw_target(Some(horizon_days as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} simulated day {pos}/{len} {msg} [{elapsed}]")
            .expect("valid template"),
    );
    bar
}

fn validate(args: ValidateArgs) -> Result<()> {
    let mut failures = 0;
    for path in &args.scenarios {
        match Scenario::load(path, &args.overrides) {
            Ok(scenario) => {
                for warning in &scenario.warnings {
                    eprintln!("warning: {warning}");
                }
                println!("{}: ok ({})", path.display(), scenario.simulation.name);
            }
            Err(error) => {
                failures += 1;
                eprintln!("error: {:#}", anyhow::Error::from(error));
            }
        }
    }
    if failures > 0 {
        return Err(UsageError(format!(
            "{failures} of {} scenario files are invalid",
            args.scenarios.len()
        ))
        .into());
    }
    Ok(())
}
