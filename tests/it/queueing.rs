//! Queueing theory against the engine: scenarios built so that one stage is
//! a textbook model, and the summary metrics (docs/model.md, Measurement) compared with the
//! model's closed form.
//!
//! - `mmc_copy.toml`: the copy stations are an M/M/c queue (Erlang C).
//! - `little_on_site.toml`: Little's law L = lambda W for drives on site.
//! - `infinite_shipping.toml`: jobs in `Shipping` are an M/G/infinity stage.
//!
//! Results are statistical, so every check states its tolerance and the
//! statistical error measured for it (over 20 to 64 replications, while
//! writing the test). The seeds are fixed, so a failure is reproducible; each test first
//! checks, on the rows, the assumptions its formula needs, so that a failure
//! points at the engine's metric rather than at the scenario.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use tempfile::TempDir;

use crate::{Invocation, Row, data_arg, days, invoke_ok, read_rows, run_scenario, start};

/// Days in a duration, as an `f64` (the clock ticks in milliseconds).
fn in_days(duration: TimeDelta) -> f64 {
    duration.num_milliseconds() as f64 / 86_400_000.0
}

fn mean(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "mean of no values");
    values.iter().sum::<f64>() / values.len() as f64
}

/// Asserts `got` within `relative` of `expected`.
#[track_caller]
fn assert_relative(what: &str, got: f64, expected: f64, relative: f64) {
    let error = (got - expected) / expected;
    assert!(
        error.abs() <= relative,
        "{what}: got {got}, expected {expected} ({:+.2}%, tolerance {:.1}%)",
        100.0 * error,
        100.0 * relative,
    );
}

/// The probability that an arrival has to wait in an M/M/c queue with
/// arrival rate `lambda`, service rate `mu` per server and `c` servers
/// (Erlang's C formula; Gross & Harris, *Fundamentals of Queueing Theory*,
/// section 2.3), with offered load a = lambda / mu and rho = a / c < 1:
///
/// C(c, a) = (a^c / c!) / (1 - rho)
///           / (sum_{k=0}^{c-1} a^k / k! + (a^c / c!) / (1 - rho)).
pub fn erlang_c(lambda: f64, mu: f64, c: u32) -> f64 {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    assert!(rho < 1.0, "an unstable queue: rho = {rho}");
    // a^k / k! term by term, which stays exact enough for small c.
    let mut term = 1.0;
    let mut below_c = 0.0;
    for k in 0..c {
        below_c += term;
        term *= a / f64::from(k + 1);
    }
    let waiting = term / (1.0 - rho);
    waiting / (below_c + waiting)
}

/// `tests/data/mmc_copy.toml`, restated.
mod mmc {
    use chrono::TimeDelta;

    use crate::{days, seconds};

    /// `jobs_per_day`, one drive per job: drives per day.
    pub const LAMBDA: f64 = 25.92;
    /// Copy time = 0s + D x 10^12 B / (100 x 10^6 B/s), D ~ Exp(mean 1 TB):
    /// Exp(mean 10 000 s), so 86 400 / 10 000 = 8.64 copies per station-day.
    pub const MU: f64 = 86_400.0 / 10_000.0;
    /// `copy_stations`.
    pub const C: u32 = 4;

    pub fn warmup() -> TimeDelta {
        days(100)
    }

    /// ship_delay + transit + receive_lag + receive_time + copy_lag, all
    /// constants: every drive joins the copy queue this long after its job
    /// was created.
    pub fn to_copy_queue() -> TimeDelta {
        days(2) + days(2) + days(1) + seconds(1) + days(2)
    }
}

