//! `impexsim merge`.

use anyhow::{Context, Result};

use impexsim::shard::merge::{MergeOptions, MergeOutcome, merge_shards};

use crate::cli::MergeArgs;
use crate::console::{out, outln};
use crate::signals::interrupt_on_signals;

pub fn merge(args: MergeArgs) -> Result<()> {
    let options = MergeOptions {
        out: args.out.clone(),
        command: std::env::args().collect(),
        interrupt: interrupt_on_signals(),
    };
    let outcome = merge_shards(&args.shards, &options)
        .with_context(|| format!("merge into {} failed", args.out.display()))?;
    if args.quiet {
        return Ok(());
    }
    match &outcome {
        MergeOutcome::Run(outcome) => crate::commands::run::print_summary(outcome),
        MergeOutcome::Sweep(outcome) => {
            out!("{}", impexsim::sweep::summary_table(outcome));
            outln!(
                "{} points, {} jobs; merged {} shards in {:.1} s; results in {}",
                outcome.points.len(),
                outcome.jobs,
                args.shards.len(),
                outcome.wall_time_seconds,
                outcome.out.display()
            );
        }
    }
    Ok(())
}
