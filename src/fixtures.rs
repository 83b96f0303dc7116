//! Fixtures: Get Job responses and customer call streams made from simulated
//! jobs, for teams that test clients, portals and mocks of the
//! Import/Export API (`impexsim fixtures`, `impexsim calls`).
//!
//! Both run replication 0 of a scenario with a `RecordSink` that asks for
//! each job's `JobHistory` (every job and drive state change, every copy
//! attempt, every customer call and its answer) and rebuild the API's view
//! of the job from it. Invented customer data (`fake`) comes from the job's
//! own `Purpose::Fixtures` stream: fixtures never change a simulation draw,
//! and the same scenario and seed give byte-identical output.
//!
//! # Get Job snapshots (`impexsim fixtures`)
//!
//! **Which jobs.** Every job, unless `--where EVENT` (repeatable: the job
//! met every event named; names as in `jobs.csv` `events`) narrows them.
//! `--jobs N` keeps the first N jobs that have at least one snapshot, in the
//! order jobs are written (the order of `jobs.csv`). `--cover` keeps a small
//! set that together shows every job state, every drive state and every
//! event the (selected) jobs showed or met: jobs stream by, one is kept when
//! it adds a feature not yet covered, and at the end every kept job whose
//! features the others cover is dropped again (fewest features first);
//! `--jobs` and `--cover` exclude each other. Only features a snapshot can
//! show count: a state entered and left within one instant is not one.
//!
//! **Which instants.** `--at TIME` (repeatable; a duration from
//! `simulation.start` such as `30d`, or an RFC 3339 time, within `[start,
//! start + horizon + drain_limit]`) snapshots every selected job that exists
//! then: created, not yet deleted (deletion is expiry from `Creating`, or
//! `retention` after `Completed`/`Closed`, possibly after the run's end).
//! `--on-change` snapshots each job at every instant a state of the job or
//! of one of its drives changed while the job existed, creation included.
//! Without `--at`, `--on-change` is the default. Both may be given.
//!
//! **What a snapshot holds** (`JobResponse` of api-version 2016-11-01; the
//! schema is `schemas/job-response.schema.json`). "At t" means after
//! everything that happened at t, so a state entered and left within one
//! instant never shows.
//!
//! - `id` `/subscriptions/<uuid>/resourceGroups/rg-<company>-data/providers/Microsoft.ImportExport/jobs/<job>`,
//!   `name` the job name, `type` `Microsoft.ImportExport/jobs`, `location`
//!   the customer's Azure location.
//! - `properties.state`: the job state; `Faulted` is shown as docs/model.md,
//!   Job states has it.
//! - `returnAddress` and `returnShipping` once the service holds a return
//!   address (Put Job, the fixed Shipping update, or an answer to an
//!   operator contact); `deliveryPackage` once it holds the delivery
//!   package (the accepted Shipping update, or an orphan answer), with
//!   `driveCount` the drives listed (shipped, for export) and `shipDate`
//!   (`yyyy-MM-dd`) the day of the customer's first Shipping update (for a
//!   package that came without one, of its first drive's arrival);
//!   `returnPackage` once a drive has been shipped back, `driveCount` the
//!   drives shipped back by then, `shipDate` the first return.
//! - `cancelRequested` once a cancellation was accepted.
//! - `percentComplete` = floor(100 x sum `bytesSucceeded` / sum of data)
//!   over the listed drives (the received ones for export; extra drives
//!   never count), 0 when there is nothing to copy.
//! - `driveList`: listed import drives from creation (`Specified`); export
//!   and extra drives once received. `bytesSucceeded` rises linearly over
//!   the data part of each copy attempt (after the setup) to the attempt's
//!   final bytes and keeps the most any attempt reached; `percentComplete`
//!   likewise per drive. `copyStatus` is absent until the drive is first
//!   `Transferring`, then `InProgress` (copying), `Faulted`, `Retrying`
//!   (back from a resolved fault, waiting to copy again), `Completed`,
//!   `CompletedWithInformation`, `CompletedWithWarnings`,
//!   `CompletedWithErrors`, and for a drive shipped back without a finished
//!   copy `Cancelled` (cancellation accepted) or `Failed`.
//! - Once a drive's copy has finished (`Completed` or `CompletedMoreInfo`):
//!   `errorLogUri` only if the copy had errors, `verboseLogUri` only if
//!   `logLevel` is `Verbose`, both
//!   `https://<account>.blob.core.windows.net/waimportexport/waies/<job>_<drive>_<yyyyMMdd-HHmmss-fff>_<error|verbose>.xml`
//!   with the time the copy finished.
//! - Export jobs: `export.blobList.blobPathPrefix` `["/<container>/"]`, and
//!   from `Packaging` on, when not everything was exported (copy errors, a
//!   drive given up, a cancelled job), `incompleteBlobListUri`
//!   `https://<account>.blob.core.windows.net/waimportexport/waies/<job>_<yyyyMMdd-HHmmss-fff>_incompleteblobs.xml`
//!   (the time the job entered `Packaging`).
//! - Constant: `diagnosticsPath` `waimportexport`, `manifestFile`
//!   `\DriveManifest.xml`, `provisioningState` `Succeeded`; `logLevel`
//!   `Verbose` or `Error` as the job was drawn; `backupDriveManifest` per
//!   customer. What the fake values look like is documented in `fake`.
//!
//! **Files.** The output directory holds `<job>/<yyyyMMddTHHmmss.fffZ>.json`
//! (one pretty-printed `JobResponse` per job and instant; the name is the
//! instant in UTC, so a job's files sort in time order) and `index.csv` with
//! the columns `file,replication,job,time,job_state,drive_states`
//! (`drive_states` is `serial:state` per drive of `driveList`,
//! `;`-separated), one row per file, jobs in the order they were written
//! (with `--cover`, the order they were kept), instants in time order. It
//! is written through `output_dir` (a staging directory renamed into place
//! when complete); an existing target is replaced only if it is empty or
//! holds an `index.csv`.
//!
//! # Customer calls (`impexsim calls`)
//!
//! One JSON object per line (schema `schemas/customer-call.schema.json`),
//! in time order (ties: job order, then a recorded call before a poll):
//! `{"at", "job", "key", "method", "path", "body", "expect": {"status",
//! "state"}}`. `key` is the job's random-stream key as text,
//! `<root>.<generation>` (`sim::JobKey`: the arrival index of its root job and
//! how many follow-up exports separate it from that root, e.g. `17.0`), so a
//! server that draws jobs from the same scenario and seed can tell which job
//! a call is about whatever its name (`impexsim replay` sends it as the
//! `x-impexsim-job-key` header). `path` is the job's ARM id with
//! `?api-version=2016-11-01`; `state` is the
//! job's state right after the call (after everything at that instant),
//! absent when the job does not exist (404).
//!
//! | call | when | method, body | status |
//! |---|---|---|---|
//! | Put Job | creation | `PUT`, location and properties (`driveList` with BitLocker keys for import, `export` for export; `returnAddress` and `returnShipping` unless the customer left them out) | 201 |
//! | Update Job Properties | the one update while `Creating` | `PATCH` `{logLevel, backupDriveManifest}` | 200, 404 |
//! | Shipping update | the package is handed over; again with the missing address after `fix_return_address_delay` | `PATCH` `{state: "Shipping", deliveryPackage}` (+ `returnAddress`, `returnShipping` in the fixed one) | 200; 400 without a return address; 409 when the job is no longer `Creating` (or its orphan drives were already dealt with); 404 |
//! | Cancellation | `cancel_delay` after creation | `PATCH` `{cancelRequested: true}` | 200; 409 outside `policy.cancellable_states`; 404 |
//! | Get Job | every `customer.poll_interval` after creation | `GET`, no body | 200 with the state; one final 404 at the first poll after the job was deleted, then no more polls |
//!
//! The service's answer maps to a status as: accepted -> 201 (Put Job) or
//! 200; rejected as invalid -> 400; not allowed in the job's state -> 409;
//! the job does not exist -> 404 (also for a call the engine answered
//! otherwise at an instant the job was already deleted). Customers never
//! call Delete Job: the service deletes jobs itself (expiry, retention).
//!
//! Polling runs from creation until the job is deleted, even when that is
//! after the run's end (a finished job's state can no longer change, so
//! those answers are known); a job still open at the end of the run
//! (`unfinished`) is polled until `start + horizon + drain_limit`.
//!
//! Memory stays bounded: jobs arrive as they settle, and `RecordSink::
//! watermark` says when every line before an instant is known (see `calls`).

