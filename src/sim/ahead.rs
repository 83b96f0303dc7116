//! Fates drawn ahead: the arrival process's jobs' fates, drawn in index
//! order on a thread of their own while the engine runs, with the jobs'
//! drive lists and names made from them there too.
//!
//! A job's fate is a pure function of the seed, the replication, the job's
//! key and the scenario (docs/model.md, Randomness and common random
//! numbers), so it can be drawn before the job arrives, by another thread,
//! with the same values the engine would draw itself: the output is the
//! same bytes either way. Drawing and making the drives is about a tenth
//! of a batch run's work on the engine's thread; ahead, it overlaps the
//! simulation.
//!
//! Fates travel in batches through a bounded channel, so the drawing side
//! stays at most `IN_FLIGHT` batches ahead. When the engine is done it drops
//! its `FatesAhead` and the drawing thread stops at its next send.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::vec;

use crate::model::JobKind;
use crate::scenario::{ArrivalProcess, Scenario};
use crate::sim::fate::{DriveFate, JobFate};
use crate::sim::job::{Drive, job_drives, job_name};
use crate::sim::streams::{JobKey, Purpose, StreamFactory};

/// A job's fate and its drives' fates.
pub type Drawn = (JobFate, Vec<DriveFate>);

/// An arrival's job made ready ahead: its fate, its drives and its name,
/// what `Engine::create_job` makes of a job with nothing given from outside.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub fate: JobFate,
    pub drives: Vec<Drive>,
    pub name: String,
}

/// Fates in one message.
const BATCH: usize = 256;

/// Batches drawn and not yet taken, at most.
const IN_FLIGHT: usize = 4;

/// Arrivals below which a replication draws its fates itself: a thread
/// costs more than it saves on a small run.
pub const WORTH_A_THREAD: f64 = 10_000.0;

/// The engine's side: fates of arrivals `0, 1, 2, ...` in order.
#[derive(Debug)]
pub struct FatesAhead {
    batches: Receiver<Vec<Prepared>>,
    current: vec::IntoIter<Prepared>,
    next_index: u64,
}

impl FatesAhead {
    /// Arrival `index`'s job, if it was made ready ahead (arrivals are
    /// taken in order; `None` once the drawing side has ended).
    pub fn take(&mut self, index: u64) -> Option<Prepared> {
        if index != self.next_index {
            return None;
        }
        let drawn = match self.current.next() {
            Some(drawn) => drawn,
            None => {
                self.current = self.batches.recv().ok()?.into_iter();
                self.current.next()?
            }
        };
        self.next_index += 1;
        Some(drawn)
    }
}

/// A channel for fates drawn ahead: `FatesAhead` for the engine, and the
/// sending side for `draw_ahead`.
pub fn channel() -> (SyncSender<Vec<Prepared>>, FatesAhead) {
    let (sender, batches) = sync_channel(IN_FLIGHT);
    let ahead = FatesAhead {
        batches,
        current: Vec::new().into_iter(),
        next_index: 0,
    };
    (sender, ahead)
}

/// Draws the fates of the arrival process's jobs in index order, makes
/// the jobs ready and sends them, until the process has no more jobs or
/// the engine hangs up.
pub fn draw_ahead(scenario: &Scenario, streams: &StreamFactory, sender: SyncSender<Vec<Prepared>>) {
    let limit = match &scenario.arrivals.process {
        ArrivalProcess::Count { count } => *count,
        ArrivalProcess::Trace { rows } => rows.len() as u64,
        // Until the engine stops taking them: the arrivals end at the horizon.
        ArrivalProcess::Poisson { .. } => u64::MAX,
    };
    let mut index = 0;
    while index < limit {
        let end = limit.min(index + BATCH as u64);
        let batch: Vec<Prepared> = (index..end)
            .map(|index| prepare_arrival(scenario, streams, index))
            .collect();
        if sender.send(batch).is_err() {
            return;
        }
        index = end;
    }
}

/// The arrival process's job `index` made ready: what the engine makes of
/// it when it arrives (`Engine::create_job`).
pub fn prepare_arrival(scenario: &Scenario, streams: &StreamFactory, index: u64) -> Prepared {
    let key = JobKey {
        root: index,
        generation: 0,
    };
    let (fate, drive_fates) = arrival_fate(scenario, streams, index);
    Prepared {
        drives: job_drives(key, &fate, drive_fates, None),
        name: job_name(key),
        fate,
    }
}

