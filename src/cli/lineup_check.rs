// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox lineup check`: load playlists, print the merged lineup and every problem.
//!
//! Output only: loading is `net::lineup_load`, parsing and merging `lineup`. Must not depend on
//! the UI, the player or the core.

use crate::lineup::{Catchup, Channel, LineupReport, MulticastGroup, Problem, Source, SourceKind};
use crate::net::http::HttpLimits;
use crate::net::lineup_load::load_lineup;
use anyhow::Context;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Loads `locations` (paths or http(s) URLs), prints the result as text or one JSON object, and
/// returns whether the lineup is usable (at least one channel, no input failed entirely).
pub fn run(
    locations: &[String],
    json: bool,
    cache_dir: Option<&Path>,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let report = load_lineup(locations, cache_dir, &HttpLimits::default());
    if json {
        render_json(&report, out)?;
    } else {
        render_text(&report, out)?;
    }
    Ok(report.is_usable())
}

/// The `--json` document: `{"channels":[…],"guide_urls":[…],"warnings":[…],"errors":[…]}`.
pub fn render_json(report: &LineupReport, out: &mut dyn Write) -> anyhow::Result<()> {
    let doc = JsonReport {
        channels: Channels(&report.lineup.channels),
        guide_urls: &report.lineup.guide_urls,
        warnings: &report.warnings,
        errors: &report.errors,
    };
    let mut w = BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer(&mut w, &doc).context("cannot write the JSON report")?;
    writeln!(w)?;
    w.flush().context("cannot write the JSON report")?;
    Ok(())
}

/// Human-readable listing: one line per channel, then `file:line: message` per problem.
pub fn render_text(report: &LineupReport, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut w = BufWriter::new(out);
    for c in &report.lineup.channels {
        let group = c.groups.first().map_or("-", String::as_str);
        writeln!(w, "{:>5}  {:<32} {:<20} {}", c.number, c.name, group, kinds(c))?;
    }
    for url in &report.lineup.guide_urls {
        writeln!(w, "guide: {url}")?;
    }
    for (title, list) in [("warnings", &report.warnings), ("errors", &report.errors)] {
        if !list.is_empty() {
            writeln!(w, "{title}:")?;
        }
        for p in list {
            writeln!(w, "{p}")?;
        }
    }
    let verdict = if report.is_usable() {
        "usable"
    } else {
        "NOT usable"
    };
    writeln!(
        w,
        "{} channels, {} warnings, {} errors: {verdict}",
        report.lineup.channels.len(),
        report.warnings.len(),
        report.errors.len()
    )?;
    w.flush()?;
    Ok(())
}

/// Distinct source kinds of a channel in preference order, e.g. `multicast, hls`.
fn kinds(c: &Channel) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in &c.sources {
        let k = kind_name(s.kind);
        if !seen.contains(&k) {
            seen.push(k);
        }
    }
    seen.join(", ")
}

fn kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Multicast => "multicast",
        SourceKind::Rtp => "rtp",
        SourceKind::Hls => "hls",
        SourceKind::Dash => "dash",
        SourceKind::Http => "http",
        SourceKind::Rtsp => "rtsp",
        SourceKind::Rtmp => "rtmp",
    }
}

/// Serialises a slice through a JSON view type, one item at a time: collecting the views first
/// would allocate a few hundred thousand short-lived vectors for a 100k lineup.
macro_rules! json_seq {
    ($name:ident, $item:ty, $view:expr) => {
        struct $name<'a>(&'a [$item]);

        impl Serialize for $name<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map($view))
            }
        }
    };
}

json_seq!(Channels, Channel, JsonChannel::from);
json_seq!(Sources, Source, JsonSource::from);
json_seq!(Pairs, (String, String), |(name, value)| JsonPair { name, value });

fn one_or_none(groups: &&[String]) -> bool {
    groups.len() <= 1
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

impl Pairs<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    channels: Channels<'a>,
    guide_urls: &'a [String],
    warnings: &'a [Problem],
    errors: &'a [Problem],
}

#[derive(Serialize)]
struct JsonChannel<'a> {
    number: u32,
    key: &'a str,
    name: &'a str,
    tvg_id: Option<&'a str>,
    /// The main group (first of `groups`), or null.
    group: Option<&'a str>,
    // Extras beyond the documented fields appear only when they say something, which keeps a
    // 100k-channel document (and the time to write it) about a third smaller.
    #[serde(skip_serializing_if = "one_or_none")]
    groups: &'a [String],
    logo: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    radio: bool,
    #[serde(skip_serializing_if = "is_zero")]
    guide_shift_minutes: i32,
    sources: Sources<'a>,
    catchup: Option<&'a Catchup>,
}

