//! The Kubernetes recipe `deploy/k8s/replications.yaml` runs what it says:
//! its Indexed Job's command, with `JOB_COMPLETION_INDEX` set for every
//! index as Kubernetes sets it, then its merge Job's command, give the bytes
//! of one process running every replication. (The Slurm recipe is run on a
//! real one-node cluster by `.ci/slurm-test.sh`.)
//!
//! The manifest keeps `command` and `args` as flow sequences of
//! double-quoted strings, which are JSON arrays; this test reads those lines
//! and the `completions` count, document by document.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::impexsim;
use crate::shard::assert_same_output;

/// One Job of the manifest.
struct Job {
    name: String,
    indexed: bool,
    completions: u32,
    /// `command` then `args`.
    argv: Vec<String>,
}

fn jobs(manifest: &str) -> Vec<Job> {
    manifest
        .split("\n---\n")
        .filter(|document| document.contains("kind: Job"))
        .map(|document| {
            let value = |key: &str| {
                document
                    .lines()
                    .find_map(|line| line.trim().strip_prefix(key))
                    .map(str::trim)
                    .unwrap_or_else(|| panic!("no `{key}` in {document}"))
            };
            let list = |key: &str| -> Vec<String> {
                serde_json::from_str(value(key))
                    .unwrap_or_else(|error| panic!("`{key}` is no flow sequence: {error}"))
            };
            let mut argv = list("command:");
            argv.extend(list("args:"));
            Job {
                name: value("name:").to_string(),
                indexed: document.contains("completionMode: Indexed"),
                completions: value("completions:").parse().unwrap(),
                argv,
            }
        })
        .collect()
}

/// `$(NAME)` in `arg` replaced by `NAME`'s value in `env`, as the kubelet
/// expands a container's `command` and `args` from its environment (a name
/// not in `env` stays as written, and then fails the test).
fn expand(arg: &str, env: &[(&str, String)]) -> String {
    env.iter().fold(arg.to_string(), |arg, (name, value)| {
        arg.replace(&format!("$({name})"), value)
    })
}

/// Runs a container's argv here, with `JOB_COMPLETION_INDEX` in its
/// environment for a pod of the Indexed Job: `impexsim` is the binary under
/// test, and the shared volume `/results` a temporary directory.
#[track_caller]
fn run_container(argv: &[String], results: &Path, index: Option<u32>) {
    assert_eq!(argv[0], "impexsim", "{argv:?}");
    let env: Vec<(&str, String)> = index
        .map(|index| ("JOB_COMPLETION_INDEX", index.to_string()))
        .into_iter()
        .collect();
    let results = results.to_str().unwrap();
    let args: Vec<String> = argv[1..]
        .iter()
        .map(|arg| {
            let arg = expand(arg, &env);
            assert!(!arg.contains("$("), "unexpanded {arg}");
            arg.replace("/results", results)
        })
        .collect();
    let output = impexsim()
        .args(&args)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_kubernetes_recipe_merges_into_one_process_output() {
    let manifest = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s/replications.yaml"),
    )
    .unwrap();
    let jobs = jobs(&manifest);
    assert_eq!(jobs.len(), 2, "a shard Job and a merge Job");
    let (shards, merge) = (&jobs[0], &jobs[1]);
    assert!(
        shards.indexed && !merge.indexed,
        "{} {}",
        shards.name,
        merge.name
    );
    let count = shards.completions;
    let shard_arg = shards
        .argv
        .iter()
        .position(|arg| arg == "--shard")
        .map(|at| &shards.argv[at + 1])
        .expect("the shard Job passes --shard");
    assert_eq!(shard_arg, &format!("$(JOB_COMPLETION_INDEX)/{count}"));

    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("shards")).unwrap();
    for index in 0..count {
        run_container(&shards.argv, tmp.path(), Some(index));
    }
    run_container(&merge.argv, tmp.path(), None);

    // One process, the same command without --shard.
    let single = tmp.path().join("single");
    let mut args: Vec<String> = Vec::new();
    let mut rest = shards.argv[1..].iter();
    while let Some(arg) = rest.next() {
        if arg == "--shard" || arg == "--out" {
            rest.next();
        } else {
            args.push(arg.clone());
        }
    }
    let output = impexsim()
        .args(&args)
        .arg("--out")
        .arg(&single)
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}");
    assert_same_output(&single, &tmp.path().join("merged"));
}
