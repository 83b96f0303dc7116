//! What a run measured, and `replay-summary.csv`.
//!
//! `Stats` keeps HDR histograms (`hdrhistogram`, 3 significant digits, so a
//! percentile is within 0.1% of the exact one, microsecond resolution up to
//! one hour; longer values count as one hour) of the latency from the
//! intended send time, the service time from the actual send time (both
//! overall and per method) and the sender's lag, and counts the outcomes.
//! Memory does not grow with the requests.
//!
//! `Stats::metrics` gives the summary as `(name, value)` pairs; an empty
//! value means "nothing to measure" (no request of that method; lag with
//! `--as-fast-as-possible`). The names are listed in `METRIC_DOCS`.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::replay::call::MethodKind;
use crate::replay::exchange::{Exchange, OutcomeKind};
use crate::report::write_number;

/// The sender is flagged as behind schedule when its p99 lag exceeds this.
pub const BEHIND_SCHEDULE_LAG: Duration = Duration::from_millis(10);

/// The largest value a histogram tells apart [µs]: one hour.
const HISTOGRAM_MAX_MICROS: u64 = 3_600_000_000;

/// The percentiles reported, with their name suffixes.
const QUANTILES: [(&str, f64); 4] = [
    ("p50", 0.50),
    ("p90", 0.90),
    ("p99", 0.99),
    ("p99.9", 0.999),
];

/// A summary metric's unit: what a threshold's value is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    Count,
    /// A fraction in [0, 1]; thresholds may write it as a percentage.
    Fraction,
    Milliseconds,
    Seconds,
    PerSecond,
    /// 0 or 1.
    Flag,
}

/// One metric of `replay-summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    pub unit: UnitKind,
    /// `None` when there was nothing to measure.
    pub value: Option<f64>,
}

/// Latency, service time and lag distributions, and outcome counts.
#[derive(Clone, Debug)]
pub struct Stats {
    latency: Distributions,
    service: Distributions,
    /// `None` with `--as-fast-as-possible` (there is no schedule to lag behind).
    lag: Option<Histogram<u64>>,
    outcomes: [u64; OutcomeKind::ALL.len()],
    first_sent: Option<Instant>,
    last_done: Option<Instant>,
}

/// One quantity overall and per method.
#[derive(Clone, Debug)]
struct Distributions {
    all: Histogram<u64>,
    by_method: [Histogram<u64>; MethodKind::ALL.len()],
}

/// Every metric name pattern, its unit and meaning (for docs and `--help`).
pub const METRIC_DOCS: &[(&str, &str, &str)] = &[
    ("requests", "count", "requests sent (rows of replay.csv)"),
    (
        "requests.<method>",
        "count",
        "requests per method: get, put, patch, delete, post",
    ),
    (
        "requests.unsent",
        "count",
        "calls read but not sent because the run stopped early",
    ),
    (
        "lines.skipped",
        "count",
        "malformed lines skipped (--skip-bad-lines)",
    ),
    ("connections", "count", "TCP connections opened"),
    (
        "duration_s",
        "s",
        "from the first request sent to the last answer",
    ),
    ("throughput", "1/s", "requests / duration_s"),
    ("ok", "count", "answers that met their expectation"),
    (
        "mismatches",
        "count",
        "requests that did not: status + state + transport + timeout",
    ),
    ("mismatches.fraction", "fraction", "mismatches / requests"),
    (
        "mismatches.<kind>",
        "count",
        "per kind: status, state, transport, timeout",
    ),
    (
        "latency.<p>",
        "ms",
        "from the intended send time to the complete answer; <p> is p50, p90, p99, p99.9, max or mean",
    ),
    ("latency.<method>.<p>", "ms", "the same per method"),
    (
        "service_time.<p>",
        "ms",
        "from the actual send time to the complete answer",
    ),
    ("service_time.<method>.<p>", "ms", "the same per method"),
    (
        "lag.<p>",
        "ms",
        "actual minus intended send time (empty with --as-fast-as-possible)",
    ),
    (
        "behind_schedule",
        "0/1",
        "1 when lag.p99 exceeds 10 ms: the target got less load than the stream asks for",
    ),
];

