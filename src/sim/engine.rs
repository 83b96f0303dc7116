//! The lifecycle engine: jobs and drives in flight, and the rules of SPEC 1.
//!
//! Each `Event` names a job by `JobRef` (a slot in the job slab and that
//! slot's generation), so an event for a job that has since been written out
//! and dropped is recognised and ignored. Timers that can be cancelled (the
//! Creating timeout, the Shipping deadline and what follows it) carry a timer
//! generation of their own, bumped whenever the timer is reset or stopped.
//!
//! A job leaves memory when it is *settled*: it is `Completed`, `Closed` or
//! deleted, and nothing it owns is still pending (`holds`, a count of
//! scheduled or queued work that can still change its row: a package in
//! transit, drives on site, an export return on its way, a cancellation
//! request not yet made). Settled jobs are written in the order they settled,
//! ties by job index.
//!
//! # Timing
//!
//! The service's documentation says what happens; these rules say when
//! (SPEC 1.5 fixes them; the choices SPEC leaves open are marked *choice*).
//!
//! - A job is created at its arrival. A customer who does not abandon hands
//!   the package to the carrier at `created + ship_delay` and sends the
//!   Shipping update then (unless it skips it). The one update while
//!   `Creating` falls uniformly in `(0, ship_delay)` (`(0, creating_timeout)`
//!   for an abandoner) and resets the Creating timeout, as does an accepted
//!   cancellation. A Shipping update without a return address is rejected
//!   (nothing changes) and fixed after `fix_return_address_delay`.
//! - The package is delivered at hand-over + `transit`; a lost one never,
//!   or, if late, at hand-over plus `transit` plus `late_package_delay`
//!   (`package_lost` is noted at hand-over: *choice*). Operators process it
//!   after `receive_lag` and a receiving operator; that is when missing
//!   drives become `NeverReceived` and orphan drives are found.
//! - The overdue check runs at `shipping_at + shipping_timeout` against
//!   carrier delivery (delivered at or before it: not overdue). The answer
//!   comes after `response_delay`; *extend* sets the next deadline to the
//!   answer plus `shipping_extension`, *cancel* closes the job at the answer,
//!   no answer closes it at the deadline plus `customer_response_window`. A job cancelled
//!   before the deadline closes at the deadline without a contact.
//! - A received job's drives join the copy queue after `copy_lag` (FIFO,
//!   drive-list order); a drive received later or back from a fault joins at
//!   once. With nothing to copy (cancelled, no drive received) the job goes
//!   `Received -> Packaging` at that same moment (*choice*).
//! - A wrong return address is found on entering `Packaging`; orphan drives
//!   and overdue packages wait for answers within their windows; drives
//!   that cannot be returned are destroyed `disposal_after` the contact,
//!   never before the window closes. Orphans of a job on record when they
//!   were found go back at the window's end if it has a return address,
//!   even if it expired meanwhile (*choice*: "if the job existed").
//! - Faults: a job fault at receipt, a drive fault at a uniform point of its
//!   first copy; resolved after `fault_resolution`, or given up at the end of
//!   `customer_response_window`.

use rand_chacha::ChaCha8Rng;

use crate::model::{
    CopyOutcome, DeletionReason, Disposition, DriveState, EventKind, EventList, JobKind, JobState,
    Outcome, check_drive_transition, check_job_transition,
};
use crate::record::{
    CallAnswer, CallKind, CopyAttempt, CustomerCall, DriveRecord, JobHistory, JobRecord, RunStats,
    StateChange, TimeseriesRow, TraceEvent, TraceState,
};
use crate::scenario::{ArrivalProcess, Scenario};
use crate::sim::fate::{ContactAnswer, DriveFate, JobFate, draw_answer};
use crate::sim::queue::EventQueue;
use crate::sim::resource::Resource;
use crate::sim::streams::{JobKey, Purpose, StreamFactory};
use crate::time::{SimDuration, SimTime};

/// Where finished rows go. Called in row order.
pub trait RecordSink {
    /// A settled job and its drives (listed, extra, received export drives).
    fn job(&mut self, job: &JobRecord, drives: &[DriveRecord]);
    /// A daily snapshot.
    fn timeseries(&mut self, row: &TimeseriesRow);
    /// Whether `trace` should be called at all (it costs a string per transition).
    fn wants_trace(&self) -> bool;
    /// A state transition.
    fn trace(&mut self, event: &TraceEvent);
    /// Whether job records should carry their `JobHistory`.
    fn wants_history(&self) -> bool {
        false
    }
    /// Every job not yet written was created at or after `time`, and none
    /// will be created before it (called after each batch of written jobs
    /// when history is on): what happened before `time` is complete.
    fn watermark(&mut self, _time: SimTime) {}
    /// Whether the run should stop early (a write failed, or the command was
    /// interrupted); the engine asks every few thousand events.
    fn stopped(&self) -> bool {
        false
    }
}

/// What the progress callback sees.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub replication: u32,
    pub jobs_written: u64,
    pub now: SimTime,
}

/// Runs one replication of `scenario` to its end, sending rows to `sink`.
pub fn run_replication(
    scenario: &Scenario,
    replication: u32,
    sink: &mut dyn RecordSink,
    progress: &mut dyn FnMut(Progress),
) -> RunStats {
    let mut engine = Engine::new(scenario, replication, sink);
    engine.run(progress);
    engine.finish()
}

/// A job in the slab, named by slot and the slot's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct JobRef {
    slot: u32,
    generation: u32,
}

/// Which package a receiving operator processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Package {
    /// The job's package.
    Main,
    /// A listed drive that was missing and turned up later, on its own.
    LateDrive(u8),
}

/// What a packaging staff member ships back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shipment {
    /// All of a job's drives on site, when it leaves `Packaging`.
    Job,
    /// Orphan drives on site (their job is `Creating`, `Closed` or gone).
    Orphans,
    /// One late drive whose job has already shipped back.
    Stray(u8),
}

/// What a customer answered to an overdue-package contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OverdueAnswer {
    Extend,
    Cancel,
}

/// The closed set of things that happen.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next job of the arrival process is created.
    Arrival,
    /// The daily `timeseries.csv` snapshot.
    Snapshot,
    UpdateWhileCreating(JobRef),
    CreatingTimeout(JobRef, u32),
    /// The customer hands the package to the carrier (and sends the Shipping update).
    CustomerShips(JobRef),
    /// The Shipping update with the return address that was missing.
    FixedShippingUpdate(JobRef),
    CancelRequest(JobRef),
    PackageDelivered(JobRef),
    LateDriveDelivered(JobRef, u8),
    /// `receive_lag` is over: the package joins the receiving queue.
    ReceiveReady(JobRef, Package),
    ReceiveDone(JobRef, Package),
    ShippingDeadline(JobRef, u32),
    OverdueAnswered(JobRef, u32, OverdueAnswer),
    OverdueNoAnswer(JobRef, u32),
    OrphanAnswered(JobRef),
    OrphanWindowEnd(JobRef),
    /// `copy_lag` is over: the job's received drives join the copy queue.
    CopyLagDone(JobRef),
    CopyDone(JobRef, u8),
    DriveFault(JobRef, u8),
    DriveFaultEnd(JobRef, u8, bool),
    JobFaultEnd(JobRef, bool),
    AddressAnswered(JobRef),
    AddressWindowEnd(JobRef),
    PackagingDone(JobRef, Shipment),
    /// An export return reaches (or fails to reach) the customer.
    ReturnDelivered(JobRef),
    /// Drives that could not be returned are destroyed.
    Destroy(JobRef, DestroyGroup),
}

/// What the service came to know about a job (for its history).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fact {
    ReturnAddress,
    DeliveryPackage,
    CancelRequested,
}

/// Which drives a destruction covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DestroyGroup {
    /// The orphan drives on site.
    Orphans,
    /// Every drive of the job on site (wrong return address never fixed).
    All,
    /// One late drive.
    Stray(u8),
}

/// Where the job's package is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PackageState {
    NotShipped,
    /// With the carrier; delivered at that time, or never.
    InTransit(Option<SimTime>),
    Delivered,
}

/// A drive in flight.
#[derive(Clone, Debug)]
struct Drive {
    fate: DriveFate,
    serial: u32,
    /// Not in the job's list (import packages only).
    extra: bool,
    /// Has a row: listed import drives always, export and extra drives once received.
    exists: bool,
    state: DriveState,
    on_site: bool,
    /// Arrived as part of orphan drives (their job was not `Shipping`).
    orphan: bool,
    data_bytes: u64,
    bytes_succeeded: u64,
    copy_outcome: CopyOutcome,
    attempts: u8,
    /// The copy was given up (cancellation) or a fault went unresolved.
    copy_skipped: bool,
    fault_unresolved: bool,
    disposition: Option<Disposition>,
    destroy_pending: bool,
    arrived_at: Option<SimTime>,
    received_at: Option<SimTime>,
    copy_start_at: Option<SimTime>,
    copy_end_at: Option<SimTime>,
    shipped_back_at: Option<SimTime>,
    destroyed_at: Option<SimTime>,
    queued_at: Option<SimTime>,
    /// When the current copy attempt started.
    attempt_start: SimTime,
    /// Waiting in the copy queue.
    in_queue: bool,
}

/// Where an orphan-drives contact stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OrphanContact {
    None,
    /// Contacted at `contact_at`; `job_existed`: the job was still on record
    /// then (`Creating` or `Closed`), not gone.
    Open {
        contact_at: SimTime,
        job_existed: bool,
    },
    Over,
}

