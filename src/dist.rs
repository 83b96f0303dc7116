//! Distributions and durations as scenario files write them (docs/model.md,
//! Scenario files; README, Scenarios).
//!
//! - `parse_duration` / `format_duration`: duration text such as `"2d 12h"`.
//! - `Probability`: an `f64` known to lie in `[0, 1]`.
//! - `Dist`: a validated distribution over `f64` (`DistKind` names its family
//!   and parameters) with its sampler built once, at construction, because
//!   sampling runs about a hundred times per simulated job.
//! - `DurationDist` and `NumberDist`: a `Dist` read from TOML, over durations
//!   (stored in milliseconds) or plain quantities.
//!
//! Invariant: a `Dist` can only be built through validation, so `sample`
//! never fails and never loops for long (a truncated normal has a positive
//! mean, so at least half of its raw draws are accepted).

use std::fmt;

use rand::Rng;
use rand::distr::{Distribution, Uniform};
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Exp, LogNormal, Normal, Triangular};
use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::echo;
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, SimDuration};

/// What every duration error says is expected.
const DURATION_EXPECTED: &str =
    "a duration like \"90s\", \"45m\", \"36h\", \"14d\" or \"2d 12h\" (units ms, s, m, h, d)";

/// The `dist` names a distribution table may use, in the order errors list them.
pub const DIST_NAMES: [&str; 8] = [
    "constant",
    "exponential",
    "uniform",
    "lognormal",
    "triangular",
    "normal",
    "empirical",
    "uniform_int",
];

/// The longest duration accepted [ms]: far beyond any study, and small enough
/// that sums of a few durations cannot overflow the clock.
const MAX_DURATION_MS: i64 = i64::MAX / 4;

/// A probability: a number within `[0, 1]`.
///
/// Deserializes from a TOML integer or float and rejects values outside the
/// range, so a `Probability` is valid by construction.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Probability(f64);

/// A family of distributions with its parameters, as a scenario writes it.
///
/// For a `DurationDist` every time parameter is in milliseconds; `sigma` and
/// `weights` are plain numbers in every case.
#[derive(Clone, Debug, PartialEq)]
pub enum DistKind {
    /// Always `value`.
    Constant { value: f64 },
    /// Exponential with this mean (> 0).
    Exponential { mean: f64 },
    /// Continuous uniform on `[min, max]` (`max` > 0).
    Uniform { min: f64, max: f64 },
    /// Log-normal: `median` (> 0) is `exp(mu)`, `sigma` the standard deviation
    /// of the logarithm.
    LogNormal { median: f64, sigma: f64 },
    /// Triangular on `[min, max]` peaking at `mode` (`max` > 0).
    Triangular { min: f64, mode: f64, max: f64 },
    /// Normal with this `mean` (> 0) and `sd`, truncated at zero: draws are
    /// repeated until one is positive.
    Normal { mean: f64, sd: f64 },
    /// One of `values`, picked with probability proportional to `weights`
    /// (same length; equal weights when the scenario gives none).
    Empirical { values: Vec<f64>, weights: Vec<f64> },
    /// An integer uniform on `[min, max]`, both included (for counts).
    UniformInt { min: i64, max: i64 },
}

/// A validated distribution over `f64` with its sampler precomputed.
///
/// Two `Dist`s are equal when their families and parameters are.
#[derive(Clone, Debug)]
pub struct Dist {
    kind: DistKind,
    sampler: Sampler,
}

/// A distribution of durations, read from a duration string (a constant) or
/// a table such as `{ dist = "exponential", mean = "2d" }`.
///
/// Time parameters (`value`, `mean`, `min`, `max`, `median`, `mode`, `sd`,
/// `values`) are duration strings; `sigma` and `weights` are plain numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationDist(Dist);

/// A distribution of a plain, non-negative quantity (drives, TB, MB/s), read
/// from a bare number (a constant) or a table such as
/// `{ dist = "uniform", min = 1.0, max = 16.0 }`.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberDist(Dist);

/// A distribution of a quantity that must be positive (a copy throughput
/// [MB/s]), read like a `NumberDist`. It gives no weight to zero (no
/// constant, empirical value or `uniform_int` `min` of 0), and at least half
/// of its raw draws are positive (they reach `half_of_draws_reach`, at least
/// `f64::MIN_POSITIVE`), so `sample`, which redraws until a draw is
/// positive, takes two raw draws on average and always ends (docs/model.md, Copy).
#[derive(Clone, Debug, PartialEq)]
pub struct PositiveNumberDist(NumberDist);

/// The precomputed sampler behind a `Dist`. Degenerate cases (`min == max`,
/// zero spread, one value) are folded into `Constant`.
#[derive(Clone, Debug)]
enum Sampler {
    Constant(f64),
    Exponential(Exp<f64>),
    Uniform(Uniform<f64>),
    LogNormal(LogNormal<f64>),
    Triangular(Triangular<f64>),
    TruncatedNormal(Normal<f64>),
    Empirical {
        values: Vec<f64>,
        index: WeightedAliasIndex<f64>,
    },
    UniformInt(Uniform<i64>),
}

/// Which kind of scalar a distribution table holds: decides how parameters are
/// read from TOML and shown in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScalarKind {
    /// Duration strings, stored in milliseconds.
    Duration,
    /// Plain numbers.
    Number,
}

/// Parses duration text: one or more `<number><unit>` parts, optionally
/// separated by spaces, with units `ms`, `s`, `m`, `h`, `d` (`"0s"`, `"90s"`,
/// `"1.5d"`, `"2d 12h"`). The result is rounded to the millisecond.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let fail = |why: &str| {
        Err(format!(
            "{why}: expected {DURATION_EXPECTED}, got {}",
            echo::quote(text)
        ))
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return fail("empty duration");
    }
    if trimmed.starts_with('-') {
        return fail("negative duration");
    }
    let mut total_ms: i64 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number_text = &rest[..number_len];
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        if number_text.is_empty() {
            return fail("expected a number before each unit");
        }
        let ms_per_unit = match unit {
            "ms" => 1,
            "s" => MS_PER_SECOND,
            "m" => MS_PER_MINUTE,
            "h" => MS_PER_HOUR,
            "d" => MS_PER_DAY,
            "" => return fail("missing unit"),
            _ => return fail(&format!("unknown unit {}", echo::quote(unit))),
        };
        // Whole numbers stay in integers so that "365d" is exact; decimals go
        // through f64 and are rounded to the millisecond.
        let part_ms = if let Ok(whole) = number_text.parse::<i64>() {
            whole.checked_mul(ms_per_unit)
        } else if let Ok(decimal) = number_text.parse::<f64>() {
            let ms = (decimal * ms_per_unit as f64).round();
            (ms < MAX_DURATION_MS as f64).then_some(ms as i64)
        } else {
            return fail(&format!("{} is not a number", echo::quote(number_text)));
        };
        total_ms = match part_ms.and_then(|part| total_ms.checked_add(part)) {
            Some(total) if total <= MAX_DURATION_MS => total,
            _ => return fail("duration too long"),
        };
    }
    Ok(SimDuration(total_ms))
}

