//! `impexsim optimize`.

use anyhow::{Context, Result};

use impexsim::optimize::{
    Candidate, OptimizeOptions, OptimizeSpec, Plan, answer_text, default_out, failure_text,
    optimize_to_dir,
};

use crate::cli;
use crate::console::{errln, out, outln};
use crate::json_summary::{OptimizeSummary, to_text};

pub fn optimize(args: cli::OptimizeArgs) -> Result<()> {
    let spec = OptimizeSpec {
        scenario: args.scenario.clone(),
        overrides: args.overrides.clone(),
        seed: args.seed,
        replications: args.replications,
        minimize: args.minimize.clone(),
        subject_to: args.subject_to.clone(),
        costs: args.costs.clone(),
        confidence: args.confidence,
    };
    // Every input is checked here, before anything runs.
    let plan = Plan::new(&spec, &impexsim::compare::metric_names())?;
    for warning in &plan.base.warnings {
        errln!("warning: {warning}");
    }
    let options = OptimizeOptions {
        out: args.out.clone().unwrap_or_else(|| default_out(&plan)),
        command: std::env::args().collect(),
        threads: args.threads.map(usize::from),
        interrupt: crate::signals::interrupt_on_signals(),
    };
    let quiet = args.quiet;
    let on_candidate = |candidate: &Candidate| {
        if quiet {
            return;
        }
        let verdict = if candidate.feasible {
            "feasible".to_string()
        } else {
            let failing: Vec<String> = plan
                .constraints
                .iter()
                .zip(&candidate.checks)
                .filter(|(_, check)| !check.holds)
                .map(|(constraint, check)| failure_text(&plan, constraint, check))
                .collect();
            format!("infeasible ({})", failing.join("; "))
        };
        errln!("{}: {verdict}", plan.describe(&candidate.point));
    };
    let optimization = optimize_to_dir(&plan, &options, &on_candidate).with_context(|| {
        format!(
            "optimisation of scenario {:?} failed",
            plan.base.simulation.name
        )
    })?;
    if args.json {
        // Infeasible or not: the document says which, the error follows.
        outln!("{}", to_text(&OptimizeSummary::new(&plan, &optimization)));
        optimization.check_feasible(&plan)?;
        return Ok(());
    }
    optimization.check_feasible(&plan)?;
    // The answer is the command's result: printed even with --quiet.
    out!("{}", answer_text(&plan, &optimization));
    if !quiet {
        outln!(
            "{} candidates, {} replications each, in {:.1} s; evidence in {}",
            optimization.candidates.len(),
            plan.replications,
            optimization.wall_time_seconds,
            optimization
                .out
                .join(impexsim::optimize::OPTIMIZE_CSV)
                .display()
        );
    }
    Ok(())
}
