//! Settling: a job leaves memory as a `JobRecord` with its `DriveRecord`s.
//! The engine hands the sink the job itself (`SettledJob`); the sink makes
//! the rows (`SettledJob::write_to`), at once or on its own thread.
//!
//! Jobs that settled at one instant are written once the clock moves past
//! it, in job-key order; at the end of the run every job still in memory is
//! written as it stands (open ones `unfinished`, drives still there
//! `on_site`). With history on, each batch of written jobs is followed by a
//! watermark: every job not yet written was created at or after it.
//!
//! `job_record` and `drive_record` turn a job as it stands into rows; the
//! same functions give a live job's view (`sim::view`).

use crate::model::{DeletionReason, Disposition, JobState, Outcome};
use crate::record::{DriveRecord, JobHistory, JobRecord};
use crate::sim::engine::Engine;
use crate::sim::job::{Drive, Job, JobRef, accrue_state_time};
use crate::sim::sink::RecordSink;

impl<S: RecordSink> Engine<S> {
    /// Writes the jobs that settled at the current instant, by job key.
    /// Inline: the clock moves on nearly every event, and few instants
    /// settle a job.
    #[inline]
    pub(super) fn write_settled(&mut self) {
        if !self.settled.is_empty() {
            self.write_settled_now();
        }
    }

    #[inline(never)]
    fn write_settled_now(&mut self) {
        let mut settled = std::mem::take(&mut self.settled);
        settled.sort_by_key(|&j| self.job(j).key);
        for &j in &settled {
            self.write_job(j);
        }
        settled.clear();
        self.settled = settled;
        if self.history {
            while let Some(&(_, j)) = self.creation_order.front() {
                if self.jobs.contains(j) {
                    break;
                }
                self.creation_order.pop_front();
            }
            let oldest = self
                .creation_order
                .front()
                .map(|&(created_at, _)| created_at);
            let watermark = oldest.map_or(self.now, |created_at| created_at.min(self.now));
            self.sink.watermark(watermark);
        }
    }

    /// At the end of the run: writes every job still in memory, by job key.
    pub(super) fn write_unfinished(&mut self) {
        let mut open: Vec<JobRef> = self.jobs.refs().collect();
        open.sort_by_key(|&j| self.job(j).key);
        let now = self.now;
        for &j in &open {
            let job = self.job_mut(j);
            if !job.deleted && !job.state.is_final() {
                accrue_state_time(job, now);
            }
            self.write_job(j);
        }
    }

    fn write_job(&mut self, j: JobRef) {
        let job = self.jobs.remove(j);
        if let Some(names) = &mut self.names
            && names.get(&job.name) == Some(&j)
        {
            names.remove(&job.name);
        }
        self.jobs_written += 1;
        let settled = SettledJob {
            replication: self.replication,
            job,
        };
        self.sink.settled(settled, &mut self.drive_records);
    }
}

/// A job that settled, as the engine held it, on its way to become rows
/// (`RecordSink::settled`). Making the rows is left to the sink, so that a
/// sink on a thread of its own (`run::Relay`) makes them there.
pub struct SettledJob {
    replication: u32,
    job: Job,
}

impl SettledJob {
    /// Makes the job's row and its drives' (in `drives`, emptied first) and
    /// hands them to `sink.job`.
    pub fn write_to<S: RecordSink + ?Sized>(self, sink: &mut S, drives: &mut Vec<DriveRecord>) {
        let SettledJob {
            replication,
            mut job,
        } = self;
        drives.clear();
        drives.extend(
            job.drives
                .iter()
                .filter(|drive| drive.exists)
                .map(|drive| drive_record(replication, drive)),
        );
        let name = std::mem::take(&mut job.name);
        let history = job.history.take();
        let record = job_record(replication, &job, name, history);
        drop(job);
        sink.job(record, drives);
    }
}

/// The job's row as it stands, with its `name` and `history` given apart
/// (moved out of a job being written, or copied and left out for a live one).
pub fn job_record(
    replication: u32,
    job: &Job,
    name: String,
    history: Option<Box<JobHistory>>,
) -> JobRecord {
    JobRecord {
        replication,
        name,
        kind: job.fate.kind,
        drives: job.fate.n_drives,
        extra_drives: job.drives.iter().filter(|d| d.extra && d.exists).count() as u32,
        outcome: outcome(job),
        cancelled: job.cancelled,
        faults: job.faults,
        contacts: job.contacts,
        created_at: job.created_at,
        shipping_at: job.shipping_at,
        received_at: job.received_at,
        transferring_at: job.transferring_at,
        packaging_at: job.packaging_at,
        finished_at: job.finished_at,
        deleted_at: job.deleted_at,
        deletion_reason: deletion_reason(job),
        events: job.events,
        state_time: job.state_time,
        in_warmup: job.in_warmup,
        history,
    }
}

/// How the job's row ends, as it stands: a job deleted from `Creating` (by
/// its timeout or by the customer) is `expired`.
fn outcome(job: &Job) -> Outcome {
    match job.state {
        JobState::Completed => Outcome::Completed,
        JobState::Closed => Outcome::Closed,
        _ if job.deleted => Outcome::Expired,
        JobState::Creating
        | JobState::Shipping
        | JobState::Received
        | JobState::Transferring
        | JobState::Packaging
        | JobState::Faulted => Outcome::Unfinished,
    }
}

fn deletion_reason(job: &Job) -> Option<DeletionReason> {
    if job.deleted_by_customer {
        Some(DeletionReason::Deleted)
    } else if job.deleted && !job.state.is_final() {
        Some(DeletionReason::Expired)
    } else if job.finished_at.is_some() {
        Some(DeletionReason::Retention)
    } else {
        None
    }
}

/// A drive's row as it stands.
pub fn drive_record(replication: u32, drive: &Drive) -> DriveRecord {
    DriveRecord {
        replication,
        serial: drive.serial,
        extra: drive.extra,
        final_state: drive.state,
        disposition: drive.disposition.unwrap_or(if drive.on_site {
            Disposition::OnSite
        } else {
            Disposition::NeverArrived
        }),
        data_bytes: drive.fate.data_bytes,
        bytes_succeeded: drive.bytes_succeeded,
        copy_outcome: drive.copy_outcome,
        arrived_at: drive.arrived_at,
        received_at: drive.received_at,
        copy_start_at: drive.copy_start_at,
        copy_end_at: drive.copy_end_at,
        shipped_back_at: drive.shipped_back_at,
        destroyed_at: drive.destroyed_at,
        queued_at: drive.queued_at,
    }
}
