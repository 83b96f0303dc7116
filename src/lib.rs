//! `impexsim`: a discrete-event simulator and load generator for the lifecycle
//! of Azure Import/Export jobs.
//!
//! # Layout
//!
//! - `time`: the integer clock (`SimTime`, `SimDuration`) and timestamp text.
//! - `model`: job and drive states, error events, the table of legal transitions.
//! - `dist`: distributions and duration strings as scenario files write them.
//! - `echo`: user values repeated in messages, cut to a readable length.
//! - `scenario`: TOML scenario files -> a validated `Scenario`.
//! - `sim`: the engine: event queue, resources, the lifecycle rules.
//! - `record`: finished rows handed from the engine to the writers.
//! - `report`: CSV writers and summary metrics, over any `io::Write`.
//! - `run`: one run of a scenario into an output directory.
//! - `compare`: a baseline and a candidate policy run paired, and guards on
//!   what moved.
//! - `sweep`: a scenario run over a cross product of `--vary` values.
//! - `fixtures`: Get Job responses and customer call streams rebuilt from
//!   job histories (`impexsim fixtures`, `impexsim calls`).

pub mod compare;
pub mod dist;
pub mod echo;
pub mod fixtures;
pub mod model;
pub mod output_dir;
pub mod record;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod time;
