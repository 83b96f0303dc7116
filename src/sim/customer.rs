//! The simulated customers: what each does, and when, as its job's fate
//! says (docs/model.md, Customer behaviour).
//!
//! A customer's choices are draws made at the job's creation; here they
//! become scheduled acts. When an act is a call to the API it goes through
//! the service (`sim::service`) like any client's call, and the customer
//! reacts to the answer (a Shipping update refused for lack of a return
//! address is sent again, with the address, after `fix_return_address_delay`).
//! The customer also does what no API call says: hands the package to the
//! carrier, and answers operator contacts (those answers are drawn in the
//! fate and scheduled by the rules that make the contact).
//!
//! - A job is created at its arrival; an abandoning customer never ships.
//! - Any other hands the package over at `created + ship_delay` and sends
//!   the Shipping update then, unless it skips the update.
//! - The one update while `Creating` falls uniformly inside `(0, ship_delay)`
//!   (`(0, creating_timeout)` for an abandoner).
//! - A cancellation is requested at `created + cancel_delay`.

use crate::model::{Answer, Invalid, JobKind, Update};
use crate::sim::ahead::Prepared;
use crate::sim::engine::Engine;
use crate::sim::event::{CustomerAct, Event};
use crate::sim::job::{CustomerKind, JobRef};
use crate::sim::service::NewJob;
use crate::sim::sink::RecordSink;
use crate::sim::streams::JobKey;
use crate::time::SimDuration;

impl<S: RecordSink> Engine<S> {
    /// Creates a job of the scenario's own (an arrival, or a follow-up
    /// export with its parent's drive sizes) and schedules its customer's acts.
    pub(super) fn create_simulated_job(
        &mut self,
        key: JobKey,
        kind: Option<JobKind>,
        n_drives: Option<u32>,
        sizes: Option<Vec<u64>>,
        prepared: Option<Prepared>,
    ) {
        let j = self.create_job(NewJob {
            key,
            customer: CustomerKind::Simulated,
            name: None,
            kind,
            n_drives,
            sizes,
            serials: None,
            return_address: None,
            delivery_package: false,
            verbose_log: None,
            prepared,
        });
        self.plan_customer(j);
    }

    /// Schedules every act of the job's simulated customer.
    fn plan_customer(&mut self, j: JobRef) {
        let creating_timeout = self.scenario.policy.creating_timeout;
        let fate = &self.job(j).fate;
        let (abandons, updates, fraction) = (
            fate.abandons,
            fate.updates_while_creating,
            fate.update_fraction,
        );
        let (ship_delay, cancels, cancel_delay) =
            (fate.ship_delay, fate.cancels, fate.cancel_delay);
        let update = Event::Customer(j, CustomerAct::UpdateWhileCreating);
        if abandons {
            if updates {
                self.at(inside(creating_timeout, fraction), update);
            }
        } else {
            if updates {
                self.at(inside(ship_delay, fraction), update);
            }
            self.at_held(j, ship_delay, Event::Customer(j, CustomerAct::Ships));
        }
        if cancels {
            let cancel = Event::Customer(j, CustomerAct::RequestsCancellation);
            self.at_held(j, cancel_delay, cancel);
        }
    }

    /// A client replays the job's simulated customer: its calls come from
    /// outside, but the package still goes to the carrier when that
    /// customer ships it, and the job is kept in memory until that
    /// customer's cancellation call is due (it may still change the row,
    /// as it does in a batch run).
    pub(super) fn plan_replayed_customer(&mut self, j: JobRef) {
        let fate = &self.job(j).fate;
        let (abandons, ship_delay) = (fate.abandons, fate.ship_delay);
        let (cancels, cancel_delay) = (fate.cancels, fate.cancel_delay);
        if !abandons {
            self.at_held(j, ship_delay, Event::Customer(j, CustomerAct::Ships));
        }
        if cancels {
            let cancel = Event::Customer(j, CustomerAct::RequestsCancellation);
            self.at_held(j, cancel_delay, cancel);
        }
    }

    pub(super) fn on_customer_act(&mut self, j: JobRef, act: CustomerAct) {
        match act {
            CustomerAct::UpdateWhileCreating => {
                self.update(j, Update::PROPERTIES);
            }
            CustomerAct::Ships => self.on_customer_ships(j),
            CustomerAct::FixesShippingUpdate => {
                self.send_shipping_update(j, Update::SHIPPING_WITH_ADDRESS);
            }
            // A replayed customer's call comes from outside.
            CustomerAct::RequestsCancellation => {
                if self.job(j).customer == CustomerKind::Simulated {
                    self.update(j, Update::CANCEL);
                }
            }
        }
    }

    /// The customer hands the package to the carrier, and sends the
    /// Shipping update (unless it skips it, or replays its calls from outside).
    fn on_customer_ships(&mut self, j: JobRef) {
        let job = self.job(j);
        if job.cancelled_before_shipping {
            return;
        }
        let sends_update =
            job.customer == CustomerKind::Simulated && !job.fate.skips_shipping_update;
        self.hand_over(j);
        if sends_update {
            self.send_shipping_update(j, Update::SHIPPING);
        }
    }

    /// Update Job Properties with `state = Shipping` and the delivery
    /// package (and, on the second try, the return address the first
    /// lacked). Refused for lack of the address, it is sent again after
    /// `fix_return_address_delay`.
    fn send_shipping_update(&mut self, j: JobRef, update: Update) {
        let answer = self.update(j, update);
        if answer == Answer::Invalid(Invalid::MissingReturnAddress) {
            let delay = self.job(j).fate.fix_return_address_delay;
            self.at(delay, Event::Customer(j, CustomerAct::FixesShippingUpdate));
        }
    }
}

/// A time strictly inside `(0, span)` at `fraction` of it (whole milliseconds).
fn inside(span: SimDuration, fraction: f64) -> SimDuration {
    let at = span.scale(fraction);
    if span.ms() >= 2 {
        SimDuration::from_ms(at.ms().clamp(1, span.ms() - 1))
    } else {
        at
    }
}
