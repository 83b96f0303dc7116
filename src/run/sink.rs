//! `FileSink`: one replication's rows into its parts of `jobs.csv`,
//! `drives.csv`, `timeseries.csv` (and `events.csv`), and into its metrics.
//!
//! The first failed write stops the replication (`RecordSink::stopped`) and
//! every other replication of the run (`Stop`), so a full disk ends a run at
//! once rather than after simulating everything.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::interrupt::Interrupt;
use crate::output_dir::StagedDir;
use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use crate::report::{DrivesWriter, EventsWriter, JobsWriter, MetricsCollector, TimeseriesWriter};
use crate::scenario::Scenario;
use crate::sim::RecordSink;
use crate::time::Clock;

use super::RunError;
use super::part::Part;

/// Why the replications of one run stop early: a write failed in one of
/// them, or the command was interrupted.
pub struct Stop<'a> {
    pub interrupt: &'a Interrupt,
    failed: AtomicBool,
}

impl Stop<'_> {
    pub fn new(interrupt: &Interrupt) -> Stop<'_> {
        Stop {
            interrupt,
            failed: AtomicBool::new(false),
        }
    }

    /// Stops every replication: a write failed.
    pub fn fail(&self) {
        self.failed.store(true, Ordering::Relaxed);
    }

    pub fn is_set(&self) -> bool {
        self.failed.load(Ordering::Relaxed) || self.interrupt.is_raised()
    }
}

/// One replication's parts, in the order of `FILE_NAMES` (`events.csv`
/// only with `--trace`).
pub type Parts = Vec<Part>;

/// The files a run joins from its replications' parts, in this order.
pub const FILE_NAMES: [&str; 4] = ["jobs.csv", "drives.csv", "timeseries.csv", "events.csv"];

/// Sends one replication's rows to its parts and to its metrics.
pub struct FileSink<'a> {
    jobs: JobsWriter<Part>,
    drives: DrivesWriter<Part>,
    timeseries: TimeseriesWriter<Part>,
    events: Option<EventsWriter<Part>>,
    metrics: MetricsCollector,
    pub jobs_written: u64,
    dir: &'a StagedDir,
    stop: &'a Stop<'a>,
    /// The first write error, with the file it was for.
    error: Option<RunError>,
}

impl<'a> FileSink<'a> {
    /// Parts for `replication`; only the first replication's carry the
    /// header lines.
    pub fn new(
        dir: &'a StagedDir,
        scenario: &Scenario,
        replication: u32,
        trace: bool,
        stop: &'a Stop<'a>,
    ) -> FileSink<'a> {
        let clock = Clock {
            start_epoch_ms: scenario.simulation.start.timestamp_millis(),
        };
        let part = |name: &str| Part::new(dir.file(&format!("{name}.part{replication}")));
        let [jobs_name, drives_name, timeseries_name, events_name] = FILE_NAMES;
        // A header goes to a part in memory, which cannot fail to take it.
        let headers = replication == 0;
        let in_memory = "a header fits in memory";
        let jobs = if headers {
            JobsWriter::new(part(jobs_name), clock).expect(in_memory)
        } else {
            JobsWriter::continuing(part(jobs_name), clock)
        };
        let drives = if headers {
            DrivesWriter::new(part(drives_name), clock).expect(in_memory)
        } else {
            DrivesWriter::continuing(part(drives_name), clock)
        };
        let timeseries = if headers {
            TimeseriesWriter::new(part(timeseries_name), clock).expect(in_memory)
        } else {
            TimeseriesWriter::continuing(part(timeseries_name), clock)
        };
        let events = match (trace, headers) {
            (false, _) => None,
            (true, true) => Some(EventsWriter::new(part(events_name), clock).expect(in_memory)),
            (true, false) => Some(EventsWriter::continuing(part(events_name), clock)),
        };
        FileSink {
            jobs,
            drives,
            timeseries,
            events,
            metrics: MetricsCollector::new(),
            jobs_written: 0,
            dir,
            stop,
            error: None,
        }
    }

    /// The parts, flushed, and the metrics; or the first write error.
    pub fn finish(self) -> Result<(Parts, MetricsCollector), RunError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let dir = self.dir;
        let failed = |name: &str| {
            let path = dir.shown(name);
            move |source| RunError::Io { path, source }
        };
        let [jobs_name, drives_name, timeseries_name, events_name] = FILE_NAMES;
        let mut parts = vec![
            self.jobs.finish().map_err(failed(jobs_name))?,
            self.drives.finish().map_err(failed(drives_name))?,
            self.timeseries.finish().map_err(failed(timeseries_name))?,
        ];
        if let Some(events) = self.events {
            parts.push(events.finish().map_err(failed(events_name))?);
        }
        Ok((parts, self.metrics))
    }

    fn keep(&mut self, name: &str, result: io::Result<()>) {
        if let Err(source) = result
            && self.error.is_none()
        {
            self.error = Some(RunError::Io {
                path: self.dir.shown(name),
                source,
            });
            self.stop.fail();
        }
    }
}

impl RecordSink for FileSink<'_> {
    fn job(&mut self, job: &JobRecord, drives: &[DriveRecord]) {
        self.jobs_written += 1;
        self.metrics.add_job(job, drives);
        let result = self.jobs.write(job);
        self.keep(FILE_NAMES[0], result);
        for drive in drives {
            let result = self.drives.write(&job.name, drive);
            self.keep(FILE_NAMES[1], result);
        }
    }

    fn timeseries(&mut self, row: &TimeseriesRow) {
        let result = self.timeseries.write(row);
        self.keep(FILE_NAMES[2], result);
    }

    fn wants_trace(&self) -> bool {
        self.events.is_some()
    }

    fn trace(&mut self, event: &TraceEvent) {
        if let Some(events) = &mut self.events {
            let result = events.write(event);
            self.keep(FILE_NAMES[3], result);
        }
    }

    fn stopped(&self) -> bool {
        self.error.is_some() || self.stop.is_set()
    }
}