/// Writes a duration the way scenario files do, largest unit first, zero parts
/// left out: `"2d 12h"`, `"1m 30s"`, `"250ms"`, `"0s"`. `parse_duration`
/// reads it back exactly.
pub fn format_duration(duration: SimDuration) -> String {
    let mut ms = duration.ms().unsigned_abs();
    if ms == 0 {
        return "0s".to_string();
    }
    let units = [
        (MS_PER_DAY, "d"),
        (MS_PER_HOUR, "h"),
        (MS_PER_MINUTE, "m"),
        (MS_PER_SECOND, "s"),
        (1, "ms"),
    ];
    let mut parts = Vec::new();
    for (ms_per_unit, unit) in units {
        let ms_per_unit = ms_per_unit as u64;
        if ms >= ms_per_unit {
            parts.push(format!("{}{unit}", ms / ms_per_unit));
            ms %= ms_per_unit;
        }
    }
    let sign = if duration.ms() < 0 { "-" } else { "" };
    format!("{sign}{}", parts.join(" "))
}

/// Describes a TOML value for an error message: strings quoted, numbers as
/// written, arrays and tables by kind.
pub fn describe_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => echo::quote(text),
        toml::Value::Integer(number) => format!("integer {number}"),
        toml::Value::Float(number) => format!("float {}", echo::number(*number)),
        toml::Value::Boolean(flag) => format!("boolean {flag}"),
        toml::Value::Datetime(datetime) => format!("datetime {datetime}"),
        toml::Value::Array(_) => format!("an array {}", echo::cut(&value.to_string())),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

impl Probability {
    /// Never.
    pub const ZERO: Probability = Probability(0.0);
    /// Always.
    pub const ONE: Probability = Probability(1.0);

    /// Checks that `p` lies within `[0, 1]`.
    pub fn new(p: f64) -> Result<Probability, String> {
        if (0.0..=1.0).contains(&p) {
            Ok(Probability(p))
        } else {
            Err(format!(
                "expected a probability within [0, 1], got {}",
                echo::number(p)
            ))
        }
    }

    /// The probability as a number within `[0, 1]`.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Probability {
    type Error = String;
    fn try_from(p: f64) -> Result<Probability, String> {
        Probability::new(p)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Probability, D::Error> {
        let p = deserializer.deserialize_any(NumberVisitor("a probability within [0, 1]"))?;
        Probability::new(p).map_err(de::Error::custom)
    }
}

/// A serde visitor that reads any number (integer or float) as `f64`; the
/// text is what a type error says was expected.
pub(crate) struct NumberVisitor(pub &'static str);

impl Visitor<'_> for NumberVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
}

impl DistKind {
    /// The `dist` name a scenario uses for this family.
    pub fn name(&self) -> &'static str {
        match self {
            DistKind::Constant { .. } => "constant",
            DistKind::Exponential { .. } => "exponential",
            DistKind::Uniform { .. } => "uniform",
            DistKind::LogNormal { .. } => "lognormal",
            DistKind::Triangular { .. } => "triangular",
            DistKind::Normal { .. } => "normal",
            DistKind::Empirical { .. } => "empirical",
            DistKind::UniformInt { .. } => "uniform_int",
        }
    }
}

impl Dist {
    /// Validates the parameters and builds the sampler.
    pub fn new(kind: DistKind) -> Result<Dist, String> {
        Dist::with_units(kind, &echo::number)
    }

    /// A distribution that always gives `value`.
    pub fn constant(value: f64) -> Dist {
        Dist {
            kind: DistKind::Constant { value },
            sampler: Sampler::Constant(value),
        }
    }

    /// The family and parameters.
    pub fn kind(&self) -> &DistKind {
        &self.kind
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.sampler {
            Sampler::Constant(value) => *value,
            Sampler::Exponential(exp) => exp.sample(rng),
            Sampler::Uniform(uniform) => uniform.sample(rng),
            Sampler::LogNormal(lognormal) => lognormal.sample(rng),
            Sampler::Triangular(triangular) => triangular.sample(rng),
            Sampler::TruncatedNormal(normal) => loop {
                // The mean is positive (validated), so each draw is accepted
                // with probability at least 1/2.
                let draw = normal.sample(rng);
                if draw > 0.0 {
                    break draw;
                }
            },
            Sampler::Empirical { values, index } => values[index.sample(rng)],
            Sampler::UniformInt(uniform) => uniform.sample(rng) as f64,
        }
    }

    /// The theoretical mean (for the normal, the mean after truncation at zero).
    pub fn mean(&self) -> f64 {
        match &self.kind {
            DistKind::Constant { value } => *value,
            DistKind::Exponential { mean } => *mean,
            DistKind::Uniform { min, max } => (min + max) / 2.0,
            DistKind::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            DistKind::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            DistKind::Normal { mean, sd } => truncated_normal_mean(*mean, *sd),
            DistKind::Empirical { values, weights } => {
                let total: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
            }
            DistKind::UniformInt { min, max } => (*min as f64 + *max as f64) / 2.0,
        }
    }

    /// The value if the distribution is a constant.
    pub fn as_constant(&self) -> Option<f64> {
        match self.sampler {
            Sampler::Constant(value) => Some(value),
            _ => None,
        }
    }

    /// The largest value a draw takes in practice: the maximum of a bounded
    /// family; for the exponential, the log-normal and the normal, the value
    /// a draw exceeds with a probability below 1e-18 (42 means; 9 standard
    /// deviations of the normal, or of the logarithm for the log-normal:
    /// `P(Z > 9)` = 1.1e-19, at most doubled by the normal's truncation).
    pub fn practical_max(&self) -> f64 {
        match &self.kind {
            DistKind::Constant { value } => *value,
            DistKind::Exponential { mean } => 42.0 * mean,
            DistKind::Uniform { max, .. } | DistKind::Triangular { max, .. } => *max,
            DistKind::LogNormal { median, sigma } => median * (9.0 * sigma).exp(),
            DistKind::Normal { mean, sd } => mean + 9.0 * sd,
            DistKind::Empirical { values, weights } => values
                .iter()
                .zip(weights)
                .filter(|(_, weight)| **weight > 0.0)
                .map(|(value, _)| *value)
                .fold(f64::NEG_INFINITY, f64::max),
            DistKind::UniformInt { max, .. } => *max as f64,
        }
    }

