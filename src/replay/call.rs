//! Call lines as `impexsim calls` writes them, read one at a time.
//!
//! `CallReader` reads JSON Lines from any `BufRead` (a file, standard input)
//! with one reused buffer, so a stream of millions of lines takes the memory
//! of one line. Each line becomes a `Call`: the instant `at`, the job, its
//! key, method, path, body and what the service is expected to answer, with
//! the job renamed by the run's `NamePrefix` in the path and the body.
//! Blank lines are skipped; anything else that is not a call line is a
//! `CallLineError` naming the input, the line (1-based) and, where the JSON
//! parser knows it, the column.
//!
//! Fields other than those below are ignored, so a stream with fields added
//! later still replays: `at` (RFC 3339, with or without milliseconds), `job`
//! (lowercase letters, digits, `-` and `_`, starting with a letter),
//! optional `key` (`<root>.<generation>`), `method` (`GET`, `PUT`, `PATCH`,
//! `DELETE` or `POST`), `path` (starting with `/`, query included), optional
//! `body` (any JSON, sent byte for byte as written), and `expect` with
//! `status` (100 to 599) and an optional `state`.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead, Read};

use chrono::DateTime;
use hyper::body::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::replay::prefix::{NamePrefix, is_job_name};
use crate::sim::JobKey;

/// The longest line read [bytes]; a longer one is an error rather than
/// an unbounded allocation.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// One call of the stream, ready to be sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The line it came from, 1-based.
    pub line: u64,
    /// The call's simulated instant [ms since the Unix epoch].
    pub at_epoch_ms: i64,
    /// The job's name as written in the stream.
    pub original_job: Box<str>,
    /// The job's name as sent (the run's prefix applied).
    pub job: Box<str>,
    pub key: Option<JobKey>,
    pub method: MethodKind,
    /// Path and query as sent (the job renamed).
    pub path: Box<str>,
    /// The body as sent (the job renamed), `None` without one.
    pub body: Option<Bytes>,
    pub expect: Expectation,
}

/// What the service is expected to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    pub status: u16,
    /// The job's state in the answer; compared only when the answer is 2xx.
    pub state: Option<Box<str>>,
}

/// The HTTP methods a call line may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MethodKind {
    Get,
    Put,
    Patch,
    Delete,
    Post,
}

/// A line that is not a call line, or input that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CallLineError {
    /// The line is not a call line.
    #[error("{input}:{line}{}: {message}", column.map(|c| format!(":{c}")).unwrap_or_default())]
    Malformed {
        /// The input's name (a path, or `standard input`).
        input: String,
        line: u64,
        /// 1-based, where the JSON parser knows it.
        column: Option<usize>,
        message: String,
    },
    /// Reading the input failed (not the input's fault).
    #[error("cannot read {input} after line {line}")]
    Read {
        input: String,
        line: u64,
        #[source]
        source: io::Error,
    },
}

/// Reads `Call`s from JSON Lines, one line at a time.
pub struct CallReader<R> {
    input: R,
    name: String,
    prefix: NamePrefix,
    line: u64,
    bytes_read: u64,
    buffer: Vec<u8>,
}

/// A call line as written; borrowed from the line's bytes where it can be.
#[derive(Deserialize)]
struct CallLine<'a> {
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    job: Cow<'a, str>,
    #[serde(borrow, default)]
    key: Option<Cow<'a, str>>,
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    path: Cow<'a, str>,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
    #[serde(borrow)]
    expect: ExpectLine<'a>,
}

#[derive(Deserialize)]
struct ExpectLine<'a> {
    status: u16,
    #[serde(borrow, default)]
    state: Option<Cow<'a, str>>,
}

impl MethodKind {
    pub const ALL: [MethodKind; 5] = [
        MethodKind::Get,
        MethodKind::Put,
        MethodKind::Patch,
        MethodKind::Delete,
        MethodKind::Post,
    ];

