//! Scale-out: a share of a run's or a sweep's replications (`--shard I/N`),
//! and `merge`, which puts the shares back together.
//!
//! # Items
//!
//! The work of a run is its replications `0..R`; the work of a sweep is
//! every (point, replication), points in cross-product order and the
//! replications of each point in order. These items are numbered `k = 0, 1,
//! ...` in that order (a point's replication `r` is item `first_item + r`,
//! where `first_item` counts the replications of the points before it), and
//! shard `I` of `N` runs the items with `k % N == I`. Every item draws its
//! random numbers from (seed, replication, job) alone, so an item's rows do
//! not depend on where it runs.
//!
//! # Shard directories
//!
//! A shard writes the row files of its items as a run writes them (header
//! line first, then each replication's rows in order), except that with
//! `--compress zstd` each replication is a zstd frame of its own, so `merge`
//! can take the files apart. Beside them `shard.json` (`manifest`), the
//! directory's marker, says what produced it (tool version, command, the
//! resolved scenario of every run, seed, `I` and `N`, the outputs and
//! compression) and, per item, its job count, its metrics (as
//! `replications.csv` writes them: the shortest text that reads back as the
//! same number) and how many bytes it wrote to each file. A sweep's shard
//! has one subdirectory per point it ran items of.
//!
//! # Merge
//!
//! `merge::merge_shards` checks that the shards belong together (the same
//! tool version, scenarios, seed, `N`, outputs and compression; every `I`
//! from 0 to `N - 1` exactly once) and writes the output one process with
//! every replication writes, byte for byte: each row file is the items'
//! bytes in item order under one header (compressed again as one frame),
//! `summary.csv`, `replications.csv`, `sweep.csv` are computed from the
//! items' metrics exactly as a run computes them. In `run.json` only
//! `command` (the merge's command line) and `wall_time_seconds` (the
//! merge's own time) differ from a single process's; each shard's command
//! and time stay in its `shard.json`.

pub mod manifest;
pub mod merge;

use std::fmt;
use std::fs;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::output_dir::write_staged;
use crate::report::{DRIVES_HEADER, EVENTS_HEADER, JOBS_HEADER, TIMESERIES_HEADER, write_number};
use crate::run::{Batch, Layout, RunError, RunOptions, with_threads, write_batch};
use crate::scenario::Scenario;
use crate::sim::Progress;
use crate::sweep::{SweepError, SweepOptions, SweepPlan, SweepProgress, describe_point};

use self::manifest::{FileEntry, ItemEntry, Manifest, RunEntry, ShardKind};

/// The file that marks a directory as a shard.
pub const SHARD_MARKER: &str = "shard.json";

/// The most shards `--shard I/N` may name.
pub const MAX_SHARDS: u32 = 100_000;

/// `--shard I/N`: shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardSpec {
    /// `I`, from 0 to `count - 1`.
    pub index: u32,
    /// `N`, from 1 to `MAX_SHARDS`.
    pub count: u32,
}

/// A `--shard` value that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected I/N with N from 1 to {MAX_SHARDS} and I from 0 to N - 1 (e.g. 0/4 ... 3/4), got `{text}`"
)]
pub struct ShardSpecError {
    pub text: String,
}

impl FromStr for ShardSpec {
    type Err = ShardSpecError;

