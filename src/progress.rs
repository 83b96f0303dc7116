//! Progress bars on standard error, hidden when it is not a terminal or
//! with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use impexsim::scenario::Scenario;
use impexsim::sim::Progress;

pub fn progress_bar(scenario: &Scenario, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let horizon_days = scenario.horizon_end().ms() / impexsim::time::MS_PER_DAY;
    let bar =
        ProgressBar::with_draw_target(Some(horizon_days as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} simulated day {pos}/{len} {msg} [{elapsed}]")
            .expect("valid template"),
    );
    bar
}

/// Moves `bar` along the simulated days of one replication.
pub fn simulated_day_progress<'a>(
    scenario: &Scenario,
    bar: &'a ProgressBar,
) -> impl FnMut(Progress) + 'a {
    let horizon_days = scenario.horizon_end().ms() / impexsim::time::MS_PER_DAY;
    move |progress: Progress| {
        let day = progress.now.ms() / impexsim::time::MS_PER_DAY;
        bar.set_position(day.clamp(0, horizon_days) as u64);
        bar.set_message(format!("day {day}, {} jobs written", progress.jobs_written));
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
