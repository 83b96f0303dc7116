//! `impexsim merge`: shard directories back into the output one process
//! with every replication writes (see the `shard` module doc).
//!
//! Every shard is checked before anything is written (`ShardInputError`,
//! bad input). Then, under the usual staging and lock of `output_dir`, each
//! row file is rebuilt item by item: item `k` comes from shard `k % N`,
//! whose items of a run lie in its file one after another, so its bytes are
//! found from the lengths in `shard.json`; a compressed item is one frame,
//! decoded and compressed again into the merged file's one frame. The
//! header line is taken once, from item 0; every other shard's first item
//! begins with one, which is skipped. At most `MAX_OPEN_FILES` shard files
//! are open at once.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::compression::decoder;
use crate::interrupt::{Interrupt, Interrupted};
use crate::output_dir::{OutputDirError, StagedDir, write_staged};
use crate::outputs::{Compression, OutputKind, OutputSet};
use crate::report::{
    Metric, REPLICATIONS_HEADER, RunInfo, events_per_second, write_replication_rows,
};
use crate::run::{
    FinalFile, REPLICATIONS_CSV, RUN_MARKER, ReplicationMetrics, RunError, RunOutcome,
    write_run_files,
};
use crate::sweep::{PointOutcome, SWEEP_CSV, SweepOutcome, write_sweep_csv};

use super::manifest::{Manifest, ShardInputError, ShardKind};

/// Shard files kept open between items; beyond it, a file is opened for
/// each item (so a merge of thousands of shards stays within the
/// process's file limit).
const MAX_OPEN_FILES: usize = 64;

/// How to merge.
#[derive(Clone, Debug, Default)]
pub struct MergeOptions {
    /// The merged output directory.
    pub out: PathBuf,
    /// The command line, recorded in `run.json`.
    pub command: Vec<String>,
    pub interrupt: Interrupt,
}

/// What a merge wrote.
#[derive(Clone, Debug)]
pub enum MergeOutcome {
    Run(RunOutcome),
    Sweep(SweepOutcome),
}

/// A merge that failed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A shard that does not fit (bad input).
    #[error(transparent)]
    Input(#[from] ShardInputError),
    #[error(transparent)]
    Output(#[from] OutputDirError),
    #[error("stopped early")]
    Interrupted(#[from] Interrupted),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl MergeError {
    /// A shard that does not fit: the user's mistake (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            MergeError::Input(_) => true,
            MergeError::Output(_) | MergeError::Interrupted(_) | MergeError::Io { .. } => false,
        }
    }
}

impl From<RunError> for MergeError {
    fn from(error: RunError) -> MergeError {
        match error {
            RunError::Output(error) => MergeError::Output(error),
            RunError::Interrupted(error) => MergeError::Interrupted(error),
            RunError::Io { path, source } => MergeError::Io { path, source },
            RunError::Threads(error) => MergeError::Io {
                path: PathBuf::new(),
                source: io::Error::other(error),
            },
        }
    }
}

/// One shard, checked.
struct Shard {
    dir: PathBuf,
    manifest: Manifest,
}