/// The fate of the arrival process's job `index` (the root of its key).
pub fn arrival_fate(scenario: &Scenario, streams: &StreamFactory, index: u64) -> Drawn {
    let (kind, n_drives) = arrival_given(scenario, index);
    let key = JobKey {
        root: index,
        generation: 0,
    };
    let mut rng = streams.stream(key, Purpose::Fate);
    JobFate::draw(&mut rng, scenario, kind, n_drives)
}

/// What an arrival trace gives of job `index`: its type and drive count.
pub fn arrival_given(scenario: &Scenario, index: u64) -> (Option<JobKind>, Option<u32>) {
    match &scenario.arrivals.process {
        ArrivalProcess::Trace { rows } => rows
            .get(index as usize)
            .map_or((None, None), |row| (Some(row.kind), row.drives)),
        ArrivalProcess::Poisson { .. } | ArrivalProcess::Count { .. } => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
    use crate::scenario::Workload;
    use crate::sim::{Engine, Mode, RecordSink, drive, run_replication};

    /// Every row as text, in the order the engine wrote it.
    #[derive(Default)]
    struct Rows(Vec<String>);

    impl RecordSink for Rows {
        fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
            self.0.push(format!("{job:?} {drives:?}"));
        }

        fn timeseries(&mut self, row: &TimeseriesRow) {
            self.0.push(format!("{row:?}"));
        }

        fn wants_trace(&self) -> bool {
            false
        }

        fn trace(&mut self, event: &TraceEvent) {
            self.0.push(format!("{event:?}"));
        }
    }

    /// A replication large enough to draw its fates ahead writes the rows of
    /// the same replication whose engine draws every fate itself.
    #[test]
    fn a_replication_with_fates_drawn_ahead_writes_the_same_rows() {
        let mut scenario = Scenario::baseline();
        scenario.arrivals.process = ArrivalProcess::Count { count: 12_000 };
        scenario.datacenter.copy_stations *= 2;
        let scenario = Arc::new(scenario);
        assert!(Workload::of(&scenario).root_jobs >= WORTH_A_THREAD);

        let mut ahead = Rows::default();
        let ahead_stats = run_replication(&scenario, 1, &mut ahead, &mut |_| {});
        let mut in_place = Rows::default();
        let sink: &mut dyn RecordSink = &mut in_place;
        let engine = Engine::new(Arc::clone(&scenario), 1, Mode::Batch, sink);
        let in_place_stats = drive(engine, 1, &mut |_| {});

        assert!(ahead.0.len() > 12_000, "every job and snapshot written");
        assert_eq!(ahead.0.len(), in_place.0.len());
        for (index, (a, b)) in ahead.0.iter().zip(&in_place.0).enumerate() {
            assert_eq!(a, b, "row {index}");
        }
        assert_eq!(ahead_stats.events, in_place_stats.events);
    }

    /// Drawn ahead on another thread, every fate is the one the engine
    /// draws itself, in order.
    #[test]
    fn fates_drawn_ahead_equal_fates_drawn_in_place() {
        let scenario = Scenario::baseline();
        let streams = StreamFactory::new(7, 3);
        let (sender, mut ahead) = channel();
        thread::scope(|scope| {
            scope.spawn(|| draw_ahead(&scenario, &streams, sender));
            for index in 0..(3 * BATCH as u64 + 5) {
                let prepared = ahead.take(index).expect("drawn ahead");
                let (expected, expected_drives) = arrival_fate(&scenario, &streams, index);
                let key = JobKey {
                    root: index,
                    generation: 0,
                };
                let expected_drives = job_drives(key, &expected, expected_drives, None);
                assert_eq!(
                    format!("{:?}", prepared.fate),
                    format!("{expected:?}"),
                    "job {index}"
                );
                assert_eq!(
                    format!("{:?}", prepared.drives),
                    format!("{expected_drives:?}")
                );
                assert_eq!(prepared.name, job_name(key));
            }
            // Out of order: not drawn ahead, so the engine draws it itself.
            assert!(ahead.take(0).is_none());
            drop(ahead);
        });
    }

    /// A count process stops the drawing side at its last job.
    #[test]
    fn a_count_process_draws_exactly_its_jobs() {
        let mut scenario = Scenario::baseline();
        scenario.arrivals.process = ArrivalProcess::Count { count: 300 };
        let streams = StreamFactory::new(1, 0);
        let (sender, mut ahead) = channel();
        draw_ahead(&scenario, &streams, sender);
        assert!((0..300).all(|index| ahead.take(index).is_some()));
        assert!(ahead.take(300).is_none());
    }
}