    /// `GET`, `PUT`, ... as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Get => "GET",
            MethodKind::Put => "PUT",
            MethodKind::Patch => "PATCH",
            MethodKind::Delete => "DELETE",
            MethodKind::Post => "POST",
        }
    }

    /// `get`, `put`, ... as metric names write it.
    pub fn metric_name(self) -> &'static str {
        match self {
            MethodKind::Get => "get",
            MethodKind::Put => "put",
            MethodKind::Patch => "patch",
            MethodKind::Delete => "delete",
            MethodKind::Post => "post",
        }
    }

    pub fn parse(text: &str) -> Option<MethodKind> {
        MethodKind::ALL
            .into_iter()
            .find(|method| method.as_str() == text)
    }

    pub fn to_hyper(self) -> hyper::Method {
        match self {
            MethodKind::Get => hyper::Method::GET,
            MethodKind::Put => hyper::Method::PUT,
            MethodKind::Patch => hyper::Method::PATCH,
            MethodKind::Delete => hyper::Method::DELETE,
            MethodKind::Post => hyper::Method::POST,
        }
    }
}

impl fmt::Display for MethodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Call {
    /// `at` as the `x-impexsim-at` header and `replay.csv` write it:
    /// RFC 3339 UTC with milliseconds.
    pub fn at_text(&self) -> String {
        let mut out = Vec::with_capacity(24);
        push_millis_timestamp(&mut out, self.at_epoch_ms);
        String::from_utf8(out).expect("ASCII")
    }
}

/// Appends the instant `epoch_ms` [ms since the Unix epoch] as RFC 3339
/// UTC, always with milliseconds (`2026-01-05T00:00:00.000Z`).
pub fn push_millis_timestamp(out: &mut Vec<u8>, epoch_ms: i64) {
    let start = out.len();
    crate::time::write_rfc3339_epoch_ms(out, epoch_ms);
    // That writer leaves out `.000`; the wire and replay.csv always carry it.
    if out.len() - start == 20 && out.ends_with(b"Z") {
        out.pop();
        out.extend_from_slice(b".000Z");
    }
}

impl CallLineError {
    /// The line the error is about.
    pub fn line(&self) -> u64 {
        match self {
            CallLineError::Malformed { line, .. } | CallLineError::Read { line, .. } => *line,
        }
    }
}

impl<R: BufRead> CallReader<R> {
    /// Reads from `input`, named `name` in messages, renaming jobs with `prefix`.
    pub fn new(input: R, name: &str, prefix: NamePrefix) -> CallReader<R> {
        CallReader {
            input,
            name: name.to_string(),
            prefix,
            line: 0,
            bytes_read: 0,
            buffer: Vec::with_capacity(4096),
        }
    }

    /// Lines read so far (blank ones included).
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next call; `None` at the end of the input. After a `Malformed`
    /// error the next call reads on from the following line.
    pub fn next_call(&mut self) -> Option<Result<Call, CallLineError>> {
        loop {
            self.buffer.clear();
            let limit = MAX_LINE_BYTES as u64 + 1;
            let read = (&mut self.input)
                .take(limit)
                .read_until(b'\n', &mut self.buffer);
            let count = match read {
                Ok(count) => count,
                Err(source) => {
                    return Some(Err(CallLineError::Read {
                        input: self.name.clone(),
                        line: self.line,
                        source,
                    }));
                }
            };
            if count == 0 {
                return None;
            }
            self.line += 1;
            self.bytes_read += count as u64;
            if self.buffer.len() > MAX_LINE_BYTES && !self.buffer.ends_with(b"\n") {
                let error = self.malformed(
                    None,
                    format!("line longer than {} MiB", MAX_LINE_BYTES >> 20),
                );
                if let Err(read_error) = self.skip_rest_of_line() {
                    return Some(Err(read_error));
                }
                return Some(Err(error));
            }
            let text = trim_line_end(&self.buffer);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(self.parse(text));
        }
    }

    /// Reads on to the end of an over-long line.
    fn skip_rest_of_line(&mut self) -> Result<(), CallLineError> {
        loop {
            self.buffer.clear();
            let read = (&mut self.input)
                .take(MAX_LINE_BYTES as u64)
                .read_until(b'\n', &mut self.buffer);
            match read {
                Ok(0) => return Ok(()),
                Ok(count) => {
                    self.bytes_read += count as u64;
                    if self.buffer.ends_with(b"\n") {
                        return Ok(());
                    }
                }
                Err(source) => {
                    return Err(CallLineError::Read {
                        input: self.name.clone(),
                        line: self.line,
                        source,
                    });
                }
            }
        }
    }

