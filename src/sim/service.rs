//! The service's side of the customer's calls: Put Job, Update Job
//! Properties (with its parts: return address, delivery package, Shipping,
//! cancellation) and Delete Job, each answered as the service would
//! (docs/model.md, Customer behaviour; Cancellation; Deletion).
//!
//! `Engine::update` is the one function that applies an update: the
//! simulated customers (`sim::customer`) and a server's clients both go
//! through it, so they meet the same rules and the same answers. Every call
//! is recorded in the job's history with its answer.
//!
//! The rules, in short: while `Creating` an accepted update restarts the
//! Creating timeout (a rejected one changes nothing, not even the timer);
//! `state = Shipping` needs a return address and a delivery package (in the
//! request or an earlier one) and is refused past `Creating`; cancellation
//! is accepted only in `policy.cancellable_states`; Delete Job only while
//! `Creating` or `Completed`.

use crate::model::{Answer, Cause, EventKind, Invalid, JobKind, JobState, PutJob, Update};
use crate::record::{CallKind, JobHistory, TraceState};
use crate::sim::ahead::{Prepared, arrival_fate};
use crate::sim::engine::Engine;
use crate::sim::event::Event;
use crate::sim::fate::JobFate;
use crate::sim::job::{
    CustomerKind, Job, JobRef, OrphanContact, PackageState, accrue_state_time, job_drives, job_name,
};
use crate::sim::sink::RecordSink;
use crate::sim::streams::{JobKey, Purpose};
use crate::sim::transition::Fact;

/// What a new job's creation takes from outside its fate.
#[derive(Clone, Debug)]
pub(super) struct NewJob {
    pub key: JobKey,
    pub customer: CustomerKind,
    /// The name; the engine's own (`job-0000017`) when `None`.
    pub name: Option<String>,
    /// Kind and drive count from an arrival trace or a request (drawn when `None`).
    pub kind: Option<JobKind>,
    pub n_drives: Option<u32>,
    /// Data of each drive [bytes] (a follow-up export job copies its parent's).
    pub sizes: Option<Vec<u64>>,
    /// Serials of the listed drives (a request's drive list).
    pub serials: Option<Vec<u32>>,
    /// Whether Put Job gave a return address (drawn when `None`).
    pub return_address: Option<bool>,
    pub delivery_package: bool,
    /// `logLevel = Verbose` (drawn when `None`).
    pub verbose_log: Option<bool>,
    /// The job made ready ahead (`sim::ahead`): its fate, drives and name,
    /// with no sizes, serials or name given; drawn and made now when `None`.
    pub prepared: Option<Prepared>,
}

impl<S: RecordSink> Engine<S> {
    /// Put Job from outside (a server's client). `key` names the job's
    /// random streams when the caller replays a simulated customer; without
    /// it, keys follow the order of Put Job calls. The name of a job that no
    /// longer exists (deleted, or past its retention) is free again.
    pub fn put_job(&mut self, name: &str, put: &PutJob, key: Option<JobKey>) -> Answer {
        let now = self.now;
        let existing = self.find(name).filter(|&j| self.job(j).is_retained(now));
        if let Some(j) = existing {
            let job = self.job(j);
            let answer = if job.state != JobState::Creating {
                Answer::Conflict
            } else {
                self.replace_job(j, put);
                Answer::Accepted
            };
            let kind = CallKind::PutJob {
                return_address: put.return_address,
            };
            self.record_call(j, kind, answer);
            return answer;
        }
        let (key, customer) = match key {
            Some(key) => (key, CustomerKind::Replayed),
            None => {
                let root = self.next_outside_root;
                self.next_outside_root += 1;
                let key = JobKey {
                    root,
                    generation: 0,
                };
                (key, CustomerKind::Client)
            }
        };
        let listed = put.kind == JobKind::Import;
        let (n_drives, sizes) = if listed {
            (Some(put.drives.len() as u32), None)
        } else if customer == CustomerKind::Replayed && key.generation > 0 {
            let (n, sizes) = self.follow_up_drives(key);
            (Some(n), Some(sizes))
        } else {
            (put.export_drives, None)
        };
        let j = self.create_job(NewJob {
            key,
            customer,
            name: Some(name.to_string()),
            kind: Some(put.kind),
            n_drives,
            sizes,
            serials: listed.then(|| put.drives.clone()),
            return_address: Some(put.return_address),
            delivery_package: put.delivery_package,
            verbose_log: Some(put.verbose_log),
            prepared: None,
        });
        if customer == CustomerKind::Replayed {
            self.plan_replayed_customer(j);
        } else if put.delivery_package {
            self.hand_over_for_client(j);
        }
        self.note_if_settled(j);
        Answer::Created
    }

