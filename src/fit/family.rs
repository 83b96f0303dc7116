//! Maximum-likelihood fits of the distribution families a scenario file
//! supports, with right-censored observations, compared by AIC, each with
//! its Kolmogorov–Smirnov distance to the data (docs/model.md, Fitting).
//!
//! - `Sample`: exact observations and right-censored ones (the value is a
//!   lower bound: the job was still waiting when the history ends).
//! - `Model`: a family with its parameters in the sample's unit, its log
//!   density, survival function and CDF (from `statrs`).
//! - `Fit`: one candidate's model, log-likelihood, AIC and KS distance;
//!   `fit_continuous` fits every candidate, best AIC first.
//! - `fit_counts`: the same for whole numbers (`uniform_int`, `empirical`).
//!
//! The log-likelihood of a model is the sum of `ln f(x)` over the exact
//! observations and `ln S(c)` over the censored ones. Closed forms where
//! they exist (exponential, uncensored log-normal); otherwise Nelder–Mead
//! (`argmin`) on unconstrained parameters, or Brent's method for one.
//! The KS distance compares the model's CDF with the Kaplan–Meier estimate,
//! which is the empirical CDF when nothing is censored.

use argmin::core::{CostFunction, Error as ArgminError, Executor, State};
use argmin::solver::brent::BrentOpt;
use argmin::solver::neldermead::NelderMead;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// Observations of one quantity, in one unit (days for durations).
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Values seen exactly.
    pub exact: Vec<f64>,
    /// Lower bounds of values not seen yet when the history ends.
    pub censored: Vec<f64>,
}

/// A candidate family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FamilyKind {
    Exponential,
    Uniform,
    LogNormal,
    /// Truncated at zero, as the scenario's `normal` is.
    Normal,
    Triangular,
}

/// A fitted model, parameters in the sample's unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    /// Every observation had this value.
    Constant {
        value: f64,
    },
    Exponential {
        mean: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    /// `mu` and `sigma` of the logarithm (`median = exp(mu)`).
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Before truncation at zero.
    Normal {
        mean: f64,
        sd: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
}

/// One candidate fitted to a sample.
#[derive(Clone, Debug)]
pub struct Fit {
    pub model: Model,
    pub log_likelihood: f64,
    /// `2 k - 2 ln L`.
    pub aic: f64,
    /// Largest distance between the model's CDF and the Kaplan–Meier CDF.
    pub ks: f64,
}

/// A fitted distribution of whole numbers.
#[derive(Clone, Debug, PartialEq)]
pub enum CountModel {
    Constant {
        value: i64,
    },
    UniformInt {
        min: i64,
        max: i64,
    },
    /// Observed frequencies: values and their weights (counts).
    Empirical {
        values: Vec<i64>,
        weights: Vec<f64>,
    },
}

/// One candidate fitted to whole numbers.
#[derive(Clone, Debug)]
pub struct CountFit {
    pub model: CountModel,
    pub log_likelihood: f64,
    pub aic: f64,
    /// Largest distance between the model's CDF and the empirical CDF over
    /// the values seen.
    pub ks: f64,
}

/// The logarithm of the smallest positive float: what `ln 0` becomes, so a
/// likelihood stays finite and comparable.
const LN_TINY: f64 = -745.0;

/// Every candidate of `families` that applies to the sample (a log-normal
/// needs positive values), best AIC first. A sample whose exact values are
/// all equal, with nothing censored above them, is a constant.
pub fn fit_continuous(sample: &Sample, families: &[FamilyKind]) -> Vec<Fit> {
    assert!(!sample.exact.is_empty(), "a fit needs exact observations");
    let first = sample.exact[0];
    if sample.exact.iter().all(|x| *x == first) && sample.censored.iter().all(|c| *c < first) {
        let model = Model::Constant { value: first };
        return vec![Fit {
            model,
            log_likelihood: 0.0,
            aic: 0.0,
            ks: ks_distance(sample, &model),
        }];
    }
    let mut fits: Vec<Fit> = families
        .iter()
        .filter_map(|family| fit_family(sample, *family))
        .filter(|fit| fit.log_likelihood.is_finite())
        .collect();
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    fits
}

/// Whole numbers (drive counts): a constant, `uniform_int` on the range
/// seen, or the empirical frequencies; best AIC first.
pub fn fit_counts(values: &[i64]) -> Vec<CountFit> {
    assert!(!values.is_empty(), "a fit needs observations");
    let mut counts = std::collections::BTreeMap::<i64, u64>::new();
    for value in values {
        *counts.entry(*value).or_default() += 1;
    }
    let n = values.len() as f64;
    let (min, max) = (
        *counts.keys().next().expect("not empty"),
        *counts.keys().next_back().expect("not empty"),
    );
    if min == max {
        let model = CountModel::Constant { value: min };
        return vec![CountFit {
            model,
            log_likelihood: 0.0,
            aic: 0.0,
            ks: 0.0,
        }];
    }
    let empirical_cdf = |k: i64| counts.range(..=k).map(|(_, c)| *c as f64).sum::<f64>() / n;
    let ks = |cdf: &dyn Fn(i64) -> f64| {
        counts
            .keys()
            .map(|k| (empirical_cdf(*k) - cdf(*k)).abs())
            .fold(0.0, f64::max)
    };
    let width = (max - min + 1) as f64;
    let uniform_ll = -n * width.ln();
    let uniform = CountFit {
        model: CountModel::UniformInt { min, max },
        log_likelihood: uniform_ll,
        aic: 4.0 - 2.0 * uniform_ll,
        ks: ks(&|k| (k - min + 1) as f64 / width),
    };
    let empirical_ll: f64 = counts
        .values()
        .map(|c| *c as f64 * (*c as f64 / n).ln())
        .sum();
    let free_weights = (counts.len() - 1) as f64;
    let empirical = CountFit {
        model: CountModel::Empirical {
            values: counts.keys().copied().collect(),
            weights: counts.values().map(|c| *c as f64).collect(),
        },
        log_likelihood: empirical_ll,
        aic: 2.0 * free_weights - 2.0 * empirical_ll,
        ks: 0.0,
    };
    let mut fits = vec![uniform, empirical];
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    fits
}

impl FamilyKind {
    /// The scenario's `dist` name.
    pub fn name(self) -> &'static str {
        match self {
            FamilyKind::Exponential => "exponential",
            FamilyKind::Uniform => "uniform",
            FamilyKind::LogNormal => "lognormal",
            FamilyKind::Normal => "normal",
            FamilyKind::Triangular => "triangular",
        }
    }
}

