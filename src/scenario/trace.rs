//! Arrival traces: the CSV file named by `arrivals.trace` (docs/model.md,
//! Arrivals).
//!
//! The file has a header row naming its columns, `created_at,job_type` and
//! optionally `drives`, in any order; `created_at` is an RFC 3339 instant,
//! `job_type` is `Import` or `Export` (any case), `drives` an optional count
//! within `[1, policy.max_drives_per_job]` (empty means "draw it"). Rows
//! outside `[start, start + horizon)` are skipped with a warning; the rest
//! are sorted by time, keeping file order among equal times.
//!
//! Messages give physical line numbers (blank lines count), and repeat at
//! most `echo::MAX_CHARS` characters of a field.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::echo;
use crate::model::JobKind;
use crate::scenario::{ScenarioError, TraceRow};
use crate::time::{SimDuration, SimTime};

/// What the trace's header must look like, for messages.
const HEADER: &str = "created_at,job_type[,drives]";

/// The window and limits trace rows are checked against.
pub(crate) struct TraceBounds {
    pub start: DateTime<Utc>,
    pub horizon: SimDuration,
    pub max_drives_per_job: u32,
}

/// Parses a trace from its bytes; `path` is only for messages. Skipped rows
/// are reported in `warnings`.
pub(crate) fn parse_trace(
    path: &Path,
    bytes: &[u8],
    bounds: &TraceBounds,
    warnings: &mut Vec<String>,
) -> Result<Vec<TraceRow>, ScenarioError> {
    let fail = |line: Option<u64>, message: String| ScenarioError::Trace {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    // The csv crate's own line numbers skip blank lines; count them here.
    let mut lines = LineCounter::new(bytes);
    let header = reader
        .headers()
        .map_err(|error| fail(lines.at_error(&error), csv_message(&error)))?
        .clone();
    // A file of blank lines has no header line: report its first.
    let header_line = if header.iter().all(str::is_empty) {
        Some(1)
    } else {
        Some(lines.at(header.position()))
    };
    let columns = Columns::from_header(&header).map_err(|message| fail(header_line, message))?;

    let mut rows = Vec::new();
    let mut skipped = SkippedRows::default();
    for record in reader.records() {
        let record = record.map_err(|error| fail(lines.at_error(&error), csv_message(&error)))?;
        let line_number = lines.at(record.position());
        let line = Some(line_number);
        let field = |index: usize| record.get(index).unwrap_or("");

        let created_text = field(columns.created_at);
        let created_at = DateTime::parse_from_rfc3339(created_text)
            .map_err(|error| {
                fail(
                    line,
                    format!(
                        "created_at: expected an RFC 3339 instant like \
                         2026-01-05T08:30:00Z, got {} ({error})",
                        echo::quote(created_text)
                    ),
                )
            })?
            .with_timezone(&Utc);
        let kind_text = field(columns.job_type);
        let kind = if kind_text.eq_ignore_ascii_case("import") {
            JobKind::Import
        } else if kind_text.eq_ignore_ascii_case("export") {
            JobKind::Export
        } else {
            return Err(fail(
                line,
                format!(
                    "job_type: expected Import or Export, got {}",
                    echo::quote(kind_text)
                ),
            ));
        };
        let drives = match columns.drives.map(field) {
            None | Some("") => None,
            Some(text) => match text.parse::<u32>() {
                Ok(count) if (1..=bounds.max_drives_per_job).contains(&count) => Some(count),
                _ => {
                    return Err(fail(
                        line,
                        format!(
                            "drives: expected an integer within [1, {}] \
                             (policy.max_drives_per_job) or nothing, got {}",
                            bounds.max_drives_per_job,
                            echo::quote(text)
                        ),
                    ));
                }
            },
        };

        let offset_ms = (created_at - bounds.start).num_milliseconds();
        if offset_ms < 0 || offset_ms >= bounds.horizon.ms() {
            skipped.add(line_number);
            continue;
        }
        rows.push(TraceRow {
            created_at: SimTime::from_ms(offset_ms),
            kind,
            drives,
        });
    }

    if skipped.count > 0 {
        let shown: Vec<String> = skipped.first.iter().map(u64::to_string).collect();
        let more = if skipped.count > shown.len() as u64 {
            ", ..."
        } else {
            ""
        };
        warnings.push(format!(
            "{}: skipped {} row(s) created outside [start, start + horizon) (line {}{more})",
            path.display(),
            skipped.count,
            shown.join(", ")
        ));
    }
    if rows.is_empty() {
        warnings.push(format!(
            "{}: no job is created inside [start, start + horizon): the run has no arrivals",
            path.display()
        ));
    }
    // A stable sort: rows at the same instant keep their file order, which
    // is the job order the engine uses for ties.
    rows.sort_by_key(|row| row.created_at);
    Ok(rows)
}

/// Rows skipped for falling outside the horizon: how many, and the lines of
/// the first few (a warning lists those, so a huge trace costs no memory).
#[derive(Default)]
struct SkippedRows {
    count: u64,
    first: Vec<u64>,
}

impl SkippedRows {
    const SHOWN: usize = 5;

    fn add(&mut self, line: u64) {
        self.count += 1;
        if self.first.len() < Self::SHOWN {
            self.first.push(line);
        }
    }
}

/// Physical line numbers of byte offsets, counted forward through the file
/// (offsets come in increasing order, so the whole file is scanned once).
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// The offset counted up to, and the 1-based line it is on.
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line a record starts on, from its csv position.
    fn at(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else {
            return self.line;
        };
        let mut target = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        // The position is where the reader started: before the blank lines
        // it skipped on its way to the record.
        while matches!(self.bytes.get(target), Some(b'\r' | b'\n')) {
            target += 1;
        }
        if target < self.offset {
            // Never happens for records read in order; count afresh.
            self.offset = 0;
            self.line = 1;
        }
        let newlines = self.bytes[self.offset..target]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count();
        self.line += newlines as u64;
        self.offset = target;
        self.line
    }

    /// The line of a csv error, when the error has a position.
    fn at_error(&mut self, error: &csv::Error) -> Option<u64> {
        error.position().map(|position| self.at(Some(position)))
    }
}

