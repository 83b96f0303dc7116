//! `impexsim run`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use impexsim::report::{Metric, human_summary};
use impexsim::run::{RunOptions, run_to_dir};

use crate::cli::RunArgs;
use crate::commands::load_scenario;
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
    let options = RunOptions {
        out,
        trace: args.trace,
        command: std::env::args().collect(),
        threads: args.threads.map(usize::from),
        interrupt: interrupt_on_signals(),
    };

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
    Ok(())
}
