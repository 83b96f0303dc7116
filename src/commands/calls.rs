//! `impexsim calls`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use impexsim::fixtures::FixturesError;

use crate::cli;
use crate::commands::{load_scenario, seeded_overrides};
use crate::console::errln;
use crate::progress::{progress_bar, simulated_day_progress};
use crate::signals::interrupt_on_signals;

pub fn calls(args: cli::CallsArgs) -> Result<()> {
    use impexsim::fixtures::{calls_to_path, write_calls};

    let overrides = seeded_overrides(args.seed, &args.overrides);
    let scenario = load_scenario(args.scenario.as_deref(), &overrides)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-calls.jsonl", scenario.simulation.name))
    });
    let context = || format!("calls of scenario {:?} failed", scenario.simulation.name);
    let interrupt = interrupt_on_signals();
    let bar = progress_bar(&scenario, args.quiet);
    let mut on_progress = simulated_day_progress(&scenario, &bar);
    let outcome = if out.as_os_str() == "-" {
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        match write_calls(&scenario, stdout, &interrupt, &mut on_progress) {
            Ok((_, outcome)) => outcome,
            // The reader has all it wanted (`| head`): stop quietly, as
            // ripgrep does, with success.
            Err(FixturesError::Stream(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                bar.finish_and_clear();
                return Ok(());
            }
            Err(error) => {
                return Err(error)
                    .context("cannot write to standard output")
                    .with_context(context);
            }
        }
    } else {
        calls_to_path(&scenario, &out, args.force, &interrupt, &mut on_progress)
            .with_context(context)?
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
