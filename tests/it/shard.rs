//! `--shard I/N` and `impexsim merge`: the shards of a run or a sweep merge
//! into the bytes one process with every replication writes (README, Scale
//! out), and shards that do not belong together are refused naming the
//! shard.
//!
//! Runs use `tests/data/reps_small.toml` (about 300 jobs a replication,
//! every random thing on), so replications differ and a shard put in the
//! wrong place would show.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

use crate::{data_arg, impexsim};

/// Runs `impexsim <args> --quiet` in the repository.
fn exec(args: &[String]) -> Output {
    impexsim()
        .args(args)
        .arg("--quiet")
        .output()
        .expect("the binary runs")
}

#[track_caller]
fn exec_ok(args: &[String]) {
    let output = exec(args);
    assert!(
        output.status.success(),
        "impexsim {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `impexsim <args>`, which must fail with exit code 2; its standard error.
#[track_caller]
fn exec_bad_input(args: &[String]) -> String {
    let output = exec(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(2),
        "impexsim {args:?}:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

fn path_arg(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_string()
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, into: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                into.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    let mut all = Vec::new();
    walk(dir, dir, &mut all);
    all.sort();
    all
}

/// `run.json` without the three values that differ between two processes.
fn run_json_without_variables(path: &Path) -> serde_json::Value {
    let mut info: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    let object = info.as_object_mut().expect("run.json is an object");
    assert!(object.remove("command").is_some(), "{}", path.display());
    assert!(
        object.remove("wall_time_seconds").is_some(),
        "{}",
        path.display()
    );
    assert!(
        object.remove("events_per_second").is_some(),
        "{}",
        path.display()
    );
    info
}

/// The same files with the same bytes (`run.json`: but for `command`,
/// `wall_time_seconds` and `events_per_second`).
#[track_caller]
pub fn assert_same_output(single: &Path, merged: &Path) {
    let names = files(single);
    assert_eq!(names, files(merged), "the merged output holds other files");
    assert!(names.len() >= 3, "{names:?}");
    for name in &names {
        let (a, b) = (single.join(name), merged.join(name));
        if name.ends_with("run.json") {
            assert_eq!(
                run_json_without_variables(&a),
                run_json_without_variables(&b),
                "{name}"
            );
        } else {
            assert!(
                fs::read(&a).unwrap() == fs::read(&b).unwrap(),
                "{name} differs between one process and the merged shards"
            );
        }
    }
}

/// A single run and its `count` shards, merged (shards given in reverse
/// order), in a fresh directory.
struct Sharded {
    /// Kept so the directories live as long as the test.
    _tmp: TempDir,
    single: PathBuf,
    merged: PathBuf,
    shards: Vec<PathBuf>,
}

fn sharded(command: &str, args: &[&str], count: u32) -> Sharded {
    let tmp = TempDir::new().unwrap();
    let single = tmp.path().join("single");
    let merged = tmp.path().join("merged");
    let base = |extra: &[String]| {
        let mut all = strings(&[command]);
        all.extend(strings(args));
        all.extend_from_slice(extra);
        all
    };
    exec_ok(&base(&["--out".into(), path_arg(&single)]));
    let shards: Vec<PathBuf> = (0..count)
        .map(|index| tmp.path().join(format!("shard-{index}")))
        .collect();
    for (index, shard) in shards.iter().enumerate() {
        exec_ok(&base(&[
            "--shard".into(),
            format!("{index}/{count}"),
            "--out".into(),
            path_arg(shard),
        ]));
    }
    let mut merge = strings(&["merge"]);
    merge.extend(shards.iter().rev().map(|shard| path_arg(shard)));
    merge.extend(["--out".into(), path_arg(&merged)]);
    exec_ok(&merge);
    Sharded {
        _tmp: tmp,
        single,
        merged,
        shards,
    }
}

#[test]
fn merged_run_shards_are_byte_for_byte_one_run() {
    let scenario = data_arg("reps_small.toml");
    for compress in ["none", "zstd"] {
        let run = sharded(
            "run",
            &[
                &scenario,
                "--replications",
                "5",
                "--trace",
                "--compress",
                compress,
            ],
            3,
        );
        assert_same_output(&run.single, &run.merged);
        // Not vacuous: every shard wrote rows, and they differ.
        let jobs = if compress == "zstd" {
            "jobs.csv.zst"
        } else {
            "jobs.csv"
        };
        let sizes: Vec<u64> = run
            .shards
            .iter()
            .map(|shard| fs::metadata(shard.join(jobs)).unwrap().len())
            .collect();
        assert!(sizes.iter().all(|&size| size > 1000), "{sizes:?}");
        let single_files = files(&run.single);
        for file in ["events.csv", "replications.csv", "summary.csv"] {
            let name = if compress == "zstd" && file == "events.csv" {
                "events.csv.zst"
            } else {
                file
            };
            assert!(single_files.iter().any(|f| f == name), "{single_files:?}");
        }
    }
}

#[test]
fn merged_sweep_shards_are_byte_for_byte_one_sweep() {
    let scenario = data_arg("reps_small.toml");
    // Points of 2 and 3 replications: 10 items, dealt over 4 shards.
    let args = [
        scenario.as_str(),
        "--vary",
        "datacenter.copy_stations=20,40",
        "--vary",
        "simulation.replications=2,3",
        "--compress",
        "zstd",
    ];
    let sweep = sharded("sweep", &args, 4);
    assert_same_output(&sweep.single, &sweep.merged);
    assert!(files(&sweep.single).iter().any(|f| f == "sweep.csv"));
}

#[test]
fn more_shards_than_replications_leave_some_empty() {
    let scenario = data_arg("reps_small.toml");
    let run = sharded("run", &[&scenario, "--replications", "2"], 4);
    assert_same_output(&run.single, &run.merged);
    // Shards 2 and 3 ran nothing and hold only their manifest.
    assert_eq!(files(&run.shards[3]), ["shard.json"]);
}

/// Shards of one run, for the bad-input tests: `count` shards of
/// `reps_small.toml` with 3 replications and `extra` arguments.
fn make_shards(tmp: &Path, name: &str, count: u32, extra: &[&str]) -> Vec<PathBuf> {
    let scenario = data_arg("reps_small.toml");
    (0..count)
        .map(|index| {
            let dir = tmp.join(format!("{name}-{index}"));
            let mut args = strings(&["run", &scenario, "--replications", "3"]);
            args.extend(strings(extra));
            args.extend([
                "--shard".into(),
                format!("{index}/{count}"),
                "--out".into(),
                path_arg(&dir),
            ]);
            exec_ok(&args);
            dir
        })
        .collect()
}

/// `merge DIRS --out OUT` fails with exit code 2, naming `named`, and
/// writes nothing.
#[track_caller]
fn assert_merge_refused(tmp: &Path, dirs: &[&PathBuf], named: &Path, words: &[&str]) {
    let out = tmp.join("merged");
    let mut args = strings(&["merge"]);
    args.extend(dirs.iter().map(|dir| path_arg(dir)));
    args.extend(["--out".into(), path_arg(&out)]);
    let stderr = exec_bad_input(&args);
    assert!(stderr.contains(&path_arg(named)), "{stderr}");
    for word in words {
        assert!(stderr.contains(word), "`{word}` missing from {stderr}");
    }
    assert!(!out.exists(), "nothing is written");
    assert!(
        fs::read_dir(tmp).unwrap().all(|entry| !entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".merged")),
        "no staging left"
    );
}

#[test]
fn shards_that_do_not_belong_together_are_refused_naming_the_shard() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    let a = make_shards(root, "a", 2, &[]);
    // Given twice.
    assert_merge_refused(
        root,
        &[&a[0], &a[1], &a[0]],
        &a[0],
        &["shard 0/2 is given twice"],
    );
    // Missing.
    assert_merge_refused(root, &[&a[1]], &a[1], &["shard 0 of 2 is missing"]);
    // Another scenario: its first different key is named.
    let other = make_shards(root, "other", 2, &["--set", "datacenter.copy_stations=31"]);
    assert_merge_refused(
        root,
        &[&a[0], &other[1]],
        &other[1],
        &["another scenario", "datacenter.copy_stations"],
    );
    // Another seed.
    let seeded = make_shards(root, "seeded", 2, &["--seed", "9"]);
    assert_merge_refused(root, &[&a[0], &seeded[1]], &seeded[1], &["another seed"]);
    // Another shard count.
    let three = make_shards(root, "three", 3, &[]);
    assert_merge_refused(
        root,
        &[&a[0], &three[1]],
        &three[1],
        &["another shard count"],
    );
    // Other files.
    let zstd = make_shards(root, "zstd", 2, &["--compress", "zstd"]);
    assert_merge_refused(
        root,
        &[&a[0], &zstd[1]],
        &zstd[1],
        &["another set of files"],
    );
    // Another version of impexsim.
    let manifest = a[1].join("shard.json");
    let text = fs::read_to_string(&manifest).unwrap();
    let version = format!("\"tool_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version), "{text}");
    fs::write(
        &manifest,
        text.replace(&version, "\"tool_version\": \"0.0.1\""),
    )
    .unwrap();
    assert_merge_refused(root, &[&a[0], &a[1]], &a[1], &["impexsim 0.0.1"]);
    fs::write(&manifest, text).unwrap();
    // A directory that is no shard.
    let plain = root.join("plain");
    fs::create_dir(&plain).unwrap();
    assert_merge_refused(root, &[&a[0], &plain], &plain, &["not a shard directory"]);
    // A shard whose file was cut short.
    let jobs = a[1].join("jobs.csv");
    let bytes = fs::read(&jobs).unwrap();
    fs::write(&jobs, &bytes[..bytes.len() - 10]).unwrap();
    assert_merge_refused(root, &[&a[0], &a[1]], &jobs, &["incomplete"]);
}

#[test]
fn bad_shard_values_are_bad_input() {
    let tmp = TempDir::new().unwrap();
    for shard in ["3/2", "2/2", "0/0", "x", "1", "-1/2"] {
        for command in [
            vec!["run"],
            vec!["sweep", "--vary", "datacenter.copy_stations=20,40"],
        ] {
            let out = tmp.path().join("out");
            let mut args = strings(&command);
            args.extend(strings(&["--shard", shard, "--out"]));
            args.push(path_arg(&out));
            let stderr = exec_bad_input(&args);
            assert!(stderr.contains("expected I/N"), "{shard}: {stderr}");
            assert!(!out.exists());
        }
    }
}
