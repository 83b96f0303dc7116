//! Which files a run writes (`--outputs`), and how (`--compress`).
//!
//! `OutputSet` is a set of `OutputKind`s: `summary` (`summary.csv`, and
//! `replications.csv` with several replications), `timeseries`, `jobs`,
//! `drives` and `events` (`events.csv`, what `--trace` adds). The default is
//! every kind but `events`. `run.json` is always written: it marks the
//! directory as a run's output. Whatever is chosen, the simulation and its
//! metrics are the same: a file left out is only not written, so
//! `summary.csv`, `sweep.csv` and `compare.csv` hold the same bytes.
//!
//! `Compression::Zstd` writes each row file as `NAME.zst` (`jobs.csv.zst`),
//! one zstd frame per file, which pandas, polars and DuckDB read directly
//! (`pd.read_csv("jobs.csv.zst")`). The small summary files
//! (`summary.csv`, `replications.csv`, `run.json`) stay plain text. See
//! `compression` for how the frame is written.

use std::fmt;
use std::str::FromStr;

/// One file (or pair of files) `--outputs` can choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutputKind {
    /// `summary.csv` (and `replications.csv` with several replications).
    Summary,
    /// `timeseries.csv`.
    Timeseries,
    /// `jobs.csv`.
    Jobs,
    /// `drives.csv`.
    Drives,
    /// `events.csv`, every state transition (`--trace`).
    Events,
}

impl OutputKind {
    /// Every kind, in the order `--outputs` lists them.
    pub const ALL: [OutputKind; 5] = [
        OutputKind::Summary,
        OutputKind::Timeseries,
        OutputKind::Jobs,
        OutputKind::Drives,
        OutputKind::Events,
    ];

    /// The row files, in the order a run joins them.
    pub const ROW_FILES: [OutputKind; 4] = [
        OutputKind::Jobs,
        OutputKind::Drives,
        OutputKind::Timeseries,
        OutputKind::Events,
    ];

    /// The name `--outputs` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Summary => "summary",
            OutputKind::Timeseries => "timeseries",
            OutputKind::Jobs => "jobs",
            OutputKind::Drives => "drives",
            OutputKind::Events => "events",
        }
    }

    /// The file a row kind is written to, before compression
    /// (`jobs.csv`); `summary.csv` for `Summary`.
    pub fn file_name(self) -> &'static str {
        match self {
            OutputKind::Summary => "summary.csv",
            OutputKind::Timeseries => "timeseries.csv",
            OutputKind::Jobs => "jobs.csv",
            OutputKind::Drives => "drives.csv",
            OutputKind::Events => "events.csv",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The names `--outputs` takes, for messages: `summary, timeseries, ...`.
pub fn output_names() -> String {
    OutputKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A set of output kinds.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutputSet(u8);

impl OutputSet {
    /// What a run writes unless told otherwise: everything but `events`.
    pub const DEFAULT: OutputSet = OutputSet(0b01111);

    /// No file at all (`run.json` is still written).
    pub const EMPTY: OutputSet = OutputSet(0);

    pub fn contains(self, kind: OutputKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// The set with `kind` added.
    pub fn with(self, kind: OutputKind) -> OutputSet {
        OutputSet(self.0 | kind.bit())
    }

    /// The set without `kind`.
    pub fn without(self, kind: OutputKind) -> OutputSet {
        OutputSet(self.0 & !kind.bit())
    }

    /// The kinds in the set, in `OutputKind::ALL` order.
    pub fn kinds(self) -> impl Iterator<Item = OutputKind> {
        OutputKind::ALL
            .into_iter()
            .filter(move |&kind| self.contains(kind))
    }

    /// The row files in the set, in the order a run joins them.
    pub fn row_files(self) -> impl Iterator<Item = OutputKind> {
        OutputKind::ROW_FILES
            .into_iter()
            .filter(move |&kind| self.contains(kind))
    }
}

impl Default for OutputSet {
    fn default() -> OutputSet {
        OutputSet::DEFAULT
    }
}

impl fmt::Debug for OutputSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OutputSet({self})")
    }
}

/// `summary,jobs`: the names, comma-separated, in `OutputKind::ALL` order.
impl fmt::Display for OutputSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.kinds().map(OutputKind::as_str).collect();
        f.write_str(&names.join(","))
    }
}

/// A `--outputs` list or a `--compress` value that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutputsError {
    #[error(
        "unknown output `{name}`: expected a comma-separated list of {}",
        output_names()
    )]
    UnknownOutput { name: String },
    #[error("empty list: expected a comma-separated list of {}", output_names())]
    Empty,
    #[error(
        "unknown compression `{text}`: expected none, zstd, or zstd:LEVEL with LEVEL from 1 to {MAX_ZSTD_LEVEL}"
    )]
    Compression { text: String },
}

