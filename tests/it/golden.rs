//! Golden digests: the sha256 of every file that `run`, `calls` and
//! `fixtures --cover` write for a few fixed scenarios and seeds.
//!
//! These pin the outputs byte for byte so that a refactor of the engine can
//! be shown to change nothing. A change that is meant to change the output
//! updates the digests in the same commit and says why. `run.json` is
//! digested without its `wall_time_seconds`, `events_per_second` and
//! `command` (the only values that differ between two runs of the same
//! scenario).

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::invoke_ok;

/// `path sha256` lines of every file under `dir`, sorted by path.
fn digests(dir: &Path) -> String {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files);
    files.sort();
    let mut listing = String::new();
    for relative in files {
        let bytes = fs::read(dir.join(&relative)).unwrap();
        let bytes = if relative.ends_with("run.json") {
            without_run_variables(&bytes)
        } else {
            bytes
        };
        listing.push_str(&format!("{relative} {}\n", sha256_hex(&bytes)));
    }
    listing
}

fn collect_files(root: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).unwrap();
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `run.json` without the wall time, the rate that depends on it and the
/// command line.
fn without_run_variables(bytes: &[u8]) -> Vec<u8> {
    let mut info: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let object = info.as_object_mut().expect("run.json is an object");
    object.remove("wall_time_seconds");
    object.remove("events_per_second");
    object.remove("command");
    serde_json::to_vec(&info).unwrap()
}

/// One sha256 over the whole listing, with the listing shown on a mismatch.
#[track_caller]
fn check(args: &[&str], expected: &str) {
    let invocation = invoke_ok(args);
    let listing = digests(&invocation.dir);
    let hash = sha256_hex(listing.as_bytes());
    assert_eq!(
        hash, expected,
        "the output of impexsim {args:?} changed; its files now digest to:\n{listing}"
    );
}

#[test]
fn golden_run_baseline() {
    check(
        &["run"],
        "656ed94cb4e9818d2e0e59ddb6a929dd30e2cf95de763cea3f28531e96d53248",
    );
}

#[test]
fn golden_run_carrier_strike_traced_with_replications() {
    check(
        &[
            "run",
            "scenarios/carrier_strike.toml",
            "--trace",
            "--replications",
            "3",
        ],
        "a074eb11ee1cb417b989600ccb0e2a9e9210761ab1bf12285eefcc7e4dff8b82",
    );
}

#[test]
fn golden_run_export_heavy_with_warmup() {
    check(
        &[
            "run",
            "scenarios/export_heavy.toml",
            "--seed",
            "7",
            "--set",
            "simulation.warmup=30d",
        ],
        "8c2a5b5f6a1465c6dbd7843ab17cb645f2a2923b56f3df4a4464cc8129ec1504",
    );
}

/// `calls` writes one file: its digest.
#[track_caller]
fn check_calls(args: &[&str], expected: &str) {
    let invocation = invoke_ok(args);
    let hash = sha256_hex(&fs::read(&invocation.dir).unwrap());
    assert_eq!(hash, expected, "the output of impexsim {args:?} changed");
}

#[test]
fn golden_calls_small() {
    check_calls(
        &["calls", &crate::data_arg("fixtures_small.toml")],
        "efe2a5f3eee948ba798b6982cfffc247ed85eba3bb4338ce49501e1fe75101d2",
    );
}

#[test]
fn golden_calls_baseline() {
    check_calls(
        &["calls"],
        "c4180fb1309c1334eb45ca194453ada69c0f73e6fcda22fb4fd9d20aaf4bf68f",
    );
}

#[test]
fn golden_fixtures_cover() {
    check(
        &["fixtures", "--cover"],
        "2d622a52e1e1742729834d79c059d0935f8d0fb00eb2b3a8e2b00268ba2d7637",
    );
}
