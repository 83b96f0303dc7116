//! From `Packaging` to the customer: a wrong return address, packaging
//! staff, shipping drives back, export returns, destruction of drives that
//! cannot go back, and retention (docs/model.md, Packaging and return;
//! Wrong return address; Export jobs; Deletion).
//!
//! - A wrong return address is found when the job enters `Packaging` (an
//!   operator contact). An answer within `customer_response_window` (or the
//!   customer's own update of the address) fixes it; no answer closes the
//!   job at the end of the window, its drives destroyed `disposal_after`
//!   the contact (never before the close).
//! - One packaging staff member ships one job's drives (or a group of
//!   orphans, or one stray drive) back. The job ends `Closed` exactly when a
//!   copy had errors, a listed drive is still `NeverReceived`, or a fault
//!   went unresolved (an overdue close and an unfixed address close it
//!   earlier); otherwise `Completed`.
//! - An export return is drawn lost or damaged after `return_transit`; the
//!   customer may then order a follow-up export job (same drives and sizes).
//! - A server keeps a finished job until `retention` is over, then deletes it.

use crate::model::{Cause, CopyOutcome, Disposition, DriveState, EventKind, JobKind, JobState};
use crate::sim::engine::Engine;
use crate::sim::event::{DestroyGroup, Event, Shipment};
use crate::sim::job::{CustomerKind, JobRef};
use crate::sim::sink::RecordSink;
use crate::sim::streams::{JobKey, Purpose};
use crate::time::SimDuration;

impl<S: RecordSink> Engine<S> {
    /// The job has just entered `Packaging`: a wrong return address is found
    /// now (an operator contact), else the drives wait for packaging staff.
    pub(in crate::sim) fn enter_packaging(&mut self, j: JobRef) {
        let window = self.scenario.policy.customer_response_window;
        let job = self.job_mut(j);
        if job.fate.wrong_return_address {
            job.contacts += 1;
            job.address_contact_open = true;
            let answer = job.fate.address_answer.within(window);
            self.note(j, EventKind::ReturnAddressWrong);
            match answer {
                Some(delay) => self.at_held(j, delay, Event::AddressAnswered(j)),
                None => self.at_held(j, window, Event::AddressWindowEnd(j)),
            }
        } else {
            self.enqueue_packaging(j, Shipment::Job);
        }
    }

    /// The return address is fixed: an answer to the contact, or the
    /// customer's own update while the contact is open.
    pub(in crate::sim) fn on_address_answered(&mut self, j: JobRef) {
        let job = self.job_mut(j);
        if !job.address_contact_open {
            return;
        }
        job.address_contact_open = false;
        self.enqueue_packaging(j, Shipment::Job);
    }

    /// No answer about the wrong return address: the job closes now, its
    /// drives are destroyed `disposal_after` the contact (never before now).
    pub(in crate::sim) fn on_address_window_end(&mut self, j: JobRef) {
        let now = self.now;
        let disposal_after = self.scenario.policy.disposal_after;
        let job = self.job_mut(j);
        if !job.address_contact_open {
            return;
        }
        job.address_contact_open = false;
        let contact_at = job.packaging_at.expect("packaging");
        let destroy_at = (contact_at + disposal_after).max(now);
        for drive in job
            .drives
            .iter_mut()
            .filter(|drive| drive.on_site && drive.is_received())
        {
            drive.destroy_pending = true;
        }
        self.set_job_state(j, JobState::Closed, Cause::ReturnAddressUnfixed);
        self.at_held(j, destroy_at - now, Event::Destroy(j, DestroyGroup::All));
    }

    pub(in crate::sim) fn enqueue_packaging(&mut self, j: JobRef, shipment: Shipment) {
        let job = self.job_mut(j);
        job.holds += 1;
        let counted = !job.in_warmup;
        if let Some(item) = self.packaging.arrive(self.now, (j, shipment), counted) {
            self.start_packaging(item);
        }
    }

    fn start_packaging(&mut self, (j, shipment): (JobRef, Shipment)) {
        let job = self.job(j);
        let service = match shipment {
            Shipment::Job => job.fate.packaging_time,
            // Rare extra work: its service time comes from a stream of its own.
            Shipment::Orphans => self.extra_packaging_time(job.key, 0),
            Shipment::Stray(d) => self.extra_packaging_time(job.key, 1 + usize::from(d)),
        };
        self.at(service, Event::PackagingDone(j, shipment));
    }

    fn extra_packaging_time(&self, key: JobKey, index: usize) -> SimDuration {
        let mut rng = self.streams.stream(key, Purpose::Returns);
        let packaging_time = &self.scenario.datacenter.packaging_time;
        (0..=index)
            .map(|_| packaging_time.sample(&mut rng))
            .last()
            .expect("one draw")
    }

    pub(in crate::sim) fn on_packaging_done(&mut self, j: JobRef, shipment: Shipment) {
        if let Some(next) = self.packaging.release(self.now) {
            self.start_packaging(next);
        }
        match shipment {
            Shipment::Job => self.ship_job_back(j),
            Shipment::Orphans => {
                let job = self.job(j);
                let orphans: Vec<u8> = (0..job.drives.len())
                    .filter(|&d| job.drives[d].on_site && job.drives[d].orphan)
                    .map(|d| d as u8)
                    .collect();
                for d in orphans {
                    self.ship_drive_back(j, d);
                }
            }
            Shipment::Stray(d) => self.ship_drive_back(j, d),
        }
    }