/// Reads `summary,jobs` (blanks around names allowed, a name twice is the
/// same as once).
impl FromStr for OutputSet {
    type Err = OutputsError;

    fn from_str(text: &str) -> Result<OutputSet, OutputsError> {
        if text.trim().is_empty() {
            return Err(OutputsError::Empty);
        }
        let mut set = OutputSet::EMPTY;
        for name in text.split(',') {
            let name = name.trim();
            let kind = OutputKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == name)
                .ok_or_else(|| OutputsError::UnknownOutput {
                    name: crate::echo::cut(name).into_owned(),
                })?;
            set = set.with(kind);
        }
        Ok(set)
    }
}

/// The highest `zstd:LEVEL` accepted (zstd's levels above it need much
/// more memory to decompress).
pub const MAX_ZSTD_LEVEL: i32 = 19;

/// The zstd level of `--compress zstd`: the fastest of the standard levels,
/// which on these CSV files also compresses about as well as level 3
/// (README, Less output).
pub const DEFAULT_ZSTD_LEVEL: i32 = 1;

/// How the row files are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain CSV.
    #[default]
    None,
    /// One zstd frame per file, `NAME.zst`, at this level (1 to `MAX_ZSTD_LEVEL`).
    Zstd { level: i32 },
}

impl Compression {
    /// The name a row file `base` (`jobs.csv`) is written as.
    pub fn file_name(self, base: &str) -> String {
        match self {
            Compression::None => base.to_string(),
            Compression::Zstd { .. } => format!("{base}.zst"),
        }
    }
}

/// `none`, `zstd` or `zstd:LEVEL`.
impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            Compression::Zstd { level } => write!(f, "zstd:{level}"),
        }
    }
}

impl FromStr for Compression {
    type Err = OutputsError;

    fn from_str(text: &str) -> Result<Compression, OutputsError> {
        let bad = || OutputsError::Compression {
            text: crate::echo::cut(text).into_owned(),
        };
        match text.trim() {
            "none" => Ok(Compression::None),
            "zstd" => Ok(Compression::Zstd {
                level: DEFAULT_ZSTD_LEVEL,
            }),
            other => {
                let level = other.strip_prefix("zstd:").ok_or_else(bad)?;
                match level.trim().parse::<i32>() {
                    Ok(level) if (1..=MAX_ZSTD_LEVEL).contains(&level) => {
                        Ok(Compression::Zstd { level })
                    }
                    _ => Err(bad()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lists_read_names_in_any_order() {
        let check = |text: &str, expected: &str| {
            let set: OutputSet = text.parse().unwrap();
            assert_eq!(set.to_string(), expected, "`{text}`");
        };
        check("summary", "summary");
        check("jobs, summary", "summary,jobs");
        check(
            "events,drives,jobs,timeseries,summary",
            "summary,timeseries,jobs,drives,events",
        );
        check("jobs,jobs", "jobs");
        assert_eq!(
            OutputSet::DEFAULT.to_string(),
            "summary,timeseries,jobs,drives"
        );
        assert!(!OutputSet::DEFAULT.contains(OutputKind::Events));
        let row_files: Vec<OutputKind> = "summary,events,jobs"
            .parse::<OutputSet>()
            .unwrap()
            .row_files()
            .collect();
        assert_eq!(row_files, [OutputKind::Jobs, OutputKind::Events]);
    }

    #[test]
    fn unknown_outputs_are_errors_listing_the_names() {
        let error = "summary,job".parse::<OutputSet>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown output `job`: expected a comma-separated list of summary, timeseries, \
             jobs, drives, events"
        );
        assert_eq!("".parse::<OutputSet>(), Err(OutputsError::Empty));
        assert_eq!(
            "summary,".parse::<OutputSet>(),
            Err(OutputsError::UnknownOutput {
                name: String::new()
            })
        );
    }

    #[test]
    fn compression_names() {
        assert_eq!("none".parse(), Ok(Compression::None));
        assert_eq!("zstd".parse(), Ok(Compression::Zstd { level: 1 }));
        assert_eq!("zstd:19".parse(), Ok(Compression::Zstd { level: 19 }));
        for bad in ["gzip", "zstd:0", "zstd:20", "zstd:-1", "zstd:", "ZSTD"] {
            assert!(bad.parse::<Compression>().is_err(), "{bad}");
        }
        assert_eq!(
            Compression::Zstd { level: 1 }.file_name("jobs.csv"),
            "jobs.csv.zst"
        );
        assert_eq!(Compression::None.file_name("jobs.csv"), "jobs.csv");
        assert_eq!(Compression::Zstd { level: 3 }.to_string(), "zstd:3");
    }
}
