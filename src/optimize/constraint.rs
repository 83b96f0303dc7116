//! `--subject-to`: a service level on a `summary.csv` metric, and whether a
//! candidate's replications show, with the stated confidence, that it holds.
//!
//! A constraint is `METRIC OP VALUE`, spaces allowed around `OP`:
//!
//! - `METRIC` is a metric name of `summary.csv` (`end_to_end_days.p90`,
//!   `copy.queue_wait_days.mean`, `jobs.completed.fraction`, ...); an
//!   unknown one is an error that suggests the nearest known name;
//! - `OP` is `<=`, `<` (an upper limit) or `>=`, `>` (a lower limit);
//! - `VALUE` is a number in the metric's unit; for a metric in days also a
//!   duration (`14d`, `36h`), for a fraction also a percentage (`90%`).
//!
//! # When a constraint holds
//!
//! Over the `n` replications of a candidate, with mean `m` and sample
//! standard deviation `s`, the one-sided Student-t bound at confidence `c`
//! is `m + t(c, n - 1) s / sqrt(n)` for an upper limit and `m - t(c, n - 1)
//! s / sqrt(n)` for a lower one: the true mean lies on the limit's side of it
//! with probability `c`. The constraint holds when that bound meets the limit
//! (`<=`: bound <= VALUE, `<`: bound < VALUE, and the mirror for `>=`, `>`).
//! A metric that has no value in some replication (a percentile over no
//! finished jobs) cannot be shown to hold, nor can one with fewer than two
//! replications.

use std::fmt;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::compare::guard::closest_name;
use crate::dist::parse_duration;
use crate::report::{SampleSummary, UnitKind, show_value, write_number};

/// One `--subject-to METRIC OP VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    /// As written.
    pub text: String,
    pub metric: String,
    pub limit: LimitKind,
    /// In the metric's unit (days, a fraction in [0, 1], a count, ...).
    pub value: f64,
}

/// Which side of its value a constraint keeps its metric on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// `<=`
    AtMost,
    /// `<`
    Below,
    /// `>=`
    AtLeast,
    /// `>`
    Above,
}

/// A constraint checked on one candidate's replications.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintCheck {
    /// The one-sided bound on the metric's mean at the run's confidence
    /// (upper for `<=`/`<`, lower for `>=`/`>`); `None` without an interval.
    pub bound: Option<f64>,
    pub holds: bool,
}

/// A `--subject-to` that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--subject-to `{given}`: {reason}")]
pub struct ConstraintError {
    pub given: String,
    pub reason: String,
}

impl LimitKind {
    /// The operators, longest first (so `<=` is not read as `<`).
    const ALL: [(&'static str, LimitKind); 4] = [
        ("<=", LimitKind::AtMost),
        (">=", LimitKind::AtLeast),
        ("<", LimitKind::Below),
        (">", LimitKind::Above),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::AtMost => "<=",
            LimitKind::Below => "<",
            LimitKind::AtLeast => ">=",
            LimitKind::Above => ">",
        }
    }

    /// An upper limit (`<=`, `<`): the bound that matters is the upper one.
    pub fn is_upper(self) -> bool {
        match self {
            LimitKind::AtMost | LimitKind::Below => true,
            LimitKind::AtLeast | LimitKind::Above => false,
        }
    }

