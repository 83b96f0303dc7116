//! `impexsim completions SHELL`: a completion script on standard output.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::console::write_out;

pub fn completions(args: CompletionsArgs) -> Result<()> {
    // Rendered into memory first: clap_complete panics on a failed write,
    // and standard output may be a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "impexsim", &mut script);
    write_out(format_args!("{}", String::from_utf8_lossy(&script)));
    Ok(())
}