impl CountModel {
    /// The scenario's `dist` name.
    pub fn name(&self) -> &'static str {
        match self {
            CountModel::Constant { .. } => "constant",
            CountModel::UniformInt { .. } => "uniform_int",
            CountModel::Empirical { .. } => "empirical",
        }
    }
}

impl Model {
    /// The scenario's `dist` name.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Constant { .. } => "constant",
            Model::Exponential { .. } => "exponential",
            Model::Uniform { .. } => "uniform",
            Model::LogNormal { .. } => "lognormal",
            Model::Normal { .. } => "normal",
            Model::Triangular { .. } => "triangular",
        }
    }

    /// The number of free parameters.
    pub fn parameters(&self) -> usize {
        match self {
            Model::Constant { .. } => 0,
            Model::Exponential { .. } => 1,
            Model::Uniform { .. } | Model::LogNormal { .. } | Model::Normal { .. } => 2,
            Model::Triangular { .. } => 3,
        }
    }

    /// The CDF at `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            Model::Constant { value } => f64::from(u8::from(x >= value)),
            Model::Exponential { mean } => {
                if x <= 0.0 {
                    0.0
                } else {
                    1.0 - (-x / mean).exp()
                }
            }
            Model::Uniform { min, max } => ((x - min) / (max - min)).clamp(0.0, 1.0),
            Model::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    0.0
                } else {
                    standard_normal().cdf((x.ln() - mu) / sigma)
                }
            }
            Model::Normal { mean, sd } => {
                if x <= 0.0 {
                    0.0
                } else {
                    let z = standard_normal();
                    let kept = z.cdf(mean / sd);
                    (z.cdf((x - mean) / sd) - z.cdf(-mean / sd)) / kept
                }
            }
            Model::Triangular { min, mode, max } => {
                if x <= min {
                    0.0
                } else if x >= max {
                    1.0
                } else if x <= mode {
                    (x - min).powi(2) / ((max - min) * (mode - min))
                } else {
                    1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
                }
            }
        }
    }

    /// `ln f(x)`, `LN_TINY` where the density is zero.
    fn ln_pdf(&self, x: f64) -> f64 {
        let value = match *self {
            Model::Constant { value } => {
                if x == value {
                    0.0
                } else {
                    LN_TINY
                }
            }
            Model::Exponential { mean } => {
                if x < 0.0 {
                    LN_TINY
                } else {
                    -mean.ln() - x / mean
                }
            }
            Model::Uniform { min, max } => {
                if (min..=max).contains(&x) {
                    -(max - min).ln()
                } else {
                    LN_TINY
                }
            }
            Model::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    LN_TINY
                } else {
                    standard_normal().ln_pdf((x.ln() - mu) / sigma) - sigma.ln() - x.ln()
                }
            }
            Model::Normal { mean, sd } => {
                if x <= 0.0 {
                    LN_TINY
                } else {
                    let z = standard_normal();
                    z.ln_pdf((x - mean) / sd) - sd.ln() - z.cdf(mean / sd).ln()
                }
            }
            Model::Triangular { min, mode, max } => {
                let density = if x <= min || x >= max {
                    0.0
                } else if x <= mode {
                    2.0 * (x - min) / ((max - min) * (mode - min))
                } else {
                    2.0 * (max - x) / ((max - min) * (max - mode))
                };
                density.ln()
            }
        };
        value.max(LN_TINY)
    }

    /// `ln S(c)` = `ln P(X > c)`.
    fn ln_survival(&self, c: f64) -> f64 {
        let survival = match *self {
            Model::Exponential { mean } => return (-c.max(0.0) / mean).max(LN_TINY),
            Model::LogNormal { mu, sigma } if c > 0.0 => {
                standard_normal().sf((c.ln() - mu) / sigma)
            }
            Model::Normal { mean, sd } if c > 0.0 => {
                let z = standard_normal();
                z.sf((c - mean) / sd) / z.cdf(mean / sd)
            }
            Model::Constant { .. }
            | Model::Uniform { .. }
            | Model::LogNormal { .. }
            | Model::Normal { .. }
            | Model::Triangular { .. } => 1.0 - self.cdf(c),
        };
        survival.ln().max(LN_TINY)
    }

    /// The log-likelihood of a sample.
    pub fn log_likelihood(&self, sample: &Sample) -> f64 {
        sample.exact.iter().map(|x| self.ln_pdf(*x)).sum::<f64>()
            + sample
                .censored
                .iter()
                .map(|c| self.ln_survival(*c))
                .sum::<f64>()
    }
}

