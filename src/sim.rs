//! The discrete-event engine.
//!
//! - `queue`: the event queue, ordered by `(time, insertion sequence)`.
//! - `resource`: servers with a FIFO queue and time-weighted statistics.
//! - `streams`: the per-job random streams (SPEC 6).
//! - `fate`: every random draw a job can need, drawn up front in a fixed order.
//! - `engine`: job and drive records in flight and the lifecycle rules.
//!
//! The core does no I/O, never reads the wall clock and never touches a global
//! RNG: finished rows leave through a `RecordSink`, progress through a callback.

mod engine;
mod fate;
mod queue;
mod resource;
pub mod streams;

pub use engine::{Progress, RecordSink, run_replication};
pub use queue::EventQueue;
pub use streams::{JobKey, JobKeyError, Purpose, StreamFactory};
