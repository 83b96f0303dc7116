//! The discrete-event engine and its batch driver.
//!
//! - `engine`: `Engine`, one simulated data centre stepped from outside
//!   (`next_event_time`, `step`, `advance_to`, `finish`).
//! - `event`: the closed set of events; `queue`: the event queue, ordered by
//!   `(time, insertion sequence)`.
//! - `job`: jobs and drives in flight and the slab that holds them.
//! - `arrivals`: the scenario's arrival process.
//! - `customer`: the simulated customers' acts; `service`: the service's
//!   answers to every customer call (theirs and a server's clients').
//! - `rules`: the lifecycle rules by phase (shipping, receiving, copying,
//!   returning).
//! - `transition`: every state change, checked against the one table and
//!   recorded; `site`: jobs per state, drives on site, daily snapshots.
//! - `settle`: jobs leaving memory as rows; `view`: a live job as rows.
//! - `resource`: servers with a FIFO queue and time-weighted statistics.
//! - `streams`: the per-job random streams (docs/model.md, Randomness and
//!   common random numbers); `fate`: every random draw a job can need,
//!   drawn up front in a fixed order; `ahead`: the arrivals' fates drawn
//!   on a second thread during a batch run.
//!
//! The core does no I/O, never reads the wall clock and never touches a global
//! RNG: finished rows leave through a `RecordSink`, progress through a callback.

mod ahead;
mod arrivals;
mod customer;
mod engine;
mod event;
mod fate;
mod job;
mod queue;
mod resource;
mod rules;
mod service;
mod settle;
mod sink;
mod site;
pub mod streams;
mod transition;
mod view;

use std::sync::Arc;
use std::thread;

use crate::record::RunStats;
use crate::scenario::{Scenario, Workload};
use crate::time::SimTime;

pub use engine::{Engine, Mode, OUTSIDE_ROOT_BASE, serving_end};
pub use queue::EventQueue;
pub use settle::SettledJob;
pub use sink::RecordSink;
pub use streams::{JobKey, JobKeyError, Purpose, StreamFactory};
pub use view::LiveJob;

/// What the progress callback sees.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub replication: u32,
    pub jobs_written: u64,
    pub now: SimTime,
    /// The replication has ended: this is its last report.
    pub finished: bool,
}

/// Events between two progress reports.
const PROGRESS_EVERY: u64 = 65_536;

/// Events between two checks of `RecordSink::stopped`.
const STOP_CHECK_EVERY: u64 = 4_096;

/// Runs one replication of `scenario` to its end, sending rows to `sink`.
///
/// The run goes on while jobs are in memory or the arrival process has more
/// to create, up to `horizon + drain_limit`; it ends at the last event
/// handled, or at that limit when jobs are still open (they are written
/// `unfinished`). A sink that says it has `stopped` ends the run at once,
/// with nothing more written and default statistics.
///
/// A replication of many jobs draws its arrivals' fates on a second thread
/// (`ahead`), with the same values and so the same output.
pub fn run_replication(
    scenario: &Arc<Scenario>,
    replication: u32,
    sink: &mut dyn RecordSink,
    progress: &mut dyn FnMut(Progress),
) -> RunStats {
    let engine = Engine::new(Arc::clone(scenario), replication, Mode::Batch, sink);
    if Workload::of(scenario).root_jobs < ahead::WORTH_A_THREAD {
        return drive(engine, replication, progress);
    }
    let streams = StreamFactory::new(scenario.simulation.seed, replication);
    let (sender, fates) = ahead::channel();
    thread::scope(|scope| {
        scope.spawn(|| ahead::draw_ahead(scenario, &streams, sender));
        let mut engine = engine;
        engine.take_fates_from(fates);
        // Returning drops the engine and its end of the channel, which
        // stops the drawing thread.
        drive(engine, replication, progress)
    })
}

/// Runs `engine` to the end of its replication (see `run_replication`).
fn drive(
    mut engine: Engine<&mut dyn RecordSink>,
    replication: u32,
    progress: &mut dyn FnMut(Progress),
) -> RunStats {
    let scenario = Arc::clone(&engine.scenario);
    let run_end = scenario.run_end();
    let report = |engine: &Engine<&mut dyn RecordSink>| Progress {
        replication,
        jobs_written: engine.jobs_written(),
        now: engine.now(),
        finished: false,
    };
    while !engine.is_idle() {
        match engine.next_event_time() {
            Some(time) if time <= run_end => engine.step(),
            _ => break,
        };
        let handled = engine.events_handled();
        if handled.is_multiple_of(STOP_CHECK_EVERY) && engine.sink().stopped() {
            return RunStats::default();
        }
        if handled.is_multiple_of(PROGRESS_EVERY) {
            progress(report(&engine));
        }
    }
    let end = if engine.jobs_in_memory() > 0 {
        run_end
    } else {
        engine.now()
    };
    // `finish` writes every job still in memory and ends the clock at `end`.
    let last = Progress {
        replication,
        jobs_written: engine.jobs_written() + engine.jobs_in_memory(),
        now: end.max(engine.now()),
        finished: true,
    };
    let (stats, _) = engine.finish(end);
    progress(last);
    stats
}
