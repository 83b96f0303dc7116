//! `impexsim validate`.

use anyhow::Result;

use impexsim::scenario::Scenario;

use crate::cli::ValidateArgs;
use crate::commands::UsageError;
use crate::console::{errln, outln};

pub fn validate(args: ValidateArgs) -> Result<()> {
    let mut failures = 0;
    for path in &args.scenarios {
        match Scenario::load(path, &args.overrides) {
            Ok(scenario) => {
                for warning in &scenario.warnings {
                    errln!("warning: {warning}");
                }
                outln!("{}: ok ({})", path.display(), scenario.simulation.name);
            }
            Err(error) => {
                failures += 1;
                errln!("error: {:#}", anyhow::Error::from(error));
            }
        }
    }
    if failures > 0 {
        return Err(UsageError(format!(
            "{failures} of {} scenario files are invalid",
            args.scenarios.len()
        ))
        .into());
    }
    Ok(())
}
