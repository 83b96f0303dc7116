//! Progress on standard error: one bar over every replication of every run a
//! command makes, hidden when standard error is not a terminal or with
//! `--quiet`.
//!
//! Replications run in parallel and report from their own threads, each at
//! its own simulated day. `Tracker` keeps the last report of each and shows
//! their sum, so the bar never goes back and never mixes one replication's
//! day with another's: its length is the horizon in days times the
//! replications (of every run: both policies of a comparison, every point of
//! a sweep), a replication counts the days it has simulated up to the
//! horizon, and a finished one counts them all. Past the horizon a
//! replication is draining (jobs still open, none created; the run goes on
//! until they settle or `drain_limit`), and the message says so: `3 in drain`,
//! or `drain: day 412 (at most 765)` for a single replication.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use impexsim::scenario::Scenario;
use impexsim::sim::Progress;
use impexsim::time::MS_PER_DAY;

/// One run of a command (a policy of a comparison, a point of a sweep).
#[derive(Clone, Debug)]
pub struct RunShape {
    /// What the message calls it (`baseline`, `copy_stations=90`); empty
    /// when the command makes one run.
    pub label: String,
    pub replications: u32,
    /// Days of arrivals, `horizon` [whole days, at least 1].
    pub horizon_days: u64,
    /// The latest day the run may reach, `horizon + drain_limit` [days].
    pub run_end_day: u64,
}

/// The bar and the last report of every replication.
pub struct Tracker {
    bar: ProgressBar,
    runs: Vec<RunShape>,
    state: Mutex<Vec<Vec<Option<Report>>>>,
}

/// The last report of one replication.
#[derive(Clone, Copy, Debug)]
struct Report {
    day: u64,
    jobs_written: u64,
    finished: bool,
}

impl RunShape {
    /// The shape with only `replications` of it running (a shard's share),
    /// numbered 0, 1, ... in the reports.
    pub fn running(self, replications: usize) -> RunShape {
        RunShape {
            replications: u32::try_from(replications).unwrap_or(u32::MAX),
            ..self
        }
    }

    /// The shape of `scenario`'s run, called `label`.
    pub fn of(scenario: &Scenario, label: &str) -> RunShape {
        let days = |ms: i64| (ms.max(0) as u64).div_ceil(MS_PER_DAY as u64).max(1);
        RunShape {
            label: label.to_string(),
            replications: scenario.simulation.replications,
            horizon_days: days(scenario.horizon_end().ms()),
            run_end_day: days(scenario.run_end().ms()),
        }
    }
}

impl Tracker {
    /// A bar over `runs`, drawn on standard error unless `quiet` or it is
    /// not a terminal.
    pub fn new(runs: Vec<RunShape>, quiet: bool) -> Tracker {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Tracker::with_target(runs, target)
    }

