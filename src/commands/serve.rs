//! `impexsim serve`: reads the options, listens, serves on a tokio runtime
//! until SIGINT or SIGTERM, and leaves the record in a staged output
//! directory (default `output/<scenario name>-serve/`).
//!
//! The address is bound before anything is staged, so an address in use
//! fails at once (exit 1) and leaves nothing behind. The first line on
//! standard output is `listening on http://ADDR` (port 0 resolved), for
//! scripts and tests that start the server and read where it listens. The
//! access log, one line per answered request, goes to standard error
//! unless `--quiet`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use impexsim::interrupt::Interrupt;
use impexsim::output_dir::write_staged;
use impexsim::serve::{
    ClockMode, RequestRecord, SERVE_MARKER, ServeError, ServeOptions, serve as run_serve,
};

use crate::cli::{self, ClockKind};
use crate::commands::{UsageError, load_scenario, seeded_overrides};
use crate::console::{errln, outln};
use crate::signals;

/// The default `--speed`: a simulated hour per second.
const DEFAULT_SPEED: f64 = 3600.0;

pub fn serve(args: cli::ServeArgs) -> Result<()> {
    let clock = clock_mode(&args)?;
    let listen: SocketAddr = args.listen.trim().parse().map_err(|_| {
        UsageError(format!(
            "--listen {}: expected HOST:PORT with an IP address, such as 127.0.0.1:8080 (port 0 picks a free port)",
            impexsim::echo::quote(&args.listen)
        ))
    })?;
    let overrides = seeded_overrides(args.seed, &args.overrides);
    let scenario = Arc::new(load_scenario(args.scenario.as_deref(), &overrides)?);
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-serve", scenario.simulation.name))
    });
    let listener = std::net::TcpListener::bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?;
    listener
        .set_nonblocking(true)
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener
        .local_addr()
        .with_context(|| format!("cannot listen on {listen}"))?;
    let options = ServeOptions {
        clock,
        background: !args.no_background,
        auth: !args.no_auth,
        page_size: args.page_size,
        command: std::env::args().collect(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let quiet = args.quiet;
    // A signal is the server's normal end: it stops accepting, answers what
    // is in flight and writes the record, so the staged directory gets an
    // interrupt that is never raised.
    let never = Interrupt::new();
    let outcome = write_staged(&out, SERVE_MARKER, &never, |dir| -> Result<_, ServeError> {
        runtime.block_on(async {
            let listener =
                tokio::net::TcpListener::from_std(listener).map_err(ServeError::Server)?;
            outln!("listening on http://{address}");
            run_serve(
                Arc::clone(&scenario),
                &options,
                listener,
                dir,
                stopped(),
                move |request: &RequestRecord| {
                    if !quiet {
                        access_log(request);
                    }
                },
            )
            .await
        })
    })
    .with_context(|| format!("serve of scenario {:?} failed", scenario.simulation.name))?;
    if !quiet {
        outln!(
            "{} requests answered ({} applied later than stamped), {} job rows; record in {}",
            outcome.requests,
            outcome.late_requests,
            outcome.jobs,
            out.display()
        );
    }
    Ok(())
}

/// The clock the options ask for.
fn clock_mode(args: &cli::ServeArgs) -> Result<ClockMode> {
    let kind = match (args.manual_clock, args.clock) {
        (true, _) => ClockKind::Manual,
        (false, Some(kind)) => kind,
        (false, None) => ClockKind::Wall,
    };
    if kind != ClockKind::Wall && args.speed.is_some() {
        return Err(UsageError(
            "--speed sets the wall clock's pace: it cannot go with --manual-clock or --clock manual|requests"
                .to_string(),
        )
        .into());
    }
    match kind {
        ClockKind::Manual => Ok(ClockMode::Manual),
        ClockKind::Requests => Ok(ClockMode::Requests),
        ClockKind::Wall => match args.speed {
            None => Ok(ClockMode::Wall {
                speed: DEFAULT_SPEED,
            }),
            Some(speed) if speed.is_finite() && speed > 0.0 => Ok(ClockMode::Wall { speed }),
            Some(speed) => Err(UsageError(format!(
                "--speed {speed}: expected a positive number (3600 is a simulated hour per second)"
            ))
            .into()),
        },
    }
}

/// One access log line: wall time, method, path, status, latency, and the
/// simulated instant the request was applied at.
fn access_log(request: &RequestRecord) {
    let at = request
        .applied
        .map(|applied| {
            let late = if applied.late { " late" } else { "" };
            format!(" sim+{}ms{late}", applied.at.ms())
        })
        .unwrap_or_default();
    // The tree's own RFC 3339 writer: chrono's `format` parses its pattern
    // on every call, a cost paid per request here.
    let mut received = Vec::with_capacity(24);
    impexsim::time::write_rfc3339_epoch_ms(&mut received, request.received.timestamp_millis());
    errln!(
        "{} {} {} {} {:.3}ms{at}",
        String::from_utf8_lossy(&received),
        request.method,
        request.path,
        request.status,
        request.latency.as_secs_f64() * 1000.0
    );
}

/// Completes at the first SIGINT or SIGTERM: the server stops accepting
/// and answers the requests in flight.
async fn stopped() {
    signals::stop_requested().await;
    errln!("stopping: answering the requests in flight, then writing the record");
}
