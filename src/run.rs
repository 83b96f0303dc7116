//! One run of a scenario into an output directory (README, Outputs).
//!
//! Every file is written into a temporary directory beside the target
//! (`.<name>.tmp-<pid>`), which is renamed into place only when everything is
//! written: a failed or interrupted run never leaves a directory that looks
//! complete. A target that already exists is replaced only if it looks like an
//! earlier run's output (it holds `run.json`) or is empty.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;

use crate::output_dir::{OutputDirError, write_staged};
use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use crate::report::{
    DrivesWriter, EventsWriter, JobsWriter, Metric, MetricsCollector, RunInfo, TimeseriesWriter,
    write_replications_long, write_run_json, write_summary_replications, write_summary_single,
};
use crate::scenario::Scenario;
use crate::sim::{Progress, RecordSink, run_replication};
use crate::time::Clock;

/// How to run, beyond the scenario itself.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The output directory.
    pub out: PathBuf,
    /// Write `events.csv`.
    pub trace: bool,
    /// The command line, recorded in `run.json`.
    pub command: Vec<String>,
    /// Threads for the replications; all cores when `None`.
    pub threads: Option<usize>,
}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// Metrics of each replication, in replication order.
    pub metrics: Vec<Vec<Metric>>,
    pub jobs: u64,
    pub out: PathBuf,
    pub wall_time_seconds: f64,
}

/// A run that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputDirError),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Runs every replication of `scenario` and writes the output directory.
pub fn run_to_dir(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let target = options.out.clone();
    let outcome = write_staged(&target, "run.json", |staging| {
        write_all(scenario, options, staging, progress, started)
    })?;
    Ok(RunOutcome {
        out: target,
        ..outcome
    })
}

fn write_all(
    scenario: &Scenario,
    options: &RunOptions,
    dir: &Path,
    progress: &(dyn Fn(Progress) + Sync),
    started: Instant,
) -> Result<RunOutcome, RunError> {
    let n_replications = scenario.simulation.replications;
    let mut names = vec!["jobs.csv", "drives.csv", "timeseries.csv"];
    if options.trace {
        names.push("events.csv");
    }
    // Each replication writes its own part files. Whichever replication
    // completes the next one in order appends the parts to the final files,
    // so joining overlaps the replications still running, and the output is
    // the same whatever the thread count.
    let joiner = Mutex::new(Joiner {
        next: 0,
        done: vec![false; n_replications as usize],
    });
    // One copy of the scenario that every replication's engine shares.
    let shared = Arc::new(scenario.clone());
    let run_one = |replication: u32| -> ReplicationResult {
        let part = |name: &str| dir.join(format!("{name}.part{replication}"));
        let mut sink = FileSink::create(&part, scenario, options.trace, replication == 0)?;
        let mut report = |p: Progress| progress(p);
        let stats = run_replication(&shared, replication, &mut sink, &mut report);
        sink.finish(dir)?;
        let jobs_written = sink.jobs_written;
        let metrics = sink.metrics.finish(&stats);
        let mut joiner = joiner.lock().expect("no replication panicked");
        joiner.done[replication as usize] = true;
        while joiner.done.get(joiner.next as usize) == Some(&true) {
            for name in &names {
                append_part(dir, name, joiner.next)?;
            }
            joiner.next += 1;
        }
        Ok((metrics, jobs_written))
    };
    // Workers take replications in order (0, 1, 2, ...), so the next one to
    // join is usually the next to finish and little is left to join at the end.
    let next_replication = AtomicU32::new(0);
    let results: Mutex<Vec<Option<ReplicationResult>>> =
        Mutex::new((0..n_replications).map(|_| None).collect());
    let work = || loop {
        let replication = next_replication.fetch_add(1, Ordering::Relaxed);
        if replication >= n_replications {
            break;
        }
        let result = run_one(replication);
        results.lock().expect("no replication panicked")[replication as usize] = Some(result);
    };
    let spread = |workers: usize| (0..workers).into_par_iter().for_each(|_| work());
    match options.threads {
        Some(threads) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            pool.install(|| spread(threads));
        }
        None => spread(rayon::current_num_threads()),
    }
    let results: Vec<_> = results
        .into_inner()
        .expect("no replication panicked")
        .into_iter()
        .map(|result| result.expect("every replication ran"))
        .collect();
    let mut per_replication = Vec::with_capacity(results.len());
    let mut jobs_written = 0;
    for result in results {
        let (metrics, jobs) = result?;
        per_replication.push(metrics);
        jobs_written += jobs;
    }

    let create = |name: &str| create_file(&dir.join(name));
    let in_dir = |name: &str| {
        let path = dir.join(name);
        move |source| RunError::Io { path, source }
    };
    let mut summary = create("summary.csv")?;
    if per_replication.len() == 1 {
        write_summary_single(&mut summary, &per_replication[0]).map_err(in_dir("summary.csv"))?;
    } else {
        write_summary_replications(&mut summary, &per_replication)
            .map_err(in_dir("summary.csv"))?;
        let mut long = create("replications.csv")?;
        write_replications_long(&mut long, &per_replication).map_err(in_dir("replications.csv"))?;
        finish_file(Ok(long), dir, "replications.csv")?;
    }
    finish_file(Ok(summary), dir, "summary.csv")?;

    let wall_time_seconds = started.elapsed().as_secs_f64();
    let info = RunInfo {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command: options.command.clone(),
        scenario_name: scenario.simulation.name.clone(),
        seed: scenario.simulation.seed,
        replications: n_replications,
        jobs: jobs_written,
        wall_time_seconds,
        resolved_scenario: serde_json::to_value(&scenario.resolved)
            .expect("a TOML table converts to JSON"),
    };
    let mut run_json = create("run.json")?;
    write_run_json(&mut run_json, &info).map_err(in_dir("run.json"))?;
    finish_file(Ok(run_json), dir, "run.json")?;

    Ok(RunOutcome {
        metrics: per_replication,
        jobs: jobs_written,
        out: dir.to_path_buf(),
        wall_time_seconds,
    })
}

