// SPDX-License-Identifier: GPL-3.0-or-later
//! XMLTV timestamps (`20261122143000 +0100`) to [`UtcSeconds`], by hand: this runs for every
//! `start` and `stop` of a gigabyte guide, so no allocation and no time-zone database.
//!
//! Pure: never reads a clock. Every field is range-checked, so a malformed time is an error
//! value, never a wrong date or a panic.

use super::UtcSeconds;

/// Why a timestamp was refused; the message is shown after "start"/"stop".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("is not an XMLTV time (expected YYYYMMDDhhmmss with an optional +HHMM offset)")]
    Syntax,
    #[error("has a date or time field out of range")]
    Range,
    #[error("has an offset that is not ±HHMM within ±15 hours")]
    Offset,
}

/// Parses an XMLTV time: 8 to 14 digits (`YYYYMMDD[hh[mm[ss]]]`), then optionally spaces and a
/// zone: `+HHMM`, `-HHMM`, `+HH:MM`, `+HH`, `Z`, `UTC` or `GMT`. Without a zone the time is UTC,
/// as the XMLTV DTD says.
pub fn parse_xmltv_time(text: &str) -> Result<UtcSeconds, TimeError> {
    let bytes = text.trim().as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if !matches!(digits, 8 | 10 | 12 | 14) {
        return Err(TimeError::Syntax);
    }
    let (civil, zone) = bytes.split_at(digits);
    let field = |at: usize| civil.get(at..at + 2).map_or(0, two_digits);
    let year = i64::from(two_digits(&civil[0..2])) * 100 + i64::from(two_digits(&civil[2..4]));
    let (month, day) = (field(4), field(6));
    let (hour, minute, second) = (field(8), field(10), field(12).min(59));
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(TimeError::Range);
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(TimeError::Range);
    }
    let offset = parse_zone(zone)?;
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Ok(local - offset)
}

/// The zone suffix as seconds east of UTC.
fn parse_zone(zone: &[u8]) -> Result<i64, TimeError> {
    let zone = zone.trim_ascii();
    if zone.is_empty() || matches!(zone, b"Z" | b"UTC" | b"GMT") {
        return Ok(0);
    }
    let (sign, rest) = match zone.split_first() {
        Some((b'+', rest)) => (1, rest),
        Some((b'-', rest)) => (-1, rest),
        _ => return Err(TimeError::Offset),
    };
    let (hours, minutes) = match rest {
        [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => (two_digits(&[*h1, *h2]), two_digits(&[*m1, *m2])),
        [h1, h2] => (two_digits(&[*h1, *h2]), 0),
        _ => return Err(TimeError::Offset),
    };
    let all_digits = rest.iter().all(|b| b.is_ascii_digit() || *b == b':');
    if !all_digits || hours > 15 || minutes > 59 {
        return Err(TimeError::Offset);
    }
    Ok(sign * (i64::from(hours) * 3600 + i64::from(minutes) * 60))
}

/// Two ASCII digits as a number; callers check that they are digits.
fn two_digits(pair: &[u8]) -> u32 {
    match pair {
        [a, b] => u32::from(a.wrapping_sub(b'0')) * 10 + u32::from(b.wrapping_sub(b'0')),
        _ => 0,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_and_short_forms() {
        // 2026-11-22 14:30:00 +0100 = 13:30 UTC.
        let utc = 1_795_354_200;
        assert_eq!(parse_xmltv_time("20261122143000 +0100"), Ok(utc));
        assert_eq!(parse_xmltv_time("20261122133000"), Ok(utc));
        assert_eq!(parse_xmltv_time("20261122133000 Z"), Ok(utc));
        assert_eq!(parse_xmltv_time("20261122083000 -0500"), Ok(utc));
        assert_eq!(parse_xmltv_time("20261122190000+05:30"), Ok(utc));
        assert_eq!(parse_xmltv_time("202611221330 +0000"), Ok(utc));
        assert_eq!(parse_xmltv_time("20261122"), Ok(utc - 13 * 3600 - 1800));
    }

    #[test]
    fn refuses_out_of_range_and_garbage() {
        assert_eq!(parse_xmltv_time("20260230120000"), Err(TimeError::Range));
        assert_eq!(parse_xmltv_time("20261322120000"), Err(TimeError::Range));
        assert_eq!(parse_xmltv_time("20261122250000"), Err(TimeError::Range));
        assert_eq!(parse_xmltv_time("2026112212000"), Err(TimeError::Syntax));
        assert_eq!(parse_xmltv_time(""), Err(TimeError::Syntax));
        assert_eq!(parse_xmltv_time("20261122120000 +2500"), Err(TimeError::Offset));
        assert_eq!(parse_xmltv_time("20261122120000 CET"), Err(TimeError::Offset));
        assert_eq!(parse_xmltv_time("20261122120000 +01x0"), Err(TimeError::Offset));
        assert_eq!(parse_xmltv_time("20240229000000"), Ok(1_709_164_800));
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
