//! Guard files (`compare --guard FILE`): how far a metric may move before a
//! policy change is refused.
//!
//! ```toml
//! [[guard]]
//! metric = "jobs.expired.fraction"
//! max_increase = 0.01        # absolute, in the metric's unit
//!
//! [[guard]]
//! metric = "end_to_end_days.p90"
//! max_increase_pct = 5.0     # percent of the baseline mean
//! ```
//!
//! Each `[[guard]]` names one metric of `summary.csv` and exactly one limit,
//! a number at least 0:
//!
//! - `max_increase`: the paired difference (candidate - baseline) may rise by
//!   at most this much, in the metric's unit;
//! - `max_increase_pct`: by at most this percentage of the baseline mean (of
//!   its magnitude, so a baseline of 0 allows no significant rise at all);
//! - `max_decrease`, `max_decrease_pct`: the same downwards, for metrics where
//!   lower is worse (`jobs.completed.fraction`).
//!
//! A guard **fails** when the mean paired difference is beyond its limit
//! *and* the difference is significant at 95% (its interval excludes 0), so
//! noise alone never fails a guard. A metric with fewer than two paired
//! values has no interval and cannot fail. Two guards may name the same
//! metric (one limit each way). Any other key, a metric that `summary.csv`
//! does not have, or a guard with no limit or two of them, is an error that
//! names the file, line and column.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{InputError, MetricComparison};
use crate::report::{UnitKind, show_change, show_interval, show_value, write_number};

/// One limit on one metric, as read from a guard file.
#[derive(Clone, Debug, PartialEq)]
pub struct Guard {
    /// A metric name of `summary.csv`.
    pub metric: String,
    pub limit: LimitKind,
    /// The limit's number: in the metric's unit, or percent for the `_pct` kinds.
    pub amount: f64,
    /// Where the guard is written, `file:line:column`.
    pub origin: String,
}

/// Which way a guard limits its metric, and in what unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// `max_increase`: absolute, in the metric's unit.
    MaxIncrease,
    /// `max_increase_pct`: percent of the baseline mean.
    MaxIncreasePct,
    /// `max_decrease`: absolute, in the metric's unit.
    MaxDecrease,
    /// `max_decrease_pct`: percent of the baseline mean.
    MaxDecreasePct,
}

/// A guard checked against the paired differences.
#[derive(Clone, Debug, PartialEq)]
pub struct GuardVerdict {
    pub guard: Guard,
    /// The allowed change in the metric's unit (a magnitude, at least 0);
    /// `None` for a relative limit whose metric has no baseline mean.
    pub allowed: Option<f64>,
    /// The metric's comparison (paired difference and its interval).
    pub comparison: MetricComparison,
    /// The difference is significant and beyond `allowed`.
    pub failed: bool,
}

impl LimitKind {
    /// The key a guard file writes it with.
    pub fn key(self) -> &'static str {
        match self {
            LimitKind::MaxIncrease => "max_increase",
            LimitKind::MaxIncreasePct => "max_increase_pct",
            LimitKind::MaxDecrease => "max_decrease",
            LimitKind::MaxDecreasePct => "max_decrease_pct",
        }
    }

    pub fn is_increase(self) -> bool {
        match self {
            LimitKind::MaxIncrease | LimitKind::MaxIncreasePct => true,
            LimitKind::MaxDecrease | LimitKind::MaxDecreasePct => false,
        }
    }

    pub fn is_relative(self) -> bool {
        match self {
            LimitKind::MaxIncreasePct | LimitKind::MaxDecreasePct => true,
            LimitKind::MaxIncrease | LimitKind::MaxDecrease => false,
        }
    }
}

/// The guard file as TOML writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardFile {
    #[serde(default)]
    guard: Vec<Spanned<GuardEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardEntry {
    metric: Spanned<String>,
    max_increase: Option<Spanned<f64>>,
    max_increase_pct: Option<Spanned<f64>>,
    max_decrease: Option<Spanned<f64>>,
    max_decrease_pct: Option<Spanned<f64>>,
}

