//! From `Received` to `Packaging`: job faults, the copy lag, the copy queue
//! and stations, copy outcomes and drive faults (docs/model.md, Copy lag
//! and the copy queue; Copy; Faults).
//!
//! - A job fault is drawn once, when the package is received
//!   (`Received -> Faulted`); resolved after `fault_resolution`, the job is
//!   `Received` again and its drives join the queue at the later of first
//!   `Received` + `copy_lag` and the resolution; unresolved after
//!   `customer_response_window`, every drive goes back uncopied.
//! - A received job's drives join the copy queue after `copy_lag`, all at
//!   once, in drive-list order (FIFO across jobs); a drive received later or
//!   back from a fault joins at once, at the tail. With nothing to copy
//!   (cancelled, no drive received) the job goes `Received -> Packaging`
//!   then.
//! - Copy time is setup plus data over a throughput drawn per attempt; the
//!   outcome is one draw against cumulative thresholds (errors, warnings,
//!   info, else ok); with errors only a fraction of the data is copied.
//! - A drive fault strikes at a uniform point of the drive's first copy and
//!   frees the station; resolved after `fault_resolution` the drive queues
//!   again for a full copy, unresolved it goes back uncopied.
//! - A cancellation skips copies not yet started; a running copy finishes.

use crate::model::{Cause, CopyOutcome, DriveState, EventKind, JobState};
use crate::record::CopyAttempt;
use crate::sim::engine::Engine;
use crate::sim::event::{Event, Resolution};
use crate::sim::job::JobRef;
use crate::sim::sink::RecordSink;

impl<S: RecordSink> Engine<S> {
    /// The job has just become `Received`: a job fault, or the copy lag.
    pub(in crate::sim) fn after_received(&mut self, j: JobRef) {
        let window = self.scenario.policy.customer_response_window;
        let fate = &self.job(j).fate;
        if fate.job_fault {
            let resolution = fate.job_fault_resolution;
            self.set_job_state(j, JobState::Faulted, Cause::JobFault);
            let job = self.job_mut(j);
            job.faults += 1;
            job.contacts += 1;
            self.note(j, EventKind::JobFault);
            if resolution <= window {
                self.at_held(j, resolution, Event::JobFaultEnd(j, Resolution::Resolved));
            } else {
                self.at_held(j, window, Event::JobFaultEnd(j, Resolution::Unresolved));
            }
        } else {
            let copy_lag = fate.copy_lag;
            self.at_held(j, copy_lag, Event::CopyLagDone(j));
        }
    }

    pub(in crate::sim) fn on_job_fault_end(&mut self, j: JobRef, resolution: Resolution) {
        match resolution {
            Resolution::Resolved => {
                self.set_job_state(j, JobState::Received, Cause::FaultResolved);
                let job = self.job(j);
                let join_at = job.received_at.expect("received") + job.fate.copy_lag;
                if join_at > self.now {
                    self.at_held(j, join_at - self.now, Event::CopyLagDone(j));
                } else {
                    self.open_copy(j);
                }
            }
            Resolution::Unresolved => {
                let job = self.job_mut(j);
                job.job_fault_unresolved = true;
                for drive in &mut job.drives {
                    drive.copy_skipped = true;
                }
                self.note(j, EventKind::FaultUnresolved);
                self.set_job_state(j, JobState::Packaging, Cause::FaultUnresolved);
                self.enter_packaging(j);
            }
        }
    }

    /// The job's received drives join the copy queue (all at once, in
    /// drive-list order); with nothing to copy the job goes to `Packaging`.
    pub(in crate::sim) fn open_copy(&mut self, j: JobRef) {
        let job = self.job_mut(j);
        job.copy_open = true;
        let cancelled = job.cancelled;
        for index in 0..job.drives.len() {
            let drive = &mut self.job_mut(j).drives[index];
            let waiting = drive.exists
                && !drive.extra
                && drive.state == DriveState::Received
                && drive.attempts == 0
                && !drive.copy_skipped;
            if !waiting {
                continue;
            }
            if cancelled {
                drive.copy_skipped = true;
            } else {
                self.enqueue_copy(j, index as u8);
            }
        }
        self.check_copy_finished(j);
    }

    /// A cancellation accepted while copying: drives still waiting leave the
    /// queue uncopied; a running copy finishes.
    pub(in crate::sim) fn skip_waiting_copies(&mut self, j: JobRef) {
        let removed = self
            .copy
            .remove_waiting(self.now, |&(queued, _)| queued == j);
        let job = self.job_mut(j);
        for drive in job.drives.iter_mut().filter(|drive| drive.in_queue) {
            drive.in_queue = false;
            drive.copy_skipped = true;
        }
        job.in_copy -= removed as u32;
        job.holds -= removed as u32;
        self.check_copy_finished(j);
    }

    pub(in crate::sim) fn enqueue_copy(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        let job = self.job_mut(j);
        let counted = !job.in_warmup;
        job.in_copy += 1;
        job.holds += 1;
        let drive = &mut job.drives[usize::from(d)];
        drive.queued_at.get_or_insert(now);
        drive.in_queue = true;
        if let Some(item) = self.copy.arrive(now, (j, d), counted) {
            self.start_copy(item);
        }
    }

