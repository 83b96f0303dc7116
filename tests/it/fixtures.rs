//! `impexsim fixtures` and `impexsim calls` (issue 5): Get Job snapshots that
//! follow docs/model.md, What Get Job reports, and agree with the run's CSV files, call streams that are
//! legal sequences in time order, both valid against the JSON Schemas in
//! `schemas/`, golden outputs of a small scenario, and bad input.
//!
//! `fixtures_small.toml` is `quiet.toml` with two jobs (an import and an
//! export) whose every copy has errors; `fixtures_errors.toml` runs 200 jobs
//! with every rare event made common.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tempfile::TempDir;

use crate::{
    Invocation, Row, data, data_arg, impexsim, invoke_ok, parse_time, read_rows, run_scenario,
    start,
};

/// Everything one `impexsim fixtures` wrote.
struct Fixtures {
    _tmp: TempDir,
    dir: PathBuf,
    index: Vec<Row>,
}

impl Fixtures {
    /// Every snapshot with its index row, in index order.
    fn snapshots(&self) -> Vec<(&Row, Value)> {
        self.index
            .iter()
            .map(|row| (row, read_json(&self.dir.join(row.get("file")))))
            .collect()
    }

    /// The snapshots of each job, in time order.
    fn by_job(&self) -> BTreeMap<String, Vec<(DateTime<Utc>, Value)>> {
        let mut jobs: BTreeMap<String, Vec<(DateTime<Utc>, Value)>> = BTreeMap::new();
        for (row, snapshot) in self.snapshots() {
            jobs.entry(row.get("job").to_string())
                .or_default()
                .push((row.time_set("time"), snapshot));
        }
        for snapshots in jobs.values() {
            assert!(
                snapshots.windows(2).all(|w| w[0].0 < w[1].0),
                "a job's index rows are in time order, each instant once"
            );
        }
        jobs
    }

    fn jobs(&self) -> BTreeSet<String> {
        self.index
            .iter()
            .map(|r| r.get("job").to_string())
            .collect()
    }
}

#[track_caller]
fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Runs `impexsim fixtures tests/data/<scenario> <extra> --out <tmp> --quiet`.
#[track_caller]
fn fixtures(scenario: &str, extra: &[&str]) -> Fixtures {
    let path = data_arg(scenario);
    let mut args = vec!["fixtures", path.as_str()];
    args.extend_from_slice(extra);
    let Invocation { tmp, dir, .. } = invoke_ok(&args);
    Fixtures {
        index: read_rows(&dir.join("index.csv")),
        dir,
        _tmp: tmp,
    }
}