/// A job in flight.
#[derive(Debug)]
struct Job {
    key: JobKey,
    name: String,
    fate: JobFate,
    state: JobState,
    state_since: SimTime,
    state_time: [Option<SimDuration>; 6],
    deleted: bool,
    in_warmup: bool,
    cancelled: bool,
    /// Cancellation accepted while `Creating` before the package was handed over.
    cancelled_before_shipping: bool,
    has_return_address: bool,
    creating_timer: u32,
    shipping_timer: u32,
    package: PackageState,
    orphan_contact: OrphanContact,
    /// The copy lag is over (or the job fault resolved): drives may join the queue.
    copy_open: bool,
    /// Drives queued, copying, or faulted awaiting resolution.
    in_copy: u32,
    job_fault_unresolved: bool,
    holds: u32,
    faults: u32,
    contacts: u32,
    events: EventList,
    created_at: SimTime,
    shipping_at: Option<SimTime>,
    received_at: Option<SimTime>,
    transferring_at: Option<SimTime>,
    packaging_at: Option<SimTime>,
    finished_at: Option<SimTime>,
    deleted_at: Option<SimTime>,
    overdue_stream: Option<Box<ChaCha8Rng>>,
    /// Recorded when the sink asks for it.
    history: Option<Box<JobHistory>>,
    /// Already queued for writing.
    settled: bool,
    drives: Vec<Drive>,
}

impl Job {
    fn is_settled(&self) -> bool {
        (self.state.is_final() || self.deleted) && self.holds == 0
    }
}

struct Engine<'a> {
    scenario: &'a Scenario,
    replication: u32,
    sink: &'a mut dyn RecordSink,
    trace: bool,
    history: bool,
    /// Live jobs in creation order (written ones are skipped lazily), for
    /// the watermark.
    creation_order: std::collections::VecDeque<(SimTime, JobRef)>,
    streams: StreamFactory,
    queue: EventQueue<Event>,
    now: SimTime,
    slots: Vec<Option<Job>>,
    slot_generations: Vec<u32>,
    free_slots: Vec<u32>,
    live_jobs: u64,
    arrivals: Arrivals,
    receiving: Resource<(JobRef, Package)>,
    copy: Resource<(JobRef, u8)>,
    packaging: Resource<(JobRef, Shipment)>,
    /// Settled jobs waiting to be written once the clock moves on.
    settled: Vec<JobRef>,
    jobs_written: u64,
    jobs_in_state: [u64; 6],
    drives_on_site: u64,
    on_site_integral: i128,
    on_site_peak: u64,
    on_site_since: SimTime,
    window_start: SimTime,
    window_end: SimTime,
    next_snapshot_day: u64,
    last_arrival: SimTime,
    job_records: Vec<DriveRecord>,
}

/// The lazy arrival process: at most one pending arrival at a time.
struct Arrivals {
    next_index: u64,
    rng: ChaCha8Rng,
    done: bool,
}

impl<'a> Engine<'a> {
    fn new(scenario: &'a Scenario, replication: u32, sink: &'a mut dyn RecordSink) -> Self {
        let streams = StreamFactory::new(scenario.simulation.seed, replication);
        let window_start = SimTime::ZERO + scenario.simulation.warmup;
        let window_end = scenario.horizon_end();
        let datacenter = &scenario.datacenter;
        let arrivals = Arrivals {
            next_index: 0,
            rng: streams.stream(
                JobKey {
                    root: 0,
                    generation: 0,
                },
                Purpose::Arrivals,
            ),
            done: false,
        };
        let trace = sink.wants_trace();
        let history = sink.wants_history();
        Engine {
            scenario,
            replication,
            sink,
            trace,
            history,
            creation_order: std::collections::VecDeque::new(),
            streams,
            // Hour-wide buckets: a busy hour holds a few thousand events at most.
            queue: EventQueue::new(scenario.run_end(), SimDuration::from_hours(1)),
            now: SimTime::ZERO,
            slots: Vec::new(),
            slot_generations: Vec::new(),
            free_slots: Vec::new(),
            live_jobs: 0,
            arrivals,
            receiving: Resource::new(datacenter.receiving_staff, window_start, window_end),
            copy: Resource::new(datacenter.copy_stations, window_start, window_end),
            packaging: Resource::new(datacenter.packaging_staff, window_start, window_end),
            settled: Vec::new(),
            jobs_written: 0,
            jobs_in_state: [0; 6],
            drives_on_site: 0,
            on_site_integral: 0,
            on_site_peak: 0,
            on_site_since: SimTime::ZERO,
            window_start,
            window_end,
            next_snapshot_day: 0,
            last_arrival: SimTime::ZERO,
            job_records: Vec::new(),
        }
    }

    fn run(&mut self, progress: &mut dyn FnMut(Progress)) {
        self.schedule_next_arrival();
        self.queue.push(self.window_start, Event::Snapshot);
        let run_end = self.scenario.run_end();
        let mut steps: u64 = 0;
        loop {
            if self.live_jobs == 0 && self.arrivals.done {
                break;
            }
            let Some(time) = self.queue.peek_time() else {
                break;
            };
            if time > run_end {
                break;
            }
            let (time, event) = self.queue.pop().expect("peeked");
            // Jobs that settled at the last instant are written once the clock moves on.
            if time > self.now {
                self.write_settled();
            }
            self.now = time;
            self.handle(event);
            steps += 1;
            if steps.is_multiple_of(4096) && self.sink.stopped() {
                return;
            }
            if steps.is_multiple_of(65_536) {
                progress(Progress {
                    replication: self.replication,
                    jobs_written: self.jobs_written,
                    now: self.now,
                });
            }
        }
        self.write_settled();
        // The run ends at the last event, or at the drain limit when jobs are still open.
        let end = if self.live_jobs > 0 {
            run_end
        } else {
            self.now
        };
        self.now = end.max(self.now);
        self.write_unfinished();
        progress(Progress {
            replication: self.replication,
            jobs_written: self.jobs_written,
            now: self.now,
        });
    }

    fn finish(mut self) -> RunStats {
        let end = self.now;
        self.change_on_site(0);
        RunStats {
            receiving: self.receiving.stats(end),
            copy: self.copy.stats(end),
            packaging: self.packaging.stats(end),
            drives_on_site_mean: self.on_site_integral as f64
                / (self.window_end - self.window_start).ms().max(1) as f64,
            drives_on_site_peak: self.on_site_peak,
            window: self.window_end - self.window_start,
        }
    }

    // ----- the event loop's plumbing -------------------------------------

    fn at(&mut self, delay: SimDuration, event: Event) {
        self.queue.push(self.now + delay, event);
    }

    /// Schedules an event that holds the job's row open until it has run.
    fn at_held(&mut self, job_ref: JobRef, delay: SimDuration, event: Event) {
        self.job_mut(job_ref).holds += 1;
        self.at(delay, event);
    }

    fn job(&self, job_ref: JobRef) -> &Job {
        self.slots[job_ref.slot as usize]
            .as_ref()
            .expect("live job")
    }

    fn job_mut(&mut self, job_ref: JobRef) -> &mut Job {
        self.slots[job_ref.slot as usize]
            .as_mut()
            .expect("live job")
    }

    fn is_live(&self, job_ref: JobRef) -> bool {
        self.slot_generations[job_ref.slot as usize] == job_ref.generation
            && self.slots[job_ref.slot as usize].is_some()
    }

    fn handle(&mut self, event: Event) {
        // Every event but these two concerns one job; a job already written
        // out leaves behind only stale timers, which are ignored.
        let job_ref = match event {
            Event::Arrival => return self.on_arrival(),
            Event::Snapshot => return self.on_snapshot(),
            _ => event.job().expect("every other event names a job"),
        };
        if !self.is_live(job_ref) {
            return;
        }
        if event_is_held(event) {
            let job = self.job_mut(job_ref);
            assert!(job.holds > 0, "held event without a hold");
            job.holds -= 1;
        }
        match event {
            Event::Arrival | Event::Snapshot => unreachable!("handled above"),
            Event::UpdateWhileCreating(j) => self.on_update_while_creating(j),
            Event::CreatingTimeout(j, timer) => self.on_creating_timeout(j, timer),
            Event::CustomerShips(j) => self.on_customer_ships(j),
            Event::FixedShippingUpdate(j) => self.on_fixed_shipping_update(j),
            Event::CancelRequest(j) => self.on_cancel_request(j),
            Event::PackageDelivered(j) => self.on_package_delivered(j),
            Event::LateDriveDelivered(j, d) => self.on_late_drive_delivered(j, d),
            Event::ReceiveReady(j, package) => self.on_receive_ready(j, package),
            Event::ReceiveDone(j, package) => self.on_receive_done(j, package),
            Event::ShippingDeadline(j, timer) => self.on_shipping_deadline(j, timer),
            Event::OverdueAnswered(j, timer, answer) => self.on_overdue_answered(j, timer, answer),
            Event::OverdueNoAnswer(j, timer) => self.on_overdue_no_answer(j, timer),
            Event::OrphanAnswered(j) => self.on_orphan_answered(j),
            Event::OrphanWindowEnd(j) => self.on_orphan_window_end(j),
            Event::CopyLagDone(j) => self.on_copy_lag_done(j),
            Event::CopyDone(j, d) => self.on_copy_done(j, d),
            Event::DriveFault(j, d) => self.on_drive_fault(j, d),
            Event::DriveFaultEnd(j, d, resolved) => self.on_drive_fault_end(j, d, resolved),
            Event::JobFaultEnd(j, resolved) => self.on_job_fault_end(j, resolved),
            Event::AddressAnswered(j) => self.on_address_answered(j),
            Event::AddressWindowEnd(j) => self.on_address_window_end(j),
            Event::PackagingDone(j, shipment) => self.on_packaging_done(j, shipment),
            Event::ReturnDelivered(j) => self.on_return_delivered(j),
            Event::Destroy(j, group) => self.on_destroy(j, group),
        }
        if self.is_live(job_ref) {
            let job = self.job_mut(job_ref);
            if !job.settled && job.is_settled() {
                job.settled = true;
                self.settled.push(job_ref);
            }
        }
    }
}

