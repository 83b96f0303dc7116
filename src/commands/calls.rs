//! `impexsim calls`.

use std::io::ErrorKind;
use std::path::PathBuf;

use anyhow::{Context, Result};

use impexsim::fixtures::FixturesError;

use crate::cli;
use crate::commands::{load_scenario, seeded_overrides};
use crate::console::{errln, outln};
use crate::progress::{RunShape, Tracker};
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
    let shape = RunShape {
        replications: 1,
        ..RunShape::of(&scenario, "")
    };
    let tracker = Tracker::new(vec![shape], args.quiet);
    let mut on_progress = |progress| tracker.update(0, progress);
    let to_stdout = out.as_os_str() == "-";
    let outcome = if to_stdout {
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        match write_calls(&scenario, stdout, &interrupt, &mut on_progress) {
            Ok((_, outcome)) => outcome,
            // The reader has all it wanted (`| head`): stop quietly, as
            // ripgrep does, with success.
            Err(FixturesError::Stream(error)) if error.kind() == ErrorKind::BrokenPipe => {
                tracker.finish();
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
    tracker.finish();
    if !args.quiet {
        let line = format!(
            "{} calls of {} jobs (replication 0) in {}",
            outcome.lines,
            outcome.jobs,
            out.display()
        );
        // Standard output carries the calls themselves with `--out -`.
        if to_stdout {
            errln!("{line}");
        } else {
            outln!("{line}");
        }
    }
    Ok(())
}
