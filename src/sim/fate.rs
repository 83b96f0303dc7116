//! A job's fate: every random draw the job may need, made at creation from
//! its own stream in one fixed order.
//!
//! Drawing everything up front, whether or not the path that uses a value is
//! ever taken, is what makes common random numbers hold (docs/model.md,
//! Randomness and common random numbers): a policy parameter changes which
//! draws are *used*, never which values are drawn.
//! Only draws whose number depends on the path (answers to repeated overdue
//! contacts, service times of rare extra work) come from sub-streams of their
//! own, created when first needed.

use rand::{Rng, RngExt};

use crate::model::JobKind;
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// The draws of one job (and its customer).
#[derive(Clone, Debug)]
pub struct JobFate {
    pub kind: JobKind,
    pub n_drives: u32,
    /// `logLevel = Verbose`.
    pub verbose_log: bool,
    pub abandons: bool,
    pub ship_delay: SimDuration,
    pub updates_while_creating: bool,
    /// Where in `(0, ship_delay)` (or `(0, creating_timeout)`) the update falls, in (0, 1).
    pub update_fraction: f64,
    pub skips_shipping_update: bool,
    pub missing_return_address: bool,
    pub fix_return_address_delay: SimDuration,
    pub wrong_return_address: bool,
    pub cancels: bool,
    pub cancel_delay: SimDuration,
    pub transit: SimDuration,
    pub package_lost: bool,
    pub package_late: bool,
    pub late_package_delay: SimDuration,
    pub has_extra_drive: bool,
    pub extra_drive_bytes: u64,
    pub job_fault: bool,
    pub job_fault_resolution: SimDuration,
    pub receive_lag: SimDuration,
    pub receive_time: SimDuration,
    pub copy_lag: SimDuration,
    pub packaging_time: SimDuration,
    pub return_transit: SimDuration,
    /// One uniform draw against the lost / damaged thresholds of an export return.
    pub return_draw: f64,
    pub reorders_export: bool,
    /// The customer's answer to the orphan-drives contact.
    pub orphan_answer: ContactAnswer,
    /// The customer's answer to the wrong-return-address contact.
    pub address_answer: ContactAnswer,
}

/// The draws of one listed (import) or shipped (export) drive; an extra
/// drive, never copied, has the default (nothing missing, no fault).
#[derive(Clone, Debug, Default)]
pub struct DriveFate {
    pub data_bytes: u64,
    /// Not in its package (import only).
    pub missing: bool,
    pub turns_up_later: bool,
    pub later_delay: SimDuration,
    pub late_receive_lag: SimDuration,
    pub late_receive_time: SimDuration,
    /// One uniform draw against the errors / warnings / info thresholds.
    pub outcome_draw: f64,
    /// With errors, the fraction of the data that was copied.
    pub error_fraction: f64,
    pub faults: bool,
    /// Where in its first copy the fault strikes, in [0, 1).
    pub fault_point: f64,
    pub fault_resolution: SimDuration,
    /// Copy setup and throughput [MB/s] of the first and the retried attempt.
    pub copy_setup: [SimDuration; 2],
    pub throughput_mb_s: [f64; 2],
}

/// Whether and when a customer answers one operator contact: the delay of
/// the answer, `None` when the customer never answers (8 bytes, where a flag
/// beside the delay took 16).
#[derive(Clone, Copy, Debug, Default)]
pub struct ContactAnswer(Option<SimDuration>);

impl ContactAnswer {
    pub fn new(answers: bool, delay: SimDuration) -> ContactAnswer {
        ContactAnswer(answers.then_some(delay))
    }

    /// The delay of an answer that comes within `window`, else `None`.
    pub fn within(self, window: SimDuration) -> Option<SimDuration> {
        self.0.filter(|&delay| delay <= window)
    }
}

/// 10^12 bytes.
const BYTES_PER_TB: f64 = 1e12;

