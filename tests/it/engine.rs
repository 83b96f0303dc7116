//! The engine driven from outside, through the library: jobs created and
//! moved by customer calls (as a server's clients make them) follow the
//! same rules as the simulated customers of a batch run.
//!
//! The check: run a scenario in batch with job histories on, take every
//! call its simulated customers made (Put Job, Update Job Properties with
//! its parts, cancellations) and replay them, at their simulated times and
//! keyed by each job's stream key, into a serving engine with no customers
//! of its own. Every call must get the answer it got in the batch run, and
//! every job must end with the same `jobs.csv` row and `drives.csv` rows.
//! The data centre is given resources that never queue, since rows depend
//! on other jobs only through queues (common random numbers mean identical
//! draws, not identical waits).

use std::sync::Arc;

use impexsim::model::{Answer, JobKind, PutJob, Update};
use impexsim::record::{CallKind, CustomerCall, DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use impexsim::report::{DrivesWriter, JobsWriter};
use impexsim::scenario::Scenario;
use impexsim::sim::{Engine, JobKey, Mode, RecordSink, run_replication};
use impexsim::time::{Clock, SimTime};

/// Keeps every job written, with its drives (and history when asked).
struct Collect {
    history: bool,
    jobs: Vec<(JobRecord, Vec<DriveRecord>)>,
}

impl RecordSink for Collect {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        self.jobs.push((job, drives.to_vec()));
    }

    fn timeseries(&mut self, _row: &TimeseriesRow) {}

    fn wants_trace(&self) -> bool {
        false
    }

    fn trace(&mut self, _event: &TraceEvent) {}

    fn wants_history(&self) -> bool {
        self.history
    }
}

/// Busy enough to meet every rule, with resources that never queue.
fn scenario() -> Arc<Scenario> {
    let overrides = [
        "simulation.horizon=120d",
        "arrivals.jobs_per_day=12",
        "customer.abandon_probability=0.08",
        "customer.update_while_creating_probability=0.3",
        "customer.skip_shipping_update_probability=0.08",
        "customer.missing_return_address_probability=0.15",
        "customer.wrong_return_address_probability=0.08",
        "customer.cancel_probability=0.15",
        "customer.reorder_export_probability=1.0",
        "shipping.lost_package_probability=0.1",
        "shipping.missing_drive_probability=0.05",
        "shipping.extra_drive_probability=0.1",
        "shipping.return_lost_probability=0.05",
        "shipping.return_damaged_probability=0.05",
        "datacenter.copy_error_probability=0.05",
        "datacenter.drive_fault_probability=0.05",
        "datacenter.job_fault_probability=0.05",
        "datacenter.receiving_staff=100000",
        "datacenter.copy_stations=100000",
        "datacenter.packaging_staff=100000",
    ];
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Arc::new(Scenario::from_overrides(&overrides).expect("a valid scenario"))
}

/// Rows of `jobs` as CSV text, one job (with its drive rows) per entry,
/// sorted by job name.
fn rows(scenario: &Scenario, jobs: &[(JobRecord, Vec<DriveRecord>)]) -> Vec<String> {
    let clock = Clock {
        start_epoch_ms: scenario.simulation.start.timestamp_millis(),
    };
    let mut rows: Vec<String> = jobs
        .iter()
        .map(|(job, drives)| {
            let mut job_writer = JobsWriter::continuing(Vec::new(), clock);
            job_writer.write(job).unwrap();
            let mut drive_writer = DrivesWriter::continuing(Vec::new(), clock);
            for drive in drives {
                drive_writer.write(&job.name, drive).unwrap();
            }
            let mut text = String::from_utf8(job_writer.finish().unwrap()).unwrap();
            text.push_str(&String::from_utf8(drive_writer.finish().unwrap()).unwrap());
            text
        })
        .collect();
    rows.sort();
    rows
}

/// One recorded call, with what it takes to send it again.
struct Call {
    time: SimTime,
    key: JobKey,
    name: String,
    put: Option<PutJob>,
    update: Update,
    answer: Answer,
}

