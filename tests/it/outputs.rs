//! `--outputs` and `--compress` (README, Less output): the files chosen are
//! the files written, the summaries are the same whatever is written, and a
//! compressed file is one zstd frame that decodes to the plain file.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::{data_arg, entries, invoke, invoke_ok};

/// The zstd frame of `path`, decoded as a reader that stops at the end of the
/// first frame would (python-zstandard's, which pandas uses).
fn first_frame(path: &Path) -> Vec<u8> {
    let file = fs::File::open(path).unwrap();
    let mut decoder = zstd::stream::read::Decoder::new(file)
        .unwrap()
        .single_frame();
    let mut bytes = Vec::new();
    decoder.read_to_end(&mut bytes).unwrap();
    bytes
}

/// `run.json` without `command`, `wall_time_seconds` and `events_per_second`.
fn run_json(dir: &Path) -> serde_json::Value {
    let mut info: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("run.json")).unwrap()).unwrap();
    let object = info.as_object_mut().unwrap();
    object.remove("command");
    object.remove("wall_time_seconds");
    object.remove("events_per_second");
    info
}

#[test]
fn summaries_are_identical_whatever_is_written() {
    let scenario = data_arg("reps_small.toml");
    let all = invoke_ok(&["run", &scenario, "--replications", "3", "--trace"]);
    assert_eq!(
        entries(&all.dir),
        [
            "drives.csv",
            "events.csv",
            "jobs.csv",
            "replications.csv",
            "run.json",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--outputs", "summary"],
            &["replications.csv", "run.json", "summary.csv"],
        ),
        (&["--outputs", "jobs"], &["jobs.csv", "run.json"]),
        (
            &["--outputs", "summary,jobs", "--compress", "zstd"],
            &[
                "jobs.csv.zst",
                "replications.csv",
                "run.json",
                "summary.csv",
            ],
        ),
        (
            &["--outputs", "timeseries,drives,summary", "--trace"],
            &[
                "drives.csv",
                "events.csv",
                "replications.csv",
                "run.json",
                "summary.csv",
                "timeseries.csv",
            ],
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["run", scenario.as_str(), "--replications", "3"];
        args.extend_from_slice(extra);
        let some = invoke_ok(&args);
        assert_eq!(entries(&some.dir), expected, "{extra:?}");
        for name in expected {
            if *name == "run.json" {
                assert_eq!(run_json(&some.dir), run_json(&all.dir), "{extra:?}");
            } else if let Some(plain) = name.strip_suffix(".zst") {
                assert!(
                    first_frame(&some.dir.join(name)) == fs::read(all.dir.join(plain)).unwrap(),
                    "{name} of {extra:?}"
                );
            } else {
                assert!(
                    fs::read(some.dir.join(name)).unwrap() == fs::read(all.dir.join(name)).unwrap(),
                    "{name} of {extra:?} differs"
                );
            }
        }
    }
}

/// One zstd frame per file, the plain bytes inside, and the same bytes
/// whatever the thread count.
#[test]
fn compressed_files_are_one_frame_of_the_plain_bytes_on_any_thread_count() {
    let scenario = data_arg("reps_small.toml");
    let plain = invoke_ok(&["run", &scenario, "--replications", "4", "--trace"]);
    let one = invoke_ok(&[
        "run",
        &scenario,
        "--replications",
        "4",
        "--trace",
        "--compress",
        "zstd",
        "--threads",
        "1",
    ]);
    let two = invoke_ok(&[
        "run",
        &scenario,
        "--replications",
        "4",
        "--trace",
        "--compress",
        "zstd",
        "--threads",
        "2",
    ]);
    for name in ["jobs.csv", "drives.csv", "timeseries.csv", "events.csv"] {
        let compressed = format!("{name}.zst");
        let bytes = fs::read(one.dir.join(&compressed)).unwrap();
        assert!(
            bytes == fs::read(two.dir.join(&compressed)).unwrap(),
            "{compressed}"
        );
        let original = fs::read(plain.dir.join(name)).unwrap();
        assert!(
            first_frame(&one.dir.join(&compressed)) == original,
            "{compressed}"
        );
        assert!(
            bytes.len() < original.len() / 2,
            "{compressed}: {} of {}",
            bytes.len(),
            original.len()
        );
        assert!(!one.dir.join(name).exists());
    }
    assert!(
        fs::read(one.dir.join("summary.csv")).unwrap()
            == fs::read(plain.dir.join("summary.csv")).unwrap()
    );
}

#[test]
fn sweep_and_compare_write_only_the_chosen_files() {
    let scenario = data_arg("reps_small.toml");
    let vary = "datacenter.copy_stations=20,40";
    let full = invoke_ok(&["sweep", &scenario, "--vary", vary]);
    let small = invoke_ok(&["sweep", &scenario, "--vary", vary, "--outputs", "summary"]);
    assert!(
        fs::read(full.dir.join("sweep.csv")).unwrap()
            == fs::read(small.dir.join("sweep.csv")).unwrap()
    );
    assert_eq!(
        entries(&small.dir.join("copy_stations=20")),
        ["run.json", "summary.csv"]
    );

    let candidate = "policy.creating_timeout=7d";
    let args = [
        "compare",
        scenario.as_str(),
        "--candidate",
        candidate,
        "--replications",
        "2",
    ];
    let full = invoke_ok(&args);
    let mut lean = args.to_vec();
    lean.extend(["--outputs", "summary", "--compress", "zstd"]);
    let lean = invoke_ok(&lean);
    for name in ["compare.csv", "compare.jobs.csv"] {
        assert!(
            fs::read(full.dir.join(name)).unwrap() == fs::read(lean.dir.join(name)).unwrap(),
            "{name}"
        );
    }
    let changed = fs::read_to_string(lean.dir.join("compare.jobs.csv")).unwrap();
    assert!(
        changed.lines().count() > 1,
        "jobs changed outcome: {changed}"
    );
    assert_eq!(
        entries(&lean.dir.join("baseline")),
        ["replications.csv", "run.json", "summary.csv"]
    );
}

#[test]
fn a_report_of_compressed_files_is_the_report_of_plain_ones() {
    let scenario = data_arg("report_small.toml");
    let plain = invoke_ok(&["run", &scenario, "--report"]);
    let zstd = invoke_ok(&["run", &scenario, "--report", "--compress", "zstd"]);
    // The report shows the command line, which differs (--compress, --out):
    // everything else is the same.
    let without_command = |dir: &Path| {
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        let kept: Vec<&str> = html
            .lines()
            .filter(|line| !line.starts_with("<dt>command</dt>"))
            .collect();
        assert_eq!(kept.len() + 1, html.lines().count(), "one command line");
        kept.join("\n")
    };
    assert!(without_command(&plain.dir) == without_command(&zstd.dir));
}

#[test]
fn unknown_outputs_and_impossible_reports_are_bad_input() {
    let check = |args: &[&str], words: &[&str]| {
        let failed = invoke(args);
        assert_eq!(failed.code, Some(2), "{args:?}: {}", failed.stderr);
        for word in words {
            assert!(
                failed.stderr.contains(word),
                "`{word}` missing: {}",
                failed.stderr
            );
        }
        assert!(!failed.stderr.contains("panicked"), "{}", failed.stderr);
        assert!(
            entries(failed.root()).is_empty(),
            "nothing written: {args:?}"
        );
    };
    let names = ["summary, timeseries, jobs, drives, events"];
    check(
        &["run", "--outputs", "summary,job"],
        &["unknown output `job`", names[0]],
    );
    check(
        &[
            "sweep",
            "--vary",
            "datacenter.copy_stations=20,40",
            "--outputs",
            "x",
        ],
        &names,
    );
    check(
        &[
            "compare",
            "--candidate",
            "policy.creating_timeout=7d",
            "--outputs",
            "",
        ],
        &names,
    );
    check(
        &["run", "--compress", "gzip"],
        &["unknown compression `gzip`"],
    );
    check(&["run", "--compress", "zstd:30"], &["zstd:LEVEL"]);
    check(
        &["run", "--outputs", "summary", "--report"],
        &["--report draws", "jobs,timeseries"],
    );
}
