//! `impexsim fixtures`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli;
use crate::commands::{UsageError, load_scenario, seeded_overrides};
use crate::console::errln;
use crate::progress::{progress_bar, simulated_day_progress};
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
    let bar = progress_bar(&scenario, args.quiet);
    let mut on_progress = simulated_day_progress(&scenario, &bar);
    let interrupt = interrupt_on_signals();
    let outcome = fixtures_to_dir(&scenario, &selection, &out, &interrupt, &mut on_progress)
        .with_context(|| format!("fixtures of scenario {:?} failed", scenario.simulation.name))?;
    bar.finish_and_clear();
    if !args.quiet {
        errln!(
            "{} snapshots of {} of {} jobs (replication 0) in {}",
            outcome.files,
            outcome.jobs_written,
            outcome.jobs_simulated,
            outcome.out.display()
        );
    }
    Ok(())
}
