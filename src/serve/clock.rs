//! `ServeClock`: how wall-clock time and requests map to simulated time.
//!
//! The engine reads no clock (docs/model.md, Randomness and common random
//! numbers); the server decides what simulated instant each request is
//! applied at and moves the engine there first. Three modes:
//!
//! - `ClockMode::Wall { speed }`: simulated time runs at `speed` times wall
//!   time from the scenario's start (3600: a simulated hour a second).
//! - `ClockMode::Manual`: simulated time stands still until
//!   `POST /impexsim/clock` moves it.
//! - `ClockMode::Requests`: each request is applied at its `x-impexsim-at`
//!   header, the clock moving to it and never back; a request stamped
//!   before the clock is applied at once and counted late (`impexsim replay`
//!   stamps every call, so the served world is the one `impexsim calls`
//!   computed, at any replay speed).
//!
//! In every mode `POST /impexsim/clock` may move the clock forward
//! (`{"advance": "3d"}` or `{"to": "2026-02-01T00:00:00Z"}`); under the
//! wall clock it then runs on from there. The clock never passes `limit`,
//! the scenario's last instant (`start + horizon + drain_limit +
//! retention + poll_interval`, the latest any output can name): the wall clock stops
//! there, and a request to go beyond it is refused.
//!
//! Wall time is passed in (`Instant`), so the mapping is tested without
//! waiting.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::dist::parse_duration;
use crate::serve::error::ApiError;
use crate::time::{Clock, SimTime};

/// How simulated time moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClockMode {
    /// `speed` simulated milliseconds per wall-clock millisecond.
    Wall { speed: f64 },
    /// Only `POST /impexsim/clock` moves it.
    Manual,
    /// Each request's `x-impexsim-at` moves it (and `POST /impexsim/clock`).
    Requests,
}

impl ClockMode {
    /// The mode's name as `GET /impexsim/clock` and `run.json` give it.
    pub fn name(self) -> &'static str {
        match self {
            ClockMode::Wall { .. } => "wall",
            ClockMode::Manual => "manual",
            ClockMode::Requests => "requests",
        }
    }
}

/// The server's simulated clock.
#[derive(Clone, Debug)]
pub struct ServeClock {
    mode: ClockMode,
    /// Simulated time at `since`.
    base: SimTime,
    since: Instant,
    limit: SimTime,
    /// Requests stamped before the clock (request clock only).
    late: u64,
}

/// `POST /impexsim/clock`'s body: exactly one of the two.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    /// A duration such as `3d` or `2d 12h`.
    pub advance: Option<String>,
    /// An RFC 3339 instant.
    pub to: Option<String>,
}

