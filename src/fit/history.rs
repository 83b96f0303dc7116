//! Reading a history: the rows of `jobs.csv` and `drives.csv`, as impexsim
//! writes them or as a site exports its own records with those columns.
//!
//! Columns are found by name (others are ignored, order does not matter);
//! the columns `fit` needs are checked at once and every missing one is
//! named in one error. Timestamps are RFC 3339 (with or without
//! milliseconds), read as milliseconds since the Unix epoch.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::DateTime;

use super::FitError;

/// Columns of `jobs.csv` the fit reads.
pub const JOB_COLUMNS: [&str; 13] = [
    "replication",
    "job",
    "job_type",
    "drives",
    "extra_drives",
    "outcome",
    "cancelled",
    "faults",
    "created_at",
    "shipping_at",
    "received_at",
    "deleted_at",
    "events",
];

/// Further job timestamps, read when present to place the end of the history.
const JOB_TIMES: [&str; 3] = ["transferring_at", "packaging_at", "finished_at"];

/// Columns of `drives.csv` the fit reads.
pub const DRIVE_COLUMNS: [&str; 9] = [
    "replication",
    "job",
    "extra",
    "data_bytes",
    "copy_outcome",
    "arrived_at",
    "copy_start_at",
    "copy_end_at",
    "queued_at",
];

/// Further drive timestamps, read when present to place the end of the history.
const DRIVE_TIMES: [&str; 2] = ["received_at", "shipped_back_at"];

/// Every job of a history with its drives.
#[derive(Debug, Default)]
pub struct History {
    pub jobs: Vec<JobRow>,
    /// The latest instant any row records [ms since the epoch]: where the
    /// history ends, and where open jobs are censored.
    pub end_ms: i64,
    /// Distinct replications (independent histories pooled).
    pub replications: u32,
    /// The files read, for the comments of the fitted scenario.
    pub jobs_path: PathBuf,
    pub drives_path: PathBuf,
}

/// One job: its `jobs.csv` row and its `drives.csv` rows.
#[derive(Debug)]
pub struct JobRow {
    pub replication: u32,
    pub name: String,
    pub export: bool,
    /// A follow-up export job (`job-NNNNNNN-rG`): not an arrival, its
    /// drive count and sizes copied from its parent.
    pub follow_up: bool,
    pub drives: u32,
    pub extra_drives: u32,
    pub outcome: String,
    pub cancelled: bool,
    pub faults: u32,
    pub created_ms: i64,
    pub shipping_ms: Option<i64>,
    pub received_ms: Option<i64>,
    /// `deleted_at` when the job expired (deleted from `Creating`).
    pub expired_ms: Option<i64>,
    pub events: Vec<String>,
    pub drive_rows: Vec<DriveRow>,
}

/// One `drives.csv` row.
#[derive(Debug)]
pub struct DriveRow {
    pub extra: bool,
    pub data_bytes: f64,
    pub copy_outcome: String,
    pub arrived_ms: Option<i64>,
    pub copy_start_ms: Option<i64>,
    pub copy_end_ms: Option<i64>,
    pub queued_ms: Option<i64>,
}

impl JobRow {
    /// The job met `event` (a name of the closed event list).
    pub fn met(&self, event: &str) -> bool {
        self.events.iter().any(|met| met == event)
    }

    /// Carrier delivery of the package: the first drive delivered.
    pub fn package_arrival_ms(&self) -> Option<i64> {
        self.drive_rows.iter().filter_map(|d| d.arrived_ms).min()
    }

    /// Still open when the history ends.
    pub fn unfinished(&self) -> bool {
        self.outcome == "unfinished"
    }
}

/// Reads `jobs_path` and `drives_path`.
pub fn read(jobs_path: &Path, drives_path: &Path) -> Result<History, FitError> {
    let mut history = History {
        jobs_path: jobs_path.to_path_buf(),
        drives_path: drives_path.to_path_buf(),
        ..History::default()
    };
    let mut end_ms = i64::MIN;
    let mut index = BTreeMap::<(u32, String), usize>::new();
    let mut replications = std::collections::BTreeSet::new();

    let mut jobs = Table::open(jobs_path, &JOB_COLUMNS)?;
    while jobs.next()? {
        let name = jobs.text("job").to_string();
        let replication = jobs.count("replication")? as u32;
        let outcome = jobs.text("outcome").to_string();
        let expired_ms = if outcome == "expired" {
            jobs.time("deleted_at")?
        } else {
            None
        };
        let row = JobRow {
            replication,
            follow_up: is_follow_up(&name),
            name,
            export: jobs.text("job_type").eq_ignore_ascii_case("export"),
            drives: jobs.count("drives")? as u32,
            extra_drives: jobs.count("extra_drives")? as u32,
            outcome,
            cancelled: jobs.boolean("cancelled")?,
            faults: jobs.count("faults")? as u32,
            created_ms: jobs.time("created_at")?.ok_or_else(|| {
                jobs.error("created_at", "expected a timestamp, got an empty field")
            })?,
            shipping_ms: jobs.time("shipping_at")?,
            received_ms: jobs.time("received_at")?,
            expired_ms,
            events: jobs
                .text("events")
                .split(';')
                .map(str::trim)
                .filter(|event| !event.is_empty())
                .map(str::to_string)
                .collect(),
            drive_rows: Vec::new(),
        };
        for time in [row.created_ms]
            .into_iter()
            .chain(row.shipping_ms)
            .chain(row.received_ms)
            .chain(row.expired_ms)
        {
            end_ms = end_ms.max(time);
        }
        for column in JOB_TIMES {
            if let Some(time) = jobs.optional_time(column)? {
                end_ms = end_ms.max(time);
            }
        }
        replications.insert(replication);
        if index
            .insert((replication, row.name.clone()), history.jobs.len())
            .is_some()
        {
            return Err(jobs.error(
                "job",
                format!(
                    "job `{}` appears twice in replication {replication}",
                    row.name
                ),
            ));
        }
        history.jobs.push(row);
    }

    let mut drives = Table::open(drives_path, &DRIVE_COLUMNS)?;
    while drives.next()? {
        let key = (
            drives.count("replication")? as u32,
            drives.text("job").to_string(),
        );
        let Some(&job) = index.get(&key) else {
            return Err(drives.error(
                "job",
                format!(
                    "job `{}` of replication {} is not in {}",
                    key.1,
                    key.0,
                    jobs_path.display()
                ),
            ));
        };
        let row = DriveRow {
            extra: drives.boolean("extra")?,
            data_bytes: drives.number("data_bytes")?,
            copy_outcome: drives.text("copy_outcome").to_string(),
            arrived_ms: drives.time("arrived_at")?,
            copy_start_ms: drives.time("copy_start_at")?,
            copy_end_ms: drives.time("copy_end_at")?,
            queued_ms: drives.time("queued_at")?,
        };
        for time in [
            row.arrived_ms,
            row.copy_start_ms,
            row.copy_end_ms,
            row.queued_ms,
        ]
        .into_iter()
        .flatten()
        {
            end_ms = end_ms.max(time);
        }
        for column in DRIVE_TIMES {
            if let Some(time) = drives.optional_time(column)? {
                end_ms = end_ms.max(time);
            }
        }
        history.jobs[job].drive_rows.push(row);
    }
    if history.jobs.is_empty() {
        return Err(FitError::Malformed {
            at: jobs_path.display().to_string(),
            message: "no job rows: a fit needs a history".to_string(),
        });
    }
    history.end_ms = end_ms;
    history.replications = replications.len() as u32;
    Ok(history)
}