    /// A value that at least half of the draws reach or exceed (before a
    /// normal's truncation: for the normal, its `mean`).
    fn half_of_draws_reach(&self) -> f64 {
        match &self.kind {
            DistKind::Constant { value } => *value,
            DistKind::Exponential { mean } => mean * std::f64::consts::LN_2,
            DistKind::Uniform { min, max } => min + (max - min) / 2.0,
            DistKind::LogNormal { median, .. } => *median,
            DistKind::Triangular { min, mode, max } => {
                // The median of the triangular distribution.
                let (width, rise) = (max - min, mode - min);
                if rise >= width / 2.0 {
                    min + (width * rise / 2.0).sqrt()
                } else {
                    max - (width * (max - mode) / 2.0).sqrt()
                }
            }
            DistKind::Normal { mean, .. } => *mean,
            DistKind::Empirical { values, weights } => {
                // The largest value whose weight and that of every larger
                // value make up at least half of the total.
                let mut pairs: Vec<(f64, f64)> = values
                    .iter()
                    .copied()
                    .zip(weights.iter().copied())
                    .collect();
                pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
                let total: f64 = weights.iter().sum();
                let mut above = 0.0;
                pairs
                    .iter()
                    .find(|(_, weight)| {
                        above += weight;
                        above >= total / 2.0
                    })
                    .map_or(f64::NEG_INFINITY, |(value, _)| *value)
            }
            DistKind::UniformInt { min, max } => (min + (max - min) / 2) as f64,
        }
    }

    /// Validates `kind`, showing values in messages with `show` (durations
    /// as duration text, numbers as numbers).
    fn with_units(kind: DistKind, show: &dyn Fn(f64) -> String) -> Result<Dist, String> {
        let finite = |name: &str, x: f64| {
            if x.is_finite() {
                Ok(())
            } else {
                Err(format!(
                    "`{name}`: expected a finite number, got {}",
                    echo::number(x)
                ))
            }
        };
        let positive = |name: &str, x: f64| {
            finite(name, x)?;
            if x > 0.0 {
                Ok(())
            } else {
                Err(format!("`{name}` must be positive, got {}", show(x)))
            }
        };
        let non_negative_spread = |name: &str, x: f64| {
            finite(name, x)?;
            if x >= 0.0 {
                Ok(())
            } else {
                Err(format!(
                    "`{name}` must not be negative, got {}",
                    echo::number(x)
                ))
            }
        };
        let ordered = |low_name: &str, low: f64, high_name: &str, high: f64| {
            if low <= high {
                Ok(())
            } else {
                Err(format!(
                    "`{high_name}` ({}) must not be less than `{low_name}` ({})",
                    show(high),
                    show(low)
                ))
            }
        };
        let sampler = match &kind {
            DistKind::Constant { value } => {
                finite("value", *value)?;
                Sampler::Constant(*value)
            }
            DistKind::Exponential { mean } => {
                positive("mean", *mean)?;
                Sampler::Exponential(Exp::new(1.0 / mean).map_err(|e| e.to_string())?)
            }
            DistKind::Uniform { min, max } => {
                finite("min", *min)?;
                positive("max", *max)?;
                ordered("min", *min, "max", *max)?;
                if min == max {
                    Sampler::Constant(*min)
                } else {
                    Sampler::Uniform(Uniform::new_inclusive(*min, *max).map_err(|e| e.to_string())?)
                }
            }
            DistKind::LogNormal { median, sigma } => {
                positive("median", *median)?;
                non_negative_spread("sigma", *sigma)?;
                if *sigma == 0.0 {
                    Sampler::Constant(*median)
                } else {
                    Sampler::LogNormal(
                        LogNormal::new(median.ln(), *sigma).map_err(|e| e.to_string())?,
                    )
                }
            }
            DistKind::Triangular { min, mode, max } => {
                finite("min", *min)?;
                finite("mode", *mode)?;
                positive("max", *max)?;
                ordered("min", *min, "max", *max)?;
                if !(min <= mode && mode <= max) {
                    return Err(format!(
                        "`mode` ({}) must lie within [`min`, `max`] = [{}, {}]",
                        show(*mode),
                        show(*min),
                        show(*max)
                    ));
                }
                if min == max {
                    Sampler::Constant(*min)
                } else {
                    Sampler::Triangular(
                        Triangular::new(*min, *max, *mode).map_err(|e| e.to_string())?,
                    )
                }
            }
            DistKind::Normal { mean, sd } => {
                positive("mean", *mean)?;
                non_negative_spread("sd", *sd)?;
                if *sd == 0.0 {
                    Sampler::Constant(*mean)
                } else {
                    Sampler::TruncatedNormal(Normal::new(*mean, *sd).map_err(|e| e.to_string())?)
                }
            }
            DistKind::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err("`values` must not be empty".to_string());
                }
                if weights.len() != values.len() {
                    return Err(format!(
                        "`weights` must have one weight per value: {} values, {} weights",
                        values.len(),
                        weights.len()
                    ));
                }
                for value in values {
                    finite("values", *value)?;
                }
                for weight in weights {
                    non_negative_spread("weights", *weight)?;
                }
                if weights.iter().sum::<f64>() <= 0.0 {
                    return Err("`weights` must have a positive sum".to_string());
                }
                if values.len() == 1 {
                    Sampler::Constant(values[0])
                } else {
                    Sampler::Empirical {
                        values: values.clone(),
                        index: WeightedAliasIndex::new(weights.clone())
                            .map_err(|e| format!("`weights`: {e}"))?,
                    }
                }
            }
            DistKind::UniformInt { min, max } => {
                positive("max", *max as f64)?;
                ordered("min", *min as f64, "max", *max as f64)?;
                if min == max {
                    Sampler::Constant(*min as f64)
                } else {
                    Sampler::UniformInt(
                        Uniform::new_inclusive(*min, *max).map_err(|e| e.to_string())?,
                    )
                }
            }
        };
        Ok(Dist { kind, sampler })
    }

    /// Validates `kind` as a distribution of durations [ms] or of quantities:
    /// never negative, and `uniform_int` only for quantities.
    fn checked(kind: DistKind, scalar_kind: ScalarKind) -> Result<Dist, String> {
        if scalar_kind == ScalarKind::Duration && matches!(kind, DistKind::UniformInt { .. }) {
            return Err("uniform_int is for counts; use uniform for durations".to_string());
        }
        check_non_negative(&kind, scalar_kind)?;
        Dist::with_units(kind, &|x| scalar_kind.show(x))
    }

    /// Reads a distribution from a TOML value: a bare scalar is a constant, a
    /// table picks its family with `dist`.
    fn from_toml(value: &toml::Value, scalar_kind: ScalarKind) -> Result<Dist, String> {
        match value {
            toml::Value::Table(table) => {
                let kind = kind_from_table(table, scalar_kind)?;
                let name = kind.name();
                Dist::checked(kind, scalar_kind).map_err(|message| format!("{name}: {message}"))
            }
            other => {
                let value = scalar_kind.read(other).map_err(|message| {
                    format!(
                        "{message}, or a distribution table {}",
                        scalar_kind.table_example()
                    )
                })?;
                Dist::checked(DistKind::Constant { value }, scalar_kind)
            }
        }
    }
}

