// SPDX-License-Identifier: GPL-3.0-or-later
//! Meaning of `#EXTINF` and `#EXTM3U` attributes: names, numbers, groups, guide shift, catch-up.
//!
//! Works on the already split [`Attrs`](super::attrs::Attrs); knows nothing about lines,
//! URLs or merging, and does no I/O. Keys are matched case-insensitively (`tvg-ID` = `tvg-id`).

use super::attrs::{Attrs, LowerKey};
use super::model::{CatchupDays, CatchupMode, DEFAULT_CATCHUP_DAYS};
use super::problem::Problems;

/// Most groups kept per channel and guide URLs per playlist header: real lists have a handful,
/// and the cap keeps duplicate checks on hostile lines from going quadratic.
const MAX_LIST_ITEMS: usize = 32;

/// Highest channel number accepted from a playlist (what a remote can type in four digits).
pub const MAX_CHANNEL_NUMBER: u32 = 9999;

/// Catch-up attributes as written, before header defaults are applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatchupAttrs {
    /// `catchup=` or `catchup-type=` (the first of them that names a known mode).
    pub mode: Option<CatchupMode>,
    pub source: Option<String>,
    pub days: Option<CatchupDays>,
    /// Legacy SIPTV `timeshift=<days>`: archive depth that implies the `shift` mode.
    pub timeshift_days: Option<u32>,
    /// `tvg-rec=<days>`: read like `timeshift` when that is absent or zero.
    pub rec_days: Option<u32>,
    /// `catchup-correction` in seconds.
    pub correction_s: Option<i32>,
}

/// A channel's catch-up after header defaults, before its URL template is built.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCatchup {
    pub mode: CatchupMode,
    pub source: Option<String>,
    pub days: CatchupDays,
    pub correction_s: i32,
    /// The mode came from the `#EXTM3U` header, not from the channel's own line.
    pub inherited: bool,
}