    /// Update Job Properties from outside.
    pub fn update_job(&mut self, name: &str, update: Update) -> Answer {
        let Some(j) = self.find(name) else {
            return Answer::NotFound;
        };
        let answer = self.update(j, update);
        if answer.is_success() && update.delivery_package {
            self.hand_over_for_client(j);
        }
        self.note_if_settled(j);
        answer
    }

    /// Delete Job from outside: only a job `Creating` or `Completed`.
    pub fn delete_job(&mut self, name: &str) -> Answer {
        let Some(j) = self.find(name) else {
            return Answer::NotFound;
        };
        let now = self.now;
        let job = self.job(j);
        let answer = if !job.is_retained(now) {
            Answer::NotFound
        } else if !matches!(job.state, JobState::Creating | JobState::Completed) {
            Answer::Conflict
        } else {
            Answer::Accepted
        };
        self.record_call(j, CallKind::DeleteJob, answer);
        if answer == Answer::Accepted {
            let creating = self.job(j).state == JobState::Creating;
            let job = self.job_mut(j);
            job.deleted = true;
            job.deleted_by_customer = true;
            job.deleted_at = Some(now);
            if creating {
                accrue_state_time(job, now);
                self.site.jobs_in_state[0] -= 1;
                self.record_change(
                    j,
                    None,
                    TraceState::Job(JobState::Creating),
                    TraceState::None,
                    Cause::Deleted,
                );
            }
            self.note_if_settled(j);
        }
        answer
    }

    /// The drives of the follow-up export job `key`: its root job's count
    /// and sizes, since each follow-up copies its parent's.
    fn follow_up_drives(&self, key: JobKey) -> (u32, Vec<u64>) {
        let (fate, drives) = arrival_fate(&self.scenario, &self.streams, key.root);
        let sizes = drives.iter().map(|drive| drive.data_bytes).collect();
        (fate.n_drives, sizes)
    }

    /// The job of that name, if the engine knows it (servers only).
    pub(super) fn find(&self, name: &str) -> Option<JobRef> {
        self.names.as_ref()?.get(name).copied()
    }