    /// Whether `bound` is on the allowed side of `value`.
    fn allows(self, bound: f64, value: f64) -> bool {
        match self {
            LimitKind::AtMost => bound <= value,
            LimitKind::Below => bound < value,
            LimitKind::AtLeast => bound >= value,
            LimitKind::Above => bound > value,
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = String::new();
        write_number(&mut value, self.value);
        write!(f, "{}{}{value}", self.metric, self.limit.as_str())
    }
}

impl Constraint {
    /// Reads `METRIC OP VALUE`; `known_metrics` are the names of `summary.csv`.
    pub fn parse(text: &str, known_metrics: &[String]) -> Result<Constraint, ConstraintError> {
        let fail = |reason: String| ConstraintError {
            given: crate::echo::cut(text).into_owned(),
            reason,
        };
        let (at, op, limit) = LimitKind::ALL
            .iter()
            .filter_map(|&(op, kind)| text.find(op).map(|at| (at, op, kind)))
            .min_by_key(|&(at, op, _)| (at, std::cmp::Reverse(op.len())))
            .ok_or_else(|| {
                fail(
                    "expected METRIC<=VALUE (or <, >=, >), e.g. 'end_to_end_days.p90<=14'"
                        .to_string(),
                )
            })?;
        let metric = text[..at].trim();
        let value_text = text[at + op.len()..].trim();
        if metric.is_empty() {
            return Err(fail("no metric before the operator".to_string()));
        }
        if !known_metrics.iter().any(|known| known == metric) {
            let hint = match closest_name(metric, known_metrics) {
                Some(close) => format!(" (did you mean `{close}`?)"),
                None => String::new(),
            };
            return Err(fail(format!(
                "unknown metric `{}`{hint}: a constraint names a metric of summary.csv",
                crate::echo::cut(metric)
            )));
        }
        let unit = UnitKind::of(metric);
        let value = parse_value(value_text, unit).map_err(fail)?;
        Ok(Constraint {
            text: text.to_string(),
            metric: metric.to_string(),
            limit,
            value,
        })
    }

    /// Checks the constraint on a metric's replications (`summary` over the
    /// replications that have a value, out of `replications`) at
    /// `confidence`.
    pub fn check(
        &self,
        summary: &SampleSummary,
        replications: usize,
        confidence: f64,
    ) -> ConstraintCheck {
        let bound = one_sided_bound(summary, confidence, self.limit.is_upper());
        let holds = summary.n == replications
            && bound.is_some_and(|bound| self.limit.allows(bound, self.value));
        ConstraintCheck { bound, holds }
    }

