//! The `impexsim` binary: parse the command line, run, print the error chain,
//! exit with the documented code (0 ok, 1 failure, 2 bad input, 3 guard failed).

mod cli;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use impexsim::report::{Metric, human_summary, summarize_replications};
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
        Command::Sweep(args) => sweep(args),
        Command::Compare(args) => compare(args),
        Command::Fixtures(args) => fixtures(args),
        Command::Calls(args) => calls(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// 3 for a failed `compare` guard, 2 for bad input anywhere in the cause
/// chain, else 1.
fn exit_code(error: &anyhow::Error) -> u8 {
    if error
        .chain()
        .any(|cause| cause.is::<impexsim::compare::GuardsFailed>())
    {
        return 3;
    }
    let bad_input = error.chain().any(|cause| {
        cause.downcast_ref::<ScenarioError>().is_some()
            || cause.downcast_ref::<UsageError>().is_some()
            || cause.is::<impexsim::compare::InputError>()
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
        if outcome.metrics.len() == 1 {
            eprint!("{}", human_summary(&outcome.metrics[0]));
        } else {
            // Means across replications; summary.csv has their intervals.
            let means: Vec<Metric> = summarize_replications(&outcome.metrics)
                .into_iter()
                .map(|metric| Metric {
                    name: metric.name,
                    value: metric.summary.mean,
                })
                .collect();
            eprint!("{}", human_summary(&means));
            eprintln!(
                "(means of {} replications; summary.csv has their 95% intervals)",
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

fn sweep(args: cli::SweepArgs) -> Result<()> {
    use impexsim::sweep::{BaseScenario, PlanError, SweepOptions, SweepPlan, run_sweep};

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
    let base = BaseScenario {
        path: args.scenario.as_deref(),
        overrides: &overrides,
    };
    // Every point is built and checked here, before anything runs.
    let plan = SweepPlan::new(base, &args.vary).map_err(|error| match error {
        PlanError::Vary(error) => anyhow::Error::from(UsageError(error.to_string())),
        PlanError::Base(error) => anyhow::Error::from(error),
        point @ PlanError::Point { .. } => anyhow::Error::from(point),
    })?;
    let mut warnings: Vec<&String> = Vec::new();
    for point in &plan.points {
        for warning in &point.scenario.warnings {
            if !warnings.contains(&warning) {
                eprintln!("warning: {warning}");
                warnings.push(warning);
            }
        }
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-sweep", plan.base.simulation.name))
    });
    let options = SweepOptions {
        out,
        command: std::env::args().collect(),
        threads: args.threads.map(usize::from),
    };

    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(
            Some(plan.points.len() as u64),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template("{bar:30} point {pos}/{len} {msg} [{elapsed}]")
                .expect("valid template"),
        );
        bar
    };
    let on_point = |progress: impexsim::sweep::SweepProgress<'_>| {
        bar.set_position(progress.finished as u64);
        bar.set_message(format!("(last: {})", progress.point.dir_name));
    };
    let outcome = run_sweep(&plan, &options, &on_point)
        .with_context(|| format!("sweep of scenario {:?} failed", plan.base.simulation.name))?;
    bar.finish_and_clear();

    if !args.quiet {
        eprint!("{}", impexsim::sweep::summary_table(&outcome));
        eprintln!(
            "{} points, {} jobs in {:.1} s; results in {}",
            outcome.points.len(),
            outcome.jobs,
            outcome.wall_time_seconds,
            outcome.out.display()
        );
    }
    Ok(())
}

fn compare(args: cli::CompareArgs) -> Result<()> {
    use impexsim::compare::{
        CompareOptions, Pair, PairSpec, RunKind, compare_to_dir, comparison_table,
        guard::read_guards, metric_names,
    };

    let spec = PairSpec {
        scenario: args.scenario.clone(),
        overrides: args.overrides.clone(),
        candidate_scenario: args.candidate_scenario.clone(),
        candidate_overrides: args.candidate.clone(),
        seed: args.seed,
        replications: args.replications,
    };
    let pair = Pair::load(&spec)?;
    let mut warnings = pair.baseline.warnings.clone();
    for warning in &pair.candidate.warnings {
        if !warnings.contains(warning) {
            warnings.push(warning.clone());
        }
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if pair.is_identical() {
        eprintln!(
            "warning: the candidate is the same scenario as the baseline: every difference will be 0"
        );
    }
    // Read before anything runs: a bad guard file costs no simulation.
    let guards = match &args.guard {
        Some(path) => read_guards(path, &metric_names())?,
        None => Vec::new(),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-compare", pair.baseline.simulation.name))
    });
    let options = CompareOptions {
        out,
        command: std::env::args().collect(),
        threads: args.threads.map(usize::from),
    };

    let bar = progress_bar(&pair.baseline, args.quiet);
    let horizon_days = pair.baseline.horizon_end().ms() / impexsim::time::MS_PER_DAY;
    let replications = pair.replications();
    let on_progress = |kind: RunKind, progress: Progress| {
        let day = progress.now.ms() / impexsim::time::MS_PER_DAY;
        bar.set_position(day.clamp(0, horizon_days) as u64);
        bar.set_message(format!(
            "{kind}, replication {}/{replications}, day {day}",
            progress.replication + 1,
        ));
    };
    let comparison = compare_to_dir(&pair, &guards, &options, &on_progress).with_context(|| {
        format!(
            "comparison of scenario {:?} failed",
            pair.baseline.simulation.name
        )
    })?;
    bar.finish_and_clear();

    if !args.quiet {
        eprint!("{}", comparison_table(&comparison));
        eprintln!(
            "compared in {:.1} s; results in {}",
            comparison.wall_time_seconds,
            comparison.out.display()
        );
    }
    // The verdicts are the command's result: printed even with --quiet.
    for verdict in &comparison.verdicts {
        println!("{}", verdict.line());
    }
    comparison.check_guards()?;
    Ok(())
}

/// `--seed` and `--set` of `fixtures` and `calls`, as overrides.
fn seeded_overrides(seed: Option<u64>, overrides: &[String]) -> Vec<String> {
    let mut overrides = overrides.to_vec();
    if let Some(seed) = seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    overrides
}

fn fixtures(args: cli::FixturesArgs) -> Result<()> {
    use impexsim::fixtures::{Selection, fixtures_to_dir, parse_event, parse_instant};

    let overrides = seeded_overrides(args.seed, &args.overrides);
    let scenario = load_scenario(args.scenario.as_deref(), &overrides)?;
    let usage = |error: impexsim::fixtures::SelectionError| UsageError(error.to_string());
    let selection = Selection {
        at: args
            .at
            .iter()
            .map(|text| parse_instant(text, &scenario))
            .collect::<Result<_, _>>()
            .map_err(usage)?,
        on_change: args.on_change,
        where_events: args
            .where_events
            .iter()
            .map(|text| parse_event(text))
            .collect::<Result<_, _>>()
            .map_err(usage)?,
        max_jobs: args.jobs,
        cover: args.cover,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-fixtures", scenario.simulation.name))
    });
    let bar = progress_bar(&scenario, args.quiet);
    let mut on_progress = simulated_day_progress(&scenario, &bar);
    let outcome = fixtures_to_dir(&scenario, &selection, &out, &mut on_progress)
        .with_context(|| format!("fixtures of scenario {:?} failed", scenario.simulation.name))?;
    bar.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "{} snapshots of {} of {} jobs (replication 0) in {}",
            outcome.files,
            outcome.jobs_written,
            outcome.jobs_simulated,
            outcome.out.display()
        );
    }
    Ok(())
}