    fn ship_drive_back(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        self.set_drive_state(j, d, DriveState::ShippedBack, Cause::ShippedBack);
        let drive = &mut self.job_mut(j).drives[usize::from(d)];
        drive.on_site = false;
        drive.shipped_back_at = Some(now);
        drive.disposition = Some(Disposition::Returned);
        self.change_on_site(-1);
    }

    /// Every drive of the job on site goes back; the job ends `Completed` or
    /// `Closed` (see the module doc).
    fn ship_job_back(&mut self, j: JobRef) {
        // A late drive still with the receiving operators is not packed; it
        // follows on its own once received.
        let job = self.job(j);
        let on_site: Vec<u8> = (0..job.drives.len())
            .filter(|&d| job.drives[d].on_site && job.drives[d].is_received())
            .map(|d| d as u8)
            .collect();
        for d in on_site {
            self.ship_drive_back(j, d);
        }
        let job = self.job(j);
        let is_import = job.fate.kind == JobKind::Import;
        let closed = job.job_fault_unresolved
            || job.drives.iter().any(|drive| {
                drive.copy_outcome == CopyOutcome::Errors
                    || drive.fault_unresolved
                    || (is_import && !drive.extra && drive.state == DriveState::NeverReceived)
            });
        let to = if closed {
            JobState::Closed
        } else {
            JobState::Completed
        };
        self.set_job_state(j, to, Cause::ShippedBack);
        if !is_import {
            let transit = self.job(j).fate.return_transit;
            self.at_held(j, transit, Event::ReturnDelivered(j));
        }
    }

    /// An export return reaches the customer, or is lost or damaged; the
    /// customer may then order a follow-up export job.
    pub(in crate::sim) fn on_return_delivered(&mut self, j: JobRef) {
        let shipping = &self.scenario.shipping;
        let p_lost = shipping.return_lost_probability.get();
        let p_damaged = p_lost + shipping.return_damaged_probability.get();
        let job = self.job(j);
        let draw = job.fate.return_draw;
        let (disposition, kind) = if draw < p_lost {
            (Disposition::LostInReturn, EventKind::ReturnLost)
        } else if draw < p_damaged {
            (Disposition::DamagedInReturn, EventKind::ReturnDamaged)
        } else {
            return;
        };
        let shipped_at = job.finished_at;
        let job = self.job_mut(j);
        for drive in job.drives.iter_mut() {
            if drive.exists && drive.shipped_back_at == shipped_at {
                drive.disposition = Some(disposition);
            }
        }
        self.note(j, kind);
        let job = self.job(j);
        // A client of a server orders its follow-up job itself.
        if job.fate.reorders_export && job.customer == CustomerKind::Simulated {
            let key = JobKey {
                root: job.key.root,
                generation: job.key.generation + 1,
            };
            let sizes: Vec<u64> = job
                .drives
                .iter()
                .map(|drive| drive.fate.data_bytes)
                .collect();
            let n_drives = sizes.len() as u32;
            self.create_simulated_job(
                key,
                Some(JobKind::Export),
                Some(n_drives),
                Some(sizes),
                None,
            );
        }
    }

    pub(in crate::sim) fn on_destroy(&mut self, j: JobRef, group: DestroyGroup) {
        let now = self.now;
        let job = self.job_mut(j);
        let mut destroyed = 0;
        for (index, drive) in job.drives.iter_mut().enumerate() {
            let in_group = match group {
                DestroyGroup::All => true,
                DestroyGroup::Orphans => drive.orphan,
                DestroyGroup::Stray(d) => index == usize::from(d),
            };
            if in_group && drive.on_site && drive.destroy_pending {
                drive.on_site = false;
                drive.destroy_pending = false;
                drive.destroyed_at = Some(now);
                drive.disposition = Some(Disposition::Destroyed);
                destroyed += 1;
            }
        }
        if destroyed > 0 {
            self.note(j, EventKind::DrivesDestroyed);
            self.change_on_site(-destroyed);
        }
    }

    /// A late drive whose job has shipped back (or is gone) goes back on its
    /// own after one packaging service, with no contact; it is destroyed
    /// instead if its job's drives were destroyed.
    pub(in crate::sim) fn return_stray_drive(&mut self, j: JobRef, d: u8) {
        let job = self.job(j);
        let destroyed = job.drives.iter().any(|drive| {
            drive.destroy_pending || drive.disposition == Some(Disposition::Destroyed)
        });
        if destroyed {
            self.job_mut(j).drives[usize::from(d)].destroy_pending = true;
            self.at_held(
                j,
                SimDuration::ZERO,
                Event::Destroy(j, DestroyGroup::Stray(d)),
            );
        } else {
            self.enqueue_packaging(j, Shipment::Stray(d));
        }
    }

    /// A finished job's retention is over (servers only): it is deleted.
    pub(in crate::sim) fn on_retention_over(&mut self, j: JobRef) {
        let now = self.now;
        let job = self.job_mut(j);
        if job.deleted || job.deleted_at.is_some_and(|deleted_at| deleted_at > now) {
            return;
        }
        job.deleted = true;
    }
}