fn standard_normal() -> Normal {
    Normal::standard()
}

/// Fits one family; `None` when it does not apply to the sample.
fn fit_family(sample: &Sample, family: FamilyKind) -> Option<Fit> {
    let model = match family {
        FamilyKind::Exponential => fit_exponential(sample)?,
        FamilyKind::Uniform => fit_uniform(sample),
        FamilyKind::LogNormal => fit_lognormal(sample)?,
        FamilyKind::Normal => fit_normal(sample)?,
        FamilyKind::Triangular => fit_triangular(sample),
    };
    let log_likelihood = model.log_likelihood(sample);
    Some(Fit {
        model,
        log_likelihood,
        aic: 2.0 * model.parameters() as f64 - 2.0 * log_likelihood,
        ks: ks_distance(sample, &model),
    })
}

/// Closed form: total time over the number of exact observations.
fn fit_exponential(sample: &Sample) -> Option<Model> {
    if sample.exact.iter().any(|x| *x < 0.0) {
        return None;
    }
    let total: f64 = sample.exact.iter().chain(&sample.censored).sum();
    let mean = total / sample.exact.len() as f64;
    (mean > 0.0).then_some(Model::Exponential { mean })
}

/// `min` is the least exact value; `max` maximises the likelihood given
/// the censored values above the largest exact one (Brent's method), or is
/// the largest exact value when there are none.
fn fit_uniform(sample: &Sample) -> Model {
    let min = sample.exact.iter().copied().fold(f64::INFINITY, f64::min);
    let exact_max = sample
        .exact
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let censored_max = sample
        .censored
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let low = exact_max.max(censored_max);
    if censored_max < min || sample.censored.iter().all(|c| *c < min) {
        return Model::Uniform { min, max: low };
    }
    let width = (low - min).max(f64::MIN_POSITIVE);
    let cost = |max: f64| -Model::Uniform { min, max }.log_likelihood(sample);
    let max = minimise_1d(&cost, low + width * 1e-9, low + width * 4.0).unwrap_or(low);
    Model::Uniform { min, max }
}