    fn start_copy(&mut self, (j, d): (JobRef, u8)) {
        let now = self.now;
        if self.job(j).state == JobState::Received {
            self.set_job_state(j, JobState::Transferring, Cause::CopyStarted);
        }
        self.set_drive_state(j, d, DriveState::Transferring, Cause::CopyStarted);
        let record_history = self.history;
        let p_errors = self.scenario.datacenter.copy_error_probability.get();
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        drive.in_queue = false;
        drive.copy_start_at.get_or_insert(now);
        drive.attempt_start = now;
        drive.attempts += 1;
        let attempt = usize::from(drive.attempts.min(2) - 1);
        let duration = drive.copy_duration(attempt);
        let faults = attempt == 0 && drive.fate.faults;
        let ends_after = if faults {
            duration.scale(drive.fate.fault_point)
        } else {
            duration
        };
        let record = record_history.then(|| CopyAttempt {
            drive: drive.serial,
            start: now,
            data_start: now + drive.fate.copy_setup[attempt],
            end: now + ends_after,
            bytes_at_end: drive.bytes_after(attempt, ends_after, p_errors),
            faulted: faults,
        });
        if let (Some(record), Some(history)) = (record, &mut job.history) {
            history.copy_attempts.push(record);
        }
        if faults {
            self.at(ends_after, Event::DriveFault(j, d));
        } else {
            self.at(duration, Event::CopyDone(j, d));
        }
    }

    fn release_copy_station(&mut self) {
        if let Some(next) = self.copy.release(self.now) {
            self.start_copy(next);
        }
    }

    pub(in crate::sim) fn on_copy_done(&mut self, j: JobRef, d: u8) {
        self.release_copy_station();
        let now = self.now;
        let datacenter = &self.scenario.datacenter;
        let p_errors = datacenter.copy_error_probability.get();
        let p_warnings = p_errors + datacenter.copy_warning_probability.get();
        let p_info = p_warnings + datacenter.copy_info_probability.get();
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        let draw = drive.fate.outcome_draw;
        let (outcome, bytes) = if draw < p_errors {
            (CopyOutcome::Errors, drive.final_bytes(p_errors))
        } else if draw < p_warnings {
            (CopyOutcome::Warnings, drive.fate.data_bytes)
        } else if draw < p_info {
            (CopyOutcome::Info, drive.fate.data_bytes)
        } else {
            (CopyOutcome::Ok, drive.fate.data_bytes)
        };
        drive.copy_outcome = outcome;
        drive.bytes_succeeded = drive.bytes_succeeded.max(bytes);
        drive.copy_end_at = Some(now);
        job.in_copy -= 1;
        let to = if outcome == CopyOutcome::Ok {
            DriveState::Completed
        } else {
            DriveState::CompletedMoreInfo
        };
        self.set_drive_state(j, d, to, Cause::CopyDone);
        if outcome == CopyOutcome::Errors {
            self.note(j, EventKind::CopyErrors);
        }
        self.check_copy_finished(j);
    }

    /// A fault strikes during the drive's first copy; the station is freed.
    pub(in crate::sim) fn on_drive_fault(&mut self, j: JobRef, d: u8) {
        self.release_copy_station();
        let now = self.now;
        let window = self.scenario.policy.customer_response_window;
        let p_errors = self.scenario.datacenter.copy_error_probability.get();
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        let reached = drive.bytes_after(0, now - drive.attempt_start, p_errors);
        drive.bytes_succeeded = drive.bytes_succeeded.max(reached);
        drive.copy_end_at = Some(now);
        let resolution = drive.fate.fault_resolution;
        job.faults += 1;
        job.contacts += 1;
        self.set_drive_state(j, d, DriveState::Faulted, Cause::DriveFault);
        self.note(j, EventKind::DriveFault);
        if resolution <= window {
            let end = Event::DriveFaultEnd(j, d, Resolution::Resolved);
            self.at_held(j, resolution, end);
        } else {
            let end = Event::DriveFaultEnd(j, d, Resolution::Unresolved);
            self.at_held(j, window, end);
        }
    }

    pub(in crate::sim) fn on_drive_fault_end(&mut self, j: JobRef, d: u8, resolution: Resolution) {
        match resolution {
            Resolution::Resolved => {
                self.set_drive_state(j, d, DriveState::Received, Cause::FaultResolved);
                let job = self.job_mut(j);
                job.in_copy -= 1;
                if job.cancelled {
                    job.drives[usize::from(d)].copy_skipped = true;
                    self.check_copy_finished(j);
                } else {
                    // A retried drive rejoins the queue at the tail, for a full copy.
                    self.enqueue_copy(j, d);
                }
            }
            Resolution::Unresolved => {
                let job = self.job_mut(j);
                job.in_copy -= 1;
                job.drives[usize::from(d)].fault_unresolved = true;
                self.note(j, EventKind::FaultUnresolved);
                self.check_copy_finished(j);
            }
        }
    }

    /// Moves the job on to `Packaging` once nothing is queued, copying or faulted.
    pub(in crate::sim) fn check_copy_finished(&mut self, j: JobRef) {
        let job = self.job(j);
        if job.in_copy > 0 || !job.copy_open {
            return;
        }
        match job.state {
            JobState::Received => {
                self.set_job_state(j, JobState::Packaging, Cause::NothingToCopy);
                self.enter_packaging(j);
            }
            JobState::Transferring => {
                self.set_job_state(j, JobState::Packaging, Cause::CopyFinished);
                self.enter_packaging(j);
            }
            JobState::Creating
            | JobState::Shipping
            | JobState::Packaging
            | JobState::Completed
            | JobState::Closed
            | JobState::Faulted => {}
        }
    }
}
