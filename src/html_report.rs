//! The HTML report of an output directory (`impexsim report DIR`, `--report`):
//! one self-contained `report.html` a person can open offline or attach to a
//! CI run.
//!
//! `write_report` reads a run, sweep or compare directory and writes the page
//! to any `io::Write`; `write_report_file` puts it in place as a file
//! (written beside the target and renamed, so a failure never leaves half a
//! report). Which kind of page is decided by the directory's marker file
//! (`ReportKind::detect`): `compare.csv`, else `sweep.csv`, else `run.json`.
//!
//! # The pages
//!
//! - **run** (`run_page`): the scenario's name, seed, version and the
//!   resolved keys that differ from the embedded baseline; outcome shares
//!   with their 95% intervals (over replications); the end-to-end CDF with
//!   p50/p90/p99 marked; time in each state; drives on site, queue lengths and
//!   busy servers over time (the mean over replications with the range from
//!   the lowest to the highest replication as a band); utilisation per
//!   resource; the error events by frequency.
//! - **sweep** (`sweep_page`): each chosen metric (`ReportOptions`, by
//!   default `DEFAULT_SWEEP_METRICS`) against the first varied key, with its
//!   95% interval as a band when points have replications; with more keys,
//!   one small panel per value of the others, on a shared y axis.
//! - **compare** (`compare_page`): PASS/FAIL of the guards at the top; every
//!   significant paired difference (count twins of fractions left out) and
//!   every guarded metric as a point with its 95% interval, in percent of the
//!   baseline mean, sorted by size, with the guard limits drawn on their rows;
//!   the end-to-end CDFs of baseline and candidate overlaid; the jobs whose
//!   outcome changed.
//!
//! # Guarantees
//!
//! - Self-contained: CSS and SVG inline; no script, no font, no image and no
//!   address of anything outside the file (the SVG root's namespace
//!   declaration is dropped: inline SVG in HTML needs none).
//! - Deterministic: the page is a function of the directory's files alone
//!   (no time of generation, no path of the directory), so the same directory
//!   gives the same bytes.
//! - Charts are drawn with `plotters` (SVG backend) in fixed sizes
//!   (`charts`), with axis titles that carry units and the Okabe-Ito
//!   colour-blind-safe palette.
//! - Files are read by column name, so columns added at the end of a file do
//!   not matter; timestamps with or without milliseconds and numbers in any
//!   form `f64` parses are accepted. `jobs.csv` is streamed: the report keeps
//!   one number per finished job for the CDF (8 bytes a job), nothing else per
//!   row.
//!
//! # Errors
//!
//! A directory that is not an impexsim output, or a file in it that is
//! missing or malformed, is an `InputError` naming the file (and line, and
//! column where there is one): bad input, exit 2 in the binary. A report that
//! cannot be written is `ReportError::Write`.

mod charts;
mod compare_page;
mod page;
mod read;
mod run_page;
mod sweep_page;

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use self::read::InputError;

/// The report's file name in an output directory.
pub const REPORT_FILE: &str = "report.html";

/// Metrics a sweep report charts when none are chosen.
pub const DEFAULT_SWEEP_METRICS: [&str; 6] = [
    "end_to_end_days.p90",
    "copy.utilisation",
    "copy.queue_wait_days.mean",
    "drives_on_site.peak",
    "jobs.expired.fraction",
    "jobs.closed.fraction",
];

/// Which command wrote an output directory, and so which page describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// `impexsim run`: the directory holds `run.json`.
    Run,
    /// `impexsim sweep`: the directory holds `sweep.csv`.
    Sweep,
    /// `impexsim compare`: the directory holds `compare.csv`.
    Compare,
}

/// Choices of the report beyond the directory.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// Metrics a sweep report charts, names of `summary.csv`; empty for
    /// `DEFAULT_SWEEP_METRICS`. Ignored by run and compare reports.
    pub sweep_metrics: Vec<String>,
}

/// A report that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The directory or a file in it is not what impexsim writes.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The report could not be written to its writer.
    #[error("cannot write the report")]
    Write(#[source] io::Error),
    /// The report file could not be written.
    #[error("cannot write {path}")]
    WriteFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ReportError {
    /// The error is in the directory read (bad input), not in writing.
    pub fn is_bad_input(&self) -> bool {
        match self {
            ReportError::Input(_) => true,
            ReportError::Write(_) | ReportError::WriteFile { .. } => false,
        }
    }
}

impl ReportKind {
    /// The kind of output `dir` holds, by its marker file.
    pub fn detect(dir: &Path) -> Result<ReportKind, InputError> {
        let metadata = fs::metadata(dir).map_err(|source| InputError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        if !metadata.is_dir() {
            return Err(InputError::NotADirectory {
                path: dir.to_path_buf(),
            });
        }
        for (marker, kind) in [
            ("compare.csv", ReportKind::Compare),
            ("sweep.csv", ReportKind::Sweep),
            ("run.json", ReportKind::Run),
        ] {
            if dir.join(marker).is_file() {
                return Ok(kind);
            }
        }
        Err(InputError::NotAnOutput {
            dir: dir.to_path_buf(),
        })
    }

    /// `run`, `sweep` or `compare`.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Run => "run",
            ReportKind::Sweep => "sweep",
            ReportKind::Compare => "compare",
        }
    }
}

