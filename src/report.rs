//! Outputs: CSV rows, summary metrics and `run.json`, written to any `io::Write`.
//!
//! Nothing here opens a file; the caller passes a writer (a `BufWriter<File>`
//! in the binary, a `Vec<u8>` in tests). Key types:
//!
//! - `JobsWriter`, `DrivesWriter`, `TimeseriesWriter`, `EventsWriter`: streaming
//!   writers of `jobs.csv`, `drives.csv`, `timeseries.csv` and `events.csv`. Each
//!   writes its header when built and one line per call, reusing one buffer,
//!   so millions of rows cost no allocation per row.
//! - `MetricsCollector`: fed every job row of one replication, it produces the
//!   `summary.csv` metrics as a `Vec<Metric>` in the fixed order below.
//! - `write_summary_single`, `write_summary_replications`,
//!   `write_replications_long`: `summary.csv` for one or several replications,
//!   and every replication's value in long form.
//! - `write_run_json` and `RunInfo`: what produced the output.
//! - `human_summary`: the few lines printed on the terminal at the end of a run.
//! - `UnitKind` (each metric's unit) and `show_value`, `show_change`,
//!   `show_interval`: numbers as every terminal text shows them (percentages
//!   for fractions, whole counts, four significant digits otherwise).
//!
//! # CSV fields
//!
//! Timestamps are RFC 3339 UTC, always with milliseconds
//! (`2026-01-05T00:00:00.000Z`), so a column has one format; durations are decimal days with six decimals; booleans are
//! `true`/`false`; an absent value is an empty field. No field is quoted: job
//! names, drive serials, state and event names never hold a comma, quote or
//! line break (checked by a debug assertion).
//!
//! # Numbers in the summaries
//!
//! One rule for every value in `summary.csv` and `replications.csv` (and the
//! statistics of `sweep.csv`, `compare.csv` and `compare.guards.csv`): the
//! shortest decimal text that reads back as the same `f64`, in plain
//! notation (never an exponent), with `-0` written `0`. So counts are written
//! as integers (`5000`), other values with as many digits as they need and no
//! more (`0.8125`, `12.402777777777779`, `0.000009259259259259259`): nothing
//! is rounded away, and `float(text)` in any language gives back the value
//! the run computed. A value that does not exist (a percentile over no jobs)
//! is an empty field. Rows (`jobs.csv`, `drives.csv`) keep their six-decimal
//! days.
//!
//! # Metrics
//!
//! Every metric leaves out jobs created during the warm-up (`in_warmup`), and
//! the drives of those jobs. The order below is the order of `summary.csv`;
//! it never depends on the data, so the files of two runs line up row by row.
//!
//! | metric | meaning | unit |
//! |---|---|---|
//! | `jobs.total` | jobs created after the warm-up | count |
//! | `jobs.<outcome>.count` | jobs whose `outcome` is `completed`, `closed`, `expired` or `unfinished` (in that order) | count |
//! | `jobs.<outcome>.fraction` | the same over `jobs.total`; empty when there are no jobs | fraction 0-1 |
//! | `events.<event>.jobs` | jobs that met the event, for every event of the closed list in `jobs.csv` order (`return_address_missing` ... `return_damaged`); 0 when none did | count |
//! | `events.<event>.fraction` | the same over `jobs.total`; empty when there are no jobs | fraction 0-1 |
//! | `end_to_end_days.p50`, `.p90`, `.p99`, `.mean` | `finished_at - created_at` over jobs that finished (`Completed` or `Closed`) | days |
//! | `state_days.<state>.p50`, `.p90`, `.p99`, `.mean` | time spent in the state, all visits summed, over jobs that entered it, for `creating`, `shipping`, `received`, `transferring`, `packaging`, `faulted` | days |
//! | `drives.<disposition>` | drives (extra drives included) whose disposition is `returned`, `destroyed`, `never_arrived`, `lost_in_return`, `damaged_in_return` or `on_site` | count |
//! | `drives_on_site.mean` | time-average number of drives on site over `[start + warmup, start + horizon)` | drives |
//! | `drives_on_site.peak` | most drives on site at once in that window | drives |
//! | `operator_contacts` | operator contacts about the jobs (orphan drives, each overdue deadline that asks, a wrong return address, each job or drive fault) | count |
//! | `operator_contacts.per_week` | `operator_contacts` over the window `horizon - warmup` in weeks; empty for an empty window | contacts per week |
//! | `<resource>.utilisation` | busy time in the window over capacity x window, for `receiving`, `copy`, `packaging` (in that order, each with the four below) | fraction 0-1 |
//! | `<resource>.queue_wait_days.mean`, `.p90` | wait in the resource's queue of the items served for jobs outside the warm-up | days |
//! | `<resource>.queue_length.mean` | time-average queue length over the window | items |
//! | `<resource>.queue_length.max` | longest queue in the window | items |
//!
//! Percentiles are exact: with the `n` values sorted, `h = (n - 1) p` and the
//! result interpolates linearly between the order statistics around `h`
//! (numpy's default method). A mean or percentile over no values is empty.
//!
//! # Several replications
//!
//! `summary.csv` then has `metric,mean,stddev,ci95_low,ci95_high,n`: for each
//! metric, the replications where it has a value (`n` of them) give the mean,
//! the sample standard deviation (divisor `n - 1`) and the 95% confidence
//! interval `mean ± t(0.975, n - 1) x stddev / sqrt(n)` (Student's t). The
//! standard deviation and interval are empty when `n < 2`, every column but
//! `n` when `n = 0`. When every replication has the same value the interval
//! is that value exactly. `replications.csv` (`write_replications_long`) holds
//! `replication,metric,value` for every replication, numbered from 0.