/// Runs `impexsim calls tests/data/<scenario> <extra> --out -` and returns
/// the text and its lines.
#[track_caller]
fn calls(scenario: &str, extra: &[&str]) -> (String, Vec<Value>) {
    let output = impexsim()
        .arg("calls")
        .arg(data(scenario))
        .args(extra)
        .args(["--out", "-", "--quiet"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "impexsim calls {scenario} {extra:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8 lines");
    let lines = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{line}: {err}")))
        .collect();
    (text, lines)
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn number(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a count in {value}"))
}

// ----- golden outputs ---------------------------------------------------------

/// The snapshots and calls of two jobs, reviewed by eye once: an import whose
/// first Shipping update lacks the return address (400, then 200), with
/// verbose logs and copy errors (both log URIs, `Closed`), and an export
/// that also gets an `incompleteBlobListUri`.
#[test]
fn golden_fixtures_of_a_small_scenario() {
    let fixtures = fixtures(
        "fixtures_small.toml",
        &["--on-change", "--at", "2026-01-12T02:00:00Z"],
    );
    let index = fs::read_to_string(fixtures.dir.join("index.csv")).unwrap();
    insta::assert_snapshot!("small_index_csv", index);
    for (name, file) in [
        (
            "small_import_created",
            "job-0000000/20260105T000000.000Z.json",
        ),
        (
            "small_import_copying",
            "job-0000000/20260112T020000.000Z.json",
        ),
        (
            "small_import_closed",
            "job-0000000/20260112T051640.000Z.json",
        ),
        (
            "small_export_closed",
            "job-0000001/20260113T051640.000Z.json",
        ),
    ] {
        let json = fs::read_to_string(fixtures.dir.join(file))
            .unwrap_or_else(|err| panic!("{file}: {err}"));
        insta::assert_snapshot!(name, json);
    }
    let (text, _) = calls("fixtures_small.toml", &[]);
    insta::assert_snapshot!("small_calls_jsonl", text);
}

// ----- docs/model.md, What Get Job reports ------------------------------------

/// Splits a log URI into (storage account, job, drive, timestamp, kind),
/// checking the service's naming convention on the way.
#[track_caller]
fn log_uri_parts(uri: &str) -> (String, String, String, String, String) {
    let rest = uri
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("{uri}"));
    let (account, path) = rest
        .split_once(".blob.core.windows.net/waimportexport/waies/")
        .unwrap_or_else(|| {
            panic!("{uri} does not follow <account>.blob.core.windows.net/<diagnosticsPath>/waies/")
        });
    let name = path.strip_suffix(".xml").unwrap_or_else(|| panic!("{uri}"));
    let parts: Vec<&str> = name.rsplitn(4, '_').collect();
    assert_eq!(parts.len(), 4, "{uri}");
    let (kind, timestamp, drive, job) = (parts[0], parts[1], parts[2], parts[3]);
    let digits = timestamp.replace('-', "");
    assert!(
        timestamp.len() == 19 && digits.len() == 17 && digits.bytes().all(|b| b.is_ascii_digit()),
        "{uri}: timestamp `{timestamp}` is not yyyyMMdd-HHmmss-fff"
    );
    (
        account.to_string(),
        job.to_string(),
        drive.to_string(),
        timestamp.to_string(),
        kind.to_string(),
    )
}

/// Issue 5: "every snapshot's states are consistent with" the Get Job rules
/// (docs/model.md, What Get Job reports)
/// (copyStatus absent before Transferring, errorLogUri only after a copy with
/// errors, verboseLogUri only with logLevel = Verbose, percentComplete within
/// 0..100 and non-decreasing over a job's snapshots)".
#[test]
fn snapshots_follow_spec_1_4() {
    let fixtures = fixtures("fixtures_errors.toml", &["--on-change", "--all"]);
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for (job, snapshots) in fixtures.by_job() {
        let mut job_percent = 0;
        let mut cancel_requested = false;
        // Per drive: (bytes, percent, shown Transferring, had a copyStatus).
        let mut drives: BTreeMap<String, (u64, u64, bool, bool)> = BTreeMap::new();
        for (time, snapshot) in &snapshots {
            let at = format!("{job} at {time}");
            let properties = &snapshot["properties"];
            assert_eq!(text(snapshot, "name"), Some(job.as_str()), "{at}");
            let percent = number(properties, "percentComplete");
            assert!(percent <= 100, "{at}: percentComplete {percent}");
            assert!(percent >= job_percent, "{at}: percentComplete fell");
            job_percent = percent;
            let cancel = properties["cancelRequested"].as_bool().unwrap();
            assert!(
                cancel || !cancel_requested,
                "{at}: cancelRequested went back"
            );
            cancel_requested = cancel;
            let verbose = text(properties, "logLevel") == Some("Verbose");
            let is_export = text(properties, "jobType") == Some("Export");
            assert_eq!(properties.get("export").is_some(), is_export, "{at}");
            if properties.get("incompleteBlobListUri").is_some() {
                assert!(is_export, "{at}: incompleteBlobListUri of an import");
                *seen.entry("incompleteBlobListUri".into()).or_default() += 1;
            }
            let mut shipped_back = 0;
            for drive in properties["driveList"].as_array().unwrap() {
                let id = text(drive, "driveId").unwrap().to_string();
                let at = format!("{at}, drive {id}");
                let state = text(drive, "state").unwrap();
                let copy_status = text(drive, "copyStatus");
                let entry = drives.entry(id.clone()).or_default();
                entry.2 |= state == "Transferring";
                // copyStatus: absent until the drive is first Transferring.
                if copy_status.is_some() {
                    assert!(
                        entry.2,
                        "{at}: copyStatus {copy_status:?} before Transferring"
                    );
                    entry.3 = true;
                } else {
                    assert!(!entry.3, "{at}: copyStatus disappeared");
                }
                match state {
                    "Specified" | "NeverReceived" => assert_eq!(copy_status, None, "{at}"),
                    "Transferring" | "Faulted" | "Completed" | "CompletedMoreInfo" => {
                        assert!(copy_status.is_some(), "{at}: {state} without copyStatus")
                    }
                    "Received" | "ShippedBack" => {}
                    other => panic!("{at}: unknown drive state {other}"),
                }
                if state == "ShippedBack" {
                    shipped_back += 1;
                }
                let finished = copy_status.is_some_and(|s| s.starts_with("Completed"));
                // errorLogUri only after a copy with errors; verboseLogUri
                // only with logLevel = Verbose, both once the copy finished.
                let error_log = drive.get("errorLogUri").and_then(Value::as_str);
                assert_eq!(
                    error_log.is_some(),
                    copy_status == Some("CompletedWithErrors"),
                    "{at}: errorLogUri and copyStatus {copy_status:?}"
                );
                let verbose_log = drive.get("verboseLogUri").and_then(Value::as_str);
                assert_eq!(
                    verbose_log.is_some(),
                    verbose && finished,
                    "{at}: verboseLogUri with logLevel {:?} and copyStatus {copy_status:?}",
                    text(properties, "logLevel")
                );
                for (uri, kind) in [(error_log, "error"), (verbose_log, "verbose")] {
                    if let Some(uri) = uri {
                        let (_, uri_job, uri_drive, _, uri_kind) = log_uri_parts(uri);
                        assert_eq!(
                            (uri_job.as_str(), uri_drive.as_str()),
                            (job.as_str(), id.as_str())
                        );
                        assert_eq!(uri_kind, kind);
                        *seen.entry(kind.into()).or_default() += 1;
                    }
                }
                let bytes = number(drive, "bytesSucceeded");
                let drive_percent = number(drive, "percentComplete");
                assert!(drive_percent <= 100, "{at}");
                assert!(bytes >= entry.0, "{at}: bytesSucceeded fell");
                assert!(drive_percent >= entry.1, "{at}: percentComplete fell");
                (entry.0, entry.1) = (bytes, drive_percent);
                if let Some(status) = copy_status {
                    *seen.entry(status.into()).or_default() += 1;
                }
            }
            // returnPackage only once drives were shipped back.
            if let Some(package) = properties.get("returnPackage") {
                assert!(
                    shipped_back > 0,
                    "{at}: returnPackage with nothing shipped back"
                );
                assert_eq!(number(package, "driveCount"), shipped_back, "{at}");
            }
        }
    }
    // The scenario exercises every path the rules speak of.
    for what in [
        "InProgress",
        "Faulted",
        "Retrying",
        "CompletedWithErrors",
        "CompletedWithWarnings",
        "CompletedWithInformation",
        "Completed",
        "error",
        "verbose",
        "incompleteBlobListUri",
    ] {
        assert!(
            seen.contains_key(what),
            "no snapshot showed {what}: {seen:?}"
        );
    }
}

/// Every snapshot agrees with `jobs.csv` and `drives.csv` of a plain run of
/// the same scenario (fixtures draw from streams of their own: docs/model.md, Randomness and
/// common random numbers).
#[test]
fn snapshots_agree_with_the_run() {
    let fixtures = fixtures("fixtures_errors.toml", &["--on-change", "--all"]);
    let run = run_scenario("fixtures_errors.toml", &[]);
    let jobs: BTreeMap<&str, &Row> = run.jobs.iter().map(|r| (r.get("job"), r)).collect();
    let drives: BTreeMap<(&str, &str), &Row> = run
        .drives
        .iter()
        .map(|r| ((r.get("job"), r.get("drive")), r))
        .collect();
    assert_eq!(
        fixtures.jobs(),
        jobs.keys().map(|s| s.to_string()).collect(),
        "--on-change snapshots every job (at its creation at least)"
    );
    for (name, snapshots) in fixtures.by_job() {
        let job = jobs[name.as_str()];
        for (time, snapshot) in &snapshots {
            let at = format!("{name} at {time}");
            assert!(job.time_set("created_at") <= *time, "{at}");
            if let Some(deleted_at) = job.time("deleted_at") {
                assert!(*time < deleted_at, "{at}: after the deletion");
            }
            let properties = &snapshot["properties"];
            assert_eq!(
                text(properties, "jobType"),
                Some(job.get("job_type")),
                "{at}"
            );
            let (mut bytes, mut data) = (0u128, 0u128);
            for drive in properties["driveList"].as_array().unwrap() {
                let id = text(drive, "driveId").unwrap();
                let row = drives
                    .get(&(name.as_str(), id))
                    .unwrap_or_else(|| panic!("{at}: drive {id} is not in drives.csv"));
                let drive_bytes = number(drive, "bytesSucceeded");
                assert!(
                    drive_bytes <= row.u64("bytes_succeeded"),
                    "{at}, drive {id}"
                );
                if !row.bool("extra") {
                    bytes += u128::from(drive_bytes);
                    data += u128::from(row.u64("data_bytes"));
                }
            }
            let expected = (bytes * 100).checked_div(data).unwrap_or(0);
            assert_eq!(
                u128::from(number(properties, "percentComplete")),
                expected,
                "{at}: floor(100 x sum bytesSucceeded / sum data) over the listed drives"
            );
        }
        let (_, last) = snapshots.last().unwrap();
        let properties = &last["properties"];
        match job.get("outcome") {
            outcome @ ("completed" | "closed") => {
                let state = text(properties, "state").unwrap();
                assert_eq!(state.to_lowercase(), outcome, "{name}: last snapshot");
                for drive in properties["driveList"].as_array().unwrap() {
                    let id = text(drive, "driveId").unwrap();
                    if text(drive, "state") == Some("ShippedBack") {
                        let row = drives[&(name.as_str(), id)];
                        assert_eq!(number(drive, "bytesSucceeded"), row.u64("bytes_succeeded"));
                    }
                }
            }
            "expired" => assert_eq!(text(properties, "state"), Some("Creating"), "{name}"),
            _ => {}
        }
        let cancelled = properties["cancelRequested"].as_bool().unwrap();
        if cancelled {
            assert!(
                job.bool("cancelled"),
                "{name}: cancelRequested of a job not cancelled"
            );
        }
    }
}

// ----- the JSON Schemas ---------------------------------------------------------

#[track_caller]
fn validator(file: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(file);
    let schema = read_json(&path);
    jsonschema::validator_for(&schema).unwrap_or_else(|err| panic!("{file}: {err}"))
}

#[track_caller]
fn assert_valid(validator: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}",
        errors.join("\n")
    );
}