pub mod calls;
pub mod fake;
pub mod snapshot;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::DateTime;

use crate::dist::parse_duration;
use crate::interrupt::{Interrupt, Interrupted};
use crate::model::{DriveState, EventKind, JobState};
use crate::output_dir::{
    OutputDirError, ReplacePolicy, StagedDir, write_file_staged, write_staged,
};
use crate::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use crate::scenario::Scenario;
use crate::sim::{JobKey, Progress, RecordSink, StreamFactory, run_replication};
use crate::time::{Clock, SimTime};

use self::calls::CallsSink;
use self::fake::JobFake;
use self::snapshot::{JobView, wall_time};

/// The one replication fixtures and calls are made from.
pub const REPLICATION: u32 = 0;

/// Which jobs and instants `fixtures_to_dir` snapshots.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Snapshot every selected job that exists at each of these instants.
    pub at: Vec<SimTime>,
    /// Snapshot each selected job at every state change (the default
    /// without `at`).
    pub on_change: bool,
    /// Only jobs that met every one of these events.
    pub where_events: Vec<EventKind>,
    /// At most this many jobs (the first ones written that have a snapshot).
    pub max_jobs: Option<u64>,
    /// A small set of jobs covering every state and event seen.
    pub cover: bool,
}

/// What `fixtures_to_dir` wrote.
#[derive(Clone, Debug)]
pub struct FixturesOutcome {
    pub out: PathBuf,
    /// Jobs simulated.
    pub jobs_simulated: u64,
    /// Jobs with at least one snapshot file.
    pub jobs_written: u64,
    /// Snapshot files.
    pub files: u64,
}

