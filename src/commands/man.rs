//! `impexsim man`: the manual page, in roff, from the same clap types as
//! `--help` (so the two cannot disagree), with an EXAMPLES section from each
//! command's help and an EXIT STATUS section on the top-level page.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_mangen::Man;
use roff::{Roff, bold, roman};

use crate::cli::{Cli, EXIT_CODES, ManArgs};
use crate::console::{errln, write_out};

pub fn man(args: ManArgs) -> Result<()> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let Some(dir) = args.out else {
        let page = render(&command, true).context("cannot render the manual page")?;
        write_out(format_args!("{page}"));
        return Ok(());
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = 0;
    write_pages(&command, true, &dir, &mut written)?;
    errln!("wrote {written} manual pages into {}", dir.display());
    Ok(())
}

/// Writes the page of `command` and of every subcommand below it.
fn write_pages(command: &clap::Command, top: bool, dir: &Path, written: &mut usize) -> Result<()> {
    let file = dir.join(Man::new(command.clone()).get_filename());
    let page = render(command, top).context("cannot render a manual page")?;
    fs::write(&file, page).with_context(|| format!("cannot write {}", file.display()))?;
    *written += 1;
    for sub in command.get_subcommands() {
        write_pages(sub, false, dir, written)?;
    }
    Ok(())
}

/// The page of one (built) command. `top`: the page of `impexsim` itself,
/// which lists the exit codes.
pub fn render(command: &clap::Command, top: bool) -> std::io::Result<String> {
    let man = Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    if command.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    let after_help = command
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    // The exit codes get a section of their own, from the same table.
    let examples = after_help
        .split_once("\nExit codes:")
        .map_or(after_help.as_str(), |(examples, _)| examples);
    let mut roff = Roff::new();
    if !examples.trim().is_empty() {
        roff.control("SH", ["EXAMPLES"]).control("nf", []);
        // The heading is the section's name already.
        let lines = examples.trim_end().lines();
        let lines = lines.skip_while(|line| *line == "Examples:" || *line == "Example:");
        for line in lines {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
    }
    if top {
        roff.control("SH", ["EXIT STATUS"]);
        for (code, meaning) in EXIT_CODES {
            roff.control("TP", [])
                .text([bold(code.to_string())])
                .text([roman(*meaning)]);
        }
    }
    roff.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}
