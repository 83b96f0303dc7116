//! Numbers as the terminal shows them, one rule per unit, shared by the run
//! summary, the sweep and compare tables and the guard lines, so a metric
//! reads the same wherever a person meets it. (The files keep every digit:
//! `write_number`.)
//!
//! - `Fraction`: a percentage with four significant digits (`70.51%`,
//!   `0.4135%`); a change of a fraction in percentage points (`+0.5 pp`), so
//!   it is never mistaken for a relative change.
//! - `Count`: a whole number as an integer (`59`); a mean over replications,
//!   which need not be whole, with one decimal (`5.9`).
//! - `Days`, `TimeAverage`, `PerWeek`: four significant digits (`11.88`,
//!   `0.09826`, `1234568`).
//!
//! A value that does not exist is `-`. A change carries its sign (`+0`,
//! `-2.473`).

use super::metrics::UnitKind;

/// A metric's value, e.g. `70.51%`, `59`, `11.88`; `-` when absent.
pub fn show_value(unit: UnitKind, value: Option<f64>) -> String {
    match value {
        Some(value) => format!("{}{}", digits(unit, value, false), value_suffix(unit)),
        None => "-".to_string(),
    }
}

/// A change of a metric, with its sign, e.g. `+0.5 pp`, `-59`, `+2.473`;
/// `-` when absent.
pub fn show_change(unit: UnitKind, change: Option<f64>) -> String {
    match change {
        Some(change) => format!("{}{}", digits(unit, change, true), change_suffix(unit)),
        None => "-".to_string(),
    }
}

/// An interval of a change, e.g. `+1.9..+2.38 pp`; `-` when absent.
pub fn show_interval(unit: UnitKind, interval: Option<(f64, f64)>) -> String {
    match interval {
        Some((low, high)) => format!(
            "{}..{}{}",
            digits(unit, low, true),
            digits(unit, high, true),
            change_suffix(unit)
        ),
        None => "-".to_string(),
    }
}

/// The number part: percent for fractions, one decimal for counts, four
/// significant digits otherwise.
fn digits(unit: UnitKind, value: f64, sign: bool) -> String {
    let text = match unit {
        UnitKind::Fraction => significant(value * 100.0),
        UnitKind::Count => trimmed(format!("{value:.1}")),
        UnitKind::Days | UnitKind::TimeAverage | UnitKind::PerWeek => significant(value),
    };
    let text = if text == "-0" { "0".to_string() } else { text };
    if sign && !text.starts_with('-') {
        format!("+{text}")
    } else {
        text
    }
}

fn value_suffix(unit: UnitKind) -> &'static str {
    match unit {
        UnitKind::Fraction => "%",
        UnitKind::Count | UnitKind::Days | UnitKind::TimeAverage | UnitKind::PerWeek => "",
    }
}

fn change_suffix(unit: UnitKind) -> &'static str {
    match unit {
        UnitKind::Fraction => " pp",
        UnitKind::Count | UnitKind::Days | UnitKind::TimeAverage | UnitKind::PerWeek => "",
    }
}

/// Four significant digits, at most six decimals, trailing zeros removed.
fn significant(value: f64) -> String {
    let magnitude = if value == 0.0 {
        0
    } else {
        value.abs().log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    trimmed(format!("{value:.decimals$}"))
}

/// Trailing zeros of the decimals removed, and the point if nothing is left.
fn trimmed(mut text: String) -> String {
    if text.contains('.') {
        let length = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(length);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_their_unit() {
        let check = |unit: UnitKind, value: f64, expected: &str| {
            assert_eq!(show_value(unit, Some(value)), expected, "{unit:?} {value}");
        };
        check(UnitKind::Fraction, 0.705123, "70.51%");
        check(UnitKind::Fraction, 0.75, "75%");
        check(UnitKind::Fraction, 0.004135, "0.4135%");
        check(UnitKind::Fraction, 1.0, "100%");
        check(UnitKind::Fraction, 0.0, "0%");
        check(UnitKind::Count, 59.0, "59");
        check(UnitKind::Count, 5.9, "5.9");
        check(UnitKind::Count, 264.83, "264.8");
        check(UnitKind::Count, 100_037.0, "100037");
        check(UnitKind::Days, 11.8765, "11.88");
        check(UnitKind::Days, 0.098257, "0.09826");
        check(UnitKind::Days, 5988.7, "5989");
        check(UnitKind::TimeAverage, 157.32, "157.3");
        check(UnitKind::PerWeek, 3.97777, "3.978");
        assert_eq!(show_value(UnitKind::Days, None), "-");
    }

    #[test]
    fn changes_carry_a_sign_and_fractions_percentage_points() {
        let check = |unit: UnitKind, change: f64, expected: &str| {
            assert_eq!(
                show_change(unit, Some(change)),
                expected,
                "{unit:?} {change}"
            );
        };
        check(UnitKind::Fraction, 0.005, "+0.5 pp");
        check(UnitKind::Fraction, -0.000425, "-0.0425 pp");
        check(UnitKind::Fraction, 0.0, "+0 pp");
        check(UnitKind::Count, 59.0, "+59");
        check(UnitKind::Count, -0.04, "+0");
        check(UnitKind::Days, -2.4731, "-2.473");
        check(UnitKind::Days, -0.0000001, "+0");
        check(UnitKind::Days, -733.222539, "-733.2");
        assert_eq!(
            show_interval(UnitKind::Fraction, Some((0.019, 0.0238))),
            "+1.9..+2.38 pp"
        );
        assert_eq!(
            show_interval(UnitKind::Count, Some((38.58234, 79.41766))),
            "+38.6..+79.4"
        );
        assert_eq!(show_interval(UnitKind::Days, None), "-");
    }
}