/// The assumptions of `copy_stations_are_an_mmc_queue`, on the rows of a
/// shorter run of the same scenario (400 days, about 10 000 drives): one
/// drive per job, nothing goes wrong, receiving never queues, and every
/// drive joins the copy queue a constant time after its job was created, so
/// the copy queue sees the Poisson job arrivals, shifted. And the metric is
/// what docs/model.md, Copy lag and the copy queue says: `copy.queue_wait_days.mean` is the mean of
/// `copy_start_at - queued_at` over the drives of jobs created after the
/// warm-up (tolerance 1e-6 days, the summary's rounding).
#[test]
fn mmc_copy_scenario_meets_the_mmc_assumptions() {
    let out = run_scenario("mmc_copy.toml", &["--set", "simulation.horizon=400d"]);
    assert_eq!(out.drives.len(), out.jobs.len(), "one drive per job");
    assert!(out.jobs.len() > 9000, "{} jobs", out.jobs.len());
    let created: HashMap<&str, DateTime<Utc>> = out
        .jobs
        .iter()
        .map(|job| (job.get("job"), job.time_set("created_at")))
        .collect();
    let window_start = start() + mmc::warmup();
    let mut waits = Vec::new();
    for drive in &out.drives {
        drive.assert_text("copy_outcome", "ok");
        drive.assert_text("disposition", "returned");
        let created = created[drive.get("job")];
        let queued = drive.time_set("queued_at");
        drive.assert_time("queued_at", Some(created + mmc::to_copy_queue()));
        if created >= window_start {
            waits.push(in_days(drive.time_set("copy_start_at") - queued));
        }
    }
    out.assert_metric("receiving.queue_length.max", 0.0, 0.0);
    out.assert_metric("copy.queue_wait_days.mean", mean(&waits), 1e-6);
}

/// The copy stations of `mmc_copy.toml` form an M/M/c queue (c = 4,
/// rho = 0.75): Poisson arrivals (the job arrivals shifted by a constant,
/// checked by `mmc_copy_scenario_meets_the_mmc_assumptions`), exponential
/// copy times, FIFO, no setup, no faults or retries.
///
/// Theory (Erlang C, see `erlang_c`), with C = C(c, lambda / mu) = 0.509434:
/// - utilisation rho = lambda / (c mu) = 0.75;
/// - mean wait Wq = C / (c mu - lambda) = 0.058962 d;
/// - the wait is 0 with probability 1 - C, else Exp(c mu - lambda), so
///   P(Wq > t) = C e^(-(c mu - lambda) t) and the 90th percentile is
///   ln(10 C) / (c mu - lambda) = 0.188413 d;
/// - mean queue length Lq = lambda Wq = 1.528302 (Little's law).
///
/// 16 replications of 2000 days after a 100-day warm-up (about 52 000
/// drives each). The per-replication standard deviation is about 5% of Wq,
/// of its p90 and of Lq, and 0.5% of the utilisation, so the mean of 16 has
/// a standard error of about 1.3% (Wq, p90, Lq) and 0.15% (utilisation).
/// Measured: this run (seed 1) gives Wq = 0.060535 (+2.7%, standard error
/// 1.2%), p90 = 0.194675 (+3.3%), Lq = 1.572391 (+2.9%), rho = 0.750687;
/// 64 replications with seed 2 gave Wq = 0.058747 (-0.4%, standard error
/// 0.7%), p90 = 0.188253, Lq = 1.521879, rho = 0.750087: no bias.
/// Tolerances: 5% for Wq, its p90 and Lq (about 4 standard errors), 2% for
/// the utilisation. The test also asserts the standard error of its Wq.
///
/// The run writes about 400 MB of rows, so this test reads only summary.csv.
#[test]
fn copy_stations_are_an_mmc_queue() {
    let out = run_lean("mmc_copy.toml", &["--replications", "16"]);

    let (lambda, mu, c) = (mmc::LAMBDA, mmc::MU, mmc::C);
    let c_servers = f64::from(c);
    let p_wait = erlang_c(lambda, mu, c);
    let drain_rate = c_servers * mu - lambda;
    let wq = p_wait / drain_rate;
    let wq_p90 = (p_wait / 0.1).ln() / drain_rate;
    let rho = lambda / (c_servers * mu);
    assert!(
        (rho - 0.75).abs() < 1e-12,
        "the scenario is meant at rho = 0.75"
    );

    let se_wq = out.standard_error("copy.queue_wait_days.mean", 16);
    assert!(
        se_wq / wq < 0.02,
        "standard error of Wq {se_wq} is not well under the 5% tolerance"
    );

    assert_relative(
        "copy.utilisation (rho = lambda / (c mu))",
        out.metric("copy.utilisation"),
        rho,
        0.02,
    );
    assert_relative(
        "copy.queue_wait_days.mean (Erlang C: C / (c mu - lambda))",
        out.metric("copy.queue_wait_days.mean"),
        wq,
        0.05,
    );
    assert_relative(
        "copy.queue_wait_days.p90 (ln(10 C) / (c mu - lambda))",
        out.metric("copy.queue_wait_days.p90"),
        wq_p90,
        0.05,
    );
    assert_relative(
        "copy.queue_length.mean (Lq = lambda Wq)",
        out.metric("copy.queue_length.mean"),
        lambda * wq,
        0.05,
    );
}