impl Stats {
    /// `scheduled`: false with `--as-fast-as-possible`.
    pub fn new(scheduled: bool) -> Stats {
        Stats {
            latency: Distributions::new(),
            service: Distributions::new(),
            lag: scheduled.then(new_histogram),
            outcomes: [0; OutcomeKind::ALL.len()],
            first_sent: None,
            last_done: None,
        }
    }

    pub fn record(&mut self, exchange: &Exchange) {
        let method = exchange.method();
        self.latency.record(method, exchange.latency());
        self.service.record(method, exchange.service());
        if let Some(lag) = &mut self.lag {
            lag.saturating_record(micros(exchange.lag()));
        }
        self.outcomes[outcome_index(exchange.outcome)] += 1;
        self.first_sent = Some(
            self.first_sent
                .map_or(exchange.sent, |t| t.min(exchange.sent)),
        );
        self.last_done = Some(
            self.last_done
                .map_or(exchange.done, |t| t.max(exchange.done)),
        );
    }

    /// Requests measured.
    pub fn requests(&self) -> u64 {
        self.outcomes.iter().sum()
    }

    pub fn outcome_count(&self, kind: OutcomeKind) -> u64 {
        self.outcomes[outcome_index(kind)]
    }

    pub fn mismatches(&self) -> u64 {
        OutcomeKind::ALL
            .into_iter()
            .filter(|kind| kind.is_mismatch())
            .map(|kind| self.outcome_count(kind))
            .sum()
    }

    /// From the first request sent to the last answer.
    pub fn duration(&self) -> Duration {
        match (self.first_sent, self.last_done) {
            (Some(first), Some(last)) => last.saturating_duration_since(first),
            (None, _) | (_, None) => Duration::ZERO,
        }
    }

    /// The lag at quantile `q` [ms]; `None` without a schedule or requests.
    pub fn lag_ms(&self, q: f64) -> Option<f64> {
        self.lag
            .as_ref()
            .filter(|lag| !lag.is_empty())
            .map(|lag| to_ms(lag.value_at_quantile(q)))
    }

    /// True when the p99 lag exceeds `BEHIND_SCHEDULE_LAG`.
    pub fn behind_schedule(&self) -> bool {
        self.lag_ms(0.99)
            .is_some_and(|p99| p99 > BEHIND_SCHEDULE_LAG.as_secs_f64() * 1000.0)
    }

    /// Latency (`service == false`) or service time percentiles [ms] of one
    /// method or all (`None`): p50, p90, p99, p99.9, max, mean.
    pub fn percentiles(&self, service: bool, method: Option<MethodKind>) -> Option<[f64; 6]> {
        let distributions = if service {
            &self.service
        } else {
            &self.latency
        };
        let histogram = match method {
            Some(method) => &distributions.by_method[method_index(method)],
            None => &distributions.all,
        };
        summary_of(histogram)
    }

    /// Requests of one method.
    pub fn method_count(&self, method: MethodKind) -> u64 {
        self.latency.by_method[method_index(method)].len()
    }

