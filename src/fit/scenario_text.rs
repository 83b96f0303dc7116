//! The fitted scenario as a TOML file: every key with a comment saying what
//! it was estimated from, the sample size (exact and right-censored), the
//! Kolmogorov–Smirnov distance of the chosen fit and the AIC of every
//! candidate, or for a probability its count and Wilson interval. Keys the
//! history cannot give are left out, so they take the baseline's values.

use std::fmt::Write as _;

use crate::dist::format_duration;
use crate::fit::family::{CountModel, Model};
use crate::fit::proportion::CONFIDENCE;
use crate::fit::{EstimateValue, Fitted};
use crate::time::{MS_PER_DAY, SimDuration};

/// The first line of every fitted scenario: how `fit` recognises a file it
/// may replace.
pub const HEADER: &str = "# Scenario fitted by impexsim fit";

/// The sections in the order a scenario file writes them.
const SECTIONS: [&str; 4] = ["arrivals", "customer", "shipping", "datacenter"];

/// The whole file.
pub fn render(fitted: &Fitted) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{HEADER} from {} and {}.",
        fitted.jobs_path.display(),
        fitted.drives_path.display()
    );
    let _ = writeln!(
        text,
        "# {} jobs and {} drives in {} replication(s). Each key says what it was estimated",
        fitted.jobs, fitted.drives, fitted.replications
    );
    text.push_str(
        "# from: durations by maximum likelihood per family with right-censored\n\
         # observations (jobs still open when the history ends), the family chosen by\n\
         # AIC, with the Kolmogorov-Smirnov distance D to the (Kaplan-Meier) data;\n\
         # probabilities as proportions with Wilson intervals. Keys left out (the\n\
         # resources, policy, response and timing of rare events) take the embedded\n\
         # baseline's values: see docs/model.md, Fitting, for what a history cannot give.\n\n",
    );
    text.push_str("[simulation]\nname = \"fitted\"\n");
    let _ = writeln!(
        text,
        "# the first day a job was created, and whole days to the last one"
    );
    let _ = writeln!(text, "start = \"{}\"", epoch_text(fitted.start_ms));
    let _ = writeln!(text, "horizon = \"{}d\"", fitted.horizon_days);
    if let Some(drain) = fitted.drain_ms {
        let _ = writeln!(
            text,
            "# jobs were still open when the history ended, this long after the horizon"
        );
        let _ = writeln!(
            text,
            "drain_limit = \"{}\"",
            format_duration(SimDuration::from_ms(drain))
        );
    }
    for section in SECTIONS {
        let _ = writeln!(text, "\n[{section}]");
        if section == "arrivals" {
            text.push_str("process = \"poisson\"\n");
        }
        for estimate in fitted
            .estimates
            .iter()
            .filter(|estimate| estimate.key.split('.').next() == Some(section))
        {
            let name = estimate
                .key
                .split_once('.')
                .map_or(estimate.key, |(_, k)| k);
            let _ = writeln!(text, "# {name}: {}", estimate.source);
            let _ = writeln!(text, "{}", comment(&estimate.value));
            let _ = writeln!(text, "{name} = {}", value(&estimate.value));
        }
    }
    text
}

/// The comment lines above a value (without the first, which names the source).
fn comment(estimate: &EstimateValue) -> String {
    match estimate {
        EstimateValue::Duration {
            fits,
            exact,
            censored,
        }
        | EstimateValue::Number {
            fits,
            exact,
            censored,
        } => {
            let best = &fits[0];
            let candidates: Vec<String> = fits
                .iter()
                .map(|fit| format!("{} {:.1}", fit.model.name(), fit.aic))
                .collect();
            format!(
                "#   n = {} ({exact} exact, {censored} right-censored); KS D = {:.4}\n#   AIC: {}",
                exact + censored,
                best.ks,
                candidates.join(", ")
            )
        }
        EstimateValue::Count { fits, n } => {
            let candidates: Vec<String> = fits
                .iter()
                .map(|fit| format!("{} {:.1}", fit.model.name(), fit.aic))
                .collect();
            format!(
                "#   n = {n}; KS D = {:.4}\n#   AIC: {}",
                fits[0].ks,
                candidates.join(", ")
            )
        }
        EstimateValue::Probability(p) => format!(
            "#   {} of {}; {:.0}% Wilson interval [{}, {}]",
            p.successes,
            p.trials,
            CONFIDENCE * 100.0,
            significant(p.low),
            significant(p.high)
        ),
        EstimateValue::Rate {
            per_day,
            standard_error,
            jobs,
            ks,
        } => format!(
            "#   n = {jobs}; standard error {} per day, {:.0}% interval [{}, {}];\n#   KS D of the gaps to the exponential = {:.4}",
            significant(*standard_error),
            CONFIDENCE * 100.0,
            significant(per_day - 1.96 * standard_error),
            significant(per_day + 1.96 * standard_error),
            ks
        ),
        EstimateValue::ConstantDuration { n, .. } => format!("#   n = {n}"),
    }
}

