//! The HTTP target: `--target http://HOST[:PORT][/BASE]`, the requests sent
//! to it, and one keep-alive HTTP/1.1 connection per worker.
//!
//! Targets are plain HTTP (a service under test on this machine or behind a
//! test network); `https` is refused at once. A base path is put in front of
//! every call's path (`http://127.0.0.1:8080/api` sends `/api/subscriptions/...`).
//!
//! Every request carries `host`, `authorization: Bearer <token>`,
//! `x-ms-client-request-id` (a fresh UUID per request), `user-agent:
//! impexsim/<version>`, `x-impexsim-at` (the call's simulated time, RFC 3339
//! with milliseconds), `x-impexsim-job-key` when the line has a `key`, and
//! with a body `content-type: application/json` (hyper adds
//! `content-length`).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::replay::call::{Call, push_millis_timestamp};

/// `x-impexsim-job-key`: the call line's `key`.
pub const JOB_KEY_HEADER: HeaderName = HeaderName::from_static("x-impexsim-job-key");
/// `x-impexsim-at`: the call's simulated time.
pub const AT_HEADER: HeaderName = HeaderName::from_static("x-impexsim-at");
/// `x-ms-client-request-id`: a UUID per request, as Azure clients send.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-ms-client-request-id");

/// Where requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// As the user wrote it (without a trailing `/`).
    text: String,
    /// `HOST:PORT` to connect to.
    authority: String,
    /// Prepended to every path; empty or `/...` without a trailing `/`.
    base_path: String,
}

/// A `--target` that is not `http://HOST[:PORT][/BASE]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--target `{given}`: {reason}")]
pub struct TargetError {
    pub given: String,
    pub reason: String,
}

/// The headers every request of a run shares.
#[derive(Clone, Debug)]
pub struct RequestHeaders {
    host: HeaderValue,
    authorization: HeaderValue,
    user_agent: HeaderValue,
}

/// The body type of every request.
pub type RequestBody = Full<Bytes>;

/// One HTTP/1.1 connection, kept alive across requests.
pub struct Connection {
    pub sender: http1::SendRequest<RequestBody>,
    /// Drives the connection; aborted when the connection is dropped.
    driver: JoinHandle<()>,
}

