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
use crate::time::SimDuration;

mod duration;
mod table;

use duration::DURATION_EXPECTED;
pub use duration::{format_duration, parse_duration};
use table::{ScalarKind, check_non_negative, check_positive, kind_from_table};

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
mod tests;
