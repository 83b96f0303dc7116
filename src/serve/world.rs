//! `World`: the served data centre. The engine, what clients told it about
//! their jobs, and the clock, behind one lock (`serve::Shared`), so every
//! request is applied in one order.
//!
//! Each request first moves the engine to its simulated instant
//! (`World::begin`, `serve::clock`), then makes one engine call: Put Job,
//! Update Job Properties and Delete Job go through the engine's one
//! function for customer calls (`sim::service`), whose answer decides the
//! status; Get Job and List Jobs read live jobs through the one Get Job
//! interpreter (`fixtures::snapshot::JobView`), with the client's own values
//! put over the invented ones (`serve::client`). Jobs of the scenario's own
//! customers (background load) belong to their fake customers'
//! subscriptions and resource groups (`fixtures::fake`).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use crate::api::{
    DriveBitLockerKey, GetBitLockerKeysResponse, JobResponse, PutJobBody, UpdateJobBody,
};
use crate::fixtures::fake::JobFake;
use crate::fixtures::snapshot::JobView;
use crate::model::{Answer, PutJob, Update};
use crate::record::RunStats;
use crate::scenario::Scenario;
use crate::serve::client::{ClientJob, Owner};
use crate::serve::client_store::ClientStore;
use crate::serve::clock::ServeClock;
use crate::serve::error::{ApiError, Refused};
use crate::serve::listing::ListQuery;
use crate::serve::requests::Applied;
use crate::serve::sink::ServeSink;
use crate::sim::{Engine, JobKey, LiveJob, Mode, StreamFactory};
use crate::time::{Clock, SimDuration, SimTime};

/// A job as a request path names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobPath {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

/// What a List Jobs call covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub subscription: String,
    /// `None`: every resource group of the subscription.
    pub resource_group: Option<String>,
}

/// One page of a listing, and where the next resumes (jobs returned so
/// far, last name) when there is one.
pub struct Page {
    pub jobs: Vec<JobResponse>,
    pub next: Option<(u64, String)>,
}

/// The served data centre.
pub struct World {
    /// `None` only inside `reset`.
    engine: Option<Engine<ServeSink>>,
    /// What clients gave for their jobs, by name.
    clients: ClientStore,
    clock: ServeClock,
    scenario: Arc<Scenario>,
    mode: Mode,
    factory: StreamFactory,
    time: Clock,
    /// When `clients` was last rid of jobs that no longer exist.
    pruned_at: SimTime,
}

/// How often `clients` is pruned [simulated time].
const PRUNE_EVERY: SimDuration = SimDuration::from_ms(86_400_000);

impl World {
    pub fn new(scenario: Arc<Scenario>, mode: Mode, clock: ServeClock, sink: ServeSink) -> World {
        let factory = StreamFactory::new(scenario.simulation.seed, 0);
        let time = Clock {
            start_epoch_ms: scenario.simulation.start.timestamp_millis(),
        };
        World {
            engine: Some(Engine::new(Arc::clone(&scenario), 0, mode, sink)),
            clients: ClientStore::new(),
            clock,
            scenario,
            mode,
            factory,
            time,
            pruned_at: SimTime::ZERO,
        }
    }

    fn engine(&self) -> &Engine<ServeSink> {
        self.engine.as_ref().expect("an engine outside reset")
    }

    fn engine_mut(&mut self) -> &mut Engine<ServeSink> {
        self.engine.as_mut().expect("an engine outside reset")
    }

    /// The simulated clock.
    pub fn clock(&self) -> &ServeClock {
        &self.clock
    }

    /// Converts simulated instants to timestamps.
    pub fn time(&self) -> Clock {
        self.time
    }

    /// The engine's simulated time.
    pub fn now(&self) -> SimTime {
        self.engine().now()
    }

    /// Jobs in the engine's memory (live ones, and deleted ones whose drives
    /// are still on their way).
    pub fn jobs_in_memory(&self) -> u64 {
        self.engine().jobs_in_memory()
    }

    /// Moves the clock and the engine to the instant of a request stamped
    /// `stamped` arriving at wall time `wall`.
    pub fn begin(&mut self, stamped: Option<SimTime>, wall: Instant) -> Result<Applied, ApiError> {
        let (at, late) = self.clock.for_request(stamped, wall)?;
        self.advance(at);
        Ok(Applied { at, late })
    }

    /// Moves the engine on toward the wall clock's instant, handling at
    /// most `max_events` events (the background tick of `--speed`), so a
    /// tick never holds the lock for long.
    pub fn tick(&mut self, wall: Instant, max_events: u64) {
        let target = self.clock.now(wall);
        for _ in 0..max_events {
            let engine = self.engine_mut();
            if engine.next_event_time().is_none_or(|time| time > target) {
                self.advance(target);
                return;
            }
            engine.step();
        }
    }

