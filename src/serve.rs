//! `impexsim serve`: a local Import/Export endpoint whose jobs live the
//! scenario's lifecycle on a simulated clock.
//!
//! The server is a thin async shell around the engine (`sim::Engine` in
//! `Mode::Serving`): one `World` (`world`) behind a mutex held only for
//! each engine call, never across an `.await`, so requests apply in one
//! order; the clock that maps wall time, or each request's stamp, to
//! simulated time (`clock`); the routes (`routes`) with the wire types of
//! `api` converted into the model's requests at the edge (`client`), and
//! what clients gave for their jobs kept small (`client_store`); one
//! error type that is the ARM error body (`error`); listings and their
//! paging (`listing`); the provider's own resources (`provider`).
//!
//! What happens to a client's job is the engine's business: the rules of
//! docs/model.md, Serving customer calls (statuses, states, Put replace,
//! Delete, client and replayed customers, when a package ships). The server
//! only decides *when* each call is applied.
//!
//! A server run leaves a record (`sink`, `requests`): `jobs.csv`,
//! `drives.csv` and `timeseries.csv` are written into the output's staging
//! directory as the engine writes rows, and `requests.csv` as requests are
//! answered; at the stop (the `shutdown` future: the binary's SIGINT or
//! SIGTERM) the server stops accepting, answers the requests in flight,
//! writes every job still in memory as it stands, then `summary.csv` and
//! `run.json`. The caller puts the directory in place (`output_dir`).

pub mod client;
pub mod client_store;
pub mod clock;
pub mod error;
pub mod listing;
pub mod provider;
pub mod requests;
pub mod routes;
pub mod sink;
pub mod world;

use std::fs::File;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::interrupt::Interrupted;
use crate::output_dir::{OutputDirError, StagedDir};
use crate::report::{RunInfo, events_per_second, write_run_json, write_summary_single};
use crate::scenario::Scenario;
use crate::sim::{Mode, serving_end};
use crate::time::Clock;

pub use self::clock::{ClockMode, ServeClock};
pub use self::error::ApiError;
pub use self::requests::{Applied, REQUESTS_HEADER, RequestRecord};

use self::requests::RequestLog;
use self::sink::ServeSink;
use self::world::World;

/// The file whose presence marks a directory as a server's record.
pub const SERVE_MARKER: &str = "requests.csv";

/// How often the wall clock's background tick moves the engine on.
const TICK_EVERY: Duration = Duration::from_millis(50);

/// The most events one background tick handles before letting requests in.
const EVENTS_PER_TICK: u64 = 20_000;

/// How to serve, beyond the scenario.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub clock: ClockMode,
    /// The scenario's own customers run alongside the clients.
    pub background: bool,
    /// Require `Authorization: Bearer <token>`.
    pub auth: bool,
    /// Jobs per page of a listing.
    pub page_size: u64,
    /// The command line, recorded in `run.json`.
    pub command: Vec<String>,
}

/// What a server run did.
#[derive(Clone, Debug)]
pub struct ServeOutcome {
    pub requests: u64,
    /// Requests the request clock applied later than stamped.
    pub late_requests: u64,
    /// Job rows written.
    pub jobs: u64,
    /// [s]
    pub wall_time_seconds: f64,
}

