//! `impexsim`: a discrete-event simulator and load generator for the lifecycle
//! of Azure Import/Export jobs.
//!
//! # Layout
//!
//! - `time`: the integer clock (`SimTime`, `SimDuration`) and timestamp text.
//! - `model`: job and drive states, error events, the table of legal transitions.
//! - `dist`: distributions and duration strings as scenario files write them.
//! - `durations`: durations kept compactly for exact percentiles.
//! - `echo`: user values repeated in messages, cut to a readable length.
//! - `scenario`: TOML scenario files -> a validated `Scenario`.
//! - `sim`: the engine: event queue, resources, the lifecycle rules.
//! - `record`: finished rows handed from the engine to the writers.
//! - `api`: the REST API's wire types (camelCase ARM JSON), shared by
//!   `fixtures`, `calls`, `serve` and `replay`.
//! - `report`: CSV writers and summary metrics, over any `io::Write`.
//! - `interrupt`: a request to stop early (SIGINT, SIGTERM), polled by runs.
//! - `output_dir`: outputs written beside their target and renamed into
//!   place, under a lock, never over what is not ours.
//! - `outputs`: which files a run writes (`--outputs`) and how (`--compress`);
//!   `compression`: the zstd frames of compressed files.
//! - `run`: one run of a scenario into an output directory.
//! - `shard`: a share of a run's or a sweep's replications (`--shard I/N`)
//!   and the merge of every share into the output one process writes.
//! - `compare`: a baseline and a candidate policy run paired, and guards on
//!   what moved.
//! - `sweep`: a scenario run over a cross product of `--vary` values.
//! - `optimize`: the least (or cheapest) resource counts that meet service
//!   levels with a stated confidence, by a search over in-memory runs.
//! - `fit`: a scenario estimated from a history of jobs and drives
//!   (`impexsim fit`): maximum likelihood with censoring, AIC, KS.
//! - `fixtures`: Get Job responses and customer call streams rebuilt from
//!   job histories (`impexsim fixtures`, `impexsim calls`).
//! - `html_report`: the self-contained HTML report (charts) of a run, sweep
//!   or compare output directory (`impexsim report`, `--report`).
//! - `serve`: a local Import/Export endpoint (`impexsim serve`): the engine
//!   behind the REST API, on a simulated clock.
//! - `replay`: the load generator: call streams sent to an HTTP target on
//!   schedule, answers checked, latency measured from intended send times.

pub mod api;
pub mod compare;
pub mod compression;
pub mod dist;
pub mod durations;
pub mod echo;
pub mod fit;
pub mod fixtures;
pub mod html_report;
pub mod interrupt;
pub mod model;
pub mod optimize;
pub mod output_dir;
pub mod outputs;
pub mod record;
pub mod replay;
pub mod report;
pub mod run;
pub mod scenario;
pub mod serve;
pub mod shard;
pub mod sim;
pub mod sweep;
pub mod time;