    fn advance(&mut self, at: SimTime) {
        let engine = self.engine_mut();
        let at = at.max(engine.now());
        engine.advance_to(at);
        if at - self.pruned_at >= PRUNE_EVERY {
            self.pruned_at = at;
            let engine = self.engine.as_ref().expect("an engine outside reset");
            self.clients.retain(|name| engine.has_live_job(name));
        }
    }

    /// Moves the clock forward to `to` (`POST /impexsim/clock`) and the
    /// engine with it.
    pub fn set_clock(&mut self, to: SimTime, wall: Instant) -> Result<SimTime, ApiError> {
        let to = self.clock.set(to, wall)?;
        self.advance(to);
        Ok(to)
    }

    /// `POST /impexsim/reset`: the jobs in memory are written as they stand
    /// (as at a stop), and the data centre starts again, empty, at the
    /// scenario's start.
    pub fn reset(&mut self, wall: Instant) {
        let engine = self.engine.take().expect("an engine outside reset");
        let end = engine.now();
        let (_, sink) = engine.finish(end);
        self.engine = Some(Engine::new(Arc::clone(&self.scenario), 0, self.mode, sink));
        self.clients.clear();
        self.clock.reset(wall);
        self.pruned_at = SimTime::ZERO;
    }

    /// Ends the run at the current instant: every job still in memory is
    /// written as it stands.
    pub fn finish(mut self) -> (RunStats, ServeSink) {
        let engine = self.engine.take().expect("an engine outside reset");
        let end = engine.now();
        engine.finish(end)
    }

    /// Get Job.
    pub fn get_job(&self, path: &JobPath) -> Result<JobResponse, ApiError> {
        let live = self.find(path)?;
        Ok(self.response(&live))
    }

    /// Put Job: 201 created, 200 replaced (a job still `Creating`).
    pub fn put_job(
        &mut self,
        path: &JobPath,
        body: PutJobBody,
        put: &PutJob,
        key: Option<JobKey>,
    ) -> Result<(Answer, JobResponse), ApiError> {
        let name = path.name.as_str();
        if self.is_background_name(name) {
            return Err(ApiError::NameTaken(name.to_string()));
        }
        if let Some(live) = self.engine().live_job(name)
            && !self
                .owner(&live)
                .is(&path.subscription, Some(&path.resource_group))
        {
            return Err(ApiError::NameTaken(name.to_string()));
        }
        let answer = self.engine_mut().put_job(name, put, key);
        self.refuse(answer, path, "Put Job", || {
            "a job can be replaced only while Creating".into()
        })?;
        let owner = Owner {
            subscription: path.subscription.clone(),
            resource_group: path.resource_group.clone(),
        };
        let client = match (answer, self.clients.get(name)) {
            (Answer::Accepted, Some(mut client)) => {
                client.replace(body);
                client
            }
            (Answer::Created | Answer::Accepted, _) => ClientJob::from_put(owner, body),
            (Answer::Invalid(_) | Answer::Conflict | Answer::NotFound, _) => {
                unreachable!("refusals returned above")
            }
        };
        self.clients.insert(name, client);
        Ok((answer, self.get_job(path)?))
    }

    /// Update Job Properties.
    pub fn update_job(
        &mut self,
        path: &JobPath,
        body: UpdateJobBody,
        update: Update,
    ) -> Result<JobResponse, ApiError> {
        self.find(path)?;
        let answer = self.engine_mut().update_job(&path.name, update);
        let scenario = Arc::clone(&self.scenario);
        let action = if update.cancel {
            "a cancellation request"
        } else if update.shipping {
            "setting state Shipping"
        } else {
            "Update Job Properties"
        };
        self.refuse(answer, path, action, || {
            if update.cancel {
                let states: Vec<&str> = scenario
                    .policy
                    .cancellable_states
                    .iter()
                    .map(|state| state.as_str())
                    .collect();
                if states.is_empty() {
                    "no cancellation is accepted (policy.cancellable_states is empty)".to_string()
                } else {
                    format!(
                        "cancellation is accepted only while the job is {}",
                        states.join(" or ")
                    )
                }
            } else {
                "a job can be set Shipping only while Creating, before operators have dealt \
                 with drives of it that arrived"
                    .to_string()
            }
        })?;
        if let Some(mut client) = self.clients.get(&path.name) {
            client.update(body, update);
            self.clients.insert(&path.name, client);
        }
        self.get_job(path)
    }

    /// Delete Job: only a job `Creating` or `Completed`.
    pub fn delete_job(&mut self, path: &JobPath) -> Result<(), ApiError> {
        self.find(path)?;
        let answer = self.engine_mut().delete_job(&path.name);
        self.refuse(answer, path, "Delete Job", || {
            "a job can be deleted only while Creating or Completed".to_string()
        })?;
        self.clients.remove(&path.name);
        Ok(())
    }

