// SPDX-License-Identifier: GPL-3.0-or-later
//! Meaning of `#EXTINF` and `#EXTM3U` attributes: names, numbers, groups, guide shift, catch-up.
//!
//! Works on the already split [`AttrLine`](super::attrs::AttrLine); knows nothing about lines,
//! URLs or merging, and does no I/O. Keys are matched case-insensitively (`tvg-ID` = `tvg-id`).

use super::attrs::{AttrLine, LowerKey};
use super::model::Catchup;
use super::problem::Problems;

/// Catch-up modes understood by players (Kodi IPTV Simple's list).
const CATCHUP_MODES: [&str; 9] = [
    "default",
    "append",
    "shift",
    "flussonic",
    "flussonic-hls",
    "flussonic-ts",
    "fs",
    "xc",
    "vod",
];

/// Highest channel number accepted from a playlist (what a remote can type in four digits).
pub const MAX_CHANNEL_NUMBER: u32 = 9999;

/// Catch-up attributes as written, before header defaults are applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatchupAttrs {
    pub mode: Option<String>,
    pub source: Option<String>,
    pub days: Option<u32>,
    /// Legacy SIPTV `timeshift=<days>`: archive depth that implies the `shift` mode.
    pub timeshift_days: Option<u32>,
}

impl CatchupAttrs {
    /// Channel attributes first, then the playlist header's; `None` when no mode results.
    pub fn resolve(&self, header: &CatchupAttrs) -> Option<Catchup> {
        let legacy = self.timeshift_days.map(|_| "shift".to_owned());
        let mode = self.mode.clone().or_else(|| header.mode.clone()).or(legacy)?;
        Some(Catchup {
            mode,
            source: self.source.clone().or_else(|| header.source.clone()),
            days: self.days.or(self.timeshift_days).or(header.days),
        })
    }
}

/// What an `#EXTINF` line says about its channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Info {
    pub line: usize,
    pub name: Option<String>,
    pub tvg_id: Option<String>,
    pub tvg_name: Option<String>,
    pub logo: Option<String>,
    pub number: Option<u32>,
    pub groups: Vec<String>,
    pub radio: bool,
    pub shift_minutes: Option<i32>,
    pub catchup: CatchupAttrs,
}

/// Playlist-wide `#EXTM3U` attributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    /// XMLTV guide URLs from `url-tvg`/`x-tvg-url`, in order.
    pub guide_urls: Vec<String>,
    /// Default guide shift for every channel, in minutes.
    pub shift_minutes: Option<i32>,
    pub catchup: CatchupAttrs,
    /// Default user agent for every HTTP source.
    pub user_agent: Option<String>,
}

/// Reports a bad value; `line` and `file` come from the caller's context.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub line: usize,
    pub problems: &'a mut Problems,
}

impl Ctx<'_> {
    fn warn(&mut self, message: String) {
        self.problems.warn(self.file, self.line, message);
    }
}

fn text(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// Interprets the attributes of one `#EXTINF` line.
pub(crate) fn channel_info(a: &AttrLine<'_>, ctx: &mut Ctx<'_>) -> Info {
    let mut info = Info {
        line: ctx.line,
        name: a.name.and_then(text),
        ..Info::default()
    };
    let (mut tvg_logo, mut logo, mut tags) = (None, None, Vec::new());
    for &(k, v) in &a.attrs {
        let Some(key) = LowerKey::new(k) else { continue };
        match key.as_str() {
            "tvg-id" => set(&mut info.tvg_id, v),
            "tvg-name" => set(&mut info.tvg_name, v),
            "tvg-logo" => set(&mut tvg_logo, v),
            "logo" => set(&mut logo, v),
            "tvg-chno" | "ch-number" | "channel-number" | "tvh-chnum" if info.number.is_none() => {
                info.number = channel_number(v, ctx);
            }
            "group-title" if info.groups.is_empty() => info.groups = split_list(v, ';'),
            "tvh-tags" => tags.extend(split_list(v, '|')),
            "tvg-shift" => info.shift_minutes = shift_minutes(v, ctx),
            "radio" => info.radio = matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
            "timeshift" => info.catchup.timeshift_days = days(k, v, ctx),
            _ => catchup_attr(&key, v, &mut info.catchup, ctx),
        }
    }
    info.logo = tvg_logo.or(logo);
    for t in tags {
        if !info.groups.contains(&t) {
            info.groups.push(t);
        }
    }
    info
}

/// Applies the attributes of an `#EXTM3U` line to `header` (later headers add to earlier ones).
pub(crate) fn header_attrs(a: &AttrLine<'_>, header: &mut Header, ctx: &mut Ctx<'_>) {
    for &(k, v) in &a.attrs {
        let Some(key) = LowerKey::new(k) else { continue };
        match key.as_str() {
            "url-tvg" | "x-tvg-url" => {
                for url in v.split([',', ';']).filter_map(text) {
                    if !header.guide_urls.contains(&url) {
                        header.guide_urls.push(url);
                    }
                }
            }
            "tvg-shift" => header.shift_minutes = shift_minutes(v, ctx),
            "user-agent" | "http-user-agent" => set(&mut header.user_agent, v),
            _ => catchup_attr(&key, v, &mut header.catchup, ctx),
        }
    }
}

/// Keeps the first non-empty value.
fn set(slot: &mut Option<String>, v: &str) {
    if slot.is_none() {
        *slot = text(v);
    }
}

fn catchup_attr(key: &str, v: &str, c: &mut CatchupAttrs, ctx: &mut Ctx<'_>) {
    match key {
        "catchup" | "catchup-type" if c.mode.is_none() => c.mode = catchup_mode(v, ctx),
        "catchup-source" => set(&mut c.source, v),
        "catchup-days" => c.days = days(key, v, ctx),
        _ => {} // unknown or provider metadata we do not use
    }
}

fn catchup_mode(v: &str, ctx: &mut Ctx<'_>) -> Option<String> {
    let mode = v.trim().to_ascii_lowercase();
    if mode.is_empty() {
        return None;
    }
    if CATCHUP_MODES.contains(&mode.as_str()) {
        return Some(mode);
    }
    ctx.warn(format!(
        "unknown catchup mode '{}' (known: {}); catch-up disabled here",
        super::url::quote(v.trim()),
        CATCHUP_MODES.join(", ")
    ));
    None
}

fn days(key: &str, v: &str, ctx: &mut Ctx<'_>) -> Option<u32> {
    let parsed = v.trim().parse::<u32>().ok();
    if parsed.is_none() && !v.trim().is_empty() {
        ctx.warn(format!(
            "{key} '{}' is not a whole number of days; ignored",
            super::url::quote(v)
        ));
    }
    parsed
}

/// `tvg-chno` and aliases: a whole number in `1..=MAX_CHANNEL_NUMBER`.
fn channel_number(v: &str, ctx: &mut Ctx<'_>) -> Option<u32> {
    let n = v
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_CHANNEL_NUMBER).contains(n));
    if n.is_none() && !v.trim().is_empty() {
        ctx.warn(format!(
            "channel number '{}' is not a whole number in 1..{MAX_CHANNEL_NUMBER}; numbered automatically",
            super::url::quote(v)
        ));
    }
    n
}

