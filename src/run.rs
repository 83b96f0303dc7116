//! One run of a scenario into an output directory (README, Outputs).
//!
//! `run_to_dir` writes through `output_dir::write_staged`: everything goes to
//! a staging directory renamed into place only when complete, so a failed or
//! interrupted run never leaves a directory that looks complete, and an
//! existing target is replaced only if it looks like an earlier run's output
//! (it holds `run.json`) or is empty.
//!
//! Replications run in parallel (`--threads`, at most `MAX_THREADS`). Each
//! writes its rows into its own `Part`s (`part`): replication 0's become the
//! final files, and each later one's are appended in replication order as
//! soon as every earlier replication is done, so the output is the same
//! whatever the thread count. The first
//! failed write, or an `Interrupt`, stops every replication (`sink::Stop`).

mod part;
mod relay;
mod replication_metrics;
mod sink;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;

use crate::interrupt::{Interrupt, Interrupted};
use crate::output_dir::{OutputDirError, StagedDir, write_staged};
use crate::report::{
    Metric, REPLICATIONS_HEADER, RunInfo, write_replication_rows, write_run_json, write_summaries,
    write_summary_single,
};
use crate::scenario::Scenario;
use crate::sim::{Progress, run_replication};

use self::relay::relay;
use self::sink::{FILE_NAMES, FileSink, Parts, Stop};

pub use self::replication_metrics::ReplicationMetrics;

/// The most threads `--threads` may ask for: far more than any machine's
/// cores, few enough that every one of them can be started.
pub const MAX_THREADS: usize = 1024;

/// The file whose presence marks a directory as a run's output.
pub const RUN_MARKER: &str = "run.json";

/// How to run, beyond the scenario itself.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The output directory (`run_to_dir`).
    pub out: PathBuf,
    /// Write `events.csv`.
    pub trace: bool,
    /// The command line, recorded in `run.json`.
    pub command: Vec<String>,
    /// Threads for the replications (1 to `MAX_THREADS`); all cores when `None`.
    pub threads: Option<usize>,
    /// Raised to stop the run early; nothing is then put in place.
    pub interrupt: Interrupt,
}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// Metrics of each replication, in replication order.
    pub metrics: ReplicationMetrics,
    /// Job rows written, over all replications.
    pub jobs: u64,
    /// The output directory.
    pub out: PathBuf,
    /// [s]
    pub wall_time_seconds: f64,
}

