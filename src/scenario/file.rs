//! The serde types of a scenario file: they mirror the TOML exactly.
//!
//! Every field is an `Option` because a file may be partial (docs/model.md,
//! Scenario files); the
//! merge with the baseline fills the gaps before `scenario.rs` turns a
//! `ScenarioFile` into a `Scenario`. Every value type here validates itself
//! while it is deserialized, so a bad value in a user's file fails with the
//! TOML span of that value (and so with a line and column).
//!
//! `SECTIONS` lists the allowed keys; a unit test in `scenario.rs` keeps it in
//! step with these structs and the baseline.

use chrono::{DateTime, Utc};
use serde::Deserialize as DeriveDeserialize;
use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::dist::{
    DurationDist, NumberDist, NumberVisitor, PositiveNumberDist, Probability, describe_value,
    parse_duration,
};
use crate::echo;
use crate::model::JobState;
use crate::time::SimDuration;

/// The sections of a scenario file and the keys each allows, in file order.
pub(crate) const SECTIONS: &[(&str, &[&str])] = &[
    (
        "simulation",
        &[
            "name",
            "start",
            "horizon",
            "warmup",
            "drain_limit",
            "seed",
            "replications",
        ],
    ),
    (
        "arrivals",
        &[
            "process",
            "jobs_per_day",
            "count",
            "trace",
            "export_fraction",
            "drives_per_job",
            "data_per_drive_tb",
            "verbose_log_fraction",
        ],
    ),
    (
        "customer",
        &[
            "ship_delay",
            "abandon_probability",
            "update_while_creating_probability",
            "skip_shipping_update_probability",
            "missing_return_address_probability",
            "fix_return_address_delay",
            "wrong_return_address_probability",
            "cancel_probability",
            "cancel_delay",
            "response_probability",
            "response_delay",
            "extend_probability",
            "reorder_export_probability",
            "poll_interval",
        ],
    ),
    (
        "shipping",
        &[
            "transit",
            "lost_package_probability",
            "late_package_probability",
            "late_package_delay",
            "missing_drive_probability",
            "missing_drive_later_probability",
            "missing_drive_later_delay",
            "extra_drive_probability",
            "return_transit",
            "return_lost_probability",
            "return_damaged_probability",
        ],
    ),
    (
        "datacenter",
        &[
            "receive_lag",
            "receiving_staff",
            "receive_time",
            "copy_stations",
            "copy_lag",
            "copy_setup",
            "copy_throughput_mb_s",
            "copy_error_probability",
            "copy_warning_probability",
            "copy_info_probability",
            "drive_fault_probability",
            "job_fault_probability",
            "fault_resolution",
            "packaging_staff",
            "packaging_time",
        ],
    ),
    (
        "policy",
        &[
            "creating_timeout",
            "shipping_timeout",
            "shipping_extension",
            "customer_response_window",
            "orphan_contact_window",
            "disposal_after",
            "retention",
            "cancellable_states",
            "max_drives_per_job",
        ],
    ),
];

/// The job states in which a cancellation may be accepted at all
/// (docs/model.md, Cancellation).
pub(crate) const CANCELLABLE_STATE_NAMES: [&str; 4] =
    ["Creating", "Shipping", "Received", "Transferring"];

/// A whole scenario file.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    pub simulation: Option<SimulationFile>,
    pub arrivals: Option<ArrivalsFile>,
    pub customer: Option<CustomerFile>,
    pub shipping: Option<ShippingFile>,
    pub datacenter: Option<DatacenterFile>,
    pub policy: Option<PolicyFile>,
}

/// `[simulation]`.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SimulationFile {
    pub name: Option<String>,
    pub start: Option<Timestamp>,
    pub horizon: Option<PositiveDuration>,
    pub warmup: Option<Duration>,
    pub drain_limit: Option<Duration>,
    pub seed: Option<Seed>,
    pub replications: Option<PositiveU32>,
}

/// `[arrivals]`.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArrivalsFile {
    pub process: Option<ProcessKind>,
    pub jobs_per_day: Option<PositiveNumber>,
    pub count: Option<PositiveU64>,
    pub trace: Option<String>,
    pub export_fraction: Option<Probability>,
    pub drives_per_job: Option<NumberDist>,
    pub data_per_drive_tb: Option<NumberDist>,
    pub verbose_log_fraction: Option<Probability>,
}