impl ServeClock {
    /// A clock at the scenario's start (simulated time zero) at wall time `now`.
    pub fn new(mode: ClockMode, limit: SimTime, now: Instant) -> ServeClock {
        ServeClock {
            mode,
            base: SimTime::ZERO,
            since: now,
            limit,
            late: 0,
        }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The latest instant the clock may show.
    pub fn limit(&self) -> SimTime {
        self.limit
    }

    /// Requests applied later than they were stamped.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// The simulated time at wall time `now`.
    pub fn now(&self, now: Instant) -> SimTime {
        match self.mode {
            ClockMode::Wall { speed } => {
                let wall_ms = now.saturating_duration_since(self.since).as_secs_f64() * 1000.0;
                let ahead = (wall_ms * speed).min(i64::MAX as f64) as i64;
                SimTime::from_ms(self.base.ms().saturating_add(ahead)).min(self.limit)
            }
            ClockMode::Manual | ClockMode::Requests => self.base,
        }
    }

    /// The instant a request stamped `stamped` (its `x-impexsim-at`, if
    /// any) is applied at, and whether it comes late. Only the request
    /// clock moves for a stamp; the other modes ignore it.
    pub fn for_request(
        &mut self,
        stamped: Option<SimTime>,
        now: Instant,
    ) -> Result<(SimTime, bool), ApiError> {
        let current = self.now(now);
        match (self.mode, stamped) {
            (ClockMode::Requests, Some(at)) => {
                if at > self.limit {
                    return Err(ApiError::InvalidHeader {
                        header: AT_HEADER,
                        message: "the time is after the scenario's last instant (start + \
                                  horizon + drain_limit + retention + poll_interval)"
                            .to_string(),
                    });
                }
                if at < current {
                    self.late += 1;
                    Ok((current, true))
                } else {
                    self.base = at;
                    Ok((at, false))
                }
            }
            (ClockMode::Requests, None)
            | (ClockMode::Wall { .. } | ClockMode::Manual, Some(_) | None) => Ok((current, false)),
        }
    }

    /// Moves the clock forward to `to` (`POST /impexsim/clock`); under the
    /// wall clock it runs on from there.
    pub fn set(&mut self, to: SimTime, now: Instant) -> Result<SimTime, ApiError> {
        let current = self.now(now);
        if to < current {
            return Err(ApiError::Clock(
                "the clock never goes back: the target is before the current time".to_string(),
            ));
        }
        if to > self.limit {
            return Err(ApiError::Clock(
                "the target is after the scenario's last instant (start + horizon + drain_limit + \
                 retention + poll_interval)"
                    .to_string(),
            ));
        }
        self.base = to;
        self.since = now;
        Ok(to)
    }

    /// Back to the scenario's start (`POST /impexsim/reset`).
    pub fn reset(&mut self, now: Instant) {
        self.base = SimTime::ZERO;
        self.since = now;
        self.late = 0;
    }
}

/// The header of a request's simulated time.
pub const AT_HEADER: &str = "x-impexsim-at";

/// The header of a replayed job's random-stream key.
pub const JOB_KEY_HEADER: &str = "x-impexsim-job-key";

impl ClockRequest {
    /// The instant the request asks for, from the clock at `current`.
    pub fn target(&self, clock: &Clock, current: SimTime) -> Result<SimTime, ApiError> {
        match (&self.advance, &self.to) {
            (Some(advance), None) => {
                let by = parse_duration(advance)
                    .map_err(|message| ApiError::Clock(format!("advance: {message}")))?;
                Ok(current + by)
            }
            (None, Some(to)) => parse_instant(clock, to)
                .map_err(|message| ApiError::Clock(format!("to: {message}"))),
            (Some(_), Some(_)) | (None, None) => Err(ApiError::Clock(
                "expected {\"advance\": DURATION} or {\"to\": RFC3339}, exactly one".to_string(),
            )),
        }
    }
}

/// An RFC 3339 instant as simulated time (milliseconds from the start).
pub fn parse_instant(clock: &Clock, text: &str) -> Result<SimTime, String> {
    let at = DateTime::parse_from_rfc3339(text.trim()).map_err(|error| {
        format!(
            "`{}`: expected an RFC 3339 time ({error})",
            crate::echo::cut(text)
        )
    })?;
    let at = at.with_timezone(&Utc);
    Ok(SimTime::from_ms(
        at.timestamp_millis() - clock.start_epoch_ms,
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const LIMIT: SimTime = SimTime::from_ms(1_000_000_000);

    #[test]
    fn the_wall_clock_runs_at_its_speed_and_stops_at_the_limit() {
        let start = Instant::now();
        let clock = ServeClock::new(ClockMode::Wall { speed: 3600.0 }, LIMIT, start);
        assert_eq!(clock.now(start), SimTime::ZERO);
        // A wall second is a simulated hour.
        assert_eq!(
            clock.now(start + Duration::from_secs(1)),
            SimTime::from_ms(3_600_000)
        );
        assert_eq!(clock.now(start + Duration::from_secs(100_000)), LIMIT);
    }

    #[test]
    fn a_wall_clock_moved_forward_runs_on_from_there() {
        let start = Instant::now();
        let mut clock = ServeClock::new(ClockMode::Wall { speed: 10.0 }, LIMIT, start);
        let later = start + Duration::from_secs(1);
        assert_eq!(
            clock.set(SimTime::from_ms(500_000), later),
            Ok(SimTime::from_ms(500_000))
        );
        assert_eq!(
            clock.now(later + Duration::from_secs(2)),
            SimTime::from_ms(520_000)
        );
        assert!(clock.set(SimTime::from_ms(1), later).is_err(), "never back");
    }

    #[test]
    fn the_request_clock_follows_stamps_and_never_goes_back() {
        let now = Instant::now();
        let mut clock = ServeClock::new(ClockMode::Requests, LIMIT, now);
        assert_eq!(
            clock.for_request(Some(SimTime::from_ms(10)), now),
            Ok((SimTime::from_ms(10), false))
        );
        assert_eq!(
            clock.for_request(None, now),
            Ok((SimTime::from_ms(10), false))
        );
        // Stamped before the clock: applied at once, counted late.
        assert_eq!(
            clock.for_request(Some(SimTime::from_ms(5)), now),
            Ok((SimTime::from_ms(10), true))
        );
        assert_eq!(clock.late(), 1);
        assert_eq!(
            clock.for_request(Some(SimTime::from_ms(10)), now),
            Ok((SimTime::from_ms(10), false))
        );
        assert!(
            clock
                .for_request(Some(SimTime::from_ms(LIMIT.ms() + 1)), now)
                .is_err()
        );
    }

    #[test]
    fn the_manual_clock_ignores_stamps() {
        let now = Instant::now();
        let mut clock = ServeClock::new(ClockMode::Manual, LIMIT, now);
        assert_eq!(
            clock.for_request(Some(SimTime::from_ms(99)), now),
            Ok((SimTime::ZERO, false))
        );
        assert_eq!(clock.now(now + Duration::from_secs(60)), SimTime::ZERO);
    }

    #[test]
    fn clock_requests_name_one_target() {
        let clock = Clock {
            start_epoch_ms: 1_767_571_200_000, // 2026-01-05T00:00:00Z
        };
        let request = |advance: Option<&str>, to: Option<&str>| ClockRequest {
            advance: advance.map(String::from),
            to: to.map(String::from),
        };
        let day = 86_400_000;
        assert_eq!(
            request(Some("3d"), None).target(&clock, SimTime::from_ms(1)),
            Ok(SimTime::from_ms(3 * day + 1))
        );
        assert_eq!(
            request(None, Some("2026-01-06T00:00:00Z")).target(&clock, SimTime::from_ms(1)),
            Ok(SimTime::from_ms(day))
        );
        assert!(
            request(None, None)
                .target(&clock, SimTime::from_ms(0))
                .is_err()
        );
        assert!(
            request(Some("1d"), Some("2026-01-06T00:00:00Z"))
                .target(&clock, SimTime::from_ms(0))
                .is_err()
        );
        assert!(
            request(Some("soon"), None)
                .target(&clock, SimTime::from_ms(0))
                .is_err()
        );
    }
}
