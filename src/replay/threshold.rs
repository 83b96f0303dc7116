//! `--threshold`: limits on the summary that fail a run (exit code 3), for CI.
//!
//! A threshold is `METRIC OP VALUE`, spaces allowed around `OP`:
//!
//! - `METRIC` is a name of `replay-summary.csv` (`latency.p99`,
//!   `latency.get.p99.9`, `mismatches`, `mismatches.status`, `throughput`,
//!   `lag.max`, `behind_schedule`, ...);
//! - `OP` is `<=`, `<`, `>=`, `>` or `==`;
//! - `VALUE` is a number in the metric's unit, or with a unit suffix:
//!   `us`, `ms`, `s` for the time metrics (`latency.*`, `service_time.*`,
//!   `lag.*` in ms, `duration_s` in s), `%` for `mismatches.fraction`.
//!
//! Examples: `latency.p99<=250ms`, `latency.put.p99.9 < 1s`,
//! `mismatches==0`, `mismatches.fraction<=0.5%`, `throughput>=1000`,
//! `behind_schedule==0`.
//!
//! A threshold on a metric with no value (no request of that method; lag
//! with `--as-fast-as-possible`) fails: nothing shows that the limit held.
//! An unknown metric, operator or unit is an error that lists what is known.

use std::fmt;

use crate::replay::stats::{Metric, UnitKind};

/// One `--threshold`.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// As written.
    pub text: String,
    pub metric: String,
    pub comparison: ComparisonKind,
    /// In the metric's unit.
    pub limit: f64,
}

/// How a value is compared with its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComparisonKind {
    AtMost,
    Below,
    AtLeast,
    Above,
    Equal,
}

/// A threshold checked against a run's summary.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdVerdict {
    pub threshold: Threshold,
    pub value: Option<f64>,
    pub unit: UnitKind,
    pub passed: bool,
}

/// A `--threshold` that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--threshold `{given}`: {reason}")]
pub struct ThresholdError {
    pub given: String,
    pub reason: String,
}

/// Thresholds failed; the results were written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{failed} of {total} thresholds failed")]
pub struct ThresholdsFailed {
    pub failed: usize,
    pub total: usize,
}

impl ComparisonKind {
    /// The operators, longest first (so `<=` is not read as `<`).
    const ALL: [(&'static str, ComparisonKind); 5] = [
        ("<=", ComparisonKind::AtMost),
        (">=", ComparisonKind::AtLeast),
        ("==", ComparisonKind::Equal),
        ("<", ComparisonKind::Below),
        (">", ComparisonKind::Above),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComparisonKind::AtMost => "<=",
            ComparisonKind::Below => "<",
            ComparisonKind::AtLeast => ">=",
            ComparisonKind::Above => ">",
            ComparisonKind::Equal => "==",
        }
    }

    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            ComparisonKind::AtMost => value <= limit,
            ComparisonKind::Below => value < limit,
            ComparisonKind::AtLeast => value >= limit,
            ComparisonKind::Above => value > limit,
            ComparisonKind::Equal => value == limit,
        }
    }
}

impl fmt::Display for ComparisonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads one `--threshold`; `known` are the summary's metric names and units.
pub fn parse_threshold(
    text: &str,
    known: &[(String, UnitKind)],
) -> Result<Threshold, ThresholdError> {
    let fail = |reason: String| ThresholdError {
        given: text.to_string(),
        reason,
    };
    let found = text
        .char_indices()
        .find_map(|(index, _)| {
            ComparisonKind::ALL
                .iter()
                .find(|(op, _)| text[index..].starts_with(op))
                .map(|&(op, kind)| (index, op, kind))
        })
        .ok_or_else(|| {
            fail(
                "expected METRIC OP VALUE with OP one of <=, <, >=, >, ==, e.g. latency.p99<=250ms"
                    .into(),
            )
        })?;
    let (index, op, comparison) = found;
    let metric = text[..index].trim();
    let value_text = text[index + op.len()..].trim();
    let unit = known
        .iter()
        .find(|(name, _)| name == metric)
        .map(|&(_, unit)| unit)
        .ok_or_else(|| {
            let hint = closest(metric, known)
                .map(|name| format!(" (did you mean `{name}`?)"))
                .unwrap_or_default();
            fail(format!(
                "unknown metric `{metric}`{hint}: a threshold names a metric of \
                 replay-summary.csv such as latency.p99, mismatches, throughput"
            ))
        })?;
    let limit = parse_value(value_text, unit).map_err(fail)?;
    Ok(Threshold {
        text: text.to_string(),
        metric: metric.to_string(),
        comparison,
        limit,
    })
}

/// Checks every threshold against `metrics`.
pub fn check_thresholds(thresholds: &[Threshold], metrics: &[Metric]) -> Vec<ThresholdVerdict> {
    thresholds
        .iter()
        .map(|threshold| {
            let metric = metrics
                .iter()
                .find(|m| m.name == threshold.metric)
                .expect("thresholds name known metrics");
            let passed = metric
                .value
                .is_some_and(|value| threshold.comparison.holds(value, threshold.limit));
            ThresholdVerdict {
                threshold: threshold.clone(),
                value: metric.value,
                unit: metric.unit,
                passed,
            }
        })
        .collect()
}

impl ThresholdVerdict {
    /// `PASS latency.p99<=250ms (latency.p99 = 12.3 ms)`.
    pub fn line(&self) -> String {
        let verdict = if self.passed { "PASS" } else { "FAIL" };
        let value = match self.value {
            Some(value) => format!("{} = {}", self.threshold.metric, show(value, self.unit)),
            None => format!(
                "{} has no value: nothing was measured",
                self.threshold.metric
            ),
        };
        format!("{verdict} {} ({value})", self.threshold.text.trim())
    }
}

