//! One module per subcommand: each turns its parsed arguments into library
//! calls, shows progress and prints what a person reads.

pub mod calls;
pub mod compare;
pub mod completions;
pub mod fit;
pub mod fixtures;
pub mod man;
pub mod merge;
pub mod optimize;
pub mod replay;
pub mod report;
pub mod run;
pub mod scenario;
pub mod serve;
pub mod sweep;
pub mod validate;

use std::path::Path;

use anyhow::Result;

use impexsim::scenario::Scenario;

use crate::console::errln;

/// Bad input that is not a scenario error (a bad option value).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn load_scenario(path: Option<&Path>, overrides: &[String]) -> Result<Scenario> {
    let scenario = match path {
        Some(path) => Scenario::load(path, overrides)?,
        None => Scenario::from_overrides(overrides)?,
    };
    for warning in &scenario.warnings {
        errln!("warning: {warning}");
    }
    Ok(scenario)
}

/// `--seed` and `--set` of `fixtures` and `calls`, as overrides.
pub fn seeded_overrides(seed: Option<u64>, overrides: &[String]) -> Vec<String> {
    let mut overrides = overrides.to_vec();
    if let Some(seed) = seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    overrides
}