/// Issue 5: "a test that validates generated output against them".
#[test]
fn outputs_match_their_json_schemas() {
    let responses = validator("job-response.schema.json");
    let fixtures = fixtures("fixtures_errors.toml", &["--on-change", "--at", "20d"]);
    let snapshots = fixtures.snapshots();
    for (row, snapshot) in &snapshots {
        assert_valid(&responses, snapshot, row.get("file"));
    }
    let lines = validator("customer-call.schema.json");
    let (_, calls) = calls("fixtures_errors.toml", &[]);
    for (number, call) in calls.iter().enumerate() {
        assert_valid(&lines, call, &format!("call line {}", number + 1));
    }
    // The schemas are not vacuous.
    let mut broken = snapshots[0].1.clone();
    broken["properties"]["state"] = Value::from("Lost");
    assert!(!responses.is_valid(&broken));
    let mut broken = calls[0].clone();
    broken["expect"]["status"] = Value::from(201);
    broken["method"] = Value::from("GET");
    assert!(!lines.is_valid(&broken));
}

// ----- customer calls -------------------------------------------------------------

/// Issue 5: "each job's call stream is a legal sequence (a PATCH
/// state=Shipping only after return address and delivery package were set,
/// else an expected 400)"; lines in time order; polls every
/// `customer.poll_interval` (3d here) from creation until one 404.
#[test]
fn call_streams_are_legal_sequences() {
    let (_, lines) = calls("fixtures_errors.toml", &[]);
    let run = run_scenario("fixtures_errors.toml", &[]);
    let jobs: BTreeMap<&str, &Row> = run.jobs.iter().map(|r| (r.get("job"), r)).collect();
    let times: Vec<DateTime<Utc>> = lines
        .iter()
        .map(|l| parse_time(text(l, "at").unwrap()))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "lines in time order"
    );

    let mut by_job: BTreeMap<&str, Vec<(DateTime<Utc>, &Value)>> = BTreeMap::new();
    for (line, time) in lines.iter().zip(&times) {
        by_job
            .entry(text(line, "job").unwrap())
            .or_default()
            .push((*time, line));
    }
    assert_eq!(by_job.len(), jobs.len(), "every job calls");
    let mut statuses: BTreeMap<(String, u64), u64> = BTreeMap::new();
    for (name, lines) in by_job {
        let job = jobs[name];
        let created_at = job.time_set("created_at");
        let (first_time, first) = lines[0];
        assert_eq!(text(first, "method"), Some("PUT"), "{name}: Put Job first");
        assert_eq!(first_time, created_at, "{name}");
        assert_eq!(
            first["expect"],
            serde_json::json!({"status": 201, "state": "Creating"})
        );
        let path = text(first, "path").unwrap();
        assert!(path.ends_with(&format!(
            "/providers/Microsoft.ImportExport/jobs/{name}?api-version=2016-11-01"
        )));
        let mut address = first["body"]["properties"].get("returnAddress").is_some();
        let mut gone = false;
        let mut polls = 0;
        let mut left_creating = false;
        for &(time, line) in &lines[1..] {
            let at = format!("{name} at {time}");
            assert_eq!(text(line, "path"), Some(path), "{at}: one path per job");
            let method = text(line, "method").unwrap();
            let status = number(&line["expect"], "status");
            let state = text(&line["expect"], "state");
            *statuses.entry((method.to_string(), status)).or_default() += 1;
            assert_eq!(state.is_none(), status == 404, "{at}: a state unless 404");
            if gone {
                assert_ne!(method, "GET", "{at}: a poll after the job was gone");
                assert_eq!(status, 404, "{at}: the job is gone");
            }
            match method {
                "GET" => {
                    polls += 1;
                    assert_eq!(
                        time,
                        created_at + crate::days(3 * polls),
                        "{at}: poll {polls}"
                    );
                    gone = status == 404;
                    if state == Some("Creating") {
                        assert!(!left_creating, "{at}: back to Creating");
                    } else if state.is_some() {
                        left_creating = true;
                    }
                }
                "PATCH" => {
                    let properties = &line["body"]["properties"];
                    if text(properties, "state") == Some("Shipping") {
                        let with_address = address || properties.get("returnAddress").is_some();
                        let with_package = properties.get("deliveryPackage").is_some();
                        match status {
                            200 => {
                                assert!(with_address && with_package, "{at}: accepted without them")
                            }
                            400 => assert!(!with_address, "{at}: rejected with a return address"),
                            409 | 404 => {}
                            other => panic!("{at}: Shipping update answered {other}"),
                        }
                        if !with_address && status != 404 && state == Some("Creating") {
                            assert_eq!(status, 400, "{at}: no return address: 400");
                        }
                        address |= status == 200;
                    } else {
                        assert!(matches!(status, 200 | 404 | 409), "{at}: {status}");
                    }
                }
                other => panic!("{at}: customers do not call {other}"),
            }
        }
        // Polls end with one 404 once the job is deleted, or at the end of
        // the run for a job still open then.
        if job.get("outcome") == "unfinished" {
            assert!(!gone, "{name}: unfinished jobs are never gone");
        } else {
            assert!(gone, "{name}: no final 404");
        }
    }
    for wanted in [("PATCH", 400), ("PATCH", 409), ("PATCH", 404), ("GET", 404)] {
        let key = (wanted.0.to_string(), wanted.1);
        assert!(statuses.contains_key(&key), "no {wanted:?} in {statuses:?}");
    }
}

