//! `Relay`: a `RecordSink` that hands the engine's rows to another sink
//! running on a thread of its own, so formatting and writing the rows
//! overlaps the simulation instead of following each event.
//!
//! Rows travel in batches through a bounded channel (at most `IN_FLIGHT`
//! batches wait, so memory stays bounded when the writer is the slower
//! side), and emptied batches come back to be refilled, so a run allocates
//! a handful of batches, not one per row. The inner sink sees exactly the
//! calls the engine made, in the same order: the output is the same bytes
//! as with the sink called directly.
//!
//! `stopped` reports what the inner sink last said after a batch (and is
//! true once the writer thread is gone), or what a check on the engine's own
//! thread says (an interrupt need not wait for the next batch to be seen).

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread;

use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use crate::sim::{RecordSink, SettledJob};
use crate::time::SimTime;

/// Batches filled and waiting for the writer at most.
const IN_FLIGHT: usize = 4;

/// A batch is sent once it holds this many calls or this many drive rows.
const BATCH_CALLS: usize = 256;
const BATCH_DRIVES: usize = 2048;

/// The engine's side: collects calls into batches and sends them.
pub struct Relay<'a> {
    batch: Batch,
    full: Option<SyncSender<Batch>>,
    empty: Receiver<Batch>,
    wants_trace: bool,
    wants_history: bool,
    stopped: &'a AtomicBool,
    also_stopped: &'a dyn Fn() -> bool,
}

/// Calls to the sink, in the order they were made.
#[derive(Default)]
struct Batch {
    calls: Vec<Call>,
    /// Drive rows of the `Call::Job`s, each job's a range of it.
    drives: Vec<DriveRecord>,
    /// The jobs of the `Call::Settled`s, in order (apart from `calls`, which
    /// would otherwise each take a job's size).
    settled: Vec<SettledJob>,
}

enum Call {
    Job {
        job: JobRecord,
        drives: Range<usize>,
    },
    /// The next of `Batch::settled`.
    Settled,
    Timeseries(TimeseriesRow),
    Trace(TraceEvent),
    Watermark(SimTime),
}

