//! Reading an output directory's files: `run.json`, `summary.csv`, and the
//! streaming reader every CSV file goes through.
//!
//! Files are read by column name (a column added at the end changes
//! nothing); a number is anything `f64` parses (`12`, `0.8125`, `1e-7`), a
//! timestamp any RFC 3339 text (with or without milliseconds). Every problem
//! is an `InputError` that names the file and, where there is one, the line
//! and column.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::dist::parse_duration;
use crate::scenario::Scenario;

/// A directory or file that is not what impexsim writes (bad input).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The directory or a file it should hold cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The path given is a file, not a directory.
    #[error(
        "{} is not a directory: expected the output directory of impexsim run, sweep or compare",
        path.display()
    )]
    NotADirectory { path: PathBuf },
    /// The directory holds none of the marker files.
    #[error(
        "{} is not an impexsim output directory: it holds no run.json (run), sweep.csv (sweep) \
         or compare.csv (compare)",
        dir.display()
    )]
    NotAnOutput { dir: PathBuf },
    /// A file holds something impexsim does not write.
    #[error("{at}: {message}")]
    Malformed {
        /// `file`, `file:line` or `file:line:column`.
        at: String,
        message: String,
    },
    /// A `--metric` the sweep does not have.
    #[error(
        "--metric {metric}: {} has no such metric (expected a metric name of summary.csv, \
         e.g. end_to_end_days.p90)",
        path.display()
    )]
    UnknownMetric { metric: String, path: PathBuf },
}

impl InputError {
    pub(super) fn malformed(at: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError::Malformed {
            at: at.into(),
            message: message.into(),
        }
    }
}

/// A CSV file read row by row, reusing one record.
pub(super) struct CsvInput {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    header: csv::StringRecord,
    record: csv::StringRecord,
}

impl CsvInput {
    /// Opens `path` (or, when there is none, the `path.zst` that
    /// `--compress zstd` writes) and reads its header.
    pub(super) fn open(path: &Path) -> Result<CsvInput, InputError> {
        let compressed = {
            let mut name = path.as_os_str().to_owned();
            name.push(".zst");
            PathBuf::from(name)
        };
        let read_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| InputError::Read { path, source }
        };
        let input: Box<dyn Read> = if !path.exists() && compressed.is_file() {
            let file = File::open(&compressed).map_err(read_error(&compressed))?;
            Box::new(
                crate::compression::decoder(BufReader::with_capacity(1 << 16, file))
                    .map_err(read_error(&compressed))?,
            )
        } else {
            let file = File::open(path).map_err(read_error(path))?;
            Box::new(BufReader::with_capacity(1 << 16, file))
        };
        let mut reader = csv::Reader::from_reader(input);
        let header = reader
            .headers()
            .map_err(|error| csv_error(path, error))?
            .clone();
        if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
            return Err(InputError::malformed(
                format!("{}:1", path.display()),
                "expected a header line, found an empty file",
            ));
        }
        Ok(CsvInput {
            path: path.to_path_buf(),
            reader,
            header,
            record: csv::StringRecord::new(),
        })
    }

    /// The header's column names.
    pub(super) fn columns(&self) -> impl Iterator<Item = &str> {
        self.header.iter()
    }

    pub(super) fn has_column(&self, name: &str) -> bool {
        self.header.iter().any(|column| column == name)
    }

    /// The index of column `name`; an error naming the file when absent.
    pub(super) fn column(&self, name: &str) -> Result<usize, InputError> {
        self.header
            .iter()
            .position(|column| column == name)
            .ok_or_else(|| {
                InputError::malformed(
                    format!("{}:1", self.path.display()),
                    format!("expected a column `{name}` in the header"),
                )
            })
    }

    /// Reads the next row; `false` at the end of the file.
    pub(super) fn next_row(&mut self) -> Result<bool, InputError> {
        self.reader
            .read_record(&mut self.record)
            .map_err(|error| csv_error(&self.path, error))
    }

    /// The line of the current row (1 is the header).
    pub(super) fn line(&self) -> u64 {
        self.record.position().map_or(0, csv::Position::line)
    }

    /// The text of `column` in the current row.
    pub(super) fn text(&self, column: usize) -> &str {
        self.record.get(column).unwrap_or("")
    }

    /// An error about `column` of the current row.
    pub(super) fn error(&self, column: usize, message: impl std::fmt::Display) -> InputError {
        InputError::malformed(
            format!("{}:{}", self.path.display(), self.line()),
            format!("column `{}`: {message}", &self.header[column]),
        )
    }

    /// A number; `None` when the field is empty.
    pub(super) fn number(&self, column: usize) -> Result<Option<f64>, InputError> {
        let text = self.text(column).trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Some(value)),
            _ => Err(self.error(column, format!("expected a number, got `{text}`"))),
        }
    }

    /// A number that must be there.
    pub(super) fn required_number(&self, column: usize) -> Result<f64, InputError> {
        self.number(column)?
            .ok_or_else(|| self.error(column, "expected a number, got an empty field"))
    }

    /// A whole number at least 0 (`3`, or `3.0` as older files may write it).
    pub(super) fn count(&self, column: usize) -> Result<u64, InputError> {
        let text = self.text(column).trim();
        if let Ok(count) = text.parse::<u64>() {
            return Ok(count);
        }
        match text.parse::<f64>() {
            Ok(value) if value >= 0.0 && value.fract() == 0.0 && value < 9.0e15 => Ok(value as u64),
            _ => Err(self.error(column, format!("expected a count, got `{text}`"))),
        }
    }

    /// An RFC 3339 timestamp; `None` when the field is empty.
    pub(super) fn time(&self, column: usize) -> Result<Option<DateTime<Utc>>, InputError> {
        let text = self.text(column).trim();
        if text.is_empty() {
            return Ok(None);
        }
        parse_time(text)
            .map(Some)
            .map_err(|message| self.error(column, message))
    }
}

