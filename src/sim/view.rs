//! A live job as rows: what a server shows for Get Job and List Jobs.
//!
//! `Engine::live_job` builds the job's `JobRecord` and `DriveRecord`s as
//! they stand now (by the same functions that write settled jobs) and lends
//! its `JobHistory`; the Get Job interpreter that `fixtures` uses for
//! settled jobs reads them (`fixtures::snapshot::JobView`), so a live job
//! and a written one are shown by one interpreter of the lifecycle.

use std::ops::Bound;

use crate::record::{DriveRecord, JobHistory, JobRecord};
use crate::sim::engine::Engine;
use crate::sim::job::Job;
use crate::sim::settle::{drive_record, job_record};
use crate::sim::sink::RecordSink;
use crate::sim::streams::JobKey;

/// A job in the engine as it stands now.
#[derive(Debug)]
pub struct LiveJob<'a> {
    pub key: JobKey,
    /// The row as it would be written now (without its history: see `history`).
    pub record: JobRecord,
    pub drives: Vec<DriveRecord>,
    /// The job's history, when the engine records it.
    pub history: Option<&'a JobHistory>,
}

impl<S: RecordSink> Engine<S> {
    /// The job of that name as it stands now, if it exists for Get Job
    /// (servers only: other engines find no job by name).
    pub fn live_job(&self, name: &str) -> Option<LiveJob<'_>> {
        let j = self.find(name)?;
        let job = self.job(j);
        job.is_retained(self.now).then(|| self.live(job))
    }

    /// Whether a job of that name exists for Get Job now.
    pub fn has_live_job(&self, name: &str) -> bool {
        self.find(name)
            .is_some_and(|j| self.job(j).is_retained(self.now))
    }

    /// Every job that exists for Get Job now, in name order.
    pub fn live_jobs(&self) -> impl Iterator<Item = LiveJob<'_>> + '_ {
        self.live_jobs_after(None)
    }

    /// Every job that exists for Get Job now whose name comes after `after`
    /// (all of them when `None`), in name order: where a listing's next
    /// page resumes, whatever was created or deleted since the last one.
    pub fn live_jobs_after<'a>(
        &'a self,
        after: Option<&str>,
    ) -> impl Iterator<Item = LiveJob<'a>> + 'a {
        let lower = match after {
            Some(name) => Bound::Excluded(name.to_string()),
            None => Bound::Unbounded,
        };
        self.names
            .iter()
            .flat_map(move |names| names.range((lower.clone(), Bound::Unbounded)))
            .map(|(_, &j)| self.job(j))
            .filter(|job| job.is_retained(self.now))
            .map(|job| self.live(job))
    }

    fn live<'a>(&self, job: &'a Job) -> LiveJob<'a> {
        let drives = job
            .drives
            .iter()
            .filter(|drive| drive.exists)
            .map(|drive| drive_record(self.replication, drive))
            .collect();
        LiveJob {
            key: job.key,
            record: job_record(self.replication, job, job.name.clone(), None),
            drives,
            history: job.history.as_deref(),
        }
    }
}
