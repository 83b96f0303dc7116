//! `impexsim compare`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli;
use crate::console::{errln, out, outln};
use crate::json_summary::{CompareSummary, to_text};
use crate::progress::{RunShape, Tracker};

pub fn compare(args: cli::CompareArgs) -> Result<()> {
    use impexsim::compare::{
        CompareOptions, Pair, PairSpec, RunKind, compare_to_dir, comparison_table,
        guard::read_guards, metric_names,
    };

    let spec = PairSpec {
        scenario: args.scenario.clone(),
        overrides: args.overrides.clone(),
        candidate_scenario: args.candidate_scenario.clone(),
        candidate_overrides: args.candidate.clone(),
        seed: args.seed,
        replications: args.replications,
    };
    let pair = Pair::load(&spec)?;
    let mut warnings = pair.baseline.warnings.clone();
    for warning in &pair.candidate.warnings {
        if !warnings.contains(warning) {
            warnings.push(warning.clone());
        }
    }
    for warning in &warnings {
        errln!("warning: {warning}");
    }
    if pair.is_identical() {
        errln!(
            "warning: the candidate is the same scenario as the baseline: every difference will be 0"
        );
    }
    // Read before anything runs: a bad guard file costs no simulation.
    let guards = match &args.guard {
        Some(path) => read_guards(path, &metric_names())?,
        None => Vec::new(),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-compare", pair.baseline.simulation.name))
    });
    let outputs = args.output.outputs(false);
    if args.report {
        crate::commands::run::require_for_report(outputs, &[impexsim::outputs::OutputKind::Jobs])?;
    }
    let options = CompareOptions {
        out,
        command: std::env::args().collect(),
        threads: args.threads.map(usize::from),
        outputs,
        compression: args.output.compress,
        interrupt: crate::signals::interrupt_on_signals(),
    };

    let tracker = Tracker::new(
        vec![
            RunShape::of(&pair.baseline, RunKind::Baseline.dir_name()),
            RunShape::of(&pair.candidate, RunKind::Candidate.dir_name()),
        ],
        args.quiet,
    );
    let on_progress = |kind: RunKind, progress| {
        let run = match kind {
            RunKind::Baseline => 0,
            RunKind::Candidate => 1,
        };
        tracker.update(run, progress);
    };
    let comparison = compare_to_dir(&pair, &guards, &options, &on_progress).with_context(|| {
        format!(
            "comparison of scenario {:?} failed",
            pair.baseline.simulation.name
        )
    })?;
    tracker.finish();
    if args.report {
        crate::commands::report::write_into(&comparison.out, args.quiet)?;
    }

    if args.json {
        // The verdicts are in the document; standard output carries nothing else.
        outln!("{}", to_text(&CompareSummary::new(&pair, &comparison)));
    } else {
        if !args.quiet {
            out!("{}", comparison_table(&comparison));
            outln!(
                "compared in {:.1} s; results in {}",
                comparison.wall_time_seconds,
                comparison.out.display()
            );
        }
        // The verdicts are the command's result: printed even with --quiet.
        for verdict in &comparison.verdicts {
            outln!("{}", verdict.line());
        }
    }
    comparison.check_guards()?;
    Ok(())
}