/// Reads and checks a guard file; `known_metrics` are the metric names of
/// `summary.csv`.
pub fn read_guards(path: &Path, known_metrics: &[String]) -> Result<Vec<Guard>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::ReadGuardFile {
        path: path.to_path_buf(),
        source,
    })?;
    parse_guards(&text, &path.display().to_string(), known_metrics)
}

/// Parses the text of a guard file; `name` names it in messages.
pub fn parse_guards(
    text: &str,
    name: &str,
    known_metrics: &[String],
) -> Result<Vec<Guard>, InputError> {
    let at = |span: Option<Range<usize>>| match span {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("{name}:{line}:{column}")
        }
        None => name.to_string(),
    };
    let invalid = |span: Option<Range<usize>>, message: String| InputError::GuardFile {
        at: at(span),
        message,
    };
    let file: GuardFile = toml::from_str(text).map_err(|error| {
        invalid(
            error.span(),
            format!("invalid guard file: {}", error.message().trim_end()),
        )
    })?;
    let mut guards = Vec::with_capacity(file.guard.len());
    for entry in file.guard {
        let entry_span = entry.span();
        let entry = entry.into_inner();
        let metric_span = entry.metric.span();
        let metric = entry.metric.into_inner();
        if !known_metrics.contains(&metric) {
            let hint = match closest_name(&metric, known_metrics) {
                Some(close) => format!(" (did you mean `{close}`?)"),
                None => String::new(),
            };
            return Err(invalid(
                Some(metric_span),
                format!("unknown metric `{metric}`{hint}: a guard names a metric of summary.csv"),
            ));
        }
        let limits: Vec<(LimitKind, Spanned<f64>)> = [
            (LimitKind::MaxIncrease, entry.max_increase),
            (LimitKind::MaxIncreasePct, entry.max_increase_pct),
            (LimitKind::MaxDecrease, entry.max_decrease),
            (LimitKind::MaxDecreasePct, entry.max_decrease_pct),
        ]
        .into_iter()
        .filter_map(|(kind, amount)| amount.map(|amount| (kind, amount)))
        .collect();
        let (limit, amount) = match limits.as_slice() {
            [(kind, amount)] => (*kind, amount),
            [] => {
                return Err(invalid(
                    Some(entry_span),
                    format!(
                        "guard on `{metric}` has no limit: expected one of max_increase, \
                         max_increase_pct, max_decrease, max_decrease_pct"
                    ),
                ));
            }
            [_, (second, amount), ..] => {
                return Err(invalid(
                    Some(amount.span()),
                    format!(
                        "guard on `{metric}` has more than one limit ({} and {}): \
                         write one [[guard]] per limit",
                        limits[0].0.key(),
                        second.key()
                    ),
                ));
            }
        };
        let value = *amount.get_ref();
        if !(value.is_finite() && value >= 0.0) {
            return Err(invalid(
                Some(amount.span()),
                format!(
                    "{} of the guard on `{metric}` is {value}: expected a number at least 0",
                    limit.key()
                ),
            ));
        }
        guards.push(Guard {
            metric,
            limit,
            amount: value,
            origin: at(Some(entry_span)),
        });
    }
    Ok(guards)
}

/// Checks each guard against the comparison of its metric.
pub fn evaluate(guards: &[Guard], metrics: &[MetricComparison]) -> Vec<GuardVerdict> {
    guards
        .iter()
        .map(|guard| {
            let comparison = metrics
                .iter()
                .find(|metric| metric.name == guard.metric)
                .unwrap_or_else(|| panic!("guard metric `{}` was checked", guard.metric))
                .clone();
            let allowed = if guard.limit.is_relative() {
                comparison
                    .baseline
                    .map(|baseline| baseline.abs() * guard.amount / 100.0)
            } else {
                Some(guard.amount)
            };
            let beyond = match (comparison.diff.mean, allowed) {
                (Some(diff), Some(allowed)) if guard.limit.is_increase() => diff > allowed,
                (Some(diff), Some(allowed)) => -diff > allowed,
                _ => false,
            };
            GuardVerdict {
                failed: beyond && comparison.significant(),
                guard: guard.clone(),
                allowed,
                comparison,
            }
        })
        .collect()
}