impl PartialEq for Dist {
    fn eq(&self, other: &Dist) -> bool {
        self.kind == other.kind
    }
}

impl DurationDist {
    /// Always `duration`.
    pub fn constant(duration: SimDuration) -> DurationDist {
        DurationDist(Dist::constant(duration.ms() as f64))
    }

    /// Validates a distribution whose time parameters are in milliseconds.
    pub fn new(kind: DistKind) -> Result<DurationDist, String> {
        Dist::checked(kind, ScalarKind::Duration).map(DurationDist)
    }

    /// Reads a duration string (a constant) or a distribution table.
    pub fn from_toml(value: &toml::Value) -> Result<DurationDist, String> {
        Dist::from_toml(value, ScalarKind::Duration).map(DurationDist)
    }

    /// One draw, rounded to the millisecond.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        SimDuration::from_ms_f64(self.0.sample(rng))
    }

    /// The theoretical mean, rounded to the millisecond.
    pub fn mean(&self) -> SimDuration {
        SimDuration::from_ms_f64(self.0.mean())
    }

    /// The duration if the distribution is a constant.
    pub fn as_constant(&self) -> Option<SimDuration> {
        self.0.as_constant().map(SimDuration::from_ms_f64)
    }

    /// The underlying distribution [ms].
    pub fn dist(&self) -> &Dist {
        &self.0
    }
}

impl NumberDist {
    /// Always `value`.
    pub fn constant(value: f64) -> NumberDist {
        NumberDist(Dist::constant(value))
    }

    /// Validates a distribution of a non-negative quantity.
    pub fn new(kind: DistKind) -> Result<NumberDist, String> {
        Dist::checked(kind, ScalarKind::Number).map(NumberDist)
    }

    /// Reads a bare number (a constant) or a distribution table.
    pub fn from_toml(value: &toml::Value) -> Result<NumberDist, String> {
        Dist::from_toml(value, ScalarKind::Number).map(NumberDist)
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.0.sample(rng)
    }

    /// The theoretical mean.
    pub fn mean(&self) -> f64 {
        self.0.mean()
    }

    /// The value if the distribution is a constant.
    pub fn as_constant(&self) -> Option<f64> {
        self.0.as_constant()
    }

    /// The underlying distribution.
    pub fn dist(&self) -> &Dist {
        &self.0
    }
}

impl PositiveNumberDist {
    /// Validates a distribution of a positive quantity.
    pub fn new(kind: DistKind) -> Result<PositiveNumberDist, String> {
        let name = kind.name();
        let dist = NumberDist::new(kind)?;
        check_positive(dist.dist()).map_err(|message| match dist.dist().kind() {
            DistKind::Constant { .. } => message,
            _ => format!("{name}: {message}"),
        })?;
        Ok(PositiveNumberDist(dist))
    }

    /// Reads a bare number (a constant) or a distribution table.
    pub fn from_toml(value: &toml::Value) -> Result<PositiveNumberDist, String> {
        let dist = NumberDist::from_toml(value)?;
        PositiveNumberDist::new(dist.dist().kind().clone())
    }

    /// One positive draw: raw draws are repeated until one is positive.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            // At least half of the raw draws are positive (validated).
            let value = self.0.sample(rng);
            if value > 0.0 {
                return value;
            }
        }
    }

    /// The value if the distribution is a constant.
    pub fn as_constant(&self) -> Option<f64> {
        self.0.as_constant()
    }

    /// The underlying distribution of the raw draws.
    pub fn dist(&self) -> &Dist {
        self.0.dist()
    }
}

impl<'de> Deserialize<'de> for PositiveNumberDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PositiveNumberDist, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        PositiveNumberDist::from_toml(&value).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for DurationDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DurationDist, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        DurationDist::from_toml(&value).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for NumberDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NumberDist, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        NumberDist::from_toml(&value).map_err(de::Error::custom)
    }
}

impl ScalarKind {
    /// Reads one scalar parameter.
    fn read(self, value: &toml::Value) -> Result<f64, String> {
        match (self, value) {
            (ScalarKind::Duration, toml::Value::String(text)) => {
                parse_duration(text).map(|duration| duration.ms() as f64)
            }
            (ScalarKind::Duration, other) => Err(format!(
                "expected {DURATION_EXPECTED}, got {}",
                describe_value(other)
            )),
            (ScalarKind::Number, toml::Value::Integer(number)) => Ok(*number as f64),
            (ScalarKind::Number, toml::Value::Float(number)) => Ok(*number),
            (ScalarKind::Number, other) => {
                Err(format!("expected a number, got {}", describe_value(other)))
            }
        }
    }

    /// Shows a parameter value in a message.
    fn show(self, x: f64) -> String {
        match self {
            ScalarKind::Duration if x >= 0.0 => format_duration(SimDuration::from_ms_f64(x)),
            ScalarKind::Duration => format!("{} ms", echo::number(x)),
            ScalarKind::Number => echo::number(x),
        }
    }

    fn table_example(self) -> &'static str {
        match self {
            ScalarKind::Duration => "like { dist = \"exponential\", mean = \"2d\" }",
            ScalarKind::Number => "like { dist = \"uniform\", min = 1, max = 16 }",
        }
    }
}

