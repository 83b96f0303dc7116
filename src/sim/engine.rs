//! `Engine`: the state of one simulated data centre and its jobs, stepped
//! from outside.
//!
//! The engine owns the clock, the event queue, the jobs in flight and the
//! resources; it does no I/O and reads no wall clock. A driver moves it on:
//! `next_event_time` tells when the next thing happens, `step` handles it
//! (`advance_to` handles everything up to an instant), and `finish` writes
//! what is still open. The batch run (`sim::run_replication`) is one such
//! driver; a server that maps wall time to simulated time is another, and
//! also applies customer requests between steps (`sim::service`).
//!
//! Finished rows leave through the engine's `RecordSink`. Jobs that settle
//! at an instant are written once the clock moves past it (ties by job
//! key), so everything that happens at one instant is complete first.
//!
//! Where the lifecycle's rules live: `sim::service` (what a customer asks
//! through the API), `sim::customer` (the simulated customers' own acts),
//! and `sim::rules::*` by phase — shipping, receiving, copying, returning.
//! The timing the documentation leaves open is described in docs/model.md,
//! in each section's choices (docs/model.md, Choices at a glance).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::record::{DriveRecord, RunStats};
use crate::scenario::Scenario;
use crate::sim::ahead::FatesAhead;
use crate::sim::arrivals::Arrivals;
use crate::sim::event::{Event, Package, Shipment};
use crate::sim::job::{Job, JobRef, JobSlab};
use crate::sim::queue::EventQueue;
use crate::sim::resource::Resource;
use crate::sim::sink::RecordSink;
use crate::sim::site::Site;
use crate::sim::streams::StreamFactory;
use crate::time::{SimDuration, SimTime};

/// Which customers the engine simulates, and how long it keeps jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A batch run: the scenario's arrival process and simulated customers;
    /// a job is written out as soon as it is settled.
    Batch,
    /// A server: jobs are also created by requests from outside, found by
    /// name, and kept (readable) until they are deleted. `background`: the
    /// scenario's own customers run alongside.
    Serving { background: bool },
}

/// One simulated data centre and its jobs.
pub struct Engine<S: RecordSink> {
    pub(super) scenario: Arc<Scenario>,
    pub(super) replication: u32,
    pub(super) mode: Mode,
    pub(super) sink: S,
    /// The sink wants `trace` calls.
    pub(super) trace: bool,
    /// Jobs record their `JobHistory`.
    pub(super) history: bool,
    pub(super) streams: StreamFactory,
    pub(super) queue: EventQueue<Event>,
    pub(super) now: SimTime,
    pub(super) jobs: JobSlab,
    pub(super) arrivals: Arrivals,
    pub(super) receiving: Resource<(JobRef, Package)>,
    pub(super) copy: Resource<(JobRef, u8)>,
    pub(super) packaging: Resource<(JobRef, Shipment)>,
    pub(super) site: Site,
    /// Settled jobs waiting to be written once the clock moves on.
    pub(super) settled: Vec<JobRef>,
    pub(super) jobs_written: u64,
    /// Live jobs in creation order (written ones are skipped lazily), for
    /// the watermark; kept only when recording history.
    pub(super) creation_order: VecDeque<(SimTime, JobRef)>,
    /// Jobs by name (servers only): the newest job of each name.
    pub(super) names: Option<BTreeMap<String, JobRef>>,
    /// The next root index for a job created from outside without a key.
    pub(super) next_outside_root: u64,
    /// Reused buffer for a job's drive rows, for a sink that makes them at
    /// once (`RecordSink::settled`).
    pub(super) drive_records: Vec<DriveRecord>,
    pub(super) events_handled: u64,
    /// Fates of the arrivals drawn on another thread (a batch run's).
    pub(super) ahead: Option<FatesAhead>,
}

/// The last instant the engine may reach: a batch run stops at `run_end`;
/// a server's clock may go on until the last deletion and poll any output
/// can name (`serving_end`).
fn last_instant(scenario: &Scenario, mode: Mode) -> SimTime {
    match mode {
        Mode::Batch => scenario.run_end(),
        Mode::Serving { .. } => serving_end(scenario),
    }
}

/// The latest instant a server's clock may show: `start + horizon +
/// drain_limit + retention + customer.poll_interval`, the latest timestamp
/// validation allows any output to hold.
pub fn serving_end(scenario: &Scenario) -> SimTime {
    scenario.run_end() + scenario.policy.retention + scenario.customer.poll_interval
}