/// Uncensored: the mean and standard deviation of the logarithms; with
/// censoring, Nelder–Mead on `(mu, ln sigma)` from there.
fn fit_lognormal(sample: &Sample) -> Option<Model> {
    if sample.exact.iter().any(|x| *x <= 0.0) || sample.exact.len() < 2 {
        return None;
    }
    let logs: Vec<f64> = sample.exact.iter().map(|x| x.ln()).collect();
    let (mu, sigma) = mean_sd(&logs);
    if sigma <= 0.0 {
        return None;
    }
    if sample.censored.is_empty() {
        return Some(Model::LogNormal { mu, sigma });
    }
    let cost = |p: &[f64]| {
        -Model::LogNormal {
            mu: p[0],
            sigma: p[1].exp(),
        }
        .log_likelihood(sample)
    };
    let best = minimise(&cost, &[mu, sigma.ln()], &[0.1 * sigma.max(0.1), 0.1])?;
    Some(Model::LogNormal {
        mu: best[0],
        sigma: best[1].exp(),
    })
}

/// Nelder–Mead on `(mean, ln sd)` of the normal truncated at zero, from the
/// sample mean and standard deviation of the exact values.
fn fit_normal(sample: &Sample) -> Option<Model> {
    if sample.exact.iter().any(|x| *x <= 0.0) || sample.exact.len() < 2 {
        return None;
    }
    let (mean, sd) = mean_sd(&sample.exact);
    if sd <= 0.0 {
        return None;
    }
    let cost = |p: &[f64]| {
        -Model::Normal {
            mean: p[0],
            sd: p[1].exp(),
        }
        .log_likelihood(sample)
    };
    let best = minimise(&cost, &[mean, sd.ln()], &[0.1 * sd, 0.1])?;
    let model = Model::Normal {
        mean: best[0],
        sd: best[1].exp(),
    };
    // The scenario's normal needs a positive mean.
    (best[0] > 0.0).then_some(model)
}

/// The bounds are the extremes widened by one n-th of the range (the
/// likelihood is unbounded at the extremes themselves, where the density is
/// zero); the mode maximises the likelihood between them (Brent's method).
fn fit_triangular(sample: &Sample) -> Model {
    let low = sample.exact.iter().copied().fold(f64::INFINITY, f64::min);
    let high = sample
        .exact
        .iter()
        .chain(&sample.censored)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = (high - low) / sample.exact.len() as f64;
    let (min, max) = (low - pad, high + pad);
    let cost = |mode: f64| -Model::Triangular { min, mode, max }.log_likelihood(sample);
    let mode = minimise_1d(&cost, min, max).unwrap_or((min + max) / 2.0);
    Model::Triangular { min, mode, max }
}

/// The Kaplan–Meier CDF against the model's, at both sides of every jump.
pub fn ks_distance(sample: &Sample, model: &Model) -> f64 {
    let mut points: Vec<(f64, bool)> = sample
        .exact
        .iter()
        .map(|x| (*x, true))
        .chain(sample.censored.iter().map(|c| (*c, false)))
        .collect();
    // Exact before censored at the same value: a value censored at c was
    // still at risk at c.
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = points.len() as f64;
    let mut survival = 1.0;
    let mut distance: f64 = 0.0;
    let mut index = 0;
    while index < points.len() {
        let value = points[index].0;
        let mut events = 0.0;
        let mut leaving = 0.0;
        while index < points.len() && points[index].0 == value {
            if points[index].1 {
                events += 1.0;
            }
            leaving += 1.0;
            index += 1;
        }
        if events > 0.0 {
            let model_cdf = model.cdf(value);
            let before = 1.0 - survival;
            survival *= 1.0 - events / at_risk;
            let after = 1.0 - survival;
            distance = distance
                .max((before - model_cdf).abs())
                .max((after - model_cdf).abs());
        }
        at_risk -= leaving;
    }
    distance
}

/// The mean and the (maximum-likelihood) standard deviation.
fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

/// A cost function of several parameters for `argmin`.
struct Cost<'a>(&'a dyn Fn(&[f64]) -> f64);

impl CostFunction for Cost<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Vec<f64>) -> Result<f64, ArgminError> {
        Ok((self.0)(param))
    }
}

/// A cost function of one parameter for `argmin`.
struct Cost1d<'a>(&'a dyn Fn(f64) -> f64);