/// A CSV reader's error as an `InputError` with the line where it has one.
fn csv_error(path: &Path, error: csv::Error) -> InputError {
    let at = match error.position() {
        Some(position) => format!("{}:{}", path.display(), position.line()),
        None => path.display().to_string(),
    };
    match error.into_kind() {
        csv::ErrorKind::Io(source) => InputError::Read {
            path: path.to_path_buf(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => InputError::malformed(
            at,
            format!("expected {expected_len} fields like the header line, found {len}"),
        ),
        csv::ErrorKind::Utf8 { .. } => InputError::malformed(at, "expected UTF-8 text"),
        other => InputError::malformed(at, format!("{other:?}")),
    }
}

/// An RFC 3339 timestamp, as UTC.
pub(super) fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| format!("expected an RFC 3339 timestamp, got `{text}` ({error})"))
}

/// One metric of `summary.csv` (or a point of `sweep.csv`): its mean over
/// replications and 95% interval, or its one value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Estimate {
    /// The value (one replication) or the mean; `None` when it has none.
    pub mean: Option<f64>,
    /// The 95% interval; `None` with fewer than two replications.
    pub ci95: Option<(f64, f64)>,
    /// Replications with a value.
    pub n: u64,
}

/// The value columns of a summary file, in either of its two forms.
pub(super) enum EstimateColumns {
    /// `metric,value` (one replication).
    Single { value: usize },
    /// `metric,mean,stddev,ci95_low,ci95_high,n`.
    Replications {
        mean: usize,
        low: usize,
        high: usize,
        n: usize,
    },
}