/// The summary of a run, read lean: `crate::run` keeps every CSV row as a
/// map, too slow for the 1.7 million rows of the M/M/c run.
struct LeanOutput {
    /// Holds the temporary directory alive while the test looks at it.
    _tmp: TempDir,
    summary: Vec<Row>,
}

impl LeanOutput {
    /// A metric's mean over the replications (the lean runs have several).
    #[track_caller]
    fn metric(&self, name: &str) -> f64 {
        let text = self.summary_row(name).get("mean");
        text.parse()
            .unwrap_or_else(|err| panic!("metric `{name}` = `{text}`: {err}"))
    }

    /// The standard error of a metric's mean over `n` replications:
    /// stddev / sqrt(n), from summary.csv.
    #[track_caller]
    fn standard_error(&self, name: &str, n: u64) -> f64 {
        let row = self.summary_row(name);
        assert_eq!(row.u64("n"), n, "`{name}` has a value in every replication");
        let stddev: f64 = row.get("stddev").parse().unwrap();
        stddev / (n as f64).sqrt()
    }

    #[track_caller]
    fn summary_row(&self, name: &str) -> &Row {
        self.summary
            .iter()
            .find(|row| row.get("metric") == name)
            .unwrap_or_else(|| panic!("no metric `{name}` in summary.csv"))
    }
}

/// Runs `impexsim run tests/data/<name> <extra> --out <tmp> --quiet` and
/// asserts success, like `crate::run`, reading only summary.csv.
#[track_caller]
fn run_lean(name: &str, extra: &[&str]) -> LeanOutput {
    let path = data_arg(name);
    let mut args = vec!["run", path.as_str()];
    args.extend_from_slice(extra);
    let Invocation { tmp, dir, .. } = invoke_ok(&args);
    LeanOutput {
        summary: read_rows(&dir.join("summary.csv")),
        _tmp: tmp,
    }
}

/// Little's law, L = lambda W (Little 1961; Gross & Harris section 1.7), for
/// drives on site in `little_on_site.toml`: random delays and queues at
/// every stage, every drive shipped back.
///
/// Over the window [start + 100d, start + 1100d): lambda = drives whose
/// carrier delivery (`arrived_at`) falls in the window, per day; W = their
/// mean time on site, `shipped_back_at - arrived_at`. Drives are counted by
/// delivery rather than by their job's creation because the time average
/// counts every drive on site in the window, the warm-up's jobs' included.
///
/// Two checks:
/// - the sample path: `drives_on_site.mean` is the integral over the window
///   of the number of drives on site, over its length, so summing each
///   drive's stay clipped to the window gives it exactly (tolerance 1e-4,
///   for the summary's six decimals);
/// - Little's law: the clipped integral and the sum of whole stays of the
///   drives delivered in the window differ only by the stays straddling its
///   two ends, which roughly cancel: within 3% (measured: 0.14%, 219.11
///   against 219.42 drives).
#[test]
fn drives_on_site_obey_littles_law() {
    let out = run_scenario("little_on_site.toml", &[]);
    let window_start = start() + days(100);
    let window_end = start() + days(1100);
    let window_days = in_days(window_end - window_start);

    // The assumptions: every drive reached the data centre and was shipped
    // back (nothing destroyed, lost or still on site), and the scenario has
    // the randomness and queues it is meant to have.
    let mut clipped_days = 0.0;
    let mut stays_in_window = Vec::new();
    for drive in &out.drives {
        drive.assert_text("disposition", "returned");
        drive.assert_time("destroyed_at", None);
        let arrived = drive.time_set("arrived_at");
        let left = drive.time_set("shipped_back_at");
        assert!(left > arrived, "shipped back before delivery: {drive:?}");
        let from = arrived.max(window_start);
        let to = left.min(window_end);
        if to > from {
            clipped_days += in_days(to - from);
        }
        if window_start <= arrived && arrived < window_end {
            stays_in_window.push(in_days(left - arrived));
        }
    }
    assert!(
        out.metric("copy.queue_length.mean") > 1.0,
        "the copy stations are meant to queue"
    );
    assert!(
        out.drives.iter().any(|d| d.bool("extra")),
        "the scenario is meant to have extra drives"
    );

    let on_site = out.metric("drives_on_site.mean");
    assert!(
        (on_site - clipped_days / window_days).abs() <= 1e-4,
        "drives_on_site.mean = {on_site}, but the stays in drives.csv clipped \
         to the window give {}",
        clipped_days / window_days
    );

    let lambda = stays_in_window.len() as f64 / window_days;
    let w = mean(&stays_in_window);
    assert!(lambda > 30.0, "{lambda} drives a day");
    assert_relative(
        "drives_on_site.mean (Little: lambda W)",
        on_site,
        lambda * w,
        0.03,
    );
}

