//! One request and its answer: what was expected, what came back, when, and
//! the verdict (`OutcomeKind`); and `replay.csv`, one row per exchange.
//!
//! The verdict compares `expect.status` always and `expect.state` only when
//! the answer is 2xx (an ARM error body carries no state): a transport error
//! or a timeout first, then a status that differs, then a state that
//! differs; otherwise `ok`. The answer's state is `properties.state` of a
//! JSON body (a Get Job or Put Job response); a 2xx answer without one,
//! where a state was expected, is a state mismatch.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::replay::call::{Call, MethodKind, push_millis_timestamp};

/// The verdict on one exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutcomeKind {
    /// The answer met the expectation.
    Ok,
    /// The status differs from `expect.status`.
    Status,
    /// A 2xx answer whose state differs from `expect.state`.
    State,
    /// No answer: the connection failed, closed or spoke no HTTP.
    Transport,
    /// No complete answer within `--timeout`.
    Timeout,
}

/// What the target did with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A complete answer.
    Answered {
        status: u16,
        /// `properties.state` of a 2xx answer's JSON body.
        state: Option<Box<str>>,
    },
    Transport(String),
    Timeout,
}

/// One request of the run, measured.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub call: Call,
    /// When the schedule wanted it sent.
    pub scheduled: Instant,
    /// When it was handed to the connection.
    pub sent: Instant,
    /// When the answer was complete (or the request failed).
    pub done: Instant,
    pub answer: Answer,
    pub outcome: OutcomeKind,
}

/// Wall-clock text for `Instant`s of one run.
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    pub origin: Instant,
    pub origin_wall: DateTime<Utc>,
}

/// The columns of `replay.csv`.
pub const REPLAY_HEADER: [&str; 16] = [
    "scheduled_at",
    "sent_at",
    "job",
    "method",
    "path_template",
    "status",
    "expected_status",
    "state",
    "expected_state",
    "latency_ms",
    "service_ms",
    "outcome",
    "at",
    "key",
    "line",
    "error",
];

/// Writes `replay.csv` rows to any `io::Write`.
pub struct ExchangeWriter<W: Write> {
    out: csv::Writer<W>,
    clock: WallClock,
    field: Vec<u8>,
}

/// `{"properties": {"state": ...}}` of an answer; everything else ignored.
#[derive(Deserialize)]
struct StateOnly<'a> {
    #[serde(borrow, default)]
    properties: Option<PropertiesState<'a>>,
}

#[derive(Deserialize)]
struct PropertiesState<'a> {
    #[serde(borrow, default)]
    state: Option<std::borrow::Cow<'a, str>>,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 5] = [
        OutcomeKind::Ok,
        OutcomeKind::Status,
        OutcomeKind::State,
        OutcomeKind::Transport,
        OutcomeKind::Timeout,
    ];

    /// As `replay.csv` and the metric names write it.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::Status => "status",
            OutcomeKind::State => "state",
            OutcomeKind::Transport => "transport",
            OutcomeKind::Timeout => "timeout",
        }
    }

    pub fn is_mismatch(self) -> bool {
        match self {
            OutcomeKind::Ok => false,
            OutcomeKind::Status
            | OutcomeKind::State
            | OutcomeKind::Transport
            | OutcomeKind::Timeout => true,
        }
    }
}

impl Answer {
    /// An answer from its status and body.
    pub fn from_response(status: u16, body: &[u8]) -> Answer {
        let state = if (200..300).contains(&status) {
            serde_json::from_slice::<StateOnly<'_>>(body)
                .ok()
                .and_then(|answer| answer.properties)
                .and_then(|properties| properties.state)
                .map(Into::into)
        } else {
            None
        };
        Answer::Answered { status, state }
    }
}

/// The verdict on `answer` for a call that expected `expect_status` and
/// `expect_state`.
pub fn judge(expect_status: u16, expect_state: Option<&str>, answer: &Answer) -> OutcomeKind {
    match answer {
        Answer::Transport(_) => OutcomeKind::Transport,
        Answer::Timeout => OutcomeKind::Timeout,
        Answer::Answered { status, .. } if *status != expect_status => OutcomeKind::Status,
        Answer::Answered { status, state } => {
            let compared = (200..300).contains(status);
            match expect_state {
                Some(expected) if compared && state.as_deref() != Some(expected) => {
                    OutcomeKind::State
                }
                Some(_) | None => OutcomeKind::Ok,
            }
        }
    }
}

