//! `impexsim run`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use impexsim::outputs::{OutputKind, OutputSet};
use impexsim::report::{Metric, human_summary};
use impexsim::run::{RunOptions, RunOutcome, run_to_dir};
use impexsim::shard::{ShardOutcome, run_shard_to_dir};

use crate::cli::RunArgs;
use crate::commands::{UsageError, load_scenario};
use crate::console::{out, outln};
use crate::json_summary::{RunSummary, to_text};
use crate::progress::{RunShape, Tracker};
use crate::signals::interrupt_on_signals;

pub fn run(args: RunArgs) -> Result<()> {
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
    let outputs = args.output.outputs(args.trace);
    if args.report {
        require_for_report(
            outputs,
            &[
                OutputKind::Summary,
                OutputKind::Jobs,
                OutputKind::Timeseries,
            ],
        )?;
    }
    let options = RunOptions {
        out,
        outputs,
        compression: args.output.compress,
        command: std::env::args().collect(),
        threads: args.threads.map(usize::from),
        interrupt: interrupt_on_signals(),
    };

    if let Some(shard) = args.shard {
        let mine = shard.replications(0, scenario.simulation.replications);
        let tracker = Tracker::new(
            vec![RunShape::of(&scenario, "").running(mine.len())],
            args.quiet,
        );
        let outcome = run_shard_to_dir(&scenario, &options, shard, &|mut progress| {
            progress.replication = shard.position(0, progress.replication) as u32;
            tracker.update(0, progress)
        })
        .with_context(|| {
            format!(
                "shard {shard} of scenario {:?} failed",
                scenario.simulation.name
            )
        })?;
        tracker.finish();
        if !args.quiet {
            print_shard(&outcome);
        }
        return Ok(());
    }

    let tracker = Tracker::new(vec![RunShape::of(&scenario, "")], args.quiet);
    let outcome = run_to_dir(&scenario, &options, &|progress| tracker.update(0, progress))
        .with_context(|| format!("run of scenario {:?} failed", scenario.simulation.name))?;
    tracker.finish();
    if args.report {
        crate::commands::report::write_into(&outcome.out, args.quiet)?;
    }

    if args.json {
        outln!("{}", to_text(&RunSummary::new(&scenario, &outcome)));
    } else if !args.quiet {
        print_summary(&outcome);
    }
    Ok(())
}

/// `--report` draws what `needed` names: refuse before running without it.
pub fn require_for_report(outputs: OutputSet, needed: &[OutputKind]) -> Result<()> {
    let missing: Vec<&str> = needed
        .iter()
        .filter(|kind| !outputs.contains(**kind))
        .map(|kind| kind.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(UsageError(format!(
        "--report draws {}: add {} to --outputs, or leave --report out",
        needed
            .iter()
            .map(|kind| kind.file_name())
            .collect::<Vec<_>>()
            .join(", "),
        missing.join(",")
    ))
    .into())
}

/// One line about a finished shard.
pub fn print_shard(outcome: &ShardOutcome) {
    outln!(
        "shard {}: {} of {} replications, {} jobs in {:.1} s; results in {} (impexsim merge puts the shards together)",
        outcome.shard,
        outcome.items,
        outcome.total_items,
        outcome.jobs,
        outcome.wall_time_seconds,
        outcome.out.display()
    );
}

/// The human summary of a run (or a merged run).
pub fn print_summary(outcome: &RunOutcome) {
    {
        if outcome.metrics.len() == 1 {
            out!("{}", human_summary(&outcome.metrics.replication(0)));
        } else {
            // Means across replications; summary.csv has their intervals.
            let means: Vec<Metric> = outcome
                .metrics
                .summaries()
                .into_iter()
                .map(|metric| Metric {
                    name: metric.name,
                    value: metric.summary.mean,
                })
                .collect();
            out!("{}", human_summary(&means));
            outln!(
                "(means of {} replications; summary.csv has their 95% intervals)",
                outcome.metrics.len()
            );
        }
        outln!(
            "{} jobs in {:.1} s; results in {}",
            outcome.jobs,
            outcome.wall_time_seconds,
            outcome.out.display()
        );
    }
}