    /// The limit as a person reads it: `end_to_end_days.p90 <= 14`,
    /// `jobs.completed.fraction >= 90%`.
    pub fn shown(&self) -> String {
        let unit = UnitKind::of(&self.metric);
        format!(
            "{} {} {}",
            self.metric,
            self.limit.as_str(),
            show_value(unit, Some(self.value))
        )
    }
}

/// The one-sided Student-t bound on the mean at `confidence`: `mean ± t(c,
/// n - 1) s / sqrt(n)`, above the mean when `upper`. `None` when `n < 2`.
/// When every value is the same the bound is that value.
pub fn one_sided_bound(summary: &SampleSummary, confidence: f64, upper: bool) -> Option<f64> {
    let (mean, stddev) = (summary.mean?, summary.stddev?);
    if stddev == 0.0 {
        return Some(mean);
    }
    let degrees = (summary.n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, degrees)
        .expect("at least one degree of freedom")
        .inverse_cdf(confidence);
    let half_width = t * stddev / (summary.n as f64).sqrt();
    Some(if upper {
        mean + half_width
    } else {
        mean - half_width
    })
}

/// A limit's value: a number, a duration for a metric in days, a percentage
/// for a fraction.
fn parse_value(text: &str, unit: UnitKind) -> Result<f64, String> {
    if text.is_empty() {
        return Err("no value after the operator".to_string());
    }
    let number = |text: &str| text.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    if let Some(value) = number(text) {
        return Ok(value);
    }
    let expected = match unit {
        UnitKind::Days => {
            if let Ok(duration) = parse_duration(text) {
                return Ok(duration.as_days_f64());
            }
            "a number of days or a duration such as 14d or 36h"
        }
        UnitKind::Fraction => {
            if let Some(percent) = text.strip_suffix('%').and_then(number) {
                return Ok(percent / 100.0);
            }
            "a fraction such as 0.9 or a percentage such as 90%"
        }
        UnitKind::Count | UnitKind::TimeAverage | UnitKind::PerWeek => "a number",
    };
    Err(format!(
        "expected {expected}, got {}",
        crate::echo::quote(text)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summarize_sample;

    fn known() -> Vec<String> {
        [
            "end_to_end_days.p90",
            "jobs.completed.fraction",
            "drives.destroyed",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn reads_operators_units_and_spaces() {
        let check = |text: &str, metric: &str, limit: LimitKind, value: f64| {
            let constraint = Constraint::parse(text, &known()).unwrap();
            assert_eq!(
                (constraint.metric.as_str(), constraint.limit),
                (metric, limit),
                "{text}"
            );
            assert!((constraint.value - value).abs() < 1e-12, "{text}");
        };
        check(
            "end_to_end_days.p90<=14",
            "end_to_end_days.p90",
            LimitKind::AtMost,
            14.0,
        );
        check(
            "end_to_end_days.p90 < 36h",
            "end_to_end_days.p90",
            LimitKind::Below,
            1.5,
        );
        check(
            "end_to_end_days.p90<=14d",
            "end_to_end_days.p90",
            LimitKind::AtMost,
            14.0,
        );
        check(
            "jobs.completed.fraction>=90%",
            "jobs.completed.fraction",
            LimitKind::AtLeast,
            0.9,
        );
        check(
            "jobs.completed.fraction > 0.8",
            "jobs.completed.fraction",
            LimitKind::Above,
            0.8,
        );
        check(
            "drives.destroyed<=0",
            "drives.destroyed",
            LimitKind::AtMost,
            0.0,
        );
    }

    #[test]
    fn bad_constraints_say_what_is_wrong() {
        let error = |text: &str| Constraint::parse(text, &known()).unwrap_err().to_string();
        let unknown = error("end_to_end_days.p95<=14");
        assert!(
            unknown.contains("unknown metric `end_to_end_days.p95`"),
            "{unknown}"
        );
        assert!(
            unknown.contains("did you mean `end_to_end_days.p90`"),
            "{unknown}"
        );
        assert!(error("end_to_end_days.p90=14").contains("expected METRIC<=VALUE"));
        assert!(error("<=14").contains("no metric"));
        assert!(error("end_to_end_days.p90<=").contains("no value"));
        assert!(error("end_to_end_days.p90<=two weeks").contains("a duration such as 14d"));
        assert!(error("drives.destroyed<=5%").contains("expected a number"));
        assert!(error("jobs.completed.fraction>=ninety").contains("percentage"));
    }

    /// t(0.95, 4) = 2.131847: values 10, 11, 12, 13, 14 have mean 12,
    /// s = 1.581139, so the upper bound is 12 + 2.131847 x 1.581139 / sqrt(5)
    /// = 13.507443 and the lower 10.492557.
    #[test]
    fn the_bound_is_one_sided_student_t() {
        let summary = summarize_sample(&[10.0, 11.0, 12.0, 13.0, 14.0]);
        let upper = one_sided_bound(&summary, 0.95, true).unwrap();
        let lower = one_sided_bound(&summary, 0.95, false).unwrap();
        assert!((upper - 13.507443).abs() < 1e-5, "{upper}");
        assert!((lower - 10.492557).abs() < 1e-5, "{lower}");
        let constraint = |text: &str| Constraint::parse(text, &known()).unwrap();
        let holds = |text: &str| constraint(text).check(&summary, 5, 0.95).holds;
        assert!(holds("end_to_end_days.p90<=13.51"));
        assert!(!holds("end_to_end_days.p90<=13.5"));
        assert!(holds("drives.destroyed>=10.49"));
        assert!(!holds("drives.destroyed>=10.5"));
        // A value missing in one replication: nothing shows it holds.
        assert!(
            !constraint("end_to_end_days.p90<=100")
                .check(&summary, 6, 0.95)
                .holds
        );
        // Identical values: the bound is the value; one value: no bound.
        let same = summarize_sample(&[3.0; 4]);
        assert_eq!(one_sided_bound(&same, 0.99, true), Some(3.0));
        assert!(
            constraint("end_to_end_days.p90<=3")
                .check(&same, 4, 0.99)
                .holds
        );
        let one = summarize_sample(&[3.0]);
        assert!(
            !constraint("end_to_end_days.p90<=30")
                .check(&one, 1, 0.95)
                .holds
        );
    }
}
