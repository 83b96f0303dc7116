//! `impexsim replay`: reads the options, runs the replay on a tokio runtime
//! into a staged output directory, prints the summary and the threshold
//! verdicts, and turns a failed run into its exit code.
//!
//! The output directory (default `output/replay/`) holds `replay.csv`,
//! `replay-summary.csv`, `replay.json` and, with `--threshold`,
//! `replay-thresholds.csv`. It is written whenever a request was sent, also
//! when the run stops early (Ctrl-C or SIGTERM, an unreachable target, a
//! malformed line), so what was measured is kept; `replay.json` says why the
//! run stopped. A run that sent nothing leaves nothing behind.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};

use impexsim::dist::parse_duration;
use impexsim::interrupt::Interrupt;
use impexsim::output_dir::{StagedDir, write_staged};
use impexsim::replay::report::{human_summary, write_replay_json};
use impexsim::replay::stats::write_summary_csv;
use impexsim::replay::{
    NamePrefix, PaceMode, Replay, ReplayOptions, RequestHeaders, StopKind, Target, Threshold,
    ThresholdVerdict, ThresholdsFailed, check_thresholds, metric_names, parse_threshold,
    replay as run_replay,
};

use crate::cli;
use crate::commands::UsageError;
use crate::console::{errln, outln};
use crate::progress::{replay_bar, show_replay_progress};
use crate::signals;

/// The default `--speed`: a simulated day per second.
const DEFAULT_SPEED: f64 = 86_400.0;

/// How many skipped lines are named on standard error.
const SKIPPED_SHOWN: usize = 10;