impl GuardVerdict {
    /// One line for the terminal, numbers shown as in the comparison table
    /// (`show_value`), e.g. `FAIL jobs.expired.fraction: diff +2.14 pp (95%
    /// CI +1.9..+2.38 pp, n 10), limit max_increase 0.01 = +1 pp` or `FAIL
    /// drives.destroyed: diff +59 (95% CI +38.6..+79.4, n 10), limit
    /// max_increase 0`. The limit's amount is written as the guard file
    /// gives it.
    pub fn line(&self) -> String {
        let unit = UnitKind::of(&self.guard.metric);
        let mut line = String::from(if self.failed { "FAIL " } else { "PASS " });
        line.push_str(&self.guard.metric);
        line.push_str(": ");
        let diff = &self.comparison.diff;
        match (diff.mean, diff.ci95) {
            (None, _) => line.push_str("no value in any replication"),
            (Some(mean), None) => {
                let _ = write!(
                    line,
                    "diff {} (n {}: no interval)",
                    show_change(unit, Some(mean)),
                    diff.n
                );
            }
            (Some(mean), Some(interval)) => {
                let _ = write!(
                    line,
                    "diff {} (95% CI {}, n {}",
                    show_change(unit, Some(mean)),
                    show_interval(unit, Some(interval)),
                    diff.n
                );
                if !self.comparison.significant() {
                    line.push_str(", not significant");
                }
                line.push(')');
            }
        }
        let _ = write!(line, ", limit {} ", self.guard.limit.key());
        write_number(&mut line, self.guard.amount);
        let sign = if self.guard.limit.is_increase() {
            1.0
        } else {
            -1.0
        };
        if self.guard.limit.is_relative() {
            line.push('%');
            match (self.comparison.baseline, self.allowed) {
                (Some(baseline), Some(allowed)) => {
                    let _ = write!(
                        line,
                        " of baseline {} = {}",
                        show_value(unit, Some(baseline)),
                        show_change(unit, Some(sign * allowed))
                    );
                }
                _ => line.push_str(" of no baseline value"),
            }
        } else if unit == UnitKind::Fraction {
            let _ = write!(
                line,
                " = {}",
                show_change(unit, Some(sign * self.guard.amount))
            );
        }
        line
    }
}