impl<'a> From<&'a Channel> for JsonChannel<'a> {
    fn from(c: &'a Channel) -> Self {
        Self {
            number: c.number,
            key: &c.key.0,
            name: &c.name,
            tvg_id: c.tvg_id.as_deref(),
            group: c.groups.first().map(String::as_str),
            groups: &c.groups,
            logo: c.logo.as_deref(),
            radio: c.radio,
            guide_shift_minutes: c.guide_shift_minutes,
            sources: Sources(&c.sources),
            catchup: c.catchup.as_ref(),
        }
    }
}

#[derive(Serialize)]
struct JsonSource<'a> {
    url: &'a str,
    kind: SourceKind,
    /// Only for multicast and RTP sources; like the other extras, left out when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    multicast: Option<&'a MulticastGroup>,
    user_agent: Option<&'a str>,
    referrer: Option<&'a str>,
    program: Option<u16>,
    #[serde(skip_serializing_if = "Pairs::is_empty")]
    headers: Pairs<'a>,
    #[serde(skip_serializing_if = "Pairs::is_empty")]
    properties: Pairs<'a>,
}

#[derive(Serialize)]
struct JsonPair<'a> {
    name: &'a str,
    value: &'a str,
}

impl<'a> From<&'a Source> for JsonSource<'a> {
    fn from(s: &'a Source) -> Self {
        Self {
            url: &s.url,
            kind: s.kind,
            multicast: s.multicast.as_ref(),
            user_agent: s.user_agent.as_deref(),
            referrer: s.referrer.as_deref(),
            program: s.program,
            headers: Pairs(&s.headers),
            properties: Pairs(&s.properties),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, json: bool) -> (bool, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.m3u");
        std::fs::write(&path, text).unwrap();
        let mut out = Vec::new();
        let usable = run(&[path.to_string_lossy().into_owned()], json, None, &mut out).unwrap();
        let shown = String::from_utf8(out)
            .unwrap()
            .replace(&*path.to_string_lossy(), "list.m3u");
        (usable, shown)
    }

    #[test]
    fn text_lists_channels_and_problems() {
        let (usable, out) = check(
            "#EXTM3U\n#EXTINF:-1 group-title=\"News\",One\nudp://@239.1.1.1:5000\nfile:///x\n",
            false,
        );
        assert!(usable);
        assert!(out.contains("    1  One"), "{out}");
        assert!(out.contains("News") && out.contains("multicast"));
        assert!(out.contains("list.m3u:4: scheme 'file' is not allowed"), "{out}");
        assert!(
            out.ends_with("1 channels, 1 warnings, 0 errors: usable\n"),
            "{out}"
        );
    }

    #[test]
    fn json_is_one_object_with_the_documented_fields() {
        let (usable, out) = check(
            "#EXTINF:-1 tvg-id=\"a\" tvg-chno=\"7\" catchup=\"xc\",A\nhttp://x/u/p/1.m3u8|User-Agent=UA\n",
            true,
        );
        assert!(usable);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let c = &v["channels"][0];
        assert_eq!(c["number"], 7);
        assert_eq!(c["tvg_id"], "a");
        assert_eq!(c["group"], serde_json::Value::Null);
        assert_eq!(c["sources"][0]["kind"], "hls");
        assert_eq!(c["sources"][0]["user_agent"], "UA");
        assert_eq!(c["catchup"]["mode"], "xc");
        assert_eq!(c["catchup"]["days"], 5);
        assert_eq!(
            c["catchup"]["template"],
            "http://x/timeshift/u/p/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1.m3u8"
        );
        assert_eq!(v["warnings"], serde_json::json!([]));
        assert_eq!(v["errors"], serde_json::json!([]));
    }

    #[test]
    fn unusable_when_nothing_plays_or_a_location_fails() {
        assert!(!check("#EXTM3U\n", true).0);
        let mut out = Vec::new();
        assert!(!run(&["/nonexistent/a.m3u".into()], false, None, &mut out).unwrap());
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("/nonexistent/a.m3u: cannot read")
        );
    }
}