/// A poll's expected state is the state the Get Job snapshots show then.
#[test]
fn polls_expect_what_the_snapshots_show() {
    let (_, lines) = calls("fixtures_errors.toml", &[]);
    let fixtures = fixtures("fixtures_errors.toml", &["--on-change", "--all"]);
    let mut states: BTreeMap<String, Vec<(DateTime<Utc>, String)>> = BTreeMap::new();
    for row in &fixtures.index {
        states
            .entry(row.get("job").to_string())
            .or_default()
            .push((row.time_set("time"), row.get("job_state").to_string()));
    }
    let mut checked = 0;
    for line in lines.iter().filter(|l| text(l, "method") == Some("GET")) {
        let Some(state) = text(&line["expect"], "state") else {
            continue;
        };
        let time = parse_time(text(line, "at").unwrap());
        let job = text(line, "job").unwrap();
        let shown = states[job]
            .iter()
            .take_while(|(t, _)| *t <= time)
            .last()
            .map(|(_, s)| s.as_str());
        assert_eq!(shown, Some(state), "{job} at {time}");
        checked += 1;
    }
    assert!(checked > 500, "only {checked} polls checked");
}

/// Every line carries its job's random-stream key, `<root>.<generation>`,
/// right after `job`: the root's arrival index and the follow-up generation,
/// which the job name spells too (`job-NNNNNNN`, `job-NNNNNNN-rG`).
#[test]
fn call_lines_carry_the_job_key() {
    let (text_lines, lines) = calls("fixtures_errors.toml", &[]);
    let mut follow_ups = 0;
    for (line, raw) in lines.iter().zip(text_lines.lines()) {
        let job = text(line, "job").unwrap();
        let key = text(line, "key").unwrap_or_else(|| panic!("no key in {raw}"));
        let (index, generation) = match job.trim_start_matches("job-").split_once("-r") {
            Some((index, generation)) => (index, generation),
            None => (job.trim_start_matches("job-"), "0"),
        };
        let expected = format!("{}.{generation}", index.parse::<u64>().unwrap());
        assert_eq!(key, expected, "{job}");
        follow_ups += usize::from(generation != "0");
        assert!(
            raw.starts_with(&format!(
                r#"{{"at":"{}","job":"{job}","key":"{key}","#,
                text(line, "at").unwrap()
            )),
            "key right after job: {raw}"
        );
    }
    assert!(follow_ups > 0, "no follow-up export in the stream");
}

