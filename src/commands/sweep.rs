//! `impexsim sweep`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli;
use crate::commands::UsageError;
use crate::console::{errln, out, outln};
use crate::json_summary::{SweepSummary, to_text};
use crate::progress::{RunShape, Tracker};
use crate::signals::interrupt_on_signals;

pub fn sweep(args: cli::SweepArgs) -> Result<()> {
    use impexsim::sweep::{
        BaseScenario, PlanError, SweepOptions, SweepPlan, SweepProgress, run_sweep,
    };

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
                errln!("warning: {warning}");
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
        interrupt: interrupt_on_signals(),
    };

    let shapes = plan
        .points
        .iter()
        .map(|point| RunShape::of(&point.scenario, &point.dir_name))
        .collect();
    let tracker = Tracker::new(shapes, args.quiet);
    let on_progress =
        |progress: SweepProgress<'_>| tracker.update(progress.index, progress.replication);
    let outcome = run_sweep(&plan, &options, &on_progress)
        .with_context(|| format!("sweep of scenario {:?} failed", plan.base.simulation.name))?;
    tracker.finish();
    if args.report {
        crate::commands::report::write_into(&outcome.out, args.quiet)?;
    }

    if args.json {
        outln!("{}", to_text(&SweepSummary::new(&plan, &outcome)));
    } else if !args.quiet {
        out!("{}", impexsim::sweep::summary_table(&outcome));
        outln!(
            "{} points, {} jobs in {:.1} s; results in {}",
            outcome.points.len(),
            outcome.jobs,
            outcome.wall_time_seconds,
            outcome.out.display()
        );
    }
    Ok(())
}