impl EstimateColumns {
    /// The columns of `input`'s form.
    pub(super) fn find(input: &CsvInput) -> Result<EstimateColumns, InputError> {
        if input.has_column("value") {
            return Ok(EstimateColumns::Single {
                value: input.column("value")?,
            });
        }
        Ok(EstimateColumns::Replications {
            mean: input.column("mean")?,
            low: input.column("ci95_low")?,
            high: input.column("ci95_high")?,
            n: input.column("n")?,
        })
    }

    /// The estimate in the current row of `input`.
    pub(super) fn read(&self, input: &CsvInput) -> Result<Estimate, InputError> {
        match *self {
            EstimateColumns::Single { value } => {
                let value = input.number(value)?;
                Ok(Estimate {
                    mean: value,
                    ci95: None,
                    n: u64::from(value.is_some()),
                })
            }
            EstimateColumns::Replications { mean, low, high, n } => {
                let ci95 = match (input.number(low)?, input.number(high)?) {
                    (Some(low), Some(high)) => Some((low, high)),
                    _ => None,
                };
                Ok(Estimate {
                    mean: input.number(mean)?,
                    ci95,
                    n: input.count(n)?,
                })
            }
        }
    }

    /// More than one replication stands behind each value.
    pub(super) fn has_replications(&self) -> bool {
        match self {
            EstimateColumns::Single { .. } => false,
            EstimateColumns::Replications { .. } => true,
        }
    }
}

/// `summary.csv`: every metric by name.
#[derive(Clone, Debug, Default)]
pub(super) struct Summary {
    metrics: BTreeMap<String, Estimate>,
}

impl Summary {
    pub(super) fn read(path: &Path) -> Result<Summary, InputError> {
        let mut input = CsvInput::open(path)?;
        let metric = input.column("metric")?;
        let columns = EstimateColumns::find(&input)?;
        let mut metrics = BTreeMap::new();
        while input.next_row()? {
            let estimate = columns.read(&input)?;
            metrics.insert(input.text(metric).to_string(), estimate);
        }
        Ok(Summary { metrics })
    }

    /// The metric `name`; empty when the file does not have it.
    pub(super) fn get(&self, name: &str) -> Estimate {
        self.metrics.get(name).copied().unwrap_or_default()
    }
}

/// `run.json`: what produced a run directory.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct RunJson {
    pub tool_version: String,
    #[serde(default)]
    pub command: Vec<String>,
    pub scenario_name: String,
    pub seed: u64,
    pub replications: u32,
    /// Job rows written (absent in files of early versions).
    #[serde(default)]
    pub jobs: Option<u64>,
    pub resolved_scenario: Map<String, Value>,
    /// Where it was read, for messages.
    #[serde(skip)]
    pub path: PathBuf,
}

