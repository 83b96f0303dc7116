//! `impexsim sweep`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli;
use crate::commands::UsageError;
use crate::console::{err, errln};

pub fn sweep(args: cli::SweepArgs) -> Result<()> {
    use impexsim::sweep::{BaseScenario, PlanError, SweepOptions, SweepPlan, run_sweep};

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
        err!("{}", impexsim::sweep::summary_table(&outcome));
        errln!(
            "{} points, {} jobs in {:.1} s; results in {}",
            outcome.points.len(),
            outcome.jobs,
            outcome.wall_time_seconds,
            outcome.out.display()
        );
    }
    Ok(())
}