/// A run that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputDirError),
    #[error("stopped early")]
    Interrupted(#[from] Interrupted),
    #[error(transparent)]
    Threads(#[from] ThreadsError),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// A thread count that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ThreadsError {
    #[error("cannot run on {threads} threads: expected 1 to {MAX_THREADS}")]
    OutOfRange { threads: usize },
    #[error("cannot start {threads} threads")]
    Start {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

/// Runs every replication of `scenario` and writes the output directory
/// `options.out`.
pub fn run_to_dir(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    check_threads(options.threads)?;
    write_staged(&options.out, RUN_MARKER, &options.interrupt, |dir| {
        write_run(scenario, options, dir, progress, started)
    })
    .map(|outcome| RunOutcome {
        out: options.out.clone(),
        ..outcome
    })
}

/// Runs `work` on `threads` threads (a pool of its own), or on the current
/// pool when `None`.
pub(crate) fn with_threads<R: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> R + Send,
) -> Result<R, ThreadsError> {
    let Some(threads) = threads else {
        return Ok(work());
    };
    check_threads(Some(threads))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| ThreadsError::Start { threads, source })?;
    Ok(pool.install(work))
}

fn check_threads(threads: Option<usize>) -> Result<(), ThreadsError> {
    match threads {
        Some(threads) if !(1..=MAX_THREADS).contains(&threads) => {
            Err(ThreadsError::OutOfRange { threads })
        }
        Some(_) | None => Ok(()),
    }
}

/// Runs every replication of `scenario` into the existing, empty directory
/// `dir` (a staging directory, or a part of one: the runs of `sweep` and
/// `compare`). `options.out` is not used.
pub(crate) fn write_run(
    scenario: &Scenario,
    options: &RunOptions,
    dir: &StagedDir,
    progress: &(dyn Fn(Progress) + Sync),
    started: Instant,
) -> Result<RunOutcome, RunError> {
    let n_replications = scenario.simulation.replications;
    let n_files = if options.trace { 4 } else { 3 };
    let stop = Stop::new(&options.interrupt);
    let replications_csv = if n_replications > 1 {
        let mut file = create_file(dir, REPLICATIONS_CSV)?;
        file.write_all(REPLICATIONS_HEADER.as_bytes())
            .map_err(io_error(dir, REPLICATIONS_CSV))?;
        Some(file)
    } else {
        None
    };
    // Whichever replication completes the next one in order appends its
    // parts to the final files (and its metrics to the table), so joining
    // overlaps the replications still running, and the output is the same
    // whatever the thread count.
    let joiner = Mutex::new(Joiner {
        next: 0,
        waiting: (0..n_replications).map(|_| None).collect(),
        finals: (0..n_files).map(|_| None).collect(),
        replications_csv,
        metrics: ReplicationMetrics::new(),
        jobs: 0,
        events: 0,
    });
    // One copy of the scenario that every replication's engine shares.
    let shared = Arc::new(scenario.clone());
    let run_one = |replication: u32| -> Result<(), RunError> {
        let sink = FileSink::new(dir, scenario, replication, options.trace, &stop);
        let mut report = |p: Progress| progress(p);
        // The rows are formatted and written on a second thread while the
        // engine runs (`relay`): the same bytes, in less time.
        let (stats, sink) = relay(sink, &|| stop.is_set(), |relay| {
            run_replication(&shared, replication, relay, &mut report)
        });
        let jobs = sink.jobs_written;
        // Stopped early because another replication failed or the run was
        // interrupted: nothing of it is joined.
        let halted = stop.is_set();
        let (parts, metrics) = sink.finish()?;
        if halted {
            return Ok(());
        }
        let mut joiner = joiner.lock().expect("no replication panicked");
        joiner.waiting[replication as usize] = Some(Finished {
            parts,
            metrics: metrics.finish(&stats),
            jobs,
            events: stats.events,
        });
        joiner.join_ready(dir)
    };
    // Workers take replications in order (0, 1, 2, ...), so the next one to
    // join is usually the next to finish and little waits to be joined.
    let next_replication = AtomicU32::new(0);
    // The failure of the earliest replication that failed.
    let first_error: Mutex<Option<(u32, RunError)>> = Mutex::new(None);
    let work = || {
        while !stop.is_set() {
            let replication = next_replication.fetch_add(1, Ordering::Relaxed);
            if replication >= n_replications {
                break;
            }
            if let Err(error) = run_one(replication) {
                stop.fail();
                let mut first = first_error.lock().expect("no replication panicked");
                if first
                    .as_ref()
                    .is_none_or(|&(earliest, _)| replication < earliest)
                {
                    *first = Some((replication, error));
                }
            }
        }
    };
    with_threads(options.threads, || {
        let workers = rayon::current_num_threads();
        (0..workers).into_par_iter().for_each(|_| work());
    })?;
    if let Some((_, error)) = first_error.into_inner().expect("no replication panicked") {
        return Err(error);
    }
    options.interrupt.check()?;
    let joiner = joiner.into_inner().expect("no replication panicked");
    assert_eq!(
        joiner.next, n_replications,
        "a replication halts only when another failed or the run was interrupted"
    );
    for (file, name) in joiner.finals.into_iter().zip(FILE_NAMES) {
        finish_file(file.expect("replication 0 made the file"), dir, name)?;
    }
    if let Some(file) = joiner.replications_csv {
        finish_file(file, dir, REPLICATIONS_CSV)?;
    }
    let metrics = joiner.metrics;
    let jobs_written = joiner.jobs;
    let events = joiner.events;

    let mut summary = create_file(dir, "summary.csv")?;
    if metrics.len() == 1 {
        write_summary_single(&mut summary, &metrics.replication(0))
            .map_err(io_error(dir, "summary.csv"))?;
    } else {
        write_summaries(&mut summary, &metrics.summaries())
            .map_err(io_error(dir, "summary.csv"))?;
    }
    finish_file(summary, dir, "summary.csv")?;

    let wall_time_seconds = started.elapsed().as_secs_f64();
    let info = RunInfo {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command: options.command.clone(),
        scenario_name: scenario.simulation.name.clone(),
        seed: scenario.simulation.seed,
        replications: n_replications,
        jobs: jobs_written,
        events,
        wall_time_seconds,
        events_per_second: per_second(events, wall_time_seconds),
        resolved_scenario: serde_json::to_value(&scenario.resolved)
            .expect("a TOML table converts to JSON"),
    };
    let mut run_json = create_file(dir, RUN_MARKER)?;
    write_run_json(&mut run_json, &info).map_err(io_error(dir, RUN_MARKER))?;
    finish_file(run_json, dir, RUN_MARKER)?;

    Ok(RunOutcome {
        metrics,
        jobs: jobs_written,
        out: dir.target().to_path_buf(),
        wall_time_seconds,
    })
}

/// A replication finished but not yet joined.
struct Finished {
    parts: Parts,
    metrics: Vec<Metric>,
    /// Job rows written.
    jobs: u64,
    /// Events the engine handled.
    events: u64,
}

/// `replications.csv`: every replication's metrics, with several replications.
const REPLICATIONS_CSV: &str = "replications.csv";

/// The final files, and the replications finished but not yet appended.
struct Joiner {
    /// The first replication not yet appended.
    next: u32,
    waiting: Vec<Option<Finished>>,
    /// The final files, made from replication 0's parts.
    finals: Vec<Option<BufWriter<File>>>,
    replications_csv: Option<BufWriter<File>>,
    metrics: ReplicationMetrics,
    jobs: u64,
    /// Events the engines handled.
    events: u64,
}

impl Joiner {
    /// Appends every replication whose predecessors are all appended.
    fn join_ready(&mut self, dir: &StagedDir) -> Result<(), RunError> {
        while let Some(finished) = self
            .waiting
            .get_mut(self.next as usize)
            .and_then(Option::take)
        {
            let parts = finished.parts.into_iter();
            for ((part, file), name) in parts.zip(&mut self.finals).zip(FILE_NAMES) {
                match file {
                    Some(file) => part.append_to(file).map_err(io_error(dir, name))?,
                    None => {
                        let made = part.into_file(&dir.file(name));
                        let made = made.map_err(io_error(dir, name))?;
                        *file = Some(BufWriter::with_capacity(1 << 16, made));
                    }
                }
            }
            if let Some(file) = &mut self.replications_csv {
                write_replication_rows(file, self.next as usize, &finished.metrics)
                    .map_err(io_error(dir, REPLICATIONS_CSV))?;
            }
            self.metrics.push(finished.metrics);
            self.jobs += finished.jobs;
            self.events += finished.events;
            self.next += 1;
        }
        Ok(())
    }
}

/// `count` over `seconds` to the nearest whole number, or 0 for a run too
/// short for the clock to see.
fn per_second(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        (count as f64 / seconds).round()
    } else {
        0.0
    }
}

fn io_error(dir: &StagedDir, name: &str) -> impl FnOnce(io::Error) -> RunError + use<> {
    let path = dir.shown(name);
    move |source| RunError::Io { path, source }
}

fn create_file(dir: &StagedDir, name: &str) -> Result<BufWriter<File>, RunError> {
    File::create(dir.file(name))
        .map(|file| BufWriter::with_capacity(1 << 16, file))
        .map_err(io_error(dir, name))
}

/// Flushes a finished writer.
fn finish_file(mut writer: BufWriter<File>, dir: &StagedDir, name: &str) -> Result<(), RunError> {
    // Flushed, not synced: the rename makes the directory appear whole, and
    // an fsync of every file would cost more than the run on a large output.
    writer.flush().map_err(io_error(dir, name))
}
