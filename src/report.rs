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
//!
//! # CSV fields
//!
//! Timestamps are RFC 3339 UTC (`.fff` only when the milliseconds are not
//! zero); durations are decimal days with six decimals; booleans are
//! `true`/`false`; an absent value is an empty field. No field is quoted: job
//! names, drive serials, state and event names never hold a comma, quote or
//! line break (checked by a debug assertion).
//!
//! # Numbers in the summaries
//!
//! One rule for every value in `summary.csv` and `replications.csv`: the value
//! is rounded to six decimals, then trailing zeros and a trailing decimal point
//! are removed, and `-0` is written `0`. So counts are written as integers
//! (`5000`), fractions and days as `0.8125` or `12.402778`. A value that does
//! not exist (a percentile over no jobs) is an empty field.
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

mod metrics;
mod rows;
mod summary;

use std::fmt::Write as _;

pub use self::metrics::{Metric, MetricsCollector, percentile};
pub use self::rows::{
    DRIVES_HEADER, DrivesWriter, EVENTS_HEADER, EventsWriter, JOBS_HEADER, JobsWriter,
    TIMESERIES_HEADER, TimeseriesWriter,
};
pub use self::summary::{
    MetricSummary, REPLICATIONS_HEADER, RunInfo, SampleSummary, human_summary,
    summarize_replications, summarize_sample, write_replication_rows, write_replications_long,
    write_run_json, write_summaries, write_summary_replications, write_summary_single,
};

/// Appends a summary value by the module's one rule: rounded to six
/// decimals, trailing zeros and point removed, `-0` written `0`.
pub fn write_number(out: &mut String, value: f64) {
    debug_assert!(value.is_finite(), "summary value {value} is not finite");
    let start = out.len();
    let _ = write!(out, "{value:.6}");
    if out[start..].contains('.') {
        let trimmed_len = out.trim_end_matches('0').trim_end_matches('.').len();
        out.truncate(trimmed_len);
    }
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
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
        check(-0.0000001, "0");
        check(5000.0, "5000");
        check(10.0, "10");
        check(0.8125, "0.8125");
        check(12.4027777777, "12.402778");
        check(0.5, "0.5");
        check(-1.25, "-1.25");
        check(1.0e15, "1000000000000000");
        check(0.0000004, "0");
        check(0.0000006, "0.000001");
    }
}
