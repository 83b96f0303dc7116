//! Building: the merged TOML table read into a `Scenario`, with the
//! checks that span several keys and the arrival trace read.

use std::path::PathBuf;

use crate::dist::format_duration;
use crate::echo;

use super::bounds;
use super::file::{ProcessKind, ScenarioFile};
use super::resolve::*;
use super::trace::{TraceBounds, parse_trace};
use super::{
    ArrivalProcess, Arrivals, Customer, Datacenter, Location, MAX_TRACE_BYTES, Policy, Scenario,
    ScenarioError, Shipping, Simulation, TraceRow,
};

impl Resolver {
    /// Turns the merged table into a `Scenario`, with the checks that span
    /// several keys.
    pub(super) fn build(self) -> Result<Scenario, ScenarioError> {
        let file: ScenarioFile = toml::Value::Table(self.table.clone()).try_into().map_err(
            |error: toml::de::Error| {
                let at = Location {
                    source: None,
                    key: None,
                };
                ScenarioError::invalid(at, error.message())
            },
        )?;
        let mut warnings = Vec::new();

        // A missing key can only mean a broken baseline: every key but
        // `arrivals.count` and `arrivals.trace` is in it.
        let required = |key: &str| {
            self.invalid(
                key,
                "missing key (the embedded baseline should provide it)".to_string(),
            )
        };
        macro_rules! take {
            ($section:ident . $key:ident) => {
                $section
                    .$key
                    .ok_or_else(|| required(concat!(stringify!($section), ".", stringify!($key))))?
            };
        }

        let simulation = file.simulation.unwrap_or_default();
        let arrivals = file.arrivals.unwrap_or_default();
        let customer = file.customer.unwrap_or_default();
        let shipping = file.shipping.unwrap_or_default();
        let datacenter = file.datacenter.unwrap_or_default();
        let policy = file.policy.unwrap_or_default();

        let name = take!(simulation.name);
        if !is_folder_name(&name) {
            return Err(self.invalid(
                "simulation.name",
                format!(
                    "expected a name usable as a folder name (not empty, no / or \\, no control \
                     characters, at most {MAX_NAME_BYTES} bytes), got {}",
                    echo::quote(&name)
                ),
            ));
        }
        let horizon = take!(simulation.horizon).0;
        let warmup = take!(simulation.warmup).0;
        if warmup >= horizon {
            return Err(self.invalid(
                "simulation.warmup",
                format!(
                    "expected a warmup shorter than simulation.horizon ({}), got {}",
                    format_duration(horizon),
                    format_duration(warmup)
                ),
            ));
        }
        let simulation = Simulation {
            name,
            start: take!(simulation.start).0,
            horizon,
            warmup,
            drain_limit: take!(simulation.drain_limit).0,
            seed: take!(simulation.seed).0,
            replications: take!(simulation.replications).0,
        };

        let policy = Policy {
            creating_timeout: take!(policy.creating_timeout).0,
            shipping_timeout: take!(policy.shipping_timeout).0,
            shipping_extension: take!(policy.shipping_extension).0,
            customer_response_window: take!(policy.customer_response_window).0,
            orphan_contact_window: take!(policy.orphan_contact_window).0,
            disposal_after: take!(policy.disposal_after).0,
            retention: take!(policy.retention).0,
            cancellable_states: take!(policy.cancellable_states).0,
            max_drives_per_job: take!(policy.max_drives_per_job).0,
        };

        let process_kind = take!(arrivals.process);
        let process = match process_kind {
            ProcessKind::Poisson => ArrivalProcess::Poisson {
                jobs_per_day: take!(arrivals.jobs_per_day).0,
            },
            ProcessKind::Count => {
                let count = match arrivals.count {
                    Some(count) => count.0,
                    None => {
                        let jobs_per_day = take!(arrivals.jobs_per_day).0;
                        let count = (jobs_per_day * horizon.as_days_f64()).round();
                        if count < 1.0 {
                            return Err(self.invalid(
                                "arrivals.jobs_per_day",
                                format!(
                                    "process = \"count\" without arrivals.count creates \
                                     round(jobs_per_day x horizon) = round({jobs_per_day} x {}) \
                                     = 0 jobs; set arrivals.count or a larger jobs_per_day",
                                    horizon.as_days_f64()
                                ),
                            ));
                        }
                        count as u64
                    }
                };
                ArrivalProcess::Count { count }
            }
            ProcessKind::Trace => {
                let Some(trace) = arrivals.trace.as_deref() else {
                    return Err(self.invalid(
                        "arrivals.process",
                        "process = \"trace\" needs arrivals.trace, the path of a CSV file \
                         with the columns created_at,job_type[,drives]"
                            .to_string(),
                    ));
                };
                let bounds = TraceBounds {
                    start: simulation.start,
                    horizon,
                    max_drives_per_job: policy.max_drives_per_job,
                };
                ArrivalProcess::Trace {
                    rows: self.read_trace(trace, &bounds, &mut warnings)?,
                }
            }
        };
        if arrivals.count.is_some() && process_kind != ProcessKind::Count {
            warnings.push(format!(
                "arrivals.count is ignored because arrivals.process is {:?}",
                process_name(process_kind)
            ));
        }
        if arrivals.trace.is_some() && process_kind != ProcessKind::Trace {
            warnings.push(format!(
                "arrivals.trace is ignored because arrivals.process is {:?}",
                process_name(process_kind)
            ));
        }
        let arrivals = Arrivals {
            process,
            export_fraction: take!(arrivals.export_fraction),
            drives_per_job: take!(arrivals.drives_per_job),
            data_per_drive_tb: take!(arrivals.data_per_drive_tb),
            verbose_log_fraction: take!(arrivals.verbose_log_fraction),
        };

        let customer = Customer {
            ship_delay: take!(customer.ship_delay),
            abandon_probability: take!(customer.abandon_probability),
            update_while_creating_probability: take!(customer.update_while_creating_probability),
            skip_shipping_update_probability: take!(customer.skip_shipping_update_probability),
            missing_return_address_probability: take!(customer.missing_return_address_probability),
            fix_return_address_delay: take!(customer.fix_return_address_delay),
            wrong_return_address_probability: take!(customer.wrong_return_address_probability),
            cancel_probability: take!(customer.cancel_probability),
            cancel_delay: take!(customer.cancel_delay),
            response_probability: take!(customer.response_probability),
            response_delay: take!(customer.response_delay),
            extend_probability: take!(customer.extend_probability),
            reorder_export_probability: take!(customer.reorder_export_probability),
            poll_interval: take!(customer.poll_interval).0,
        };

        let shipping = Shipping {
            transit: take!(shipping.transit),
            lost_package_probability: take!(shipping.lost_package_probability),
            late_package_probability: take!(shipping.late_package_probability),
            late_package_delay: take!(shipping.late_package_delay),
            missing_drive_probability: take!(shipping.missing_drive_probability),
            missing_drive_later_probability: take!(shipping.missing_drive_later_probability),
            missing_drive_later_delay: take!(shipping.missing_drive_later_delay),
            extra_drive_probability: take!(shipping.extra_drive_probability),
            return_transit: take!(shipping.return_transit),
            return_lost_probability: take!(shipping.return_lost_probability),
            return_damaged_probability: take!(shipping.return_damaged_probability),
        };

        let datacenter = Datacenter {
            receive_lag: take!(datacenter.receive_lag),
            receiving_staff: take!(datacenter.receiving_staff).0,
            receive_time: take!(datacenter.receive_time),
            copy_stations: take!(datacenter.copy_stations).0,
            copy_lag: take!(datacenter.copy_lag),
            copy_setup: take!(datacenter.copy_setup),
            copy_throughput_mb_s: take!(datacenter.copy_throughput_mb_s),
            copy_error_probability: take!(datacenter.copy_error_probability),
            copy_warning_probability: take!(datacenter.copy_warning_probability),
            copy_info_probability: take!(datacenter.copy_info_probability),
            drive_fault_probability: take!(datacenter.drive_fault_probability),
            job_fault_probability: take!(datacenter.job_fault_probability),
            fault_resolution: take!(datacenter.fault_resolution),
            packaging_staff: take!(datacenter.packaging_staff).0,
            packaging_time: take!(datacenter.packaging_time),
        };
        let copy_outcomes = datacenter.copy_error_probability.get()
            + datacenter.copy_warning_probability.get()
            + datacenter.copy_info_probability.get();
        if copy_outcomes > 1.0 + 1e-12 {
            return Err(self.invalid(
                "datacenter.copy_error_probability",
                format!(
                    "copy_error_probability + copy_warning_probability + copy_info_probability \
                     must be at most 1 (one draw picks the outcome), got {copy_outcomes}"
                ),
            ));
        }

        let mut scenario = Scenario {
            simulation,
            arrivals,
            customer,
            shipping,
            datacenter,
            policy,
            resolved: toml::Table::new(),
            warnings,
        };
        bounds::check(&scenario, &self.origins)
            .map_err(|violation| self.invalid(violation.key, violation.message))?;
        scenario.resolved = self.table;
        Ok(scenario)
    }