/// What `calls_to_path` wrote.
#[derive(Clone, Debug)]
pub struct CallsOutcome {
    pub jobs: u64,
    pub lines: u64,
}

/// Bad `--at` or `--where` input.
#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    #[error("--where `{given}`: unknown event; expected one of {}", event_names())]
    UnknownEvent { given: String },
    #[error("--at `{given}`: {reason}")]
    BadTime { given: String, reason: String },
}

/// Fixtures or calls that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FixturesError {
    /// The output directory could not be put in place (or is not ours to
    /// replace).
    #[error(transparent)]
    OutputDir(#[from] OutputDirError),
    #[error("stopped early")]
    Interrupted(#[from] Interrupted),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A write to the stream `write_calls` was given failed.
    #[error("cannot write the call stream")]
    Stream(#[source] io::Error),
}

/// The first bytes of every call stream: how an earlier output of `calls`
/// is told from a user's file.
pub const CALLS_START: &[u8] = b"{\"at\":\"";

/// Reads a `--where` event name.
pub fn parse_event(text: &str) -> Result<EventKind, SelectionError> {
    EventKind::parse(text.trim()).ok_or_else(|| SelectionError::UnknownEvent {
        given: text.to_string(),
    })
}

/// Reads a `--at` instant: a duration from `simulation.start` (`30d`,
/// `2d 12h`) or an RFC 3339 time, within `[start, start + horizon +
/// drain_limit]`.
pub fn parse_instant(text: &str, scenario: &Scenario) -> Result<SimTime, SelectionError> {
    let fail = |reason: String| SelectionError::BadTime {
        given: text.to_string(),
        reason,
    };
    let start_ms = scenario.simulation.start.timestamp_millis();
    let time = match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(time) => SimTime::from_ms(time.timestamp_millis() - start_ms),
        Err(_) => match parse_duration(text) {
            Ok(duration) => SimTime::ZERO + duration,
            Err(_) => {
                return Err(fail(
                    "expected a duration from the start like 30d or an RFC 3339 time like \
                     2026-02-01T00:00:00Z"
                        .to_string(),
                ));
            }
        },
    };
    let end = scenario.run_end();
    if time < SimTime::ZERO || time > end {
        let clock = clock_of(scenario);
        return Err(fail(format!(
            "outside the simulated time {} .. {} (simulation.start .. start + horizon + \
             drain_limit)",
            clock.rfc3339(SimTime::ZERO),
            clock.rfc3339(end)
        )));
    }
    Ok(time)
}

/// Runs replication 0 of `scenario` and writes the snapshots `selection`
/// asks for, with `index.csv`, into the directory `out`.
pub fn fixtures_to_dir(
    scenario: &Scenario,
    selection: &Selection,
    out: &Path,
    interrupt: &Interrupt,
    progress: &mut dyn FnMut(Progress),
) -> Result<FixturesOutcome, FixturesError> {
    let outcome = write_staged(out, "index.csv", interrupt, |staging| {
        write_fixtures(scenario, selection, staging, interrupt, progress)
    })?;
    Ok(FixturesOutcome {
        out: out.to_path_buf(),
        ..outcome
    })
}

/// Runs replication 0 of `scenario` and writes the customers' calls as JSON
/// Lines to `out`, stopping at the first failed write (`Stream`) or when
/// `interrupt` is raised.
pub fn write_calls<W: Write>(
    scenario: &Scenario,
    out: W,
    interrupt: &Interrupt,
    progress: &mut dyn FnMut(Progress),
) -> Result<(W, CallsOutcome), FixturesError> {
    let mut sink = CallsSink::new(
        out,
        clock_of(scenario),
        StreamFactory::new(scenario.simulation.seed, REPLICATION),
        scenario.customer.poll_interval,
        scenario.run_end(),
        interrupt,
    );
    run_replication(
        &Arc::new(scenario.clone()),
        REPLICATION,
        &mut sink,
        progress,
    );
    sink.flush_all();
    let outcome = CallsOutcome {
        jobs: sink.jobs,
        lines: sink.lines,
    };
    let out = sink.finish().map_err(FixturesError::Stream)?;
    interrupt.check()?;
    Ok((out, outcome))
}

/// `write_calls` into `path`. A new path or a regular file is written
/// beside it and renamed into place when complete; an existing regular file
/// is replaced only when it is an earlier call stream or `force` is set.
/// Anything else (a FIFO, `/dev/null`) is written to as a stream.
pub fn calls_to_path(
    scenario: &Scenario,
    path: &Path,
    force: bool,
    interrupt: &Interrupt,
    progress: &mut dyn FnMut(Progress),
) -> Result<CallsOutcome, FixturesError> {
    let replace = if force {
        ReplacePolicy::Always
    } else {
        ReplacePolicy::IfStartsWith(CALLS_START)
    };
    write_file_staged(path, replace, interrupt, |file| {
        let writer = BufWriter::with_capacity(1 << 16, file);
        let in_file = |source| FixturesError::Io {
            path: path.to_path_buf(),
            source,
        };
        let (writer, outcome) =
            write_calls(scenario, writer, interrupt, progress).map_err(|error| match error {
                FixturesError::Stream(source) => in_file(source),
                other => other,
            })?;
        writer
            .into_inner()
            .map_err(|error| in_file(error.into_error()))?;
        Ok(outcome)
    })
}

/// The comma-separated names `--where` accepts.
fn event_names() -> String {
    EventKind::ALL.map(EventKind::as_str).join(", ")
}

fn clock_of(scenario: &Scenario) -> Clock {
    Clock {
        start_epoch_ms: scenario.simulation.start.timestamp_millis(),
    }
}

fn write_fixtures(
    scenario: &Scenario,
    selection: &Selection,
    dir: &StagedDir,
    interrupt: &Interrupt,
    progress: &mut dyn FnMut(Progress),
) -> Result<FixturesOutcome, FixturesError> {
    let index_path = dir.shown("index.csv");
    let index_file = File::create(dir.file("index.csv")).map_err(|source| FixturesError::Io {
        path: index_path.clone(),
        source,
    })?;
    let mut sink = FixtureSink {
        selection,
        dir,
        clock: clock_of(scenario),
        factory: StreamFactory::new(scenario.simulation.seed, REPLICATION),
        index: csv::Writer::from_writer(BufWriter::new(index_file)),
        jobs_simulated: 0,
        jobs_written: 0,
        files: 0,
        cover: selection.cover.then(Cover::default),
        error: None,
        interrupt,
    };
    sink.write_header();
    run_replication(
        &Arc::new(scenario.clone()),
        REPLICATION,
        &mut sink,
        progress,
    );
    interrupt.check()?;
    if let Some(cover) = sink.cover.take() {
        for kept in cover.finish() {
            let view = JobView::new(&kept.record, &kept.drives).expect("history was asked for");
            sink.write_job(&view);
        }
    }
    if let Some(error) = sink.error.take() {
        return Err(error);
    }
    let flushed = sink.index.flush();
    flushed.map_err(|source| FixturesError::Io {
        path: index_path,
        source,
    })?;
    Ok(FixturesOutcome {
        out: dir.target().to_path_buf(),
        jobs_simulated: sink.jobs_simulated,
        jobs_written: sink.jobs_written,
        files: sink.files,
    })
}

/// Writes the snapshots of the jobs the selection picks, as they settle.
struct FixtureSink<'a> {
    selection: &'a Selection,
    dir: &'a StagedDir,
    clock: Clock,
    factory: StreamFactory,
    index: csv::Writer<BufWriter<File>>,
    jobs_simulated: u64,
    jobs_written: u64,
    files: u64,
    /// With `--cover`: the candidates, written at the end.
    cover: Option<Cover>,
    /// The first error; reported when the run ends.
    error: Option<FixturesError>,
    interrupt: &'a Interrupt,
}