/// Reads the family and parameters of a distribution table.
fn kind_from_table(table: &toml::Table, scalar_kind: ScalarKind) -> Result<DistKind, String> {
    let names = DIST_NAMES.map(|name| format!("\"{name}\"")).join(", ");
    let name = match table.get("dist") {
        Some(toml::Value::String(name)) => name.as_str(),
        Some(other) => {
            return Err(format!(
                "`dist`: expected one of {names}, got {}",
                describe_value(other)
            ));
        }
        None => return Err(format!("missing `dist`: expected one of {names}")),
    };
    let params = Params {
        family: name,
        table,
        scalar_kind,
    };
    let kind = match name {
        "constant" => {
            params.allow(&["value"])?;
            DistKind::Constant {
                value: params.scalar("value")?,
            }
        }
        "exponential" => {
            params.allow(&["mean"])?;
            DistKind::Exponential {
                mean: params.scalar("mean")?,
            }
        }
        "uniform" => {
            params.allow(&["min", "max"])?;
            DistKind::Uniform {
                min: params.scalar("min")?,
                max: params.scalar("max")?,
            }
        }
        "lognormal" => {
            params.allow(&["median", "sigma"])?;
            DistKind::LogNormal {
                median: params.scalar("median")?,
                sigma: params.number("sigma")?,
            }
        }
        "triangular" => {
            params.allow(&["min", "mode", "max"])?;
            DistKind::Triangular {
                min: params.scalar("min")?,
                mode: params.scalar("mode")?,
                max: params.scalar("max")?,
            }
        }
        "normal" => {
            params.allow(&["mean", "sd"])?;
            DistKind::Normal {
                mean: params.scalar("mean")?,
                sd: params.scalar("sd")?,
            }
        }
        "empirical" => {
            params.allow(&["values", "weights"])?;
            let values = params.list("values", scalar_kind)?;
            let weights = match table.get("weights") {
                Some(_) => params.list("weights", ScalarKind::Number)?,
                None => vec![1.0; values.len()],
            };
            DistKind::Empirical { values, weights }
        }
        "uniform_int" if scalar_kind == ScalarKind::Duration => {
            return Err("uniform_int is for counts; use uniform for durations".to_string());
        }
        "uniform_int" => {
            params.allow(&["min", "max"])?;
            DistKind::UniformInt {
                min: params.integer("min")?,
                max: params.integer("max")?,
            }
        }
        unknown => {
            return Err(format!(
                "unknown dist {}: expected one of {names}",
                echo::quote(unknown)
            ));
        }
    };
    Ok(kind)
}

/// The parameters of one distribution table, read with messages that name
/// the family and the parameter.
struct Params<'a> {
    family: &'a str,
    table: &'a toml::Table,
    scalar_kind: ScalarKind,
}

impl Params<'_> {
    /// Rejects parameters the family does not take.
    fn allow(&self, allowed: &[&str]) -> Result<(), String> {
        for key in self.table.keys() {
            if key != "dist" && !allowed.contains(&key.as_str()) {
                let expected = allowed
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(format!(
                    "{}: unknown parameter `{}`, expected {expected}",
                    self.family,
                    echo::cut(key)
                ));
            }
        }
        Ok(())
    }

    fn get(&self, name: &str) -> Result<&toml::Value, String> {
        self.table
            .get(name)
            .ok_or_else(|| format!("{} needs `{name}`", self.family))
    }

    fn wrap(&self, name: &str, message: String) -> String {
        format!("{}: `{name}`: {message}", self.family)
    }

    /// A time parameter (a duration string for durations, else a number).
    fn scalar(&self, name: &str) -> Result<f64, String> {
        self.scalar_kind
            .read(self.get(name)?)
            .map_err(|message| self.wrap(name, message))
    }

    /// A parameter that is a plain number whatever the distribution holds.
    fn number(&self, name: &str) -> Result<f64, String> {
        ScalarKind::Number
            .read(self.get(name)?)
            .map_err(|message| self.wrap(name, message))
    }

    fn integer(&self, name: &str) -> Result<i64, String> {
        match self.get(name)? {
            toml::Value::Integer(number) => Ok(*number),
            other => Err(self.wrap(
                name,
                format!("expected an integer, got {}", describe_value(other)),
            )),
        }
    }

    fn list(&self, name: &str, kind: ScalarKind) -> Result<Vec<f64>, String> {
        match self.get(name)? {
            toml::Value::Array(items) => items
                .iter()
                .map(|item| kind.read(item))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| self.wrap(name, message)),
            other => Err(self.wrap(
                name,
                format!("expected an array, got {}", describe_value(other)),
            )),
        }
    }
}

/// Every parameter of a duration or quantity distribution that is a value
/// (not a spread or a weight) must be non-negative.
fn check_non_negative(kind: &DistKind, scalar_kind: ScalarKind) -> Result<(), String> {
    let values: Vec<(&str, f64)> = match kind {
        DistKind::Constant { value } => vec![("value", *value)],
        DistKind::Exponential { mean } => vec![("mean", *mean)],
        DistKind::Uniform { min, max } => vec![("min", *min), ("max", *max)],
        DistKind::LogNormal { median, .. } => vec![("median", *median)],
        DistKind::Triangular { min, mode, max } => {
            vec![("min", *min), ("mode", *mode), ("max", *max)]
        }
        DistKind::Normal { mean, .. } => vec![("mean", *mean)],
        DistKind::Empirical { values, .. } => values.iter().map(|v| ("values", *v)).collect(),
        DistKind::UniformInt { min, max } => vec![("min", *min as f64), ("max", *max as f64)],
    };
    for (name, value) in values {
        if value < 0.0 {
            let what = match scalar_kind {
                ScalarKind::Duration => "a duration",
                ScalarKind::Number => "this quantity",
            };
            let prefix = match kind {
                DistKind::Constant { .. } => String::new(),
                _ => format!("`{name}`: "),
            };
            return Err(format!(
                "{prefix}expected a non-negative value ({what} cannot be negative), got {}",
                scalar_kind.show(value)
            ));
        }
    }
    Ok(())
}

/// The checks of a `PositiveNumberDist` beyond those of every `NumberDist`.
fn check_positive(dist: &Dist) -> Result<(), String> {
    const ZERO: &str = "(a copy at 0 MB/s never ends)";
    match dist.kind() {
        DistKind::Constant { value } if *value <= 0.0 => {
            return Err(format!(
                "expected a positive value {ZERO}, got {}",
                echo::number(*value)
            ));
        }
        DistKind::Empirical { values, weights } => {
            let zero = values
                .iter()
                .zip(weights)
                .find(|(value, weight)| **value <= 0.0 && **weight > 0.0);
            if let Some((value, _)) = zero {
                return Err(format!(
                    "`values`: every value must be positive {ZERO}, got {}",
                    echo::number(*value)
                ));
            }
            return Ok(());
        }
        DistKind::UniformInt { min, .. } if *min <= 0 => {
            return Err(format!("`min` must be at least 1 {ZERO}, got {min}"));
        }
        _ => {}
    }
    let half = dist.half_of_draws_reach();
    if half < f64::MIN_POSITIVE {
        return Err(format!(
            "half of the draws would be {} or less: expected a distribution whose draws are \
             mostly positive",
            echo::number(half)
        ));
    }
    Ok(())
}

