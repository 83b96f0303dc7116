//! The load generator (`impexsim replay`): customer call streams sent to an
//! HTTP target at their simulated times, compressed, with every answer
//! checked against its expectation and latency measured honestly.
//!
//! # What is sent, and when
//!
//! `replay` reads a call stream (JSON Lines as `impexsim calls` writes them,
//! `call`) one line at a time from any `BufRead`, so memory stays bounded
//! whatever the stream's length: a reader thread runs at most
//! `queue_per_worker` calls ahead of each worker (`QUEUED_CALLS` in all,
//! between 4 and 512 a worker). Each call is meant to be
//! sent `(at - at of the first call) / speed` after the first call was read
//! (`PaceMode::Speed`; `--speed 86400` is one simulated day per second), or
//! as soon as a worker is free (`PaceMode::AsFastAsPossible`).
//!
//! `--concurrency N` workers (`worker`) each hold one keep-alive HTTP/1.1
//! connection. The jobs are shared out among them by a hash of the job's
//! name, so all calls of a job go through one worker, in stream order, each
//! after the answer to the one before: the target sees every job's story in
//! order. A worker whose answer is slow sends its next calls late; that
//! shows as lag and in the latency from the intended send time.
//!
//! Each request is the line's method, path (behind the target's base path)
//! and body byte for byte, with the headers `target` lists; jobs are
//! renamed by `--name-prefix` (`prefix`).
//!
//! # What is measured
//!
//! For each request (`exchange`): the **intended send time** (from the
//! schedule), the **actual send time** and the time the answer was
//! complete. **Latency** runs from the intended time, **service time** from
//! the actual one, so a stalled target cannot hide its stall by holding back
//! the requests behind it (no coordinated omission, as wrk2 and Goose
//! measure). **Lag** is actual minus intended; a run whose p99 lag exceeds
//! `stats::BEHIND_SCHEDULE_LAG` is flagged `behind_schedule`: the target got
//! less load than the stream asks for (too few workers, a target that
//! answers slowly, or a sender short of CPU). With `--as-fast-as-possible`
//! there is no schedule: the intended time is the actual one and there is
//! no lag.
//!
//! Distributions are HDR histograms (`stats`); `replay.csv` has one row per
//! request (`exchange::REPLAY_HEADER`) and `replay-summary.csv` the metrics
//! (`stats::METRIC_DOCS`), which `--threshold` limits (`threshold`).
//!
//! # When it stops
//!
//! At the end of the stream; after `--max-requests` calls; with `--duration
//! D`, at the first call due at or after D (with `--as-fast-as-possible`,
//! D after the start); when the `stop` future passed in completes (the
//! binary's Ctrl-C); at a malformed line (unless skipped) or when the target
//! cannot be reached. A stop sends nothing more, lets every request in
//! flight be answered (each within `--timeout`), and returns what was
//! measured with the reason (`StopKind`): the caller writes the results in
//! every case.
//!
//! The core runs on any tokio runtime (it spawns its workers with
//! `tokio::spawn`); the reader and the row writer are threads of their own,
//! since reading standard input and writing files block. When `replay`
//! returns, the reader may still be blocked in a read of its input; it ends
//! at its next line.

pub mod call;
pub mod exchange;
pub mod prefix;
pub mod report;
pub mod stats;
pub mod target;
pub mod threshold;
mod worker;

use std::future::Future;
use std::io::{self, BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot, watch};

pub use self::call::{Call, CallLineError, CallReader, MethodKind};
pub use self::exchange::{Exchange, OutcomeKind, REPLAY_HEADER};
pub use self::prefix::{NamePrefix, NamePrefixError};
pub use self::stats::{Metric, Stats, UnitKind, metric_names};
pub use self::target::{RequestHeaders, Target, TargetError};
pub use self::threshold::{
    Threshold, ThresholdError, ThresholdVerdict, ThresholdsFailed, check_thresholds,
    parse_threshold,
};

use self::exchange::{ExchangeWriter, WallClock};
use self::worker::{Counters, Prepared, Shared};

/// How far the reader runs ahead of all workers together [calls].
pub const QUEUED_CALLS: usize = 8192;

