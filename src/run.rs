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
//!
//! `RunOptions::outputs` chooses the files (`--outputs`); the metrics see
//! every row whatever is written. With `--compress zstd` a row file is one
//! zstd frame (`compression`): replication 0 writes straight into it, and
//! the later replications' parts are compressed as they are appended.
//!
//! `write_batch` runs any list of replications (a shard's share, see
//! `shard`) and reports how many bytes each wrote to each file, which is
//! what `merge` needs to put shards back together in replication order.

mod final_file;
mod part;
mod part_writer;
mod relay;
mod replication_metrics;
mod sink;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;

use crate::interrupt::{Interrupt, Interrupted};
use crate::output_dir::{OutputDirError, StagedDir, write_staged};
use crate::outputs::{Compression, OutputKind, OutputSet};
use crate::report::{
    Metric, REPLICATIONS_HEADER, RunInfo, events_per_second, write_replication_rows,
    write_run_json, write_summaries, write_summary_single,
};
use crate::scenario::{Scenario, Workload};
use crate::sim::{Progress, run_replication};

use self::part_writer::WrittenOutput;
use self::relay::relay;
use self::sink::{FileSink, Parts, Stop};

pub(crate) use self::final_file::FinalFile;
pub use self::replication_metrics::ReplicationMetrics;
pub(crate) use self::sink::Layout;

/// The most threads `--threads` may ask for: far more than any machine's
/// cores, few enough that every one of them can be started.
pub const MAX_THREADS: usize = 1024;

/// Expected jobs from which a replication's rows are written on a thread of
/// their own (`relay`). Below it, starting and joining a thread costs more
/// than the overlap gains: 10,000 one-job replications took 0.75 s with a
/// thread each and 0.42 s without (73 and 64 MiB at the peak).
const RELAY_WORTH_A_THREAD: f64 = 1_000.0;

/// The file whose presence marks a directory as a run's output.
pub const RUN_MARKER: &str = "run.json";

/// How to run, beyond the scenario itself.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The output directory (`run_to_dir`).
    pub out: PathBuf,
    /// The files to write (`events` is what `--trace` adds).
    pub outputs: OutputSet,
    /// How the row files are written.
    pub compression: Compression,
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
    let replications: Vec<u32> = (0..n_replications).collect();
    let layout = Layout {
        outputs: options.outputs,
        compression: options.compression,
        frame_per_replication: false,
    };
    let with_replications_csv = options.outputs.contains(OutputKind::Summary) && n_replications > 1;
    let batch = write_batch(
        scenario,
        options,
        dir,
        &replications,
        layout,
        with_replications_csv,
        progress,
    )?;
    let wall_time_seconds = started.elapsed().as_secs_f64();
    let info = RunInfo {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command: options.command.clone(),
        scenario_name: scenario.simulation.name.clone(),
        seed: scenario.simulation.seed,
        replications: n_replications,
        jobs: batch.jobs,
        events: batch.events,
        wall_time_seconds,
        events_per_second: events_per_second(batch.events, wall_time_seconds),
        resolved_scenario: serde_json::to_value(&scenario.resolved)
            .expect("a TOML table converts to JSON"),
    };
    write_run_files(dir, options.outputs, &batch.metrics, &info)?;
    Ok(RunOutcome {
        metrics: batch.metrics,
        jobs: batch.jobs,
        out: dir.target().to_path_buf(),
        wall_time_seconds,
    })
}

/// What `write_batch` wrote.
pub(crate) struct Batch {
    /// Metrics of each replication, in the order they ran.
    pub metrics: ReplicationMetrics,
    /// Job rows, over every replication (written or not: the outputs chosen
    /// do not change it).
    pub jobs: u64,
    /// Each replication, in the order given.
    pub items: Vec<BatchItem>,
    /// Events the engines handled, over every replication.
    pub events: u64,
}

impl Batch {
    /// No replication (a shard with no item of a sweep point).
    pub fn empty() -> Batch {
        Batch {
            metrics: ReplicationMetrics::new(),
            jobs: 0,
            items: Vec::new(),
            events: 0,
        }
    }
}

