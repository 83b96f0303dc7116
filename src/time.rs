//! Simulated time: an integer clock in whole milliseconds.
//!
//! `SimTime` is an instant measured from the scenario's `simulation.start`;
//! `SimDuration` is a signed span. Both are `i64` milliseconds, so arithmetic is
//! exact and runs are reproducible. Floats appear only at the edges: in
//! distributions (converted by `SimDuration::from_ms_f64`) and when a duration
//! is written as decimal days.

use std::fmt;
use std::io::Write as _;
use std::num::NonZeroU64;
use std::ops::{Add, AddAssign, Sub};

/// Milliseconds in one second, minute, hour and day.
pub const MS_PER_SECOND: i64 = 1_000;
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// An instant of simulated time [ms since the scenario start].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(Ms);

/// A span of simulated time [ms].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(Ms);

/// A count of milliseconds, any `i64` but `i64::MIN`, stored with its sign
/// bit flipped: the stored `u64`s are in the order of the counts, and the one
/// count left out gives `Option<SimTime>` and `Option<SimDuration>` a spare
/// value, so they take 8 bytes rather than 16 (a job and its drives hold
/// many of them).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Ms(NonZeroU64);

impl Ms {
    const SIGN: u64 = 1 << 63;

    /// `ms`, with `i64::MIN` (which no clock reading comes near) read as
    /// `i64::MIN + 1`.
    const fn new(ms: i64) -> Ms {
        match NonZeroU64::new(ms as u64 ^ Ms::SIGN) {
            Some(stored) => Ms(stored),
            None => Ms::new(i64::MIN + 1),
        }
    }

    const fn get(self) -> i64 {
        (self.0.get() ^ Ms::SIGN) as i64
    }
}

impl Default for Ms {
    fn default() -> Ms {
        Ms::new(0)
    }
}

/// The count itself, so `SimTime(5)` reads as it did when it held an `i64`.
impl fmt::Debug for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl SimTime {
    /// The scenario start.
    pub const ZERO: SimTime = SimTime::from_ms(0);

    /// The instant `ms` milliseconds after the scenario start.
    pub const fn from_ms(ms: i64) -> SimTime {
        SimTime(Ms::new(ms))
    }

    /// Milliseconds since the scenario start.
    pub const fn ms(self) -> i64 {
        self.0.get()
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration::from_ms(0);

    /// A span of `ms` milliseconds.
    pub const fn from_ms(ms: i64) -> SimDuration {
        SimDuration(Ms::new(ms))
    }

    pub fn from_days(days: i64) -> SimDuration {
        SimDuration::from_ms(days * MS_PER_DAY)
    }

    pub fn from_hours(hours: i64) -> SimDuration {
        SimDuration::from_ms(hours * MS_PER_HOUR)
    }

    pub fn from_minutes(minutes: i64) -> SimDuration {
        SimDuration::from_ms(minutes * MS_PER_MINUTE)
    }

    /// Rounds a float number of milliseconds to the clock's resolution; negative
    /// values (a truncated distribution's rounding noise) become zero.
    pub fn from_ms_f64(ms: f64) -> SimDuration {
        if ms.is_nan() || ms <= 0.0 {
            SimDuration::from_ms(0)
        } else if ms >= i64::MAX as f64 {
            SimDuration::from_ms(i64::MAX / 4)
        } else {
            // `ms.round()` (half away from zero) without the call: the
            // default x86-64 target has no rounding instruction, and this
            // runs for every random duration. For 0 < ms < 2^63 the cast
            // truncates and `ms - whole` is exact (Sterbenz), so the result
            // is the same to the last bit (tested against `round`).
            let whole = ms as i64;
            let fraction = ms - whole as f64;
            SimDuration::from_ms(whole + i64::from(fraction >= 0.5))
        }
    }

    pub const fn ms(self) -> i64 {
        self.0.get()
    }

    /// The span in days, as a float (for statistics, never for the clock).
    pub fn as_days_f64(self) -> f64 {
        self.ms() as f64 / MS_PER_DAY as f64
    }

    /// A fraction of this span, rounded to the millisecond (`fraction` in [0, 1]).
    pub fn scale(self, fraction: f64) -> SimDuration {
        SimDuration::from_ms_f64(self.ms() as f64 * fraction)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime::from_ms(self.ms().saturating_add(rhs.ms()))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        SimDuration::from_ms(self.ms() - rhs.ms())
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration::from_ms(self.ms().saturating_add(rhs.ms()))
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, rhs: SimDuration) -> SimDuration {
        SimDuration::from_ms(self.ms().saturating_sub(rhs.ms()))
    }
}

/// Converts simulated instants to RFC 3339 UTC text, given the wall-clock
/// instant of the scenario start.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// The scenario start [ms since the Unix epoch].
    pub start_epoch_ms: i64,
}

