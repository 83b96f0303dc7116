//! The arrival process: when the scenario's jobs are created.
//!
//! Lazy: at most one arrival is pending at a time, so a year of a million
//! jobs costs one event in the queue, not a million. Poisson gaps come from
//! a stream of their own (`Purpose::Arrivals`); `count` spreads jobs evenly
//! (job `i` at `i * horizon / count`); a trace gives each job's time, type
//! and drive count. Jobs at the same instant are created in index order.

use rand_chacha::ChaCha8Rng;

use crate::scenario::{ArrivalProcess, Scenario};
use crate::sim::ahead::arrival_given;
use crate::sim::engine::Engine;
use crate::sim::event::Event;
use crate::sim::sink::RecordSink;
use crate::sim::streams::{JobKey, Purpose, StreamFactory};
use crate::time::{MS_PER_DAY, SimDuration, SimTime};

/// Where the arrival process stands.
#[derive(Debug)]
pub struct Arrivals {
    /// The index of the next job.
    next_index: u64,
    rng: ChaCha8Rng,
    last_arrival: SimTime,
    done: bool,
}

impl Arrivals {
    /// The process of one replication; `enabled` false: no arrivals at all.
    pub fn new(streams: &StreamFactory, enabled: bool) -> Arrivals {
        let key = JobKey {
            root: 0,
            generation: 0,
        };
        Arrivals {
            next_index: 0,
            rng: streams.stream(key, Purpose::Arrivals),
            last_arrival: SimTime::ZERO,
            done: !enabled,
        }
    }

    /// Every job of the process has been created.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The time of job `next_index`, or `None` when the process has no more
    /// jobs before the horizon.
    fn next_time(&mut self, scenario: &Scenario) -> Option<SimTime> {
        let index = self.next_index;
        let next = match &scenario.arrivals.process {
            ArrivalProcess::Poisson { jobs_per_day } => {
                let rate_per_ms = jobs_per_day / MS_PER_DAY as f64;
                let u = loop {
                    let u: f64 = rand::RngExt::random(&mut self.rng);
                    if u > 0.0 {
                        break u;
                    }
                };
                Some(self.last_arrival + SimDuration::from_ms_f64(-u.ln() / rate_per_ms))
            }
            ArrivalProcess::Count { count } => (index < *count).then(|| {
                let horizon_ms = i128::from(scenario.simulation.horizon.ms());
                SimTime::from_ms((horizon_ms * i128::from(index) / i128::from(*count)) as i64)
            }),
            ArrivalProcess::Trace { rows } => rows.get(index as usize).map(|row| row.created_at),
        };
        next.filter(|&time| time < scenario.horizon_end())
    }
}

impl<S: RecordSink> Engine<S> {
    pub(super) fn schedule_next_arrival(&mut self) {
        if self.arrivals.done {
            return;
        }
        match self.arrivals.next_time(&self.scenario) {
            Some(time) => {
                self.arrivals.last_arrival = time;
                self.queue.push(time, Event::Arrival);
            }
            None => self.arrivals.done = true,
        }
    }

    pub(super) fn on_arrival(&mut self) {
        let index = self.arrivals.next_index;
        self.arrivals.next_index += 1;
        let (kind, n_drives) = arrival_given(&self.scenario, index);
        let key = JobKey {
            root: index,
            generation: 0,
        };
        let fate = self.ahead.as_mut().and_then(|ahead| ahead.take(index));
        self.create_simulated_job(key, kind, n_drives, None, fate);
        self.schedule_next_arrival();
    }
}