/// One replication of a batch.
pub(crate) struct BatchItem {
    pub replication: u32,
    /// Job rows.
    pub jobs: u64,
    /// Events its engine handled.
    pub events: u64,
    /// Its share of each row file, in `OutputSet::row_files` order.
    pub files: Vec<PartLength>,
}

/// One replication's share of one row file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PartLength {
    /// Bytes of rows (the header lines included for the first replication).
    pub bytes: u64,
    /// Bytes in the file: the frame's with compression, else `bytes`.
    pub stored: u64,
}

/// Runs `replications` (ascending; the first one's parts start the files and
/// carry the headers) of `scenario` into `dir` and joins their row files in
/// that order; with `with_replications_csv` also `replications.csv`.
pub(crate) fn write_batch(
    scenario: &Scenario,
    options: &RunOptions,
    dir: &StagedDir,
    replications: &[u32],
    layout: Layout,
    with_replications_csv: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Batch, RunError> {
    assert!(
        replications.windows(2).all(|pair| pair[0] < pair[1]),
        "replications in ascending order"
    );
    let n_items = replications.len();
    let stop = Stop::new(&options.interrupt);
    let replications_csv = if with_replications_csv {
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
        replications: replications.to_vec(),
        waiting: (0..n_items).map(|_| None).collect(),
        finals: layout
            .outputs
            .row_files()
            .map(|kind| (kind, None))
            .collect(),
        layout,
        replications_csv,
        metrics: ReplicationMetrics::new(),
        jobs: 0,
        items: Vec::with_capacity(n_items),
        events: 0,
    });
    // One copy of the scenario that every replication's engine shares.
    let shared = Arc::new(scenario.clone());
    let relay_pays = Workload::of(scenario).root_jobs >= RELAY_WORTH_A_THREAD;
    let run_one = |position: usize| -> Result<(), RunError> {
        let replication = replications[position];
        let sink = FileSink::new(dir, scenario, replication, position == 0, layout, &stop)?;
        let mut report = |p: Progress| progress(p);
        // The rows are formatted and written on a second thread while the
        // engine runs (`relay`): the same bytes, in less time. A small
        // replication writes them itself: a thread would cost more than it saves.
        let (stats, sink) = if relay_pays {
            relay(sink, &|| stop.is_set(), |relay| {
                run_replication(&shared, replication, relay, &mut report)
            })
        } else {
            let mut sink = sink;
            (
                run_replication(&shared, replication, &mut sink, &mut report),
                sink,
            )
        };
        let jobs = sink.jobs_written;
        // Stopped early because another replication failed or the run was
        // interrupted: nothing of it is joined.
        let halted = stop.is_set();
        let (parts, metrics) = sink.finish()?;
        if halted {
            return Ok(());
        }
        let mut joiner = joiner.lock().expect("no replication panicked");
        let events = stats.events;
        joiner.waiting[position] = Some(Finished {
            parts,
            metrics: metrics.finish(stats),
            jobs,
            events,
        });
        joiner.join_ready(dir)
    };
    // Workers take replications in order, so the next one to join is
    // usually the next to finish and little waits to be joined.
    let next_position = AtomicUsize::new(0);
    // The failure of the earliest replication that failed.
    let first_error: Mutex<Option<(usize, RunError)>> = Mutex::new(None);
    let work = || {
        while !stop.is_set() {
            let position = next_position.fetch_add(1, Ordering::Relaxed);
            if position >= n_items {
                break;
            }
            if let Err(error) = run_one(position) {
                stop.fail();
                let mut first = first_error.lock().expect("no replication panicked");
                if first
                    .as_ref()
                    .is_none_or(|&(earliest, _)| position < earliest)
                {
                    *first = Some((position, error));
                }
            }
        }
    };
    with_threads(options.threads, || {
        let workers = rayon::current_num_threads().min(n_items.max(1));
        (0..workers).into_par_iter().for_each(|_| work());
    })?;
    if let Some((_, error)) = first_error.into_inner().expect("no replication panicked") {
        return Err(error);
    }
    options.interrupt.check()?;
    let joiner = joiner.into_inner().expect("no replication panicked");
    assert_eq!(
        joiner.next, n_items,
        "a replication halts only when another failed or the run was interrupted"
    );
    for (kind, file) in joiner.finals {
        // No file only when there was no replication (an empty shard).
        if let Some(file) = file {
            let name = layout.file_name(kind);
            file.finish().map_err(io_error(dir, &name))?;
        }
    }
    if let Some(file) = joiner.replications_csv {
        finish_file(file, dir, REPLICATIONS_CSV)?;
    }
    Ok(Batch {
        metrics: joiner.metrics,
        jobs: joiner.jobs,
        items: joiner.items,
        events: joiner.events,
    })
}