    fn from_str(text: &str) -> Result<ShardSpec, ShardSpecError> {
        let bad = || ShardSpecError {
            text: crate::echo::cut(text).into_owned(),
        };
        let (index, count) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = index.trim().parse().map_err(|_| bad())?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if !(1..=MAX_SHARDS).contains(&count) || index >= count {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The replications this shard runs of a run whose replication 0 is
    /// item `first_item`, ascending.
    pub fn replications(self, first_item: u64, replications: u32) -> Vec<u32> {
        (0..replications)
            .filter(|&r| {
                (first_item + u64::from(r)) % u64::from(self.count) == u64::from(self.index)
            })
            .collect()
    }

    /// The position of `replication` among `replications(first_item, ..)`
    /// (it must be one of them).
    pub fn position(self, first_item: u64, replication: u32) -> usize {
        let first = (0..self.count)
            .find(|&r| (first_item + u64::from(r)) % u64::from(self.count) == u64::from(self.index))
            .expect("a shard holds one item in every N");
        ((replication - first) / self.count) as usize
    }
}

/// What a shard wrote.
#[derive(Clone, Debug)]
pub struct ShardOutcome {
    /// The shard directory.
    pub out: PathBuf,
    pub shard: ShardSpec,
    /// Items run, and items in the whole run or sweep.
    pub items: u64,
    pub total_items: u64,
    /// Job rows of its items.
    pub jobs: u64,
    pub wall_time_seconds: f64,
}

/// The bytes of the header line of a row file, its line break included.
pub(crate) fn header_bytes(kind: crate::outputs::OutputKind) -> u64 {
    use crate::outputs::OutputKind;
    let header = match kind {
        OutputKind::Jobs => JOBS_HEADER,
        OutputKind::Drives => DRIVES_HEADER,
        OutputKind::Timeseries => TIMESERIES_HEADER,
        OutputKind::Events => EVENTS_HEADER,
        OutputKind::Summary => unreachable!("summary.csv is no row file"),
    };
    header.len() as u64 + 1
}

/// Runs shard `shard` of `scenario`'s replications into the shard
/// directory `options.out`.
pub fn run_shard_to_dir(
    scenario: &Scenario,
    options: &RunOptions,
    shard: ShardSpec,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ShardOutcome, RunError> {
    let started = Instant::now();
    let replications = scenario.simulation.replications;
    write_staged(&options.out, SHARD_MARKER, &options.interrupt, |dir| {
        let mine = shard.replications(0, replications);
        let layout = shard_layout(options);
        let batch = write_batch(scenario, options, dir, &mine, layout, false, progress)?;
        let outcome = ShardOutcome {
            out: options.out.clone(),
            shard,
            items: mine.len() as u64,
            total_items: u64::from(replications),
            jobs: batch.jobs,
            wall_time_seconds: started.elapsed().as_secs_f64(),
        };
        let entry = run_entry(scenario, "", Vec::new(), 0, layout, batch);
        let manifest = Manifest::new(
            ShardKind::Run,
            shard,
            options,
            scenario.simulation.seed,
            Vec::new(),
            vec![entry],
            outcome.wall_time_seconds,
        );
        manifest.write(dir).map_err(|source| RunError::Io {
            path: dir.shown(SHARD_MARKER),
            source,
        })?;
        Ok(outcome)
    })
}

/// Runs shard `shard` of the items of `plan` (points x replications) into
/// the shard directory `options.out`.
pub fn run_sweep_shard(
    plan: &SweepPlan,
    options: &SweepOptions,
    shard: ShardSpec,
    progress: &(dyn Fn(SweepProgress<'_>) + Sync),
) -> Result<ShardOutcome, SweepError> {
    let started = Instant::now();
    let mut first_items = Vec::with_capacity(plan.points.len());
    let mut total_items = 0u64;
    for point in &plan.points {
        first_items.push(total_items);
        total_items += u64::from(point.scenario.simulation.replications);
    }
    let run_options = RunOptions {
        out: options.out.clone(),
        outputs: options.outputs,
        compression: options.compression,
        command: options.command.clone(),
        // The replications share the sweep's thread pool.
        threads: None,
        interrupt: options.interrupt.clone(),
    };
    let layout = shard_layout(&run_options);
    write_staged(&options.out, SHARD_MARKER, &options.interrupt, |dir| {
        let failed = AtomicBool::new(false);
        let run_point = |index: usize| -> Result<Option<RunEntry>, SweepError> {
            options.interrupt.check()?;
            if failed.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let point = &plan.points[index];
            let fail = |source: RunError| {
                failed.store(true, Ordering::Relaxed);
                SweepError::Run {
                    point: describe_point(&plan.keys, &point.values),
                    source,
                }
            };
            let first_item = first_items[index];
            let mine = shard.replications(first_item, point.scenario.simulation.replications);
            let run_dir = dir.subdir(&point.dir_name);
            let batch = if mine.is_empty() {
                Batch::empty()
            } else {
                fs::create_dir(run_dir.path()).map_err(|source| {
                    fail(RunError::Io {
                        path: run_dir.target().to_path_buf(),
                        source,
                    })
                })?;
                let report = |replication: Progress| {
                    progress(SweepProgress {
                        index,
                        point,
                        replication,
                    })
                };
                write_batch(
                    &point.scenario,
                    &run_options,
                    &run_dir,
                    &mine,
                    layout,
                    false,
                    &report,
                )
                .map_err(fail)?
            };
            Ok(Some(run_entry(
                &point.scenario,
                &point.dir_name,
                point.values.clone(),
                first_item,
                layout,
                batch,
            )))
        };
        let results = with_threads(options.threads, || {
            (0..plan.points.len())
                .into_par_iter()
                .map(run_point)
                .collect::<Vec<_>>()
        })?;
        options.interrupt.check()?;
        let mut entries = Vec::with_capacity(results.len());
        for result in results {
            if let Some(entry) = result? {
                entries.push(entry);
            }
        }
        assert_eq!(
            entries.len(),
            plan.points.len(),
            "points are skipped only after a failure"
        );
        let jobs = entries
            .iter()
            .flat_map(|entry| &entry.items)
            .map(|item| item.jobs)
            .sum();
        let items = entries.iter().map(|entry| entry.items.len() as u64).sum();
        let wall_time_seconds = started.elapsed().as_secs_f64();
        let manifest = Manifest::new(
            ShardKind::Sweep,
            shard,
            &run_options,
            plan.base.simulation.seed,
            plan.keys.clone(),
            entries,
            wall_time_seconds,
        );
        manifest.write(dir).map_err(|source| SweepError::Io {
            path: dir.shown(SHARD_MARKER),
            source,
        })?;
        Ok(ShardOutcome {
            out: options.out.clone(),
            shard,
            items,
            total_items,
            jobs,
            wall_time_seconds,
        })
    })
}

/// A shard's files: like a run's, one zstd frame per replication.
fn shard_layout(options: &RunOptions) -> Layout {
    Layout {
        outputs: options.outputs,
        compression: options.compression,
        frame_per_replication: true,
    }
}

/// The manifest's record of one run (or sweep point) of a shard.
fn run_entry(
    scenario: &Scenario,
    dir: &str,
    values: Vec<String>,
    first_item: u64,
    layout: Layout,
    batch: Batch,
) -> RunEntry {
    let files = layout
        .outputs
        .row_files()
        .map(|kind| FileEntry {
            name: layout.file_name(kind),
            header_bytes: header_bytes(kind),
        })
        .collect();
    let metric_names = batch.metrics.names().to_vec();
    let items = batch
        .items
        .iter()
        .enumerate()
        .map(|(position, item)| ItemEntry {
            replication: item.replication,
            jobs: item.jobs,
            events: item.events,
            metrics: batch
                .metrics
                .values(position)
                .iter()
                .map(|value| {
                    value.map(|value| {
                        let mut text = String::new();
                        write_number(&mut text, value);
                        text
                    })
                })
                .collect(),
            parts: item
                .files
                .iter()
                .map(|part| [part.bytes, part.stored])
                .collect(),
        })
        .collect();
    RunEntry {
        dir: dir.to_string(),
        values,
        scenario_name: scenario.simulation.name.clone(),
        replications: scenario.simulation.replications,
        first_item,
        resolved_scenario: serde_json::to_value(&scenario.resolved)
            .expect("a TOML table converts to JSON"),
        files,
        metric_names,
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_read_i_of_n() {
        assert_eq!("0/1".parse(), Ok(ShardSpec { index: 0, count: 1 }));
        assert_eq!(" 3 / 4 ".parse(), Ok(ShardSpec { index: 3, count: 4 }));
        for bad in [
            "3/2", "2/2", "0/0", "x", "1", "1/", "/4", "-1/4", "1/4/2", "1.5/4", "0/100001",
        ] {
            let error = bad.parse::<ShardSpec>().unwrap_err();
            assert!(error.to_string().contains("expected I/N"), "{bad}: {error}");
        }
    }

    #[test]
    fn items_are_dealt_round_robin_and_every_one_exactly_once() {
        // A sweep of three points of 4, 1 and 5 replications over 3 shards.
        let points = [4u32, 1, 5];
        let count = 3;
        let mut seen = vec![0; 10];
        let mut first_item = 0u64;
        for replications in points {
            for index in 0..count {
                let shard = ShardSpec { index, count };
                let mine = shard.replications(first_item, replications);
                for (position, &r) in mine.iter().enumerate() {
                    let k = first_item + u64::from(r);
                    assert_eq!(k % 3, u64::from(index));
                    assert_eq!(shard.position(first_item, r), position);
                    seen[k as usize] += 1;
                }
            }
            first_item += u64::from(replications);
        }
        assert_eq!(seen, vec![1; 10]);
        // Point 1 (item 4) belongs to shard 1 alone.
        assert_eq!(ShardSpec { index: 1, count: 3 }.replications(4, 1), [0]);
        assert!(
            ShardSpec { index: 0, count: 3 }
                .replications(4, 1)
                .is_empty()
        );
    }
}
