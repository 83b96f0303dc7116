//! From `Creating` to delivery: the Creating timeout, the carrier, and the
//! Shipping deadline with the overdue-package contact (docs/model.md,
//! Creating timeout; Lost and late packages; Overdue package).
//!
//! - A job still `Creating` after `creating_timeout` (restarted by every
//!   accepted update) is deleted.
//! - The package is delivered at hand-over + `transit`; a lost one never,
//!   or, if late, at hand-over + `transit` + `late_package_delay`
//!   (`package_lost` is noted at hand-over). No policy moves a delivery.
//! - The overdue check runs at `shipping_at + shipping_timeout` against
//!   carrier delivery (delivered at or before it: not overdue). Listed
//!   drives not yet arrived become `NeverReceived`. The answer comes after
//!   `response_delay`: *extend* sets the next deadline to the answer plus
//!   `shipping_extension`, *cancel* closes the job at the answer, no answer
//!   closes it at the deadline plus `customer_response_window`. A job
//!   cancelled before the deadline closes at the deadline without a contact.

use rand::RngExt;

use crate::model::{Cause, DriveState, EventKind, JobKind, JobState};
use crate::record::TraceState;
use crate::sim::engine::Engine;
use crate::sim::event::{Event, OverdueAnswer, Package};
use crate::sim::fate::{ContactAnswer, draw_answer};
use crate::sim::job::{JobRef, PackageState, accrue_state_time};
use crate::sim::sink::RecordSink;
use crate::sim::streams::Purpose;
use crate::time::SimDuration;

impl<S: RecordSink> Engine<S> {
    pub(in crate::sim) fn on_creating_timeout(&mut self, j: JobRef, timer: u32) {
        let now = self.now;
        let job = self.job_mut(j);
        if job.deleted || job.state != JobState::Creating || job.creating_timer != timer {
            return;
        }
        accrue_state_time(job, now);
        job.deleted = true;
        job.deleted_at = Some(now);
        self.site.jobs_in_state[0] -= 1;
        self.record_change(
            j,
            None,
            TraceState::Job(JobState::Creating),
            TraceState::None,
            Cause::Expired,
        );
    }

    /// The package goes to the carrier now (a lost one is noted now).
    pub(in crate::sim) fn hand_over(&mut self, j: JobRef) {
        let now = self.now;
        let job = self.job_mut(j);
        let fate = &job.fate;
        let delivery = if !fate.package_lost {
            Some(now + fate.transit)
        } else if fate.package_late {
            Some(now + fate.transit + fate.late_package_delay)
        } else {
            None
        };
        let lost = fate.package_lost;
        job.package = PackageState::InTransit(delivery);
        if let Some(delivery) = delivery {
            self.at_held(j, delivery - now, Event::PackageDelivered(j));
        }
        if lost {
            self.note(j, EventKind::PackageLost);
        }
    }

    pub(in crate::sim) fn on_package_delivered(&mut self, j: JobRef) {
        let now = self.now;
        let job = self.job_mut(j);
        job.package = PackageState::Delivered;
        let late = job.fate.package_lost;
        let mut arrived = 0;
        let is_import = job.fate.kind == JobKind::Import;
        for drive in job.drives.iter_mut() {
            let missing = is_import && drive.fate.missing;
            if !missing {
                drive.arrived_at = Some(now);
                drive.on_site = true;
                arrived += 1;
            }
        }
        if job.state == JobState::Shipping && !job.deleted {
            // A package delivered before the close stops the overdue handling.
            job.shipping_timer += 1;
        }
        let receive_lag = job.fate.receive_lag;
        if late {
            self.note(j, EventKind::PackageLate);
        }
        self.change_on_site(arrived);
        self.at_held(j, receive_lag, Event::ReceiveReady(j, Package::Main));
    }