impl CatchupAttrs {
    /// Channel attributes first, then the playlist header's; `None` when no mode results.
    ///
    /// Order (Kodi's, except that the channel's own legacy days win over the header's days):
    /// mode = channel, header, `shift` when `timeshift`/`tvg-rec` gives days; days = channel
    /// `catchup-days`, legacy days, header `catchup-days`, unlimited for `vod`, else 5;
    /// correction = channel, header, 0.
    pub fn resolve(&self, header: &CatchupAttrs) -> Option<ResolvedCatchup> {
        let legacy = self
            .timeshift_days
            .filter(|&d| d > 0)
            .or(self.rec_days.filter(|&d| d > 0));
        let (mode, inherited) = match (self.mode, header.mode) {
            (Some(m), _) => (m, false),
            (None, Some(m)) => (m, true),
            (None, None) => (legacy.map(|_| CatchupMode::Shift)?, false),
        };
        let days = self
            .days
            .or(legacy.map(CatchupDays::Days))
            .or(header.days)
            .unwrap_or(match mode {
                CatchupMode::Vod => CatchupDays::Unlimited,
                _ => CatchupDays::Days(DEFAULT_CATCHUP_DAYS),
            });
        Some(ResolvedCatchup {
            mode,
            source: self.source.clone().or_else(|| header.source.clone()),
            days,
            correction_s: self.correction_s.or(header.correction_s).unwrap_or(0),
            inherited,
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
pub(crate) fn channel_info(a: &mut Attrs<'_>, ctx: &mut Ctx<'_>) -> Info {
    let mut info = Info {
        line: ctx.line,
        ..Info::default()
    };
    let (mut tvg_logo, mut logo, mut tags) = (None, None, Vec::new());
    for (k, v) in a.by_ref() {
        let Some(key) = LowerKey::new(k) else {
            continue;
        };
        match key.as_bytes() {
            b"tvg-id" => set(&mut info.tvg_id, v),
            b"tvg-name" => set(&mut info.tvg_name, v),
            b"tvg-logo" => set(&mut tvg_logo, v),
            b"logo" => set(&mut logo, v),
            b"tvg-chno" | b"ch-number" | b"channel-number" | b"tvh-chnum" if info.number.is_none() => {
                info.number = channel_number(v, ctx);
            }
            b"group-title" if info.groups.is_empty() => info.groups = split_list(v, ';'),
            b"tvh-tags" => tags.extend(split_list(v, '|')),
            b"tvg-shift" => info.shift_minutes = shift_minutes(v, ctx),
            b"radio" => info.radio = matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
            b"timeshift" => info.catchup.timeshift_days = days(k, v, ctx),
            b"tvg-rec" => info.catchup.rec_days = days(k, v, ctx),
            _ => catchup_attr(key.as_bytes(), v, &mut info.catchup, ctx),
        }
    }
    info.name = a.name.and_then(text); // known once the attributes are consumed
    info.logo = tvg_logo.or(logo);
    for t in tags {
        if info.groups.len() < MAX_LIST_ITEMS && !info.groups.contains(&t) {
            info.groups.push(t);
        }
    }
    info
}

/// Applies the attributes of an `#EXTM3U` line to `header` (later headers add to earlier ones).
pub(crate) fn header_attrs(a: Attrs<'_>, header: &mut Header, ctx: &mut Ctx<'_>) {
    for (k, v) in a {
        let Some(key) = LowerKey::new(k) else {
            continue;
        };
        match key.as_bytes() {
            b"url-tvg" | b"x-tvg-url" => {
                for url in v.split([',', ';']).filter_map(text) {
                    // A playlist from the internet must not make the box read its own files.
                    if !crate::lineup::is_http_url(&url) {
                        ctx.warn(format!("guide address '{url}' is not http(s); ignored"));
                        continue;
                    }
                    if header.guide_urls.len() < MAX_LIST_ITEMS && !header.guide_urls.contains(&url) {
                        header.guide_urls.push(url);
                    }
                }
            }
            b"tvg-shift" => header.shift_minutes = shift_minutes(v, ctx),
            b"user-agent" | b"http-user-agent" => match super::url::header_problem("User-Agent", v) {
                None => set(&mut header.user_agent, v),
                Some(why) => ctx.warn(format!("{why}; header not sent")),
            },
            _ => catchup_attr(key.as_bytes(), v, &mut header.catchup, ctx),
        }
    }
}

/// Keeps the first non-empty value.
fn set(slot: &mut Option<String>, v: &str) {
    if slot.is_none() {
        *slot = text(v);
    }
}

fn catchup_attr(key: &[u8], v: &str, c: &mut CatchupAttrs, ctx: &mut Ctx<'_>) {
    match key {
        b"catchup" | b"catchup-type" if c.mode.is_none() => c.mode = catchup_mode(v, ctx),
        b"catchup-source" => set(&mut c.source, v),
        b"catchup-days" => c.days = catchup_days(v, ctx),
        b"catchup-correction" => c.correction_s = correction_s(v, ctx),
        _ => {} // unknown or provider metadata we do not use
    }
}

fn catchup_mode(v: &str, ctx: &mut Ctx<'_>) -> Option<CatchupMode> {
    if v.trim().is_empty() {
        return None;
    }
    let mode = CatchupMode::parse(v);
    if mode.is_none() {
        let known: Vec<&str> = CatchupMode::ALL.iter().map(|(n, _)| *n).collect();
        ctx.warn(format!(
            "unknown catchup mode '{}' (known: {}); catch-up disabled here",
            super::url::quote(v.trim()),
            known.join(", ")
        ));
    }
    mode
}

/// `catchup-days`: a positive number of days, or `-1` for no limit (Kodi's "ignore days").
/// Zero and anything else warn and leave the default.
fn catchup_days(v: &str, ctx: &mut Ctx<'_>) -> Option<CatchupDays> {
    match v.trim().parse::<i64>() {
        Ok(-1) => Some(CatchupDays::Unlimited),
        Ok(d) if d > 0 => Some(CatchupDays::Days(u32::try_from(d).unwrap_or(u32::MAX))),
        _ if v.trim().is_empty() => None,
        _ => {
            ctx.warn(format!(
                "catchup-days '{}' is not a positive whole number of days (or -1 for no limit); \
                 the default ({DEFAULT_CATCHUP_DAYS}) applies",
                super::url::quote(v)
            ));
            None
        }
    }
}

/// `catchup-correction` in hours (fractional allowed) to seconds.
fn correction_s(v: &str, ctx: &mut Ctx<'_>) -> Option<i32> {
    let hours = hours(v);
    if hours.is_none() && !v.trim().is_empty() {
        ctx.warn(format!(
            "catchup-correction '{}' is not a number of hours in -24..24; ignored",
            super::url::quote(v)
        ));
    }
    // In range by the filter in `hours`, so the cast cannot saturate.
    hours.map(|h| (h * 3600.0).round() as i32)
}

/// A number of hours in -24..=24.
fn hours(v: &str) -> Option<f64> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|h| h.is_finite() && h.abs() <= 24.0)
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
    let hours = hours(v);
    if hours.is_none() && !v.trim().is_empty() {
        ctx.warn(format!(
            "tvg-shift '{}' is not a number of hours in -24..24; ignored",
            super::url::quote(v)
        ));
    }
    // In range by the filter above, so the cast cannot saturate.
    hours.map(|h| (h * 60.0).round() as i32)
}

/// Splits a multi-value attribute, trimming and dropping empty and repeated items; at most
/// [`MAX_LIST_ITEMS`] so the duplicate check stays cheap on a hostile 64 KiB attribute.
fn split_list(v: &str, sep: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in v.split(sep).map(str::trim).filter(|i| !i.is_empty()) {
        if out.len() == MAX_LIST_ITEMS {
            break;
        }
        if !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
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
        let mut a = attrs::parse(line, true);
        let i = channel_info(
            &mut a,
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
        assert_eq!(i.catchup.mode, Some(CatchupMode::Shift));
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
            mode: Some(CatchupMode::Default),
            source: Some("s?{utc}".into()),
            days: Some(CatchupDays::Days(7)),
            correction_s: Some(-3600),
            ..Default::default()
        };
        let own = CatchupAttrs {
            days: Some(CatchupDays::Days(2)),
            ..Default::default()
        };
        assert_eq!(
            own.resolve(&header),
            Some(ResolvedCatchup {
                mode: CatchupMode::Default,
                source: Some("s?{utc}".into()),
                days: CatchupDays::Days(2),
                correction_s: -3600,
                inherited: true,
            })
        );
        let legacy = CatchupAttrs {
            timeshift_days: Some(5),
            ..Default::default()
        };
        let r = legacy.resolve(&CatchupAttrs::default()).unwrap();
        assert_eq!(
            (r.mode, r.days, r.inherited),
            (CatchupMode::Shift, CatchupDays::Days(5), false)
        );
        let rec = CatchupAttrs {
            timeshift_days: Some(0),
            rec_days: Some(3),
            ..Default::default()
        };
        assert_eq!(
            rec.resolve(&CatchupAttrs::default()).map(|r| r.days),
            Some(CatchupDays::Days(3))
        );
        let vod = CatchupAttrs {
            mode: Some(CatchupMode::Vod),
            ..Default::default()
        };
        assert_eq!(
            vod.resolve(&CatchupAttrs::default()).map(|r| r.days),
            Some(CatchupDays::Unlimited)
        );
        assert_eq!(CatchupAttrs::default().resolve(&CatchupAttrs::default()), None);
    }

    #[test]
    fn hostile_lists_are_capped() {
        let many: String = (0..10_000).map(|i| format!("g{i};")).collect();
        let (i, _) = info(&format!("-1 group-title=\"{many}\" tvh-tags=\"x|y\",A"));
        assert_eq!(i.groups.len(), MAX_LIST_ITEMS);
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
            a,
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
