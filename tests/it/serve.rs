//! `impexsim serve`: the binary started on 127.0.0.1 port 0, driven over
//! HTTP by a small client of the test's own: the lifecycle of a client's
//! job on the manual clock at hand-computed instants (constant delays of
//! `tests/data/quiet.toml`), a lost package, a served job against the batch
//! run's row, every refusal with its status and ARM body, a port in use,
//! the record written at SIGINT, a flood of refused requests that leaves the
//! server's memory as it was, and the closed loop of `calls`, `serve
//! --clock requests` and `replay`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::{data, data_arg, impexsim, read_rows};

/// The longest a server may take to start, stop or answer.
const LIMIT: Duration = Duration::from_secs(60);

const API: &str = "api-version=2016-11-01";
const SUB: &str = "11111111-2222-3333-4444-555555555555";

/// A running `impexsim serve`.
struct Server {
    child: Child,
    address: String,
    /// Holds the record; `None` once `stop` handed it over.
    tmp: Option<TempDir>,
}

impl Server {
    /// Starts `impexsim serve <args> --listen 127.0.0.1:0 --out <tmp>/out`
    /// and reads where it listens from its first line.
    fn start(args: &[&str]) -> Server {
        let tmp = TempDir::new().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_impexsim"))
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--quiet"])
            .arg("--out")
            .arg(tmp.path().join("out"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = send.send(line);
        });
        let line = match receive.recv_timeout(LIMIT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not say where it listens");
            }
        };
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line: {line:?}"))
            .to_string();
        Server {
            child,
            address,
            tmp: Some(tmp),
        }
    }

    fn job(&self, rg: &str, name: &str) -> String {
        format!(
            "/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs/{name}?{API}"
        )
    }

    /// One request with a bearer token.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let headers = [("Authorization", "Bearer test-token")];
        let body = body.map(|b| b.to_string());
        http(&self.address, method, path, &headers, body.as_deref())
    }

    /// Moves the manual clock to `start + ms`.
    fn clock_to(&self, ms: i64) {
        let to = (crate::start() + chrono::TimeDelta::milliseconds(ms))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (status, body) = self.call("POST", "/impexsim/clock", Some(&json!({ "to": to })));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["time"], to.as_str());
    }

    /// The job's state and its drives' states.
    fn states(&self, rg: &str, name: &str) -> (String, Vec<String>) {
        let (status, body) = self.call("GET", &self.job(rg, name), None);
        assert_eq!(status, 200, "{body}");
        let drives = body["properties"]["driveList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["state"].as_str().unwrap().to_string())
            .collect();
        (
            body["properties"]["state"].as_str().unwrap().to_string(),
            drives,
        )
    }

    /// SIGINT, then waits (bounded) for exit; returns the exit code, the
    /// standard error and the record directory.
    fn stop(mut self) -> (Option<i32>, String, PathBuf, TempDir) {
        let killed = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let began = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if began.elapsed() > LIMIT {
                let _ = self.child.kill();
                panic!("serve did not stop after SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let tmp = self.tmp.take().expect("stopped once");
        let dir = tmp.path().join("out");
        (status.code(), stderr, dir, tmp)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`); the
/// answer's status and its body as JSON (`null` when empty).
fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() || matches!(method, "PUT" | "PATCH" | "POST") {
        request.push_str("Content-Type: application/json\r\n");
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a complete answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    };
    (status, body)
}

/// Put Job's body: an import job of the given drives, with or without a
/// return address.
fn import_job(drives: &[&str], return_address: bool) -> Value {
    let drive_list: Vec<Value> = drives
        .iter()
        .map(|id| json!({ "driveId": id, "bitLockerKey": format!("key-{id}"), "manifestFile": "\\DriveManifest.xml", "manifestHash": "AB12" }))
        .collect();
    let mut properties = json!({
        "storageAccountId": format!("/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/acct"),
        "jobType": "Import",
        "logLevel": "Error",
        "diagnosticsPath": "waimportexport",
        "backupDriveManifest": false,
        "driveList": drive_list,
    });
    if return_address {
        properties["returnAddress"] = return_address_body();
    }
    json!({ "location": "West US", "properties": properties })
}

fn return_address_body() -> Value {
    json!({
        "recipientName": "Test Team", "streetAddress1": "1 Test Street", "city": "Redmond",
        "postalCode": "98052", "countryOrRegion": "USA", "phone": "+1 425 555 0100",
        "email": "team@example.com"
    })
}

fn shipping_body() -> Value {
    json!({ "properties": {
        "state": "Shipping",
        "returnAddress": return_address_body(),
        "deliveryPackage": { "carrierName": "FedEx", "trackingNumber": "123456789012" },
    }})
}

const MS_PER_HOUR: i64 = 3_600_000;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

fn strings(states: &[&str]) -> Vec<String> {
    states.iter().map(|s| s.to_string()).collect()
}

/// Issue 11: advancing the manual clock takes a client's job through
/// `Shipping -> Received -> Transferring -> Packaging -> Completed` with its
/// drives `Specified -> Received -> Transferring -> Completed ->
/// ShippedBack`, at the instants `tests/data/quiet.toml` gives. The package
/// goes to the carrier with the Shipping update at 1d; by hand: delivered
/// after transit 2d, Received after receive_lag 1d + receive_time 1h (4d 1h),
/// Transferring after copy_lag 2d (6d 1h), both drives copied in parallel in
/// 30m + 10^12 B / 100 MB/s = 30m + 10000s (Packaging), packed in 1h
/// (Completed, drives shipped back).
#[test]
fn the_manual_clock_takes_a_clients_job_through_its_lifecycle_at_hand_computed_times() {
    let server = Server::start(&[&data_arg("quiet.toml"), "--manual-clock", "--no-background"]);
    let job = server.job("rg-a", "lifecycle");
    let (status, body) = server.call(
        "PUT",
        &job,
        Some(&import_job(&["0000AAA1", "0000AAA2"], false)),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["properties"]["state"], "Creating");

    server.clock_to(MS_PER_DAY);
    let (status, body) = server.call("PATCH", &job, Some(&shipping_body()));
    assert_eq!(status, 200, "{body}");
    let h = MS_PER_DAY;
    let received = h + 3 * MS_PER_DAY + MS_PER_HOUR;
    let transferring = received + 2 * MS_PER_DAY;
    let packaging = transferring + 30 * 60_000 + 10_000_000;
    let completed = packaging + MS_PER_HOUR;
    let steps = [
        (
            received,
            "Shipping",
            ["Specified", "Specified"],
            "Received",
            ["Received", "Received"],
        ),
        (
            transferring,
            "Received",
            ["Received", "Received"],
            "Transferring",
            ["Transferring", "Transferring"],
        ),
        (
            packaging,
            "Transferring",
            ["Transferring", "Transferring"],
            "Packaging",
            ["Completed", "Completed"],
        ),
        (
            completed,
            "Packaging",
            ["Completed", "Completed"],
            "Completed",
            ["ShippedBack", "ShippedBack"],
        ),
    ];
    for (at, before, drives_before, after, drives_after) in steps {
        server.clock_to(at - 1);
        assert_eq!(
            server.states("rg-a", "lifecycle"),
            (before.to_string(), strings(&drives_before)),
            "1 ms before {after}"
        );
        server.clock_to(at);
        assert_eq!(
            server.states("rg-a", "lifecycle"),
            (after.to_string(), strings(&drives_after)),
            "at {after}"
        );
    }
    let (_, body) = server.call("GET", &job, None);
    assert_eq!(body["properties"]["percentComplete"], 100);
}

/// docs/model.md, Overdue package: a package lost for good, a customer who
/// never answers: the drives are `NeverReceived` at Shipping +
/// shipping_timeout (14d), the job `Closed` at Shipping + shipping_timeout +
/// customer_response_window (30d), seen through Get Job.
#[test]
fn a_lost_package_closes_the_job_with_its_drives_never_received() {
    let server = Server::start(&[
        &data_arg("lost_no_answer.toml"),
        "--manual-clock",
        "--no-background",
    ]);
    let job = server.job("rg-a", "lost");
    let (status, _) = server.call("PUT", &job, Some(&import_job(&["0000BBB1"], true)));
    assert_eq!(status, 201);
    server.clock_to(MS_PER_DAY);
    let (status, body) = server.call("PATCH", &job, Some(&shipping_body()));
    assert_eq!(status, 200, "{body}");
    let overdue = MS_PER_DAY + 14 * MS_PER_DAY;
    let closed = overdue + 30 * MS_PER_DAY;
    server.clock_to(overdue - 1);
    assert_eq!(
        server.states("rg-a", "lost"),
        ("Shipping".into(), strings(&["Specified"]))
    );
    server.clock_to(overdue);
    assert_eq!(
        server.states("rg-a", "lost"),
        ("Shipping".into(), strings(&["NeverReceived"]))
    );
    server.clock_to(closed - 1);
    assert_eq!(server.states("rg-a", "lost").0, "Shipping");
    server.clock_to(closed);
    assert_eq!(
        server.states("rg-a", "lost"),
        ("Closed".into(), strings(&["NeverReceived"]))
    );
}

/// Issue 11: a job driven through `serve` with the same calls and seed as
/// a job of `run` ends with the same row. The client replays the
/// scenario's job 0 (its stream key `0.0`, as `impexsim replay` sends it):
/// Put Job at the start, the Shipping update at ship_delay (2d); the clock
/// then runs past the job's retention, so the row is final. The record
/// written at SIGINT holds every file, and `requests.csv` every request.
#[cfg(unix)]
#[test]
fn a_served_job_ends_with_the_batch_runs_row_and_sigint_writes_the_record() {
    let run = crate::run_scenario("quiet.toml", &[]);
    let server = Server::start(&[&data_arg("quiet.toml"), "--manual-clock", "--no-background"]);
    let job = server.job("rg-a", "job-0000000");
    let key = [("Authorization", "Bearer t"), ("x-impexsim-job-key", "0.0")];
    let body = import_job(&["0000CCC1", "0000CCC2"], true).to_string();
    let (status, _) = http(&server.address, "PUT", &job, &key, Some(&body));
    assert_eq!(status, 201);
    server.clock_to(2 * MS_PER_DAY);
    let (status, body) = server.call("PATCH", &job, Some(&shipping_body()));
    assert_eq!(status, 200, "{body}");
    server.clock_to(200 * MS_PER_DAY);
    let (status, _) = server.call("GET", &job, None);
    assert_eq!(status, 404, "deleted after its retention");
    let (code, stderr, dir, _tmp) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    for file in [
        "jobs.csv",
        "drives.csv",
        "summary.csv",
        "run.json",
        "requests.csv",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let served = read_rows(&dir.join("jobs.csv"));
    assert_eq!(served.len(), 1);
    let batch = &run.jobs;
    assert_eq!(batch.len(), 1);
    for column in [
        "job",
        "job_type",
        "drives",
        "extra_drives",
        "outcome",
        "cancelled",
        "faults",
        "created_at",
        "shipping_at",
        "received_at",
        "transferring_at",
        "packaging_at",
        "finished_at",
        "deleted_at",
        "deletion_reason",
        "end_to_end_days",
        "events",
    ] {
        assert_eq!(served[0].get(column), batch[0].get(column), "{column}");
    }
    let requests = read_rows(&dir.join("requests.csv"));
    let methods: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.get("method"), r.get("status")))
        .collect();
    assert_eq!(
        methods,
        [
            ("PUT", "201"),
            ("POST", "200"),
            ("PATCH", "200"),
            ("POST", "200"),
            ("GET", "404")
        ]
    );
}

/// Every refusal with its status and the ARM error body
/// `{"error":{"code","message"}}`.
#[test]
fn bad_requests_get_their_status_and_an_arm_error_body() {
    let server = Server::start(&[&data_arg("quiet.toml"), "--manual-clock", "--no-background"]);
    let job = server.job("rg-a", "mine");
    let put = import_job(&["0000DDD1"], false).to_string();
    let check = |(status, body): (u16, Value), expected: u16, code: &str, says: &str| {
        assert_eq!(status, expected, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    };
    // Authorization: none, another scheme, an empty token.
    check(
        http(&server.address, "GET", &job, &[], None),
        401,
        "AuthenticationFailed",
        "Bearer",
    );
    check(
        http(
            &server.address,
            "GET",
            &job,
            &[("Authorization", "Basic dXNlcjpwYXNz")],
            None,
        ),
        401,
        "AuthenticationFailed",
        "Bearer",
    );
    check(
        http(
            &server.address,
            "GET",
            &job,
            &[("Authorization", "Bearer ")],
            None,
        ),
        401,
        "AuthenticationFailed",
        "Bearer",
    );
    // api-version.
    let no_version = job.replace(&format!("?{API}"), "");
    check(
        server.call("GET", &no_version, None),
        400,
        "MissingApiVersionParameter",
        "api-version",
    );
    check(
        server.call("GET", &job.replace("2016-11-01", "2019-01-01"), None),
        400,
        "InvalidApiVersionParameter",
        "2019-01-01",
    );
    // Bodies and names.
    let auth = [("Authorization", "Bearer t")];
    check(
        http(
            &server.address,
            "PUT",
            &job,
            &auth,
            Some("{\"properties\": {\n  \"jobType\": }"),
        ),
        400,
        "InvalidRequestContent",
        "line 2 column",
    );
    check(
        http(&server.address, "PUT", &job, &auth, Some("not json")),
        400,
        "InvalidRequestContent",
        "at line 1 column",
    );
    check(
        server.call(
            "PUT",
            &server.job("rg-a", "Bad.Name"),
            Some(&import_job(&["0000DDD1"], false)),
        ),
        400,
        "InvalidResourceName",
        "Bad.Name",
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("0000E0{i:02X}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    check(
        server.call("PUT", &job, Some(&import_job(&eleven, false))),
        400,
        "InvalidDriveCount",
        "11",
    );
    // Unknown job.
    check(
        server.call("GET", &server.job("rg-a", "nobody"), None),
        404,
        "ResourceNotFound",
        "nobody",
    );
    check(
        server.call(
            "PATCH",
            &server.job("rg-a", "nobody"),
            Some(&shipping_body()),
        ),
        404,
        "ResourceNotFound",
        "nobody",
    );
    // Shipping without a return address, then without a delivery package.
    let (status, _) = http(&server.address, "PUT", &job, &auth, Some(&put));
    assert_eq!(status, 201);
    check(
        server.call("PATCH", &job, Some(&json!({"properties": {"state": "Shipping", "deliveryPackage": {"carrierName": "DHL", "trackingNumber": "1"}}}))),
        400,
        "MissingReturnAddress",
        "returnAddress",
    );
    check(
        server.call("PATCH", &job, Some(&json!({"properties": {"state": "Shipping", "returnAddress": return_address_body()}}))),
        400,
        "MissingDeliveryPackage",
        "deliveryPackage",
    );
    // 409: Delete, Shipping again and Put in a state that does not allow them.
    let (status, _) = server.call("PATCH", &job, Some(&shipping_body()));
    assert_eq!(status, 200);
    check(
        server.call("DELETE", &job, None),
        409,
        "InvalidJobState",
        "Shipping",
    );
    check(
        server.call("PATCH", &job, Some(&shipping_body())),
        409,
        "InvalidJobState",
        "Shipping",
    );
    check(
        server.call("PUT", &job, Some(&import_job(&["0000DDD1"], true))),
        409,
        "InvalidJobState",
        "Shipping",
    );
    // A cancellation outside policy.cancellable_states (Creating, Shipping):
    // shipped at 0, the job is Transferring from 5d 1h (see the lifecycle test).
    server.clock_to(5 * MS_PER_DAY + 2 * MS_PER_HOUR);
    assert_eq!(server.states("rg-a", "mine").0, "Transferring");
    check(
        server.call(
            "PATCH",
            &job,
            Some(&json!({"properties": {"cancelRequested": true}})),
        ),
        409,
        "InvalidJobState",
        "Creating or Shipping",
    );
    // The clock never goes back.
    let (status, body) = server.call(
        "POST",
        "/impexsim/clock",
        Some(&json!({"to": "2026-01-05T00:00:00Z"})),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("InvalidClockRequest"))
    );
}

/// Listings: by resource group and by subscription, `$top` over all pages,
/// `$filter` by state, and a `nextLink` followed verbatim.
#[test]
fn listings_page_with_verbatim_next_links_top_and_filter() {
    let server = Server::start(&[
        &data_arg("quiet.toml"),
        "--manual-clock",
        "--no-background",
        "--page-size",
        "2",
    ]);
    for (rg, name) in [
        ("rg-a", "a1"),
        ("rg-a", "a2"),
        ("rg-a", "a3"),
        ("rg-b", "b1"),
        ("rg-b", "b2"),
    ] {
        let (status, _) = server.call(
            "PUT",
            &server.job(rg, name),
            Some(&import_job(&["0000FFF1"], true)),
        );
        assert_eq!(status, 201);
    }
    let (status, _) = server.call("PATCH", &server.job("rg-b", "b2"), Some(&shipping_body()));
    assert_eq!(status, 200);
    let list = |path: String| -> Vec<String> {
        let mut names = Vec::new();
        let mut next = Some(path);
        for _ in 0..10 {
            let Some(path) = next.take() else { break };
            let (status, body) = server.call("GET", &path, None);
            assert_eq!(status, 200, "{body}");
            let page = body["value"].as_array().unwrap();
            assert!(page.len() <= 2, "page size");
            names.extend(
                page.iter()
                    .map(|job| job["name"].as_str().unwrap().to_string()),
            );
            next = body["nextLink"].as_str().map(|link| {
                let path = link
                    .strip_prefix(&format!("http://{}", server.address))
                    .expect("an absolute link");
                assert!(path.contains(API), "{link}");
                path.to_string()
            });
        }
        assert!(next.is_none(), "more than 10 pages");
        names
    };
    let group = |rg: &str, query: &str| {
        list(format!(
            "/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs?{API}{query}"
        ))
    };
    let subscription = |query: &str| {
        list(format!(
            "/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?{API}{query}"
        ))
    };
    assert_eq!(group("rg-a", ""), ["a1", "a2", "a3"]);
    assert_eq!(group("rg-b", ""), ["b1", "b2"]);
    assert_eq!(subscription(""), ["a1", "a2", "a3", "b1", "b2"]);
    assert_eq!(subscription("&$top=3"), ["a1", "a2", "a3"]);
    assert_eq!(
        subscription("&%24filter=state%20eq%20%27Shipping%27"),
        ["b2"]
    );
    assert_eq!(
        subscription(
            "&$top=4&$filter=state eq 'Creating'"
                .replace(' ', "%20")
                .as_str()
        ),
        ["a1", "a2", "a3", "b1"]
    );
    let (status, body) = server.call("GET", &format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?{API}&$filter=name%20eq%20%27x%27"), None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("InvalidQueryParameterValue"))
    );
}

/// A listing whose `$top` is used up ends there: its last page has no
/// `nextLink`, though more jobs match (the JavaScript client's pager had
/// followed one to an empty page).
#[test]
fn a_listing_that_reached_top_gives_no_next_link() {
    let server = Server::start(&[
        &data_arg("quiet.toml"),
        "--manual-clock",
        "--no-background",
        "--page-size",
        "2",
    ]);
    for name in ["t1", "t2", "t3", "t4"] {
        let (status, _) = server.call(
            "PUT",
            &server.job("rg-top", name),
            Some(&import_job(&["0000FFF1"], true)),
        );
        assert_eq!(status, 201);
    }
    let jobs = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-top/providers/Microsoft.ImportExport/jobs?{API}"
    );
    let names = |body: &Value| -> Vec<String> {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|job| job["name"].as_str().unwrap().to_string())
            .collect()
    };
    // $top=2: one full page, and the top is reached with it.
    let (status, body) = server.call("GET", &format!("{jobs}&$top=2"), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["t1", "t2"]);
    assert!(body.get("nextLink").is_none(), "{body}");
    // $top=3: a full page with a link, then one job and no link.
    let (status, body) = server.call("GET", &format!("{jobs}&$top=3"), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["t1", "t2"]);
    let link = body["nextLink"]
        .as_str()
        .expect("a second page")
        .to_string();
    let path = link
        .strip_prefix(&format!("http://{}", server.address))
        .expect("an absolute link");
    let (status, body) = server.call("GET", path, None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["t3"]);
    assert!(body.get("nextLink").is_none(), "{body}");
    // Without $top, the page that leaves jobs behind links to them.
    let (status, body) = server.call("GET", &jobs, None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["t1", "t2"]);
    assert!(body["nextLink"].is_string(), "{body}");
}

/// Issue 11: "a port in use (exit 1, clear message)".
#[test]
fn a_port_in_use_exits_1_with_a_clear_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let tmp = TempDir::new().unwrap();
    let output = impexsim()
        .args(["serve", "--no-background", "--listen", &address, "--out"])
        .arg(tmp.path().join("out"))
        .timeout(LIMIT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
    assert!(stderr.to_lowercase().contains("in use"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!tmp.path().join("out").exists(), "nothing left behind");
}

/// Issue 12, the closed loop: the calls of `tests/data/closed_loop.toml`
/// (faults, overdue packages, orphans, cancellations), replayed in order
/// against `serve --clock requests` on the same scenario and seed, meet
/// every expectation: zero mismatches, none applied late.
#[cfg(unix)]
#[test]
fn calls_replayed_against_serve_on_the_request_clock_meet_every_expectation() {
    let scenario = data("closed_loop.toml");
    let tmp = TempDir::new().unwrap();
    let calls = tmp.path().join("calls.jsonl");
    impexsim()
        .arg("calls")
        .arg(&scenario)
        .arg("--out")
        .arg(&calls)
        .arg("--quiet")
        .timeout(LIMIT)
        .assert()
        .success();
    let lines = std::fs::read_to_string(&calls).unwrap().lines().count();
    assert!(lines > 1000, "{lines} calls");
    let server = Server::start(&[
        &data_arg("closed_loop.toml"),
        "--clock",
        "requests",
        "--no-background",
    ]);
    let out = tmp.path().join("replay");
    let replayed = impexsim()
        .arg("replay")
        .arg(&calls)
        .args(["--target", &format!("http://{}", server.address)])
        .args(["--as-fast-as-possible", "--concurrency", "1", "--quiet"])
        .args(["--threshold", "mismatches==0"])
        .arg("--out")
        .arg(&out)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&replayed.stderr);
    let summary = std::fs::read_to_string(out.join("replay-summary.csv")).unwrap_or_default();
    assert_eq!(replayed.status.code(), Some(0), "{stderr}\n{summary}");
    let metric = |name: &str| -> String {
        summary
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name},")))
            .unwrap_or_else(|| panic!("no {name}"))
            .to_string()
    };
    assert_eq!(metric("requests"), lines.to_string());
    assert_eq!(metric("mismatches"), "0");
    let (status, clock) = http(&server.address, "GET", "/impexsim/clock", &[], None);
    assert_eq!(status, 200);
    assert_eq!(clock["lateRequests"], 0, "{clock}");
    let (code, stderr, dir, _tmp) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    let requests = read_rows(&dir.join("requests.csv"));
    assert_eq!(requests.len(), lines + 1, "every call and the clock read");
}

/// The Python interpreter of the virtual environment `.ci/run` creates
/// with the official client installed.
fn client_python() -> Option<PathBuf> {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    python.is_file().then_some(python)
}

/// Issue 11: the official Python client `azure-mgmt-storageimportexport`
/// (`tests/python/official_client.py`) creates a job, is refused Shipping
/// without a return address (code and message), sets the address and
/// package, sets Shipping, cancels a second job, lists two resource groups
/// across pages, reads BitLocker keys, deletes a Creating job and sees the
/// manual clock take the first job to Completed.
#[test]
fn the_official_python_client_drives_a_job_to_completed() {
    let Some(python) = client_python() else {
        eprintln!(
            "SKIPPED the_official_python_client_drives_a_job_to_completed: no .venv/bin/python; \
             .ci/run creates it (python3 -m venv .venv && .venv/bin/pip install \
             azure-mgmt-storageimportexport msrest)"
        );
        return;
    };
    run_client_script(&python, "tests/python/official_client.py");
}

/// Runs an official client's script (`script`, from the repository's root)
/// with `program` against a server on the quiet scenario's manual clock
/// with pages of 2 jobs; checks that it exits 0 having printed its 8
/// `ok:` lines, and returns the server, still running.
fn run_client_script(program: &std::path::Path, script: &str) -> Server {
    let server = Server::start(&[
        &data_arg("quiet.toml"),
        "--manual-clock",
        "--no-background",
        "--page-size",
        "2",
    ]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let output = assert_cmd::Command::new(program)
        .arg(script)
        .arg(format!("http://{}", server.address))
        .timeout(LIMIT)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
        8,
        "{stdout}"
    );
    server
}

/// `node` on the PATH, if `tests/js/node_modules` holds the official
/// JavaScript client (`.ci/run` installs it with `npm ci`).
fn client_node() -> Result<PathBuf, String> {
    let modules = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/js/node_modules/@azure/arm-storageimportexport/package.json");
    if !modules.is_file() {
        return Err(format!("no {}", modules.display()));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("node"))
        .find(|node| node.is_file())
        .ok_or_else(|| "no node on the PATH".to_string())
}

/// The official JavaScript client `@azure/arm-storageimportexport`
/// (api-version 2021-01-01; `tests/js/official_client.mjs`) takes the
/// steps of the Python one: creates and gets a job, is refused Shipping
/// without a return address (RestError with code and message), sets the
/// address and package, sets Shipping, cancels a second job, lists two
/// resource groups and the subscription across pages (`$top`, `$filter`),
/// reads BitLocker keys, deletes a Creating job, is refused deleting a
/// Shipping one, and sees the manual clock take the first job to Completed.
#[test]
fn the_official_javascript_client_drives_a_job_to_completed() {
    let node = match client_node() {
        Ok(node) => node,
        Err(missing) => {
            eprintln!(
                "SKIPPED the_official_javascript_client_drives_a_job_to_completed: {missing}; \
                 .ci/run installs it (cd tests/js && npm ci)"
            );
            return;
        }
    };
    let server = run_client_script(&node, "tests/js/official_client.mjs");
    let (code, stderr, dir, _tmp) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    // Every call of the client carried its api-version.
    let requests = std::fs::read_to_string(dir.join("requests.csv")).unwrap();
    let api: Vec<&str> = requests
        .lines()
        .filter(|line| line.contains("Microsoft.ImportExport"))
        .collect();
    assert!(api.len() > 20, "{requests}");
    assert!(
        api.iter()
            .all(|line| line.contains("api-version=2021-01-01")),
        "{requests}"
    );
}

/// Bad options exit 2 with one message naming the option, before
/// anything is listened on or written.
#[test]
fn bad_options_exit_2_naming_the_option() {
    for (args, says) in [
        (&["--speed", "0"][..], "--speed"),
        (&["--speed", "10", "--clock", "requests"][..], "--speed"),
        (&["--listen", "localhost"][..], "--listen"),
        (&["--page-size", "0"][..], "--page-size"),
    ] {
        let tmp = TempDir::new().unwrap();
        let output = impexsim()
            .args(["serve", "--no-background"])
            .args(args)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .timeout(LIMIT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing listened on");
        assert!(!tmp.path().join("out").exists(), "{args:?}");
    }
}

/// The server's resident memory [kB], from `/proc/PID/status`.
#[cfg(target_os = "linux")]
fn resident_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Sends `count` refused requests on one keep-alive connection (a 404, a
/// malformed body, a missing token, a wrong api-version, in turn) and
/// checks each status.
#[cfg(target_os = "linux")]
fn flood(server: &Server, count: usize) {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let host = &server.address;
    let job = server.job("flood-rg", "no-such-job");
    let wrong_version = job.replace(API, "api-version=1999-01-01");
    for i in 0..count {
        let (request, expected) = match i % 4 {
            0 => (
                format!("GET {job} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer t\r\n\r\n"),
                404,
            ),
            1 => (
                format!(
                    "PUT {job} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer t\r\n\
                     Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{{\"locat"
                ),
                400,
            ),
            2 => (format!("GET {job} HTTP/1.1\r\nHost: {host}\r\n\r\n"), 401),
            _ => (
                format!(
                    "GET {wrong_version} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer t\r\n\r\n"
                ),
                400,
            ),
        };
        stream.write_all(request.as_bytes()).unwrap();
        let mut status_line = String::new();
        reader.read_line(&mut status_line).unwrap();
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        assert_eq!(status, expected, "request {i}: {status_line}");
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(body["error"]["code"].is_string(), "request {i}: {body}");
    }
}

/// A leak of even 100 bytes a refused request would show as 3 MB over the
/// 30,000 requests after the warm-up; allocator and buffer noise stays well
/// under 4 MB once the first 2,000 have sized every buffer.
#[cfg(target_os = "linux")]
#[test]
fn a_flood_of_refused_requests_does_not_grow_the_servers_memory() {
    let server = Server::start(&[&data_arg("quiet.toml"), "--manual-clock", "--no-background"]);
    let pid = server.child.id();
    flood(&server, 2_000);
    let warm = resident_kb(pid);
    flood(&server, 30_000);
    let after = resident_kb(pid);
    assert!(
        after <= warm + 4_096,
        "resident memory grew from {warm} kB to {after} kB over 30,000 refused requests"
    );
    let (code, stderr, dir, _tmp) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    let requests = std::fs::read_to_string(dir.join("requests.csv")).unwrap();
    assert_eq!(requests.lines().count(), 1 + 32_000, "one row per request");
}
