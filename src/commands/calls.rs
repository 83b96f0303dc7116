//! `impexsim calls`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli;
use crate::commands::{load_scenario, seeded_overrides};
use crate::console::errln;
use crate::progress::{progress_bar, simulated_day_progress};

pub fn calls(args: cli::CallsArgs) -> Result<()> {
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
        errln!(
            "{} calls of {} jobs (replication 0) in {}",
            outcome.lines,
            outcome.jobs,
            out.display()
        );
    }
    Ok(())
}