impl FixtureSink<'_> {
    fn write_header(&mut self) {
        let header = [
            "file",
            "replication",
            "job",
            "time",
            "job_state",
            "drive_states",
        ];
        let result = self.index.write_record(header);
        self.keep_csv(result);
    }

    fn keep_csv(&mut self, result: csv::Result<()>) {
        if let Err(error) = result {
            let source = match error.into_kind() {
                csv::ErrorKind::Io(error) => error,
                other => io::Error::other(format!("{other:?}")),
            };
            self.error.get_or_insert(FixturesError::Io {
                path: self.dir.shown("index.csv"),
                source,
            });
        }
    }

    /// The instants to snapshot `view` at, in time order.
    fn times(&self, view: &JobView<'_>) -> Vec<SimTime> {
        let mut times: Vec<SimTime> = self
            .selection
            .at
            .iter()
            .copied()
            .filter(|&t| view.exists_at(t))
            .collect();
        if self.selection.on_change || self.selection.at.is_empty() {
            times.extend(view.change_times());
        }
        times.sort_unstable();
        times.dedup();
        times
    }

    /// Writes every snapshot of one job and its index rows.
    fn write_job(&mut self, view: &JobView<'_>) {
        if self.error.is_some() {
            return;
        }
        let times = self.times(view);
        if times.is_empty() {
            return;
        }
        let name = &view.record.name;
        let job_dir = self.dir.subdir(name);
        if let Err(source) = fs::create_dir_all(job_dir.path()) {
            self.error = Some(FixturesError::Io {
                path: job_dir.target().to_path_buf(),
                source,
            });
            return;
        }
        let key = JobKey {
            root: view.history.root_index,
            generation: view.history.generation,
        };
        let fake = JobFake::new(&self.factory, key);
        self.jobs_written += 1;
        for t in times {
            let response = view
                .response(&fake, &self.clock, t)
                .expect("the job exists at its snapshot times");
            let file_name = wall_time(&self.clock, t)
                .format("%Y%m%dT%H%M%S%.3fZ.json")
                .to_string();
            let mut text = serde_json::to_vec_pretty(&response).expect("a response serializes");
            text.push(b'\n');
            if let Err(source) = fs::write(job_dir.file(&file_name), text) {
                self.error = Some(FixturesError::Io {
                    path: job_dir.shown(&file_name),
                    source,
                });
                return;
            }
            self.files += 1;
            let drive_states: Vec<String> = response
                .properties
                .drive_list
                .iter()
                .map(|drive| format!("{}:{}", drive.drive_id, drive.state))
                .collect();
            let row = [
                format!("{name}/{file_name}"),
                REPLICATION.to_string(),
                name.clone(),
                self.clock.rfc3339(t),
                response.properties.state.to_string(),
                drive_states.join(";"),
            ];
            let result = self.index.write_record(&row);
            self.keep_csv(result);
        }
    }

    /// The job passes `--where`.
    fn matches(&self, record: &JobRecord) -> bool {
        self.selection
            .where_events
            .iter()
            .all(|&kind| record.events.contains(kind))
    }
}

