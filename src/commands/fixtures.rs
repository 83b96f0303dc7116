//! `impexsim fixtures`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli;
use crate::commands::{UsageError, load_scenario, seeded_overrides};
use crate::console::outln;
use crate::progress::{RunShape, Tracker};
use crate::signals::interrupt_on_signals;

pub fn fixtures(args: cli::FixturesArgs) -> Result<()> {
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
        // Every job of a year of the baseline is some 400 MB: without a
        // choice of jobs, a covering few.
        cover: args.cover
            || (!args.all
                && args.jobs.is_none()
                && args.at.is_empty()
                && args.where_events.is_empty()),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-fixtures", scenario.simulation.name))
    });
    let shape = RunShape {
        replications: 1,
        ..RunShape::of(&scenario, "")
    };
    let tracker = Tracker::new(vec![shape], args.quiet);
    let mut on_progress = |progress| tracker.update(0, progress);
    let interrupt = interrupt_on_signals();
    let outcome = fixtures_to_dir(&scenario, &selection, &out, &interrupt, &mut on_progress)
        .with_context(|| format!("fixtures of scenario {:?} failed", scenario.simulation.name))?;
    tracker.finish();
    if !args.quiet {
        outln!(
            "{} snapshots of {} of {} jobs (replication 0) in {}",
            outcome.files,
            outcome.jobs_written,
            outcome.jobs_simulated,
            outcome.out.display()
        );
    }
    Ok(())
}
