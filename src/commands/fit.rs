//! `impexsim fit HISTORY --out FILE`.

use std::io::Write;

use anyhow::{Context, Result};

use impexsim::fit::scenario_text::{HEADER, render};
use impexsim::fit::{EstimateValue, fit_files, history_paths};
use impexsim::output_dir::{ReplacePolicy, write_file_staged};

use crate::cli::FitArgs;
use crate::console::{errln, outln};
use crate::signals::interrupt_on_signals;

pub fn fit(args: FitArgs) -> Result<()> {
    let (jobs, drives) = history_paths(&args.history, args.drives.as_deref())?;
    let fitted = fit_files(&jobs, &drives)?;
    let text = render(&fitted);
    let replace = if args.force {
        ReplacePolicy::Always
    } else {
        ReplacePolicy::IfStartsWith(HEADER.as_bytes())
    };
    let interrupt = interrupt_on_signals();
    write_file_staged::<(), anyhow::Error>(&args.out, replace, &interrupt, |mut file| {
        file.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", args.out.display()))
    })?;
    if !args.quiet {
        for estimate in &fitted.estimates {
            let chosen = match &estimate.value {
                EstimateValue::Duration { fits, .. } | EstimateValue::Number { fits, .. } => {
                    format!("{} (KS D {:.4})", fits[0].model.name(), fits[0].ks)
                }
                EstimateValue::Count { fits, .. } => {
                    format!("{} (KS D {:.4})", fits[0].model.name(), fits[0].ks)
                }
                EstimateValue::Probability(p) => {
                    format!("{} of {} = {:.4}", p.successes, p.trials, p.estimate)
                }
                EstimateValue::Rate { per_day, .. } => format!("{per_day:.3} per day"),
                EstimateValue::ConstantDuration { days, .. } => {
                    format!("{:.1} min", days * 24.0 * 60.0)
                }
            };
            outln!("{:<40} {chosen}", estimate.key);
        }
        errln!("fitted scenario written to {}", args.out.display());
    }
    Ok(())
}
