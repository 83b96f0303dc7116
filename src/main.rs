//! The `impexsim` binary: parse the command line, run the subcommand, print
//! the error chain, exit with the documented code (0 ok, 1 failure, 2 bad
//! input, 3 guard failed, 128 + the signal's number when stopped by SIGINT,
//! SIGTERM or SIGHUP).

mod allocator;
mod cli;
mod commands;
mod console;
mod json_summary;
mod progress;
mod signals;

use std::process::ExitCode;

use clap::Parser;

use impexsim::scenario::ScenarioError;

use crate::cli::{Cli, Command};
use crate::commands::UsageError;
use crate::console::errln;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Validate(args) => commands::validate::validate(args),
        Command::Sweep(args) => commands::sweep::sweep(args),
        Command::Compare(args) => commands::compare::compare(args),
        Command::Fixtures(args) => commands::fixtures::fixtures(args),
        Command::Calls(args) => commands::calls::calls(args),
        Command::Scenario(args) => commands::scenario::scenario(args),
        Command::Completions(args) => commands::completions::completions(args),
        Command::Man(args) => commands::man::man(args),
        Command::Report(args) => commands::report::report(args),
        Command::Fit(args) => commands::fit::fit(args),
        Command::Replay(args) => commands::replay::replay(args),
        Command::Merge(args) => commands::merge::merge(args),
        Command::Optimize(args) => commands::optimize::optimize(args),
        Command::Serve(args) => commands::serve::serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(cause) = interrupted_by(&error) {
                // The cause chain would only repeat that the run stopped.
                errln!("error: {error}: interrupted by {}", signals::name(cause));
                return ExitCode::from(signals::exit_code(cause));
            }
            errln!("error: {error:#}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// The signal that stopped the command, if one did.
fn interrupted_by(error: &anyhow::Error) -> Option<usize> {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<impexsim::interrupt::Interrupted>())
        .map(|interrupted| interrupted.cause)
}

/// 3 for a failed `compare` guard or `replay` threshold, 2 for bad input
/// anywhere in the cause chain, else 1.
fn exit_code(error: &anyhow::Error) -> u8 {
    use impexsim::replay;

    if error.chain().any(|cause| {
        cause.is::<impexsim::compare::GuardsFailed>() || cause.is::<replay::ThresholdsFailed>()
    }) {
        return 3;
    }
    let bad_input = error.chain().any(|cause| {
        cause.downcast_ref::<ScenarioError>().is_some()
            || cause.downcast_ref::<UsageError>().is_some()
            || cause.is::<impexsim::compare::InputError>()
            || cause.is::<impexsim::shard::manifest::ShardInputError>()
            || cause
                .downcast_ref::<impexsim::shard::merge::MergeError>()
                .is_some_and(impexsim::shard::merge::MergeError::is_bad_input)
            || cause.is::<impexsim::optimize::InputError>()
            || cause.is::<impexsim::optimize::Infeasible>()
            || cause.is::<impexsim::fit::FitError>()
            || cause
                .downcast_ref::<impexsim::html_report::ReportError>()
                .is_some_and(impexsim::html_report::ReportError::is_bad_input)
            || replay_input_error(cause)
    });
    if bad_input { 2 } else { 1 }
}

/// Bad input of `replay`: a target, threshold or prefix that cannot be
/// read, a malformed call line.
fn replay_input_error(cause: &(dyn std::error::Error + 'static)) -> bool {
    use impexsim::replay::{CallLineError, NamePrefixError, TargetError, ThresholdError};

    cause.is::<TargetError>()
        || cause.is::<ThresholdError>()
        || cause.is::<NamePrefixError>()
        || matches!(
            cause.downcast_ref::<CallLineError>(),
            Some(CallLineError::Malformed { .. })
        )
}