fn create_file(path: &Path) -> Result<BufWriter<File>, RunError> {
    File::create(path)
        .map(|file| BufWriter::with_capacity(1 << 16, file))
        .map_err(|source| RunError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// One replication's metrics and the number of jobs it wrote.
type ReplicationResult = Result<(Vec<Metric>, u64), RunError>;

/// Which replications have finished, and the first not yet joined.
struct Joiner {
    next: u32,
    done: Vec<bool>,
}

/// Appends `name.part<replication>` to `name` and removes it; part 0 (the
/// one with the header line) becomes `name`.
fn append_part(dir: &Path, name: &str, replication: u32) -> Result<(), RunError> {
    let target = dir.join(name);
    let part = dir.join(format!("{name}.part{replication}"));
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Io { path, source }
    };
    if replication == 0 {
        return fs::rename(&part, &target).map_err(io_error(&part));
    }
    let mut out = fs::OpenOptions::new()
        .append(true)
        .open(&target)
        .map_err(io_error(&target))?;
    let mut input = File::open(&part).map_err(io_error(&part))?;
    io::copy(&mut input, &mut out).map_err(io_error(&target))?;
    fs::remove_file(&part).map_err(io_error(&part))
}

/// Flushes a finished writer.
fn finish_file(
    writer: io::Result<BufWriter<File>>,
    dir: &Path,
    name: &str,
) -> Result<(), RunError> {
    let error = |source| RunError::Io {
        path: dir.join(name),
        source,
    };
    // Flushed, not synced: the rename makes the directory appear whole, and
    // an fsync of every file would cost more than the run on a large output.
    let mut writer = writer.map_err(error)?;
    writer.flush().map_err(error)
}

/// Sends one replication's rows to its part files and to its metrics.
struct FileSink {
    jobs: JobsWriter<BufWriter<File>>,
    drives: DrivesWriter<BufWriter<File>>,
    timeseries: TimeseriesWriter<BufWriter<File>>,
    events: Option<EventsWriter<BufWriter<File>>>,
    metrics: MetricsCollector,
    jobs_written: u64,
    /// The first write error; reported when the replication ends.
    error: Option<io::Error>,
}

impl FileSink {
    /// Opens the part files; only the first replication's carry the headers.
    fn create(
        part: &dyn Fn(&str) -> PathBuf,
        scenario: &Scenario,
        trace: bool,
        headers: bool,
    ) -> Result<FileSink, RunError> {
        let clock = Clock {
            start_epoch_ms: scenario.simulation.start.timestamp_millis(),
        };
        let open = |name: &str| -> Result<(BufWriter<File>, PathBuf), RunError> {
            let path = part(name);
            Ok((create_file(&path)?, path))
        };
        let failed = |path: PathBuf| move |source| RunError::Io { path, source };
        let (file, path) = open("jobs.csv")?;
        let jobs = if headers {
            JobsWriter::new(file, clock).map_err(failed(path))?
        } else {
            JobsWriter::continuing(file, clock)
        };
        let (file, path) = open("drives.csv")?;
        let drives = if headers {
            DrivesWriter::new(file, clock).map_err(failed(path))?
        } else {
            DrivesWriter::continuing(file, clock)
        };
        let (file, path) = open("timeseries.csv")?;
        let timeseries = if headers {
            TimeseriesWriter::new(file, clock).map_err(failed(path))?
        } else {
            TimeseriesWriter::continuing(file, clock)
        };
        let events = match (trace, headers) {
            (false, _) => None,
            (true, true) => {
                let (file, path) = open("events.csv")?;
                Some(EventsWriter::new(file, clock).map_err(failed(path))?)
            }
            (true, false) => Some(EventsWriter::continuing(open("events.csv")?.0, clock)),
        };
        Ok(FileSink {
            jobs,
            drives,
            timeseries,
            events,
            metrics: MetricsCollector::new(),
            jobs_written: 0,
            error: None,
        })
    }

    fn keep(&mut self, result: io::Result<()>) {
        if let Err(error) = result {
            self.error.get_or_insert(error);
        }
    }

    /// Flushes the part files, reporting the first write error.
    fn finish(&mut self, dir: &Path) -> Result<(), RunError> {
        let failed = |source| RunError::Io {
            path: dir.to_path_buf(),
            source,
        };
        if let Some(error) = self.error.take() {
            return Err(failed(error));
        }
        self.jobs.flush().map_err(failed)?;
        self.drives.flush().map_err(failed)?;
        self.timeseries.flush().map_err(failed)?;
        if let Some(events) = &mut self.events {
            events.flush().map_err(failed)?;
        }
        Ok(())
    }
}

impl RecordSink for FileSink {
    fn job(&mut self, job: &JobRecord, drives: &[DriveRecord]) {
        self.jobs_written += 1;
        self.metrics.add_job(job, drives);
        let result = self.jobs.write(job);
        self.keep(result);
        for drive in drives {
            let result = self.drives.write(&job.name, drive);
            self.keep(result);
        }
    }

    fn timeseries(&mut self, row: &TimeseriesRow) {
        let result = self.timeseries.write(row);
        self.keep(result);
    }

    fn wants_trace(&self) -> bool {
        self.events.is_some()
    }

    fn trace(&mut self, event: &TraceEvent) {
        if let Some(events) = &mut self.events {
            let result = events.write(event);
            self.keep(result);
        }
    }
}