#[test]
fn outputs_are_deterministic_for_a_seed() {
    let (first, _) = calls("fixtures_errors.toml", &[]);
    let (again, _) = calls("fixtures_errors.toml", &[]);
    assert!(first == again, "same scenario and seed, different calls");
    let (other_seed, _) = calls("fixtures_errors.toml", &["--seed", "6"]);
    assert!(first != other_seed, "--seed changes nothing");

    let one = fixtures("fixtures_errors.toml", &["--at", "20d"]);
    let two = fixtures("fixtures_errors.toml", &["--at", "20d"]);
    assert_eq!(one.index, two.index);
    for row in &one.index {
        let file = row.get("file");
        assert!(
            fs::read(one.dir.join(file)).unwrap() == fs::read(two.dir.join(file)).unwrap(),
            "{file} differs between two runs"
        );
    }
}

/// `--out FILE` writes what `--out -` prints.
#[test]
fn calls_file_holds_what_standard_output_shows() {
    let (printed, _) = calls("fixtures_small.toml", &[]);
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("sub").join("calls.jsonl");
    impexsim()
        .arg("calls")
        .arg(data("fixtures_small.toml"))
        .arg("--out")
        .arg(&file)
        .arg("--quiet")
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&file).unwrap(), printed);
    let names: Vec<_> = fs::read_dir(file.parent().unwrap()).unwrap().collect();
    assert_eq!(names.len(), 1, "nothing but the calls file is left behind");
}

