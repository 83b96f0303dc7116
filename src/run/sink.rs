//! `FileSink`: one replication's rows into its parts of `jobs.csv`,
//! `drives.csv`, `timeseries.csv` and `events.csv` (those the run's
//! `OutputSet` chooses), and into its metrics, which see every row whatever
//! is written.
//!
//! The first failed write stops the replication (`RecordSink::stopped`) and
//! every other replication of the run (`Stop`), so a full disk ends a run at
//! once rather than after simulating everything.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::interrupt::Interrupt;
use crate::output_dir::StagedDir;
use crate::outputs::{Compression, OutputKind, OutputSet};
use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use crate::report::{DrivesWriter, EventsWriter, JobsWriter, MetricsCollector, TimeseriesWriter};
use crate::scenario::Scenario;
use crate::sim::RecordSink;
use crate::time::Clock;

use super::RunError;
use super::final_file::FinalFile;
use super::part::Part;
use super::part_writer::{PartWriter, WrittenPart};

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

/// One replication's finished parts, one per row file the run writes, in
/// `OutputSet::row_files` order.
pub type Parts = Vec<(OutputKind, WrittenPart)>;

/// How a run lays out its row files.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub outputs: OutputSet,
    pub compression: Compression,
    /// With compression: one zstd frame per replication (a shard's files,
    /// which `merge` takes apart), not one per file.
    pub frame_per_replication: bool,
}

impl Layout {
    /// The name a row file is written as (`jobs.csv`, `jobs.csv.zst`).
    pub fn file_name(&self, kind: OutputKind) -> String {
        self.compression.file_name(kind.file_name())
    }

    /// Where replication `replication` writes its rows of `kind`; `first`
    /// for the replication whose part starts the file.
    fn part_writer(
        &self,
        dir: &StagedDir,
        kind: OutputKind,
        replication: u32,
        first: bool,
    ) -> io::Result<PartWriter> {
        let part = || Part::new(dir.file(&format!("{}.part{replication}", kind.file_name())));
        match self.compression {
            Compression::None => Ok(PartWriter::held(part())),
            Compression::Zstd { level } if self.frame_per_replication => {
                PartWriter::frame(part(), level)
            }
            Compression::Zstd { .. } if first => Ok(PartWriter::final_file(FinalFile::create(
                &dir.file(&self.file_name(kind)),
                self.compression,
            )?)),
            Compression::Zstd { .. } => Ok(PartWriter::held(part())),
        }
    }
}

/// Sends one replication's rows to its parts and to its metrics.
pub struct FileSink<'a> {
    jobs: Option<JobsWriter<PartWriter>>,
    drives: Option<DrivesWriter<PartWriter>>,
    timeseries: Option<TimeseriesWriter<PartWriter>>,
    events: Option<EventsWriter<PartWriter>>,
    metrics: MetricsCollector,
    pub jobs_written: u64,
    layout: Layout,
    dir: &'a StagedDir,
    stop: &'a Stop<'a>,
    /// The first write error, with the file it was for.
    error: Option<RunError>,
}

