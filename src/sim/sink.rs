//! `RecordSink`: where the engine's finished rows go, in row order.

use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use crate::sim::settle::SettledJob;
use crate::time::SimTime;

/// Where finished rows go. Called in row order.
pub trait RecordSink {
    /// A settled job and its drives (listed, extra, received export drives).
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]);
    /// A settled job as the engine held it, to become the rows `job` takes.
    /// The default makes them at once (`drives` is a buffer to reuse for
    /// the drive rows); `run::Relay` sends the job to its writer thread and
    /// makes them there, off the engine's thread.
    fn settled(&mut self, job: SettledJob, drives: &mut Vec<DriveRecord>) {
        job.write_to(self, drives);
    }
    /// A daily snapshot.
    fn timeseries(&mut self, row: &TimeseriesRow);
    /// Whether `trace` should be called at all (it costs a string per transition).
    fn wants_trace(&self) -> bool;
    /// A state transition.
    fn trace(&mut self, event: &TraceEvent);
    /// Whether jobs should record their `JobHistory` (and job records carry it).
    fn wants_history(&self) -> bool {
        false
    }
    /// Every job not yet written was created at or after `time`, and none
    /// will be created before it (called after each batch of written jobs
    /// when history is on): what happened before `time` is complete.
    fn watermark(&mut self, _time: SimTime) {}
    /// Whether the run should stop early (a write failed, or the command was
    /// interrupted); the batch driver asks every few thousand events.
    fn stopped(&self) -> bool {
        false
    }
}

impl<T: RecordSink + ?Sized> RecordSink for &mut T {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        (**self).job(job, drives);
    }

    fn settled(&mut self, job: SettledJob, drives: &mut Vec<DriveRecord>) {
        (**self).settled(job, drives);
    }

    fn timeseries(&mut self, row: &TimeseriesRow) {
        (**self).timeseries(row);
    }

    fn wants_trace(&self) -> bool {
        (**self).wants_trace()
    }

    fn trace(&mut self, event: &TraceEvent) {
        (**self).trace(event);
    }

    fn wants_history(&self) -> bool {
        (**self).wants_history()
    }

    fn watermark(&mut self, time: SimTime) {
        (**self).watermark(time);
    }

    fn stopped(&self) -> bool {
        (**self).stopped()
    }
}