// ----- selection --------------------------------------------------------------------

/// `--at` snapshots exactly the jobs that exist then: created, not deleted.
#[test]
fn at_snapshots_every_job_that_exists_then() {
    let instants = ["20d", "2026-02-20T12:00:00Z"];
    let fixtures = fixtures(
        "fixtures_errors.toml",
        &["--at", instants[0], "--at", instants[1]],
    );
    let run = run_scenario("fixtures_errors.toml", &[]);
    for instant in [start() + crate::days(20), parse_time(instants[1])] {
        let expected: BTreeSet<&str> = run
            .jobs
            .iter()
            .filter(|job| job.time_set("created_at") <= instant)
            .filter(|job| {
                job.time("deleted_at")
                    .is_none_or(|deleted| instant < deleted)
            })
            .map(|job| job.get("job"))
            .collect();
        let got: BTreeSet<&str> = fixtures
            .index
            .iter()
            .filter(|row| row.time_set("time") == instant)
            .map(|row| row.get("job"))
            .collect();
        assert!(expected.len() > 20, "a busy instant");
        assert_eq!(got, expected, "jobs at {instant}");
    }
    assert!(fixtures.index.iter().all(|row| {
        let time = row.time_set("time");
        time == start() + crate::days(20) || time == parse_time(instants[1])
    }));
}