/// `[customer]`.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerFile {
    pub ship_delay: Option<DurationDist>,
    pub abandon_probability: Option<Probability>,
    pub update_while_creating_probability: Option<Probability>,
    pub skip_shipping_update_probability: Option<Probability>,
    pub missing_return_address_probability: Option<Probability>,
    pub fix_return_address_delay: Option<DurationDist>,
    pub wrong_return_address_probability: Option<Probability>,
    pub cancel_probability: Option<Probability>,
    pub cancel_delay: Option<DurationDist>,
    pub response_probability: Option<Probability>,
    pub response_delay: Option<DurationDist>,
    pub extend_probability: Option<Probability>,
    pub reorder_export_probability: Option<Probability>,
    pub poll_interval: Option<PositiveDuration>,
}

/// `[shipping]`.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShippingFile {
    pub transit: Option<DurationDist>,
    pub lost_package_probability: Option<Probability>,
    pub late_package_probability: Option<Probability>,
    pub late_package_delay: Option<DurationDist>,
    pub missing_drive_probability: Option<Probability>,
    pub missing_drive_later_probability: Option<Probability>,
    pub missing_drive_later_delay: Option<DurationDist>,
    pub extra_drive_probability: Option<Probability>,
    pub return_transit: Option<DurationDist>,
    pub return_lost_probability: Option<Probability>,
    pub return_damaged_probability: Option<Probability>,
}

/// `[datacenter]`.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatacenterFile {
    pub receive_lag: Option<DurationDist>,
    pub receiving_staff: Option<PositiveU32>,
    pub receive_time: Option<DurationDist>,
    pub copy_stations: Option<PositiveU32>,
    pub copy_lag: Option<DurationDist>,
    pub copy_setup: Option<DurationDist>,
    pub copy_throughput_mb_s: Option<PositiveNumberDist>,
    pub copy_error_probability: Option<Probability>,
    pub copy_warning_probability: Option<Probability>,
    pub copy_info_probability: Option<Probability>,
    pub drive_fault_probability: Option<Probability>,
    pub job_fault_probability: Option<Probability>,
    pub fault_resolution: Option<DurationDist>,
    pub packaging_staff: Option<PositiveU32>,
    pub packaging_time: Option<DurationDist>,
}

/// `[policy]`.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyFile {
    pub creating_timeout: Option<PositiveDuration>,
    pub shipping_timeout: Option<PositiveDuration>,
    pub shipping_extension: Option<PositiveDuration>,
    pub customer_response_window: Option<PositiveDuration>,
    pub orphan_contact_window: Option<PositiveDuration>,
    pub disposal_after: Option<PositiveDuration>,
    pub retention: Option<PositiveDuration>,
    pub cancellable_states: Option<CancellableStates>,
    pub max_drives_per_job: Option<PositiveU32>,
}

/// `arrivals.process`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DeriveDeserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ProcessKind {
    Poisson,
    Count,
    Trace,
}

/// A duration string, zero allowed (`"0s"`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Duration(pub SimDuration);

/// A duration string that must be longer than zero.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PositiveDuration(pub SimDuration);

/// An integer of at least 1 that fits in a `u32` (counts of resources).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PositiveU32(pub u32);

/// An integer of at least 1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PositiveU64(pub u64);

/// A non-negative integer a TOML file can hold: at most `i64::MAX`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seed(pub u64);

/// A finite number greater than zero (integer or float in TOML).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PositiveNumber(pub f64);

/// An RFC 3339 instant, written as a string or as a TOML offset date-time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timestamp(pub DateTime<Utc>);

/// The job states in which cancellation may be accepted, in the order
/// written, without repeats.
#[derive(Clone, Debug)]
pub(crate) struct CancellableStates(pub Vec<JobState>);