impl RecordSink for FixtureSink<'_> {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        self.jobs_simulated += 1;
        if !self.matches(&job) {
            return;
        }
        let view = JobView::new(&job, drives).expect("history was asked for");
        if let Some(cover) = &mut self.cover {
            cover.offer(&view);
            return;
        }
        if self
            .selection
            .max_jobs
            .is_some_and(|max| self.jobs_written >= max)
        {
            return;
        }
        self.write_job(&view);
    }

    fn timeseries(&mut self, _row: &TimeseriesRow) {}

    fn wants_trace(&self) -> bool {
        false
    }

    fn trace(&mut self, _event: &TraceEvent) {}

    fn wants_history(&self) -> bool {
        true
    }

    fn stopped(&self) -> bool {
        self.error.is_some() || self.interrupt.is_raised()
    }
}

/// `--cover`: a greedy set cover over the features jobs show, as they stream by.
#[derive(Default)]
struct Cover {
    covered: u64,
    kept: Vec<Kept>,
}

/// A job kept by `Cover`, with the features it shows.
struct Kept {
    record: JobRecord,
    drives: Vec<DriveRecord>,
    features: u64,
}

impl Cover {
    /// Keeps the job if it shows something no kept job shows.
    fn offer(&mut self, view: &JobView<'_>) {
        let features = features(view);
        if features & !self.covered == 0 {
            return;
        }
        self.covered |= features;
        self.kept.push(Kept {
            record: view.record.clone(),
            drives: view.drives.to_vec(),
            features,
        });
    }