/// Runs `drive` with a `Relay` in front of `inner`, which takes the rows
/// on a second thread; returns what `drive` returned and the inner sink,
/// once it has taken every row. The relay is also `stopped` when
/// `also_stopped` says so.
pub fn relay<S, R>(
    inner: S,
    also_stopped: &dyn Fn() -> bool,
    drive: impl FnOnce(&mut Relay<'_>) -> R,
) -> (R, S)
where
    S: RecordSink + Send,
{
    let stopped = AtomicBool::new(inner.stopped());
    let wants_trace = inner.wants_trace();
    let wants_history = inner.wants_history();
    let (full_sender, full) = sync_channel::<Batch>(IN_FLIGHT);
    let (empty_sender, empty) = channel::<Batch>();
    thread::scope(|scope| {
        let stopped = &stopped;
        let writer = scope.spawn(move || write_batches(inner, &full, &empty_sender, stopped));
        let mut relay = Relay {
            batch: Batch::default(),
            full: Some(full_sender),
            empty,
            wants_trace,
            wants_history,
            stopped,
            also_stopped,
        };
        let result = drive(&mut relay);
        relay.send();
        // Closing the channel ends the writer's loop.
        relay.full = None;
        let inner = match writer.join() {
            Ok(inner) => inner,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (result, inner)
    })
}

/// The writer thread: applies each batch to `inner` and sends it back empty.
fn write_batches<S: RecordSink>(
    mut inner: S,
    full: &Receiver<Batch>,
    empty: &Sender<Batch>,
    stopped: &AtomicBool,
) -> S {
    // The drive rows of a settled job, made here.
    let mut drive_rows = Vec::new();
    for mut batch in full {
        let mut settled = batch.settled.drain(..);
        for call in batch.calls.drain(..) {
            match call {
                Call::Job { job, drives } => inner.job(job, &batch.drives[drives]),
                Call::Settled => {
                    let job = settled.next().expect("a settled job per call");
                    inner.settled(job, &mut drive_rows);
                }
                Call::Timeseries(row) => inner.timeseries(&row),
                Call::Trace(event) => inner.trace(&event),
                Call::Watermark(time) => inner.watermark(time),
            }
        }
        drop(settled);
        batch.drives.clear();
        stopped.store(inner.stopped(), Ordering::Relaxed);
        // The engine may be done and gone: then the batch is simply dropped.
        let _ = empty.send(batch);
    }
    inner
}

impl Relay<'_> {
    fn push(&mut self, call: Call) {
        self.batch.calls.push(call);
        if self.batch.calls.len() >= BATCH_CALLS || self.batch.drives.len() >= BATCH_DRIVES {
            self.send();
        }
    }

    /// Sends the batch being filled (if it holds anything) and starts the
    /// next one in an emptied batch when one is back.
    fn send(&mut self) {
        if self.batch.calls.is_empty() {
            return;
        }
        let next = self.empty.try_recv().unwrap_or_default();
        let batch = std::mem::replace(&mut self.batch, next);
        let sent = self
            .full
            .as_ref()
            .is_some_and(|full| full.send(batch).is_ok());
        if !sent {
            // The writer thread is gone (it panicked): stop the engine; the
            // panic surfaces when the thread is joined.
            self.stopped.store(true, Ordering::Relaxed);
        }
    }
}

impl RecordSink for Relay<'_> {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        let start = self.batch.drives.len();
        self.batch.drives.extend_from_slice(drives);
        let drives = start..self.batch.drives.len();
        self.push(Call::Job { job, drives });
    }

    fn settled(&mut self, job: SettledJob, _drives: &mut Vec<DriveRecord>) {
        self.batch.settled.push(job);
        self.push(Call::Settled);
    }

    fn timeseries(&mut self, row: &TimeseriesRow) {
        self.push(Call::Timeseries(row.clone()));
    }

    fn wants_trace(&self) -> bool {
        self.wants_trace
    }

    fn trace(&mut self, event: &TraceEvent) {
        self.push(Call::Trace(event.clone()));
    }

    fn wants_history(&self) -> bool {
        self.wants_history
    }

    fn watermark(&mut self, time: SimTime) {
        self.push(Call::Watermark(time));
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed) || (self.also_stopped)()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cause, EventList, JobKind, JobState, Outcome};
    use crate::record::TraceState;

    /// Writes every call as a line of text.
    #[derive(Default)]
    struct Transcript {
        lines: Vec<String>,
        stop_after: Option<usize>,
    }

    impl RecordSink for Transcript {
        fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
            let serials: Vec<u32> = drives.iter().map(|drive| drive.serial).collect();
            self.lines.push(format!("job {} {serials:?}", job.name));
        }

        fn timeseries(&mut self, row: &TimeseriesRow) {
            self.lines.push(format!("day {}", row.day));
        }

        fn wants_trace(&self) -> bool {
            true
        }

        fn trace(&mut self, event: &TraceEvent) {
            self.lines.push(format!("trace {}", event.job));
        }

        fn watermark(&mut self, time: SimTime) {
            self.lines.push(format!("watermark {}", time.ms()));
        }

        fn stopped(&self) -> bool {
            self.stop_after.is_some_and(|n| self.lines.len() >= n)
        }
    }

    fn job(name: &str) -> JobRecord {
        JobRecord {
            replication: 0,
            name: name.to_string(),
            kind: JobKind::Import,
            drives: 1,
            extra_drives: 0,
            outcome: Outcome::Completed,
            cancelled: false,
            faults: 0,
            contacts: 0,
            created_at: SimTime::ZERO,
            shipping_at: None,
            received_at: None,
            transferring_at: None,
            packaging_at: None,
            finished_at: None,
            deleted_at: None,
            deletion_reason: None,
            events: EventList::default(),
            state_time: [None; 6],
            in_warmup: false,
            history: None,
        }
    }

    fn drive(serial: u32) -> DriveRecord {
        DriveRecord {
            replication: 0,
            serial,
            extra: false,
            final_state: crate::model::DriveState::ShippedBack,
            disposition: crate::model::Disposition::Returned,
            data_bytes: 0,
            bytes_succeeded: 0,
            copy_outcome: crate::model::CopyOutcome::Ok,
            arrived_at: None,
            received_at: None,
            copy_start_at: None,
            copy_end_at: None,
            shipped_back_at: None,
            destroyed_at: None,
            queued_at: None,
        }
    }

    /// What the engine would call directly, many batches' worth.
    fn calls(sink: &mut dyn RecordSink) {
        for k in 0..2_000u32 {
            let drives: Vec<DriveRecord> = (0..k % 4).map(|d| drive(k * 10 + d)).collect();
            sink.job(job(&format!("j{k}")), &drives);
            if k % 7 == 0 {
                sink.timeseries(&TimeseriesRow {
                    day: u64::from(k),
                    ..TimeseriesRow::default()
                });
            }
            if k % 3 == 0 {
                sink.trace(&TraceEvent {
                    time: SimTime::ZERO,
                    replication: 0,
                    job: format!("t{k}"),
                    drive: None,
                    from: TraceState::None,
                    to: TraceState::Job(JobState::Creating),
                    cause: Cause::Created,
                });
            }
            if k % 11 == 0 {
                sink.watermark(SimTime::from_ms(i64::from(k)));
            }
        }
    }

    #[test]
    fn the_inner_sink_sees_the_calls_in_order() {
        let mut direct = Transcript::default();
        calls(&mut direct);
        let ((), relayed) = relay(Transcript::default(), &|| false, |relay| calls(relay));
        assert!(direct.lines.len() > 3 * BATCH_CALLS, "several batches");
        assert_eq!(relayed.lines, direct.lines);
    }

    #[test]
    fn a_stopped_inner_sink_stops_the_engine() {
        let inner = Transcript {
            stop_after: Some(10),
            ..Transcript::default()
        };
        let (seen_stopped, _) = relay(inner, &|| false, |relay| {
            // Bounded: every batch sent is applied before the next `send`
            // can block, so the flag is set within a few batches.
            for k in 0..100_000 {
                relay.job(job("j"), &[]);
                if k % 64 == 0 && relay.stopped() {
                    return true;
                }
            }
            false
        });
        assert!(seen_stopped);
    }

    #[test]
    fn the_engine_side_check_stops_at_once() {
        let ((), _) = relay(Transcript::default(), &|| true, |relay| {
            assert!(relay.stopped());
        });
    }
}
