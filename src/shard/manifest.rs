//! `shard.json`: what a shard directory holds, and the checks `merge` makes
//! before it trusts one (see the `shard` module doc).
//!
//! A manifest is written once, pretty-printed, as the last file of the
//! staged shard directory. Metric values are strings (the shortest text that
//! reads back as the same `f64`, as `replications.csv` writes them), so they
//! come back exactly whatever JSON reader is used.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::output_dir::StagedDir;
use crate::outputs::{Compression, OutputSet};
use crate::run::RunOptions;

use super::{SHARD_MARKER, ShardSpec};

/// `format` of the manifests this version writes and reads.
pub const MANIFEST_FORMAT: &str = "impexsim-shard-1";

/// What a shard is a share of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardKind {
    Run,
    Sweep,
}

/// The contents of `shard.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `MANIFEST_FORMAT`.
    pub format: String,
    /// The impexsim version that ran the shard.
    pub tool_version: String,
    /// The shard's command line.
    pub command: Vec<String>,
    pub kind: ShardKind,
    /// `I` of `--shard I/N`.
    pub index: u32,
    /// `N` of `--shard I/N`.
    pub count: u32,
    pub seed: u64,
    /// `--outputs`, as `OutputSet` writes it (`summary,timeseries,jobs,drives`).
    pub outputs: String,
    /// `--compress`: `none` or `zstd:LEVEL`.
    pub compression: String,
    /// [s] the shard's own.
    pub wall_time_seconds: f64,
    /// A sweep's varied keys; empty for a run.
    pub keys: Vec<String>,
    /// The run, or every point of the sweep in cross-product order.
    pub runs: Vec<RunEntry>,
}

/// One run (a run's only one, or a sweep point).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    /// The run's directory inside the output: empty for a run, the point's
    /// directory name for a sweep.
    pub dir: String,
    /// A sweep point's values, in `keys` order.
    pub values: Vec<String>,
    pub scenario_name: String,
    /// Replications of the whole run.
    pub replications: u32,
    /// The item number of replication 0.
    pub first_item: u64,
    /// The scenario with every override applied, as `run.json` holds it.
    pub resolved_scenario: serde_json::Value,
    /// The row files, in the order a run joins them.
    pub files: Vec<FileEntry>,
    /// Metric names in `summary.csv` order (empty without items).
    pub metric_names: Vec<String>,
    /// This shard's replications of the run, ascending.
    pub items: Vec<ItemEntry>,
}

/// One row file of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// `jobs.csv` or `jobs.csv.zst`.
    pub name: String,
    /// Bytes of the header line that starts the shard's first item.
    pub header_bytes: u64,
}

/// One replication a shard ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemEntry {
    pub replication: u32,
    /// Job rows.
    pub jobs: u64,
    /// Events its engine handled.
    pub events: u64,
    /// In `metric_names` order; `null` for a metric without a value.
    pub metrics: Vec<Option<String>>,
    /// Per file: `[bytes of rows, bytes in the file]`.
    pub parts: Vec<[u64; 2]>,
}

/// A shard directory that cannot be merged (bad input: exit 2). Every
/// message names the shard directory.
#[derive(Debug, thiserror::Error)]
pub enum ShardInputError {
    #[error("{}: not a shard directory: it holds no {SHARD_MARKER} (run `impexsim run ... --shard I/N --out DIR` to make one)", dir.display())]
    NotAShard { dir: PathBuf },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error("{}: {message}", dir.display())]
    Mismatch { dir: PathBuf, message: String },
    #[error(
        "shard {index}/{count} is given twice: {} and {}",
        first.display(),
        second.display()
    )]
    Duplicate {
        index: u32,
        count: u32,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("shard {missing} of {count} is missing (given: {given})", missing = list(missing))]
    Missing {
        missing: Vec<u32>,
        count: u32,
        /// `0/4 in DIR, ...`.
        given: String,
    },
}

fn list(indexes: &[u32]) -> String {
    const SHOWN: usize = 10;
    let mut text: Vec<String> = indexes
        .iter()
        .take(SHOWN)
        .map(|index| index.to_string())
        .collect();
    if indexes.len() > SHOWN {
        text.push(format!("... ({} in all)", indexes.len()));
    }
    text.join(", ")
}