/// The TOML value.
fn value(estimate: &EstimateValue) -> String {
    match estimate {
        EstimateValue::Duration { fits, .. } => model_text(&fits[0].model, &duration_text),
        EstimateValue::Number { fits, .. } => model_text(&fits[0].model, &significant),
        EstimateValue::Count { fits, .. } => match &fits[0].model {
            CountModel::Constant { value } => value.to_string(),
            CountModel::UniformInt { min, max } => {
                format!("{{ dist = \"uniform_int\", min = {min}, max = {max} }}")
            }
            CountModel::Empirical { values, weights } => format!(
                "{{ dist = \"empirical\", values = [{}], weights = [{}] }}",
                values
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                weights
                    .iter()
                    .map(|w| w.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        EstimateValue::Probability(p) => p.estimate.to_string(),
        EstimateValue::Rate { per_day, .. } => significant(*per_day),
        EstimateValue::ConstantDuration { days, .. } => duration_text(*days),
    }
}

/// A model as a scenario's distribution table; `show` writes one value of
/// its unit (durations or numbers). Lower bounds below zero are raised to
/// zero, as a scenario's durations and quantities cannot be negative.
fn model_text(model: &Model, show: &dyn Fn(f64) -> String) -> String {
    match *model {
        Model::Constant { value } => show(value.max(0.0)),
        Model::Exponential { mean } => {
            format!("{{ dist = \"exponential\", mean = {} }}", show(mean))
        }
        Model::Uniform { min, max } => format!(
            "{{ dist = \"uniform\", min = {}, max = {} }}",
            show(min.max(0.0)),
            show(max)
        ),
        Model::LogNormal { mu, sigma } => format!(
            "{{ dist = \"lognormal\", median = {}, sigma = {} }}",
            show(mu.exp()),
            significant(sigma)
        ),
        Model::Normal { mean, sd } => format!(
            "{{ dist = \"normal\", mean = {}, sd = {} }}",
            show(mean),
            show(sd)
        ),
        Model::Triangular { min, mode, max } => format!(
            "{{ dist = \"triangular\", min = {}, mode = {}, max = {} }}",
            show(min.max(0.0)),
            show(mode.max(0.0)),
            show(max)
        ),
    }
}

/// Days as a quoted duration string, to the second (below a second, to the
/// millisecond).
fn duration_text(days: f64) -> String {
    let ms = (days * MS_PER_DAY as f64).round() as i64;
    let ms = if ms >= 1000 {
        (ms + 500) / 1000 * 1000
    } else {
        ms
    };
    format!("\"{}\"", format_duration(SimDuration::from_ms(ms.max(0))))
}

/// Six significant digits, shortest text.
fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0.0".to_string();
    }
    let digits = 6 - 1 - x.abs().log10().floor() as i32;
    let text = if digits > 0 {
        format!("{:.*}", digits as usize, x)
    } else {
        format!("{x:.0}")
    };
    let parsed: f64 = text.parse().unwrap_or(x);
    let shortest = parsed.to_string();
    if shortest.contains('.') || shortest.contains('e') {
        shortest
    } else {
        format!("{shortest}.0")
    }
}

/// An instant as RFC 3339 text with milliseconds.
fn epoch_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(significant(120.123456789), "120.123");
        assert_eq!(significant(0.000123456789), "0.000123457");
        assert_eq!(significant(3.0), "3.0");
    }

    #[test]
    fn durations_to_the_second() {
        assert_eq!(duration_text(2.5), "\"2d 12h\"");
        assert_eq!(duration_text(1.0 / 86_400.0 * 1.4), "\"1s\"");
    }
}