/// Merges the shard directories `inputs` into `options.out`.
pub fn merge_shards(
    inputs: &[PathBuf],
    options: &MergeOptions,
) -> Result<MergeOutcome, MergeError> {
    let started = Instant::now();
    let shards = read_shards(inputs)?;
    let first = &shards[0].manifest;
    let (outputs, compression) = first.layout().expect("checked when read");
    let marker = match first.kind {
        ShardKind::Run => RUN_MARKER,
        ShardKind::Sweep => SWEEP_CSV,
    };
    let merged = write_staged(
        &options.out,
        marker,
        &options.interrupt,
        |dir| -> Result<MergeOutcome, MergeError> {
            let mut runs = Vec::with_capacity(first.runs.len());
            for (position, entry) in first.runs.iter().enumerate() {
                let run_dir = if entry.dir.is_empty() {
                    dir.clone()
                } else {
                    let run_dir = dir.subdir(&entry.dir);
                    fs::create_dir(run_dir.path()).map_err(|source| MergeError::Io {
                        path: run_dir.target().to_path_buf(),
                        source,
                    })?;
                    run_dir
                };
                let merged = merge_run(
                    &shards,
                    position,
                    &run_dir,
                    outputs,
                    compression,
                    options,
                    started,
                )?;
                runs.push(merged);
            }
            let wall_time_seconds = started.elapsed().as_secs_f64();
            match first.kind {
                ShardKind::Run => {
                    let (metrics, jobs) = runs.pop().expect("a run's shard holds one run");
                    Ok(MergeOutcome::Run(RunOutcome {
                        metrics,
                        jobs,
                        out: options.out.clone(),
                        wall_time_seconds,
                    }))
                }
                ShardKind::Sweep => {
                    let jobs = runs.iter().map(|(_, jobs)| jobs).sum();
                    let points: Vec<PointOutcome> = first
                        .runs
                        .iter()
                        .zip(runs)
                        .map(|(entry, (metrics, _))| PointOutcome {
                            values: entry.values.clone(),
                            dir_name: entry.dir.clone(),
                            metrics,
                        })
                        .collect();
                    let several = first.runs.iter().any(|entry| entry.replications > 1);
                    let shown = dir.shown(SWEEP_CSV);
                    let io_error = |source| MergeError::Io {
                        path: shown.clone(),
                        source,
                    };
                    let file = File::create(dir.file(SWEEP_CSV)).map_err(io_error)?;
                    write_sweep_csv(BufWriter::new(file), &first.keys, &points, several)
                        .map_err(io_error)?;
                    Ok(MergeOutcome::Sweep(SweepOutcome {
                        out: options.out.clone(),
                        keys: first.keys.clone(),
                        points,
                        jobs,
                        wall_time_seconds,
                    }))
                }
            }
        },
    )?;
    Ok(merged)
}

