//! An in-process HTTP target for the replay tests, on 127.0.0.1 port 0.
//!
//! It records every request it receives and answers by the job name in the
//! path (the last segment before the query):
//!
//! | name contains | answer |
//! |---|---|
//! | `fail`  | 500 with an ARM error body |
//! | `stale` | 200 with state `Closed` |
//! | `gone`  | 404 with an ARM error body |
//! | `slow`  | the usual answer, after `STALL` |
//! | `drop`  | none: the connection is closed |
//! | else    | 201 for `PUT`, 200 otherwise, with state `Creating` |
//!
//! `Stub::closing_after(n)` answers the first `n` requests as usual, then
//! closes its listener before the `n`-th answer leaves (with `Connection:
//! close`), so the target is gone for good. The server runs on a runtime of
//! its own in a thread, stopped when the `Stub` is dropped.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

/// How long a `slow` job's answer is held back.
pub const STALL: Duration = Duration::from_secs(1);

/// One request as the stub saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The job name: the path's last segment before the query.
    pub fn job(&self) -> &str {
        let route = self.path.split('?').next().unwrap_or("");
        route.rsplit('/').next().unwrap_or("")
    }
}

pub struct Stub {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

struct State {
    received: Arc<Mutex<Vec<Received>>>,
    /// Answer this many requests, then close (`usize::MAX`: never).
    close_after: usize,
    answered: AtomicUsize,
    /// Asks the accept loop to drop the listener...
    close: Notify,
    /// ...and says it did.
    closed: Notify,
}

impl Stub {
    /// Answers by job name, as the module docs say.
    pub fn start() -> Stub {
        Stub::serve(usize::MAX)
    }

    /// Answers `n` requests, then is gone.
    pub fn closing_after(n: usize) -> Stub {
        Stub::serve(n)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn serve(close_after: usize) -> Stub {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(State {
            received: Arc::clone(&received),
            close_after,
            answered: AtomicUsize::new(0),
            close: Notify::new(),
            closed: Notify::new(),
        });
        let (shutdown, mut shutdown_in) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                let mut listener = Some(listener);
                loop {
                    let accept = async {
                        match &listener {
                            Some(listener) => listener.accept().await.ok(),
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        _ = &mut shutdown_in => break,
                        () = state.close.notified() => {
                            listener = None;
                            state.closed.notify_one();
                        }
                        accepted = accept => {
                            let Some((stream, _)) = accepted else { continue };
                            let state = Arc::clone(&state);
                            tokio::spawn(async move {
                                let service = service_fn(move |request| {
                                    let state = Arc::clone(&state);
                                    async move { answer(&state, request).await }
                                });
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        Stub {
            addr,
            received,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An error (the connection closed without an answer) for `drop` jobs.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

async fn answer(
    state: &State,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let received = Received {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body,
    };
    let job = received.job().to_string();
    let method = received.method.clone();
    state.received.lock().unwrap().push(received);
    if job.contains("drop") {
        return Err(Dropped);
    }
    if job.contains("slow") {
        tokio::time::sleep(STALL).await;
    }
    let (status, body) = if job.contains("fail") {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            arm_error("InternalServerError"),
        )
    } else if job.contains("gone") {
        (StatusCode::NOT_FOUND, arm_error("ResourceNotFound"))
    } else {
        let state = if job.contains("stale") {
            "Closed"
        } else {
            "Creating"
        };
        let status = if method == "PUT" {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        (
            status,
            format!(r#"{{"name":"{job}","properties":{{"state":"{state}"}}}}"#),
        )
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let answered = state.answered.fetch_add(1, Ordering::SeqCst) + 1;
    if answered >= state.close_after {
        // Gone before this answer leaves: the next connection is refused.
        let closed = state.closed.notified();
        state.close.notify_one();
        closed.await;
        response
            .headers_mut()
            .insert(hyper::header::CONNECTION, "close".parse().unwrap());
    }
    Ok(response)
}

fn arm_error(code: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"the stub says {code}"}}}}"#)
}
