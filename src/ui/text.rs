// SPDX-License-Identifier: GPL-3.0-or-later
//! Times and names for the screens: clock and programme times in the box's time zone, and a
//! channel's initials. Words live (translatable) in the `.slint` files.

use jiff::tz::TimeZone;

/// `HH:MM` in the box's time zone.
pub fn clock(utc_s: i64) -> String {
    format_local(utc_s, "%H:%M")
}

/// `20:15 – 21:00`.
pub fn span(start_s: i64, stop_s: i64) -> String {
    format!("{} – {}", clock(start_s), clock(stop_s))
}

/// `Sun 22 Nov` for the guide's day.
pub fn day(utc_s: i64) -> String {
    format_local(utc_s, "%a %-d %b")
}

fn format_local(utc_s: i64, pattern: &str) -> String {
    jiff::Timestamp::from_second(utc_s)
        .map(|t| t.to_zoned(TimeZone::system()).strftime(pattern).to_string())
        .unwrap_or_default()
}

/// A size in the units a viewer reads: `410 MB`, `1.2 GB`.
pub fn bytes(n: u64) -> String {
    const GB: u64 = 1_000_000_000;
    if n >= 10 * GB {
        format!("{} GB", n / GB)
    } else if n >= GB {
        format!("{:.1} GB", n as f64 / GB as f64)
    } else {
        format!("{} MB", n.div_ceil(1_000_000))
    }
}

/// Up to three initials of a channel name, for its badge.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(3)
        .collect::<String>()
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_channel_names() {
        assert_eq!(initials("Zap One"), "ZO");
        assert_eq!(initials("das erste hd extra"), "DEH");
        assert_eq!(initials(""), "");
    }
}