impl Event {
    /// The job the event concerns, if any.
    fn job(self) -> Option<JobRef> {
        match self {
            Event::Arrival | Event::Snapshot => None,
            Event::UpdateWhileCreating(j)
            | Event::CreatingTimeout(j, _)
            | Event::CustomerShips(j)
            | Event::FixedShippingUpdate(j)
            | Event::CancelRequest(j)
            | Event::PackageDelivered(j)
            | Event::LateDriveDelivered(j, _)
            | Event::ReceiveReady(j, _)
            | Event::ReceiveDone(j, _)
            | Event::ShippingDeadline(j, _)
            | Event::OverdueAnswered(j, _, _)
            | Event::OverdueNoAnswer(j, _)
            | Event::OrphanAnswered(j)
            | Event::OrphanWindowEnd(j)
            | Event::CopyLagDone(j)
            | Event::CopyDone(j, _)
            | Event::DriveFault(j, _)
            | Event::DriveFaultEnd(j, _, _)
            | Event::JobFaultEnd(j, _)
            | Event::AddressAnswered(j)
            | Event::AddressWindowEnd(j)
            | Event::PackagingDone(j, _)
            | Event::ReturnDelivered(j)
            | Event::Destroy(j, _) => Some(j),
        }
    }
}

/// Events that hold their job's row open (see the module doc); the others
/// are timers that may be stale by the time they pop.
fn event_is_held(event: Event) -> bool {
    match event {
        Event::Arrival
        | Event::Snapshot
        | Event::UpdateWhileCreating(_)
        | Event::FixedShippingUpdate(_)
        | Event::CreatingTimeout(..)
        | Event::ShippingDeadline(..)
        | Event::OverdueAnswered(..)
        | Event::OverdueNoAnswer(..) => false,
        Event::CustomerShips(_)
        | Event::CancelRequest(_)
        | Event::PackageDelivered(_)
        | Event::LateDriveDelivered(..)
        | Event::ReceiveReady(..)
        | Event::ReceiveDone(..)
        | Event::OrphanAnswered(_)
        | Event::OrphanWindowEnd(_)
        | Event::CopyLagDone(_)
        | Event::CopyDone(..)
        | Event::DriveFault(..)
        | Event::DriveFaultEnd(..)
        | Event::JobFaultEnd(..)
        | Event::AddressAnswered(_)
        | Event::AddressWindowEnd(_)
        | Event::PackagingDone(..)
        | Event::ReturnDelivered(_)
        | Event::Destroy(..) => true,
    }
}

// ----- jobs: creation, state changes, writing out --------------------------