impl Clock {
    /// Appends `time` as `2026-01-05T00:00:00.000Z`: always with milliseconds,
    /// so every timestamp of a column has the same width and format (a
    /// spreadsheet or `pandas.to_datetime` reads it without hints).
    pub fn write_rfc3339(&self, out: &mut Vec<u8>, time: SimTime) {
        write_rfc3339_epoch_ms(out, self.start_epoch_ms + time.ms());
    }

    pub fn rfc3339(&self, time: SimTime) -> String {
        let mut out = Vec::with_capacity(24);
        self.write_rfc3339(&mut out, time);
        String::from_utf8(out).expect("ascii")
    }
}

/// Writes RFC 3339 timestamps, remembering the dates it has written: the
/// calendar arithmetic is the costly part, and the timestamps of the rows
/// written together span a few weeks of dates.
#[derive(Clone, Debug)]
pub struct TimestampWriter {
    clock: Clock,
    /// `dates[d % DATES]` holds day `d` (days since the Unix epoch) and its
    /// `YYYY-MM-DDT`, for the last such day written; `i64::MIN` before any.
    dates: Box<[(i64, [u8; 11]); DATES]>,
}

/// Dates a `TimestampWriter` remembers: 256 days, a power of two so a day's
/// place is a mask, in 5 KiB.
const DATES: usize = 256;

/// The text of one timestamp of a four-digit year: `2026-01-05T00:00:00.000Z`.
pub type TimestampText = [u8; 24];

impl TimestampWriter {
    pub fn new(clock: Clock) -> TimestampWriter {
        TimestampWriter {
            clock,
            dates: Box::new([(i64::MIN, *b"0000-00-00T"); DATES]),
        }
    }

    /// Appends `time` exactly as `Clock::write_rfc3339` does.
    pub fn write(&mut self, out: &mut Vec<u8>, time: SimTime) {
        match self.text(time) {
            Some(text) => out.extend_from_slice(&text),
            None => self.clock.write_rfc3339(out, time),
        }
    }

    /// The text of `time` as `Clock::write_rfc3339` writes it, or `None`
    /// outside the years 0000-9999 (where the text is longer).
    pub fn text(&mut self, time: SimTime) -> Option<TimestampText> {
        let epoch_ms = self.clock.start_epoch_ms + time.ms();
        let day = epoch_ms.div_euclid(MS_PER_DAY);
        let (known_day, date) = &mut self.dates[day as usize & (DATES - 1)];
        if *known_day != day {
            let (year, month, day_of_month) = civil_from_days(day);
            if !(0..=9999).contains(&year) {
                return None;
            }
            *date = date_text(year as u32, month, day_of_month);
            *known_day = day;
        }
        let mut text = [0u8; 24];
        text[..11].copy_from_slice(date);
        text[11..].copy_from_slice(&time_of_day_text(epoch_ms.rem_euclid(MS_PER_DAY)));
        Some(text)
    }
}

/// The two decimal digits of every number below 100, `00` to `99`: numbers
/// are written two digits per step, which halves the divisions.
const DIGIT_PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut n = 0;
    while n < 100 {
        table[2 * n] = b'0' + (n / 10) as u8;
        table[2 * n + 1] = b'0' + (n % 10) as u8;
        n += 1;
    }
    table
};

/// The two digits of `n` (below 100).
fn digit_pair(n: u32) -> [u8; 2] {
    let index = 2 * n as usize;
    [DIGIT_PAIRS[index], DIGIT_PAIRS[index + 1]]
}

/// Appends `value` in decimal, as `value.to_string()` writes it, with
/// `itoa` (four digits a step): it runs for most fields of millions of
/// rows, where `write!` and its formatting machinery show up.
pub fn write_decimal(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// `YYYY-MM-DDT` for a four-digit year.
fn date_text(year: u32, month: u32, day: u32) -> [u8; 11] {
    let mut text = *b"0000-00-00T";
    text[0..2].copy_from_slice(&digit_pair(year / 100));
    text[2..4].copy_from_slice(&digit_pair(year % 100));
    text[5..7].copy_from_slice(&digit_pair(month));
    text[8..10].copy_from_slice(&digit_pair(day));
    text
}

/// Appends the instant `epoch_ms` [ms since 1970-01-01T00:00:00Z] as RFC 3339.
///
/// Hand-written because it runs several times per output row: the civil date
/// comes from Howard Hinnant's `civil_from_days` algorithm
/// (<https://howardhinnant.github.io/date_algorithms.html>), checked against
/// chrono in the tests below.
pub fn write_rfc3339_epoch_ms(out: &mut Vec<u8>, epoch_ms: i64) {
    let days = epoch_ms.div_euclid(MS_PER_DAY);
    let ms_of_day = epoch_ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        // Outside the four-digit years the fixed-width path below handles.
        let _ = write!(out, "{year:04}-{month:02}-{day:02}T");
        push_time_of_day(out, ms_of_day);
        return;
    }
    out.extend_from_slice(&date_text(year as u32, month, day));
    push_time_of_day(out, ms_of_day);
}

