//! `summary.csv` for one or several replications, `replications.csv`,
//! `run.json`, and the human summary printed at the end of a run.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::display::show_value;
use super::metrics::{Metric, UnitKind};
use super::write_number;

/// What produced an output directory (`run.json`). Written with its keys in
/// the order of the fields below.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// `impexsim`'s version (`CARGO_PKG_VERSION`).
    pub tool_version: String,
    /// The command line, program name first.
    pub command: Vec<String>,
    pub scenario_name: String,
    pub seed: u64,
    pub replications: u32,
    /// Job rows written, over all replications.
    pub jobs: u64,
    /// Events the engines handled, over all replications (the same for the
    /// same scenario and seed).
    pub events: u64,
    /// [s] With `events_per_second`, the only values that differ between
    /// two identical runs.
    pub wall_time_seconds: f64,
    /// [1/s] `events` over `wall_time_seconds`: the run's throughput.
    pub events_per_second: f64,
    /// The scenario with every override applied, as the run used it.
    pub resolved_scenario: serde_json::Value,
}

/// `events` over `seconds` to the nearest whole number, or 0 for a run too
/// short for the clock to see: `RunInfo::events_per_second`.
pub fn events_per_second(events: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        (events as f64 / seconds).round()
    } else {
        0.0
    }
}

/// Mean, spread and 95% interval of one metric's values over replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleSummary {
    /// Replications where the metric has a value.
    pub n: usize,
    /// `None` when `n = 0`.
    pub mean: Option<f64>,
    /// Sample standard deviation (divisor `n - 1`); `None` when `n < 2`.
    pub stddev: Option<f64>,
    /// `mean ± t(0.975, n - 1) stddev / sqrt(n)`; `None` when `n < 2`.
    pub ci95: Option<(f64, f64)>,
}

/// One row of the several-replication `summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSummary {
    pub name: String,
    pub summary: SampleSummary,
}

/// Mean, sample standard deviation and Student-t 95% interval of `values`.
///
/// The mean is taken as `first + mean(x - first)`, so values that are all the
/// same give exactly that value as mean and as both interval ends
/// (docs/model.md, Randomness and common random numbers: where every paired
/// difference is the same number, the interval is that number).
pub fn summarize_sample(values: &[f64]) -> SampleSummary {
    let n = values.len();
    let Some(&first) = values.first() else {
        return SampleSummary {
            n,
            mean: None,
            stddev: None,
            ci95: None,
        };
    };
    let mean = first + values.iter().map(|value| value - first).sum::<f64>() / n as f64;
    if n < 2 {
        return SampleSummary {
            n,
            mean: Some(mean),
            stddev: None,
            ci95: None,
        };
    }
    let squares: f64 = values.iter().map(|value| (value - mean).powi(2)).sum();
    let stddev = (squares / (n - 1) as f64).sqrt();
    let half_width = student_t_975(n - 1) * stddev / (n as f64).sqrt();
    SampleSummary {
        n,
        mean: Some(mean),
        stddev: Some(stddev),
        ci95: Some((mean - half_width, mean + half_width)),
    }
}

/// Summarizes each metric over the replications, in the metrics' order.
/// Every replication must hold the same metrics in the same order (they come
/// from the same `MetricsCollector` code).
pub fn summarize_replications(per_replication: &[Vec<Metric>]) -> Vec<MetricSummary> {
    let Some(first) = per_replication.first() else {
        return Vec::new();
    };
    for metrics in per_replication {
        assert!(
            metrics.len() == first.len()
                && metrics.iter().zip(first).all(|(a, b)| a.name == b.name),
            "replications hold different metric lists"
        );
    }
    let mut values = Vec::with_capacity(per_replication.len());
    first
        .iter()
        .enumerate()
        .map(|(index, metric)| {
            values.clear();
            values.extend(
                per_replication
                    .iter()
                    .filter_map(|metrics| metrics[index].value),
            );
            MetricSummary {
                name: metric.name.clone(),
                summary: summarize_sample(&values),
            }
        })
        .collect()
}

