//! What a replay tells a person (`human_summary`) and what it records
//! beside its CSV files (`replay.json`: the settings, when it ran, why it
//! stopped).

use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::SecondsFormat;
use serde::Serialize;

use crate::replay::call::MethodKind;
use crate::replay::exchange::OutcomeKind;
use crate::replay::stats::BEHIND_SCHEDULE_LAG;
use crate::replay::{PaceMode, Replay, ReplayOptions, StopKind};

/// `replay.json`.
#[derive(Serialize)]
struct ReplayJson<'a> {
    tool: &'static str,
    version: &'static str,
    command: &'a [String],
    input: &'a str,
    target: String,
    /// `null` with `--as-fast-as-possible`.
    speed: Option<f64>,
    as_fast_as_possible: bool,
    concurrency: usize,
    max_requests: Option<u64>,
    duration_s: Option<f64>,
    timeout_s: f64,
    name_prefix: &'a str,
    started_at: String,
    wall_time_s: f64,
    stopped: &'static str,
    stop_detail: Option<String>,
    requests: u64,
    mismatches: u64,
}

impl StopKind {
    /// As `replay.json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            StopKind::EndOfInput => "end_of_input",
            StopKind::MaxRequests => "max_requests",
            StopKind::Duration => "duration",
            StopKind::Interrupted => "interrupted",
            StopKind::Unreachable => "unreachable",
            StopKind::InputFailed => "input_failed",
        }
    }

    /// For a person.
    pub fn describe(self) -> &'static str {
        match self {
            StopKind::EndOfInput => "at the end of the stream",
            StopKind::MaxRequests => "after --max-requests",
            StopKind::Duration => "at --duration",
            StopKind::Interrupted => "on interrupt (the requests in flight were answered)",
            StopKind::Unreachable => "because the target could not be reached",
            StopKind::InputFailed => "at a line that could not be read",
        }
    }
}

impl<W> Replay<W> {
    /// Why the run stopped early, in a sentence, if it did for an error.
    pub fn stop_detail(&self) -> Option<String> {
        match self.stop {
            StopKind::Unreachable => self.unreachable.clone(),
            StopKind::InputFailed => self.input_error.as_ref().map(ToString::to_string),
            StopKind::EndOfInput
            | StopKind::MaxRequests
            | StopKind::Duration
            | StopKind::Interrupted => None,
        }
    }
}

/// Writes `replay.json`.
pub fn write_replay_json<W>(
    out: impl Write,
    replay: &Replay<W>,
    options: &ReplayOptions,
    command: &[String],
) -> io::Result<()> {
    let (speed, as_fast_as_possible) = match options.pace {
        PaceMode::Speed(speed) => (Some(speed), false),
        PaceMode::AsFastAsPossible => (None, true),
    };
    let json = ReplayJson {
        tool: "impexsim",
        version: env!("CARGO_PKG_VERSION"),
        command,
        input: &options.input_name,
        target: options.target.to_string(),
        speed,
        as_fast_as_possible,
        concurrency: options.concurrency,
        max_requests: options.max_requests,
        duration_s: options.duration.map(|d| d.as_secs_f64()),
        timeout_s: options.timeout.as_secs_f64(),
        name_prefix: options.name_prefix.as_str(),
        started_at: replay
            .started_at
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        wall_time_s: replay.wall_time.as_secs_f64(),
        stopped: replay.stop.as_str(),
        stop_detail: replay.stop_detail(),
        requests: replay.stats.requests(),
        mismatches: replay.stats.mismatches(),
    };
    let mut out = out;
    serde_json::to_writer_pretty(&mut out, &json).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// The summary a person reads at the end of a run.
pub fn human_summary<W>(replay: &Replay<W>, options: &ReplayOptions) -> String {
    let stats = &replay.stats;
    let mut out = String::new();
    let requests = stats.requests();
    let duration = stats.duration().as_secs_f64();
    let rate = if duration > 0.0 {
        format!("{:.1}/s", requests as f64 / duration)
    } else {
        "-".to_string()
    };
    let pace = match options.pace {
        PaceMode::Speed(speed) => format!("speed {speed}"),
        PaceMode::AsFastAsPossible => "as fast as possible".to_string(),
    };
    let _ = writeln!(
        out,
        "replayed {requests} requests from {} to {} in {duration:.2} s ({rate}), {pace}, \
         {} workers, {} connections",
        options.input_name, options.target, options.concurrency, replay.connections,
    );
    let prefix = options.name_prefix.as_str();
    let names = if prefix.is_empty() {
        "job names as written".to_string()
    } else {
        format!("job names prefixed `{prefix}`")
    };
    let _ = writeln!(out, "stopped {}; {names}", replay.stop.describe());
    if replay.unsent > 0 {
        let _ = writeln!(out, "{} calls read were not sent", replay.unsent);
    }
    if replay.lines_skipped > 0 {
        let _ = writeln!(out, "{} malformed lines skipped", replay.lines_skipped);
    }
    let kinds: Vec<String> = OutcomeKind::ALL
        .into_iter()
        .filter(|kind| kind.is_mismatch())
        .map(|kind| format!("{} {}", kind.as_str(), stats.outcome_count(kind)))
        .collect();
    let _ = writeln!(
        out,
        "answers: {} ok, {} mismatches ({})",
        stats.outcome_count(OutcomeKind::Ok),
        stats.mismatches(),
        kinds.join(", ")
    );
    if requests > 0 {
        let _ = writeln!(
            out,
            "{:<22}{:>9}{:>10}{:>10}{:>10}{:>10}{:>10}",
            "[ms]", "requests", "p50", "p90", "p99", "p99.9", "max"
        );
        for (label, service) in [("latency (from due)", false), ("service (from sent)", true)] {
            let scopes = std::iter::once(None).chain(MethodKind::ALL.into_iter().map(Some));
            for method in scopes {
                let count = match method {
                    Some(method) => stats.method_count(method),
                    None => requests,
                };
                let Some(values) = stats.percentiles(service, method).filter(|_| count > 0) else {
                    continue;
                };
                let name = match method {
                    Some(method) => format!("  {method}"),
                    None => label.to_string(),
                };
                let _ = write!(out, "{name:<22}{count:>9}");
                for value in &values[..5] {
                    let _ = write!(out, "{value:>10.3}");
                }
                out.push('\n');
            }
        }
    }
    if let (Some(p99), Some(max)) = (stats.lag_ms(0.99), stats.lag_ms(1.0)) {
        let _ = writeln!(
            out,
            "sender lag behind schedule: p99 {p99:.3} ms, max {max:.3} ms"
        );
        if stats.behind_schedule() {
            let _ = writeln!(
                out,
                "warning: the sender fell behind schedule (lag p99 {p99:.1} ms > {} ms): the \
                 target got less load than the stream asks for; latencies are from the \
                 intended send times and include the delay (more --concurrency, a lower \
                 --speed, or a faster target)",
                BEHIND_SCHEDULE_LAG.as_millis()
            );
        }
    }
    out
}