impl Engine<'_> {
    fn schedule_next_arrival(&mut self) {
        let index = self.arrivals.next_index;
        let scenario = self.scenario;
        let horizon_end = scenario.horizon_end();
        let next = match &scenario.arrivals.process {
            ArrivalProcess::Poisson { jobs_per_day } => {
                let rate_per_ms = jobs_per_day / crate::time::MS_PER_DAY as f64;
                let u = loop {
                    let u: f64 = rand::RngExt::random(&mut self.arrivals.rng);
                    if u > 0.0 {
                        break u;
                    }
                };
                Some(self.last_arrival + SimDuration::from_ms_f64(-u.ln() / rate_per_ms))
            }
            ArrivalProcess::Count { count } => (index < *count).then(|| {
                let horizon_ms = i128::from(scenario.simulation.horizon.ms());
                SimTime((horizon_ms * i128::from(index) / i128::from(*count)) as i64)
            }),
            ArrivalProcess::Trace { rows } => rows.get(index as usize).map(|row| row.created_at),
        };
        match next {
            Some(time) if time < horizon_end => {
                self.last_arrival = time;
                self.queue.push(time, Event::Arrival);
            }
            _ => self.arrivals.done = true,
        }
    }

    fn on_arrival(&mut self) {
        let index = self.arrivals.next_index;
        self.arrivals.next_index += 1;
        let (kind, n_drives) = match &self.scenario.arrivals.process {
            ArrivalProcess::Trace { rows } => {
                let row = &rows[index as usize];
                (Some(row.kind), row.drives)
            }
            ArrivalProcess::Poisson { .. } | ArrivalProcess::Count { .. } => (None, None),
        };
        let key = JobKey {
            root: index,
            generation: 0,
        };
        self.create_job(key, kind, n_drives, None);
        self.schedule_next_arrival();
    }

    /// Creates a job now: a root job of the arrival process, or a follow-up
    /// export (`sizes` then gives its drives' data).
    fn create_job(
        &mut self,
        key: JobKey,
        kind: Option<JobKind>,
        n_drives: Option<u32>,
        sizes: Option<Vec<u64>>,
    ) {
        let scenario = self.scenario;
        let mut rng = self.streams.stream(key, Purpose::Fate);
        let (fate, mut drive_fates) = JobFate::draw(&mut rng, scenario, kind, n_drives);
        if let Some(sizes) = &sizes {
            for (drive, &bytes) in drive_fates.iter_mut().zip(sizes) {
                drive.data_bytes = bytes;
            }
        }
        let is_import = fate.kind == JobKind::Import;
        let with_extra = is_import && fate.has_extra_drive;
        let mut drives = Vec::with_capacity(drive_fates.len() + usize::from(with_extra));
        for (index, drive_fate) in drive_fates.into_iter().enumerate() {
            drives.push(Drive::new(key, index, drive_fate, is_import, false));
        }
        if with_extra {
            let extra_fate = DriveFate {
                data_bytes: fate.extra_drive_bytes,
                ..DriveFate::default()
            };
            drives.push(Drive::new(key, drives.len(), extra_fate, false, true));
        }
        let name = if key.generation == 0 {
            format!("job-{:07}", key.root)
        } else {
            format!("job-{:07}-r{}", key.root, key.generation)
        };
        let now = self.now;
        let job = Job {
            key,
            name,
            state: JobState::Creating,
            state_since: now,
            state_time: [None; 6],
            deleted: false,
            in_warmup: now < self.window_start,
            cancelled: false,
            cancelled_before_shipping: false,
            has_return_address: !fate.missing_return_address,
            creating_timer: 0,
            shipping_timer: 0,
            package: PackageState::NotShipped,
            orphan_contact: OrphanContact::None,
            copy_open: false,
            in_copy: 0,
            job_fault_unresolved: false,
            holds: 0,
            faults: 0,
            contacts: 0,
            events: EventList::default(),
            created_at: now,
            shipping_at: None,
            received_at: None,
            transferring_at: None,
            packaging_at: None,
            finished_at: None,
            deleted_at: None,
            overdue_stream: None,
            history: self.history.then(|| {
                Box::new(JobHistory {
                    root_index: key.root,
                    generation: key.generation,
                    verbose_log: fate.verbose_log,
                    ..JobHistory::default()
                })
            }),
            settled: false,
            drives,
            fate,
        };
        let j = self.insert_job(job);
        self.jobs_in_state[0] += 1;
        if self.history {
            self.creation_order.push_back((now, j));
            let return_address = self.job(j).has_return_address;
            self.record_call(j, CallKind::PutJob { return_address }, CallAnswer::Accepted);
            if return_address {
                self.record_fact(j, Fact::ReturnAddress);
            }
        }
        self.trace_job(
            j,
            TraceState::None,
            TraceState::Job(JobState::Creating),
            "created",
        );

        let policy = &scenario.policy;
        self.at(policy.creating_timeout, Event::CreatingTimeout(j, 0));
        let fate = &self.job(j).fate;
        let (abandons, updates, fraction) = (
            fate.abandons,
            fate.updates_while_creating,
            fate.update_fraction,
        );
        let (ship_delay, cancels, cancel_delay) =
            (fate.ship_delay, fate.cancels, fate.cancel_delay);
        if abandons {
            if updates {
                let at = inside(policy.creating_timeout, fraction);
                self.at(at, Event::UpdateWhileCreating(j));
            }
        } else {
            if updates {
                self.at(inside(ship_delay, fraction), Event::UpdateWhileCreating(j));
            }
            self.at_held(j, ship_delay, Event::CustomerShips(j));
        }
        if cancels {
            self.at_held(j, cancel_delay, Event::CancelRequest(j));
        }
    }

    fn insert_job(&mut self, job: Job) -> JobRef {
        self.live_jobs += 1;
        if let Some(slot) = self.free_slots.pop() {
            self.slots[slot as usize] = Some(job);
            JobRef {
                slot,
                generation: self.slot_generations[slot as usize],
            }
        } else {
            let slot = u32::try_from(self.slots.len()).expect("too many jobs in flight");
            self.slots.push(Some(job));
            self.slot_generations.push(0);
            JobRef {
                slot,
                generation: 0,
            }
        }
    }

    fn set_job_state(&mut self, j: JobRef, to: JobState, cause: &'static str) {
        let now = self.now;
        let retention = self.scenario.policy.retention;
        let job = self.job_mut(j);
        let from = job.state;
        assert!(!job.deleted, "transition of a deleted job");
        check_job_transition(from, to);
        accrue_state_time(job, now);
        job.state = to;
        let first = match to {
            JobState::Shipping => &mut job.shipping_at,
            JobState::Received => &mut job.received_at,
            JobState::Transferring => &mut job.transferring_at,
            JobState::Packaging => &mut job.packaging_at,
            JobState::Completed | JobState::Closed => {
                job.deleted_at = Some(now + retention);
                &mut job.finished_at
            }
            JobState::Creating | JobState::Faulted => &mut None,
        };
        first.get_or_insert(now);
        if let Some(index) = from.open_index() {
            self.jobs_in_state[index] -= 1;
        }
        if let Some(index) = to.open_index() {
            self.jobs_in_state[index] += 1;
        }
        self.trace_job(j, TraceState::Job(from), TraceState::Job(to), cause);
    }

    fn set_drive_state(&mut self, j: JobRef, d: u8, to: DriveState, cause: &'static str) {
        let drive = &mut self.job_mut(j).drives[usize::from(d)];
        let from = drive.state;
        check_drive_transition(from, to);
        drive.state = to;
        self.trace_drive(j, d, TraceState::Drive(from), TraceState::Drive(to), cause);
    }

    /// An export or extra drive comes into existence at `Received`.
    fn create_drive(&mut self, j: JobRef, d: u8, cause: &'static str) {
        let now = self.now;
        let drive = &mut self.job_mut(j).drives[usize::from(d)];
        drive.exists = true;
        drive.state = DriveState::Received;
        drive.received_at.get_or_insert(now);
        self.trace_drive(
            j,
            d,
            TraceState::None,
            TraceState::Drive(DriveState::Received),
            cause,
        );
    }

    fn note(&mut self, j: JobRef, kind: EventKind) {
        self.job_mut(j).events.insert(kind);
    }

    /// Records a job's state change in its history and the trace, if on.
    fn trace_job(&mut self, j: JobRef, from: TraceState, to: TraceState, cause: &'static str) {
        self.record_change(j, None, from, to, cause);
    }

    /// Records a drive's state change in its job's history and the trace, if on.
    fn trace_drive(
        &mut self,
        j: JobRef,
        d: u8,
        from: TraceState,
        to: TraceState,
        cause: &'static str,
    ) {
        let serial = self.job(j).drives[usize::from(d)].serial;
        self.record_change(j, Some(serial), from, to, cause);
    }

    /// A state change of the job (`drive` is `None`) or of the drive with
    /// that serial, into the job's history and the trace, when they are on.
    fn record_change(
        &mut self,
        j: JobRef,
        drive: Option<u32>,
        from: TraceState,
        to: TraceState,
        cause: &'static str,
    ) {
        let now = self.now;
        if let Some(history) = &mut self.job_mut(j).history {
            history.changes.push(StateChange {
                time: now,
                drive,
                from,
                to,
                cause,
            });
        }
        if self.trace {
            let event = TraceEvent {
                time: now,
                replication: self.replication,
                job: self.job(j).name.clone(),
                drive: drive.map(|serial| format!("{serial:08X}")),
                from,
                to,
                cause,
            };
            self.sink.trace(&event);
        }
    }

    /// Records a customer call in the job's history, if on.
    fn record_call(&mut self, j: JobRef, kind: CallKind, answer: CallAnswer) {
        let now = self.now;
        if let Some(history) = &mut self.job_mut(j).history {
            history.calls.push(CustomerCall {
                time: now,
                kind,
                answer,
            });
        }
    }

    /// Notes in the history when the service first held the return address,
    /// the delivery package, or an accepted cancellation.
    fn record_fact(&mut self, j: JobRef, fact: Fact) {
        let now = self.now;
        if let Some(history) = &mut self.job_mut(j).history {
            let field = match fact {
                Fact::ReturnAddress => &mut history.return_address_at,
                Fact::DeliveryPackage => &mut history.delivery_package_at,
                Fact::CancelRequested => &mut history.cancel_requested_at,
            };
            field.get_or_insert(now);
        }
    }

    /// Brings the drives-on-site integral up to now, then applies `delta`.
    fn change_on_site(&mut self, delta: i64) {
        let from = self.on_site_since.max(self.window_start);
        let to = self.now.min(self.window_end);
        if to > from {
            self.on_site_integral += i128::from(self.drives_on_site) * i128::from((to - from).ms());
        }
        self.on_site_since = self.on_site_since.max(self.now);
        self.drives_on_site = self
            .drives_on_site
            .checked_add_signed(delta)
            .expect("drives on site");
        if self.window_start <= self.now && self.now < self.window_end {
            self.on_site_peak = self.on_site_peak.max(self.drives_on_site);
        }
    }

    fn next_snapshot_time(&self) -> SimTime {
        self.window_start + SimDuration::from_days(self.next_snapshot_day as i64)
    }

    fn on_snapshot(&mut self) {
        self.snapshot();
        let next = self.next_snapshot_time();
        self.queue.push(next, Event::Snapshot);
    }

    fn snapshot(&mut self) {
        let row = TimeseriesRow {
            replication: self.replication,
            day: self.next_snapshot_day,
            time: self.now,
            jobs_in_state: self.jobs_in_state,
            drives_on_site: self.drives_on_site,
            receiving_queue: self.receiving.queue_len() as u64,
            copy_queue: self.copy.queue_len() as u64,
            packaging_queue: self.packaging.queue_len() as u64,
            receiving_busy: u64::from(self.receiving.busy()),
            copy_busy: u64::from(self.copy.busy()),
            packaging_busy: u64::from(self.packaging.busy()),
        };
        self.sink.timeseries(&row);
        self.next_snapshot_day += 1;
    }

    /// Writes the jobs that settled at the current instant, by job index.
    fn write_settled(&mut self) {
        if self.settled.is_empty() {
            return;
        }
        let mut settled = std::mem::take(&mut self.settled);
        settled.sort_by_key(|&j| self.job(j).key);
        for &j in &settled {
            self.write_job(j);
        }
        settled.clear();
        self.settled = settled;
        if self.history {
            while let Some(&(_, j)) = self.creation_order.front() {
                if self.is_live(j) {
                    break;
                }
                self.creation_order.pop_front();
            }
            let oldest = self
                .creation_order
                .front()
                .map(|&(created_at, _)| created_at);
            let watermark = oldest.map_or(self.now, |created_at| created_at.min(self.now));
            self.sink.watermark(watermark);
        }
    }

    /// At the end of the run: writes every job still in memory, by job index.
    fn write_unfinished(&mut self) {
        let mut open: Vec<JobRef> = (0..self.slots.len())
            .filter(|&slot| self.slots[slot].is_some())
            .map(|slot| JobRef {
                slot: slot as u32,
                generation: self.slot_generations[slot],
            })
            .collect();
        open.sort_by_key(|&j| self.job(j).key);
        let now = self.now;
        for &j in &open {
            let job = self.job_mut(j);
            if !job.deleted && !job.state.is_final() {
                accrue_state_time(job, now);
            }
            self.write_job(j);
        }
    }

    fn write_job(&mut self, j: JobRef) {
        let job = self.slots[j.slot as usize].take().expect("live job");
        self.slot_generations[j.slot as usize] =
            self.slot_generations[j.slot as usize].wrapping_add(1);
        self.free_slots.push(j.slot);
        self.live_jobs -= 1;
        self.jobs_written += 1;

        let outcome = match job.state {
            _ if job.deleted => Outcome::Expired,
            JobState::Completed => Outcome::Completed,
            JobState::Closed => Outcome::Closed,
            JobState::Creating
            | JobState::Shipping
            | JobState::Received
            | JobState::Transferring
            | JobState::Packaging
            | JobState::Faulted => Outcome::Unfinished,
        };
        let deletion_reason = if job.deleted {
            Some(DeletionReason::Expired)
        } else if job.finished_at.is_some() {
            Some(DeletionReason::Retention)
        } else {
            None
        };
        let record = JobRecord {
            replication: self.replication,
            name: job.name,
            kind: job.fate.kind,
            drives: job.fate.n_drives,
            extra_drives: job.drives.iter().filter(|d| d.extra && d.exists).count() as u32,
            outcome,
            cancelled: job.cancelled,
            faults: job.faults,
            contacts: job.contacts,
            created_at: job.created_at,
            shipping_at: job.shipping_at,
            received_at: job.received_at,
            transferring_at: job.transferring_at,
            packaging_at: job.packaging_at,
            finished_at: job.finished_at,
            deleted_at: job.deleted_at,
            deletion_reason,
            events: job.events,
            state_time: job.state_time,
            in_warmup: job.in_warmup,
            history: job.history,
        };
        let mut drive_records = std::mem::take(&mut self.job_records);
        drive_records.clear();
        drive_records.extend(
            job.drives
                .iter()
                .filter(|d| d.exists)
                .map(|drive| DriveRecord {
                    replication: self.replication,
                    serial: drive.serial,
                    extra: drive.extra,
                    final_state: drive.state,
                    disposition: drive.disposition.unwrap_or(if drive.on_site {
                        Disposition::OnSite
                    } else {
                        Disposition::NeverArrived
                    }),
                    data_bytes: drive.data_bytes,
                    bytes_succeeded: drive.bytes_succeeded,
                    copy_outcome: drive.copy_outcome,
                    arrived_at: drive.arrived_at,
                    received_at: drive.received_at,
                    copy_start_at: drive.copy_start_at,
                    copy_end_at: drive.copy_end_at,
                    shipped_back_at: drive.shipped_back_at,
                    destroyed_at: drive.destroyed_at,
                    queued_at: drive.queued_at,
                }),
        );
        self.sink.job(&record, &drive_records);
        self.job_records = drive_records;
    }
}

