//! Reading a distribution table from TOML: the family, its parameters, and
//! the checks each family's parameters must pass.

use super::{
    DIST_NAMES, DURATION_EXPECTED, Dist, DistKind, describe_value, format_duration, parse_duration,
};
use crate::echo;
use crate::time::SimDuration;

/// Which kind of scalar a distribution table holds: decides how parameters are
/// read from TOML and shown in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScalarKind {
    /// Duration strings, stored in milliseconds.
    Duration,
    /// Plain numbers.
    Number,
}

impl ScalarKind {
    /// Reads one scalar parameter.
    pub(super) fn read(self, value: &toml::Value) -> Result<f64, String> {
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
    pub(super) fn show(self, x: f64) -> String {
        match self {
            ScalarKind::Duration if x >= 0.0 => format_duration(SimDuration::from_ms_f64(x)),
            ScalarKind::Duration => format!("{} ms", echo::number(x)),
            ScalarKind::Number => echo::number(x),
        }
    }

    pub(super) fn table_example(self) -> &'static str {
        match self {
            ScalarKind::Duration => "like { dist = \"exponential\", mean = \"2d\" }",
            ScalarKind::Number => "like { dist = \"uniform\", min = 1, max = 16 }",
        }
    }
}

/// Reads the family and parameters of a distribution table.
pub(super) fn kind_from_table(
    table: &toml::Table,
    scalar_kind: ScalarKind,
) -> Result<DistKind, String> {
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
pub(super) fn check_non_negative(kind: &DistKind, scalar_kind: ScalarKind) -> Result<(), String> {
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
pub(super) fn check_positive(dist: &Dist) -> Result<(), String> {
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
