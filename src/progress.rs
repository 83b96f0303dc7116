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
