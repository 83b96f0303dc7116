//! `impexsim run`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use impexsim::report::{Metric, human_summary, summarize_replications};
use impexsim::run::{RunOptions, run_to_dir};
use impexsim::sim::Progress;

use crate::cli::RunArgs;
use crate::commands::load_scenario;
use crate::console::{err, errln};
use crate::progress::progress_bar;

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
            err!("{}", human_summary(&outcome.metrics[0]));
        } else {
            // Means across replications; summary.csv has their intervals.
            let means: Vec<Metric> = summarize_replications(&outcome.metrics)
                .into_iter()
                .map(|metric| Metric {
                    name: metric.name,
                    value: metric.summary.mean,
                })
                .collect();
            err!("{}", human_summary(&means));
            errln!(
                "(means of {} replications; summary.csv has their 95% intervals)",
                outcome.metrics.len()
            );
        }
        errln!(
            "{} jobs in {:.1} s; results in {}",
            outcome.jobs,
            outcome.wall_time_seconds,
            outcome.out.display()
        );
    }
    Ok(())
}
