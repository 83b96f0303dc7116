//! Every state change of a job or a drive goes through here: checked
//! against the one table of legal transitions (`model`), counted for the
//! site, and recorded in the job's history and the trace when they are on.
//! An illegal transition panics: it is a bug in the engine, never a user
//! error.
//!
//! Also recorded here, for a job's history: the customer's calls with the
//! service's answers, and when the service first held a fact about the job
//! (its return address, its delivery package, a cancellation).

use crate::model::Answer;
use crate::model::{
    Cause, DriveState, EventKind, JobState, check_drive_transition, check_job_transition,
};
use crate::record::{CallKind, CustomerCall, StateChange, TraceEvent, TraceState};
use crate::sim::engine::Engine;
use crate::sim::event::Event;
use crate::sim::job::{JobRef, accrue_state_time};
use crate::sim::sink::RecordSink;

/// What the service came to know about a job (for its history).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    ReturnAddress,
    DeliveryPackage,
    CancelRequested,
}

impl<S: RecordSink> Engine<S> {
    pub(super) fn set_job_state(&mut self, j: JobRef, to: JobState, cause: Cause) {
        let now = self.now;
        let retention = self.scenario.policy.retention;
        let keep = self.keeps_until_deleted();
        let job = self.job_mut(j);
        let from = job.state;
        assert!(!job.deleted, "transition of a deleted job");
        check_job_transition(from, to);
        accrue_state_time(job, now);
        job.state = to;
        let first = match to {
            JobState::Shipping => &mut job.shipping_at,
            JobState::Received => &mut job.received_at,
            JobState::Transferring => &mut job.transferring_at,
            JobState::Packaging => &mut job.packaging_at,
            JobState::Completed | JobState::Closed => {
                job.deleted_at = Some(now + retention);
                &mut job.finished_at
            }
            JobState::Creating | JobState::Faulted => &mut None,
        };
        first.get_or_insert(now);
        if let Some(index) = from.open_index() {
            self.site.jobs_in_state[index] -= 1;
        }
        if let Some(index) = to.open_index() {
            self.site.jobs_in_state[index] += 1;
        }
        self.record_change(j, None, TraceState::Job(from), TraceState::Job(to), cause);
        if to.is_final() && keep {
            // A server keeps the job readable until its retention is over.
            self.at(retention, Event::RetentionOver(j));
        }
    }

    pub(super) fn set_drive_state(&mut self, j: JobRef, d: u8, to: DriveState, cause: Cause) {
        let drive = &mut self.job_mut(j).drives[usize::from(d)];
        let from = drive.state;
        check_drive_transition(from, to);
        drive.state = to;
        let serial = drive.serial;
        self.record_change(
            j,
            Some(serial),
            TraceState::Drive(from),
            TraceState::Drive(to),
            cause,
        );
    }

    /// An export or extra drive comes into existence at `Received`.
    pub(super) fn create_drive(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        let drive = &mut self.job_mut(j).drives[usize::from(d)];
        drive.exists = true;
        drive.state = DriveState::Received;
        drive.received_at.get_or_insert(now);
        let serial = drive.serial;
        self.record_change(
            j,
            Some(serial),
            TraceState::None,
            TraceState::Drive(DriveState::Received),
            Cause::Received,
        );
    }

    /// The job met `kind` (its `events` column).
    pub(super) fn note(&mut self, j: JobRef, kind: EventKind) {
        self.job_mut(j).events.insert(kind);
    }

    /// A state change of the job (`drive` is `None`) or of the drive with
    /// that serial, into the job's history and the trace, when they are on.
    #[inline]
    pub(super) fn record_change(
        &mut self,
        j: JobRef,
        drive: Option<u32>,
        from: TraceState,
        to: TraceState,
        cause: Cause,
    ) {
        // Neither is on in most runs: then this is one test where it is called.
        if self.history || self.trace {
            self.record_change_now(j, drive, from, to, cause);
        }
    }

    #[inline(never)]
    fn record_change_now(
        &mut self,
        j: JobRef,
        drive: Option<u32>,
        from: TraceState,
        to: TraceState,
        cause: Cause,
    ) {
        let now = self.now;
        if let Some(history) = &mut self.job_mut(j).history {
            history.changes.push(StateChange {
                time: now,
                drive,
                from,
                to,
                cause,
            });
        }
        if self.trace {
            let event = TraceEvent {
                time: now,
                replication: self.replication,
                job: self.job(j).name.clone(),
                drive: drive.map(|serial| format!("{serial:08X}")),
                from,
                to,
                cause,
            };
            self.sink.trace(&event);
        }
    }

    /// Records a customer call in the job's history, if on.
    pub(super) fn record_call(&mut self, j: JobRef, kind: CallKind, answer: Answer) {
        let now = self.now;
        if let Some(history) = &mut self.job_mut(j).history {
            history.calls.push(CustomerCall {
                time: now,
                kind,
                answer,
            });
        }
    }

    /// Notes in the history when the service first held the return address,
    /// the delivery package, or an accepted cancellation.
    pub(super) fn record_fact(&mut self, j: JobRef, fact: Fact) {
        let now = self.now;
        if let Some(history) = &mut self.job_mut(j).history {
            let field = match fact {
                Fact::ReturnAddress => &mut history.return_address_at,
                Fact::DeliveryPackage => &mut history.delivery_package_at,
                Fact::CancelRequested => &mut history.cancel_requested_at,
            };
            field.get_or_insert(now);
        }
    }
}
