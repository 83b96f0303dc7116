//! How values are written in the output files (SPEC 5): one timestamp format
//! per column.

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
        assert!(is_millisecond_timestamp(&value), "index.csv {column} `{value}`");
    }
}