fn calls(args: cli::CallsArgs) -> Result<()> {
    use impexsim::fixtures::{calls_to_path, write_calls};

    let overrides = seeded_overrides(args.seed, &args.overrides);
    let scenario = load_scenario(args.scenario.as_deref(), &overrides)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-calls.jsonl", scenario.simulation.name))
    });
    let context = || format!("calls of scenario {:?} failed", scenario.simulation.name);
    let bar = progress_bar(&scenario, args.quiet);
    let mut on_progress = simulated_day_progress(&scenario, &bar);
    let outcome = if out.as_os_str() == "-" {
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        write_calls(&scenario, stdout, &mut on_progress)
            .context("cannot write to standard output")
            .with_context(context)?
            .1
    } else {
        calls_to_path(&scenario, &out, &mut on_progress).with_context(context)?
    };
    bar.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "{} calls of {} jobs (replication 0) in {}",
            outcome.lines,
            outcome.jobs,
            out.display()
        );
    }
    Ok(())
}

/// Moves `bar` along the simulated days of one replication.
fn simulated_day_progress<'a>(
    scenario: &Scenario,
    bar: &'a ProgressBar,
) -> impl FnMut(Progress) + 'a {
    let horizon_days = scenario.horizon_end().ms() / impexsim::time::MS_PER_DAY;
    move |progress: Progress| {
        let day = progress.now.ms() / impexsim::time::MS_PER_DAY;
        bar.set_position(day.clamp(0, horizon_days) as u64);
        bar.set_message(format!("day {day}, {} jobs written", progress.jobs_written));
    }
}
