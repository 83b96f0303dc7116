//! At the data centre's door: receiving operators, missing and late drives,
//! and orphan drives (docs/model.md, Missing drives; Orphan drives).
//!
//! - Operators process a package `receive_lag` after carrier delivery, one
//!   operator a package (FIFO). That is when missing drives become
//!   `NeverReceived` and orphan drives are found.
//! - A missing drive that turns up later is delivered
//!   `missing_drive_later_delay` after its package was processed, then goes
//!   through `receive_lag` and an operator of its own. It is copied if its
//!   job has not reached `Packaging`, goes back with the job if it is
//!   `Packaging`, and goes back alone (after one packaging service, no
//!   contact) if the job has shipped back.
//! - Drives of a job that is not `Shipping` (still `Creating`, `Closed`, or
//!   gone) are orphans: operators contact the customer. An answer (or the
//!   customer's own Shipping update) within `orphan_contact_window` turns a
//!   Creating job `Shipping` and at once `Received`; for a job gone or
//!   `Closed` it gives an address and the drives go back. No answer: the
//!   drives go back at the window's end if the job was on record when they
//!   were found and has a return address, else they are destroyed
//!   `disposal_after` the contact (never before the window closes).

use crate::model::{Cause, DriveState, EventKind, JobKind, JobState};
use crate::sim::engine::Engine;
use crate::sim::event::{DestroyGroup, Event, Package, Shipment};
use crate::sim::job::{JobRef, OrphanContact};
use crate::sim::sink::RecordSink;
use crate::sim::transition::Fact;
use crate::time::SimDuration;

impl<S: RecordSink> Engine<S> {
    pub(in crate::sim) fn on_late_drive_delivered(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        drive.arrived_at = Some(now);
        drive.on_site = true;
        let lag = drive.fate.late_receive_lag;
        self.change_on_site(1);
        self.at_held(j, lag, Event::ReceiveReady(j, Package::LateDrive(d)));
    }

    pub(in crate::sim) fn on_receive_ready(&mut self, j: JobRef, package: Package) {
        let job = self.job_mut(j);
        job.holds += 1;
        let counted = !job.in_warmup;
        if let Some(item) = self.receiving.arrive(self.now, (j, package), counted) {
            self.start_receiving(item);
        }
    }

    fn start_receiving(&mut self, (j, package): (JobRef, Package)) {
        let job = self.job(j);
        let service = match package {
            Package::Main => job.fate.receive_time,
            Package::LateDrive(d) => job.drives[usize::from(d)].fate.late_receive_time,
        };
        self.at(service, Event::ReceiveDone(j, package));
    }

    pub(in crate::sim) fn on_receive_done(&mut self, j: JobRef, package: Package) {
        if let Some(next) = self.receiving.release(self.now) {
            self.start_receiving(next);
        }
        match package {
            Package::Main => self.receive_package(j),
            Package::LateDrive(d) => self.receive_late_drive(j, d),
        }
    }

    /// Operators have processed the job's package.
    fn receive_package(&mut self, j: JobRef) {
        let now = self.now;
        let job = self.job(j);
        let is_import = job.fate.kind == JobKind::Import;
        let orphans = job.deleted || job.state != JobState::Shipping;
        for index in 0..job.drives.len() {
            let d = index as u8;
            let drive = &self.job(j).drives[index];
            if drive.extra {
                self.create_drive(j, d);
                self.note(j, EventKind::ExtraDrive);
            } else if !is_import {
                self.create_drive(j, d);
            } else if drive.fate.missing {
                if drive.state == DriveState::Specified {
                    self.set_drive_state(
                        j,
                        d,
                        DriveState::NeverReceived,
                        Cause::MissingFromPackage,
                    );
                    self.note(j, EventKind::DriveNeverReceived);
                }
                let fate = &self.job(j).drives[index].fate;
                if fate.turns_up_later {
                    let delay = fate.later_delay;
                    self.at_held(j, delay, Event::LateDriveDelivered(j, d));
                }
                continue;
            } else {
                if drive.state == DriveState::NeverReceived {
                    // Listed as never received at an overdue deadline; here after all.
                    self.note(j, EventKind::DriveLate);
                }
                self.set_drive_state(j, d, DriveState::Received, Cause::Received);
                self.job_mut(j).drives[index].received_at.get_or_insert(now);
            }
            self.job_mut(j).drives[index].orphan = orphans;
        }
        if !orphans {
            self.set_job_state(j, JobState::Received, Cause::PackageReceived);
            self.after_received(j);
            return;
        }
        // Orphan drives: the job is Creating, Closed or gone. Operators contact the customer.
        let window = self.scenario.policy.orphan_contact_window;
        let job = self.job_mut(j);
        job.contacts += 1;
        job.orphan_contact = OrphanContact::Open {
            contact_at: now,
            job_existed: !job.deleted,
        };
        let answer = job.fate.orphan_answer.within(window);
        self.note(j, EventKind::OrphanDrives);
        match answer {
            Some(delay) => self.at_held(j, delay, Event::OrphanAnswered(j)),
            None => self.at_held(j, window, Event::OrphanWindowEnd(j)),
        }
    }