/// 1-based line and column [characters] of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The known name nearest to `name` by edit distance, if it is close enough
/// to be a typo (at most a third of the name's length, and at most 4 edits).
pub(crate) fn closest_name<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 4);
    known
        .iter()
        .map(|candidate| (strsim::levenshtein(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summarize_sample;

    fn known() -> Vec<String> {
        [
            "jobs.expired.fraction",
            "end_to_end_days.p90",
            "drives.destroyed",
        ]
        .map(String::from)
        .to_vec()
    }

    #[track_caller]
    fn error(text: &str) -> String {
        match parse_guards(text, "g.toml", &known()) {
            Ok(guards) => panic!("accepted {text:?} as {guards:?}"),
            Err(error) => error.to_string(),
        }
    }

    fn comparison(name: &str, baseline: f64, diffs: &[f64]) -> MetricComparison {
        let diff = summarize_sample(diffs);
        MetricComparison {
            name: name.to_string(),
            baseline: Some(baseline),
            candidate: diff.mean.map(|mean| baseline + mean),
            diff,
        }
    }

    #[test]
    fn reads_every_limit_kind() {
        let text = "[[guard]]\nmetric = \"jobs.expired.fraction\"\nmax_increase = 0.01\n\n\
                    [[guard]]\nmetric = \"end_to_end_days.p90\"\nmax_increase_pct = 5\n\n\
                    [[guard]]\nmetric = \"drives.destroyed\"\nmax_decrease = 2.5\n\n\
                    [[guard]]\nmetric = \"drives.destroyed\"\nmax_decrease_pct = 0.0\n";
        let guards = parse_guards(text, "g.toml", &known()).unwrap();
        let got: Vec<(&str, LimitKind, f64)> = guards
            .iter()
            .map(|guard| (guard.metric.as_str(), guard.limit, guard.amount))
            .collect();
        assert_eq!(
            got,
            [
                ("jobs.expired.fraction", LimitKind::MaxIncrease, 0.01),
                ("end_to_end_days.p90", LimitKind::MaxIncreasePct, 5.0),
                ("drives.destroyed", LimitKind::MaxDecrease, 2.5),
                ("drives.destroyed", LimitKind::MaxDecreasePct, 0.0),
            ]
        );
        assert!(guards[1].origin.starts_with("g.toml:5:"), "{guards:?}");
        assert!(parse_guards("", "g.toml", &known()).unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_line_and_what_is_wrong() {
        let unknown = error("[[guard]]\nmetric = \"jobs.expird.fraction\"\nmax_increase = 1\n");
        assert!(unknown.starts_with("g.toml:2:10: unknown metric `jobs.expird.fraction`"));
        assert!(
            unknown.contains("did you mean `jobs.expired.fraction`"),
            "{unknown}"
        );
        assert!(
            !error("[[guard]]\nmetric = \"nothing.like.it\"\nmax_increase = 1\n")
                .contains("did you mean")
        );

        let malformed = error("[[guard]]\nmetric = \"drives.destroyed\"\nmax_increase = \n");
        assert!(malformed.starts_with("g.toml:3:"), "{malformed}");
        let unknown_key = error("[[guard]]\nmetric = \"drives.destroyed\"\nmax_raise = 1\n");
        assert!(unknown_key.starts_with("g.toml:3:1:"), "{unknown_key}");
        assert!(unknown_key.contains("max_raise"), "{unknown_key}");
        let wrong_table = error("[[guards]]\nmetric = \"drives.destroyed\"\n");
        assert!(wrong_table.contains("guards"), "{wrong_table}");
        let wrong_type = error("[[guard]]\nmetric = \"drives.destroyed\"\nmax_increase = \"1\"\n");
        assert!(wrong_type.starts_with("g.toml:3:"), "{wrong_type}");

        let none = error("[[guard]]\nmetric = \"drives.destroyed\"\n");
        assert!(none.contains("has no limit"), "{none}");
        assert!(none.starts_with("g.toml:"), "{none}");
        let two =
            error("[[guard]]\nmetric = \"drives.destroyed\"\nmax_increase = 1\nmax_decrease = 1\n");
        assert!(two.starts_with("g.toml:4:16:"), "{two}");
        assert!(two.contains("max_increase and max_decrease"), "{two}");
        let negative = error("[[guard]]\nmetric = \"drives.destroyed\"\nmax_increase = -1\n");
        assert!(negative.starts_with("g.toml:3:16:"), "{negative}");
        assert!(negative.contains("at least 0"), "{negative}");
        let missing = error("[[guard]]\nmax_increase = 1\n");
        assert!(missing.contains("metric"), "{missing}");
    }

    #[test]
    fn fails_only_beyond_the_limit_and_significant() {
        let guard = |limit: LimitKind, amount: f64| Guard {
            metric: "m".to_string(),
            limit,
            amount,
            origin: "g.toml:1:1".to_string(),
        };
        let check = |guard: Guard, diffs: &[f64], failed: bool| {
            let verdict = &evaluate(&[guard], &[comparison("m", 20.0, diffs)])[0];
            assert_eq!(verdict.failed, failed, "{}", verdict.line());
        };
        let up = [1.9, 2.0, 2.1, 2.0];
        let noisy_up = [5.0, -4.0, 6.0, -3.0];
        check(guard(LimitKind::MaxIncrease, 1.0), &up, true);
        check(guard(LimitKind::MaxIncrease, 3.0), &up, false);
        check(guard(LimitKind::MaxIncrease, 1.0), &noisy_up, false);
        check(guard(LimitKind::MaxDecrease, 0.0), &up, false);
        check(guard(LimitKind::MaxDecrease, 1.0), &[-2.0; 4], true);
        // 5% of a baseline of 20 allows +1.
        check(guard(LimitKind::MaxIncreasePct, 5.0), &up, true);
        check(guard(LimitKind::MaxIncreasePct, 15.0), &up, false);
        check(guard(LimitKind::MaxDecreasePct, 5.0), &[-1.5; 4], true);
        check(guard(LimitKind::MaxIncrease, 0.0), &[0.0; 4], false);
        // One pair has no interval: never significant.
        check(guard(LimitKind::MaxIncrease, 0.0), &[5.0], false);
    }

    #[test]
    fn verdict_lines() {
        let guard = Guard {
            metric: "m".to_string(),
            limit: LimitKind::MaxIncreasePct,
            amount: 5.0,
            origin: "g.toml:1:1".to_string(),
        };
        let verdict = &evaluate(&[guard], &[comparison("m", 20.0, &[2.0; 3])])[0];
        assert_eq!(
            verdict.line(),
            "FAIL m: diff +2 (95% CI +2..+2, n 3), limit max_increase_pct 5% of baseline 20 = +1"
        );
        let guard = Guard {
            metric: "m".to_string(),
            limit: LimitKind::MaxDecrease,
            amount: 0.5,
            origin: "g.toml:1:1".to_string(),
        };
        let verdict = &evaluate(&[guard], &[comparison("m", 20.0, &[1.0, -1.0])])[0];
        assert!(
            verdict.line().starts_with("PASS m: diff +0 (95% CI -"),
            "{}",
            verdict.line()
        );
        assert!(
            verdict
                .line()
                .ends_with(", n 2, not significant), limit max_decrease 0.5"),
            "{}",
            verdict.line()
        );
    }

    /// Guard lines printed counts and their intervals with six decimals
    /// (`+38.582345..+79.417655`) and fractions in a unit of their own.
    #[test]
    fn guard_lines_print_counts_with_six_decimals() {
        let guard = |metric: &str, limit: LimitKind, amount: f64| Guard {
            metric: metric.to_string(),
            limit,
            amount,
            origin: "g.toml:1:1".to_string(),
        };
        let destroyed = comparison("drives.destroyed", 14.0, &[59.0, 50.0, 68.0]);
        let verdict = &evaluate(
            &[guard("drives.destroyed", LimitKind::MaxIncrease, 0.0)],
            &[destroyed],
        )[0];
        // Diffs 59, 50, 68: sd 9, half width 4.3027 x 9 / sqrt(3) = 22.36.
        assert_eq!(
            verdict.line(),
            "FAIL drives.destroyed: diff +59 (95% CI +36.6..+81.4, n 3), limit max_increase 0"
        );
        let expired = comparison("jobs.expired.fraction", 0.07, &[0.0214, 0.019, 0.0238]);
        let verdicts = evaluate(
            &[
                guard("jobs.expired.fraction", LimitKind::MaxIncrease, 0.005),
                guard("jobs.expired.fraction", LimitKind::MaxDecreasePct, 10.0),
            ],
            &[expired],
        );
        // Mean 0.0214, sd 0.0024, half width 4.3027 x 0.0024 / sqrt(3) = 0.005962.
        assert_eq!(
            verdicts[0].line(),
            "FAIL jobs.expired.fraction: diff +2.14 pp (95% CI +1.544..+2.736 pp, n 3), \
             limit max_increase 0.005 = +0.5 pp"
        );
        assert_eq!(
            verdicts[1].line(),
            "PASS jobs.expired.fraction: diff +2.14 pp (95% CI +1.544..+2.736 pp, n 3), \
             limit max_decrease_pct 10% of baseline 7% = -0.7 pp"
        );
    }
}