    /// `listBitLockerKeys`: the keys of the job's drives (not of an extra
    /// drive, which is not the job's), in drive-list order.
    pub fn bitlocker_keys(&self, path: &JobPath) -> Result<GetBitLockerKeysResponse, ApiError> {
        let live = self.find(path)?;
        let client = self.clients.get(&path.name);
        let fake = JobFake::new(&self.factory, live.key);
        let value = live
            .drives
            .iter()
            .filter(|drive| !drive.extra)
            .map(|drive| {
                let given = client
                    .as_ref()
                    .and_then(|client| client.given_drive(drive.serial));
                DriveBitLockerKey {
                    drive_id: given.map_or_else(|| drive.drive_id(), |g| g.drive_id.clone()),
                    bit_locker_key: given.map_or_else(
                        || fake.bitlocker_key(drive.serial),
                        |g| g.bit_locker_key.clone(),
                    ),
                }
            })
            .collect();
        Ok(GetBitLockerKeysResponse { value })
    }

    /// One page of List Jobs, in name order.
    pub fn list(&self, scope: &Scope, query: &ListQuery, page_size: u64) -> Page {
        let (returned, after) = match &query.resume {
            Some((returned, after)) => (*returned, Some(after.as_str())),
            None => (0, None),
        };
        let allowed = query
            .top
            .map_or(u64::MAX, |top| top.saturating_sub(returned));
        let limit = page_size.min(allowed);
        let now = self.now();
        let mut jobs = Vec::new();
        let mut more = false;
        if limit > 0 {
            for live in self.engine().live_jobs_after(after) {
                if !self
                    .owner(&live)
                    .is(&scope.subscription, scope.resource_group.as_deref())
                {
                    continue;
                }
                if let Some(state) = query.state
                    && view(&live).job_state_at(now) != Some(state)
                {
                    continue;
                }
                if jobs.len() as u64 == limit {
                    // A page cut by `$top` is the last one.
                    more = limit < allowed;
                    break;
                }
                jobs.push(self.response(&live));
            }
        }
        let next = more.then(|| {
            let last = jobs.last().expect("a full page").name.clone();
            (returned + jobs.len() as u64, last)
        });
        Page { jobs, next }
    }

    /// The live job the path names, in its own subscription and resource group.
    fn find(&self, path: &JobPath) -> Result<LiveJob<'_>, ApiError> {
        self.engine()
            .live_job(&path.name)
            .filter(|live| {
                self.owner(live)
                    .is(&path.subscription, Some(&path.resource_group))
            })
            .ok_or_else(|| ApiError::JobNotFound {
                job: path.name.clone(),
                resource_group: path.resource_group.clone(),
            })
    }

    /// Whose job `live` is.
    fn owner(&self, live: &LiveJob<'_>) -> Cow<'_, Owner> {
        match self.clients.owner(&live.record.name) {
            Some(owner) => Cow::Borrowed(owner),
            None => Cow::Owned(Owner::of_fake(
                &JobFake::new(&self.factory, live.key).customer,
            )),
        }
    }

    /// With background load, names of the form `job-0000017` belong to the
    /// scenario's own customers.
    fn is_background_name(&self, name: &str) -> bool {
        let background = matches!(self.mode, Mode::Serving { background: true });
        background
            && name.strip_prefix("job-").is_some_and(|rest| {
                let digits = rest.split('-').next().unwrap_or_default();
                digits.len() >= 7 && digits.bytes().all(|b| b.is_ascii_digit())
            })
    }

    /// Get Job's answer for a live job.
    fn response(&self, live: &LiveJob<'_>) -> JobResponse {
        let fake = JobFake::new(&self.factory, live.key);
        let mut response = view(live)
            .response(&fake, &self.time, self.now())
            .expect("a live job exists now");
        if let Some(client) = self.clients.get(&live.record.name) {
            client.overlay(&mut response, &fake.customer.blob_endpoint());
        }
        response
    }

    /// The refusal the engine's answer stands for, if it is one; its
    /// message names the job's state after the call and `rule`.
    fn refuse(
        &self,
        answer: Answer,
        path: &JobPath,
        action: &'static str,
        rule: impl FnOnce() -> String,
    ) -> Result<(), ApiError> {
        if answer.is_success() {
            return Ok(());
        }
        let state = self
            .engine()
            .live_job(&path.name)
            .and_then(|live| view(&live).job_state_at(self.now()));
        let refused = Refused {
            job: &path.name,
            resource_group: &path.resource_group,
            state,
            action,
            rule: rule(),
        };
        Err(ApiError::from_answer(answer, refused).expect("a refusal"))
    }
}

fn view<'a>(live: &'a LiveJob<'_>) -> JobView<'a> {
    JobView {
        record: &live.record,
        drives: &live.drives,
        history: live.history.expect("a server's engine records history"),
    }
}