impl<'a> FileSink<'a> {
    /// Parts for `replication` of the files `layout` chooses; `first` for
    /// the replication whose parts start the files (they carry the header
    /// lines).
    pub fn new(
        dir: &'a StagedDir,
        scenario: &Scenario,
        replication: u32,
        first: bool,
        layout: Layout,
        stop: &'a Stop<'a>,
    ) -> Result<FileSink<'a>, RunError> {
        let clock = Clock {
            start_epoch_ms: scenario.simulation.start.timestamp_millis(),
        };
        let failed = |kind: OutputKind| {
            let path = dir.shown(&layout.file_name(kind));
            move |source| RunError::Io { path, source }
        };
        let writer = |kind: OutputKind| -> Result<Option<PartWriter>, RunError> {
            if !layout.outputs.contains(kind) {
                return Ok(None);
            }
            layout
                .part_writer(dir, kind, replication, first)
                .map(Some)
                .map_err(failed(kind))
        };
        // The header goes to a part in memory or to a new file: a write that
        // fails is the file's error, as a row's would be.
        let jobs = match writer(OutputKind::Jobs)? {
            None => None,
            Some(out) if first => {
                Some(JobsWriter::new(out, clock).map_err(failed(OutputKind::Jobs))?)
            }
            Some(out) => Some(JobsWriter::continuing(out, clock)),
        };
        let drives = match writer(OutputKind::Drives)? {
            None => None,
            Some(out) if first => {
                Some(DrivesWriter::new(out, clock).map_err(failed(OutputKind::Drives))?)
            }
            Some(out) => Some(DrivesWriter::continuing(out, clock)),
        };
        let timeseries = match writer(OutputKind::Timeseries)? {
            None => None,
            Some(out) if first => {
                Some(TimeseriesWriter::new(out, clock).map_err(failed(OutputKind::Timeseries))?)
            }
            Some(out) => Some(TimeseriesWriter::continuing(out, clock)),
        };
        let events = match writer(OutputKind::Events)? {
            None => None,
            Some(out) if first => {
                Some(EventsWriter::new(out, clock).map_err(failed(OutputKind::Events))?)
            }
            Some(out) => Some(EventsWriter::continuing(out, clock)),
        };
        Ok(FileSink {
            jobs,
            drives,
            timeseries,
            events,
            metrics: MetricsCollector::new(),
            jobs_written: 0,
            layout,
            dir,
            stop,
            error: None,
        })
    }

    /// The parts, finished, and the metrics; or the first write error.
    pub fn finish(self) -> Result<(Parts, MetricsCollector), RunError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let dir = self.dir;
        let layout = self.layout;
        let failed = |kind: OutputKind| {
            let path = dir.shown(&layout.file_name(kind));
            move |source| RunError::Io { path, source }
        };
        let mut parts = Parts::new();
        let mut keep = |kind: OutputKind, out: io::Result<PartWriter>| -> Result<(), RunError> {
            let part = out.and_then(PartWriter::finish).map_err(failed(kind))?;
            parts.push((kind, part));
            Ok(())
        };
        if let Some(jobs) = self.jobs {
            keep(OutputKind::Jobs, jobs.finish())?;
        }
        if let Some(drives) = self.drives {
            keep(OutputKind::Drives, drives.finish())?;
        }
        if let Some(timeseries) = self.timeseries {
            keep(OutputKind::Timeseries, timeseries.finish())?;
        }
        if let Some(events) = self.events {
            keep(OutputKind::Events, events.finish())?;
        }
        debug_assert!(
            parts
                .iter()
                .map(|(kind, _)| *kind)
                .eq(layout.outputs.row_files()),
            "parts in row-file order"
        );
        Ok((parts, self.metrics))
    }

    fn keep(&mut self, kind: OutputKind, result: io::Result<()>) {
        if let Err(source) = result
            && self.error.is_none()
        {
            self.error = Some(RunError::Io {
                path: self.dir.shown(&self.layout.file_name(kind)),
                source,
            });
            self.stop.fail();
        }
    }
}

impl RecordSink for FileSink<'_> {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        self.jobs_written += 1;
        self.metrics.add_job(&job, drives);
        if let Some(jobs) = &mut self.jobs {
            let result = jobs.write(&job);
            self.keep(OutputKind::Jobs, result);
        }
        if let Some(writer) = &mut self.drives {
            let mut result = Ok(());
            for drive in drives {
                result = result.and_then(|()| writer.write(&job.name, drive));
            }
            self.keep(OutputKind::Drives, result);
        }
    }

    fn timeseries(&mut self, row: &TimeseriesRow) {
        if let Some(timeseries) = &mut self.timeseries {
            let result = timeseries.write(row);
            self.keep(OutputKind::Timeseries, result);
        }
    }

    fn wants_trace(&self) -> bool {
        self.events.is_some()
    }

    fn trace(&mut self, event: &TraceEvent) {
        if let Some(events) = &mut self.events {
            let result = events.write(event);
            self.keep(OutputKind::Events, result);
        }
    }

    fn stopped(&self) -> bool {
        self.error.is_some() || self.stop.is_set()
    }
}