impl Manifest {
    /// The manifest of a shard that ran with `options`.
    pub(crate) fn new(
        kind: ShardKind,
        shard: ShardSpec,
        options: &RunOptions,
        seed: u64,
        keys: Vec<String>,
        runs: Vec<RunEntry>,
        wall_time_seconds: f64,
    ) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            command: options.command.clone(),
            kind,
            index: shard.index,
            count: shard.count,
            seed,
            outputs: options.outputs.to_string(),
            compression: options.compression.to_string(),
            wall_time_seconds,
            keys,
            runs,
        }
    }

    /// Writes `shard.json` into `dir`.
    pub(crate) fn write(&self, dir: &StagedDir) -> io::Result<()> {
        let mut file = BufWriter::new(File::create(dir.file(SHARD_MARKER))?);
        serde_json::to_writer_pretty(&mut file, self)?;
        file.write_all(b"\n")?;
        file.flush()
    }

    /// Reads and checks `dir/shard.json`: its format, its version against
    /// this impexsim's, and that every item is where `I/N` puts it.
    pub fn read(dir: &Path) -> Result<Manifest, ShardInputError> {
        let path = dir.join(SHARD_MARKER);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(ShardInputError::NotAShard {
                    dir: dir.to_path_buf(),
                });
            }
            Err(source) => return Err(ShardInputError::Read { path, source }),
        };
        let malformed = |message: String| ShardInputError::Malformed {
            path: path.clone(),
            message,
        };
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|error| malformed(format!("not a shard manifest: {error}")))?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(malformed(format!(
                "format `{}`, expected `{MANIFEST_FORMAT}`",
                crate::echo::cut(&manifest.format)
            )));
        }
        let version = env!("CARGO_PKG_VERSION");
        if manifest.tool_version != version {
            return Err(ShardInputError::Mismatch {
                dir: dir.to_path_buf(),
                message: format!(
                    "written by impexsim {}, this is impexsim {version}: merge with the \
                     version that ran the shards",
                    crate::echo::cut(&manifest.tool_version)
                ),
            });
        }
        manifest.check_items().map_err(malformed)?;
        Ok(manifest)
    }

    /// `--outputs` and `--compress` of the shard.
    pub fn layout(&self) -> Result<(OutputSet, Compression), String> {
        let outputs = self
            .outputs
            .parse()
            .map_err(|error| format!("outputs: {error}"))?;
        let compression = self
            .compression
            .parse()
            .map_err(|error| format!("compression: {error}"))?;
        Ok((outputs, compression))
    }

    fn check_items(&self) -> Result<(), String> {
        let shard = ShardSpec {
            index: self.index,
            count: self.count,
        };
        if !(1..=super::MAX_SHARDS).contains(&self.count) || self.index >= self.count {
            return Err(format!("shard {}/{} is no shard", self.index, self.count));
        }
        if self.kind == ShardKind::Run && self.runs.len() != 1 {
            return Err(format!(
                "a run's shard holds {} runs, expected 1",
                self.runs.len()
            ));
        }
        self.layout()?;
        for entry in &self.runs {
            let expected = shard.replications(entry.first_item, entry.replications);
            let got: Vec<u32> = entry.items.iter().map(|item| item.replication).collect();
            if got != expected {
                return Err(format!(
                    "run `{}` holds replications {got:?}, expected {expected:?} for shard {shard}",
                    entry.dir
                ));
            }
            for item in &entry.items {
                if item.metrics.len() != entry.metric_names.len()
                    || item.parts.len() != entry.files.len()
                {
                    return Err(format!(
                        "run `{}`, replication {}: {} metrics and {} parts, expected {} and {}",
                        entry.dir,
                        item.replication,
                        item.metrics.len(),
                        item.parts.len(),
                        entry.metric_names.len(),
                        entry.files.len()
                    ));
                }
            }
        }
        Ok(())
    }

    /// What makes `self` (of `dir`) a share of another output than `first`
    /// (of `first_dir`), if anything.
    pub fn mismatch(
        &self,
        dir: &Path,
        first: &Manifest,
        first_dir: &Path,
    ) -> Option<ShardInputError> {
        let differs = |what: &str, mine: String, theirs: String| {
            Some(ShardInputError::Mismatch {
                dir: dir.to_path_buf(),
                message: format!(
                    "a shard of another {what} than {}: {} here, {} there",
                    first_dir.display(),
                    crate::echo::cut(&mine),
                    crate::echo::cut(&theirs)
                ),
            })
        };
        if self.kind != first.kind {
            return differs(
                "kind of output",
                format!("{:?}", self.kind),
                format!("{:?}", first.kind),
            );
        }
        if self.count != first.count {
            return differs(
                "shard count",
                format!("{}/{}", self.index, self.count),
                format!("{}/{}", first.index, first.count),
            );
        }
        if self.seed != first.seed {
            return differs(
                "seed",
                format!("seed {}", self.seed),
                format!("seed {}", first.seed),
            );
        }
        if self.outputs != first.outputs || self.compression != first.compression {
            return differs(
                "set of files",
                format!("--outputs {} --compress {}", self.outputs, self.compression),
                format!(
                    "--outputs {} --compress {}",
                    first.outputs, first.compression
                ),
            );
        }
        if self.keys != first.keys || self.runs.len() != first.runs.len() {
            return differs(
                "sweep",
                format!("{} points of {}", self.runs.len(), self.keys.join(", ")),
                format!("{} points of {}", first.runs.len(), first.keys.join(", ")),
            );
        }
        for (mine, theirs) in self.runs.iter().zip(&first.runs) {
            let point = if mine.dir.is_empty() {
                String::new()
            } else {
                format!("point {}: ", mine.dir)
            };
            if mine.dir != theirs.dir || mine.values != theirs.values {
                return differs("sweep", mine.dir.clone(), theirs.dir.clone());
            }
            if let Some(key) =
                first_difference("", &mine.resolved_scenario, &theirs.resolved_scenario)
            {
                let at = |value: &serde_json::Value| {
                    lookup(value, &key).map_or_else(|| "(absent)".to_string(), |v| v.to_string())
                };
                return differs(
                    "scenario",
                    format!("{point}{key} = {}", at(&mine.resolved_scenario)),
                    format!("{key} = {}", at(&theirs.resolved_scenario)),
                );
            }
            if mine.scenario_name != theirs.scenario_name
                || mine.replications != theirs.replications
                || mine.first_item != theirs.first_item
                || mine.files != theirs.files
                || (!mine.metric_names.is_empty()
                    && !theirs.metric_names.is_empty()
                    && mine.metric_names != theirs.metric_names)
            {
                return differs(
                    "run",
                    format!(
                        "{point}{} replications of {}",
                        mine.replications, mine.scenario_name
                    ),
                    format!(
                        "{} replications of {}",
                        theirs.replications, theirs.scenario_name
                    ),
                );
            }
        }
        None
    }
}