/// Reads every shard and checks that they are the `N` shares of one output.
/// The shards come back in shard order.
fn read_shards(inputs: &[PathBuf]) -> Result<Vec<Shard>, ShardInputError> {
    let mut read: Vec<Shard> = Vec::with_capacity(inputs.len());
    for dir in inputs {
        let manifest = Manifest::read(dir)?;
        if let Some(first) = read.first()
            && let Some(error) = manifest.mismatch(dir, &first.manifest, &first.dir)
        {
            return Err(error);
        }
        check_files(dir, &manifest)?;
        read.push(Shard {
            dir: dir.clone(),
            manifest,
        });
    }
    let count = read
        .first()
        .map(|shard| shard.manifest.count)
        .expect("clap asks for at least one shard");
    let mut by_index: Vec<Option<Shard>> = (0..count).map(|_| None).collect();
    for shard in read {
        let index = shard.manifest.index;
        let slot = &mut by_index[index as usize];
        if let Some(earlier) = slot {
            return Err(ShardInputError::Duplicate {
                index,
                count,
                first: earlier.dir.clone(),
                second: shard.dir,
            });
        }
        *slot = Some(shard);
    }
    let missing: Vec<u32> = (0..count)
        .filter(|&i| by_index[i as usize].is_none())
        .collect();
    if !missing.is_empty() {
        let given = by_index
            .iter()
            .flatten()
            .map(|shard| {
                format!(
                    "{}/{count} in {}",
                    shard.manifest.index,
                    shard.dir.display()
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ShardInputError::Missing {
            missing,
            count,
            given,
        });
    }
    Ok(by_index.into_iter().flatten().collect())
}

/// Every row file of the shard is as long as its items say.
fn check_files(dir: &Path, manifest: &Manifest) -> Result<(), ShardInputError> {
    for entry in &manifest.runs {
        if entry.items.is_empty() {
            continue;
        }
        for (index, file) in entry.files.iter().enumerate() {
            let path = dir.join(&entry.dir).join(&file.name);
            let length = fs::metadata(&path)
                .map_err(|source| ShardInputError::Read {
                    path: path.clone(),
                    source,
                })?
                .len();
            let expected: u64 = entry.items.iter().map(|item| item.parts[index][1]).sum();
            if length != expected {
                return Err(ShardInputError::Malformed {
                    path,
                    message: format!(
                        "{length} bytes, but {SHARD_MARKER} says {expected}: the shard is incomplete or was changed",
                        SHARD_MARKER = super::SHARD_MARKER
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Merges run `position` of every shard into `dir`: its row files,
/// `replications.csv`, `summary.csv` and `run.json`. Returns its metrics and
/// job rows.
fn merge_run(
    shards: &[Shard],
    position: usize,
    dir: &StagedDir,
    outputs: OutputSet,
    compression: Compression,
    options: &MergeOptions,
    started: Instant,
) -> Result<(ReplicationMetrics, u64), MergeError> {
    let entry = &shards[0].manifest.runs[position];
    for (file_index, file) in entry.files.iter().enumerate() {
        merge_file(
            shards,
            position,
            file_index,
            dir,
            compression,
            &options.interrupt,
        )
        .map_err(|error| match error {
            FileError::Input(error) => MergeError::Input(error),
            FileError::Interrupted(error) => MergeError::Interrupted(error),
            FileError::Write(source) => MergeError::Io {
                path: dir.shown(&file.name),
                source,
            },
        })?;
    }
    // The items in replication order, with the entry that holds each.
    let count = shards.len() as u64;
    let mut cursors = vec![0usize; shards.len()];
    let mut metrics = ReplicationMetrics::new();
    let mut jobs = 0;
    let mut events = 0;
    let names = shards
        .iter()
        .map(|shard| &shard.manifest.runs[position])
        .find(|entry| !entry.metric_names.is_empty())
        .map(|entry| entry.metric_names.clone())
        .unwrap_or_default();
    let mut replications_csv = Vec::new();
    let with_replications_csv = outputs.contains(OutputKind::Summary) && entry.replications > 1;
    if with_replications_csv {
        replications_csv.extend_from_slice(REPLICATIONS_HEADER.as_bytes());
    }
    for replication in 0..entry.replications {
        let shard_index = ((entry.first_item + u64::from(replication)) % count) as usize;
        let shard = &shards[shard_index];
        let shard_entry = &shard.manifest.runs[position];
        let item = &shard_entry.items[cursors[shard_index]];
        cursors[shard_index] += 1;
        assert_eq!(item.replication, replication, "checked when read");
        let mut values = Vec::with_capacity(names.len());
        for (name, text) in names.iter().zip(&item.metrics) {
            let value = match text {
                None => None,
                Some(text) => Some(text.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(
                    || ShardInputError::Malformed {
                        path: shard.dir.join(super::SHARD_MARKER),
                        message: format!(
                            "replication {replication}: metric {name}: expected a number, got `{}`",
                            crate::echo::cut(text)
                        ),
                    },
                )?),
            };
            values.push(Metric {
                name: name.clone(),
                value,
            });
        }
        if with_replications_csv {
            write_replication_rows(&mut replications_csv, replication as usize, &values)
                .expect("a Vec takes every byte");
        }
        metrics.push(values);
        jobs += item.jobs;
        events += item.events;
    }
    if with_replications_csv {
        fs::write(dir.file(REPLICATIONS_CSV), &replications_csv).map_err(|source| {
            MergeError::Io {
                path: dir.shown(REPLICATIONS_CSV),
                source,
            }
        })?;
    }
    let wall_time_seconds = started.elapsed().as_secs_f64();
    let info = RunInfo {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command: options.command.clone(),
        scenario_name: entry.scenario_name.clone(),
        seed: shards[0].manifest.seed,
        replications: entry.replications,
        jobs,
        events,
        wall_time_seconds,
        events_per_second: events_per_second(events, wall_time_seconds),
        resolved_scenario: entry.resolved_scenario.clone(),
    };
    write_run_files(dir, outputs, &metrics, &info)?;
    Ok((metrics, jobs))
}

/// Why one file could not be merged.
enum FileError {
    Input(ShardInputError),
    Interrupted(Interrupted),
    /// Writing the merged file failed.
    Write(io::Error),
}

/// Where the next item of one shard's file starts.
struct Cursor {
    item: usize,
    offset: u64,
    file: Option<File>,
}

/// Rebuilds row file `file_index` of run `position` from every shard.
fn merge_file(
    shards: &[Shard],
    position: usize,
    file_index: usize,
    dir: &StagedDir,
    compression: Compression,
    interrupt: &Interrupt,
) -> Result<(), FileError> {
    let entry = &shards[0].manifest.runs[position];
    let name = &entry.files[file_index].name;
    let mut out = FinalFile::create(&dir.file(name), compression).map_err(FileError::Write)?;
    let count = shards.len() as u64;
    let keep_open = shards.len() <= MAX_OPEN_FILES;
    let mut cursors: Vec<Cursor> = shards
        .iter()
        .map(|_| Cursor {
            item: 0,
            offset: 0,
            file: None,
        })
        .collect();
    let mut buffer = vec![0u8; 1 << 16];
    for replication in 0..entry.replications {
        interrupt.check().map_err(FileError::Interrupted)?;
        let shard_index = ((entry.first_item + u64::from(replication)) % count) as usize;
        let shard = &shards[shard_index];
        let shard_entry = &shard.manifest.runs[position];
        let path = shard.dir.join(&shard_entry.dir).join(name);
        let cursor = &mut cursors[shard_index];
        let item = &shard_entry.items[cursor.item];
        let [bytes, stored] = item.parts[file_index];
        let read_error = |source| {
            FileError::Input(ShardInputError::Read {
                path: path.clone(),
                source,
            })
        };
        let mut file = match cursor.file.take() {
            Some(file) => file,
            None => File::open(&path).map_err(read_error)?,
        };
        file.seek(SeekFrom::Start(cursor.offset))
            .map_err(read_error)?;
        let skip = if cursor.item == 0 && replication != 0 {
            shard_entry.files[file_index].header_bytes
        } else {
            0
        };
        let raw = (&mut file).take(stored);
        let mut content: Box<dyn Read> = match compression {
            Compression::None => Box::new(raw),
            Compression::Zstd { .. } => Box::new(decoder(raw).map_err(read_error)?),
        };
        // Copies the item, checking its length against the manifest.
        let mut seen = 0u64;
        loop {
            let n = match content.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(read_error(error)),
            };
            let chunk = &buffer[..n];
            let from = skip.saturating_sub(seen).min(n as u64) as usize;
            out.write_all(&chunk[from..]).map_err(FileError::Write)?;
            seen += n as u64;
        }
        drop(content);
        if seen != bytes {
            return Err(FileError::Input(ShardInputError::Malformed {
                path,
                message: format!(
                    "replication {replication} holds {seen} bytes of rows, but {} says {bytes}",
                    super::SHARD_MARKER
                ),
            }));
        }
        cursor.item += 1;
        cursor.offset += stored;
        if keep_open {
            cursor.file = Some(file);
        }
    }
    out.finish().map_err(FileError::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_list_names_what_is_missing_or_twice() {
        let error = ShardInputError::Missing {
            missing: vec![2],
            count: 4,
            given: "0/4 in a, 1/4 in b, 3/4 in d".into(),
        };
        assert_eq!(
            error.to_string(),
            "shard 2 of 4 is missing (given: 0/4 in a, 1/4 in b, 3/4 in d)"
        );
    }
}