    fn with_target(runs: Vec<RunShape>, target: ProgressDrawTarget) -> Tracker {
        let length: u64 = runs
            .iter()
            .map(|run| run.horizon_days * u64::from(run.replications))
            .sum();
        let bar = ProgressBar::with_draw_target(Some(length), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {bar:30} {percent:>3}% {msg} [{elapsed}]")
                .expect("a valid template"),
        );
        if !bar.is_hidden() {
            // Keeps the spinner and the clock moving through a long drain.
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        let state = runs
            .iter()
            .map(|run| vec![None; run.replications as usize])
            .collect();
        Tracker {
            bar,
            runs,
            state: Mutex::new(state),
        }
    }

    /// Records what replication `progress.replication` of run `run` reported.
    pub fn update(&self, run: usize, progress: Progress) {
        let day = (progress.now.ms().max(0) as u64) / MS_PER_DAY as u64;
        let mut state = self.state.lock().expect("no progress report panicked");
        let Some(slot) = state
            .get_mut(run)
            .and_then(|replications| replications.get_mut(progress.replication as usize))
        else {
            return;
        };
        *slot = Some(Report {
            day,
            jobs_written: progress.jobs_written,
            finished: progress.finished,
        });
        let (position, message) = self.view(&state);
        drop(state);
        self.bar.set_position(position);
        self.bar.set_message(message);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// The bar's position and message for the reports in `state`.
    fn view(&self, state: &[Vec<Option<Report>>]) -> (u64, String) {
        let mut position = 0;
        let mut jobs = 0;
        let (mut done, mut running, mut draining, mut total) = (0, 0, 0, 0);
        let mut running_labels: Vec<&str> = Vec::new();
        let mut drain_day = None;
        for (run, replications) in self.runs.iter().zip(state) {
            total += replications.len();
            for report in replications.iter().flatten() {
                jobs += report.jobs_written;
                if report.finished {
                    done += 1;
                    position += run.horizon_days;
                    continue;
                }
                running += 1;
                position += report.day.min(run.horizon_days);
                if report.day >= run.horizon_days {
                    draining += 1;
                    drain_day = Some((report.day, run.run_end_day));
                }
                if !run.label.is_empty() && !running_labels.contains(&run.label.as_str()) {
                    running_labels.push(&run.label);
                }
            }
        }
        let mut message = String::new();
        if !running_labels.is_empty() {
            message.push_str(&running_labels[..running_labels.len().min(2)].join(", "));
            if running_labels.len() > 2 {
                message.push_str(&format!(" +{}", running_labels.len() - 2));
            }
            message.push_str(": ");
        }
        if total == 1 {
            match (done, drain_day) {
                (1, _) => message.push_str("done"),
                (_, Some((day, end))) => {
                    message.push_str(&format!("drain: day {day} (at most {end})"))
                }
                _ => message.push_str("arrivals"),
            }
        } else {
            message.push_str(&format!("{done}/{total} replications done"));
            if running > 0 {
                message.push_str(&format!(", {running} running"));
            }
            if draining > 0 {
                message.push_str(&format!(" ({draining} in drain)"));
            }
        }
        message.push_str(&format!(", {jobs} jobs written"));
        (position, message)
    }
}

/// `replay`: a bar over the bytes of the call file, a spinner for standard
/// input; hidden when standard error is not a terminal or with `--quiet`.
pub fn replay_bar(input_bytes: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = match input_bytes {
        Some(bytes) => (
            ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr()),
            "{bar:30} {percent}% of the calls read, {msg} [{elapsed}]",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {msg} [{elapsed}]",
        ),
    };
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar
}

/// Shows what a replay has done so far.
pub fn show_replay_progress(bar: &ProgressBar, progress: &impexsim::replay::ReplayProgress) {
    bar.set_position(progress.bytes_read);
    let seconds = progress.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        progress.answered as f64 / seconds
    } else {
        0.0
    };
    bar.set_message(format!(
        "{} answered ({rate:.0}/s), {} mismatches, max lag {} ms",
        progress.answered,
        progress.mismatches,
        progress.max_lag.as_millis()
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use impexsim::time::SimTime;

    fn report(replication: u32, day: i64, jobs_written: u64, finished: bool) -> Progress {
        Progress {
            replication,
            jobs_written,
            now: SimTime::from_ms(day * MS_PER_DAY + 3_600_000),
            finished,
        }
    }

    fn shape(label: &str, replications: u32) -> RunShape {
        RunShape {
            label: label.to_string(),
            replications,
            horizon_days: 100,
            run_end_day: 500,
        }
    }

    fn hidden(runs: Vec<RunShape>) -> Tracker {
        Tracker::with_target(runs, ProgressDrawTarget::hidden())
    }

    /// Each replication set the bar to its own simulated day, so with four
    /// running at once the bar jumped back and forth between them.
    #[test]
    fn progress_bar_jumps_backwards_with_parallel_replications() {
        let tracker = hidden(vec![shape("", 4)]);
        assert_eq!(tracker.bar.length(), Some(400));
        // Interleaved as threads report: replication 3 far ahead, 0 behind.
        let reports = [
            report(0, 10, 5, false),
            report(3, 80, 40, false),
            report(1, 20, 9, false),
            report(0, 12, 6, false),
            report(2, 5, 1, false),
            report(3, 90, 45, false),
            report(1, 25, 11, false),
        ];
        let mut last = 0;
        for progress in reports {
            tracker.update(0, progress);
            let position = tracker.bar.position();
            assert!(
                position >= last,
                "the bar went back from {last} to {position}"
            );
            last = position;
        }
        // The sum of each replication's last day: 12 + 25 + 5 + 90.
        assert_eq!(tracker.bar.position(), 132);
        assert_eq!(
            tracker.bar.message(),
            "0/4 replications done, 4 running, 63 jobs written"
        );
        for replication in 0..4 {
            tracker.update(0, report(replication, 150, 60, true));
        }
        assert_eq!(tracker.bar.position(), 400);
        assert_eq!(
            tracker.bar.message(),
            "4/4 replications done, 240 jobs written"
        );
    }

    /// The bar stopped at the horizon while the drain went on, looking done.
    /// A replication past the horizon is shown as draining until it ends.
    #[test]
    fn progress_stops_at_the_horizon_while_the_drain_goes_on() {
        let tracker = hidden(vec![shape("", 1)]);
        tracker.update(0, report(0, 40, 100, false));
        assert_eq!(tracker.bar.position(), 40);
        assert_eq!(tracker.bar.message(), "arrivals, 100 jobs written");
        tracker.update(0, report(0, 130, 180, false));
        assert_eq!(tracker.bar.position(), 100);
        assert_eq!(
            tracker.bar.message(),
            "drain: day 130 (at most 500), 180 jobs written"
        );
        tracker.update(0, report(0, 171, 200, true));
        assert_eq!(tracker.bar.message(), "done, 200 jobs written");

        // A replication that ends before its horizon (a trace that stops
        // early) still fills its share of the bar.
        let several = hidden(vec![shape("baseline", 2), shape("candidate", 2)]);
        several.update(0, report(0, 60, 1, true));
        several.update(0, report(1, 120, 2, false));
        assert_eq!(several.bar.position(), 200);
        assert_eq!(
            several.bar.message(),
            "baseline: 1/4 replications done, 1 running (1 in drain), 3 jobs written"
        );
        several.update(1, report(0, 3, 0, false));
        assert_eq!(
            several.bar.message(),
            "baseline, candidate: 1/4 replications done, 2 running (1 in drain), 3 jobs written"
        );
    }
}
