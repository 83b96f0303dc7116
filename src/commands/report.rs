//! `impexsim report DIR`, and the `--report` of `run`, `sweep` and `compare`.

use std::path::Path;

use anyhow::Result;

use impexsim::html_report::{REPORT_FILE, ReportOptions, write_report_file};

use crate::cli::ReportArgs;
use crate::console::errln;

pub fn report(args: ReportArgs) -> Result<()> {
    let out = args.out.unwrap_or_else(|| args.dir.join(REPORT_FILE));
    let options = ReportOptions {
        sweep_metrics: args.metrics,
    };
    let kind = write_report_file(&args.dir, &options, &out)?;
    if !args.quiet {
        errln!("{} report written to {}", kind.name(), out.display());
    }
    Ok(())
}

/// Writes `dir/report.html` once a command's output directory is in place.
pub fn write_into(dir: &Path, quiet: bool) -> Result<()> {
    let out = dir.join(REPORT_FILE);
    write_report_file(dir, &ReportOptions::default(), &out)?;
    if !quiet {
        errln!("report in {}", out.display());
    }
    Ok(())
}
