//! The service's lifecycle rules, by phase of a job's life (docs/model.md):
//!
//! - `shipping`: the Creating timeout, the carrier, the Shipping deadline
//!   and what follows an overdue package;
//! - `receiving`: receiving operators, missing and late drives, orphan
//!   drives and the contact about them;
//! - `copying`: the copy lag, the copy queue and stations, copy outcomes,
//!   job and drive faults;
//! - `returning`: packaging, a wrong return address, shipping drives back,
//!   export returns, destruction of drives that cannot go back, retention.
//!
//! Each is a set of `Engine` methods: event handlers (`on_*`) and the steps
//! they share. The customer's calls are answered in `sim::service`.

mod copying;
mod receiving;
mod returning;
mod shipping;