/// Positions of the known columns in the header.
struct Columns {
    created_at: usize,
    job_type: usize,
    drives: Option<usize>,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Columns, String> {
        if header.iter().all(str::is_empty) {
            return Err(format!("empty file: expected a header row {HEADER}"));
        }
        let mut created_at = None;
        let mut job_type = None;
        let mut drives = None;
        for (index, name) in header.iter().enumerate() {
            let slot = match name.to_ascii_lowercase().as_str() {
                "created_at" => &mut created_at,
                "job_type" => &mut job_type,
                "drives" => &mut drives,
                _ if DateTime::parse_from_rfc3339(name).is_ok() => {
                    return Err(format!(
                        "the first row must be a header {HEADER}, got a data row"
                    ));
                }
                _ => {
                    return Err(format!(
                        "unknown column {}: expected a header {HEADER}",
                        echo::quote(name)
                    ));
                }
            };
            if slot.replace(index).is_some() {
                return Err(format!(
                    "column {} appears twice in the header",
                    echo::quote(name)
                ));
            }
        }
        match (created_at, job_type) {
            (Some(created_at), Some(job_type)) => Ok(Columns {
                created_at,
                job_type,
                drives,
            }),
            (None, _) => Err(format!(
                "missing column created_at: expected a header {HEADER}"
            )),
            (_, None) => Err(format!(
                "missing column job_type: expected a header {HEADER}"
            )),
        }
    }
}

/// A CSV error without the crate's "CSV error: record N (line ...)" prefix;
/// the caller reports the line.
fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields like the header row, got {len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        _ => error.to_string(),
    }
}
