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
        outputs: args.output.outputs(false),
        compression: args.output.compress,
        interrupt: interrupt_on_signals(),
    };

    if let Some(shard) = args.shard {
        let mut first_items = Vec::with_capacity(plan.points.len());
        let mut shapes = Vec::with_capacity(plan.points.len());
        let mut first_item = 0u64;
        for point in &plan.points {
            let replications = point.scenario.simulation.replications;
            let mine = shard.replications(first_item, replications).len();
            shapes.push(RunShape::of(&point.scenario, &point.dir_name).running(mine));
            first_items.push(first_item);
            first_item += u64::from(replications);
        }
        let tracker = Tracker::new(shapes, args.quiet);
        let on_progress = |progress: SweepProgress<'_>| {
            let mut replication = progress.replication;
            replication.replication =
                shard.position(first_items[progress.index], replication.replication) as u32;
            tracker.update(progress.index, replication)
        };
        let outcome = impexsim::shard::run_sweep_shard(&plan, &options, shard, &on_progress)
            .with_context(|| {
                format!(
                    "shard {shard} of the sweep of scenario {:?} failed",
                    plan.base.simulation.name
                )
            })?;
        tracker.finish();
        if !args.quiet {
            crate::commands::run::print_shard(&outcome);
        }
        return Ok(());
    }

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