    /// Every summary metric, in `replay-summary.csv` order. `unsent`,
    /// `skipped` and `connections` are counted outside the stats.
    pub fn metrics(&self, unsent: u64, skipped: u64, connections: u64) -> Vec<Metric> {
        let mut metrics = Vec::new();
        let mut push = |name: String, unit: UnitKind, value: Option<f64>| {
            metrics.push(Metric { name, unit, value });
        };
        let requests = self.requests();
        push("requests".into(), UnitKind::Count, Some(requests as f64));
        for method in MethodKind::ALL {
            push(
                format!("requests.{}", method.metric_name()),
                UnitKind::Count,
                Some(self.method_count(method) as f64),
            );
        }
        push(
            "requests.unsent".into(),
            UnitKind::Count,
            Some(unsent as f64),
        );
        push(
            "lines.skipped".into(),
            UnitKind::Count,
            Some(skipped as f64),
        );
        push(
            "connections".into(),
            UnitKind::Count,
            Some(connections as f64),
        );
        let duration = self.duration().as_secs_f64();
        push("duration_s".into(), UnitKind::Seconds, Some(duration));
        push(
            "throughput".into(),
            UnitKind::PerSecond,
            (duration > 0.0).then(|| requests as f64 / duration),
        );
        push(
            "ok".into(),
            UnitKind::Count,
            Some(self.outcome_count(OutcomeKind::Ok) as f64),
        );
        let mismatches = self.mismatches();
        push(
            "mismatches".into(),
            UnitKind::Count,
            Some(mismatches as f64),
        );
        push(
            "mismatches.fraction".into(),
            UnitKind::Fraction,
            (requests > 0).then(|| mismatches as f64 / requests as f64),
        );
        for kind in OutcomeKind::ALL.into_iter().filter(|k| k.is_mismatch()) {
            push(
                format!("mismatches.{}", kind.as_str()),
                UnitKind::Count,
                Some(self.outcome_count(kind) as f64),
            );
        }
        for (prefix, service) in [("latency", false), ("service_time", true)] {
            let scopes = std::iter::once(None).chain(MethodKind::ALL.into_iter().map(Some));
            for method in scopes {
                let stem = match method {
                    Some(method) => format!("{prefix}.{}", method.metric_name()),
                    None => prefix.to_string(),
                };
                let values = self.percentiles(service, method);
                for (index, suffix) in SUMMARY_SUFFIXES.iter().enumerate() {
                    push(
                        format!("{stem}.{suffix}"),
                        UnitKind::Milliseconds,
                        values.map(|v| v[index]),
                    );
                }
            }
        }
        let lag = self.lag.as_ref().and_then(summary_of);
        for (index, suffix) in SUMMARY_SUFFIXES.iter().enumerate() {
            push(
                format!("lag.{suffix}"),
                UnitKind::Milliseconds,
                lag.map(|v| v[index]),
            );
        }
        push(
            "behind_schedule".into(),
            UnitKind::Flag,
            lag.map(|_| f64::from(u8::from(self.behind_schedule()))),
        );
        metrics
    }
}

/// The suffixes of `percentiles`, in order.
pub const SUMMARY_SUFFIXES: [&str; 6] = ["p50", "p90", "p99", "p99.9", "max", "mean"];

/// Every metric name `Stats::metrics` writes (for thresholds).
pub fn metric_names() -> Vec<(String, UnitKind)> {
    Stats::new(true)
        .metrics(0, 0, 0)
        .into_iter()
        .map(|metric| (metric.name, metric.unit))
        .collect()
}

/// `replay-summary.csv`: `metric,value`, an empty value where there was
/// nothing to measure; numbers as `summary.csv` writes them.
pub fn write_summary_csv(metrics: &[Metric]) -> String {
    let mut out = String::from("metric,value\n");
    for metric in metrics {
        out.push_str(&metric.name);
        out.push(',');
        if let Some(value) = metric.value {
            write_number(&mut out, value);
        }
        out.push('\n');
    }
    out
}

impl Distributions {
    fn new() -> Distributions {
        Distributions {
            all: new_histogram(),
            by_method: std::array::from_fn(|_| new_histogram()),
        }
    }