/// Root indices of jobs created from outside without a stream key start
/// here, far above any arrival index, so their streams never meet the
/// scenario's own jobs'.
pub const OUTSIDE_ROOT_BASE: u64 = 1 << 40;

impl<S: RecordSink> Engine<S> {
    /// An engine at simulated time zero, with the first arrival and the
    /// first daily snapshot scheduled.
    pub fn new(scenario: Arc<Scenario>, replication: u32, mode: Mode, sink: S) -> Engine<S> {
        let streams = StreamFactory::new(scenario.simulation.seed, replication);
        let window_start = SimTime::ZERO + scenario.simulation.warmup;
        let window_end = scenario.horizon_end();
        let datacenter = &scenario.datacenter;
        let with_arrivals = match mode {
            Mode::Batch => true,
            Mode::Serving { background } => background,
        };
        let arrivals = Arrivals::new(&streams, with_arrivals);
        let trace = sink.wants_trace();
        let history = sink.wants_history();
        let mut engine = Engine {
            replication,
            mode,
            sink,
            trace,
            history,
            // Hour-wide buckets: a busy hour holds a few thousand events at most.
            queue: EventQueue::new(last_instant(&scenario, mode), SimDuration::from_hours(1)),
            now: SimTime::ZERO,
            jobs: JobSlab::default(),
            arrivals,
            receiving: Resource::new(datacenter.receiving_staff, window_start, window_end),
            copy: Resource::new(datacenter.copy_stations, window_start, window_end),
            packaging: Resource::new(datacenter.packaging_staff, window_start, window_end),
            site: Site::new(window_start, window_end),
            settled: Vec::new(),
            jobs_written: 0,
            creation_order: VecDeque::new(),
            names: matches!(mode, Mode::Serving { .. }).then(BTreeMap::new),
            next_outside_root: OUTSIDE_ROOT_BASE,
            drive_records: Vec::new(),
            events_handled: 0,
            ahead: None,
            streams,
            scenario,
        };
        engine.schedule_next_arrival();
        engine.queue.push(window_start, Event::Snapshot);
        engine
    }

    /// Takes the arrivals' fates from `ahead` (drawn by `sim::ahead::draw_ahead`
    /// with this engine's scenario and streams) instead of drawing them.
    pub(super) fn take_fates_from(&mut self, ahead: FatesAhead) {
        self.ahead = Some(ahead);
    }

    /// The simulated clock.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The scenario the engine runs.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// When the next event happens, if any is pending.
    pub fn next_event_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Handles the next event, moving the clock to it; returns its time.
    pub fn step(&mut self) -> Option<SimTime> {
        let (time, event) = self.queue.pop()?;
        // The next event's job is fetched from memory while this one is
        // handled: with thousands of jobs in flight, most are not in cache.
        if let Some(next) = self.queue.peek_near()
            && let Some(j) = next.job()
        {
            self.jobs.prefetch(j, next.drives_read());
        }
        // And the slot entry of the event after it, which the prefetch
        // above reads for the drives' address when that event is next.
        if let Some(j) = self.queue.peek_after_next().and_then(|after| after.job()) {
            self.jobs.prefetch_entry(j);
        }
        self.move_clock(time);
        self.handle(event);
        self.events_handled += 1;
        Some(time)
    }

    /// Handles every event at or before `t`, then moves the clock to `t`
    /// (never back).
    pub fn advance_to(&mut self, t: SimTime) {
        while self.next_event_time().is_some_and(|time| time <= t) {
            self.step();
        }
        self.move_clock(t);
    }

    /// No job is in memory and the arrival process has created its last job.
    pub fn is_idle(&self) -> bool {
        self.jobs.is_empty() && self.arrivals.is_done()
    }

    /// Jobs in memory (open, or settled and not yet written).
    pub fn jobs_in_memory(&self) -> u64 {
        self.jobs.len()
    }

    /// Jobs written to the sink so far.
    pub fn jobs_written(&self) -> u64 {
        self.jobs_written
    }

    /// Events handled so far.
    pub fn events_handled(&self) -> u64 {
        self.events_handled
    }