/// A server that could not run or leave its record.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the server failed")]
    Server(#[source] io::Error),
    #[error(transparent)]
    Output(#[from] OutputDirError),
    #[error("stopped early")]
    Interrupted(#[from] Interrupted),
}

/// What every request handler shares.
pub struct Shared {
    world: Mutex<World>,
    log: Mutex<RequestLog>,
    settings: Settings,
    time: Clock,
    on_request: Box<dyn Fn(&RequestRecord) + Send + Sync>,
}

/// The options handlers need.
#[derive(Clone, Copy, Debug)]
struct Settings {
    auth: bool,
    page_size: u64,
    max_drives: u32,
    listen: SocketAddr,
}

impl Shared {
    /// The world, locked: hold it only for an engine call.
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().expect("no request handler panicked")
    }

    /// Records an answered request in `requests.csv` and tells the caller.
    fn record(&self, request: &RequestRecord) {
        self.log
            .lock()
            .expect("no request handler panicked")
            .record(request);
        (self.on_request)(request);
    }
}

/// Serves `scenario` on `listener` until `shutdown` completes, then writes
/// the record into `dir`. `on_request` sees every answered request (the
/// binary's access log).
pub async fn serve(
    scenario: Arc<Scenario>,
    options: &ServeOptions,
    listener: tokio::net::TcpListener,
    dir: &StagedDir,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_request: impl Fn(&RequestRecord) + Send + Sync + 'static,
) -> Result<ServeOutcome, ServeError> {
    let started = Instant::now();
    let time = Clock {
        start_epoch_ms: scenario.simulation.start.timestamp_millis(),
    };
    let listen = listener.local_addr().map_err(ServeError::Server)?;
    let sink = ServeSink::create(dir, time)?;
    let requests_file = File::create(dir.file(SERVE_MARKER)).map_err(|source| ServeError::Io {
        path: dir.shown(SERVE_MARKER),
        source,
    })?;
    let log = RequestLog::new(requests_file, time).map_err(|source| ServeError::Io {
        path: dir.shown(SERVE_MARKER),
        source,
    })?;
    let clock = ServeClock::new(options.clock, serving_end(&scenario), started);
    let mode = Mode::Serving {
        background: options.background,
    };
    let shared = Arc::new(Shared {
        world: Mutex::new(World::new(Arc::clone(&scenario), mode, clock, sink)),
        log: Mutex::new(log),
        settings: Settings {
            auth: options.auth,
            page_size: options.page_size,
            max_drives: scenario.policy.max_drives_per_job,
            listen,
        },
        time,
        on_request: Box::new(on_request),
    });

    // Under the wall clock, background jobs move on while no request comes.
    let (stop_ticks, mut ticks_stopped) = tokio::sync::watch::channel(false);
    let ticker = matches!(options.clock, ClockMode::Wall { .. }).then(|| {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK_EVERY);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => shared.world().tick(Instant::now(), EVENTS_PER_TICK),
                    _ = ticks_stopped.changed() => break,
                }
            }
        })
    });

    let app = routes::router(Arc::clone(&shared));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_ticks.send(true);
    if let Some(ticker) = ticker {
        let _ = ticker.await;
    }
    served.map_err(ServeError::Server)?;

    let shared = sole_owner(shared).await?;
    write_record(&scenario, options, dir, shared, started)
}

/// The shared state once every connection task has let go of it: a task
/// may still be dropping its copy of the router just after `axum::serve`
/// returns, so the wait is a short, bounded one.
async fn sole_owner(mut shared: Arc<Shared>) -> Result<Shared, ServeError> {
    for _ in 0..1000 {
        match Arc::try_unwrap(shared) {
            Ok(shared) => return Ok(shared),
            Err(still_shared) => shared = still_shared,
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(ServeError::Server(io::Error::other(
        "a connection was still open 10 s after the stop",
    )))
}

/// The record of a stopped server: every job still in memory, the summary
/// and `run.json`, with `requests.csv` flushed.
fn write_record(
    scenario: &Scenario,
    options: &ServeOptions,
    dir: &StagedDir,
    shared: Shared,
    started: Instant,
) -> Result<ServeOutcome, ServeError> {
    let io_error = |name: &str| {
        let path = dir.shown(name);
        move |source| ServeError::Io { path, source }
    };
    let world = shared
        .world
        .into_inner()
        .expect("no request handler panicked");
    let late_requests = world.clock().late();
    let (stats, sink) = world.finish();
    let jobs = sink.jobs_written;
    let events = stats.events;
    let metrics = sink.finish(stats)?;
    let requests = shared
        .log
        .into_inner()
        .expect("no request handler panicked")
        .finish()
        .map_err(io_error(SERVE_MARKER))?;
    let mut summary = Vec::new();
    write_summary_single(&mut summary, &metrics).expect("a summary into memory");
    std::fs::write(dir.file("summary.csv"), summary).map_err(io_error("summary.csv"))?;
    let wall_time_seconds = started.elapsed().as_secs_f64();
    let info = RunInfo {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        command: options.command.clone(),
        scenario_name: scenario.simulation.name.clone(),
        seed: scenario.simulation.seed,
        replications: 1,
        jobs,
        events,
        wall_time_seconds,
        events_per_second: events_per_second(events, wall_time_seconds),
        resolved_scenario: serde_json::to_value(&scenario.resolved)
            .expect("a TOML table converts to JSON"),
    };
    let mut run_json = Vec::new();
    write_run_json(&mut run_json, &info).expect("JSON into memory");
    std::fs::write(dir.file("run.json"), run_json).map_err(io_error("run.json"))?;
    Ok(ServeOutcome {
        requests,
        late_requests,
        jobs,
        wall_time_seconds,
    })
}