    fn malformed(&self, column: Option<usize>, message: String) -> CallLineError {
        CallLineError::Malformed {
            input: self.name.clone(),
            line: self.line,
            column,
            message,
        }
    }

    fn parse(&self, text: &[u8]) -> Result<Call, CallLineError> {
        let raw: CallLine<'_> = serde_json::from_slice(text).map_err(|error| {
            let column = (error.column() > 0).then_some(error.column());
            self.malformed(
                column,
                format!(
                    "not a call line ({}): expected a JSON object with \"at\", \"job\", \
                     \"method\", \"path\" and \"expect\": {{\"status\"}}",
                    json_message(&error)
                ),
            )
        })?;
        let field =
            |key: &str, message: String| self.malformed(None, format!("`{key}`: {message}"));
        let at = DateTime::parse_from_rfc3339(&raw.at).map_err(|_| {
            field(
                "at",
                format!(
                    "expected an RFC 3339 time such as 2026-01-05T00:00:00.000Z, got {:?}",
                    raw.at
                ),
            )
        })?;
        if !is_job_name(&raw.job) {
            return Err(field(
                "job",
                format!(
                    "expected a job name (lowercase letters, digits, - and _, starting with a \
                     letter), got {:?}",
                    raw.job
                ),
            ));
        }
        let key = match &raw.key {
            Some(text) => Some(
                text.parse::<JobKey>()
                    .map_err(|error| field("key", error.to_string()))?,
            ),
            None => None,
        };
        let method = MethodKind::parse(&raw.method).ok_or_else(|| {
            field(
                "method",
                format!(
                    "expected GET, PUT, PATCH, DELETE or POST, got {:?}",
                    raw.method
                ),
            )
        })?;
        if !raw.path.starts_with('/') || raw.path.parse::<hyper::http::uri::PathAndQuery>().is_err()
        {
            return Err(field(
                "path",
                format!(
                    "expected a request path starting with / (query included), got {:?}",
                    raw.path
                ),
            ));
        }
        if !(100..=599).contains(&raw.expect.status) {
            return Err(field(
                "expect.status",
                format!(
                    "expected an HTTP status from 100 to 599, got {}",
                    raw.expect.status
                ),
            ));
        }
        let job = self.prefix.rename(&raw.job);
        let path = self.prefix.rewrite_path(&raw.path, &raw.job);
        let body = raw.body.map(|body| {
            let text = body.get();
            match self.prefix.rewrite_body(text, &raw.job) {
                Some(rewritten) => Bytes::from(rewritten),
                None => Bytes::copy_from_slice(text.as_bytes()),
            }
        });
        Ok(Call {
            line: self.line,
            at_epoch_ms: at.timestamp_millis(),
            original_job: raw.job.into(),
            job: job.into_boxed_str(),
            key,
            method,
            path: path.into_boxed_str(),
            body,
            expect: Expectation {
                status: raw.expect.status,
                state: raw.expect.state.map(Into::into),
            },
        })
    }
}

impl<R: BufRead> Iterator for CallReader<R> {
    type Item = Result<Call, CallLineError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_call()
    }
}