/// The dotted key of the first place where `a` and `b` differ (keys in
/// order), `None` when they are equal.
fn first_difference(prefix: &str, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(&path, x, y),
                    _ => Some(path),
                }
            })
        }
        _ if a == b => None,
        _ => Some(if prefix.is_empty() {
            "scenario".to_string()
        } else {
            prefix.to_string()
        }),
    }
}

fn lookup<'a>(value: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    key.split('.')
        .try_fold(value, |value, part| value.get(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_differing_key_is_named() {
        let a = serde_json::json!({"datacenter": {"copy_stations": 120, "receiving_staff": 4}, "simulation": {"seed": 1}});
        let mut b = a.clone();
        assert_eq!(first_difference("", &a, &b), None);
        b["datacenter"]["copy_stations"] = serde_json::json!(130);
        b["simulation"]["seed"] = serde_json::json!(2);
        assert_eq!(
            first_difference("", &a, &b).as_deref(),
            Some("datacenter.copy_stations")
        );
        assert_eq!(
            lookup(&b, "datacenter.copy_stations"),
            Some(&serde_json::json!(130))
        );
        b["datacenter"]
            .as_object_mut()
            .unwrap()
            .remove("copy_stations");
        assert_eq!(
            first_difference("", &a, &b).as_deref(),
            Some("datacenter.copy_stations")
        );
    }
}