/// `--where EVENT` keeps the jobs that met it; `--jobs N` the first N.
#[test]
fn where_and_jobs_pick_jobs_that_met_the_event() {
    let run = run_scenario("fixtures_errors.toml", &[]);
    let met = |event: &str| -> Vec<String> {
        run.jobs
            .iter()
            .filter(|job| job.events().contains(&event))
            .map(|job| job.get("job").to_string())
            .collect()
    };
    let all = fixtures("fixtures_errors.toml", &["--where", "drive_fault"]);
    let expected = met("drive_fault");
    assert!(expected.len() > 5);
    assert_eq!(all.jobs(), expected.iter().cloned().collect());

    let both = fixtures(
        "fixtures_errors.toml",
        &[
            "--where",
            "orphan_drives",
            "--where",
            "return_address_missing",
        ],
    );
    let expected: BTreeSet<String> = met("orphan_drives")
        .into_iter()
        .filter(|job| met("return_address_missing").contains(job))
        .collect();
    assert_eq!(both.jobs(), expected);

    let first = fixtures(
        "fixtures_errors.toml",
        &["--where", "orphan_drives", "--jobs", "3"],
    );
    // Jobs are written in the order of jobs.csv.
    let expected: BTreeSet<String> = met("orphan_drives").into_iter().take(3).collect();
    assert_eq!(first.jobs(), expected);
}