/// A time strictly inside `(0, span)` at `fraction` of it (whole milliseconds).
fn inside(span: SimDuration, fraction: f64) -> SimDuration {
    let at = span.scale(fraction);
    if span.ms() >= 2 {
        SimDuration(at.ms().clamp(1, span.ms() - 1))
    } else {
        at
    }
}

fn accrue_state_time(job: &mut Job, now: SimTime) {
    if let Some(index) = job.state.open_index() {
        let spent = now - job.state_since;
        let total = job.state_time[index].get_or_insert(SimDuration::ZERO);
        *total = *total + spent;
    }
    job.state_since = now;
}

impl Drive {
    /// Copy attempt `attempt` (0 or 1): setup plus data over throughput
    /// (MB = 10^6 bytes).
    fn copy_duration(&self, attempt: usize) -> SimDuration {
        let seconds = self.data_bytes as f64 / (self.fate.throughput_mb_s[attempt] * 1e6);
        self.fate.copy_setup[attempt] + SimDuration::from_ms_f64(seconds * 1000.0)
    }

    /// The bytes a copy ends with: all the data, or with errors a fraction.
    fn final_bytes(&self, p_errors: f64) -> u64 {
        if self.fate.outcome_draw < p_errors {
            (self.data_bytes as f64 * self.fate.error_fraction).floor() as u64
        } else {
            self.data_bytes
        }
    }

    /// Bytes copied `elapsed` into attempt `attempt`: they rise linearly over
    /// the data part of the attempt toward its final bytes.
    fn bytes_after(&self, attempt: usize, elapsed: SimDuration, p_errors: f64) -> u64 {
        let setup = self.fate.copy_setup[attempt];
        let progress = data_progress(elapsed - setup, self.copy_duration(attempt) - setup);
        (self.final_bytes(p_errors) as f64 * progress).floor() as u64
    }

    /// Processed by the receiving operators (whatever has happened since).
    fn is_received(&self) -> bool {
        !matches!(
            self.state,
            DriveState::Specified | DriveState::NeverReceived
        )
    }

    fn new(key: JobKey, index: usize, fate: DriveFate, listed_import: bool, extra: bool) -> Drive {
        let data_bytes = fate.data_bytes;
        Drive {
            fate,
            serial: drive_serial(key, index),
            extra,
            exists: listed_import,
            state: if listed_import {
                DriveState::Specified
            } else {
                DriveState::Received
            },
            on_site: false,
            orphan: false,
            data_bytes,
            bytes_succeeded: 0,
            copy_outcome: CopyOutcome::None,
            attempts: 0,
            copy_skipped: false,
            fault_unresolved: false,
            disposition: None,
            destroy_pending: false,
            arrived_at: None,
            received_at: None,
            copy_start_at: None,
            copy_end_at: None,
            shipped_back_at: None,
            destroyed_at: None,
            queued_at: None,
            attempt_start: SimTime::ZERO,
            in_queue: false,
        }
    }
}