impl RunJson {
    pub(super) fn read(path: &Path) -> Result<RunJson, InputError> {
        let file = File::open(path).map_err(|source| InputError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut run: RunJson = serde_json::from_reader(BufReader::new(file)).map_err(|error| {
            let at = match error.line() {
                0 => path.display().to_string(),
                line => format!("{}:{line}:{}", path.display(), error.column()),
            };
            // The position is in `at`; serde_json repeats it at the end.
            let message = error.to_string();
            let message = match message.rfind(" at line ") {
                Some(end) if error.line() > 0 => message[..end].to_string(),
                _ => message,
            };
            InputError::malformed(at, message)
        })?;
        run.path = path.to_path_buf();
        Ok(run)
    }

    /// The resolved value of `section.key`.
    pub(super) fn key(&self, dotted: &str) -> Option<&Value> {
        let (section, key) = dotted.split_once('.')?;
        self.resolved_scenario.get(section)?.get(key)
    }

    fn key_error(&self, dotted: &str, message: &str) -> InputError {
        InputError::malformed(
            self.path.display().to_string(),
            format!("resolved_scenario.{dotted}: {message}"),
        )
    }

    /// `simulation.start`.
    pub(super) fn start(&self) -> Result<DateTime<Utc>, InputError> {
        let key = "simulation.start";
        // A TOML datetime converted to JSON is a one-key object.
        let text = match self.key(key) {
            Some(Value::String(text)) => text.as_str(),
            Some(Value::Object(object)) if object.len() == 1 => match object.values().next() {
                Some(Value::String(text)) => text.as_str(),
                _ => return Err(self.key_error(key, "expected an RFC 3339 timestamp")),
            },
            Some(_) => return Err(self.key_error(key, "expected an RFC 3339 timestamp")),
            None => return Err(self.key_error(key, "missing")),
        };
        parse_time(text).map_err(|message| self.key_error(key, &message))
    }

    /// A duration key (`simulation.warmup`) [days].
    pub(super) fn duration_days(&self, dotted: &str) -> Result<f64, InputError> {
        match self.key(dotted) {
            Some(Value::String(text)) => parse_duration(text)
                .map(|duration| duration.as_days_f64())
                .map_err(|message| self.key_error(dotted, &message)),
            Some(_) => Err(self.key_error(dotted, "expected a duration such as \"14d\"")),
            None => Err(self.key_error(dotted, "missing")),
        }
    }

    /// A whole-number key (`datacenter.copy_stations`); `None` when absent
    /// or not a number.
    pub(super) fn count_key(&self, dotted: &str) -> Option<f64> {
        self.key(dotted)?.as_f64()
    }

    /// The first instant whose jobs count in the metrics: `start + warmup`.
    pub(super) fn metrics_from(&self) -> Result<DateTime<Utc>, InputError> {
        let warmup_ms = (self.duration_days("simulation.warmup")? * 86_400_000.0).round() as i64;
        Ok(self.start()? + chrono::TimeDelta::milliseconds(warmup_ms))
    }
}

/// One scenario key whose value differs between two resolved scenarios.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct KeyChange {
    /// `section.key`.
    pub key: String,
    /// The value in TOML notation; `None` when the key is absent.
    pub value: Option<String>,
    /// The other scenario's value; `None` when absent there.
    pub reference: Option<String>,
}

/// The embedded baseline's resolved scenario, as `run.json` writes one.
pub(super) fn baseline_scenario() -> Map<String, Value> {
    match serde_json::to_value(&Scenario::baseline().resolved) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("a TOML table converts to a JSON object"),
    }
}

/// Every `section.key` whose value differs between `scenario` and
/// `reference`, in key order. A distribution is one value (its table).
pub(super) fn changed_keys(
    scenario: &Map<String, Value>,
    reference: &Map<String, Value>,
) -> Vec<KeyChange> {
    let flat = |table: &Map<String, Value>| -> BTreeMap<String, Value> {
        let mut keys = BTreeMap::new();
        for (section, value) in table {
            match value {
                Value::Object(entries) => {
                    for (key, value) in entries {
                        keys.insert(format!("{section}.{key}"), value.clone());
                    }
                }
                other => {
                    keys.insert(section.clone(), other.clone());
                }
            }
        }
        keys
    };
    let ours = flat(scenario);
    let theirs = flat(reference);
    let mut all: Vec<&String> = ours.keys().chain(theirs.keys()).collect();
    all.sort();
    all.dedup();
    all.into_iter()
        .filter_map(|key| {
            let (value, reference) = (ours.get(key), theirs.get(key));
            let same = match (value, reference) {
                (Some(a), Some(b)) => same_value(a, b),
                _ => false,
            };
            (!same).then(|| KeyChange {
                key: key.clone(),
                value: value.map(inline_value),
                reference: reference.map(inline_value),
            })
        })
        .collect()
}

/// Equal values, numbers compared as numbers (`20` is `20.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.get(key).is_some_and(|other| same_value(value, other)))
        }
        _ => a == b,
    }
}

