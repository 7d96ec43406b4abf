// SPDX-License-Identifier: GPL-3.0-or-later
//! XMLTV timestamps (`20261122143000 +0100`) to [`UtcSeconds`], by hand: this runs for every
//! `start` and `stop` of a gigabyte guide, so no allocation and no time-zone database.
//!
//! Zones come three ways in real guides: numeric offsets (`+0100`, `+01:00`, `+0:00`), zone
//! names (`BST`, `MST`: the XMLTV project's own test files use them; the common ones are in
//! [`NAMED_ZONES`]), and none at all. A time without a zone, or with a name not in the table,
//! is *local*: [`parse_time`] returns its civil time counted as if it were UTC, and the guide
//! source places it in its configured zone ([`local_to_utc`], default UTC). So no programme is
//! lost to its zone, and the reader warns once per file instead of once per programme.
//!
//! Pure: never reads a clock or a file. Every field is range-checked, so a malformed time is an
//! error value, never a wrong date or a panic.

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

/// How a time's zone was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A numeric offset or a known name: the seconds are UTC.
    Given,
    /// No zone: the seconds are civil time of the source's zone.
    Missing,
    /// A name not in [`NAMED_ZONES`]: like `Missing`.
    Unknown,
}

/// A parsed time: UTC when the zone was given, else civil time counted as if it were UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedTime {
    pub seconds: i64,
    pub zone: Zone,
}

/// Zone names and their offsets in minutes east of UTC. Abbreviations are ambiguous; these are
/// the readings of European and North American guides (IST is Irish Standard Time, CST is US
/// Central). A guide from elsewhere that uses names should use numeric offsets instead.
pub const NAMED_ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Z", 0),
    ("BST", 60),
    ("IST", 60),
    ("WET", 0),
    ("WEST", 60),
    ("CET", 60),
    ("CEST", 120),
    ("MET", 60),
    ("MEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
    ("AEST", 600),
    ("AEDT", 660),
    ("ACST", 570),
    ("ACDT", 630),
    ("AWST", 480),
    ("NZST", 720),
    ("NZDT", 780),
    ("JST", 540),
    ("KST", 540),
];

/// Parses an XMLTV time whose zone must be known: 8 to 14 digits (`YYYYMMDD[hh[mm[ss]]]`),
/// then optionally spaces and a zone (`+HHMM`, `-HHMM`, `+HH:MM`, `+H:MM`, `+HH`, or a name of
/// [`NAMED_ZONES`]). Without a zone the time is UTC, as the XMLTV DTD says; an unknown name is
/// an error.
pub fn parse_xmltv_time(text: &str) -> Result<UtcSeconds, TimeError> {
    match parse_time(text)? {
        ParsedTime {
            zone: Zone::Unknown, ..
        } => Err(TimeError::Offset),
        t => Ok(t.seconds),
    }
}

/// Parses an XMLTV time, keeping a missing or unknown zone for the caller to place (see the
/// module documentation).
pub fn parse_time(text: &str) -> Result<ParsedTime, TimeError> {
    let bytes = text.trim().as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if !matches!(digits, 8 | 10 | 12 | 14) {
        return Err(TimeError::Syntax);
    }
    let (civil, zone) = bytes.split_at(digits);
    let field = |at: usize| civil.get(at..at + 2).map_or(0, two_digits);
    let year = i64::from(field(0)) * 100 + i64::from(field(2));
    let (month, day) = (field(4), field(6));
    let (hour, minute, second) = (field(8), field(10), field(12));
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(TimeError::Range);
    }
    // Second 60 is a leap second (23:59:60 counts as the next midnight, as POSIX time does).
    if hour > 23 || minute > 59 || second > 60 {
        return Err(TimeError::Range);
    }
    let (offset, zone) = parse_zone(zone)?;
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Ok(ParsedTime {
        seconds: local - offset,
        zone,
    })
}

/// The zone suffix as seconds east of UTC, and how it was given.
fn parse_zone(zone: &[u8]) -> Result<(i64, Zone), TimeError> {
    let zone = zone.trim_ascii();
    if zone.is_empty() {
        return Ok((0, Zone::Missing));
    }
    let (sign, rest) = match zone.split_first() {
        Some((b'+', rest)) => (1, rest),
        Some((b'-', rest)) => (-1, rest),
        _ => return named_zone(zone),
    };
    let digit = |b: &u8| b.is_ascii_digit();
    let (hours, minutes) = match rest {
        [h1, h2, m1, m2] if rest.iter().all(digit) => (two_digits(&[*h1, *h2]), two_digits(&[*m1, *m2])),
        [h1, h2, b':', m1, m2] if [h1, h2, m1, m2].into_iter().all(digit) => {
            (two_digits(&[*h1, *h2]), two_digits(&[*m1, *m2]))
        }
        [h, b':', m1, m2] if [h, m1, m2].into_iter().all(digit) => {
            (u32::from(h - b'0'), two_digits(&[*m1, *m2]))
        }
        [h1, h2] if rest.iter().all(digit) => (two_digits(&[*h1, *h2]), 0),
        [h] if h.is_ascii_digit() => (u32::from(h - b'0'), 0),
        _ => return Err(TimeError::Offset),
    };
    if hours > 15 || minutes > 59 {
        return Err(TimeError::Offset);
    }
    let seconds = i64::from(hours) * 3600 + i64::from(minutes) * 60;
    Ok((sign * seconds, Zone::Given))
}

