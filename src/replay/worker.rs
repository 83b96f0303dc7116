//! A sender: one task with one keep-alive connection, sending the calls of
//! its share of the jobs in stream order, each at its intended time.
//!
//! A worker waits for a call's intended instant (or not at all when it is
//! already past, or with `--as-fast-as-possible`), sends it, and waits for
//! the complete answer before it takes the next: a job's calls are all
//! sent by the same worker, so they reach the target in order, each after
//! the answer to the one before. A stop (Ctrl-C, a fatal error) ends the
//! wait for the next call at once; the request in flight is still answered
//! (or times out), then the worker ends.
//!
//! Connections: opened on the first call, reused while the target keeps
//! them open. A request the connection had not yet written when it closed
//! is sent again on a new connection (it never reached the target). After
//! a transport error or a timeout the connection is dropped and the next
//! call opens a new one. A connection that cannot be opened at all ends the
//! run: the target is unreachable.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Limited};
use hyper::Request;
use tokio::sync::{mpsc, watch};

use crate::replay::call::Call;
use crate::replay::exchange::{Answer, Exchange, judge};
use crate::replay::target::{Connection, RequestBody};

/// The largest answer body read [bytes]; a larger one is a transport error.
const MAX_ANSWER_BYTES: usize = 16 << 20;

/// How often a request that never left is tried on a fresh connection.
const MAX_ATTEMPTS: u32 = 3;

/// A call with its request, handed from the reader to a worker.
pub struct Prepared {
    pub call: Call,
    pub request: Request<RequestBody>,
    /// `None` with `--as-fast-as-possible`: send when the worker is free.
    pub intended: Option<Instant>,
}

/// What the workers of a run share.
pub struct Shared {
    pub addr: SocketAddr,
    pub timeout: Duration,
    /// Set to true to stop: no new request is sent.
    pub stop: watch::Sender<bool>,
    /// The first connection that could not be opened, as a message.
    pub unreachable: std::sync::Mutex<Option<String>>,
    pub counters: Counters,
}

/// Live counts for the progress display.
#[derive(Default)]
pub struct Counters {
    pub sent: AtomicU64,
    pub answered: AtomicU64,
    pub mismatches: AtomicU64,
    pub connections: AtomicU64,
    /// The largest lag so far [µs].
    pub max_lag_micros: AtomicU64,
}

/// Sends the calls of `calls` until it closes or the run stops; each
/// measured exchange goes to `results`.
pub async fn work(
    shared: Arc<Shared>,
    mut calls: mpsc::Receiver<Prepared>,
    results: mpsc::Sender<Exchange>,
) {
    let mut stop = shared.stop.subscribe();
    let mut connection: Option<Connection> = None;
    loop {
        let next = tokio::select! {
            biased;
            _ = stop.wait_for(|&stopped| stopped) => None,
            next = calls.recv() => next,
        };
        let Some(prepared) = next else { break };
        if let Some(intended) = prepared.intended
            && intended > Instant::now()
        {
            let sleep = tokio::time::sleep_until(intended.into());
            let stopped = tokio::select! {
                biased;
                _ = stop.wait_for(|&stopped| stopped) => true,
                () = sleep => false,
            };
            if stopped {
                break;
            }
        }
        let scheduled = prepared.intended.is_some();
        let exchange = send(&shared, &mut connection, prepared).await;
        let counters = &shared.counters;
        counters.answered.fetch_add(1, Ordering::Relaxed);
        if exchange.outcome.is_mismatch() {
            counters.mismatches.fetch_add(1, Ordering::Relaxed);
        }
        if scheduled {
            let lag = u64::try_from(exchange.lag().as_micros()).unwrap_or(u64::MAX);
            counters.max_lag_micros.fetch_max(lag, Ordering::Relaxed);
        }
        if results.send(exchange).await.is_err() {
            break;
        }
    }
}

/// Sends one request, opening a connection if needed, and measures it.
/// Without an intended time (`--as-fast-as-possible`) the request counts
/// as intended when it was actually sent.
async fn send(
    shared: &Shared,
    connection: &mut Option<Connection>,
    prepared: Prepared,
) -> Exchange {
    let Prepared {
        call,
        request,
        intended,
    } = prepared;
    let mut request = Some(request);
    let mut sent = Instant::now();
    let mut attempts = 0;
    let answer = loop {
        attempts += 1;
        let reusable = match connection.take() {
            Some(mut open) => open.sender.ready().await.is_ok().then_some(open),
            None => None,
        };
        let mut open = match reusable {
            Some(open) => open,
            // None yet, or closed by the target while idle: open another.
            None => match open_connection(shared).await {
                Ok(open) => open,
                Err(error) => {
                    let message = format!("cannot connect to {}: {error}", shared.addr);
                    let mut unreachable = shared.unreachable.lock().expect("not poisoned");
                    unreachable.get_or_insert_with(|| message.clone());
                    drop(unreachable);
                    shared.stop.send_replace(true);
                    break Answer::Transport(message);
                }
            },
        };
        sent = Instant::now();
        shared.counters.sent.fetch_add(1, Ordering::Relaxed);
        let deadline = sent + shared.timeout;
        let outgoing = request.take().expect("a request to send");
        let exchange = async {
            match open.sender.try_send_request(outgoing).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    match Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                        .collect()
                        .await
                    {
                        Ok(body) => Ok(Answer::from_response(status, &body.to_bytes())),
                        Err(error) => Err((None, format!("reading the answer failed: {error}"))),
                    }
                }
                Err(mut error) => Err((error.take_message(), error.into_error().to_string())),
            }
        };
        match tokio::time::timeout_at(deadline.into(), exchange).await {
            Err(_elapsed) => break Answer::Timeout,
            Ok(Ok(answer)) => {
                *connection = Some(open);
                break answer;
            }
            // Not written before the connection closed: it never reached
            // the target, so send it again on a new connection.
            Ok(Err((Some(unsent), _))) if attempts < MAX_ATTEMPTS => {
                shared.counters.sent.fetch_sub(1, Ordering::Relaxed);
                request = Some(unsent);
            }
            Ok(Err((_, message))) => break Answer::Transport(message),
        }
    };
    let done = Instant::now();
    let outcome = judge(call.expect.status, call.expect.state.as_deref(), &answer);
    Exchange {
        call,
        scheduled: intended.map_or(sent, |intended| intended.min(sent)),
        sent,
        done,
        answer,
        outcome,
    }
}

async fn open_connection(shared: &Shared) -> io::Result<Connection> {
    let open = Connection::open(shared.addr, shared.timeout).await?;
    shared.counters.connections.fetch_add(1, Ordering::Relaxed);
    Ok(open)
}