    fn record(&mut self, method: MethodKind, duration: Duration) {
        let value = micros(duration);
        self.all.saturating_record(value);
        self.by_method[method_index(method)].saturating_record(value);
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_max(HISTOGRAM_MAX_MICROS, 3).expect("valid histogram bounds")
}

/// p50, p90, p99, p99.9, max, mean [ms]; `None` when empty.
fn summary_of(histogram: &Histogram<u64>) -> Option<[f64; 6]> {
    if histogram.is_empty() {
        return None;
    }
    let quantile = |q: f64| to_ms(histogram.value_at_quantile(q));
    let [p50, p90, p99, p999] = QUANTILES.map(|(_, q)| quantile(q));
    Some([
        p50,
        p90,
        p99,
        p999,
        to_ms(histogram.max()),
        histogram.mean() / 1000.0,
    ])
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

fn to_ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn method_index(method: MethodKind) -> usize {
    MethodKind::ALL
        .iter()
        .position(|&m| m == method)
        .expect("every method is in ALL")
}

fn outcome_index(kind: OutcomeKind) -> usize {
    OutcomeKind::ALL
        .iter()
        .position(|&k| k == kind)
        .expect("every outcome is in ALL")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::call::{Call, Expectation};
    use crate::replay::exchange::Answer;

    fn exchange(origin: Instant, scheduled_ms: u64, sent_ms: u64, done_ms: u64) -> Exchange {
        let at = |ms| origin + Duration::from_millis(ms);
        Exchange {
            call: Call {
                line: 1,
                at_epoch_ms: 0,
                original_job: "job-1".into(),
                job: "job-1".into(),
                key: None,
                method: MethodKind::Get,
                path: "/jobs/job-1".into(),
                body: None,
                expect: Expectation {
                    status: 200,
                    state: None,
                },
            },
            scheduled: at(scheduled_ms),
            sent: at(sent_ms),
            done: at(done_ms),
            answer: Answer::Answered {
                status: 200,
                state: None,
            },
            outcome: OutcomeKind::Ok,
        }
    }

    /// A stall shows in the latency from the intended send time: 100
    /// requests due every 10 ms, each answered in 1 ms, except that the
    /// 11th takes 500 ms, so the next ones leave late (one connection) and
    /// wait 490, 480, ... ms. Expected values computed by hand; HDR's error
    /// is under 0.1%.
    #[test]
    fn latency_from_the_intended_time_keeps_the_stall() {
        let origin = Instant::now();
        let mut stats = Stats::new(true);
        let mut free_at = 0;
        for i in 0..100u64 {
            let scheduled = i * 10;
            let sent = scheduled.max(free_at);
            let service = if i == 10 { 500 } else { 1 };
            free_at = sent + service;
            stats.record(&exchange(origin, scheduled, sent, free_at));
        }
        let close = |got: f64, expected: f64| {
            assert!(
                (got - expected).abs() <= expected * 0.001 + 0.001,
                "got {got}, expected {expected}"
            );
        };
        let latency = stats.percentiles(false, None).unwrap();
        let service = stats.percentiles(true, None).unwrap();
        // Requests 11..=65 leave at 600, 601, ... (each after the one
        // before): request i is answered at 590 + i, 590 - 9 i ms after it
        // was due (491 for i = 11; p90 is the 90th of 100, the 11th largest:
        // 410 for i = 20); the
        // service time of all but one is 1 ms. Request 11 left 490 ms late.
        close(latency[4], 500.0);
        close(service[4], 500.0);
        close(service[2], 1.0);
        assert!(stats.behind_schedule());
        close(latency[1], 410.0);
        close(stats.lag_ms(1.0).unwrap(), 490.0);
        let metrics = stats.metrics(3, 0, 1);
        let value = |name: &str| {
            metrics
                .iter()
                .find(|m| m.name == name)
                .unwrap_or_else(|| panic!("no {name}"))
                .value
        };
        assert_eq!(value("requests"), Some(100.0));
        assert_eq!(value("requests.get"), Some(100.0));
        assert_eq!(value("requests.put"), Some(0.0));
        assert_eq!(value("latency.put.p99"), None);
        assert_eq!(value("requests.unsent"), Some(3.0));
        assert_eq!(value("mismatches.fraction"), Some(0.0));
        assert_eq!(value("behind_schedule"), Some(1.0));
    }

    #[test]
    fn without_a_schedule_there_is_no_lag() {
        let origin = Instant::now();
        let mut stats = Stats::new(false);
        stats.record(&exchange(origin, 0, 0, 2));
        let metrics = stats.metrics(0, 0, 1);
        for metric in metrics.iter().filter(|m| m.name.starts_with("lag.")) {
            assert_eq!(metric.value, None, "{}", metric.name);
        }
        assert!(!stats.behind_schedule());
        let text = write_summary_csv(&metrics);
        assert!(text.starts_with("metric,value\nrequests,1\n"), "{text}");
        assert!(text.contains("\nlag.p99,\n"), "{text}");
        assert!(text.contains("\nlatency.p50,2\n"), "{text}");
    }
}