/// `tests/data/infinite_shipping.toml`, restated.
mod infinite {
    use chrono::TimeDelta;

    use crate::days;

    /// `jobs_per_day`.
    pub const LAMBDA: f64 = 20.0;
    /// Days in `Shipping`, S = transit + receive_lag + receive_time:
    /// - transit lognormal(median 2d, sigma 0.4): mean 2 e^(0.4^2 / 2) days;
    /// - receive_lag uniform(1d, 3d): mean 2 days;
    /// - receive_time triangular(10m, 20m, 1h): mean (10 + 20 + 60) / 3 min.
    pub fn mean_stage_days() -> f64 {
        2.0 * (0.4_f64 * 0.4 / 2.0).exp() + 2.0 + 30.0 / 1440.0
    }

    pub fn warmup() -> TimeDelta {
        days(50)
    }

    pub fn horizon() -> TimeDelta {
        days(2050)
    }

    /// `ship_delay`.
    pub fn ship_delay() -> TimeDelta {
        days(2)
    }
}

/// Jobs in `Shipping` in `infinite_shipping.toml` form an M/G/infinity
/// stage: Poisson arrivals (shifted by the constant ship_delay), an
/// independent time S in the stage per job, no waiting for a server. Then
/// the number in the stage at any time t past the warm-up is Poisson with
/// mean lambda E[S] (Gross & Harris section 6.1; Ross, *Stochastic
/// Processes*, 2.3) = 20 x 4.187407 = 83.748149 jobs.
///
/// The daily `shipping` snapshots of timeseries.csv at start + 50d + k days,
/// k = 0..1999, are averaged. Sampling at fixed times is unbiased for a
/// stationary process: the times are chosen before the run, independently of
/// it, and E[N(t)] is the same at every t, so each sample has mean
/// lambda E[S] (the inspection paradox needs sampling that depends on the
/// process, such as at arrivals). Successive days are correlated, which only
/// widens the error: measured over 20 replications, one run of 2000 days
/// has a standard deviation of 0.6% (largest error 1.4%), and this run
/// (seed 1) averages 83.7165 (-0.04%). Tolerance: 3%, about 5 standard
/// deviations.
#[test]
fn jobs_in_shipping_form_an_infinite_server_stage() {
    let out = run_scenario("infinite_shipping.toml", &[]);

    // The assumptions: every job is handed over ship_delay after creation
    // and leaves Shipping when received, with no wait for an operator.
    out.assert_metric("receiving.queue_length.max", 0.0, 0.0);
    let mut stage_days = Vec::new();
    for job in &out.jobs {
        job.assert_text("outcome", "completed");
        job.assert_text("events", "");
        let shipping = job.time_set("shipping_at");
        assert_eq!(
            shipping - job.time_set("created_at"),
            infinite::ship_delay()
        );
        stage_days.push(in_days(job.time_set("received_at") - shipping));
    }
    // The stage time's mean, on its own, pins the distributions' parameters
    // (about 40 000 jobs, coefficient of variation about 0.2: standard error
    // 0.1%, tolerance 1%), so a failure below is about the time average.
    assert_relative(
        "mean of received_at - shipping_at",
        mean(&stage_days),
        infinite::mean_stage_days(),
        0.01,
    );

    let window_days = (infinite::horizon() - infinite::warmup()).num_days();
    let snapshots: Vec<f64> = out
        .timeseries
        .iter()
        .filter(|row| row.u64("day") < window_days as u64)
        .map(|row| {
            let day = row.u64("day") as i64;
            row.assert_time("time", Some(start() + infinite::warmup() + days(day)));
            row.u64("shipping") as f64
        })
        .collect();
    assert_eq!(snapshots.len() as i64, window_days, "one snapshot a day");

    assert_relative(
        "mean of daily `shipping` snapshots (lambda E[S])",
        mean(&snapshots),
        infinite::LAMBDA * infinite::mean_stage_days(),
        0.03,
    );
}