    /// Creates a job now: draws its fate, lists its drives, records the Put
    /// Job call, and starts its Creating timeout.
    pub(super) fn create_job(&mut self, new: NewJob) -> JobRef {
        let scenario = &self.scenario;
        let key = new.key;
        let (mut fate, drives, name) = match new.prepared {
            Some(prepared) => {
                debug_assert!(new.sizes.is_none() && new.serials.is_none() && new.name.is_none());
                (prepared.fate, prepared.drives, prepared.name)
            }
            None => {
                let mut rng = self.streams.stream(key, Purpose::Fate);
                let (fate, mut drive_fates) =
                    JobFate::draw(&mut rng, scenario, new.kind, new.n_drives);
                if let Some(sizes) = &new.sizes {
                    for (drive, &bytes) in drive_fates.iter_mut().zip(sizes) {
                        drive.data_bytes = bytes;
                    }
                }
                let drives = job_drives(key, &fate, drive_fates, new.serials.as_deref());
                let name = new.name.unwrap_or_else(|| job_name(key));
                (fate, drives, name)
            }
        };
        if let Some(verbose_log) = new.verbose_log {
            fate.verbose_log = verbose_log;
        }
        let now = self.now;
        let has_return_address = new.return_address.unwrap_or(!fate.missing_return_address);
        let job = Job {
            key,
            name,
            customer: new.customer,
            state: JobState::Creating,
            state_since: now,
            state_time: [None; 6],
            deleted: false,
            in_warmup: now < self.site.window_start,
            cancelled: false,
            cancelled_before_shipping: false,
            has_return_address,
            has_delivery_package: new.delivery_package,
            creating_timer: 0,
            shipping_timer: 0,
            package: PackageState::NotShipped,
            orphan_contact: OrphanContact::None,
            address_contact_open: false,
            copy_open: false,
            in_copy: 0,
            job_fault_unresolved: false,
            holds: 0,
            faults: 0,
            contacts: 0,
            events: Default::default(),
            created_at: now,
            shipping_at: None,
            received_at: None,
            transferring_at: None,
            packaging_at: None,
            finished_at: None,
            deleted_at: None,
            deleted_by_customer: false,
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
        let j = self.jobs.insert(job);
        if let Some(names) = &mut self.names {
            names.insert(self.jobs.get(j).name.clone(), j);
        }
        self.site.jobs_in_state[0] += 1;
        if self.history {
            self.creation_order.push_back((now, j));
            let return_address = self.job(j).has_return_address;
            self.record_call(j, CallKind::PutJob { return_address }, Answer::Created);
            if return_address {
                self.record_fact(j, Fact::ReturnAddress);
            }
            if new.delivery_package {
                self.record_fact(j, Fact::DeliveryPackage);
            }
        }
        self.record_change(
            j,
            None,
            TraceState::None,
            TraceState::Job(JobState::Creating),
            Cause::Created,
        );
        let timeout = self.scenario.policy.creating_timeout;
        self.at(timeout, Event::CreatingTimeout(j, 0));
        j
    }

    /// Put Job again on a job still `Creating`: its return address and
    /// delivery package as the request gives them; an accepted call, so the
    /// Creating timeout restarts.
    fn replace_job(&mut self, j: JobRef, put: &PutJob) {
        let job = self.job_mut(j);
        job.has_return_address |= put.return_address;
        job.has_delivery_package |= put.delivery_package;
        job.fate.verbose_log = put.verbose_log;
        if let Some(history) = &mut job.history {
            history.verbose_log = put.verbose_log;
        }
        if put.return_address {
            self.record_fact(j, Fact::ReturnAddress);
        }
        if put.delivery_package {
            self.record_fact(j, Fact::DeliveryPackage);
            self.hand_over_for_client(j);
        }
        self.reset_creating_timer(j);
    }

    /// Applies one Update Job Properties to `j` and answers it.
    pub(super) fn update(&mut self, j: JobRef, update: Update) -> Answer {
        if update.cancel {
            return self.cancel(j);
        }
        if update.shipping {
            return self.shipping_update(j, update);
        }
        let job = self.job(j);
        if job.deleted {
            self.record_call(j, CallKind::UpdateProperties, Answer::NotFound);
            return Answer::NotFound;
        }
        let creating = job.state == JobState::Creating;
        self.record_call(j, CallKind::UpdateProperties, Answer::Accepted);
        if update.return_address {
            self.job_mut(j).has_return_address = true;
            self.record_fact(j, Fact::ReturnAddress);
            if self.job(j).address_contact_open {
                // The customer's own fix answers the wrong-address contact.
                self.on_address_answered(j);
            }
        }
        if update.delivery_package {
            self.job_mut(j).has_delivery_package = true;
            self.record_fact(j, Fact::DeliveryPackage);
        }
        if creating {
            self.reset_creating_timer(j);
        }
        Answer::Accepted
    }

    /// `state = Shipping`: needs a return address and a delivery package
    /// (now or before), and a job still `Creating` whose orphan drives (if
    /// any) are still being dealt with.
    fn shipping_update(&mut self, j: JobRef, update: Update) -> Answer {
        let kind = CallKind::ShippingUpdate {
            return_address: update.return_address,
        };
        let job = self.job(j);
        let answer = if job.deleted {
            Answer::NotFound
        } else if job.state != JobState::Creating || job.orphan_contact == OrphanContact::Over {
            // Past Creating, or Creating with its orphan drives already sent
            // back or awaiting destruction.
            Answer::Conflict
        } else if !(job.has_return_address || update.return_address) {
            Answer::Invalid(Invalid::MissingReturnAddress)
        } else if !(job.has_delivery_package || update.delivery_package) {
            Answer::Invalid(Invalid::MissingDeliveryPackage)
        } else {
            Answer::Accepted
        };
        self.record_call(j, kind, answer);
        if answer == Answer::Invalid(Invalid::MissingReturnAddress) {
            // Rejected: nothing changes, not even the Creating timer.
            self.note(j, EventKind::ReturnAddressMissing);
        }
        if answer != Answer::Accepted {
            return answer;
        }
        let job = self.job_mut(j);
        job.has_return_address = true;
        job.has_delivery_package = true;
        self.record_fact(j, Fact::DeliveryPackage);
        if update.return_address {
            self.record_fact(j, Fact::ReturnAddress);
        }
        if self.job(j).orphan_contact == OrphanContact::None {
            self.set_job_state(j, JobState::Shipping, Cause::ShippingUpdate);
            self.start_shipping_deadline(j, self.scenario.policy.shipping_timeout);
        } else {
            // The drives are already here as orphans: Shipping and at once Received.
            self.job_mut(j).orphan_contact = OrphanContact::Over;
            self.set_job_state(j, JobState::Shipping, Cause::ShippingUpdate);
            self.adopt_orphans(j);
        }
        answer
    }

    /// `cancelRequested = true`: accepted in `policy.cancellable_states`.
    fn cancel(&mut self, j: JobRef) -> Answer {
        let now = self.now;
        let job = self.job(j);
        if !job.is_retained(now) {
            // A job that no longer exists rejects it: rejected and counted.
            self.record_call(j, CallKind::CancelRequest, Answer::NotFound);
            self.note(j, EventKind::CancelRejected);
            return Answer::NotFound;
        }
        if job.cancelled {
            self.record_call(j, CallKind::CancelRequest, Answer::Accepted);
            return Answer::Accepted;
        }
        let state = job.state;
        if !self.scenario.policy.is_cancellable(state) {
            self.record_call(j, CallKind::CancelRequest, Answer::Conflict);
            self.note(j, EventKind::CancelRejected);
            return Answer::Conflict;
        }
        self.record_call(j, CallKind::CancelRequest, Answer::Accepted);
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
            JobState::Received | JobState::Transferring => self.skip_waiting_copies(j),
            JobState::Shipping
            | JobState::Packaging
            | JobState::Completed
            | JobState::Closed
            | JobState::Faulted => {}
        }
        Answer::Accepted
    }

    /// An accepted update while `Creating` restarts the full timeout.
    pub(super) fn reset_creating_timer(&mut self, j: JobRef) {
        let timeout = self.scenario.policy.creating_timeout;
        let job = self.job_mut(j);
        job.creating_timer += 1;
        let timer = job.creating_timer;
        self.at(timeout, Event::CreatingTimeout(j, timer));
    }

    /// A client's package goes to the carrier when the service first holds
    /// its delivery package (a client replaying a simulated customer ships
    /// when that customer would, and a simulated customer on its own).
    fn hand_over_for_client(&mut self, j: JobRef) {
        let job = self.job(j);
        let ships = job.customer == CustomerKind::Client
            && job.package == PackageState::NotShipped
            && !job.cancelled_before_shipping;
        if ships {
            self.hand_over(j);
        }
    }
}
