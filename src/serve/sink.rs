//! `ServeSink`: the served engine's rows into `jobs.csv`, `drives.csv` and
//! `timeseries.csv` as they are written, and into the metrics of
//! `summary.csv` (written at the stop).
//!
//! The files are in the staging directory of the server's output from the
//! start, so memory does not grow with the jobs a long-running server has
//! seen. The first failed write is kept and reported at the stop; nothing
//! more is written to that file after it.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::PathBuf;

use crate::output_dir::StagedDir;
use crate::record::{DriveRecord, JobRecord, RunStats, TimeseriesRow, TraceEvent};
use crate::report::{DrivesWriter, JobsWriter, Metric, MetricsCollector, TimeseriesWriter};
use crate::serve::ServeError;
use crate::sim::RecordSink;
use crate::time::Clock;

type Out = BufWriter<File>;

/// Rows of the served engine, into files.
pub struct ServeSink {
    jobs: JobsWriter<Out>,
    drives: DrivesWriter<Out>,
    timeseries: TimeseriesWriter<Out>,
    metrics: MetricsCollector,
    /// Job rows written.
    pub jobs_written: u64,
    dir: StagedDir,
    error: Option<ServeError>,
}

impl ServeSink {
    /// Creates the three files in `dir`, with their headers.
    pub fn create(dir: &StagedDir, clock: Clock) -> Result<ServeSink, ServeError> {
        let open = |name: &str| -> Result<Out, ServeError> {
            let file = File::create(dir.file(name)).map_err(io_error(dir, name))?;
            Ok(BufWriter::with_capacity(1 << 16, file))
        };
        let jobs = JobsWriter::new(open("jobs.csv")?, clock).map_err(io_error(dir, "jobs.csv"))?;
        let drives =
            DrivesWriter::new(open("drives.csv")?, clock).map_err(io_error(dir, "drives.csv"))?;
        let timeseries = TimeseriesWriter::new(open("timeseries.csv")?, clock)
            .map_err(io_error(dir, "timeseries.csv"))?;
        Ok(ServeSink {
            jobs,
            drives,
            timeseries,
            metrics: MetricsCollector::new(),
            jobs_written: 0,
            dir: dir.clone(),
            error: None,
        })
    }

    /// Flushes the files and returns the metrics, or the first write error.
    pub fn finish(self, stats: RunStats) -> Result<Vec<Metric>, ServeError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let dir = &self.dir;
        // `finish` writes what is pending and flushes.
        let flush = |out: io::Result<Out>, name: &str| -> Result<(), ServeError> {
            out.map(drop).map_err(io_error(dir, name))
        };
        flush(self.jobs.finish(), "jobs.csv")?;
        flush(self.drives.finish(), "drives.csv")?;
        flush(self.timeseries.finish(), "timeseries.csv")?;
        Ok(self.metrics.finish(stats))
    }

    fn keep(&mut self, name: &str, result: io::Result<()>) {
        if let Err(source) = result
            && self.error.is_none()
        {
            self.error = Some(ServeError::Io {
                path: self.dir.shown(name),
                source,
            });
        }
    }
}

impl RecordSink for ServeSink {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        self.jobs_written += 1;
        self.metrics.add_job(&job, drives);
        if self.error.is_some() {
            return;
        }
        let result = self.jobs.write(&job);
        self.keep("jobs.csv", result);
        for drive in drives {
            let result = self.drives.write(&job.name, drive);
            self.keep("drives.csv", result);
        }
    }

    fn timeseries(&mut self, row: &TimeseriesRow) {
        if self.error.is_none() {
            let result = self.timeseries.write(row);
            self.keep("timeseries.csv", result);
        }
    }

    fn wants_trace(&self) -> bool {
        false
    }

    fn trace(&mut self, _event: &TraceEvent) {}

    /// Get Job reads a live job's history.
    fn wants_history(&self) -> bool {
        true
    }
}

fn io_error(dir: &StagedDir, name: &str) -> impl FnOnce(io::Error) -> ServeError + use<> {
    let path: PathBuf = dir.shown(name);
    move |source| ServeError::Io { path, source }
}