impl Target {
    /// The address to connect to, resolved once per run.
    pub async fn resolve(&self) -> io::Result<SocketAddr> {
        tokio::net::lookup_host(&self.authority)
            .await?
            .next()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} resolves to no address", self.authority),
                )
            })
    }

    /// `HOST:PORT`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The request for `call`.
    pub fn request(
        &self,
        call: &Call,
        headers: &RequestHeaders,
        request_id: &str,
    ) -> Request<RequestBody> {
        let uri = if self.base_path.is_empty() {
            Uri::from_str(&call.path)
        } else {
            Uri::from_str(&format!("{}{}", self.base_path, call.path))
        }
        .expect("call paths are checked when read");
        let body = match &call.body {
            Some(body) => Full::new(body.clone()),
            None => Full::new(Bytes::new()),
        };
        // Built in place: the builder moves the whole request per header.
        let mut request = Request::new(body);
        *request.method_mut() = call.method.to_hyper();
        *request.uri_mut() = uri;
        let map = request.headers_mut();
        map.reserve(8);
        map.insert(header::HOST, headers.host.clone());
        map.insert(header::AUTHORIZATION, headers.authorization.clone());
        map.insert(header::USER_AGENT, headers.user_agent.clone());
        map.insert(
            REQUEST_ID_HEADER,
            HeaderValue::from_str(request_id).expect("a UUID is a header value"),
        );
        let mut at = Vec::with_capacity(24);
        push_millis_timestamp(&mut at, call.at_epoch_ms);
        map.insert(
            AT_HEADER,
            HeaderValue::from_bytes(&at).expect("a timestamp is a header value"),
        );
        if let Some(key) = call.key {
            map.insert(
                JOB_KEY_HEADER,
                HeaderValue::from_str(&key.to_string()).expect("a job key is a header value"),
            );
        }
        if call.body.is_some() {
            map.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        request
    }
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Target, TargetError> {
        let fail = |reason: &str| TargetError {
            given: text.to_string(),
            reason: reason.to_string(),
        };
        let expected = "expected http://HOST[:PORT][/BASE], e.g. http://127.0.0.1:8080";
        let uri: Uri = text.parse().map_err(|_| fail(expected))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(fail(
                    "https is not supported: targets are plain HTTP (put a TLS-terminating \
                     proxy in front, or use http://)",
                ));
            }
            _ => return Err(fail(expected)),
        }
        let authority = uri.authority().ok_or_else(|| fail(expected))?;
        if authority.as_str().contains('@') {
            return Err(fail("user info (user@host) is not supported"));
        }
        if authority.host().is_empty() {
            return Err(fail(expected));
        }
        if uri.query().is_some() {
            return Err(fail("a target has no query; calls bring their own"));
        }
        let port = authority.port_u16().unwrap_or(80);
        let base_path = uri.path().trim_end_matches('/').to_string();
        Ok(Target {
            text: text.trim_end_matches('/').to_string(),
            authority: format!("{}:{port}", authority.host()),
            base_path,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl RequestHeaders {
    pub fn new(target: &Target, token: &str) -> Result<RequestHeaders, TargetError> {
        let authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .ok()
            .filter(|_| !token.is_empty())
            .ok_or_else(|| TargetError {
                given: target.to_string(),
                reason: "--token must be non-empty visible ASCII".to_string(),
            })?;
        Ok(RequestHeaders {
            host: HeaderValue::from_str(&target.authority).expect("an authority is a header"),
            authorization,
            user_agent: HeaderValue::from_static(concat!("impexsim/", env!("CARGO_PKG_VERSION"))),
        })
    }
}

impl Connection {
    /// Opens a connection to `addr` within `timeout`.
    pub async fn open(addr: SocketAddr, timeout: Duration) -> io::Result<Connection> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no connection within {} ms", timeout.as_millis()),
                )
            })??;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(io::Error::other)?;
        let driver = tokio::spawn(async move {
            // An error here reaches the request that was in flight.
            let _ = connection.await;
        });
        Ok(Connection { sender, driver })
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// A version-4-shaped UUID made from `seed` and `sequence` (splitmix64), so
/// request ids are unique within a run and differ between runs.
pub fn request_id(seed: u64, sequence: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let high = splitmix64(seed ^ splitmix64(sequence));
    let low = splitmix64(high ^ sequence.rotate_left(17));
    let value = (u128::from(high) << 64 | u128::from(low)) & !(0xf000 << 64) & !(0xc << 60)
        | (0x4000 << 64)
        | (0x8 << 60);
    let mut text = String::with_capacity(36);
    for nibble in 0..32 {
        if matches!(nibble, 8 | 12 | 16 | 20) {
            text.push('-');
        }
        let digit = (value >> (124 - 4 * nibble)) & 0xf;
        text.push(char::from(HEX[digit as usize]));
    }
    text
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_plain_http_with_an_optional_base() {
        let target: Target = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(target.authority(), "127.0.0.1:8080");
        assert_eq!(target.base_path, "");
        let target: Target = "http://localhost/api/".parse().unwrap();
        assert_eq!(target.authority(), "localhost:80");
        assert_eq!(target.base_path, "/api");
        assert_eq!(target.to_string(), "http://localhost/api");
        for (bad, reason) in [
            ("https://127.0.0.1:8443", "https is not supported"),
            ("127.0.0.1:8080", "expected http://"),
            ("ftp://x", "expected http://"),
            ("http://u@h:1", "user info"),
            ("http://h:1/?a=1", "no query"),
            ("not a url", "expected http://"),
        ] {
            let error = bad.parse::<Target>().unwrap_err().to_string();
            assert!(error.starts_with(&format!("--target `{bad}`: ")), "{error}");
            assert!(error.contains(reason), "{error}");
        }
    }

    #[test]
    fn request_ids_are_uuids_that_differ() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in [1, 2] {
            for sequence in 0..500 {
                let id = request_id(seed, sequence);
                let parts: Vec<&str> = id.split('-').collect();
                assert_eq!(
                    parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                    [8, 4, 4, 4, 12],
                    "{id}"
                );
                assert!(parts[2].starts_with('4'), "version 4: {id}");
                assert!(
                    matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                    "variant: {id}"
                );
                assert!(seen.insert(id));
            }
        }
    }
}