/// The mean of a normal(`mean`, `sd`) truncated to `(0, inf)`:
/// `mean + sd * phi(a) / Phi(a)` with `a = mean / sd`.
fn truncated_normal_mean(mean: f64, sd: f64) -> f64 {
    if sd == 0.0 {
        return mean;
    }
    let a = mean / sd;
    let density = (-a * a / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cumulative = 0.5 * erfc(-a / std::f64::consts::SQRT_2);
    mean + sd * density / cumulative
}

/// The complementary error function, with fractional error below 1.2e-7
/// everywhere (Numerical Recipes' `erfcc`, a Chebyshev fit); enough for the
/// documented means this module reports.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn value(text: &str) -> toml::Value {
        text.parse::<toml::Value>().unwrap()
    }

    #[test]
    fn parses_durations() {
        let check = |text: &str, ms: i64| {
            assert_eq!(parse_duration(text), Ok(SimDuration(ms)), "{text:?}");
        };
        check("0s", 0);
        check("90s", 90_000);
        check("45m", 45 * MS_PER_MINUTE);
        check("36h", 36 * MS_PER_HOUR);
        check("14d", 14 * MS_PER_DAY);
        check("365d", 365 * MS_PER_DAY);
        check("2d 12h", 2 * MS_PER_DAY + 12 * MS_PER_HOUR);
        check("2d12h", 2 * MS_PER_DAY + 12 * MS_PER_HOUR);
        check(" 1h  30m ", 90 * MS_PER_MINUTE);
        check("250ms", 250);
        check("1.5d", 36 * MS_PER_HOUR);
        check("0.5s", 500);
        check("1d 1d", 2 * MS_PER_DAY);
    }

    #[test]
    fn rejects_bad_durations() {
        let check = |text: &str, needle: &str| {
            let message = parse_duration(text).unwrap_err();
            assert!(message.contains(needle), "{text:?}: {message}");
            assert!(
                message.contains("expected a duration like"),
                "{text:?}: {message}"
            );
        };
        check("", "empty duration");
        check("   ", "empty duration");
        check("-1d", "negative duration");
        check("14", "missing unit");
        check("14 d", "missing unit");
        check("3w", "unknown unit \"w\"");
        check("2d 12x", "unknown unit \"x\"");
        check("d", "expected a number before each unit");
        check("1.2.3d", "is not a number");
        check("99999999999999999999d", "duration too long");
        check("1e9d", "unknown unit \"e\"");
    }

    #[test]
    fn formats_durations_and_reads_them_back() {
        let check = |ms: i64, text: &str| {
            assert_eq!(format_duration(SimDuration(ms)), text);
            assert_eq!(parse_duration(text), Ok(SimDuration(ms)));
        };
        check(0, "0s");
        check(250, "250ms");
        check(90_000, "1m 30s");
        check(2 * MS_PER_DAY + 12 * MS_PER_HOUR, "2d 12h");
        check(14 * MS_PER_DAY, "14d");
        check(MS_PER_DAY + 1, "1d 1ms");
        assert_eq!(format_duration(SimDuration(-MS_PER_HOUR)), "-1h");
    }

    #[test]
    fn probabilities_are_checked() {
        assert_eq!(Probability::new(0.25).map(Probability::get), Ok(0.25));
        assert!(
            Probability::new(1.5)
                .unwrap_err()
                .contains("within [0, 1], got 1.5")
        );
        assert!(Probability::new(-0.1).is_err());
        assert!(Probability::new(f64::NAN).is_err());
        #[derive(serde::Deserialize)]
        struct Holder {
            p: Probability,
        }
        let read = |text: &str| toml::from_str::<Holder>(text).map(|holder| holder.p.get());
        assert_eq!(read("p = 0"), Ok(0.0));
        assert_eq!(read("p = 1"), Ok(1.0));
        assert_eq!(read("p = 0.3"), Ok(0.3));
        let error = read("p = 2").unwrap_err();
        assert!(error.message().contains("within [0, 1], got 2"), "{error}");
        let error = read("p = \"half\"").unwrap_err();
        assert!(
            error.message().contains("expected a probability"),
            "{error}"
        );
    }

    #[test]
    fn reads_duration_dists() {
        let read = |text: &str| DurationDist::from_toml(&value(text));
        assert_eq!(
            read("\"30m\"").unwrap().as_constant(),
            Some(SimDuration::from_minutes(30))
        );
        assert_eq!(
            read("{ dist = \"exponential\", mean = \"2d\" }")
                .unwrap()
                .mean(),
            SimDuration::from_days(2)
        );
        assert_eq!(
            read("{ dist = \"uniform\", min = \"1d\", max = \"3d\" }")
                .unwrap()
                .mean(),
            SimDuration::from_days(2)
        );
        assert_eq!(
            read("{ dist = \"triangular\", min = \"10m\", mode = \"20m\", max = \"1h\" }")
                .unwrap()
                .mean(),
            SimDuration::from_minutes(30)
        );
        assert_eq!(
            read("{ dist = \"constant\", value = \"1h\" }")
                .unwrap()
                .as_constant(),
            Some(SimDuration::from_hours(1))
        );
        assert_eq!(
            read("{ dist = \"empirical\", values = [\"1d\", \"3d\"], weights = [3, 1] }")
                .unwrap()
                .mean(),
            SimDuration::from_hours(36)
        );
        assert_eq!(
            read("{ dist = \"normal\", mean = \"2d\", sd = \"0s\" }")
                .unwrap()
                .as_constant(),
            Some(SimDuration::from_days(2))
        );
        let lognormal = read("{ dist = \"lognormal\", median = \"3d\", sigma = 0.8 }").unwrap();
        assert_eq!(
            lognormal.dist().kind(),
            &DistKind::LogNormal {
                median: (3 * MS_PER_DAY) as f64,
                sigma: 0.8
            }
        );
    }

    #[test]
    fn rejects_bad_duration_dists() {
        let check = |text: &str, needle: &str| {
            let message = DurationDist::from_toml(&value(text)).unwrap_err();
            assert!(message.contains(needle), "{text}: {message}");
        };
        check("5", "expected a duration like");
        check("5", "or a distribution table");
        check("\"-2d\"", "negative duration");
        check(
            "{ mean = \"2d\" }",
            "missing `dist`: expected one of \"constant\"",
        );
        check(
            "{ dist = \"expo\", mean = \"2d\" }",
            "unknown dist \"expo\"",
        );
        check("{ dist = 3 }", "`dist`: expected one of");
        check("{ dist = \"exponential\" }", "exponential needs `mean`");
        check(
            "{ dist = \"exponential\", maen = \"2d\" }",
            "unknown parameter `maen`, expected `mean`",
        );
        check(
            "{ dist = \"exponential\", mean = \"0s\" }",
            "`mean` must be positive, got 0s",
        );
        check(
            "{ dist = \"exponential\", mean = 2 }",
            "`mean`: expected a duration like",
        );
        check(
            "{ dist = \"uniform\", min = \"3d\", max = \"1d\" }",
            "`max` (1d) must not be less than `min` (3d)",
        );
        check(
            "{ dist = \"uniform\", min = \"0s\", max = \"0s\" }",
            "`max` must be positive",
        );
        check(
            "{ dist = \"lognormal\", median = \"0s\", sigma = 1 }",
            "`median` must be positive",
        );
        check(
            "{ dist = \"lognormal\", median = \"1d\", sigma = -1 }",
            "`sigma` must not be negative",
        );
        check(
            "{ dist = \"lognormal\", median = \"1d\", sigma = \"1d\" }",
            "`sigma`: expected a number",
        );
        check(
            "{ dist = \"triangular\", min = \"10m\", mode = \"2h\", max = \"1h\" }",
            "`mode` (2h) must lie within [`min`, `max`] = [10m, 1h]",
        );
        check(
            "{ dist = \"normal\", mean = \"1d\", sd = \"-1d\" }",
            "negative duration",
        );
        check(
            "{ dist = \"empirical\", values = [] }",
            "`values` must not be empty",
        );
        check(
            "{ dist = \"empirical\", values = [\"1d\"], weights = [1, 2] }",
            "1 values, 2 weights",
        );
        check(
            "{ dist = \"empirical\", values = [\"1d\", \"2d\"], weights = [-1, 2] }",
            "`weights` must not be negative",
        );
        check(
            "{ dist = \"empirical\", values = [\"1d\", \"2d\"], weights = [0, 0] }",
            "positive sum",
        );
        check(
            "{ dist = \"uniform_int\", min = 1, max = 3 }",
            "uniform_int is for counts",
        );
    }

    #[test]
    fn reads_number_dists() {
        let read = |text: &str| NumberDist::from_toml(&value(text));
        assert_eq!(read("20").unwrap().as_constant(), Some(20.0));
        assert_eq!(read("2.5").unwrap().as_constant(), Some(2.5));
        assert_eq!(
            read("{ dist = \"uniform_int\", min = 1, max = 10 }")
                .unwrap()
                .mean(),
            5.5
        );
        assert_eq!(
            read("{ dist = \"uniform\", min = 1, max = 16.0 }")
                .unwrap()
                .mean(),
            8.5
        );
        assert_eq!(
            read("{ dist = \"empirical\", values = [1, 2, 3] }")
                .unwrap()
                .mean(),
            2.0
        );
        let check = |text: &str, needle: &str| {
            let message = read(text).unwrap_err();
            assert!(message.contains(needle), "{text}: {message}");
        };
        check("\"3\"", "expected a number, got \"3\"");
        check("-1", "expected a non-negative value");
        check(
            "{ dist = \"uniform\", min = -1, max = 2 }",
            "uniform: `min`: expected a non-negative",
        );
        check(
            "{ dist = \"uniform_int\", min = 1.5, max = 3 }",
            "`min`: expected an integer",
        );
        check(
            "{ dist = \"uniform_int\", min = 5, max = 3 }",
            "`max` (3) must not be less than `min` (5)",
        );
        check(
            "{ dist = \"normal\", mean = 0, sd = 20 }",
            "`mean` must be positive",
        );
        check(
            "{ dist = \"normal\", mean = 120, sd = -1 }",
            "`sd` must not be negative",
        );
    }

    /// Draws `n` samples and checks that their mean lies within four standard
    /// errors (`4 * sd / sqrt(n)`, the sample's own sd) of the theoretical
    /// mean. Four standard errors make a false failure about a 1-in-15,000
    /// event for an unbiased sampler whatever the seed, while a sampler off by
    /// more than about 1% of its sd still fails at n = 200,000.
    fn check_mean(dist: &Dist, expected_mean: f64) {
        let n = 200_000;
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let draws: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let tolerance = 4.0 * (variance / n as f64).sqrt() + 1e-12 * expected_mean.abs();
        assert!(
            (mean - expected_mean).abs() <= tolerance,
            "{:?}: sample mean {mean}, expected {expected_mean} +- {tolerance}",
            dist.kind()
        );
        // `mean` itself is exact but for the truncated normal, whose `erfc` has
        // a relative error below 1.2e-7.
        assert!(
            (dist.mean() - expected_mean).abs() <= 1e-6 * expected_mean.abs().max(1.0),
            "{:?}: mean() = {}, expected {expected_mean}",
            dist.kind(),
            dist.mean()
        );
    }

    #[test]
    fn sample_means_match_theory() {
        let dist = |kind| Dist::new(kind).unwrap();
        check_mean(&dist(DistKind::Constant { value: 3.0 }), 3.0);
        check_mean(&dist(DistKind::Exponential { mean: 2.0 }), 2.0);
        check_mean(
            &dist(DistKind::Uniform {
                min: 1.0,
                max: 16.0,
            }),
            8.5,
        );
        check_mean(
            &dist(DistKind::LogNormal {
                median: 3.0,
                sigma: 0.8,
            }),
            3.0 * (0.32_f64).exp(),
        );
        check_mean(
            &dist(DistKind::Triangular {
                min: 10.0,
                mode: 20.0,
                max: 60.0,
            }),
            30.0,
        );
        // Far from zero the truncation barely shows: 120 + 20 * phi(6) / Phi(6).
        check_mean(
            &dist(DistKind::Normal {
                mean: 120.0,
                sd: 20.0,
            }),
            120.000_000_121_5,
        );
        // Near zero it does: for mean 1, sd 2 the truncated mean is
        // 1 + 2 * phi(0.5) / Phi(0.5) = 2.018320868 (computed with libm's erfc).
        check_mean(
            &dist(DistKind::Normal { mean: 1.0, sd: 2.0 }),
            2.018_320_868,
        );
        check_mean(
            &dist(DistKind::Empirical {
                values: vec![1.0, 2.0, 10.0],
                weights: vec![1.0, 2.0, 1.0],
            }),
            3.75,
        );
        check_mean(&dist(DistKind::UniformInt { min: 1, max: 10 }), 5.5);
    }

    #[test]
    fn truncated_normal_never_gives_zero_or_less() {
        let dist = Dist::new(DistKind::Normal { mean: 0.1, sd: 5.0 }).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        assert!((0..100_000).all(|_| dist.sample(&mut rng) > 0.0));
    }

    #[test]
    fn uniform_int_covers_its_range_inclusive() {
        let dist = Dist::new(DistKind::UniformInt { min: 1, max: 10 }).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut seen = [0_u32; 11];
        for _ in 0..10_000 {
            let draw = dist.sample(&mut rng);
            assert_eq!(draw.fract(), 0.0);
            seen[draw as usize] += 1;
        }
        assert_eq!(seen[0], 0);
        assert!(seen[1..].iter().all(|&count| count > 800), "{seen:?}");
    }

    #[test]
    fn duration_dist_samples_whole_milliseconds() {
        let dist =
            DurationDist::from_toml(&value("{ dist = \"exponential\", mean = \"2d\" }")).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let total: i64 = (0..n).map(|_| dist.sample(&mut rng).ms()).sum();
        let mean_days = total as f64 / n as f64 / MS_PER_DAY as f64;
        // Standard error of the mean of an exponential: mean / sqrt(n) = 0.0045d;
        // 4 standard errors = 0.018d.
        assert!((mean_days - 2.0).abs() < 0.018, "{mean_days}");
    }

    #[test]
    fn empirical_throughput_with_a_zero_value_is_rejected() {
        // A zero value panicked in the engine after 1000 redraws of zero.
        let read = |text: &str| PositiveNumberDist::from_toml(&value(text));
        let check = |text: &str, needle: &str| {
            let message = read(text).unwrap_err();
            assert!(message.contains(needle), "{text}: {message}");
        };
        check(
            "{ dist = \"empirical\", values = [0, 0] }",
            "empirical: `values`: every value must be positive (a copy at 0 MB/s never ends), got 0",
        );
        check(
            "{ dist = \"empirical\", values = [0, 100], weights = [1000000, 1] }",
            "every value must be positive",
        );
        check(
            "0",
            "expected a positive value (a copy at 0 MB/s never ends), got 0",
        );
        check(
            "{ dist = \"uniform_int\", min = 0, max = 3 }",
            "uniform_int: `min` must be at least 1",
        );
        // A mean so small that 1 / mean is infinite: every draw was 0.
        check(
            "{ dist = \"exponential\", mean = 1e-310 }",
            "exponential: half of the draws would be",
        );
        check(
            "{ dist = \"lognormal\", median = 1e-320, sigma = 1 }",
            "half of the draws would be",
        );
        // A zero value nothing picks is harmless.
        assert!(read("{ dist = \"empirical\", values = [0, 100], weights = [0, 1] }").is_ok());
        for text in [
            "120",
            "{ dist = \"normal\", mean = 120, sd = 20 }",
            "{ dist = \"normal\", mean = 1, sd = 1000 }",
            "{ dist = \"uniform\", min = 0, max = 200 }",
            "{ dist = \"triangular\", min = 0, mode = 0, max = 1 }",
            "{ dist = \"exponential\", mean = 100 }",
            "{ dist = \"uniform_int\", min = 1, max = 3 }",
        ] {
            assert!(read(text).is_ok(), "{text}: {:?}", read(text));
        }
    }

    #[test]
    fn positive_draws_are_the_raw_draws_that_are_positive() {
        // `sample` takes the same raw draws as the old redraw loop: here the
        // first positive draw of a normal around zero, in order.
        let positive =
            PositiveNumberDist::from_toml(&value("{ dist = \"normal\", mean = 1, sd = 1000 }"))
                .unwrap();
        let raw = positive.dist().clone();
        let mut rng_positive = ChaCha8Rng::seed_from_u64(9);
        let mut rng_raw = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..1_000 {
            let expected = loop {
                let draw = raw.sample(&mut rng_raw);
                if draw > 0.0 {
                    break draw;
                }
            };
            assert_eq!(positive.sample(&mut rng_positive), expected);
        }
        // A uniform_int from 1 never needs a redraw.
        let counts =
            PositiveNumberDist::from_toml(&value("{ dist = \"uniform_int\", min = 1, max = 2 }"))
                .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        assert!((0..1_000).all(|_| counts.sample(&mut rng) >= 1.0));
    }

    #[test]
    fn practical_max_is_exceeded_with_probability_below_1e_18() {
        let dist = |text: &str| NumberDist::from_toml(&value(text)).unwrap();
        let max = |text: &str| dist(text).dist().practical_max();
        assert_eq!(max("3"), 3.0);
        assert_eq!(max("{ dist = \"uniform\", min = 1, max = 16 }"), 16.0);
        assert_eq!(
            max("{ dist = \"triangular\", min = 1, mode = 2, max = 5 }"),
            5.0
        );
        assert_eq!(max("{ dist = \"uniform_int\", min = 1, max = 10 }"), 10.0);
        assert_eq!(
            max("{ dist = \"empirical\", values = [1, 50, 7], weights = [1, 0, 1] }"),
            7.0
        );
        // exp(-42) = 5.7e-19; P(Z > 9) = 1.1e-19.
        assert_eq!(max("{ dist = \"exponential\", mean = 2 }"), 84.0);
        assert_eq!(max("{ dist = \"normal\", mean = 120, sd = 20 }"), 300.0);
        let lognormal = max("{ dist = \"lognormal\", median = 8, sigma = 0.5 }");
        assert!(
            (lognormal - 8.0 * 4.5_f64.exp()).abs() < 1e-9,
            "{lognormal}"
        );
    }

    #[test]
    fn erfc_matches_known_values() {
        // Reference values of erfc to 9 digits.
        for (x, expected) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122),
            (1.0, 0.157_299_207),
            (-1.0, 1.842_700_793),
        ] {
            assert!((erfc(x) - expected).abs() < 2e-7, "erfc({x}) = {}", erfc(x));
        }
    }
}