mod display;
mod metrics;
mod rows;
mod summary;

use std::fmt::Write as _;

pub use self::display::{show_change, show_interval, show_value};
pub use self::metrics::{Metric, MetricsCollector, UnitKind, percentile};
pub use self::rows::{
    DRIVES_HEADER, DrivesWriter, EVENTS_HEADER, EventsWriter, JOBS_HEADER, JobsWriter,
    TIMESERIES_HEADER, TimeseriesWriter,
};
pub use self::summary::{
    MetricSummary, REPLICATIONS_HEADER, RunInfo, SampleSummary, events_per_second, human_summary,
    summarize_replications, summarize_sample, write_replication_rows, write_replications_long,
    write_run_json, write_summaries, write_summary_replications, write_summary_single,
};

/// Appends a summary value by the module's one rule: the shortest text that
/// round-trips, in plain notation, `-0` written `0`.
pub fn write_number(out: &mut String, value: f64) {
    debug_assert!(value.is_finite(), "summary value {value} is not finite");
    // `Display` for `f64` prints the shortest digits that parse back to the
    // same value, without an exponent, and a whole number without `.0`.
    if value == 0.0 {
        out.push('0');
    } else {
        let _ = write!(out, "{value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_one_rule() {
        let check = |value: f64, expected: &str| {
            let mut out = String::from("x,");
            write_number(&mut out, value);
            assert_eq!(out, format!("x,{expected}"), "value {value}");
        };
        check(0.0, "0");
        check(-0.0, "0");
        check(5000.0, "5000");
        check(10.0, "10");
        check(0.8125, "0.8125");
        check(0.5, "0.5");
        check(-1.25, "-1.25");
        check(1.0e15, "1000000000000000");
        check(0.1 + 0.2, "0.30000000000000004");
        check(2.0 / 3.0, "0.6666666666666666");
        check(-0.0000001, "-0.0000001");
    }

    /// `receiving.queue_wait_days.mean` was written `0.000009` for a mean
    /// wait of 0.8 s, and values below half a millionth as `0`.
    #[test]
    fn summary_csv_rounds_to_six_decimals() {
        let values = [
            0.8 / 86_400.0,
            0.0000004,
            12.4027777777,
            1.0 / 3.0,
            0.7051234567891234,
            123_456.789_012_345_67,
            -3.0e-9,
            f64::MIN_POSITIVE,
            1.0e-300,
            9_007_199_254_740_993.0,
        ];
        for value in values {
            let mut text = String::new();
            write_number(&mut text, value);
            assert!(!text.contains(['e', 'E']), "{value}: {text}");
            let back: f64 = text.parse().unwrap();
            assert_eq!(back.to_bits(), value.to_bits(), "{value}: {text}");
            // No shorter text reads back as the same value: one digit fewer
            // (the last one dropped) is another number.
            if let Some(shorter) = text.strip_suffix(|c: char| c.is_ascii_digit())
                && shorter.contains('.')
                && !shorter.ends_with('.')
            {
                assert_ne!(shorter.parse::<f64>().unwrap(), value, "{text}");
            }
        }
        let mut text = String::new();
        write_number(&mut text, 0.8 / 86_400.0);
        assert_eq!(text, "0.000009259259259259259");
    }
}
