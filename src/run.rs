//! One run of a scenario into an output directory (docs/model.md, "Outputs").
//!
//! `run_to_dir` writes through `output_dir::write_staged`: everything goes to
//! a staging directory renamed into place only when complete, so a failed or
//! interrupted run never leaves a directory that looks complete, and an
//! existing target is replaced only if it looks like an earlier run's output
//! (it holds `run.json`) or is empty.
//!
//! Replications run in parallel (`--threads`, at most `MAX_THREADS`). Each
//! writes its rows into its own `Part`s (`part`), which are appended to the
//! final files in replication order as soon as every earlier replication is
//! done, so the output is the same whatever the thread count. The first
//! failed write, or an `Interrupt`, stops every replication (`sink::Stop`).

mod part;
mod sink;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::interrupt::{Interrupt, Interrupted};
use crate::output_dir::{OutputDirError, StagedDir, write_staged};
use crate::report::{
    Metric, RunInfo, write_replications_long, write_run_json, write_summary_replications,
    write_summary_single,
};
use crate::scenario::Scenario;
use crate::sim::{Progress, run_replication};

use self::part::Part;
use self::sink::{FILE_NAMES, FileSink, Parts, Stop};

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
    pub metrics: Vec<Vec<Metric>>,
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
    let mut finals = Vec::with_capacity(n_files);
    for name in &FILE_NAMES[..n_files] {
        finals.push(create_file(dir, name)?);
    }
    // Whichever replication completes the next one in order appends the
    // parts to the final files, so joining overlaps the replications still
    // running, and the output is the same whatever the thread count.
    let joiner = Mutex::new(Joiner {
        next: 0,
        waiting: (0..n_replications).map(|_| None).collect(),
        finals,
    });
    let run_one = |replication: u32| -> Result<Ended, RunError> {
        let mut sink = FileSink::new(dir, scenario, replication, options.trace, &stop);
        let mut report = |p: Progress| progress(p);
        let stats = run_replication(scenario, replication, &mut sink, &mut report);
        let jobs_written = sink.jobs_written;
        let stopped = stop.is_set();
        let (parts, metrics) = sink.finish()?;
        if stopped {
            return Ok(Ended::Halted);
        }
        let metrics = metrics.finish(&stats);
        let mut joiner = joiner.lock().expect("no replication panicked");
        joiner.waiting[replication as usize] = Some(parts);
        joiner.join_ready(dir).inspect_err(|_| stop.fail())?;
        Ok(Ended::Done(metrics, jobs_written))
    };
    // Workers take replications in order (0, 1, 2, ...), so the next one to
    // join is usually the next to finish and little waits to be joined.
    let next_replication = AtomicU32::new(0);
    let results: Mutex<Vec<Option<Result<Ended, RunError>>>> =
        Mutex::new((0..n_replications).map(|_| None).collect());
    let work = || {
        while !stop.is_set() {
            let replication = next_replication.fetch_add(1, Ordering::Relaxed);
            if replication >= n_replications {
                break;
            }
            let result = run_one(replication);
            results.lock().expect("no replication panicked")[replication as usize] = Some(result);
        }
    };
    with_threads(options.threads, || {
        let workers = rayon::current_num_threads();
        (0..workers).into_par_iter().for_each(|_| work());
    })?;

    let mut per_replication = Vec::with_capacity(n_replications as usize);
    let mut jobs_written = 0;
    for result in results.into_inner().expect("no replication panicked") {
        match result {
            Some(Ok(Ended::Done(metrics, jobs))) => {
                per_replication.push(metrics);
                jobs_written += jobs;
            }
            Some(Err(error)) => return Err(error),
            Some(Ok(Ended::Halted)) | None => {}
        }
    }
    options.interrupt.check()?;
    assert_eq!(
        per_replication.len(),
        n_replications as usize,
        "a replication halts only when another failed or the run was interrupted"
    );
    let joiner = joiner.into_inner().expect("no replication panicked");
    for (file, name) in joiner.finals.into_iter().zip(FILE_NAMES) {
        finish_file(file, dir, name)?;
    }

    let mut summary = create_file(dir, "summary.csv")?;
    if per_replication.len() == 1 {
        write_summary_single(&mut summary, &per_replication[0])
            .map_err(io_error(dir, "summary.csv"))?;
    } else {
        write_summary_replications(&mut summary, &per_replication)
            .map_err(io_error(dir, "summary.csv"))?;
        let mut long = create_file(dir, "replications.csv")?;
        write_replications_long(&mut long, &per_replication)
            .map_err(io_error(dir, "replications.csv"))?;
        finish_file(long, dir, "replications.csv")?;
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
        wall_time_seconds,
        resolved_scenario: serde_json::to_value(&scenario.resolved)
            .expect("a TOML table converts to JSON"),
    };
    let mut run_json = create_file(dir, RUN_MARKER)?;
    write_run_json(&mut run_json, &info).map_err(io_error(dir, RUN_MARKER))?;
    finish_file(run_json, dir, RUN_MARKER)?;

    Ok(RunOutcome {
        metrics: per_replication,
        jobs: jobs_written,
        out: dir.target().to_path_buf(),
        wall_time_seconds,
    })
}

/// How one replication ended.
enum Ended {
    /// Its metrics and the job rows it wrote; its parts are joined.
    Done(Vec<Metric>, u64),
    /// Stopped early because another replication failed or the run was
    /// interrupted; nothing of it was joined.
    Halted,
}

/// The final files, and the replications finished but not yet appended.
struct Joiner {
    /// The first replication not yet appended.
    next: u32,
    waiting: Vec<Option<Parts>>,
    finals: Vec<BufWriter<File>>,
}

impl Joiner {
    /// Appends every replication whose predecessors are all appended.
    fn join_ready(&mut self, dir: &StagedDir) -> Result<(), RunError> {
        while let Some(parts) = self
            .waiting
            .get_mut(self.next as usize)
            .and_then(Option::take)
        {
            for ((part, file), name) in parts.into_iter().zip(&mut self.finals).zip(FILE_NAMES) {
                Part::append_to(part, file).map_err(io_error(dir, name))?;
            }
            self.next += 1;
        }
        Ok(())
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