fn calls_of(jobs: &[(JobRecord, Vec<DriveRecord>)]) -> Vec<Call> {
    let mut calls = Vec::new();
    for (job, drives) in jobs {
        let history = job.history.as_deref().expect("history was asked for");
        let key = JobKey {
            root: history.root_index,
            generation: history.generation,
        };
        for &CustomerCall { time, kind, answer } in &history.calls {
            let (put, update) = match kind {
                CallKind::PutJob { return_address } => {
                    let put = PutJob {
                        kind: job.kind,
                        drives: drives
                            .iter()
                            .filter(|drive| !drive.extra && job.kind == JobKind::Import)
                            .map(|drive| drive.serial)
                            .collect(),
                        export_drives: None,
                        return_address,
                        delivery_package: false,
                        verbose_log: history.verbose_log,
                    };
                    (Some(put), Update::PROPERTIES)
                }
                CallKind::UpdateProperties => (None, Update::PROPERTIES),
                CallKind::ShippingUpdate {
                    return_address: false,
                } => (None, Update::SHIPPING),
                CallKind::ShippingUpdate {
                    return_address: true,
                } => (None, Update::SHIPPING_WITH_ADDRESS),
                CallKind::CancelRequest => (None, Update::CANCEL),
                CallKind::DeleteJob => panic!("simulated customers never delete jobs"),
            };
            calls.push(Call {
                time,
                key,
                name: job.name.clone(),
                put,
                update,
                answer,
            });
        }
    }
    // In time order; at one instant, in job order (as the batch run made them).
    calls.sort_by_key(|call| (call.time, call.key));
    calls
}