/// An 8-hex-digit serial, unique within a replication for the first 24
/// million root jobs: a bijective mix of `root * 11 + index` (at most 11
/// drives a job with its extra drive), with the generation in the top bits.
fn drive_serial(key: JobKey, index: usize) -> u32 {
    let counter = (key.root as u32)
        .wrapping_mul(11)
        .wrapping_add(index as u32)
        ^ (key.generation << 28);
    // A 32-bit invertible hash (xor-shift and odd multipliers are bijections).
    let mut x = counter ^ 0x9e37_79b9;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

// ----- the lifecycle rules (SPEC 1) ------------------------------------------

impl Engine<'_> {
    fn on_update_while_creating(&mut self, j: JobRef) {
        let job = self.job(j);
        if job.deleted {
            return self.record_call(j, CallKind::UpdateProperties, CallAnswer::NotFound);
        }
        let creating = job.state == JobState::Creating;
        self.record_call(j, CallKind::UpdateProperties, CallAnswer::Accepted);
        if creating {
            self.reset_creating_timer(j);
        }
    }

    /// An accepted update while `Creating` restarts the full timeout.
    fn reset_creating_timer(&mut self, j: JobRef) {
        let timeout = self.scenario.policy.creating_timeout;
        let job = self.job_mut(j);
        job.creating_timer += 1;
        let timer = job.creating_timer;
        self.at(timeout, Event::CreatingTimeout(j, timer));
    }

    fn on_creating_timeout(&mut self, j: JobRef, timer: u32) {
        let now = self.now;
        let job = self.job_mut(j);
        if job.deleted || job.state != JobState::Creating || job.creating_timer != timer {
            return;
        }
        accrue_state_time(job, now);
        job.deleted = true;
        job.deleted_at = Some(now);
        self.jobs_in_state[0] -= 1;
        self.trace_job(
            j,
            TraceState::Job(JobState::Creating),
            TraceState::None,
            "expired",
        );
    }

    fn on_customer_ships(&mut self, j: JobRef) {
        let now = self.now;
        let job = self.job_mut(j);
        if job.cancelled_before_shipping {
            return;
        }
        let fate = &job.fate;
        let delivery = if !fate.package_lost {
            Some(now + fate.transit)
        } else if fate.package_late {
            Some(now + fate.transit + fate.late_package_delay)
        } else {
            None
        };
        job.package = PackageState::InTransit(delivery);
        let (lost, skips_update) = (fate.package_lost, fate.skips_shipping_update);
        if let Some(delivery) = delivery {
            self.at_held(j, delivery - now, Event::PackageDelivered(j));
        }
        if !skips_update {
            self.shipping_update(j, false);
        }
        if lost {
            self.note(j, EventKind::PackageLost);
        }
    }

    fn on_fixed_shipping_update(&mut self, j: JobRef) {
        self.shipping_update(j, true);
    }

    /// The customer's Update Job Properties with `state = Shipping` and the
    /// delivery package (SPEC 1.1, 1.5); `supplies_address` for the update
    /// that brings the return address a first one lacked.
    fn shipping_update(&mut self, j: JobRef, supplies_address: bool) {
        let kind = CallKind::ShippingUpdate {
            return_address: supplies_address,
        };
        let job = self.job_mut(j);
        if job.deleted {
            return self.record_call(j, kind, CallAnswer::NotFound);
        }
        if job.state != JobState::Creating || job.orphan_contact == OrphanContact::Over {
            // Past Creating, or Creating with its orphan drives already sent
            // back or awaiting destruction (a choice: SPEC is silent here).
            return self.record_call(j, kind, CallAnswer::Conflict);
        }
        if supplies_address {
            job.has_return_address = true;
        }
        if !job.has_return_address {
            // Rejected: nothing changes, not even the Creating timer.
            let delay = job.fate.fix_return_address_delay;
            self.record_call(j, kind, CallAnswer::BadRequest);
            self.note(j, EventKind::ReturnAddressMissing);
            self.at(delay, Event::FixedShippingUpdate(j));
            return;
        }
        self.record_call(j, kind, CallAnswer::Accepted);
        self.record_fact(j, Fact::DeliveryPackage);
        if supplies_address {
            self.record_fact(j, Fact::ReturnAddress);
        }
        if self.job(j).orphan_contact == OrphanContact::None {
            self.set_job_state(j, JobState::Shipping, "shipping_update");
            self.start_shipping_deadline(j, self.scenario.policy.shipping_timeout);
        } else {
            // The drives are already here as orphans: Shipping and at once Received.
            self.job_mut(j).orphan_contact = OrphanContact::Over;
            self.set_job_state(j, JobState::Shipping, "shipping_update");
            self.adopt_orphans(j);
        }
    }

    fn start_shipping_deadline(&mut self, j: JobRef, after: SimDuration) {
        let job = self.job_mut(j);
        job.shipping_timer += 1;
        let timer = job.shipping_timer;
        self.at(after, Event::ShippingDeadline(j, timer));
    }

    fn on_cancel_request(&mut self, j: JobRef) {
        let job = self.job(j);
        let retained = job
            .deleted_at
            .is_none_or(|deleted_at| self.now < deleted_at);
        if job.deleted || !retained {
            // "A job that no longer exists rejects it": rejected and counted.
            self.record_call(j, CallKind::CancelRequest, CallAnswer::NotFound);
            self.note(j, EventKind::CancelRejected);
            return;
        }
        if job.cancelled {
            return self.record_call(j, CallKind::CancelRequest, CallAnswer::Accepted);
        }
        let state = job.state;
        if !self.scenario.policy.is_cancellable(state) {
            self.record_call(j, CallKind::CancelRequest, CallAnswer::Conflict);
            self.note(j, EventKind::CancelRejected);
            return;
        }
        self.record_call(j, CallKind::CancelRequest, CallAnswer::Accepted);
        self.record_fact(j, Fact::CancelRequested);
        let job = self.job_mut(j);
        job.cancelled = true;
        match state {
            JobState::Creating => {
                if job.package == PackageState::NotShipped {
                    job.cancelled_before_shipping = true;
                }
                self.reset_creating_timer(j);
            }
            JobState::Received | JobState::Transferring => {
                // Copies not yet started are skipped; a running copy finishes.
                let removed = self
                    .copy
                    .remove_waiting(self.now, |&(queued, _)| queued == j);
                let job = self.job_mut(j);
                for drive in job.drives.iter_mut().filter(|drive| drive.in_queue) {
                    drive.in_queue = false;
                    drive.copy_skipped = true;
                }
                job.in_copy -= removed as u32;
                job.holds -= removed as u32;
                self.check_copy_finished(j);
            }
            JobState::Shipping
            | JobState::Packaging
            | JobState::Completed
            | JobState::Closed
            | JobState::Faulted => {}
        }
    }

    fn on_package_delivered(&mut self, j: JobRef) {
        let now = self.now;
        let job = self.job_mut(j);
        job.package = PackageState::Delivered;
        let late = job.fate.package_lost;
        let mut arrived = 0;
        let is_import = job.fate.kind == JobKind::Import;
        for drive in job.drives.iter_mut() {
            let missing = is_import && drive.fate.missing;
            if !missing {
                drive.arrived_at = Some(now);
                drive.on_site = true;
                arrived += 1;
            }
        }
        if job.state == JobState::Shipping && !job.deleted {
            // A package delivered before the close stops the overdue handling.
            job.shipping_timer += 1;
        }
        let receive_lag = job.fate.receive_lag;
        if late {
            self.note(j, EventKind::PackageLate);
        }
        self.change_on_site(arrived);
        self.at_held(j, receive_lag, Event::ReceiveReady(j, Package::Main));
    }

    fn on_late_drive_delivered(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        drive.arrived_at = Some(now);
        drive.on_site = true;
        let lag = job.drives[usize::from(d)].fate.late_receive_lag;
        self.change_on_site(1);
        self.at_held(j, lag, Event::ReceiveReady(j, Package::LateDrive(d)));
    }

    fn on_receive_ready(&mut self, j: JobRef, package: Package) {
        let job = self.job_mut(j);
        job.holds += 1;
        let counted = !job.in_warmup;
        if let Some(item) = self.receiving.arrive(self.now, (j, package), counted) {
            self.start_receiving(item);
        }
    }

    fn start_receiving(&mut self, (j, package): (JobRef, Package)) {
        let fate = &self.job(j).fate;
        let service = match package {
            Package::Main => fate.receive_time,
            Package::LateDrive(d) => self.job(j).drives[usize::from(d)].fate.late_receive_time,
        };
        self.at(service, Event::ReceiveDone(j, package));
    }

    fn on_receive_done(&mut self, j: JobRef, package: Package) {
        if let Some(next) = self.receiving.release(self.now) {
            self.start_receiving(next);
        }
        match package {
            Package::Main => self.receive_package(j),
            Package::LateDrive(d) => self.receive_late_drive(j, d),
        }
    }

    /// Operators have processed the job's package (SPEC 1.3, 1.5).
    fn receive_package(&mut self, j: JobRef) {
        let now = self.now;
        let scenario = self.scenario;
        let job = self.job(j);
        let is_import = job.fate.kind == JobKind::Import;
        let orphans = job.deleted || job.state != JobState::Shipping;
        for index in 0..job.drives.len() {
            let d = index as u8;
            let job = self.job(j);
            let drive = &job.drives[index];
            if drive.extra {
                self.create_drive(j, d, "received");
                self.note(j, EventKind::ExtraDrive);
            } else if !is_import {
                self.create_drive(j, d, "received");
            } else if job.drives[index].fate.missing {
                if drive.state == DriveState::Specified {
                    self.set_drive_state(j, d, DriveState::NeverReceived, "missing_from_package");
                    self.note(j, EventKind::DriveNeverReceived);
                }
                let fate = &self.job(j).drives[index].fate;
                if fate.turns_up_later {
                    let delay = fate.later_delay;
                    self.at_held(j, delay, Event::LateDriveDelivered(j, d));
                }
                continue;
            } else {
                if drive.state == DriveState::NeverReceived {
                    // Listed as never received at an overdue deadline; here after all.
                    self.note(j, EventKind::DriveLate);
                }
                self.set_drive_state(j, d, DriveState::Received, "received");
                self.job_mut(j).drives[index].received_at.get_or_insert(now);
            }
            self.job_mut(j).drives[index].orphan = orphans;
        }
        if !orphans {
            self.set_job_state(j, JobState::Received, "package_received");
            self.after_received(j);
            return;
        }
        // Orphan drives: the job is Creating, Closed or gone. Operators contact the customer.
        let job = self.job_mut(j);
        job.contacts += 1;
        job.orphan_contact = OrphanContact::Open {
            contact_at: now,
            job_existed: !job.deleted,
        };
        let window = scenario.policy.orphan_contact_window;
        let answer = job.fate.orphan_answer.within(window);
        self.note(j, EventKind::OrphanDrives);
        match answer {
            Some(delay) => self.at_held(j, delay, Event::OrphanAnswered(j)),
            None => self.at_held(j, window, Event::OrphanWindowEnd(j)),
        }
    }

    /// A Creating job whose drives sit here as orphans becomes `Shipping` and
    /// at once `Received` (an answer or the customer's own Shipping update).
    fn adopt_orphans(&mut self, j: JobRef) {
        self.record_fact(j, Fact::ReturnAddress);
        self.record_fact(j, Fact::DeliveryPackage);
        let job = self.job_mut(j);
        job.has_return_address = true;
        for drive in &mut job.drives {
            drive.orphan = false;
        }
        self.set_job_state(j, JobState::Received, "orphans_adopted");
        self.after_received(j);
    }

    /// The job has just become `Received`: a job fault, or the copy lag.
    fn after_received(&mut self, j: JobRef) {
        let window = self.scenario.policy.customer_response_window;
        let fate = &self.job(j).fate;
        if fate.job_fault {
            let resolution = fate.job_fault_resolution;
            self.set_job_state(j, JobState::Faulted, "job_fault");
            let job = self.job_mut(j);
            job.faults += 1;
            job.contacts += 1;
            self.note(j, EventKind::JobFault);
            if resolution <= window {
                self.at_held(j, resolution, Event::JobFaultEnd(j, true));
            } else {
                self.at_held(j, window, Event::JobFaultEnd(j, false));
            }
        } else {
            let copy_lag = fate.copy_lag;
            self.at_held(j, copy_lag, Event::CopyLagDone(j));
        }
    }

    fn on_job_fault_end(&mut self, j: JobRef, resolved: bool) {
        if resolved {
            self.set_job_state(j, JobState::Received, "fault_resolved");
            let job = self.job(j);
            let join_at = job.received_at.expect("received") + job.fate.copy_lag;
            if join_at > self.now {
                self.at_held(j, join_at - self.now, Event::CopyLagDone(j));
            } else {
                self.open_copy(j);
            }
        } else {
            let job = self.job_mut(j);
            job.job_fault_unresolved = true;
            for drive in &mut job.drives {
                drive.copy_skipped = true;
            }
            self.note(j, EventKind::FaultUnresolved);
            self.set_job_state(j, JobState::Packaging, "fault_unresolved");
            self.enter_packaging(j);
        }
    }

    fn on_copy_lag_done(&mut self, j: JobRef) {
        self.open_copy(j);
    }

    /// The job's received drives join the copy queue (all at once, in
    /// drive-list order); with nothing to copy the job goes to `Packaging`.
    fn open_copy(&mut self, j: JobRef) {
        let job = self.job_mut(j);
        job.copy_open = true;
        let cancelled = job.cancelled;
        for index in 0..job.drives.len() {
            let job = self.job_mut(j);
            let drive = &mut job.drives[index];
            let waiting = drive.exists
                && !drive.extra
                && drive.state == DriveState::Received
                && drive.attempts == 0
                && !drive.copy_skipped;
            if !waiting {
                continue;
            }
            if cancelled {
                drive.copy_skipped = true;
            } else {
                self.enqueue_copy(j, index as u8);
            }
        }
        self.check_copy_finished(j);
    }

    fn enqueue_copy(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        let job = self.job_mut(j);
        let counted = !job.in_warmup;
        job.in_copy += 1;
        job.holds += 1;
        let drive = &mut job.drives[usize::from(d)];
        drive.queued_at.get_or_insert(now);
        drive.in_queue = true;
        if let Some(item) = self.copy.arrive(now, (j, d), counted) {
            self.start_copy(item);
        }
    }

    fn start_copy(&mut self, (j, d): (JobRef, u8)) {
        let now = self.now;
        if self.job(j).state == JobState::Received {
            self.set_job_state(j, JobState::Transferring, "copy_started");
        }
        self.set_drive_state(j, d, DriveState::Transferring, "copy_started");
        let record_history = self.history;
        let p_errors = self.scenario.datacenter.copy_error_probability.get();
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        drive.in_queue = false;
        drive.copy_start_at.get_or_insert(now);
        drive.attempt_start = now;
        drive.attempts += 1;
        let attempt = usize::from(drive.attempts.min(2) - 1);
        let duration = drive.copy_duration(attempt);
        let faults = attempt == 0 && drive.fate.faults;
        let ends_after = if faults {
            duration.scale(drive.fate.fault_point)
        } else {
            duration
        };
        let record = record_history.then(|| CopyAttempt {
            drive: drive.serial,
            start: now,
            data_start: now + drive.fate.copy_setup[attempt],
            end: now + ends_after,
            bytes_at_end: drive.bytes_after(attempt, ends_after, p_errors),
            faulted: faults,
        });
        if let (Some(record), Some(history)) = (record, &mut job.history) {
            history.copy_attempts.push(record);
        }
        if faults {
            self.at(ends_after, Event::DriveFault(j, d));
        } else {
            self.at(duration, Event::CopyDone(j, d));
        }
    }

    fn release_copy_station(&mut self) {
        if let Some(next) = self.copy.release(self.now) {
            self.start_copy(next);
        }
    }

    fn on_copy_done(&mut self, j: JobRef, d: u8) {
        self.release_copy_station();
        let now = self.now;
        let datacenter = &self.scenario.datacenter;
        let p_errors = datacenter.copy_error_probability.get();
        let p_warnings = p_errors + datacenter.copy_warning_probability.get();
        let p_info = p_warnings + datacenter.copy_info_probability.get();
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        let draw = drive.fate.outcome_draw;
        let (outcome, bytes) = if draw < p_errors {
            (CopyOutcome::Errors, drive.final_bytes(p_errors))
        } else if draw < p_warnings {
            (CopyOutcome::Warnings, drive.data_bytes)
        } else if draw < p_info {
            (CopyOutcome::Info, drive.data_bytes)
        } else {
            (CopyOutcome::Ok, drive.data_bytes)
        };
        drive.copy_outcome = outcome;
        drive.bytes_succeeded = drive.bytes_succeeded.max(bytes);
        drive.copy_end_at = Some(now);
        job.in_copy -= 1;
        let to = if outcome == CopyOutcome::Ok {
            DriveState::Completed
        } else {
            DriveState::CompletedMoreInfo
        };
        self.set_drive_state(j, d, to, "copy_done");
        if outcome == CopyOutcome::Errors {
            self.note(j, EventKind::CopyErrors);
        }
        self.check_copy_finished(j);
    }

    /// A fault strikes during the drive's first copy; the station is freed.
    fn on_drive_fault(&mut self, j: JobRef, d: u8) {
        self.release_copy_station();
        let now = self.now;
        let window = self.scenario.policy.customer_response_window;
        let p_errors = self.scenario.datacenter.copy_error_probability.get();
        let job = self.job_mut(j);
        let drive = &mut job.drives[usize::from(d)];
        let reached = drive.bytes_after(0, now - drive.attempt_start, p_errors);
        drive.bytes_succeeded = drive.bytes_succeeded.max(reached);
        drive.copy_end_at = Some(now);
        let resolution = drive.fate.fault_resolution;
        job.faults += 1;
        job.contacts += 1;
        self.set_drive_state(j, d, DriveState::Faulted, "drive_fault");
        self.note(j, EventKind::DriveFault);
        if resolution <= window {
            self.at_held(j, resolution, Event::DriveFaultEnd(j, d, true));
        } else {
            self.at_held(j, window, Event::DriveFaultEnd(j, d, false));
        }
    }

    fn on_drive_fault_end(&mut self, j: JobRef, d: u8, resolved: bool) {
        if resolved {
            self.set_drive_state(j, d, DriveState::Received, "fault_resolved");
            let job = self.job_mut(j);
            job.in_copy -= 1;
            if job.cancelled {
                job.drives[usize::from(d)].copy_skipped = true;
                self.check_copy_finished(j);
            } else {
                // A retried drive rejoins the queue at the tail, for a full copy.
                self.enqueue_copy(j, d);
            }
        } else {
            let job = self.job_mut(j);
            job.in_copy -= 1;
            job.drives[usize::from(d)].fault_unresolved = true;
            self.note(j, EventKind::FaultUnresolved);
            self.check_copy_finished(j);
        }
    }

    /// Moves the job on to `Packaging` once nothing is queued, copying or faulted.
    fn check_copy_finished(&mut self, j: JobRef) {
        let job = self.job(j);
        if job.in_copy > 0 || !job.copy_open {
            return;
        }
        match job.state {
            JobState::Received => {
                self.set_job_state(j, JobState::Packaging, "nothing_to_copy");
                self.enter_packaging(j);
            }
            JobState::Transferring => {
                self.set_job_state(j, JobState::Packaging, "copy_finished");
                self.enter_packaging(j);
            }
            JobState::Creating
            | JobState::Shipping
            | JobState::Packaging
            | JobState::Completed
            | JobState::Closed
            | JobState::Faulted => {}
        }
    }

    /// The job has just entered `Packaging`: a wrong return address is found
    /// now (an operator contact), else the drives wait for packaging staff.
    fn enter_packaging(&mut self, j: JobRef) {
        let window = self.scenario.policy.customer_response_window;
        let job = self.job_mut(j);
        if job.fate.wrong_return_address {
            job.contacts += 1;
            let answer = job.fate.address_answer.within(window);
            self.note(j, EventKind::ReturnAddressWrong);
            match answer {
                Some(delay) => self.at_held(j, delay, Event::AddressAnswered(j)),
                None => self.at_held(j, window, Event::AddressWindowEnd(j)),
            }
        } else {
            self.enqueue_packaging(j, Shipment::Job);
        }
    }

    fn on_address_answered(&mut self, j: JobRef) {
        self.enqueue_packaging(j, Shipment::Job);
    }

    /// No answer about the wrong return address: the job closes now, its
    /// drives are destroyed `disposal_after` the contact (never before now).
    fn on_address_window_end(&mut self, j: JobRef) {
        let now = self.now;
        let disposal_after = self.scenario.policy.disposal_after;
        let job = self.job_mut(j);
        let contact_at = job.packaging_at.expect("packaging");
        let destroy_at = (contact_at + disposal_after).max(now);
        for drive in job
            .drives
            .iter_mut()
            .filter(|drive| drive.on_site && drive.is_received())
        {
            drive.destroy_pending = true;
        }
        self.set_job_state(j, JobState::Closed, "return_address_unfixed");
        self.at_held(j, destroy_at - now, Event::Destroy(j, DestroyGroup::All));
    }

    fn enqueue_packaging(&mut self, j: JobRef, shipment: Shipment) {
        let job = self.job_mut(j);
        job.holds += 1;
        let counted = !job.in_warmup;
        if let Some(item) = self.packaging.arrive(self.now, (j, shipment), counted) {
            self.start_packaging(item);
        }
    }

    fn start_packaging(&mut self, (j, shipment): (JobRef, Shipment)) {
        let job = self.job(j);
        let service = match shipment {
            Shipment::Job => job.fate.packaging_time,
            // Rare extra work: its service time comes from a stream of its own.
            Shipment::Orphans => self.extra_packaging_time(job.key, 0),
            Shipment::Stray(d) => self.extra_packaging_time(job.key, 1 + usize::from(d)),
        };
        self.at(service, Event::PackagingDone(j, shipment));
    }

    fn extra_packaging_time(&self, key: JobKey, index: usize) -> SimDuration {
        let mut rng = self.streams.stream(key, Purpose::Returns);
        let packaging_time = &self.scenario.datacenter.packaging_time;
        (0..=index)
            .map(|_| packaging_time.sample(&mut rng))
            .last()
            .expect("one draw")
    }

    fn on_packaging_done(&mut self, j: JobRef, shipment: Shipment) {
        if let Some(next) = self.packaging.release(self.now) {
            self.start_packaging(next);
        }
        match shipment {
            Shipment::Job => self.ship_job_back(j),
            Shipment::Orphans => {
                let job = self.job(j);
                let orphans: Vec<u8> = (0..job.drives.len())
                    .filter(|&d| job.drives[d].on_site && job.drives[d].orphan)
                    .map(|d| d as u8)
                    .collect();
                for d in orphans {
                    self.ship_drive_back(j, d);
                }
            }
            Shipment::Stray(d) => self.ship_drive_back(j, d),
        }
    }

    fn ship_drive_back(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        self.set_drive_state(j, d, DriveState::ShippedBack, "shipped_back");
        let drive = &mut self.job_mut(j).drives[usize::from(d)];
        drive.on_site = false;
        drive.shipped_back_at = Some(now);
        drive.disposition = Some(Disposition::Returned);
        self.change_on_site(-1);
    }

    /// Every drive of the job on site goes back; the job ends `Completed` or
    /// `Closed` by the rule of SPEC 1.6.
    fn ship_job_back(&mut self, j: JobRef) {
        // A late drive still with the receiving operators is not packed; it
        // follows on its own once received.
        let job = self.job(j);
        let on_site: Vec<u8> = (0..job.drives.len())
            .filter(|&d| job.drives[d].on_site && job.drives[d].is_received())
            .map(|d| d as u8)
            .collect();
        for d in on_site {
            self.ship_drive_back(j, d);
        }
        let job = self.job(j);
        let is_import = job.fate.kind == JobKind::Import;
        let closed = job.job_fault_unresolved
            || job.drives.iter().any(|drive| {
                drive.copy_outcome == CopyOutcome::Errors
                    || drive.fault_unresolved
                    || (is_import && !drive.extra && drive.state == DriveState::NeverReceived)
            });
        let to = if closed {
            JobState::Closed
        } else {
            JobState::Completed
        };
        self.set_job_state(j, to, "shipped_back");
        if !is_import {
            let transit = self.job(j).fate.return_transit;
            self.at_held(j, transit, Event::ReturnDelivered(j));
        }
    }

    /// An export return reaches the customer, or is lost or damaged; the
    /// customer may then order a follow-up export job.
    fn on_return_delivered(&mut self, j: JobRef) {
        let shipping = &self.scenario.shipping;
        let p_lost = shipping.return_lost_probability.get();
        let p_damaged = p_lost + shipping.return_damaged_probability.get();
        let job = self.job(j);
        let draw = job.fate.return_draw;
        let (disposition, kind) = if draw < p_lost {
            (Disposition::LostInReturn, EventKind::ReturnLost)
        } else if draw < p_damaged {
            (Disposition::DamagedInReturn, EventKind::ReturnDamaged)
        } else {
            return;
        };
        let shipped_at = job.finished_at;
        let job = self.job_mut(j);
        for drive in job.drives.iter_mut() {
            if drive.exists && drive.shipped_back_at == shipped_at {
                drive.disposition = Some(disposition);
            }
        }
        self.note(j, kind);
        let job = self.job(j);
        if job.fate.reorders_export {
            let key = JobKey {
                root: job.key.root,
                generation: job.key.generation + 1,
            };
            let sizes: Vec<u64> = job
                .drives
                .iter()
                .map(|drive| drive.fate.data_bytes)
                .collect();
            let n_drives = sizes.len() as u32;
            self.create_job(key, Some(JobKind::Export), Some(n_drives), Some(sizes));
        }
    }

    fn on_shipping_deadline(&mut self, j: JobRef, timer: u32) {
        let now = self.now;
        let window = self.scenario.policy.customer_response_window;
        let job = self.job(j);
        if job.deleted || job.state != JobState::Shipping || job.shipping_timer != timer {
            return;
        }
        let delivered = match job.package {
            PackageState::Delivered => true,
            PackageState::InTransit(Some(delivery)) => delivery <= now,
            PackageState::InTransit(None) | PackageState::NotShipped => false,
        };
        if delivered {
            return;
        }
        let is_import = job.fate.kind == JobKind::Import;
        let n_drives = job.drives.len();
        self.note(j, EventKind::ShippingOverdue);
        for d in 0..n_drives {
            let drive = &self.job(j).drives[d];
            if is_import && drive.exists && drive.state == DriveState::Specified {
                self.set_drive_state(j, d as u8, DriveState::NeverReceived, "shipping_overdue");
                self.note(j, EventKind::DriveNeverReceived);
            }
        }
        if self.job(j).cancelled {
            // Cancelled before the deadline: closed without asking.
            self.close_overdue(j, "cancelled_overdue");
            return;
        }
        let answer = self.overdue_answer(j);
        let job = self.job_mut(j);
        job.contacts += 1;
        match answer.0.within(window) {
            Some(delay) => {
                let reply = if answer.1 {
                    OverdueAnswer::Extend
                } else {
                    OverdueAnswer::Cancel
                };
                self.at(delay, Event::OverdueAnswered(j, timer, reply));
            }
            None => self.at(window, Event::OverdueNoAnswer(j, timer)),
        }
    }

    /// The next answer to an overdue contact, and whether it extends (else
    /// cancels): from the job's own overdue stream, one answer per deadline.
    fn overdue_answer(&mut self, j: JobRef) -> (ContactAnswer, bool) {
        let scenario = self.scenario;
        let key = self.job(j).key;
        let streams = &self.streams;
        let job = self.slots[j.slot as usize].as_mut().expect("live job");
        let rng = job
            .overdue_stream
            .get_or_insert_with(|| Box::new(streams.stream(key, Purpose::Overdue)));
        let answer = draw_answer(rng.as_mut(), scenario);
        let extends =
            rand::RngExt::random::<f64>(rng.as_mut()) < scenario.customer.extend_probability.get();
        (answer, extends)
    }

    fn on_overdue_answered(&mut self, j: JobRef, timer: u32, answer: OverdueAnswer) {
        let job = self.job(j);
        if job.deleted || job.state != JobState::Shipping || job.shipping_timer != timer {
            return;
        }
        match answer {
            OverdueAnswer::Extend => {
                self.note(j, EventKind::ShippingExtended);
                let extension = self.scenario.policy.shipping_extension;
                self.start_shipping_deadline(j, extension);
            }
            OverdueAnswer::Cancel => {
                self.note(j, EventKind::ShippingCancelled);
                self.job_mut(j).cancelled = true;
                self.close_overdue(j, "shipping_cancelled");
            }
        }
    }

    fn on_overdue_no_answer(&mut self, j: JobRef, timer: u32) {
        let job = self.job(j);
        if job.deleted || job.state != JobState::Shipping || job.shipping_timer != timer {
            return;
        }
        self.note(j, EventKind::ClosedNoResponse);
        self.close_overdue(j, "closed_no_response");
    }

    fn close_overdue(&mut self, j: JobRef, cause: &'static str) {
        let job = self.job_mut(j);
        job.shipping_timer += 1;
        self.set_job_state(j, JobState::Closed, cause);
    }

    fn on_orphan_answered(&mut self, j: JobRef) {
        let job = self.job(j);
        if !matches!(job.orphan_contact, OrphanContact::Open { .. }) {
            return;
        }
        self.job_mut(j).orphan_contact = OrphanContact::Over;
        let job = self.job(j);
        if !job.deleted && job.state == JobState::Creating {
            // The answer supplies what the job lacked and turns it Shipping.
            self.set_job_state(j, JobState::Shipping, "orphan_answer");
            self.adopt_orphans(j);
        } else {
            // The job is gone or Closed: the answer gives an address; ship back.
            self.enqueue_packaging(j, Shipment::Orphans);
        }
    }

    fn on_orphan_window_end(&mut self, j: JobRef) {
        let job = self.job(j);
        let OrphanContact::Open {
            contact_at,
            job_existed,
        } = job.orphan_contact
        else {
            return;
        };
        self.job_mut(j).orphan_contact = OrphanContact::Over;
        // "Shipped back at the end of the window if the job existed and had a
        // return address": the job was on record when the drives were found
        // (it may have expired since; its address is known).
        if job_existed && self.job(j).has_return_address {
            self.enqueue_packaging(j, Shipment::Orphans);
        } else {
            let policy = &self.scenario.policy;
            let destroy_at = contact_at + policy.disposal_after.max(policy.orphan_contact_window);
            let delay = destroy_at - self.now;
            let job = self.job_mut(j);
            for drive in job
                .drives
                .iter_mut()
                .filter(|drive| drive.on_site && drive.orphan)
            {
                drive.destroy_pending = true;
            }
            self.at_held(
                j,
                delay.max(SimDuration::ZERO),
                Event::Destroy(j, DestroyGroup::Orphans),
            );
        }
    }

    fn on_destroy(&mut self, j: JobRef, group: DestroyGroup) {
        let now = self.now;
        let job = self.job_mut(j);
        let mut destroyed = 0;
        for (index, drive) in job.drives.iter_mut().enumerate() {
            let in_group = match group {
                DestroyGroup::All => true,
                DestroyGroup::Orphans => drive.orphan,
                DestroyGroup::Stray(d) => index == usize::from(d),
            };
            if in_group && drive.on_site && drive.destroy_pending {
                drive.on_site = false;
                drive.destroy_pending = false;
                drive.destroyed_at = Some(now);
                drive.disposition = Some(Disposition::Destroyed);
                destroyed += 1;
            }
        }
        if destroyed > 0 {
            self.note(j, EventKind::DrivesDestroyed);
            self.change_on_site(-destroyed);
        }
    }

    /// A listed drive that was missing from its package has been processed.
    fn receive_late_drive(&mut self, j: JobRef, d: u8) {
        let now = self.now;
        self.set_drive_state(j, d, DriveState::Received, "late_drive_received");
        self.job_mut(j).drives[usize::from(d)]
            .received_at
            .get_or_insert(now);
        self.note(j, EventKind::DriveLate);
        let job = self.job(j);
        if job.deleted || job.state == JobState::Creating {
            match job.orphan_contact {
                // It joins the orphan drives being dealt with.
                OrphanContact::Open { .. } => self.job_mut(j).drives[usize::from(d)].orphan = true,
                OrphanContact::None | OrphanContact::Over => self.return_stray_drive(j, d),
            }
            return;
        }
        match job.state {
            JobState::Received | JobState::Transferring | JobState::Faulted => {
                if job.cancelled {
                    self.job_mut(j).drives[usize::from(d)].copy_skipped = true;
                } else if job.copy_open && job.state != JobState::Faulted {
                    self.enqueue_copy(j, d);
                }
                // Otherwise it joins the queue with the others when the copy opens.
            }
            // Not yet shipped back: it goes with the job, uncopied.
            JobState::Packaging => {}
            JobState::Completed | JobState::Closed => self.return_stray_drive(j, d),
            JobState::Creating | JobState::Shipping => {
                unreachable!("a late drive implies its package was processed")
            }
        }
    }

    /// A late drive whose job has shipped back (or is gone) goes back on its
    /// own after one packaging service, with no contact; it is destroyed
    /// instead if its job's drives were destroyed.
    fn return_stray_drive(&mut self, j: JobRef, d: u8) {
        let job = self.job(j);
        let destroyed = job.drives.iter().any(|drive| {
            drive.destroy_pending || drive.disposition == Some(Disposition::Destroyed)
        });
        if destroyed {
            self.job_mut(j).drives[usize::from(d)].destroy_pending = true;
            self.at_held(
                j,
                SimDuration::ZERO,
                Event::Destroy(j, DestroyGroup::Stray(d)),
            );
        } else {
            self.enqueue_packaging(j, Shipment::Stray(d));
        }
    }
}

/// How far through the data part of a copy `elapsed` (after setup) is, in [0, 1].
fn data_progress(elapsed: SimDuration, data_time: SimDuration) -> f64 {
    if data_time.ms() > 0 {
        (elapsed.ms() as f64 / data_time.ms() as f64).clamp(0.0, 1.0)
    } else {
        1.0
    }
}