impl Exchange {
    /// From the intended send time to the complete answer.
    pub fn latency(&self) -> Duration {
        self.done.saturating_duration_since(self.scheduled)
    }

    /// From the actual send time to the complete answer.
    pub fn service(&self) -> Duration {
        self.done.saturating_duration_since(self.sent)
    }

    /// How late it was sent.
    pub fn lag(&self) -> Duration {
        self.sent.saturating_duration_since(self.scheduled)
    }

    pub fn method(&self) -> MethodKind {
        self.call.method
    }
}

impl WallClock {
    /// Now, on both clocks.
    pub fn now() -> WallClock {
        WallClock {
            origin: Instant::now(),
            origin_wall: Utc::now(),
        }
    }

    /// `instant` on the wall clock [ms since the Unix epoch].
    pub fn epoch_ms(&self, instant: Instant) -> i64 {
        let after = instant.saturating_duration_since(self.origin).as_millis();
        let before = self.origin.saturating_duration_since(instant).as_millis();
        self.origin_wall.timestamp_millis() + after as i64 - before as i64
    }
}

impl<W: Write> ExchangeWriter<W> {
    /// Writes the header row.
    pub fn new(out: W, clock: WallClock) -> io::Result<ExchangeWriter<W>> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(REPLAY_HEADER).map_err(csv_error)?;
        Ok(ExchangeWriter {
            out,
            clock,
            field: Vec::with_capacity(256),
        })
    }

    pub fn write(&mut self, exchange: &Exchange) -> io::Result<()> {
        let call = &exchange.call;
        // One scratch buffer, one field at a time: no allocation per row.
        let field = &mut self.field;
        let out = &mut self.out;
        let mut put = |field: &[u8]| out.write_field(field).map_err(csv_error);
        field.clear();
        push_millis_timestamp(field, self.clock.epoch_ms(exchange.scheduled));
        put(field)?;
        field.clear();
        push_millis_timestamp(field, self.clock.epoch_ms(exchange.sent));
        put(field)?;
        put(call.job.as_bytes())?;
        put(call.method.as_str().as_bytes())?;
        field.clear();
        push_path_template(field, &call.path, &call.job);
        put(field)?;
        let (status, state, error) = match &exchange.answer {
            Answer::Answered { status, state } => (Some(*status), state.as_deref(), ""),
            Answer::Transport(message) => (None, None, message.as_str()),
            Answer::Timeout => (None, None, "no answer in time"),
        };
        field.clear();
        if let Some(status) = status {
            let _ = write!(field, "{status}");
        }
        put(field)?;
        field.clear();
        let _ = write!(field, "{}", call.expect.status);
        put(field)?;
        put(state.unwrap_or("").as_bytes())?;
        put(call.expect.state.as_deref().unwrap_or("").as_bytes())?;
        field.clear();
        push_millis(field, exchange.latency());
        put(field)?;
        field.clear();
        push_millis(field, exchange.service());
        put(field)?;
        put(exchange.outcome.as_str().as_bytes())?;
        field.clear();
        push_millis_timestamp(field, call.at_epoch_ms);
        put(field)?;
        field.clear();
        if let Some(key) = call.key {
            let _ = write!(field, "{key}");
        }
        put(field)?;
        field.clear();
        let _ = write!(field, "{}", call.line);
        put(field)?;
        put(error.as_bytes())?;
        self.out.write_record(None::<&[u8]>).map_err(csv_error)
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        self.out
            .into_inner()
            .map_err(|error| io::Error::other(error.to_string()))
    }
}

/// A duration in milliseconds with three decimals (microseconds).
pub fn millis(duration: Duration) -> String {
    let mut out = Vec::new();
    push_millis(&mut out, duration);
    String::from_utf8(out).expect("ASCII")
}