    /// Reads `arrivals.trace`, relative to the folder of the file that set
    /// it (the working directory for `--set` and the baseline).
    pub(super) fn read_trace(
        &self,
        trace: &str,
        bounds: &TraceBounds,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<TraceRow>, ScenarioError> {
        let base_dir = self
            .origins
            .get("arrivals.trace")
            .and_then(|origin| origin.base_dir.as_deref());
        let path = match base_dir {
            Some(dir) => dir.join(trace),
            None => PathBuf::from(trace),
        };
        let read_error = |source| ScenarioError::ReadTrace {
            at: self.at("arrivals.trace"),
            path: path.clone(),
            source,
        };
        // The file is read whole: look at its size first.
        let size = std::fs::metadata(&path).map_err(read_error)?.len();
        if size > MAX_TRACE_BYTES {
            return Err(self.invalid(
                "arrivals.trace",
                format!(
                    "{} holds {size} bytes; expected an arrival trace of at most {MAX_TRACE_BYTES} \
                     bytes (1 GiB)",
                    path.display()
                ),
            ));
        }
        let bytes = std::fs::read(&path).map_err(read_error)?;
        parse_trace(&path, &bytes, bounds, warnings)
    }
}

/// The most bytes of `simulation.name`: the default output is
/// `output/<name>-calls.jsonl` at the longest, and a file name has at most
/// 255 bytes.
pub(super) const MAX_NAME_BYTES: usize = 200;

/// Whether `name` can name the default output folder.
pub(super) fn is_folder_name(name: &str) -> bool {
    !(name.is_empty()
        || name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control)
        || name.len() > MAX_NAME_BYTES)
}

pub(super) fn process_name(kind: ProcessKind) -> &'static str {
    match kind {
        ProcessKind::Poisson => "poisson",
        ProcessKind::Count => "count",
        ProcessKind::Trace => "trace",
    }
}