/// A value as a scenario file would write it: `"7d"`, `0.5`, `["Creating"]`,
/// `{ dist = "exponential", mean = "2d" }`.
pub(super) fn inline_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => format!("{text:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline_value).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(entries) => {
            // `dist` first, as the scenario files write it.
            let mut parts: Vec<String> = entries
                .get("dist")
                .map(|dist| format!("dist = {}", inline_value(dist)))
                .into_iter()
                .collect();
            parts.extend(
                entries
                    .iter()
                    .filter(|(key, _)| key.as_str() != "dist")
                    .map(|(key, value)| format!("{key} = {}", inline_value(value))),
            );
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// `end_to_end_days` of every finished job of `jobs.csv` created at or after
/// `from` (the metrics' warm-up rule), all replications pooled, sorted. The
/// file is streamed: memory holds these numbers only.
pub(super) fn read_end_to_end(
    path: &Path,
    from: Option<DateTime<Utc>>,
) -> Result<Vec<f64>, InputError> {
    let mut input = CsvInput::open(path)?;
    let end_to_end = input.column("end_to_end_days")?;
    let created = input.column("created_at")?;
    let mut values = Vec::new();
    while input.next_row()? {
        let Some(days) = input.number(end_to_end)? else {
            continue;
        };
        if let Some(from) = from {
            let created_at = input
                .time(created)?
                .ok_or_else(|| input.error(created, "expected a timestamp, got an empty field"))?;
            if created_at < from {
                continue;
            }
        }
        values.push(days);
    }
    values.sort_by(f64::total_cmp);
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn summary_reads_both_forms_and_any_number_text() {
        let dir = tempfile::tempdir().unwrap();
        let single = write(
            dir.path(),
            "single.csv",
            "metric,value\njobs.total,5000\njobs.expired.fraction,0.071844\n\
             end_to_end_days.p50,\nevents.x.fraction,1e-7\n",
        );
        let summary = Summary::read(&single).unwrap();
        assert_eq!(summary.get("jobs.total").mean, Some(5000.0));
        assert_eq!(summary.get("jobs.total").n, 1);
        assert_eq!(summary.get("jobs.expired.fraction").mean, Some(0.071844));
        assert_eq!(summary.get("end_to_end_days.p50"), Estimate::default());
        assert_eq!(summary.get("events.x.fraction").mean, Some(1e-7));
        assert_eq!(summary.get("absent"), Estimate::default());

        let several = write(
            dir.path(),
            "several.csv",
            "metric,mean,stddev,ci95_low,ci95_high,n,extra\n\
             jobs.total,264,9.848858,239.534081,288.465919,3,x\n\
             end_to_end_days.p50,,,,,0,x\n\
             copy.utilisation,0.5,,,,1,x\n",
        );
        let summary = Summary::read(&several).unwrap();
        assert_eq!(
            summary.get("jobs.total"),
            Estimate {
                mean: Some(264.0),
                ci95: Some((239.534081, 288.465919)),
                n: 3
            }
        );
        assert_eq!(summary.get("end_to_end_days.p50").n, 0);
        assert_eq!(summary.get("copy.utilisation").ci95, None);
    }

    #[test]
    fn malformed_csv_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let check = |text: &str, expected: &str| {
            let path = write(dir.path(), "summary.csv", text);
            let error = Summary::read(&path).unwrap_err().to_string();
            let expected = format!("{}{expected}", path.display());
            assert_eq!(error, expected);
        };
        check(
            "metric,value\njobs.total,12\njobs.closed.count,twelve\n",
            ":3: column `value`: expected a number, got `twelve`",
        );
        check(
            "metric,value\njobs.total,12,13\n",
            ":2: expected 2 fields like the header line, found 3",
        );
        check(
            "name,value\njobs.total,12\n",
            ":1: expected a column `metric` in the header",
        );
        check(
            "metric,mean\njobs.total,12\n",
            ":1: expected a column `ci95_low` in the header",
        );
        check("", ":1: expected a header line, found an empty file");
        check(
            "metric,value\njobs.total,inf\n",
            ":2: column `value`: expected a number, got `inf`",
        );
    }

    #[test]
    fn timestamps_with_and_without_milliseconds() {
        let old = parse_time("2026-01-05T00:00:00Z").unwrap();
        let new = parse_time("2026-01-05T00:00:00.000Z").unwrap();
        assert_eq!(old, new);
        let later = parse_time("2026-01-05T02:42:47.341Z").unwrap();
        assert_eq!((later - old).num_milliseconds(), 9_767_341);
        assert!(parse_time("2026-01-05").is_err());
    }

    #[test]
    fn end_to_end_values_leave_out_unfinished_and_warm_up_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "jobs.csv",
            "replication,created_at,outcome,end_to_end_days\n\
             0,2026-01-05T00:00:00Z,completed,9.5\n\
             0,2026-01-06T00:00:00.000Z,closed,3.25\n\
             0,2026-01-07T00:00:00Z,unfinished,\n\
             1,2026-01-05T12:00:00.500Z,completed,1\n",
        );
        assert_eq!(read_end_to_end(&path, None).unwrap(), [1.0, 3.25, 9.5]);
        let from = parse_time("2026-01-05T12:00:00Z").unwrap();
        assert_eq!(read_end_to_end(&path, Some(from)).unwrap(), [1.0, 3.25]);
    }

    #[test]
    fn run_json_keys_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "run.json",
            r#"{"tool_version": "0.1.0", "scenario_name": "s", "seed": 3, "replications": 2,
                "resolved_scenario": {"simulation": {"start": "2026-01-05T00:00:00Z",
                "warmup": "2d 12h"}, "datacenter": {"copy_stations": 90}}}"#,
        );
        let run = RunJson::read(&path).unwrap();
        assert_eq!(run.duration_days("simulation.warmup").unwrap(), 2.5);
        assert_eq!(
            run.metrics_from().unwrap(),
            parse_time("2026-01-07T12:00:00Z").unwrap()
        );
        assert_eq!(run.count_key("datacenter.copy_stations"), Some(90.0));
        let error = run.duration_days("simulation.horizon").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}: resolved_scenario.simulation.horizon: missing",
                path.display()
            )
        );

        let broken = write(dir.path(), "broken.json", "{\n  \"tool_version\": 3\n}");
        let error = RunJson::read(&broken).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!("{}:", broken.display()))
                && error.ends_with(": invalid type: integer `3`, expected a string"),
            "{error}"
        );
    }

    #[test]
    fn changed_keys_compare_values_not_notation() {
        let table = |json: &str| match serde_json::from_str(json).unwrap() {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let ours = table(
            r#"{"arrivals": {"jobs_per_day": 20, "count": 5},
                "customer": {"ship_delay": {"mean": "2d", "dist": "exponential"}},
                "policy": {"cancellable_states": ["Creating"], "retention": "90d"}}"#,
        );
        let theirs = table(
            r#"{"arrivals": {"jobs_per_day": 20.0},
                "customer": {"ship_delay": {"dist": "lognormal", "median": "3d", "sigma": 0.8}},
                "policy": {"cancellable_states": ["Creating", "Shipping"], "retention": "90d"}}"#,
        );
        let changes = changed_keys(&ours, &theirs);
        let shown: Vec<(&str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|change| {
                (
                    change.key.as_str(),
                    change.value.as_deref(),
                    change.reference.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("arrivals.count", Some("5"), None),
                (
                    "customer.ship_delay",
                    Some(r#"{ dist = "exponential", mean = "2d" }"#),
                    Some(r#"{ dist = "lognormal", median = "3d", sigma = 0.8 }"#)
                ),
                (
                    "policy.cancellable_states",
                    Some(r#"["Creating"]"#),
                    Some(r#"["Creating", "Shipping"]"#)
                ),
            ]
        );
        assert!(changed_keys(&baseline_scenario(), &baseline_scenario()).is_empty());
    }
}