/// `--cover` picks a few jobs that together show every job state, drive
/// state and event that all the jobs show.
#[test]
fn cover_shows_every_state_and_event() {
    let run = run_scenario("fixtures_errors.toml", &[]);
    let everything = fixtures("fixtures_errors.toml", &["--on-change", "--all"]);
    let cover = fixtures("fixtures_errors.toml", &["--cover"]);
    let features = |fixtures: &Fixtures| -> BTreeSet<String> {
        let jobs = fixtures.jobs();
        let mut features = BTreeSet::new();
        for row in &fixtures.index {
            features.insert(format!("job {}", row.get("job_state")));
            for drive in row.get("drive_states").split(';').filter(|d| !d.is_empty()) {
                let (_, state) = drive.split_once(':').unwrap();
                features.insert(format!("drive {state}"));
            }
        }
        for job in run.jobs.iter().filter(|job| jobs.contains(job.get("job"))) {
            for event in job.events() {
                features.insert(format!("event {event}"));
            }
        }
        features
    };
    let all = features(&everything);
    assert_eq!(
        all.iter().filter(|f| f.starts_with("event ")).count(),
        20,
        "fixtures_errors.toml meets every event: {all:?}"
    );
    assert_eq!(features(&cover), all);
    let n_jobs = cover.jobs().len();
    assert!(n_jobs <= 15, "--cover kept {n_jobs} jobs");
}

// ----- bad input ------------------------------------------------------------------

/// Runs a failing command with `--out` in a fresh directory; returns the exit
/// code and standard error, and checks that nothing was left behind.
#[track_caller]
fn fail(args: &[&str]) -> (i32, String) {
    let tmp = TempDir::new().unwrap();
    let output = impexsim()
        .args(args)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--quiet")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{args:?} succeeded");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{args:?} left {left:?} behind");
    (output.status.code().unwrap(), stderr)
}

#[test]
fn unknown_where_event_is_bad_input() {
    let scenario = data("fixtures_small.toml");
    let scenario = scenario.to_str().unwrap();
    let (code, stderr) = fail(&["fixtures", scenario, "--where", "orphans"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--where `orphans`: unknown event"),
        "{stderr}"
    );
    assert!(
        stderr.contains("orphan_drives"),
        "the valid names are listed: {stderr}"
    );
}

#[test]
fn at_outside_the_simulated_time_is_bad_input() {
    let scenario = data("fixtures_small.toml");
    let scenario = scenario.to_str().unwrap();
    // horizon 10d + drain_limit 400d.
    for at in ["411d", "2026-01-04T23:59:59Z", "tomorrow"] {
        let (code, stderr) = fail(&["fixtures", scenario, "--at", at]);
        assert_eq!(code, 2, "--at {at}: {stderr}");
        assert!(stderr.contains(&format!("--at `{at}`")), "{stderr}");
    }
    let (_, stderr) = fail(&["fixtures", scenario, "--at", "411d"]);
    assert!(
        stderr.contains(
            "outside the simulated time 2026-01-05T00:00:00.000Z .. 2027-02-19T00:00:00.000Z"
        ),
        "{stderr}"
    );
}

#[test]
fn poll_interval_must_be_positive() {
    let (code, stderr) = fail(&["calls", "--set", "customer.poll_interval=0s"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("customer.poll_interval"), "{stderr}");
}

#[test]
fn unwritable_output_is_an_io_failure() {
    let tmp = TempDir::new().unwrap();
    let blocker = tmp.path().join("a-file");
    fs::write(&blocker, "not a directory").unwrap();
    let scenario = data("fixtures_small.toml");
    for command in ["fixtures", "calls"] {
        let output = impexsim()
            .arg(command)
            .arg(&scenario)
            .arg("--out")
            .arg(blocker.join("out"))
            .arg("--quiet")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command}: {stderr}");
        assert!(stderr.contains("cannot write"), "{command}: {stderr}");
    }
}

/// An existing directory is replaced only when it is an earlier fixtures output.
#[test]
fn fixtures_replace_only_their_own_output() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("mine");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "keep me").unwrap();
    let scenario = data("fixtures_small.toml");
    let run = |out: &Path| {
        impexsim()
            .arg("fixtures")
            .arg(&scenario)
            .arg("--out")
            .arg(out)
            .arg("--quiet")
            .output()
            .unwrap()
    };
    let output = run(&out);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("refusing to replace"));
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me"
    );

    let fresh = tmp.path().join("fixtures");
    assert!(run(&fresh).status.success());
    assert!(
        run(&fresh).status.success(),
        "an earlier output is replaced"
    );
    assert!(fresh.join("index.csv").is_file());
}
