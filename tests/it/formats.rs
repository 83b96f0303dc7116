//! How values are written in the output files: one timestamp format
//! per column, summary numbers that round-trip, counts as integers.

use std::fs;
use std::path::Path;

use crate::{Row, data_arg, invoke_ok, read_rows};

/// `YYYY-MM-DDTHH:MM:SS.fffZ`, checked byte by byte.
fn is_millisecond_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    let pattern = b"dddd-dd-ddTdd:dd:dd.dddZ";
    bytes.len() == pattern.len()
        && bytes.iter().zip(pattern).all(|(byte, want)| match want {
            b'd' => byte.is_ascii_digit(),
            other => byte == other,
        })
}

/// Every non-empty value of the columns named `*_at` or `time` in `file`.
fn timestamps(file: &Path) -> Vec<(String, String)> {
    read_rows(file)
        .iter()
        .flat_map(|row: &Row| {
            row.columns()
                .filter(|(column, value)| {
                    (column.ends_with("_at") || *column == "time") && !value.is_empty()
                })
                .map(|(column, value)| (column.to_string(), value.to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whole seconds were written `...:58Z` next to `...:47.222Z` in the same
/// column, so `pandas.to_datetime` raised and `read_csv(parse_dates=...)`
/// left strings. Every timestamp of every CSV and JSON file now carries its
/// milliseconds.
#[test]
fn timestamps_change_format_inside_a_column() {
    let scenario = data_arg("reps_small.toml");
    let run = invoke_ok(&["run", &scenario, "--trace"]);
    let mut whole_seconds = 0;
    let mut with_milliseconds = 0;
    for file in ["jobs.csv", "drives.csv", "timeseries.csv", "events.csv"] {
        let values = timestamps(&run.dir.join(file));
        assert!(!values.is_empty(), "{file} has no timestamps");
        for (column, value) in values {
            assert!(
                is_millisecond_timestamp(&value),
                "{file} `{column}` = `{value}`: expected YYYY-MM-DDTHH:MM:SS.fffZ"
            );
            if value.ends_with(".000Z") {
                whole_seconds += 1;
            } else {
                with_milliseconds += 1;
            }
        }
    }
    // Both kinds occur (snapshots fall on whole days, random delays do not),
    // so the run did exercise the case that once changed format.
    assert!(whole_seconds > 0 && with_milliseconds > 0);

    let calls = invoke_ok(&["calls", &scenario]);
    let text = fs::read_to_string(&calls.dir).unwrap();
    for line in text.lines().take(2_000) {
        let call: serde_json::Value = serde_json::from_str(line).unwrap();
        let at = call["at"].as_str().expect("`at` is a string");
        assert!(is_millisecond_timestamp(at), "call at `{at}`");
    }

    let fixtures = invoke_ok(&["fixtures", &scenario, "--jobs", "3"]);
    for (column, value) in timestamps(&fixtures.dir.join("index.csv")) {
        assert!(
            is_millisecond_timestamp(&value),
            "index.csv {column} `{value}`"
        );
    }
}

/// `summary.csv` once rounded every value to six decimals
/// (`receiving.queue_wait_days.mean,0.000009`; a fraction of 2/3 as
/// `0.666667`). Values are now the shortest text that reads back as the
/// computed `f64`, counts are integers, and rows keep six-decimal days.
#[test]
fn summary_csv_rounds_to_six_decimals() {
    let scenario = data_arg("reps_small.toml");
    // No warm-up, so every row counts in the metrics.
    let run = invoke_ok(&["run", &scenario, "--set", "simulation.warmup=0s"]);
    let summary: Vec<Row> = read_rows(&run.dir.join("summary.csv"));
    let value = |name: &str| -> &str {
        summary
            .iter()
            .find(|row| row.get("metric") == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .get("value")
    };
    for row in &summary {
        let text = row.get("value");
        assert!(!text.contains(['e', 'E']), "{}: {text}", row.get("metric"));
        if !text.is_empty() {
            let parsed: f64 = text.parse().unwrap();
            assert!(parsed.is_finite(), "{text}");
        }
    }
    // Counts are integers.
    let total: u64 = value("jobs.total").parse().unwrap();
    let completed: u64 = value("jobs.completed.count").parse().unwrap();
    for name in [
        "drives.destroyed",
        "operator_contacts",
        "copy.queue_length.max",
    ] {
        let text = value(name);
        text.parse::<u64>()
            .unwrap_or_else(|err| panic!("{name} = `{text}` is not an integer: {err}"));
    }
    assert!(
        total > 200 && completed > 0,
        "{total} jobs, {completed} completed"
    );
    // A fraction is the exact quotient: the same division here gives the
    // same bits, which six decimals (or any rounding) would not.
    let fraction: f64 = value("jobs.completed.fraction").parse().unwrap();
    assert_eq!(
        fraction.to_bits(),
        (completed as f64 / total as f64).to_bits(),
        "jobs.completed.fraction = {fraction}, {completed} / {total}"
    );
    let digits = value("jobs.completed.fraction")
        .split('.')
        .nth(1)
        .map_or(0, str::len);
    assert!(
        digits > 6,
        "{} has {digits} decimals",
        value("jobs.completed.fraction")
    );
    // The mean of the rows' end-to-end days (six decimals each, so each off
    // by at most 5e-7 days) agrees with the summary's full-precision mean.
    let jobs = read_rows(&run.dir.join("jobs.csv"));
    assert_eq!(jobs.len() as u64, total);
    let finished: Vec<f64> = jobs
        .iter()
        .map(|job| job.get("end_to_end_days"))
        .filter(|text| !text.is_empty())
        .map(|text| {
            assert_eq!(text.split('.').nth(1).map(str::len), Some(6), "{text}");
            text.parse::<f64>().unwrap()
        })
        .collect();
    let mean = finished.iter().sum::<f64>() / finished.len() as f64;
    let summary_mean: f64 = value("end_to_end_days.mean").parse().unwrap();
    assert!(
        (mean - summary_mean).abs() <= 5e-7,
        "{mean} vs {summary_mean}"
    );

    // Several replications: the same rule in summary.csv and replications.csv.
    let several = invoke_ok(&["run", &scenario, "--replications", "3"]);
    for file in ["summary.csv", "replications.csv"] {
        for row in read_rows(&several.dir.join(file)) {
            for (column, text) in row.columns() {
                if column == "metric" || text.is_empty() {
                    continue;
                }
                assert!(!text.contains(['e', 'E']), "{file} {column}: {text}");
                text.parse::<f64>()
                    .unwrap_or_else(|err| panic!("{file} {column} `{text}`: {err}"));
            }
        }
    }
    for row in read_rows(&several.dir.join("replications.csv")) {
        if row.get("metric") == "jobs.total" {
            row.get("value")
                .parse::<u64>()
                .expect("a count is an integer");
        }
    }
}