    pub(in crate::sim) fn start_shipping_deadline(&mut self, j: JobRef, after: SimDuration) {
        let job = self.job_mut(j);
        job.shipping_timer += 1;
        let timer = job.shipping_timer;
        self.at(after, Event::ShippingDeadline(j, timer));
    }

    pub(in crate::sim) fn on_shipping_deadline(&mut self, j: JobRef, timer: u32) {
        let now = self.now;
        let window = self.scenario.policy.customer_response_window;
        let job = self.job(j);
        if job.deleted || job.state != JobState::Shipping || job.shipping_timer != timer {
            return;
        }
        let delivered = match job.package {
            PackageState::Delivered => true,
            PackageState::InTransit(Some(delivery)) => delivery <= now,
            PackageState::InTransit(None) | PackageState::NotShipped => false,
        };
        if delivered {
            return;
        }
        let is_import = job.fate.kind == JobKind::Import;
        let n_drives = job.drives.len();
        self.note(j, EventKind::ShippingOverdue);
        for d in 0..n_drives {
            let drive = &self.job(j).drives[d];
            if is_import && drive.exists && drive.state == DriveState::Specified {
                self.set_drive_state(
                    j,
                    d as u8,
                    DriveState::NeverReceived,
                    Cause::ShippingOverdue,
                );
                self.note(j, EventKind::DriveNeverReceived);
            }
        }
        if self.job(j).cancelled {
            // Cancelled before the deadline: closed without asking.
            self.close_overdue(j, Cause::CancelledOverdue);
            return;
        }
        let (answer, extends) = self.overdue_answer(j);
        let job = self.job_mut(j);
        job.contacts += 1;
        match answer.within(window) {
            Some(delay) => {
                let reply = if extends {
                    OverdueAnswer::Extend
                } else {
                    OverdueAnswer::Cancel
                };
                self.at(delay, Event::OverdueAnswered(j, timer, reply));
            }
            None => self.at(window, Event::OverdueNoAnswer(j, timer)),
        }
    }

    /// The next answer to an overdue contact, and whether it extends (else
    /// cancels): from the job's own overdue stream, one answer per deadline.
    fn overdue_answer(&mut self, j: JobRef) -> (ContactAnswer, bool) {
        let scenario = &self.scenario;
        let key = self.jobs.get(j).key;
        let streams = &self.streams;
        let job = self.jobs.get_mut(j);
        let rng = job
            .overdue_stream
            .get_or_insert_with(|| Box::new(streams.stream(key, Purpose::Overdue)));
        let answer = draw_answer(rng.as_mut(), scenario);
        let extends = rng.as_mut().random::<f64>() < scenario.customer.extend_probability.get();
        (answer, extends)
    }

    pub(in crate::sim) fn on_overdue_answered(
        &mut self,
        j: JobRef,
        timer: u32,
        answer: OverdueAnswer,
    ) {
        let job = self.job(j);
        if job.deleted || job.state != JobState::Shipping || job.shipping_timer != timer {
            return;
        }
        match answer {
            OverdueAnswer::Extend => {
                self.note(j, EventKind::ShippingExtended);
                let extension = self.scenario.policy.shipping_extension;
                self.start_shipping_deadline(j, extension);
            }
            OverdueAnswer::Cancel => {
                self.note(j, EventKind::ShippingCancelled);
                self.job_mut(j).cancelled = true;
                self.close_overdue(j, Cause::ShippingCancelled);
            }
        }
    }

    pub(in crate::sim) fn on_overdue_no_answer(&mut self, j: JobRef, timer: u32) {
        let job = self.job(j);
        if job.deleted || job.state != JobState::Shipping || job.shipping_timer != timer {
            return;
        }
        self.note(j, EventKind::ClosedNoResponse);
        self.close_overdue(j, Cause::ClosedNoResponse);
    }

    fn close_overdue(&mut self, j: JobRef, cause: Cause) {
        let job = self.job_mut(j);
        job.shipping_timer += 1;
        self.set_job_state(j, JobState::Closed, cause);
    }
}