/// `summary.csv` of one replication: `metric,value`.
pub fn write_summary_single<W: Write>(mut out: W, metrics: &[Metric]) -> io::Result<()> {
    let mut text = String::from("metric,value\n");
    for metric in metrics {
        text.push_str(&metric.name);
        text.push(',');
        push_optional(&mut text, metric.value);
        text.push('\n');
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `summary.csv` of several replications:
/// `metric,mean,stddev,ci95_low,ci95_high,n`.
pub fn write_summary_replications<W: Write>(
    out: W,
    per_replication: &[Vec<Metric>],
) -> io::Result<()> {
    write_summaries(out, &summarize_replications(per_replication))
}

/// `summary.csv` of several replications from their summaries.
pub fn write_summaries<W: Write>(mut out: W, summaries: &[MetricSummary]) -> io::Result<()> {
    let mut text = String::from("metric,mean,stddev,ci95_low,ci95_high,n\n");
    for MetricSummary { name, summary } in summaries {
        text.push_str(name);
        text.push(',');
        push_optional(&mut text, summary.mean);
        text.push(',');
        push_optional(&mut text, summary.stddev);
        text.push(',');
        push_optional(&mut text, summary.ci95.map(|(low, _)| low));
        text.push(',');
        push_optional(&mut text, summary.ci95.map(|(_, high)| high));
        let _ = writeln!(text, ",{}", summary.n);
    }
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Every replication's metrics in long form: `replication,metric,value`,
/// replications numbered by their position in `per_replication` (from 0).
pub fn write_replications_long<W: Write>(
    mut out: W,
    per_replication: &[Vec<Metric>],
) -> io::Result<()> {
    out.write_all(REPLICATIONS_HEADER.as_bytes())?;
    for (replication, metrics) in per_replication.iter().enumerate() {
        write_replication_rows(&mut out, replication, metrics)?;
    }
    out.flush()
}

/// The header line of `replications.csv`, with its line break.
pub const REPLICATIONS_HEADER: &str = "replication,metric,value\n";

/// One replication's rows of `replications.csv`, for writing it as
/// replications finish.
pub fn write_replication_rows<W: Write>(
    mut out: W,
    replication: usize,
    metrics: &[Metric],
) -> io::Result<()> {
    let mut text = String::new();
    for metric in metrics {
        let _ = write!(text, "{replication},{},", metric.name);
        push_optional(&mut text, metric.value);
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

/// `run.json`: pretty JSON, keys in `RunInfo`'s field order, ending in a line
/// break.
pub fn write_run_json<W: Write>(mut out: W, info: &RunInfo) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, info)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A few lines for the terminal: outcomes, end-to-end percentiles, drives
/// destroyed, copy utilisation, numbers shown as `show_value` shows them
/// everywhere (fractions as percentages). Metrics it cannot find or that
/// have no value show as `-`. For several replications, pass each metric's
/// mean.
pub fn human_summary(metrics: &[Metric]) -> String {
    let shown = |name: &str| {
        let value = metrics
            .iter()
            .find(|metric| metric.name == name)
            .and_then(|metric| metric.value);
        show_value(UnitKind::of(name), value)
    };
    let mut text = String::new();
    // `jobs.total` counts the follow-up exports too, so it can exceed the
    // arrivals (`count = 100000` gives a few more); the line says so.
    let _ = write!(
        text,
        "{} jobs (follow-up exports included)",
        shown("jobs.total")
    );
    for outcome in ["completed", "closed", "expired", "unfinished"] {
        let _ = write!(
            text,
            "{} {outcome} {} ({})",
            if outcome == "completed" { ":" } else { "," },
            shown(&format!("jobs.{outcome}.count")),
            shown(&format!("jobs.{outcome}.fraction")),
        );
    }
    text.push('\n');
    let _ = writeln!(
        text,
        "end to end [days]: p50 {}, p90 {}, p99 {}",
        shown("end_to_end_days.p50"),
        shown("end_to_end_days.p90"),
        shown("end_to_end_days.p99"),
    );
    let _ = writeln!(text, "drives destroyed: {}", shown("drives.destroyed"));
    let _ = writeln!(text, "copy utilisation: {}", shown("copy.utilisation"));
    text
}

/// The 0.975 quantile of Student's t with `dof` degrees of freedom.
fn student_t_975(dof: usize) -> f64 {
    assert!(dof > 0, "Student's t needs a degree of freedom");
    StudentsT::new(0.0, 1.0, dof as f64)
        .expect("location 0, scale 1 and dof > 0 are valid")
        .inverse_cdf(0.975)
}

fn push_optional(text: &mut String, value: Option<f64>) {
    if let Some(value) = value {
        write_number(text, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, value: Option<f64>) -> Metric {
        Metric {
            name: name.to_string(),
            value,
        }
    }

    fn close(got: f64, expected: f64, tolerance: f64) -> bool {
        (got - expected).abs() <= tolerance
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Two-sided 95% critical values from a t table.
        for (dof, expected) in [
            (1, 12.7062),
            (2, 4.3027),
            (4, 2.7764),
            (9, 2.2622),
            (29, 2.0452),
            (1000, 1.9623),
        ] {
            let got = student_t_975(dof);
            assert!(close(got, expected, 1e-4), "dof {dof}: {got}");
        }
    }

    #[test]
    fn sample_of_five() {
        // values 2, 4, 4, 5, 10: mean 5, squares 9 + 1 + 1 + 0 + 25 = 36,
        // sd = sqrt(36 / 4) = 3, half width = 2.776 x 3 / sqrt(5) = 3.7248.
        let summary = summarize_sample(&[2.0, 4.0, 4.0, 5.0, 10.0]);
        assert_eq!(summary.n, 5);
        assert!(close(summary.mean.unwrap(), 5.0, 1e-12));
        assert!(close(summary.stddev.unwrap(), 3.0, 1e-12));
        let (low, high) = summary.ci95.unwrap();
        assert!(close(low, 5.0 - 3.7248, 1e-3), "low {low}");
        assert!(close(high, 5.0 + 3.7248, 1e-3), "high {high}");
    }

    #[test]
    fn sample_of_three() {
        // values 1, 2, 6: mean 3, squares 4 + 1 + 9 = 14, sd = sqrt(7) =
        // 2.6458, half width = 4.303 x 2.6458 / sqrt(3) = 6.5727.
        let summary = summarize_sample(&[1.0, 2.0, 6.0]);
        assert!(close(summary.mean.unwrap(), 3.0, 1e-12));
        assert!(close(summary.stddev.unwrap(), 7.0_f64.sqrt(), 1e-12));
        let (low, high) = summary.ci95.unwrap();
        assert!(close(low, 3.0 - 6.5727, 1e-3), "low {low}");
        assert!(close(high, 3.0 + 6.5727, 1e-3), "high {high}");
    }

    #[test]
    fn identical_values_give_that_value_exactly() {
        for value in [0.1, 1.0 / 3.0, 12_345.678_9, -2.5, 0.0] {
            let summary = summarize_sample(&[value; 7]);
            assert_eq!(summary.mean, Some(value));
            assert_eq!(summary.stddev, Some(0.0));
            assert_eq!(summary.ci95, Some((value, value)));
        }
    }

    #[test]
    fn small_samples() {
        let none = summarize_sample(&[]);
        assert_eq!(
            (none.n, none.mean, none.stddev, none.ci95),
            (0, None, None, None)
        );
        let one = summarize_sample(&[4.5]);
        assert_eq!(
            (one.n, one.mean, one.stddev, one.ci95),
            (1, Some(4.5), None, None)
        );
    }

    #[test]
    fn replication_summary_csv() {
        let per_replication: Vec<Vec<Metric>> = [
            (100.0, Some(2.0), Some(1.0)),
            (100.0, Some(4.0), None),
            (100.0, Some(4.0), None),
            (100.0, Some(5.0), None),
            (100.0, Some(10.0), None),
        ]
        .into_iter()
        .map(|(total, days, sparse)| {
            vec![
                metric("jobs.total", Some(total)),
                metric("end_to_end_days.mean", days),
                metric("state_days.faulted.mean", sparse),
                metric("state_days.shipping.mean", None),
            ]
        })
        .collect();
        let mut out = Vec::new();
        write_summary_replications(&mut out, &per_replication).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "metric,mean,stddev,ci95_low,ci95_high,n");
        assert_eq!(lines[1], "jobs.total,100,0,100,100,5");
        // The interval of 2, 4, 4, 5, 10 (see `sample_of_five`), every digit.
        let t = student_t_975(4);
        let half_width = t * 3.0 / 5.0_f64.sqrt();
        let mut expected = String::from("end_to_end_days.mean,5,3,");
        write_number(&mut expected, 5.0 - half_width);
        expected.push(',');
        write_number(&mut expected, 5.0 + half_width);
        expected.push_str(",5");
        assert_eq!(lines[2], expected);
        assert!(
            lines[2].starts_with("end_to_end_days.mean,5,3,1.27"),
            "{}",
            lines[2]
        );
        assert_eq!(lines[3], "state_days.faulted.mean,1,,,,1");
        assert_eq!(lines[4], "state_days.shipping.mean,,,,,0");
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn single_and_long_csv() {
        let first = vec![
            metric("jobs.total", Some(3.0)),
            metric("jobs.completed.fraction", Some(2.0 / 3.0)),
            metric("end_to_end_days.p50", None),
        ];
        let mut second = first.clone();
        second[0].value = Some(4.0);
        let mut out = Vec::new();
        write_summary_single(&mut out, &first).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "metric,value\njobs.total,3\njobs.completed.fraction,0.6666666666666666\nend_to_end_days.p50,\n"
        );
        let mut out = Vec::new();
        write_replications_long(&mut out, &[first, second]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "replication,metric,value\n\
             0,jobs.total,3\n0,jobs.completed.fraction,0.6666666666666666\n0,end_to_end_days.p50,\n\
             1,jobs.total,4\n1,jobs.completed.fraction,0.6666666666666666\n1,end_to_end_days.p50,\n"
        );
    }

    #[test]
    fn run_json_keys_in_order() {
        let info = RunInfo {
            tool_version: "0.1.0".to_string(),
            command: vec!["impexsim".to_string(), "run".to_string()],
            scenario_name: "baseline".to_string(),
            seed: 7,
            replications: 2,
            jobs: 10,
            events: 300,
            wall_time_seconds: 1.5,
            events_per_second: 200.0,
            resolved_scenario: serde_json::json!({ "name": "baseline", "horizon": "30d" }),
        };
        let mut out = Vec::new();
        write_run_json(&mut out, &info).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{
  "tool_version": "0.1.0",
  "command": [
    "impexsim",
    "run"
  ],
  "scenario_name": "baseline",
  "seed": 7,
  "replications": 2,
  "jobs": 10,
  "events": 300,
  "wall_time_seconds": 1.5,
  "events_per_second": 200.0,
  "resolved_scenario": {
    "horizon": "30d",
    "name": "baseline"
  }
}
"#
        );
    }

    #[test]
    fn human_summary_lines() {
        let metrics = vec![
            metric("jobs.total", Some(200.0)),
            metric("jobs.completed.count", Some(150.0)),
            metric("jobs.completed.fraction", Some(0.75)),
            metric("jobs.closed.count", Some(40.0)),
            metric("jobs.closed.fraction", Some(0.2)),
            metric("jobs.expired.count", Some(10.0)),
            metric("jobs.expired.fraction", Some(0.05)),
            metric("jobs.unfinished.count", Some(0.0)),
            metric("jobs.unfinished.fraction", Some(0.0)),
            metric("end_to_end_days.p50", Some(12.34)),
            metric("end_to_end_days.p90", Some(20.0)),
            metric("end_to_end_days.p99", None),
            metric("drives.destroyed", Some(3.0)),
            metric("copy.utilisation", Some(0.7345)),
        ];
        assert_eq!(
            human_summary(&metrics),
            "200 jobs (follow-up exports included): completed 150 (75%), closed 40 (20%), \
             expired 10 (5%), unfinished 0 (0%)\n\
             end to end [days]: p50 12.34, p90 20, p99 -\n\
             drives destroyed: 3\n\
             copy utilisation: 73.45%\n"
        );
        // Means over replications: counts keep one decimal.
        let means = vec![
            metric("jobs.total", Some(1167.4)),
            metric("drives.destroyed", Some(2.3)),
        ];
        let text = human_summary(&means);
        assert!(
            text.starts_with("1167.4 jobs (follow-up exports included): completed - (-)"),
            "{text}"
        );
        assert!(text.contains("drives destroyed: 2.3\n"), "{text}");
    }
}
