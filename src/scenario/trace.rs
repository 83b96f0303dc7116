//! Arrival traces: the CSV file named by `arrivals.trace` (docs/model.md,
//! Arrivals).
//!
//! The file has a header row naming its columns, `created_at,job_type` and
//! optionally `drives`, in any order; `created_at` is an RFC 3339 instant,
//! `job_type` is `Import` or `Export` (any case), `drives` an optional count
//! within `[1, policy.max_drives_per_job]` (empty means "draw it"). Rows
//! outside `[start, start + horizon)` are skipped with a warning; the rest
//! are sorted by time, keeping file order among equal times.

use std::path::Path;

use chrono::{DateTime, Utc};

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
    let header = reader
        .headers()
        .map_err(|error| fail(Some(1), csv_message(&error)))?
        .clone();
    let columns = Columns::from_header(&header).map_err(|message| fail(Some(1), message))?;

    let mut rows = Vec::new();
    let mut skipped_lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            fail(
                error.position().map(csv::Position::line),
                csv_message(&error),
            )
        })?;
        let line = record.position().map(csv::Position::line);
        let field = |index: usize| record.get(index).unwrap_or("");

        let created_text = field(columns.created_at);
        let created_at = DateTime::parse_from_rfc3339(created_text)
            .map_err(|error| {
                fail(
                    line,
                    format!(
                        "created_at: expected an RFC 3339 instant like \
                         2026-01-05T08:30:00Z, got {created_text:?} ({error})"
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
                format!("job_type: expected Import or Export, got {kind_text:?}"),
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
                             (policy.max_drives_per_job) or nothing, got {text:?}",
                            bounds.max_drives_per_job
                        ),
                    ));
                }
            },
        };

        let offset_ms = (created_at - bounds.start).num_milliseconds();
        if offset_ms < 0 || offset_ms >= bounds.horizon.ms() {
            skipped_lines.push(line.unwrap_or(0));
            continue;
        }
        rows.push(TraceRow {
            created_at: SimTime(offset_ms),
            kind,
            drives,
        });
    }

    if !skipped_lines.is_empty() {
        let shown: Vec<String> = skipped_lines.iter().take(5).map(u64::to_string).collect();
        let more = if skipped_lines.len() > shown.len() {
            ", ..."
        } else {
            ""
        };
        warnings.push(format!(
            "{}: skipped {} row(s) created outside [start, start + horizon) (line {}{more})",
            path.display(),
            skipped_lines.len(),
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
                        "unknown column {name:?}: expected a header {HEADER}"
                    ));
                }
            };
            if slot.replace(index).is_some() {
                return Err(format!("column {name:?} appears twice in the header"));
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
