//! `RequestLog`: `requests.csv`, one row per request the server answered,
//! written as requests come (buffered), so a flood of requests costs disk,
//! not memory.
//!
//! Columns: `time` (wall-clock time the request arrived, RFC 3339 UTC with
//! milliseconds), `method`, `path` (with its query, as sent), `status`,
//! `latency_ms` (arrival to the answer handed to the connection),
//! `simulated_at` (the simulated instant the request was applied at, empty
//! when it never reached the engine), `late` (the request clock applied it
//! after its `x-impexsim-at`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::time::{Clock, SimTime, write_rfc3339_epoch_ms};

/// The header line of `requests.csv`.
pub const REQUESTS_HEADER: &str = "time,method,path,status,latency_ms,simulated_at,late";

/// One answered request.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub received: DateTime<Utc>,
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub status: u16,
    pub latency: Duration,
    pub applied: Option<Applied>,
}

/// Where a request met the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    pub at: SimTime,
    /// Stamped before the request clock: applied at once, later than stamped.
    pub late: bool,
}

/// Writes `requests.csv`.
pub struct RequestLog {
    out: BufWriter<File>,
    clock: Clock,
    line: Vec<u8>,
    /// Rows written.
    pub rows: u64,
    error: Option<io::Error>,
}

impl RequestLog {
    /// Writes the header into `file`.
    pub fn new(file: File, clock: Clock) -> io::Result<RequestLog> {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        out.write_all(REQUESTS_HEADER.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(RequestLog {
            out,
            clock,
            line: Vec::with_capacity(256),
            rows: 0,
            error: None,
        })
    }

    /// Appends one row; a failed write is kept for `finish`.
    pub fn record(&mut self, request: &RequestRecord) {
        if self.error.is_some() {
            return;
        }
        let line = &mut self.line;
        line.clear();
        write_rfc3339_epoch_ms(line, request.received.timestamp_millis());
        line.push(b',');
        line.extend_from_slice(request.method.as_bytes());
        line.push(b',');
        push_csv_field(line, &request.path);
        line.push(b',');
        line.extend_from_slice(request.status.to_string().as_bytes());
        line.push(b',');
        let micros = request.latency.as_micros();
        line.extend_from_slice(format!("{}.{:03}", micros / 1000, micros % 1000).as_bytes());
        line.push(b',');
        if let Some(applied) = request.applied {
            self.clock.write_rfc3339(line, applied.at);
            line.push(b',');
            line.extend_from_slice(if applied.late { b"true" } else { b"false" });
        } else {
            line.push(b',');
        }
        line.push(b'\n');
        self.rows += 1;
        if let Err(error) = self.out.write_all(line) {
            self.error = Some(error);
        }
    }

    /// Flushes the file, or returns the first write error.
    pub fn finish(mut self) -> io::Result<u64> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.out.flush()?;
        Ok(self.rows)
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn push_csv_field(line: &mut Vec<u8>, text: &str) {
    if text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        line.push(b'"');
        for b in text.bytes() {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_per_request_with_quoted_paths() {
        let tmp = std::env::temp_dir().join(format!("impexsim-requests-{}", std::process::id()));
        let file = File::create(&tmp).unwrap();
        let clock = Clock {
            start_epoch_ms: 1_767_571_200_000,
        };
        let mut log = RequestLog::new(file, clock).unwrap();
        let received = DateTime::from_timestamp_millis(1_767_571_200_123).unwrap();
        log.record(&RequestRecord {
            received,
            method: "GET".into(),
            path: "/a?$filter=state eq 'X',y".into(),
            status: 200,
            latency: Duration::from_micros(1_234),
            applied: Some(Applied {
                at: SimTime::from_ms(3_600_000),
                late: true,
            }),
        });
        log.record(&RequestRecord {
            received,
            method: "PUT".into(),
            path: "/b".into(),
            status: 401,
            latency: Duration::from_micros(5),
            applied: None,
        });
        assert_eq!(log.finish().unwrap(), 2);
        let text = std::fs::read_to_string(&tmp).unwrap();
        std::fs::remove_file(&tmp).unwrap();
        assert_eq!(
            text,
            "time,method,path,status,latency_ms,simulated_at,late\n\
             2026-01-05T00:00:00.123Z,GET,\"/a?$filter=state eq 'X',y\",200,1.234,2026-01-05T01:00:00.000Z,true\n\
             2026-01-05T00:00:00.123Z,PUT,/b,401,0.005,,\n"
        );
    }
}