    pub fn sink(&self) -> &S {
        &self.sink
    }

    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Ends the run at `end` (not before the clock): writes the settled jobs,
    /// then every job still in memory (open ones as `unfinished`), and
    /// returns the run's statistics and the sink.
    pub fn finish(mut self, end: SimTime) -> (RunStats, S) {
        self.write_settled();
        self.now = end.max(self.now);
        self.write_unfinished();
        let end = self.now;
        self.change_on_site(0);
        let stats = RunStats {
            receiving: self.receiving.stats(end),
            copy: self.copy.stats(end),
            packaging: self.packaging.stats(end),
            drives_on_site_mean: self.site.on_site_mean(),
            drives_on_site_peak: self.site.on_site_peak,
            window: self.site.window(),
            events: self.events_handled,
        };
        (stats, self.sink)
    }

    /// Moves the clock forward to `time`; the jobs that settled at the
    /// instant it leaves are written first.
    fn move_clock(&mut self, time: SimTime) {
        if time > self.now {
            self.write_settled();
            self.now = time;
        }
    }

    // ----- plumbing the rules use ----------------------------------------

    pub(super) fn at(&mut self, delay: SimDuration, event: Event) {
        self.queue.push(self.now + delay, event);
    }

    /// Schedules an event that holds the job's row open until it has run.
    pub(super) fn at_held(&mut self, j: JobRef, delay: SimDuration, event: Event) {
        self.job_mut(j).holds += 1;
        self.at(delay, event);
    }

    pub(super) fn job(&self, j: JobRef) -> &Job {
        self.jobs.get(j)
    }

    pub(super) fn job_mut(&mut self, j: JobRef) -> &mut Job {
        self.jobs.get_mut(j)
    }

    /// Keep jobs until they are deleted (a server).
    pub(super) fn keeps_until_deleted(&self) -> bool {
        matches!(self.mode, Mode::Serving { .. })
    }

    fn handle(&mut self, event: Event) {
        // Every event but these two concerns one job; a job already written
        // out leaves behind only stale timers, which are ignored.
        let j = match event {
            Event::Arrival => return self.on_arrival(),
            Event::Snapshot => return self.on_snapshot(),
            _ => event.job().expect("every other event names a job"),
        };
        if !self.jobs.contains(j) {
            return;
        }
        if event.is_held() {
            let job = self.job_mut(j);
            assert!(job.holds > 0, "held event without a hold");
            job.holds -= 1;
        }
        match event {
            Event::Arrival | Event::Snapshot => unreachable!("handled above"),
            Event::Customer(j, act) => self.on_customer_act(j, act),
            Event::CreatingTimeout(j, timer) => self.on_creating_timeout(j, timer),
            Event::PackageDelivered(j) => self.on_package_delivered(j),
            Event::LateDriveDelivered(j, d) => self.on_late_drive_delivered(j, d),
            Event::ReceiveReady(j, package) => self.on_receive_ready(j, package),
            Event::ReceiveDone(j, package) => self.on_receive_done(j, package),
            Event::ShippingDeadline(j, timer) => self.on_shipping_deadline(j, timer),
            Event::OverdueAnswered(j, timer, answer) => self.on_overdue_answered(j, timer, answer),
            Event::OverdueNoAnswer(j, timer) => self.on_overdue_no_answer(j, timer),
            Event::OrphanAnswered(j) => self.on_orphan_answered(j),
            Event::OrphanWindowEnd(j) => self.on_orphan_window_end(j),
            Event::CopyLagDone(j) => self.open_copy(j),
            Event::CopyDone(j, d) => self.on_copy_done(j, d),
            Event::DriveFault(j, d) => self.on_drive_fault(j, d),
            Event::DriveFaultEnd(j, d, resolution) => self.on_drive_fault_end(j, d, resolution),
            Event::JobFaultEnd(j, resolution) => self.on_job_fault_end(j, resolution),
            Event::AddressAnswered(j) => self.on_address_answered(j),
            Event::AddressWindowEnd(j) => self.on_address_window_end(j),
            Event::PackagingDone(j, shipment) => self.on_packaging_done(j, shipment),
            Event::ReturnDelivered(j) => self.on_return_delivered(j),
            Event::Destroy(j, group) => self.on_destroy(j, group),
            Event::RetentionOver(j) => self.on_retention_over(j),
        }
        self.note_if_settled(j);
    }

    /// Queues `j` for writing if it has just become settled.
    pub(super) fn note_if_settled(&mut self, j: JobRef) {
        if !self.jobs.contains(j) {
            return;
        }
        let keep = self.keeps_until_deleted();
        let job = self.job_mut(j);
        if !job.settled && job.is_settled(keep) {
            job.settled = true;
            self.settled.push(j);
        }
    }
}