/// `job-0000012-r1`: a follow-up export job of generation 1.
fn is_follow_up(name: &str) -> bool {
    name.rsplit_once("-r").is_some_and(|(_, generation)| {
        !generation.is_empty() && generation.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A CSV file read by column name, one row at a time.
struct Table {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    columns: BTreeMap<String, usize>,
    record: csv::StringRecord,
}

impl Table {
    /// Opens `path` and checks that every column of `required` is there.
    fn open(path: &Path, required: &[&str]) -> Result<Table, FitError> {
        let file = File::open(path).map_err(|source| FitError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::Reader::from_reader(BufReader::with_capacity(1 << 16, file));
        let header = reader
            .headers()
            .map_err(|error| csv_error(path, error))?
            .clone();
        let columns: BTreeMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(index, name)| (name.trim().to_string(), index))
            .collect();
        let missing: Vec<String> = required
            .iter()
            .filter(|name| !columns.contains_key(**name))
            .map(|name| name.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(FitError::MissingColumns {
                path: path.to_path_buf(),
                missing,
                required: required.iter().map(|name| name.to_string()).collect(),
            });
        }
        Ok(Table {
            path: path.to_path_buf(),
            reader,
            columns,
            record: csv::StringRecord::new(),
        })
    }

    /// Reads the next row; `false` at the end.
    fn next(&mut self) -> Result<bool, FitError> {
        self.reader
            .read_record(&mut self.record)
            .map_err(|error| csv_error(&self.path, error))
    }

    fn text(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|index| self.record.get(*index))
            .unwrap_or("")
            .trim()
    }

    fn error(&self, column: &str, message: impl Into<String>) -> FitError {
        let line = self.record.position().map_or(0, csv::Position::line);
        FitError::Malformed {
            at: format!("{}:{line}", self.path.display()),
            message: format!("column `{column}`: {}", message.into()),
        }
    }

    fn count(&self, column: &str) -> Result<u64, FitError> {
        let text = self.text(column);
        text.parse::<u64>()
            .map_err(|_| self.error(column, format!("expected a whole number, got `{text}`")))
    }

    fn number(&self, column: &str) -> Result<f64, FitError> {
        let text = self.text(column);
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
            _ => Err(self.error(column, format!("expected a number, got `{text}`"))),
        }
    }

    fn boolean(&self, column: &str) -> Result<bool, FitError> {
        match self.text(column) {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(self.error(column, format!("expected true or false, got `{other}`"))),
        }
    }

    /// A timestamp; `None` for an empty field.
    fn time(&self, column: &str) -> Result<Option<i64>, FitError> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(None);
        }
        DateTime::parse_from_rfc3339(text)
            .map(|time| Some(time.timestamp_millis()))
            .map_err(|_| {
                self.error(
                    column,
                    format!(
                        "expected an RFC 3339 timestamp like 2026-01-05T00:00:00.000Z, got `{text}`"
                    ),
                )
            })
    }

    /// A timestamp of a column the file may lack.
    fn optional_time(&self, column: &str) -> Result<Option<i64>, FitError> {
        if self.columns.contains_key(column) {
            self.time(column)
        } else {
            Ok(None)
        }
    }
}

fn csv_error(path: &Path, error: csv::Error) -> FitError {
    let at = match error.position() {
        Some(position) => format!("{}:{}", path.display(), position.line()),
        None => path.display().to_string(),
    };
    match error.into_kind() {
        csv::ErrorKind::Io(source) => FitError::Read {
            path: path.to_path_buf(),
            source,
        },
        other => FitError::Malformed {
            at,
            message: format!("not a CSV file of records: {other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_names_end_in_a_generation() {
        assert!(is_follow_up("job-0000012-r1"));
        assert!(is_follow_up("job-0000012-r12"));
        assert!(!is_follow_up("job-0000012"));
        assert!(!is_follow_up("job-r"));
        assert!(!is_follow_up("job-rx"));
    }
}