/// `tvg-shift` in hours (fractional allowed, e.g. `-1.5`) to minutes.
fn shift_minutes(v: &str, ctx: &mut Ctx<'_>) -> Option<i32> {
    let hours = v
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|h| h.is_finite() && h.abs() <= 24.0);
    if hours.is_none() && !v.trim().is_empty() {
        ctx.warn(format!(
            "tvg-shift '{}' is not a number of hours in -24..24; ignored",
            super::url::quote(v)
        ));
    }
    // In range by the filter above, so the cast cannot saturate.
    hours.map(|h| (h * 60.0).round() as i32)
}

/// Splits a multi-value attribute, trimming and dropping empty and repeated items.
fn split_list(v: &str, sep: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in v.split(sep).filter_map(text) {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineup::attrs;

    fn info(line: &str) -> (Info, Vec<String>) {
        let mut problems = Problems::default();
        let a = attrs::parse(line, true);
        let i = channel_info(
            &a,
            &mut Ctx {
                file: "t",
                line: 7,
                problems: &mut problems,
            },
        );
        (i, problems.finish().into_iter().map(|p| p.message).collect())
    }

    #[test]
    fn reads_the_superset() {
        let (i, w) = info(
            r#"-1 tvg-ID="One.uk" tvg-name="One" logo="l2" tvg-logo="l1" ch-number="7" group-title="News;UK;News" tvh-tags="HD|UK" tvg-shift="-1.5" radio="TRUE" catchup="Shift" catchup-days="3",One HD"#,
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(i.tvg_id.as_deref(), Some("One.uk"));
        assert_eq!(i.logo.as_deref(), Some("l1"));
        assert_eq!(i.number, Some(7));
        assert_eq!(i.groups, ["News", "UK", "HD"]);
        assert_eq!(i.shift_minutes, Some(-90));
        assert!(i.radio);
        assert_eq!(i.catchup.mode.as_deref(), Some("shift"));
        assert_eq!(i.name.as_deref(), Some("One HD"));
    }

    #[test]
    fn bad_values_warn_and_are_ignored() {
        let (i, w) = info(r#"-1 tvg-chno="0" tvg-shift="x" catchup="magic" catchup-days="many",A"#);
        assert_eq!(
            (i.number, i.shift_minutes, i.catchup.mode, i.catchup.days),
            (None, None, None, None)
        );
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(w[0].contains("channel number '0'"));
        assert_eq!(info(r#"-1 tvg-chno="10000",A"#).0.number, None);
    }

    #[test]
    fn catchup_resolution_uses_header_defaults_and_legacy_timeshift() {
        let header = CatchupAttrs {
            mode: Some("default".into()),
            source: Some("s?{utc}".into()),
            days: Some(7),
            ..Default::default()
        };
        let own = CatchupAttrs {
            days: Some(2),
            ..Default::default()
        };
        assert_eq!(
            own.resolve(&header),
            Some(Catchup {
                mode: "default".into(),
                source: Some("s?{utc}".into()),
                days: Some(2)
            })
        );
        let legacy = CatchupAttrs {
            timeshift_days: Some(5),
            ..Default::default()
        };
        assert_eq!(
            legacy.resolve(&CatchupAttrs::default()).map(|c| (c.mode, c.days)),
            Some(("shift".into(), Some(5)))
        );
        assert_eq!(CatchupAttrs::default().resolve(&CatchupAttrs::default()), None);
    }

    #[test]
    fn header_guide_urls_split_and_dedup() {
        let mut h = Header::default();
        let mut problems = Problems::default();
        let a = attrs::parse(
            r#" url-tvg="http://a/1.xml, http://b/2.xml;http://a/1.xml" x-tvg-url="http://c/3.xml.gz" user-agent="Box/1""#,
            false,
        );
        header_attrs(
            &a,
            &mut h,
            &mut Ctx {
                file: "t",
                line: 1,
                problems: &mut problems,
            },
        );
        assert_eq!(
            h.guide_urls,
            ["http://a/1.xml", "http://b/2.xml", "http://c/3.xml.gz"]
        );
        assert_eq!(h.user_agent.as_deref(), Some("Box/1"));
    }
}
