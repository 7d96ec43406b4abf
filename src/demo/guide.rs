// SPDX-License-Identifier: GPL-3.0-or-later
//! An XMLTV guide for the demo channels: half-hour programmes around the current time.

use std::fmt::Write;

/// Programme titles the demo cycles through.
pub(super) const SHOWS: &[&str] = &[
    "Morning Loop",
    "The Bouncing Hour",
    "Test Card Tales",
    "News at the Bars",
    "Signal & Noise",
    "Documentary: Circles",
    "Sports Roundup",
    "Late Night Tones",
];

/// Length of every demo programme.
pub(super) const PROGRAMME_SECONDS: u64 = 1800;

/// XMLTV for `channels` (id, display name) covering `now_unix_s` - 3 h .. + 24 h. The
/// programmes of channel `vod` (0-based) carry a `catchup-id`, `ep-<start>`, for its `vod`
/// archive.
pub fn xmltv(channels: &[(String, String)], now_unix_s: i64, vod: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv generator-info-name=\"zapbox demo\">\n",
    );
    for (id, name) in channels {
        let _ = writeln!(
            xml,
            "  <channel id=\"{id}\"><display-name>{name}</display-name></channel>"
        );
    }
    let half_hour = PROGRAMME_SECONDS as i64;
    let first = (now_unix_s - 3 * 3600) / half_hour * half_hour;
    for (c, (id, name)) in channels.iter().enumerate() {
        for slot in 0..54 {
            let start = first + slot * half_hour;
            let title = SHOWS[(slot as usize + c) % SHOWS.len()];
            let catchup_id = if c == vod {
                format!(" catchup-id=\"ep-{start}\"")
            } else {
                String::new()
            };
            let _ = writeln!(
                xml,
                "  <programme start=\"{}\" stop=\"{}\" channel=\"{id}\"{catchup_id}><title>{title}</title><desc>{title} on {name}: a demo programme.</desc></programme>",
                xmltv_time(start),
                xmltv_time(start + half_hour)
            );
        }
    }
    xml.push_str("</tv>\n");
    xml
}

/// `YYYYMMDDhhmmss +0000` for a Unix time.
pub(super) fn xmltv_time(unix_s: i64) -> String {
    match jiff::Timestamp::from_second(unix_s) {
        Ok(t) => t.strftime("%Y%m%d%H%M%S +0000").to_string(),
        Err(_) => "19700101000000 +0000".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmltv_times_are_utc_civil_dates() {
        assert_eq!(xmltv_time(0), "19700101000000 +0000");
        assert_eq!(xmltv_time(1_795_305_600), "20261122000000 +0000");
        assert_eq!(xmltv_time(951_782_400 + 3661), "20000229010101 +0000");
    }
}
