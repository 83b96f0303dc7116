//! The engine alone: whole replications with every row thrown away, so what
//! is measured is the simulation (event queue, rules, random draws), not the
//! CSV writers or the disk.
//!
//! Run with `cargo bench --bench engine`. Each iteration is one replication
//! of seed 1, driven by `sim::run_replication` into a sink that discards
//! every row:
//!
//! - `baseline`: the embedded baseline (a year of 20 jobs a day);
//! - `jobs_100k`: `benches/jobs_100k.toml`, 100,000 jobs over a year.
//!
//! Divan reports time per replication; events per second are the engine's
//! event count (printed once per scenario before the timings) over that time.

use std::path::Path;
use std::sync::Arc;

use divan::Bencher;
use impexsim::record::{DriveRecord, JobRecord, TimeseriesRow, TraceEvent};
use impexsim::scenario::Scenario;
use impexsim::sim::{RecordSink, run_replication};

fn main() {
    for (name, scenario) in [("baseline", baseline()), ("jobs_100k", jobs_100k())] {
        let stats = run_replication(&scenario, 0, &mut NullSink, &mut |_| {});
        eprintln!("{name}: {} events per replication", stats.events);
    }
    divan::main();
}

/// Throws every row away.
struct NullSink;

impl RecordSink for NullSink {
    fn job(&mut self, job: JobRecord, drives: &[DriveRecord]) {
        divan::black_box((job, drives));
    }

    fn timeseries(&mut self, row: &TimeseriesRow) {
        divan::black_box(row);
    }

    fn wants_trace(&self) -> bool {
        false
    }

    fn trace(&mut self, event: &TraceEvent) {
        divan::black_box(event);
    }
}

fn baseline() -> Arc<Scenario> {
    Arc::new(Scenario::baseline())
}

fn jobs_100k() -> Arc<Scenario> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/jobs_100k.toml");
    Arc::new(Scenario::load(&path, &[]).expect("the benchmark scenario loads"))
}

fn replication(bencher: Bencher, scenario: Arc<Scenario>) {
    bencher.bench_local(|| run_replication(&scenario, 0, &mut NullSink, &mut |_| {}));
}

#[divan::bench(sample_count = 20)]
fn baseline_replication(bencher: Bencher) {
    replication(bencher, baseline());
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn jobs_100k_replication(bencher: Bencher) {
    replication(bencher, jobs_100k());
}