/// How far the reader runs ahead of each of `concurrency` workers [calls]:
/// a share of `QUEUED_CALLS`, between 4 and 512, so memory stays bounded
/// whatever the concurrency.
pub fn queue_per_worker(concurrency: usize) -> usize {
    (QUEUED_CALLS / concurrency.max(1)).clamp(4, 512)
}

/// How often the progress callback is called.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// How many skipped lines are kept for warnings (all are counted).
const SKIPPED_KEPT: usize = 10;

/// Everything a replay needs besides its input and output.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    pub target: Target,
    pub headers: RequestHeaders,
    pub pace: PaceMode,
    /// Workers (one connection each), at least 1.
    pub concurrency: usize,
    pub max_requests: Option<u64>,
    pub duration: Option<Duration>,
    /// For a connection and for each complete answer.
    pub timeout: Duration,
    pub name_prefix: NamePrefix,
    /// Count malformed lines and go on, instead of stopping.
    pub skip_bad_lines: bool,
    /// The input's name in messages (a path, or `standard input`).
    pub input_name: String,
    /// Seeds the request ids.
    pub run_id: u64,
}

/// When calls are sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PaceMode {
    /// At `at`, simulated time compressed by this factor (> 0).
    Speed(f64),
    /// As soon as a worker is free.
    AsFastAsPossible,
}

/// Why a replay stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// Every call of the stream was sent.
    EndOfInput,
    /// `--max-requests` calls were sent.
    MaxRequests,
    /// `--duration` was reached.
    Duration,
    /// The `stop` future completed (Ctrl-C).
    Interrupted,
    /// A connection could not be opened (`Replay::unreachable` says why).
    Unreachable,
    /// A malformed line, or the input could not be read (`Replay::input_error`).
    InputFailed,
}

/// Live counts, for a progress display.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayProgress {
    pub lines_read: u64,
    pub bytes_read: u64,
    pub sent: u64,
    pub answered: u64,
    pub mismatches: u64,
    pub max_lag: Duration,
    pub elapsed: Duration,
}

/// What a replay measured.
pub struct Replay<W> {
    /// The writer `replay.csv` went to, flushed.
    pub rows: W,
    pub stats: Stats,
    pub stop: StopKind,
    pub started_at: DateTime<Utc>,
    pub wall_time: Duration,
    /// Lines of the input read (blank and skipped ones included).
    pub lines_read: u64,
    pub lines_skipped: u64,
    /// The first skipped lines (with `--skip-bad-lines`).
    pub skipped: Vec<CallLineError>,
    /// Calls read but not sent because the run stopped.
    pub unsent: u64,
    pub connections: u64,
    /// With `StopKind::Unreachable`: the connection error.
    pub unreachable: Option<String>,
    /// With `StopKind::InputFailed`: the line or read error.
    pub input_error: Option<CallLineError>,
}