/// `summary.csv` (when `outputs` has it) and `run.json`, from every
/// replication's metrics.
pub(crate) fn write_run_files(
    dir: &StagedDir,
    outputs: OutputSet,
    metrics: &ReplicationMetrics,
    info: &RunInfo,
) -> Result<(), RunError> {
    if outputs.contains(OutputKind::Summary) {
        let mut summary = create_file(dir, SUMMARY_CSV)?;
        if metrics.len() == 1 {
            write_summary_single(&mut summary, &metrics.replication(0))
                .map_err(io_error(dir, SUMMARY_CSV))?;
        } else {
            write_summaries(&mut summary, &metrics.summaries())
                .map_err(io_error(dir, SUMMARY_CSV))?;
        }
        finish_file(summary, dir, SUMMARY_CSV)?;
    }
    let mut run_json = create_file(dir, RUN_MARKER)?;
    write_run_json(&mut run_json, info).map_err(io_error(dir, RUN_MARKER))?;
    finish_file(run_json, dir, RUN_MARKER)
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
pub(crate) const REPLICATIONS_CSV: &str = "replications.csv";

/// `summary.csv`: every metric, summarised over the replications.
pub(crate) const SUMMARY_CSV: &str = "summary.csv";

/// The final files, and the replications finished but not yet appended.
struct Joiner {
    /// The position (in `replications`) of the first replication not yet appended.
    next: usize,
    replications: Vec<u32>,
    waiting: Vec<Option<Finished>>,
    /// The final files, made from the first replication's parts.
    finals: Vec<(OutputKind, Option<FinalFile>)>,
    layout: Layout,
    replications_csv: Option<BufWriter<File>>,
    metrics: ReplicationMetrics,
    jobs: u64,
    items: Vec<BatchItem>,
    /// Events the engines handled.
    events: u64,
}

impl Joiner {
    /// Appends every replication whose predecessors are all appended.
    fn join_ready(&mut self, dir: &StagedDir) -> Result<(), RunError> {
        while let Some(finished) = self.waiting.get_mut(self.next).and_then(Option::take) {
            let replication = self.replications[self.next];
            let mut files = Vec::with_capacity(finished.parts.len());
            for ((kind, part), (final_kind, file)) in
                finished.parts.into_iter().zip(&mut self.finals)
            {
                assert_eq!(kind, *final_kind, "parts in row-file order");
                let name = self.layout.file_name(kind);
                files.push(PartLength {
                    bytes: part.bytes,
                    stored: part.stored,
                });
                match (part.output, file) {
                    (WrittenOutput::Held(part), Some(file)) => {
                        part.append_to(file).map_err(io_error(dir, &name))?
                    }
                    (WrittenOutput::Held(part), file @ None) => {
                        let made = part.into_file(&dir.file(&name));
                        *file = Some(FinalFile::plain(made.map_err(io_error(dir, &name))?));
                    }
                    (WrittenOutput::Final(made), file @ None) => *file = Some(made),
                    (WrittenOutput::Final(_), Some(_)) => {
                        unreachable!("only the first replication writes the final file")
                    }
                }
            }
            if let Some(file) = &mut self.replications_csv {
                write_replication_rows(file, replication as usize, &finished.metrics)
                    .map_err(io_error(dir, REPLICATIONS_CSV))?;
            }
            self.metrics.push(finished.metrics);
            self.jobs += finished.jobs;
            self.items.push(BatchItem {
                replication,
                jobs: finished.jobs,
                events: finished.events,
                files,
            });
            self.events += finished.events;
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