/// A serde visitor for TOML integers (floats are a type error).
struct IntegerVisitor(&'static str);

impl Visitor<'_> for IntegerVisitor {
    type Value = i128;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i128, E> {
        Ok(i128::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i128, E> {
        Ok(i128::from(v))
    }
}

/// A serde visitor for strings.
struct StringVisitor(&'static str);

impl Visitor<'_> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
}

const DURATION: &str = "a duration like \"14d\" or \"2d 12h\"";

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = deserializer.deserialize_str(StringVisitor(DURATION))?;
        parse_duration(&text)
            .map(Duration)
            .map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for PositiveDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PositiveDuration, D::Error> {
        let text =
            deserializer.deserialize_str(StringVisitor("a positive duration like \"14d\""))?;
        let duration = parse_duration(&text).map_err(de::Error::custom)?;
        if duration > SimDuration::ZERO {
            Ok(PositiveDuration(duration))
        } else {
            Err(de::Error::custom(format!(
                "expected a positive duration, got {}",
                echo::quote(&text)
            )))
        }
    }
}

impl<'de> Deserialize<'de> for PositiveU32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PositiveU32, D::Error> {
        const EXPECTED: &str = "a positive integer";
        let number = deserializer.deserialize_any(IntegerVisitor(EXPECTED))?;
        match u32::try_from(number) {
            Ok(number) if number > 0 => Ok(PositiveU32(number)),
            _ => Err(de::Error::custom(format!(
                "expected {EXPECTED} (at most {}), got {number}",
                u32::MAX
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for PositiveU64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PositiveU64, D::Error> {
        const EXPECTED: &str = "a positive integer";
        let number = deserializer.deserialize_any(IntegerVisitor(EXPECTED))?;
        match u64::try_from(number) {
            Ok(number) if number > 0 => Ok(PositiveU64(number)),
            _ => Err(de::Error::custom(format!(
                "expected {EXPECTED}, got {number}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Seed, D::Error> {
        // TOML integers are 64-bit signed, so this is the largest seed a
        // scenario file (and `run.json`) can hold.
        const EXPECTED: &str = "a non-negative integer (at most 9223372036854775807)";
        let number = deserializer.deserialize_any(IntegerVisitor(EXPECTED))?;
        u64::try_from(number)
            .map(Seed)
            .map_err(|_| de::Error::custom(format!("expected {EXPECTED}, got {number}")))
    }
}

impl<'de> Deserialize<'de> for PositiveNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PositiveNumber, D::Error> {
        const EXPECTED: &str = "a positive number";
        let number = deserializer.deserialize_any(NumberVisitor(EXPECTED))?;
        if number.is_finite() && number > 0.0 {
            Ok(PositiveNumber(number))
        } else {
            Err(de::Error::custom(format!(
                "expected {EXPECTED}, got {number}"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        const EXPECTED: &str = "an RFC 3339 instant like \"2026-01-05T00:00:00Z\"";
        // Accept both `start = "2026-..."` and the unquoted TOML date-time.
        let text = match toml::Value::deserialize(deserializer)? {
            toml::Value::String(text) => text,
            toml::Value::Datetime(datetime) => datetime.to_string(),
            other => {
                return Err(de::Error::custom(format!(
                    "expected {EXPECTED}, got {}",
                    describe_value(&other)
                )));
            }
        };
        DateTime::parse_from_rfc3339(&text)
            .map(|instant| Timestamp(instant.with_timezone(&Utc)))
            .map_err(|error| {
                de::Error::custom(format!(
                    "expected {EXPECTED}, got {} ({error})",
                    echo::quote(&text)
                ))
            })
    }
}

impl<'de> Deserialize<'de> for CancellableStates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CancellableStates, D::Error> {
        let expected = CANCELLABLE_STATE_NAMES
            .map(|name| format!("\"{name}\""))
            .join(", ");
        let items = match toml::Value::deserialize(deserializer)? {
            toml::Value::Array(items) => items,
            other => {
                return Err(de::Error::custom(format!(
                    "expected a list of job states like [\"Creating\", \"Shipping\"] \
                     (or [] for none), got {}",
                    describe_value(&other)
                )));
            }
        };
        let mut states = Vec::new();
        for item in items {
            let state = match &item {
                toml::Value::String(text) => match JobState::parse(text) {
                    Some(state) if CANCELLABLE_STATE_NAMES.contains(&state.as_str()) => state,
                    Some(state) => {
                        return Err(de::Error::custom(format!(
                            "{state} cannot be a cancellable state: expected one of {expected}"
                        )));
                    }
                    None => {
                        return Err(de::Error::custom(format!(
                            "{} is not a job state: expected one of {expected}",
                            echo::quote(text)
                        )));
                    }
                },
                other => {
                    return Err(de::Error::custom(format!(
                        "expected a job state name, one of {expected}, got {}",
                        describe_value(other)
                    )));
                }
            };
            if !states.contains(&state) {
                states.push(state);
            }
        }
        Ok(CancellableStates(states))
    }
}