/// The line without its `\n` or `\r\n`.
fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// serde_json's message without its "at line 1 column N" (the line is ours).
fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(index) => text[..index].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: &str = r#"{"at":"2026-01-05T00:00:00Z","job":"job-0000001","key":"1.0","method":"GET","path":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/job-0000001?api-version=2016-11-01","expect":{"status":200,"state":"Creating"}}"#;

    fn read_all(text: &str, prefix: &str) -> Vec<Result<Call, CallLineError>> {
        let prefix: NamePrefix = prefix.parse().unwrap();
        CallReader::new(text.as_bytes(), "calls.jsonl", prefix).collect()
    }

    #[test]
    fn a_call_line_reads_with_its_job_renamed() {
        let body_line = r#"{"at":"2026-01-05T00:00:01.250Z","job":"job-0000001","method":"PATCH","path":"/s/jobs/job-0000001?api-version=2016-11-01","body":{"properties":{"name":"job-0000001","note":"job-0000001x"}},"expect":{"status":409}}"#;
        let text = format!("{GET}\n\n{body_line}\r\n");
        let calls = read_all(&text, "r1-");
        assert_eq!(calls.len(), 2);
        let get = calls[0].as_ref().unwrap();
        assert_eq!(get.line, 1);
        assert_eq!(&*get.job, "r1-job-0000001");
        assert_eq!(&*get.original_job, "job-0000001");
        assert_eq!(
            get.key,
            Some(JobKey {
                root: 1,
                generation: 0
            })
        );
        assert_eq!(get.method, MethodKind::Get);
        assert!(
            get.path
                .ends_with("/jobs/r1-job-0000001?api-version=2016-11-01")
        );
        assert_eq!(get.body, None);
        assert_eq!(get.expect.state.as_deref(), Some("Creating"));
        assert_eq!(get.at_text(), "2026-01-05T00:00:00.000Z");

        let patch = calls[1].as_ref().unwrap();
        assert_eq!(patch.line, 3, "the blank line counts");
        assert_eq!(patch.key, None);
        assert_eq!(patch.expect.state, None);
        assert_eq!(patch.at_text(), "2026-01-05T00:00:01.250Z");
        for epoch_ms in [0, 1, 999, 1_767_571_200_000, 4_102_444_799_999] {
            let mut ours = Vec::new();
            push_millis_timestamp(&mut ours, epoch_ms);
            let chrono = DateTime::from_timestamp_millis(epoch_ms)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            assert_eq!(String::from_utf8(ours).unwrap(), chrono);
        }
        assert_eq!(
            patch.body.as_deref(),
            Some(&br#"{"properties":{"name":"r1-job-0000001","note":"job-0000001x"}}"#[..]),
            "only the job's name as a whole string is renamed"
        );
    }

    #[test]
    fn bad_lines_name_line_and_key() {
        let check = |line: &str, expected: &str| {
            let text = format!("{GET}\n{line}\n{GET}\n");
            let calls = read_all(&text, "");
            assert_eq!(calls.len(), 3, "reading goes on after a bad line");
            let error = calls[1].as_ref().unwrap_err().to_string();
            assert!(error.starts_with("calls.jsonl:2"), "{error}");
            assert!(error.contains(expected), "{error} lacks {expected}");
            assert!(calls[2].is_ok());
        };
        check("{not json", "not a call line");
        check(r#"{"at":"x"}"#, "missing field");
        check(
            &GET.replace("2026-01-05T00:00:00Z", "yesterday"),
            "`at`: expected an RFC 3339",
        );
        check(
            &GET.replace(r#""job":"job-0000001""#, r#""job":"Job 1""#),
            "`job`",
        );
        check(&GET.replace(r#""1.0""#, r#""one""#), "`key`: job key `one`");
        check(
            &GET.replace("\"GET\"", "\"FETCH\""),
            "`method`: expected GET",
        );
        check(
            &GET.replace("\"/subscriptions", "\"subscriptions"),
            "`path`",
        );
        check(&GET.replace("200", "42"), "`expect.status`");
        let calls = read_all("{\"at\": 1}\n", "");
        let error = calls[0].as_ref().unwrap_err().to_string();
        assert!(error.starts_with("calls.jsonl:1:"), "a column: {error}");
    }

    #[test]
    fn an_over_long_line_is_an_error_and_reading_goes_on() {
        let long = format!("{}\n{GET}\n", "x".repeat(MAX_LINE_BYTES + 10));
        let calls = read_all(&long, "");
        assert_eq!(calls.len(), 2);
        let error = calls[0].as_ref().unwrap_err().to_string();
        assert!(error.contains("longer than"), "{error}");
        assert_eq!(calls[1].as_ref().unwrap().line, 2);
    }
}