    /// Drops the kept jobs the others make redundant (fewest features
    /// first), and returns the rest in the order they were kept.
    fn finish(self) -> Vec<Kept> {
        let mut order: Vec<usize> = (0..self.kept.len()).collect();
        order.sort_by_key(|&i| (self.kept[i].features.count_ones(), i));
        let mut keep = vec![true; self.kept.len()];
        for i in order {
            let others = (0..self.kept.len())
                .filter(|&j| j != i && keep[j])
                .fold(0, |all, j| all | self.kept[j].features);
            if self.kept[i].features & !others == 0 {
                keep[i] = false;
            }
        }
        self.kept
            .into_iter()
            .zip(keep)
            .filter_map(|(kept, keep)| keep.then_some(kept))
            .collect()
    }
}

/// What a job shows, as bits: the job states (bits 0..8) and drive states
/// (8..16) of its snapshots at every change, and the events it met (16..36).
fn features(view: &JobView<'_>) -> u64 {
    let mut bits = 0u64;
    for t in view.change_times() {
        if let Some(state) = view.job_state_at(t) {
            bits |= 1 << job_state_index(state);
        }
        for drive in view.drives {
            if let Some(at) = view.drive_at(drive, t) {
                bits |= 1 << (8 + drive_state_index(at.state));
            }
        }
    }
    for kind in view.record.events.iter() {
        bits |= 1 << (16 + kind as u64);
    }
    bits
}

fn job_state_index(state: JobState) -> usize {
    JobState::ALL
        .iter()
        .position(|&s| s == state)
        .expect("every state is in ALL")
}

fn drive_state_index(state: DriveState) -> usize {
    DriveState::ALL
        .iter()
        .position(|&s| s == state)
        .expect("every state is in ALL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_durations_or_rfc3339_inside_the_run() {
        let scenario = Scenario::baseline();
        let day = |n: i64| SimTime::ZERO + crate::time::SimDuration::from_days(n);
        assert_eq!(parse_instant("30d", &scenario).unwrap(), day(30));
        assert_eq!(
            parse_instant("2026-01-06T00:00:00Z", &scenario).unwrap(),
            day(1)
        );
        assert_eq!(parse_instant("0s", &scenario).unwrap(), SimTime::ZERO);
        for bad in ["2025-12-31T00:00:00Z", "800d", "yesterday"] {
            let error = parse_instant(bad, &scenario).unwrap_err().to_string();
            assert!(error.starts_with(&format!("--at `{bad}`: ")), "{error}");
        }
        let error = parse_instant("800d", &scenario).unwrap_err().to_string();
        assert!(error.contains("outside the simulated time"), "{error}");
    }

    #[test]
    fn unknown_events_list_the_names() {
        assert_eq!(
            parse_event("orphan_drives").unwrap(),
            EventKind::OrphanDrives
        );
        let error = parse_event("orphans").unwrap_err().to_string();
        assert!(error.contains("orphan_drives"), "{error}");
        assert!(error.contains("return_damaged"), "{error}");
    }
}