/// A zone name: known ones give their offset; other names of 1 to 6 letters are `Unknown`
/// (placed in the source's zone); anything else is not a zone.
fn named_zone(zone: &[u8]) -> Result<(i64, Zone), TimeError> {
    if zone.len() > 6 || !zone.iter().all(u8::is_ascii_alphabetic) {
        return Err(TimeError::Offset);
    }
    let known = NAMED_ZONES
        .iter()
        .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(zone));
    Ok(match known {
        Some((_, minutes)) => (i64::from(*minutes) * 60, Zone::Given),
        None => (0, Zone::Unknown),
    })
}

/// Places a civil time counted as if it were UTC (a [`ParsedTime`] without a known zone) in
/// `zone`. A civil time that occurs twice (the hour the clocks go back) is the first; one
/// that does not occur (the hour they go forward) is read with the offset before the change.
pub fn local_to_utc(civil_seconds: i64, zone: &jiff::tz::TimeZone) -> i64 {
    let Ok(ts) = jiff::Timestamp::from_second(civil_seconds) else {
        return civil_seconds;
    };
    let civil = jiff::tz::Offset::UTC.to_datetime(ts);
    zone.to_ambiguous_timestamp(civil)
        .compatible()
        .map_or(civil_seconds, |t| t.as_second())
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
        assert_eq!(parse_xmltv_time("20261122120000 XYZ"), Err(TimeError::Offset));
        assert_eq!(parse_xmltv_time("20261122120000 +0:0"), Err(TimeError::Offset));
        assert_eq!(
            parse_xmltv_time("20261122120000 Europe/Paris"),
            Err(TimeError::Offset)
        );
        assert_eq!(parse_xmltv_time("20261122120000 +01x0"), Err(TimeError::Offset));
        assert_eq!(parse_xmltv_time("20240229000000"), Ok(1_709_164_800));
    }

    #[test]
    fn one_digit_hour_offsets_are_not_ten_hours() {
        let utc = parse_xmltv_time("20261122133000").unwrap();
        assert_eq!(parse_xmltv_time("20261122133000 +0:00"), Ok(utc));
        assert_eq!(parse_xmltv_time("20261122143000 +1:00"), Ok(utc));
        assert_eq!(parse_xmltv_time("20261122083000 -5"), Ok(utc));
    }

    #[test]
    fn seconds_past_59_are_not_clamped() {
        let minute = parse_xmltv_time("20261122133000").unwrap();
        assert_eq!(parse_xmltv_time("20261122133059"), Ok(minute + 59));
        // A leap second is the next minute's first, as in POSIX time.
        assert_eq!(parse_xmltv_time("20261122133060"), Ok(minute + 60));
        for s in ["61", "75", "99"] {
            let text = format!("202611221330{s}");
            assert_eq!(parse_xmltv_time(&text), Err(TimeError::Range), "{text}");
        }
    }

    #[test]
    fn named_zones() {
        // The XMLTV project's test times: 2001-08-29 00:05 BST is 2001-08-28 23:05 UTC.
        let bst = parse_xmltv_time("20010829000500 BST").unwrap();
        assert_eq!(bst, parse_xmltv_time("20010828230500 +0000").unwrap());
        let mst = parse_xmltv_time("20020101120000 MST").unwrap();
        assert_eq!(mst, parse_xmltv_time("20020101190000").unwrap());
        for (name, minutes) in NAMED_ZONES {
            let text = format!("20261122120000 {name}");
            let expected = parse_xmltv_time("20261122120000").unwrap() - i64::from(*minutes) * 60;
            assert_eq!(parse_xmltv_time(&text), Ok(expected), "{text}");
            assert_eq!(parse_xmltv_time(&text.to_lowercase()), Ok(expected), "{text}");
        }
    }

    #[test]
    fn missing_and_unknown_zones_are_local() {
        let civil = parse_xmltv_time("20261122120000").unwrap();
        let missing = parse_time("20261122120000").unwrap();
        assert_eq!(
            missing,
            ParsedTime {
                seconds: civil,
                zone: Zone::Missing
            }
        );
        let unknown = parse_time("20261122120000 XYZT").unwrap();
        assert_eq!(
            unknown,
            ParsedTime {
                seconds: civil,
                zone: Zone::Unknown
            }
        );
        assert_eq!(parse_time("20261122120000 +0100").unwrap().zone, Zone::Given);
    }

    #[test]
    fn local_times_are_placed_in_the_zone() {
        let civil = |t| parse_time(t).unwrap().seconds;
        let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        // Winter: +01:00; summer: +02:00.
        assert_eq!(
            local_to_utc(civil("20261122120000"), &paris),
            civil("20261122110000")
        );
        assert_eq!(
            local_to_utc(civil("20260715120000"), &paris),
            civil("20260715100000")
        );
        // The hour that occurs twice (2026-10-25 02:30 in Paris) is its first, at +02:00.
        assert_eq!(
            local_to_utc(civil("20261025023000"), &paris),
            civil("20261025003000")
        );
        let fixed = jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(-5 * 3600).unwrap());
        assert_eq!(
            local_to_utc(civil("20261122120000"), &fixed),
            civil("20261122170000")
        );
        assert_eq!(
            local_to_utc(civil("20261122120000"), &jiff::tz::TimeZone::UTC),
            civil("20261122120000")
        );
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
