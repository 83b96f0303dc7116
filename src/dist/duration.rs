//! Duration text as scenario files write it: `"90s"`, `"36h"`, `"2d 12h"`.

use crate::echo;
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, SimDuration};

/// The longest duration accepted [ms]: far beyond any study, and small enough
/// that sums of a few durations cannot overflow the clock.
const MAX_DURATION_MS: i64 = i64::MAX / 4;

/// What every duration error says is expected.
pub(super) const DURATION_EXPECTED: &str =
    "a duration like \"90s\", \"45m\", \"36h\", \"14d\" or \"2d 12h\" (units ms, s, m, h, d)";
/// Parses duration text: one or more `<number><unit>` parts, optionally
/// separated by spaces, with units `ms`, `s`, `m`, `h`, `d` (`"0s"`, `"90s"`,
/// `"1.5d"`, `"2d 12h"`). The result is rounded to the millisecond.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let fail = |why: &str| {
        Err(format!(
            "{why}: expected {DURATION_EXPECTED}, got {}",
            echo::quote(text)
        ))
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return fail("empty duration");
    }
    if trimmed.starts_with('-') {
        return fail("negative duration");
    }
    let mut total_ms: i64 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number_text = &rest[..number_len];
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        if number_text.is_empty() {
            return fail("expected a number before each unit");
        }
        let ms_per_unit = match unit {
            "ms" => 1,
            "s" => MS_PER_SECOND,
            "m" => MS_PER_MINUTE,
            "h" => MS_PER_HOUR,
            "d" => MS_PER_DAY,
            "" => return fail("missing unit"),
            _ => return fail(&format!("unknown unit {}", echo::quote(unit))),
        };
        // Whole numbers stay in integers so that "365d" is exact; decimals go
        // through f64 and are rounded to the millisecond.
        let part_ms = if let Ok(whole) = number_text.parse::<i64>() {
            whole.checked_mul(ms_per_unit)
        } else if let Ok(decimal) = number_text.parse::<f64>() {
            let ms = (decimal * ms_per_unit as f64).round();
            (ms < MAX_DURATION_MS as f64).then_some(ms as i64)
        } else {
            return fail(&format!("{} is not a number", echo::quote(number_text)));
        };
        total_ms = match part_ms.and_then(|part| total_ms.checked_add(part)) {
            Some(total) if total <= MAX_DURATION_MS => total,
            _ => return fail("duration too long"),
        };
    }
    Ok(SimDuration::from_ms(total_ms))
}

/// Writes a duration the way scenario files do, largest unit first, zero parts
/// left out: `"2d 12h"`, `"1m 30s"`, `"250ms"`, `"0s"`. `parse_duration`
/// reads it back exactly.
pub fn format_duration(duration: SimDuration) -> String {
    let mut ms = duration.ms().unsigned_abs();
    if ms == 0 {
        return "0s".to_string();
    }
    let units = [
        (MS_PER_DAY, "d"),
        (MS_PER_HOUR, "h"),
        (MS_PER_MINUTE, "m"),
        (MS_PER_SECOND, "s"),
        (1, "ms"),
    ];
    let mut parts = Vec::new();
    for (ms_per_unit, unit) in units {
        let ms_per_unit = ms_per_unit as u64;
        if ms >= ms_per_unit {
            parts.push(format!("{}{unit}", ms / ms_per_unit));
            ms %= ms_per_unit;
        }
    }
    let sign = if duration.ms() < 0 { "-" } else { "" };
    format!("{sign}{}", parts.join(" "))
}