/// `value` with its unit, for a person.
fn show(value: f64, unit: UnitKind) -> String {
    match unit {
        UnitKind::Count | UnitKind::Flag => format!("{value}"),
        UnitKind::Fraction => format!("{value} ({}%)", value * 100.0),
        UnitKind::Milliseconds => format!("{value} ms"),
        UnitKind::Seconds => format!("{value} s"),
        UnitKind::PerSecond => format!("{value:.1}/s"),
    }
}

/// A number in `unit`, or with a suffix that converts to it.
fn parse_value(text: &str, unit: UnitKind) -> Result<f64, String> {
    let split = text
        .find(|c: char| {
            !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')
        })
        .unwrap_or(text.len());
    // `1e3ms` reads as 1e3 and `ms`; a bare `e` cannot start a unit here.
    let (number, suffix) = text.split_at(split);
    let number: f64 = number
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| format!("`{text}` is not a number (with an optional unit)"))?;
    let suffix = suffix.trim();
    let scale = match (unit, suffix) {
        (_, "") => 1.0,
        (UnitKind::Milliseconds, "us" | "µs") => 0.001,
        (UnitKind::Milliseconds, "ms") => 1.0,
        (UnitKind::Milliseconds, "s") => 1000.0,
        (UnitKind::Seconds, "ms") => 0.001,
        (UnitKind::Seconds, "s") => 1.0,
        (UnitKind::Fraction, "%") => 0.01,
        (UnitKind::Milliseconds, _) => {
            return Err(format!(
                "unknown unit `{suffix}`: expected us, ms or s (a bare number is ms)"
            ));
        }
        (UnitKind::Seconds, _) => {
            return Err(format!(
                "unknown unit `{suffix}`: expected ms or s (a bare number is s)"
            ));
        }
        (UnitKind::Fraction, _) => {
            return Err(format!(
                "unknown unit `{suffix}`: a fraction is a number from 0 to 1 or a percentage like 1%"
            ));
        }
        (UnitKind::Count | UnitKind::Flag | UnitKind::PerSecond, _) => {
            return Err(format!(
                "unknown unit `{suffix}`: this metric takes a bare number"
            ));
        }
    };
    Ok(number * scale)
}

/// The known name nearest to `name`, if close enough to be a typo.
fn closest<'a>(name: &str, known: &'a [(String, UnitKind)]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 4);
    known
        .iter()
        .map(|(candidate, _)| (edit_distance(name, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate.as_str())
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, a_char) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::stats::metric_names;

    fn parse(text: &str) -> Result<Threshold, ThresholdError> {
        parse_threshold(text, &metric_names())
    }

    #[test]
    fn thresholds_read_metric_operator_and_value_in_the_metrics_unit() {
        let check = |text: &str, metric: &str, comparison, limit: f64| {
            let threshold = parse(text).unwrap();
            assert_eq!(threshold.metric, metric, "{text}");
            assert_eq!(threshold.comparison, comparison, "{text}");
            assert!(
                (threshold.limit - limit).abs() < 1e-12,
                "{text}: {}",
                threshold.limit
            );
        };
        use ComparisonKind::*;
        check("latency.p99<=250ms", "latency.p99", AtMost, 250.0);
        check("latency.p99 <= 250", "latency.p99", AtMost, 250.0);
        check("latency.get.p99.9<1s", "latency.get.p99.9", Below, 1000.0);
        check("service_time.max < 500us", "service_time.max", Below, 0.5);
        check("mismatches==0", "mismatches", Equal, 0.0);
        check(
            "mismatches.fraction<=0.5%",
            "mismatches.fraction",
            AtMost,
            0.005,
        );
        check("throughput>=1e3", "throughput", AtLeast, 1000.0);
        check("duration_s>1500ms", "duration_s", Above, 1.5);
        check("behind_schedule==0", "behind_schedule", Equal, 0.0);
    }

    #[test]
    fn bad_thresholds_say_what_is_expected() {
        let check = |text: &str, expected: &str| {
            let error = parse(text).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("--threshold `{text}`: ")),
                "{error}"
            );
            assert!(error.contains(expected), "{error} lacks {expected}");
        };
        check("latency.p99 250ms", "expected METRIC OP VALUE");
        check(
            "latncy.p99<=1",
            "unknown metric `latncy.p99` (did you mean `latency.p99`?)",
        );
        check("latency.p99<=fast", "is not a number");
        check("latency.p99<=3h", "unknown unit `h`");
        check("mismatches<=1ms", "takes a bare number");
        check("mismatches.fraction<=1x", "percentage");
    }

    #[test]
    fn a_metric_without_a_value_fails_its_threshold() {
        let metrics = vec![
            Metric {
                name: "latency.p99".into(),
                unit: UnitKind::Milliseconds,
                value: Some(12.5),
            },
            Metric {
                name: "lag.p99".into(),
                unit: UnitKind::Milliseconds,
                value: None,
            },
        ];
        let known: Vec<(String, UnitKind)> =
            metrics.iter().map(|m| (m.name.clone(), m.unit)).collect();
        let thresholds: Vec<Threshold> = ["latency.p99<=250ms", "latency.p99<10", "lag.p99<=5ms"]
            .iter()
            .map(|t| parse_threshold(t, &known).unwrap())
            .collect();
        let verdicts = check_thresholds(&thresholds, &metrics);
        let lines: Vec<String> = verdicts.iter().map(ThresholdVerdict::line).collect();
        assert_eq!(
            lines,
            [
                "PASS latency.p99<=250ms (latency.p99 = 12.5 ms)",
                "FAIL latency.p99<10 (latency.p99 = 12.5 ms)",
                "FAIL lag.p99<=5ms (lag.p99 has no value: nothing was measured)",
            ]
        );
    }
}