fn push_millis(out: &mut Vec<u8>, duration: Duration) {
    let micros = duration.as_micros();
    let _ = write!(out, "{}.{:03}", micros / 1000, micros % 1000);
}

/// The path with its variable segments named, so rows group by route:
/// the segment after `subscriptions`, `resourceGroups` and `jobs` becomes
/// `{subscriptionId}`, `{resourceGroupName}`, `{jobName}`, and any other
/// segment that is the job's name `{jobName}`; the query is kept.
pub fn path_template(path: &str, job: &str) -> String {
    let mut out = Vec::new();
    push_path_template(&mut out, path, job);
    String::from_utf8(out).expect("a path is UTF-8")
}

fn push_path_template(out: &mut Vec<u8>, path: &str, job: &str) {
    let (route, query) = match path.find('?') {
        Some(index) => path.split_at(index),
        None => (path, ""),
    };
    let mut previous = "";
    for (index, segment) in route.split('/').enumerate() {
        if index > 0 {
            out.push(b'/');
        }
        let placeholder = match previous {
            "subscriptions" => Some("{subscriptionId}"),
            "resourceGroups" | "resourcegroups" => Some("{resourceGroupName}"),
            "jobs" => Some("{jobName}"),
            _ => (segment == job).then_some("{jobName}"),
        };
        let text = placeholder
            .filter(|_| !segment.is_empty())
            .unwrap_or(segment);
        out.extend_from_slice(text.as_bytes());
        previous = segment;
    }
    out.extend_from_slice(query.as_bytes());
}

fn csv_error(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, state: Option<&str>) -> Answer {
        Answer::Answered {
            status,
            state: state.map(Into::into),
        }
    }

    #[test]
    fn verdicts_compare_status_always_and_state_on_2xx() {
        let check = |status, state, answer: Answer, expected| {
            assert_eq!(
                judge(status, state, &answer),
                expected,
                "{status} {state:?} {answer:?}"
            );
        };
        use OutcomeKind::*;
        check(200, Some("Creating"), answered(200, Some("Creating")), Ok);
        check(
            200,
            Some("Creating"),
            answered(200, Some("Shipping")),
            State,
        );
        check(200, Some("Creating"), answered(200, None), State);
        check(200, Some("Creating"), answered(500, None), Status);
        check(404, None, answered(404, None), Ok);
        check(404, None, answered(200, Some("Closed")), Status);
        check(200, None, answered(200, Some("Closed")), Ok);
        // A state is compared only on a 2xx answer: an expected 409 with a
        // state (the job's state after a refused call) is met by any 409.
        check(409, Some("Shipping"), answered(409, None), Ok);
        check(200, Some("Creating"), Answer::Timeout, Timeout);
        check(200, None, Answer::Transport("reset".into()), Transport);
    }

    #[test]
    fn answers_read_the_state_of_a_2xx_json_body() {
        let body = br#"{"id":"x","properties":{"percentComplete":3,"state":"Transferring"}}"#;
        assert_eq!(
            Answer::from_response(200, body),
            answered(200, Some("Transferring"))
        );
        assert_eq!(Answer::from_response(200, b"not json"), answered(200, None));
        assert_eq!(
            Answer::from_response(404, br#"{"properties":{"state":"Creating"}}"#),
            answered(404, None)
        );
    }

    #[test]
    fn path_templates_name_the_variable_segments() {
        assert_eq!(
            path_template(
                "/subscriptions/1-2/resourceGroups/rg-a/providers/Microsoft.ImportExport/jobs/p-job-1?api-version=2016-11-01",
                "p-job-1"
            ),
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs/{jobName}?api-version=2016-11-01"
        );
        assert_eq!(path_template("/x/job-1/y", "job-1"), "/x/{jobName}/y");
        assert_eq!(path_template("/jobs/", "job-1"), "/jobs/");
    }

    #[test]
    fn milliseconds_have_three_decimals() {
        assert_eq!(millis(Duration::from_micros(1_234_567)), "1234.567");
        assert_eq!(millis(Duration::from_nanos(999)), "0.000");
        assert_eq!(millis(Duration::from_micros(5)), "0.005");
    }
}