pub fn replay(args: cli::ReplayArgs) -> Result<()> {
    // Everything the user typed is checked before anything is sent.
    let target: Target = args.target.parse()?;
    let headers = RequestHeaders::new(&target, &args.token)?;
    let pace = match (args.as_fast_as_possible, args.speed) {
        (true, _) => PaceMode::AsFastAsPossible,
        (false, Some(speed)) if speed.is_finite() && speed > 0.0 => PaceMode::Speed(speed),
        (false, Some(speed)) => {
            return Err(UsageError(format!(
                "--speed {speed}: expected a positive number (86400 is a simulated day per second)"
            ))
            .into());
        }
        (false, None) => PaceMode::Speed(DEFAULT_SPEED),
    };
    let duration = args
        .duration
        .as_deref()
        .map(|text| wall_duration("--duration", text))
        .transpose()?;
    let timeout = wall_duration("--timeout", &args.timeout)?;
    let known = metric_names();
    let thresholds = args
        .thresholds
        .iter()
        .map(|text| parse_threshold(text, &known))
        .collect::<Result<Vec<Threshold>, _>>()?;
    let run_id = run_id();
    let name_prefix = match &args.name_prefix {
        Some(prefix) => prefix.parse::<NamePrefix>()?,
        None => NamePrefix::for_run(run_id),
    };
    let (input, input_name, input_bytes) = open_input(&args.calls)?;
    let options = ReplayOptions {
        target,
        headers,
        pace,
        concurrency: usize::from(args.concurrency),
        max_requests: args.max_requests,
        duration,
        timeout,
        name_prefix,
        skip_bad_lines: args.skip_bad_lines,
        input_name,
        run_id,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join("replay"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar = replay_bar(input_bytes, args.quiet);
    let mut on_progress = |progress: &_| show_replay_progress(&bar, progress);
    let command: Vec<String> = std::env::args().collect();

    // Ctrl-C is replay's own stop (it drains and still writes the results),
    // so the staged directory gets an interrupt that is never raised.
    let never = Interrupt::new();
    let result = write_staged(&out, "replay-summary.csv", &never, |dir| -> Result<_> {
        let shown = dir.shown("replay.csv");
        let file = File::create(dir.file("replay.csv"))
            .with_context(|| format!("cannot write {}", shown.display()))?;
        let rows = BufWriter::with_capacity(1 << 16, file);
        let mut replay = runtime
            .block_on(run_replay(
                &options,
                input,
                rows,
                interrupted(),
                &mut on_progress,
            ))
            .with_context(|| format!("cannot write {}", shown.display()))?;
        bar.finish_and_clear();
        if replay.stats.requests() == 0 {
            // Nothing was measured: an early failure leaves nothing behind.
            if let Some(error) = run_error(&mut replay) {
                return Err(error);
            }
        }
        replay
            .rows
            .flush()
            .with_context(|| format!("cannot write {}", shown.display()))?;
        let verdicts = write_results(dir, &replay, &options, &thresholds, &command)?;
        Ok((replay, verdicts))
    });
    bar.finish_and_clear();
    let (mut replay, verdicts) = result.context("replay failed")?;

    for error in &replay.skipped[..replay.skipped.len().min(SKIPPED_SHOWN)] {
        errln!("warning: skipped {error}");
    }
    if replay.lines_skipped > SKIPPED_SHOWN as u64 {
        errln!(
            "warning: {} more malformed lines skipped",
            replay.lines_skipped - SKIPPED_SHOWN as u64
        );
    }
    if !args.quiet {
        outln!("{}", human_summary(&replay, &options).trim_end());
        outln!("results in {}", out.display());
    }
    // The verdicts are the command's result: printed even with --quiet.
    for verdict in &verdicts {
        outln!("{}", verdict.line());
    }
    if let Some(error) = run_error(&mut replay) {
        return Err(error.context(format!("results so far in {}", out.display())));
    }
    let failed = verdicts.iter().filter(|v| !v.passed).count();
    if failed > 0 {
        return Err(ThresholdsFailed {
            failed,
            total: verdicts.len(),
        }
        .into());
    }
    Ok(())
}

/// The error that stopped the run early, if one did.
fn run_error<W>(replay: &mut Replay<W>) -> Option<anyhow::Error> {
    match replay.stop {
        StopKind::Unreachable => Some(anyhow!(
            "{}",
            replay
                .unreachable
                .clone()
                .unwrap_or_else(|| "the target cannot be reached".to_string())
        )),
        StopKind::InputFailed => replay.input_error.take().map(anyhow::Error::from),
        StopKind::EndOfInput
        | StopKind::MaxRequests
        | StopKind::Duration
        | StopKind::Interrupted => None,
    }
}

/// Writes the summary, `replay.json` and the threshold verdicts into `dir`.
fn write_results<W>(
    dir: &StagedDir,
    replay: &Replay<W>,
    options: &ReplayOptions,
    thresholds: &[Threshold],
    command: &[String],
) -> Result<Vec<ThresholdVerdict>> {
    let write = |name: &str, bytes: &[u8]| {
        fs::write(dir.file(name), bytes)
            .with_context(|| format!("cannot write {}", dir.shown(name).display()))
    };
    let metrics = replay
        .stats
        .metrics(replay.unsent, replay.lines_skipped, replay.connections);
    write("replay-summary.csv", write_summary_csv(&metrics).as_bytes())?;
    let mut json = Vec::new();
    write_replay_json(&mut json, replay, options, command).expect("JSON into memory");
    write("replay.json", &json)?;
    let verdicts = check_thresholds(thresholds, &metrics);
    if !verdicts.is_empty() {
        let mut csv = csv::Writer::from_writer(Vec::new());
        let io = |error: csv::Error| anyhow!("cannot write replay-thresholds.csv: {error}");
        csv.write_record(["threshold", "metric", "op", "limit", "value", "passed"])
            .map_err(io)?;
        for verdict in &verdicts {
            let threshold = &verdict.threshold;
            csv.write_record([
                threshold.text.trim().to_string(),
                threshold.metric.clone(),
                threshold.comparison.as_str().to_string(),
                threshold.limit.to_string(),
                verdict.value.map(|v| v.to_string()).unwrap_or_default(),
                verdict.passed.to_string(),
            ])
            .map_err(io)?;
        }
        let bytes = csv.into_inner().map_err(|e| anyhow!("{e}"))?;
        write("replay-thresholds.csv", &bytes)?;
    }
    Ok(verdicts)
}

/// The call stream, its name in messages and its size (for the bar).
fn open_input(path: &Path) -> Result<(Box<dyn BufRead + Send>, String, Option<u64>)> {
    if path.as_os_str() == "-" {
        let input = BufReader::with_capacity(1 << 16, io::stdin());
        return Ok((Box::new(input), "standard input".to_string(), None));
    }
    let file = File::open(path)
        .map_err(|error| UsageError(format!("cannot read {}: {error}", path.display())))?;
    let bytes = file.metadata().ok().map(|m| m.len()).filter(|&len| len > 0);
    let input = BufReader::with_capacity(1 << 16, file);
    Ok((Box::new(input), path.display().to_string(), bytes))
}

/// A wall-clock duration option (`500ms`, `30s`, `5m`), positive.
fn wall_duration(option: &str, text: &str) -> Result<Duration> {
    let duration =
        parse_duration(text).map_err(|error| UsageError(format!("{option}: {error}")))?;
    if duration.ms() <= 0 {
        return Err(UsageError(format!("{option} `{text}`: expected a positive duration")).into());
    }
    Ok(Duration::from_millis(duration.ms() as u64))
}

/// Different on every run: the default name prefix and the request ids.
fn run_id() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64);
    (nanos ^ u64::from(std::process::id()) << 40).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Completes at the first Ctrl-C (or SIGTERM): the replay stops sending and
/// lets the requests in flight be answered.
async fn interrupted() {
    signals::stop_requested().await;
    errln!(
        "interrupted: sending stopped, waiting for the answers in flight (each at most --timeout)"
    );
}