/// Reads the output directory `dir` and writes its report to `out`.
pub fn write_report<W: Write>(
    dir: &Path,
    options: &ReportOptions,
    mut out: W,
) -> Result<ReportKind, ReportError> {
    let (kind, html) = render(dir, options)?;
    out.write_all(html.as_bytes())
        .and_then(|()| out.flush())
        .map_err(ReportError::Write)?;
    Ok(kind)
}

/// Writes the report of `dir` to the file `path` (`dir/report.html` is the
/// usual place): into `.<name>.tmp-<pid>` beside it, renamed onto `path`
/// once complete, so `path` is never left half-written. The directory is read
/// before anything is created.
pub fn write_report_file(
    dir: &Path,
    options: &ReportOptions,
    path: &Path,
) -> Result<ReportKind, ReportError> {
    let (kind, html) = render(dir, options)?;
    let failed = |at: &Path| {
        let path = at.to_path_buf();
        move |source| ReportError::WriteFile { path, source }
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| ReportError::WriteFile {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        })?
        .to_string_lossy()
        .into_owned();
    let staging = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let written = fs::File::create(&staging)
        .map_err(failed(&staging))
        .and_then(|file| {
            let mut writer = BufWriter::new(file);
            writer
                .write_all(html.as_bytes())
                .and_then(|()| writer.flush())
                .map_err(failed(&staging))
        })
        .and_then(|()| fs::rename(&staging, path).map_err(failed(path)));
    if written.is_err() {
        let _ = fs::remove_file(&staging);
    }
    written.map(|()| kind)
}

/// The page for `dir`, whatever its kind.
fn render(dir: &Path, options: &ReportOptions) -> Result<(ReportKind, String), InputError> {
    let kind = ReportKind::detect(dir)?;
    let html = match kind {
        ReportKind::Run => run_page::render(dir)?,
        ReportKind::Sweep => sweep_page::render(dir, options)?,
        ReportKind::Compare => compare_page::render(dir)?,
    };
    Ok((kind, html))
}

/// How a metric is shown: its unit and the factor from the file's value to
/// the shown one (fractions are shown in percent).
#[derive(Clone, Copy, Debug, PartialEq)]
struct MetricUnit {
    /// Bracketed in axis titles: `days`, `% of jobs`, ...
    unit: &'static str,
    scale: f64,
}

/// The unit of a `summary.csv` metric, from its name (the scheme is in the
/// `report` module doc).
fn metric_unit(name: &str) -> MetricUnit {
    let unit = |unit, scale| MetricUnit { unit, scale };
    let last = name.rsplit('.').next().unwrap_or(name);
    if name.starts_with("jobs.") || name.starts_with("events.") {
        return match last {
            "fraction" => unit("% of jobs", 100.0),
            _ => unit("jobs", 1.0),
        };
    }
    if name.contains("days") {
        return unit("days", 1.0);
    }
    if name.ends_with(".utilisation") {
        return unit("%", 100.0);
    }
    if name.starts_with("drives") {
        return unit("drives", 1.0);
    }
    if name == "operator_contacts" {
        return unit("contacts", 1.0);
    }
    if name == "operator_contacts.per_week" {
        return unit("contacts per week", 1.0);
    }
    if name.contains(".queue_length.") {
        return match name.split('.').next() {
            Some("receiving") => unit("packages", 1.0),
            Some("copy") => unit("drives", 1.0),
            Some("packaging") => unit("jobs", 1.0),
            _ => unit("items", 1.0),
        };
    }
    unit("value", 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_units_follow_the_naming_scheme() {
        let check = |name: &str, unit: &'static str, scale: f64| {
            assert_eq!(metric_unit(name), MetricUnit { unit, scale }, "{name}");
        };
        check("jobs.total", "jobs", 1.0);
        check("jobs.expired.fraction", "% of jobs", 100.0);
        check("jobs.closed.count", "jobs", 1.0);
        check("events.orphan_drives.jobs", "jobs", 1.0);
        check("events.orphan_drives.fraction", "% of jobs", 100.0);
        check("end_to_end_days.p90", "days", 1.0);
        check("state_days.creating.mean", "days", 1.0);
        check("copy.queue_wait_days.mean", "days", 1.0);
        check("copy.utilisation", "%", 100.0);
        check("drives.destroyed", "drives", 1.0);
        check("drives_on_site.peak", "drives", 1.0);
        check("operator_contacts", "contacts", 1.0);
        check("operator_contacts.per_week", "contacts per week", 1.0);
        check("receiving.queue_length.max", "packages", 1.0);
        check("copy.queue_length.mean", "drives", 1.0);
        check("packaging.queue_length.mean", "jobs", 1.0);
    }

    #[test]
    fn a_directory_without_a_marker_is_not_an_output() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("jobs.csv"), "replication\n").unwrap();
        let error = ReportKind::detect(dir.path()).unwrap_err();
        assert!(matches!(error, InputError::NotAnOutput { .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains("run.json"), "{message}");
        fs::write(dir.path().join("run.json"), "{}").unwrap();
        assert_eq!(ReportKind::detect(dir.path()).unwrap(), ReportKind::Run);
        fs::write(dir.path().join("compare.csv"), "").unwrap();
        assert_eq!(ReportKind::detect(dir.path()).unwrap(), ReportKind::Compare);
    }
}