    /// A Creating job whose drives sit here as orphans becomes `Shipping` and
    /// at once `Received` (an answer or the customer's own Shipping update).
    pub(in crate::sim) fn adopt_orphans(&mut self, j: JobRef) {
        self.record_fact(j, Fact::ReturnAddress);
        self.record_fact(j, Fact::DeliveryPackage);
        let job = self.job_mut(j);
        job.has_return_address = true;
        job.has_delivery_package = true;
        for drive in &mut job.drives {
            drive.orphan = false;
        }
        self.set_job_state(j, JobState::Received, Cause::OrphansAdopted);
        self.after_received(j);
    }

    pub(in crate::sim) fn on_orphan_answered(&mut self, j: JobRef) {
        let job = self.job(j);
        if !matches!(job.orphan_contact, OrphanContact::Open { .. }) {
            return;
        }
        self.job_mut(j).orphan_contact = OrphanContact::Over;
        let job = self.job(j);
        if !job.deleted && job.state == JobState::Creating {
            // The answer supplies what the job lacked and turns it Shipping.
            self.set_job_state(j, JobState::Shipping, Cause::OrphanAnswer);
            self.adopt_orphans(j);
        } else {
            // The job is gone or Closed: the answer gives an address; ship back.
            self.enqueue_packaging(j, Shipment::Orphans);
        }
    }

    pub(in crate::sim) fn on_orphan_window_end(&mut self, j: JobRef) {
        let job = self.job(j);
        let OrphanContact::Open {
            contact_at,
            job_existed,
        } = job.orphan_contact
        else {
            return;
        };
        self.job_mut(j).orphan_contact = OrphanContact::Over;
        // "Shipped back at the end of the window if the job existed and had a
        // return address": the job was on record when the drives were found
        // (it may have expired since; its address is known).
        if job_existed && self.job(j).has_return_address {
            self.enqueue_packaging(j, Shipment::Orphans);
        } else {
            let policy = &self.scenario.policy;
            let destroy_at = contact_at + policy.disposal_after.max(policy.orphan_contact_window);
            let delay = destroy_at - self.now;
            let job = self.job_mut(j);
            for drive in job
                .drives
                .iter_mut()
                .filter(|drive| drive.on_site && drive.orphan)
            {
                drive.destroy_pending = true;
            }
            self.at_held(
                j,
                delay.max(SimDuration::ZERO),
                Event::Destroy(j, DestroyGroup::Orphans),
            );
        }
    }

    /// A listed drive that was missing from its package has been processed.
    fn receive_late_drive(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        self.set_drive_state(j, d, DriveState::Received, Cause::LateDriveReceived);
        self.job_mut(j).drives[usize::from(d)]
            .received_at
            .get_or_insert(now);
        self.note(j, EventKind::DriveLate);
        let job = self.job(j);
        if job.deleted || job.state == JobState::Creating {
            match job.orphan_contact {
                // It joins the orphan drives being dealt with.
                OrphanContact::Open { .. } => self.job_mut(j).drives[usize::from(d)].orphan = true,
                OrphanContact::None | OrphanContact::Over => self.return_stray_drive(j, d),
            }
            return;
        }
        match job.state {
            JobState::Received | JobState::Transferring | JobState::Faulted => {
                if job.cancelled {
                    self.job_mut(j).drives[usize::from(d)].copy_skipped = true;
                } else if job.copy_open && job.state != JobState::Faulted {
                    self.enqueue_copy(j, d);
                }
                // Otherwise it joins the queue with the others when the copy opens.
            }
            // Not yet shipped back: it goes with the job, uncopied.
            JobState::Packaging => {}
            JobState::Completed | JobState::Closed => self.return_stray_drive(j, d),
            JobState::Creating | JobState::Shipping => {
                unreachable!("a late drive implies its package was processed")
            }
        }
    }
}