/// What keeps a replay from running or from writing its results.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot resolve the target {target}")]
    Resolve {
        target: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot write replay.csv")]
    Write(#[source] io::Error),
}

/// How the reader ended.
enum ReaderEnd {
    EndOfInput,
    MaxRequests,
    Duration,
    /// The run stopped while it was reading.
    Stopped,
    Failed(CallLineError),
}

/// What the reader thread reports.
#[derive(Default)]
struct ReaderState {
    lines: AtomicU64,
    bytes: AtomicU64,
    queued: AtomicU64,
    skipped: AtomicU64,
    end: Mutex<Option<ReaderEnd>>,
    skipped_errors: Mutex<Vec<CallLineError>>,
}

/// Replays the calls of `input` against `options.target`, writing one
/// `replay.csv` row per request to `rows`, until the stream ends or `stop`
/// completes; `on_progress` is called every 100 ms.
pub async fn replay<R, W>(
    options: &ReplayOptions,
    input: R,
    rows: W,
    stop: impl Future<Output = ()>,
    on_progress: &mut dyn FnMut(&ReplayProgress),
) -> Result<Replay<W>, ReplayError>
where
    R: BufRead + Send + 'static,
    W: Write + Send + 'static,
{
    assert!(options.concurrency >= 1, "at least one worker");
    if let PaceMode::Speed(speed) = options.pace {
        assert!(speed.is_finite() && speed > 0.0, "a positive speed");
    }
    let addr = options
        .target
        .resolve()
        .await
        .map_err(|source| ReplayError::Resolve {
            target: options.target.to_string(),
            source,
        })?;
    let clock = WallClock::now();
    let (stop_sender, _) = watch::channel(false);
    let shared = Arc::new(Shared {
        addr,
        timeout: options.timeout,
        stop: stop_sender,
        unreachable: Mutex::new(None),
        counters: Counters::default(),
    });
    let scheduled = matches!(options.pace, PaceMode::Speed(_));

    // The row writer: measures and writes each exchange as it comes.
    let writer = ExchangeWriter::new(rows, clock).map_err(ReplayError::Write)?;
    let (results, mut results_in) = mpsc::channel::<Exchange>(4096);
    let (written, written_in) = oneshot::channel();
    let writer_shared = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("replay-writer".into())
        .spawn(move || {
            let mut writer = writer;
            let mut stats = Stats::new(scheduled);
            let mut error = None;
            while let Some(exchange) = results_in.blocking_recv() {
                stats.record(&exchange);
                if error.is_none()
                    && let Err(failed) = writer.write(&exchange)
                {
                    error = Some(failed);
                    writer_shared.stop.send_replace(true);
                }
            }
            let rows = writer.finish();
            let _ = written.send((stats, rows, error));
        })
        .expect("a thread for the row writer");

    let mut queues = Vec::with_capacity(options.concurrency);
    let mut workers = Vec::with_capacity(options.concurrency);
    for _ in 0..options.concurrency {
        let (queue, calls) = mpsc::channel(queue_per_worker(options.concurrency));
        queues.push(queue);
        workers.push(tokio::spawn(worker::work(
            Arc::clone(&shared),
            calls,
            results.clone(),
        )));
    }
    drop(results);

    let reader_state = Arc::new(ReaderState::default());
    {
        let reader = CallReader::new(input, &options.input_name, options.name_prefix.clone());
        let options = options.clone();
        let shared = Arc::clone(&shared);
        let state = Arc::clone(&reader_state);
        std::thread::Builder::new()
            .name("replay-reader".into())
            .spawn(move || read_calls(reader, &options, queues, &shared, &state))
            .expect("a thread for the reader");
    }

    let started = Instant::now();
    let progress = |state: &ReaderState| {
        let counters = &shared.counters;
        ReplayProgress {
            lines_read: state.lines.load(Ordering::Relaxed),
            bytes_read: state.bytes.load(Ordering::Relaxed),
            sent: counters.sent.load(Ordering::Relaxed),
            answered: counters.answered.load(Ordering::Relaxed),
            mismatches: counters.mismatches.load(Ordering::Relaxed),
            max_lag: Duration::from_micros(counters.max_lag_micros.load(Ordering::Relaxed)),
            elapsed: started.elapsed(),
        }
    };
    let all_done = async {
        for worker in workers {
            if let Err(error) = worker.await
                && error.is_panic()
            {
                std::panic::resume_unwind(error.into_panic());
            }
        }
    };
    let deadline = match (options.pace, options.duration) {
        (PaceMode::AsFastAsPossible, Some(duration)) => Some(started + duration),
        (PaceMode::AsFastAsPossible | PaceMode::Speed(_), _) => None,
    };
    let deadline_sleep = tokio::time::sleep_until(deadline.unwrap_or(started).into());
    let mut ticker = tokio::time::interval(PROGRESS_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stop = std::pin::pin!(stop);
    let mut all_done = std::pin::pin!(all_done);
    let mut deadline_sleep = std::pin::pin!(deadline_sleep);
    let mut interrupted = false;
    let mut timed_out = false;
    loop {
        tokio::select! {
            () = &mut all_done => break,
            () = &mut stop, if !interrupted => {
                interrupted = true;
                shared.stop.send_replace(true);
            }
            () = &mut deadline_sleep, if deadline.is_some() && !timed_out => {
                timed_out = true;
                shared.stop.send_replace(true);
            }
            _ = ticker.tick() => on_progress(&progress(&reader_state)),
        }
    }
    on_progress(&progress(&reader_state));
    let (stats, rows, write_error) = written_in.await.expect("the row writer reports");
    if let Some(error) = write_error {
        return Err(ReplayError::Write(error));
    }
    let rows = rows.map_err(ReplayError::Write)?;

    let unreachable = shared.unreachable.lock().expect("not poisoned").take();
    let reader_end = reader_state.end.lock().expect("not poisoned").take();
    let mut input_error = None;
    let stop = match reader_end {
        _ if unreachable.is_some() => StopKind::Unreachable,
        Some(ReaderEnd::Failed(error)) => {
            input_error = Some(error);
            StopKind::InputFailed
        }
        _ if interrupted => StopKind::Interrupted,
        _ if timed_out => StopKind::Duration,
        Some(ReaderEnd::MaxRequests) => StopKind::MaxRequests,
        Some(ReaderEnd::Duration) => StopKind::Duration,
        Some(ReaderEnd::EndOfInput) => StopKind::EndOfInput,
        // Only a stop makes the reader stop early, and each is handled above.
        Some(ReaderEnd::Stopped) | None => StopKind::Interrupted,
    };
    let queued = reader_state.queued.load(Ordering::Relaxed);
    Ok(Replay {
        unsent: queued.saturating_sub(stats.requests()),
        rows,
        stats,
        stop,
        started_at: clock.origin_wall,
        wall_time: clock.origin.elapsed(),
        lines_read: reader_state.lines.load(Ordering::Relaxed),
        lines_skipped: reader_state.skipped.load(Ordering::Relaxed),
        skipped: std::mem::take(&mut *reader_state.skipped_errors.lock().expect("not poisoned")),
        connections: shared.counters.connections.load(Ordering::Relaxed),
        unreachable,
        input_error,
    })
}

/// The reader thread: turns lines into requests and hands each to the
/// worker of its job, in stream order.
fn read_calls<R: BufRead>(
    mut reader: CallReader<R>,
    options: &ReplayOptions,
    queues: Vec<mpsc::Sender<Prepared>>,
    shared: &Shared,
    state: &ReaderState,
) {
    let finish = |end: ReaderEnd| {
        *state.end.lock().expect("not poisoned") = Some(end);
    };
    // The first call's instant and `at`: the schedule's origin.
    let mut origin: Option<(Instant, i64)> = None;
    let mut queued = 0u64;
    loop {
        if *shared.stop.borrow() {
            return finish(ReaderEnd::Stopped);
        }
        if options.max_requests.is_some_and(|max| queued >= max) {
            return finish(ReaderEnd::MaxRequests);
        }
        let next = reader.next_call();
        state.lines.store(reader.lines_read(), Ordering::Relaxed);
        state.bytes.store(reader.bytes_read(), Ordering::Relaxed);
        let call = match next {
            None => return finish(ReaderEnd::EndOfInput),
            Some(Ok(call)) => call,
            Some(Err(error @ CallLineError::Malformed { .. })) if options.skip_bad_lines => {
                state.skipped.fetch_add(1, Ordering::Relaxed);
                let mut kept = state.skipped_errors.lock().expect("not poisoned");
                if kept.len() < SKIPPED_KEPT {
                    kept.push(error);
                }
                continue;
            }
            Some(Err(error)) => {
                finish(ReaderEnd::Failed(error));
                shared.stop.send_replace(true);
                return;
            }
        };
        let intended = match options.pace {
            PaceMode::AsFastAsPossible => None,
            PaceMode::Speed(speed) => {
                let (start, first_at) = *origin.get_or_insert((Instant::now(), call.at_epoch_ms));
                // A line earlier than the first is due at once.
                let simulated_ms = (call.at_epoch_ms - first_at).max(0) as f64;
                let offset = Duration::try_from_secs_f64(simulated_ms / 1000.0 / speed)
                    .unwrap_or(Duration::MAX);
                if options.duration.is_some_and(|duration| offset >= duration) {
                    return finish(ReaderEnd::Duration);
                }
                Some(
                    start
                        .checked_add(offset)
                        .unwrap_or(start + Duration::from_secs(1 << 40)),
                )
            }
        };
        let request_id = target::request_id(options.run_id, queued);
        let request = options.target.request(&call, &options.headers, &request_id);
        let worker = (job_hash(&call.original_job) % queues.len() as u64) as usize;
        let prepared = Prepared {
            call,
            request,
            intended,
        };
        if queues[worker].blocking_send(prepared).is_err() {
            return finish(ReaderEnd::Stopped);
        }
        queued += 1;
        state.queued.store(queued, Ordering::Relaxed);
    }
}

/// FNV-1a of the job's name: which worker sends its calls.
fn job_hash(job: &str) -> u64 {
    job.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