impl CostFunction for Cost1d<'_> {
    type Param = f64;
    type Output = f64;

    fn cost(&self, param: &f64) -> Result<f64, ArgminError> {
        Ok((self.0)(*param))
    }
}

/// Nelder–Mead from `start`, the first simplex spanned by `steps`.
fn minimise(cost: &dyn Fn(&[f64]) -> f64, start: &[f64], steps: &[f64]) -> Option<Vec<f64>> {
    let mut simplex = vec![start.to_vec()];
    for (axis, step) in steps.iter().enumerate() {
        let mut vertex = start.to_vec();
        vertex[axis] += step;
        simplex.push(vertex);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-10).ok()?;
    let result = Executor::new(Cost(cost), solver)
        .configure(|state| state.max_iters(2000))
        .run()
        .ok()?;
    result.state().get_best_param().cloned()
}

/// Brent's method on `[low, high]`.
fn minimise_1d(cost: &dyn Fn(f64) -> f64, low: f64, high: f64) -> Option<f64> {
    let solver = BrentOpt::new(low, high);
    let result = Executor::new(Cost1d(cost), solver)
        .configure(|state| state.max_iters(200))
        .run()
        .ok()?;
    result.state().get_best_param().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lognormal_quantiles(mu: f64, sigma: f64, n: usize) -> Vec<f64> {
        // Evenly spaced quantiles: a sample with no sampling noise.
        (0..n)
            .map(|i| {
                let p = (i as f64 + 0.5) / n as f64;
                (mu + sigma * standard_normal().inverse_cdf(p)).exp()
            })
            .collect()
    }

    #[test]
    fn exponential_with_censoring_is_total_time_over_events() {
        let sample = Sample {
            exact: vec![1.0, 2.0, 3.0],
            censored: vec![4.0, 10.0],
        };
        let fit = fit_family(&sample, FamilyKind::Exponential).unwrap();
        assert_eq!(fit.model, Model::Exponential { mean: 20.0 / 3.0 });
    }

    #[test]
    fn lognormal_quantiles_are_recovered_and_chosen() {
        let sample = Sample {
            exact: lognormal_quantiles(1.0, 0.5, 2000),
            censored: vec![],
        };
        let fits = fit_continuous(
            &sample,
            &[
                FamilyKind::Exponential,
                FamilyKind::Uniform,
                FamilyKind::LogNormal,
                FamilyKind::Normal,
                FamilyKind::Triangular,
            ],
        );
        let Model::LogNormal { mu, sigma } = fits[0].model else {
            panic!("expected a log-normal first, got {:?}", fits[0].model);
        };
        assert!((mu - 1.0).abs() < 1e-3, "mu {mu}");
        assert!((sigma - 0.5).abs() < 5e-3, "sigma {sigma}");
        assert!(fits[0].ks < 1e-3, "ks {}", fits[0].ks);
    }

    #[test]
    fn censoring_above_a_threshold_leaves_the_lognormal_unbiased() {
        // Every value above 4 is only known to exceed 4.
        let all = lognormal_quantiles(1.0, 0.5, 4000);
        let sample = Sample {
            exact: all.iter().copied().filter(|x| *x <= 4.0).collect(),
            censored: all.iter().filter(|x| **x > 4.0).map(|_| 4.0).collect(),
        };
        assert!(sample.censored.len() > 400);
        let Model::LogNormal { mu, sigma } = fit_lognormal(&sample).unwrap() else {
            unreachable!()
        };
        assert!((mu - 1.0).abs() < 5e-3, "mu {mu}");
        assert!((sigma - 0.5).abs() < 1e-2, "sigma {sigma}");
    }

    #[test]
    fn uniform_counts_prefer_uniform_int() {
        let values: Vec<i64> = (0..1000).map(|i| 1 + i % 10).collect();
        let fits = fit_counts(&values);
        assert_eq!(fits[0].model, CountModel::UniformInt { min: 1, max: 10 });
    }

    #[test]
    fn kaplan_meier_without_censoring_is_the_empirical_cdf() {
        let sample = Sample {
            exact: vec![1.0, 2.0, 3.0, 4.0],
            censored: vec![],
        };
        // Uniform on [0, 4]: F(x) = x / 4, the ECDF jumps by 1/4 at each x.
        let ks = ks_distance(&sample, &Model::Uniform { min: 0.0, max: 4.0 });
        assert!((ks - 0.25).abs() < 1e-12, "ks {ks}");
    }
}