impl JobFate {
    /// Draws a job's fate. `kind` and `n_drives` come from an arrival trace
    /// when it gives them; they are drawn all the same, so the order of the
    /// later draws never depends on the trace.
    pub fn draw<R: Rng>(
        rng: &mut R,
        scenario: &Scenario,
        kind: Option<JobKind>,
        n_drives: Option<u32>,
    ) -> (JobFate, Vec<DriveFate>) {
        let arrivals = &scenario.arrivals;
        let customer = &scenario.customer;
        let shipping = &scenario.shipping;
        let datacenter = &scenario.datacenter;
        let chance = |rng: &mut R, p: crate::dist::Probability| rng.random::<f64>() < p.get();

        let drawn_kind = if chance(rng, arrivals.export_fraction) {
            JobKind::Export
        } else {
            JobKind::Import
        };
        let drawn_drives = arrivals.drives_per_job.sample(rng).round();
        let max_drives = f64::from(scenario.policy.max_drives_per_job);
        let drawn_drives = drawn_drives.clamp(1.0, max_drives) as u32;
        let kind = kind.unwrap_or(drawn_kind);
        let n_drives = n_drives.unwrap_or(drawn_drives).max(1);

        let verbose_log = chance(rng, arrivals.verbose_log_fraction);
        let abandons = chance(rng, customer.abandon_probability);
        let ship_delay = customer.ship_delay.sample(rng);
        let updates_while_creating = chance(rng, customer.update_while_creating_probability);
        let update_fraction = open_unit(rng);
        let skips_shipping_update = chance(rng, customer.skip_shipping_update_probability);
        let missing_return_address = chance(rng, customer.missing_return_address_probability);
        let fix_return_address_delay = customer.fix_return_address_delay.sample(rng);
        let wrong_return_address = chance(rng, customer.wrong_return_address_probability);
        let cancels = chance(rng, customer.cancel_probability);
        let cancel_delay = customer.cancel_delay.sample(rng);
        let transit = shipping.transit.sample(rng);
        let package_lost = chance(rng, shipping.lost_package_probability);
        let package_late = chance(rng, shipping.late_package_probability);
        let late_package_delay = shipping.late_package_delay.sample(rng);
        let has_extra_drive = chance(rng, shipping.extra_drive_probability);
        let extra_drive_bytes = draw_bytes(rng, scenario);
        let job_fault = chance(rng, datacenter.job_fault_probability);
        let job_fault_resolution = datacenter.fault_resolution.sample(rng);
        let receive_lag = datacenter.receive_lag.sample(rng);
        let receive_time = datacenter.receive_time.sample(rng);
        let copy_lag = datacenter.copy_lag.sample(rng);
        let packaging_time = datacenter.packaging_time.sample(rng);
        let return_transit = shipping.return_transit.sample(rng);
        let return_draw = rng.random::<f64>();
        let reorders_export = chance(rng, customer.reorder_export_probability);
        let orphan_answer = draw_answer(rng, scenario);
        let address_answer = draw_answer(rng, scenario);

        let drives = (0..n_drives)
            .map(|_| DriveFate {
                data_bytes: draw_bytes(rng, scenario),
                missing: chance(rng, shipping.missing_drive_probability),
                turns_up_later: chance(rng, shipping.missing_drive_later_probability),
                later_delay: shipping.missing_drive_later_delay.sample(rng),
                late_receive_lag: datacenter.receive_lag.sample(rng),
                late_receive_time: datacenter.receive_time.sample(rng),
                outcome_draw: rng.random::<f64>(),
                error_fraction: rng.random::<f64>(),
                faults: chance(rng, datacenter.drive_fault_probability),
                fault_point: rng.random::<f64>(),
                fault_resolution: datacenter.fault_resolution.sample(rng),
                copy_setup: [
                    datacenter.copy_setup.sample(rng),
                    datacenter.copy_setup.sample(rng),
                ],
                throughput_mb_s: [
                    draw_throughput(rng, scenario),
                    draw_throughput(rng, scenario),
                ],
            })
            .collect();

        let job = JobFate {
            kind,
            n_drives,
            verbose_log,
            abandons,
            ship_delay,
            updates_while_creating,
            update_fraction,
            skips_shipping_update,
            missing_return_address,
            fix_return_address_delay,
            wrong_return_address,
            cancels,
            cancel_delay,
            transit,
            package_lost,
            package_late,
            late_package_delay,
            has_extra_drive,
            extra_drive_bytes,
            job_fault,
            job_fault_resolution,
            receive_lag,
            receive_time,
            copy_lag,
            packaging_time,
            return_transit,
            return_draw,
            reorders_export,
            orphan_answer,
            address_answer,
        };
        (job, drives)
    }
}

/// Draws one contact answer: whether the customer answers, and after how long.
pub fn draw_answer<R: Rng>(rng: &mut R, scenario: &Scenario) -> ContactAnswer {
    let customer = &scenario.customer;
    let answers = rng.random::<f64>() < customer.response_probability.get();
    let delay = customer.response_delay.sample(rng);
    ContactAnswer::new(answers, delay)
}

/// A uniform draw in the open interval (0, 1).
fn open_unit<R: Rng>(rng: &mut R) -> f64 {
    loop {
        let u = rng.random::<f64>();
        if u > 0.0 {
            return u;
        }
    }
}

fn draw_bytes<R: Rng>(rng: &mut R, scenario: &Scenario) -> u64 {
    let tb = scenario.arrivals.data_per_drive_tb.sample(rng);
    (tb.max(0.0) * BYTES_PER_TB).round() as u64
}

/// Throughput of one copy attempt [MB/s]; a draw of zero or less (from a
/// normal) is redrawn until positive (docs/model.md, Copy). Validation makes
/// at least half of the raw draws positive, so this always ends.
fn draw_throughput<R: Rng>(rng: &mut R, scenario: &Scenario) -> f64 {
    scenario.datacenter.copy_throughput_mb_s.sample(rng)
}