/// Appends `HH:MM:SS.fffZ` for a millisecond of the day.
fn push_time_of_day(out: &mut Vec<u8>, ms_of_day: i64) {
    out.extend_from_slice(&time_of_day_text(ms_of_day));
}

/// `HH:MM:SS.fffZ` for a millisecond of the day (in `[0, MS_PER_DAY)`).
fn time_of_day_text(ms_of_day: i64) -> [u8; 13] {
    let ms = ms_of_day as u32;
    let seconds = ms / 1000;
    let milli = ms % 1000;
    let mut text = *b"00:00:00.000Z";
    text[0..2].copy_from_slice(&digit_pair(seconds / 3600));
    text[3..5].copy_from_slice(&digit_pair(seconds / 60 % 60));
    text[6..8].copy_from_slice(&digit_pair(seconds % 60));
    text[9] = b'0' + (milli / 100) as u8;
    text[10..12].copy_from_slice(&digit_pair(milli % 100));
    text
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends a duration as decimal days with six decimals (`1.500000`).
///
/// The digits are those of `format!("{:.6}", days_as_f64)`, computed in
/// integers (a row has several of these); an exact tie between two
/// millionths, where the float's binary rounding decides, takes the float path.
pub fn write_days(out: &mut Vec<u8>, duration: SimDuration) {
    let ms = duration.ms();
    // days x 10^6 = ms x 10 / 864.
    let scaled = i128::from(ms) * 10;
    let (quotient, remainder) = (scaled.div_euclid(864), scaled.rem_euclid(864));
    if remainder == 432 || ms < 0 {
        let _ = write!(out, "{:.6}", duration.as_days_f64());
        return;
    }
    let micro_days = (quotient + i128::from(remainder > 432)) as u64;
    write_decimal(out, micro_days / 1_000_000);
    let fraction = (micro_days % 1_000_000) as u32;
    out.push(b'.');
    out.extend_from_slice(&digit_pair(fraction / 10_000));
    out.extend_from_slice(&digit_pair(fraction / 100 % 100));
    out.extend_from_slice(&digit_pair(fraction % 100));
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::{DateTime, SecondsFormat};

    #[test]
    fn an_optional_time_or_duration_takes_eight_bytes() {
        assert_eq!(std::mem::size_of::<Option<SimTime>>(), 8);
        assert_eq!(std::mem::size_of::<Option<SimDuration>>(), 8);
    }

    #[test]
    fn times_order_as_their_milliseconds_and_read_back_unchanged() {
        let values = [
            i64::MIN + 1,
            -MS_PER_DAY,
            -1,
            0,
            1,
            MS_PER_DAY,
            i64::MAX / 4,
            i64::MAX,
        ];
        for a in values {
            assert_eq!(SimTime::from_ms(a).ms(), a);
            assert_eq!(SimDuration::from_ms(a).ms(), a);
            for b in values {
                assert_eq!(SimTime::from_ms(a).cmp(&SimTime::from_ms(b)), a.cmp(&b));
                assert_eq!(
                    SimDuration::from_ms(a).cmp(&SimDuration::from_ms(b)),
                    a.cmp(&b)
                );
            }
        }
        assert_eq!(format!("{:?}", SimTime::from_ms(-5)), "SimTime(-5)");
        assert_eq!(
            format!("{:?}", Some(SimDuration::default())),
            "Some(SimDuration(0))"
        );
    }

    #[test]
    fn the_one_count_left_out_reads_as_the_next() {
        assert_eq!(SimTime::from_ms(i64::MIN).ms(), i64::MIN + 1);
        assert_eq!(SimDuration::from_ms(i64::MIN).ms(), i64::MIN + 1);
    }

    #[test]
    fn rfc3339_matches_chrono() {
        let samples = [
            0_i64,
            1,
            999,
            86_399_999,
            951_782_400_000, // 2000-02-29
            1_767_571_200_000,
            1_767_571_200_123,
            4_102_444_800_000, // 2100-01-01
            -86_400_000,
        ];
        for epoch_ms in samples
            .into_iter()
            .chain((0..2000).map(|i| i * 123_456_789_013))
        {
            let mut ours = Vec::new();
            write_rfc3339_epoch_ms(&mut ours, epoch_ms);
            let ours = String::from_utf8(ours).unwrap();
            let theirs = DateTime::from_timestamp_millis(epoch_ms)
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            assert_eq!(ours, theirs, "epoch ms {epoch_ms}");
        }
    }

    /// Whole seconds were once written without `.000` next to `.123` in the
    /// same column, which `pandas.to_datetime` refuses.
    #[test]
    fn timestamps_change_format_inside_a_column() {
        let clock = Clock {
            start_epoch_ms: 1_767_571_200_000,
        };
        assert_eq!(clock.rfc3339(SimTime::ZERO), "2026-01-05T00:00:00.000Z");
        assert_eq!(
            clock.rfc3339(SimTime::from_ms(1)),
            "2026-01-05T00:00:00.001Z"
        );
        assert_eq!(
            clock.rfc3339(SimTime::from_ms(MS_PER_DAY + 999)),
            "2026-01-06T00:00:00.999Z"
        );
        let mut writer = TimestampWriter::new(clock);
        let widths: Vec<usize> = [0, 1, 1_000, 60_000, MS_PER_HOUR, 36 * MS_PER_HOUR + 47_222]
            .into_iter()
            .map(|ms| {
                let mut text = Vec::new();
                writer.write(&mut text, SimTime::from_ms(ms));
                assert!(text.ends_with(b"Z") && text[19] == b'.', "{text:?}");
                text.len()
            })
            .collect();
        assert_eq!(widths, [24; 6]);
    }

    #[test]
    fn cached_dates_match_the_plain_writer() {
        let clock = Clock {
            start_epoch_ms: 1_767_571_200_000,
        };
        let mut writer = TimestampWriter::new(clock);
        for step in 0..5_000 {
            // Back and forth across days, so the cache is hit and missed.
            let time = SimTime::from_ms((step % 7) * 40_000_000 + step * 3_600_001);
            let mut cached = Vec::new();
            writer.write(&mut cached, time);
            assert_eq!(String::from_utf8(cached).unwrap(), clock.rfc3339(time));
        }
    }

    #[test]
    fn dates_that_share_a_cache_place_stay_apart() {
        // Before the Unix epoch, so some days are negative.
        let clock = Clock {
            start_epoch_ms: -400 * MS_PER_DAY,
        };
        let mut writer = TimestampWriter::new(clock);
        // Days 256 apart take the same place; alternate between them, and
        // past year 9999, where the text is longer and not remembered.
        let last_four_digit_day = 2_932_896 + 400;
        let mut longer = 0;
        for step in 0..2_000i64 {
            let day = match step % 4 {
                0 => step,
                1 => step + 256,
                2 => step + 512 * 7,
                _ => last_four_digit_day - 1 + step % 3,
            };
            let time = SimTime::from_ms(day * MS_PER_DAY + step * 997);
            let mut cached = Vec::new();
            writer.write(&mut cached, time);
            longer += usize::from(cached.len() > 24);
            assert_eq!(String::from_utf8(cached).unwrap(), clock.rfc3339(time));
        }
        assert!(longer > 0, "no timestamp past year 9999");
    }

    #[test]
    fn days_match_float_formatting() {
        for ms in (0..200_000).chain((0..20_000).map(|i| i * 7_919_777 + 13)) {
            let mut ours = Vec::new();
            write_days(&mut ours, SimDuration::from_ms(ms));
            let ours = String::from_utf8(ours).unwrap();
            let float = format!("{:.6}", SimDuration::from_ms(ms).as_days_f64());
            assert_eq!(ours, float, "{ms} ms");
        }
    }

    #[test]
    fn rounding_matches_f64_round() {
        let mut samples = vec![
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            1.4999999999999998,
            4503599627370495.5,
            4503599627370497.0,
            9.0e18,
            1e-300,
        ];
        samples.extend((1..20_000).map(|i| f64::from(i) * 0.137_5 + 1e-9 * f64::from(i)));
        samples.extend((1..2_000).map(|i| 1.000_1_f64.powi(i * 40)));
        for ms in samples {
            assert_eq!(
                SimDuration::from_ms_f64(ms).ms(),
                ms.round() as i64,
                "{ms} ms"
            );
        }
    }

    #[test]
    fn decimals_match_std_formatting() {
        for value in [
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            12_345,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            write_decimal(&mut out, value);
            assert_eq!(out, value.to_string().as_bytes());
        }
    }

    #[test]
    fn days_have_six_decimals() {
        let mut out = Vec::new();
        write_days(&mut out, SimDuration::from_hours(36));
        assert_eq!(out, b"1.500000");
        out.clear();
        write_days(&mut out, SimDuration::from_ms(1));
        assert_eq!(out, b"0.000000");
    }
}