#[test]
fn jobs_driven_from_outside_end_with_the_rows_of_the_batch_run() {
    let scenario = scenario();
    let mut batch = Collect {
        history: true,
        jobs: Vec::new(),
    };
    run_replication(&scenario, 0, &mut batch, &mut |_| {});
    let calls = calls_of(&batch.jobs);
    assert!(
        batch.jobs.len() > 1000 && calls.len() > 3000,
        "{} jobs, {} calls",
        batch.jobs.len(),
        calls.len()
    );
    // The scenario meets the rules worth checking (every event of the list
    // but the overdue ones, whose answers come from the engine either way).
    for event in [
        "return_address_missing",
        "cancel_rejected",
        "package_lost",
        "orphan_drives",
        "extra_drive",
        "drive_never_received",
        "job_fault",
        "drive_fault",
        "copy_errors",
        "return_address_wrong",
        "drives_destroyed",
        "return_lost",
    ] {
        let kind = impexsim::model::EventKind::parse(event).unwrap();
        assert!(
            batch.jobs.iter().any(|(job, _)| job.events.contains(kind)),
            "no job met {event}"
        );
    }

    let served = Collect {
        history: false,
        jobs: Vec::new(),
    };
    let mode = Mode::Serving { background: false };
    let mut engine = Engine::new(Arc::clone(&scenario), 0, mode, served);
    let mut mismatches = Vec::new();
    for call in &calls {
        engine.advance_to(call.time);
        let answer = match &call.put {
            Some(put) => engine.put_job(&call.name, put, Some(call.key)),
            None => engine.update_job(&call.name, call.update),
        };
        if answer != call.answer {
            mismatches.push(format!(
                "{} at {:?}: {:?} answered {answer:?}, the batch run {:?}",
                call.name, call.time, call.update, call.answer
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let run_end = scenario.run_end();
    while !engine.is_idle() && engine.next_event_time().is_some_and(|t| t <= run_end) {
        engine.step();
    }
    let end = if engine.jobs_in_memory() > 0 {
        run_end
    } else {
        engine.now()
    };
    let (_, served) = engine.finish(end);

    let expected = rows(&scenario, &batch.jobs);
    let got = rows(&scenario, &served.jobs);
    assert_eq!(got.len(), expected.len(), "jobs written");
    for (got, expected) in got.iter().zip(&expected) {
        assert_eq!(got, expected);
    }
}

#[test]
fn a_live_job_is_readable_until_deleted_and_delete_follows_the_documented_states() {
    let scenario = Arc::new(Scenario::load(&crate::data("quiet.toml"), &[]).unwrap());
    let mode = Mode::Serving { background: false };
    let sink = Collect {
        history: true,
        jobs: Vec::new(),
    };
    let mut engine = Engine::new(Arc::clone(&scenario), 0, mode, sink);
    let put = PutJob {
        kind: JobKind::Import,
        drives: vec![0xA1, 0xA2],
        export_drives: None,
        return_address: true,
        delivery_package: false,
        verbose_log: false,
    };
    assert_eq!(engine.put_job("mine", &put, None), Answer::Created);
    assert_eq!(
        engine.put_job("mine", &put, None),
        Answer::Accepted,
        "replaced while Creating"
    );
    assert_eq!(engine.put_job("gone", &put, None), Answer::Created);
    let live = engine.live_job("mine").expect("a live job");
    assert_eq!(live.drives.len(), 2);
    assert_eq!(live.drives[0].serial, 0xA1);
    assert_eq!(live.record.created_at, SimTime::ZERO);

    // Delete Job while Creating: gone at once.
    assert_eq!(engine.delete_job("gone"), Answer::Accepted);
    assert!(engine.live_job("gone").is_none());
    assert_eq!(engine.delete_job("gone"), Answer::NotFound);
    assert_eq!(
        engine.update_job("gone", Update::PROPERTIES),
        Answer::NotFound
    );

    // Shipping: the quiet scenario's constant delays give every instant.
    // Transit 2d, receive lag 1d + 1h, copy lag 2d, copy 30m + 10000s,
    // packaging 1h: Completed at 5d 2h 30m 10000s after the package leaves.
    engine.advance_to(SimTime::ZERO + impexsim::time::SimDuration::from_days(1));
    assert_eq!(
        engine.update_job("mine", Update::SHIPPING),
        Answer::Accepted
    );
    assert_eq!(
        engine.delete_job("mine"),
        Answer::Conflict,
        "not while Shipping"
    );
    assert_eq!(
        engine.put_job("mine", &put, None),
        Answer::Conflict,
        "Put Job replaces only a Creating job"
    );
    let day = impexsim::time::MS_PER_DAY;
    let hour = impexsim::time::MS_PER_HOUR;
    let completed_at = day + 5 * day + 2 * hour + 30 * 60_000 + 10_000_000;
    engine.advance_to(SimTime::from_ms(completed_at - 1));
    let before = engine.live_job("mine").unwrap();
    assert_eq!(before.record.finished_at, None);
    engine.advance_to(SimTime::from_ms(completed_at));
    let after = engine.live_job("mine").unwrap();
    assert_eq!(
        after.record.finished_at,
        Some(SimTime::from_ms(completed_at))
    );
    assert_eq!(after.record.outcome, impexsim::model::Outcome::Completed);
    // Readable through its retention (90 days), unless deleted sooner.
    engine.advance_to(SimTime::from_ms(completed_at + 30 * day));
    assert!(engine.live_job("mine").is_some());
    assert_eq!(
        engine.delete_job("mine"),
        Answer::Accepted,
        "a Completed job"
    );
    assert!(engine.live_job("mine").is_none());
    let end = engine.now();
    let (_, sink) = engine.finish(end);
    let reasons: Vec<_> = sink
        .jobs
        .iter()
        .map(|(job, _)| {
            (
                job.name.as_str(),
                job.outcome.as_str(),
                job.deletion_reason.map(|r| r.as_str()),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("gone", "expired", Some("deleted")),
            ("mine", "completed", Some("deleted"))
        ]
    );
}

/// A server's client may create a job again under the name of one it
/// deleted (the name is free once the job no longer exists), and a listing
/// resumes after the last name it showed.
#[test]
fn a_deleted_jobs_name_is_free_again_and_listings_resume_after_a_name() {
    let scenario = Arc::new(Scenario::load(&crate::data("quiet.toml"), &[]).unwrap());
    let mode = Mode::Serving { background: false };
    let sink = Collect {
        history: true,
        jobs: Vec::new(),
    };
    let mut engine = Engine::new(Arc::clone(&scenario), 0, mode, sink);
    let put = PutJob {
        kind: JobKind::Import,
        drives: vec![0xB1],
        export_drives: None,
        return_address: true,
        delivery_package: false,
        verbose_log: false,
    };
    for name in ["c", "a", "b"] {
        assert_eq!(engine.put_job(name, &put, None), Answer::Created);
    }
    assert_eq!(engine.delete_job("b"), Answer::Accepted);
    // Still in memory at this instant, but gone for the API: Put creates anew.
    assert_eq!(engine.put_job("b", &put, None), Answer::Created);
    assert_eq!(engine.put_job("b", &put, None), Answer::Accepted);
    let names = |after: Option<&str>| -> Vec<String> {
        engine
            .live_jobs_after(after)
            .map(|job| job.record.name)
            .collect()
    };
    assert_eq!(names(None), ["a", "b", "c"]);
    assert_eq!(names(Some("a")), ["b", "c"]);
    assert_eq!(names(Some("aa")), ["b", "c"]);
    assert_eq!(names(Some("c")), Vec::<String>::new());
    let end = engine.now();
    let (_, sink) = engine.finish(end);
    let rows: Vec<_> = sink
        .jobs
        .iter()
        .map(|(job, _)| (job.name.as_str(), job.outcome.as_str()))
        .collect();
    // The settled job first, then the open ones by job key (creation order).
    assert_eq!(
        rows,
        [
            ("b", "expired"),
            ("c", "unfinished"),
            ("a", "unfinished"),
            ("b", "unfinished")
        ]
    );
}
