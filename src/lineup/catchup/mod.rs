// SPDX-License-Identifier: GPL-3.0-or-later
//! Catch-up: the archive URL of a past programme, made from a channel's template exactly as
//! Kodi's IPTV Simple (pvr.iptvsimple) makes it, because that is the contract providers test
//! their playlists against.
//!
//! Two steps. When a playlist is read, [`template::build`] turns the channel's `catchup` mode,
//! `catchup-source` and live URL into a template (`default`: the source; `append`: live URL +
//! source; `shift` and legacy `timeshift`/`tvg-rec`: live URL + `?utc={utc}&lutc={lutc}`;
//! `flussonic*`/`fs` and `xc`: rebuilt from the live URL's shape; `vod`: the source or
//! `{catchup-id}`). For a request, [`Catchup::archive_url`] checks the window and replaces the
//! specifiers:
//!
//! | specifier | value |
//! |---|---|
//! | `{utc}` `${start}` | archive start, Unix seconds |
//! | `{utcend}` `${end}` | start + duration |
//! | `{lutc}` `${now}` `${timestamp}` | now |
//! | `{duration}` `${duration}`, `{duration:X}` | duration in seconds, or divided by X |
//! | `${offset}`, `{offset:X}` | now − start (never below 0), or divided by X |
//! | `{Y}` `{m}` `{d}` `{H}` `{M}` `{S}` | fields of the start in local time |
//! | `{utc:FMT}` `${start:FMT}` `{utcend:FMT}` `${end:FMT}` `{lutc:FMT}` `${now:FMT}` `${timestamp:FMT}` | `Y m d H M S` in FMT replaced by local fields |
//! | `{catchup-id}` | the guide programme's `catchup-id` |
//!
//! The archive start is the programme start as the guide shows it minus the channel's
//! `tvg-shift` and minus `catchup-correction`: the guide added the shift for display and the
//! archive wants the provider's own clock, so each is applied once. A request is refused when
//! the start is less than 5 s in the past (the live stream serves it) or older than
//! `catchup-days` (default 5); `vod` without days has no window.
//!
//! Local time is a parameter ([`jiff::tz::TimeZone`]): this layer reads no clock, no `TZ` and no
//! zone files; the adapter passes the box's zone (or a fixed offset).
//!
//! Deliberate differences from Kodi (its behaviour in brackets):
//! - every occurrence of every specifier is replaced [the Unix-second and `:FMT` specifiers
//!   only at their first occurrence], in one pass that never rescans replaced text;
//! - `${offset}` is never negative [printed as an unsigned wrap of a negative number];
//! - `{duration:0}`/`{offset:0}` and dividers too large to read refuse the request with a reason
//!   [left in the URL, or an exception];
//! - a `catchup-source` in the `#EXTM3U` header is every channel's default [read but never
//!   used], and header `catchup-days` apply without it [only with a header source]; a channel's
//!   own `timeshift`/`tvg-rec` days win over the header's days;
//! - `catchup="default"` without a source disables catch-up with a warning [appends the add-on's
//!   "query format" setting, empty by default, which also disables it];
//! - the template and the finished URL must be `http(s)://` (playlists are hostile input: a
//!   `vod` `plugin://` or a template on a multicast URL is refused, never opened), and a
//!   `|Header=value` suffix of `catchup-source` is dropped (the live source's headers apply);
//! - an unknown channel `catchup` value falls back to the header's mode [no catch-up], which
//!   also covers Kodi's "xeev" rule (header `catchup="xc"` for `* `/`[+] ` channels);
//! - the live URL's `{lutc}`/`${now}`/`${timestamp}` ([`live_url`]) use the real now [now minus
//!   the guide shift and correction].
//!
//! Pure: no I/O, no clock; work and output are bounded ([`MAX_URL_BYTES`]).

mod expand;
pub mod template;

pub use expand::MAX_URL_BYTES;

use super::model::{Catchup, CatchupDays, CatchupMode, Source};
use jiff::tz::TimeZone;

/// A start this close to now (or later) is served by the live stream, not the archive (Kodi's 5 s).
pub const LIVE_EDGE_S: i64 = 5;

/// Why no archive URL can be given; the messages are for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatchupError {
    #[error(
        "the start is not in the past yet (the archive begins {LIVE_EDGE_S} s before now); watch it live"
    )]
    NotAired,
    #[error("the start is older than the channel's archive ({days} days, back to {oldest} in Unix seconds)")]
    BeforeWindow { days: u32, oldest: i64 },
    #[error("the template needs the programme's catchup-id from the guide, and none was given")]
    NoCatchupId,
    #[error("bad divider in {0}: it must be a whole number of seconds above 0")]
    BadDivider(String),
    #[error("the archive URL would be longer than {MAX_URL_BYTES} bytes")]
    TooLong,
    #[error("time {0} (Unix seconds) is outside the calendar")]
    TimeOutOfRange(i64),
    #[error("the archive URL '{0}' is not http(s); it is never opened")]
    NotHttp(String),
}

/// One archive request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveRequest<'a> {
    /// Start as the guide shows it (the channel's `tvg-shift` applied), Unix seconds.
    pub start: i64,
    /// Exactly this long: any before/after margin is the caller's to add.
    pub duration_s: u32,
    pub now: i64,
    /// The shift the guide applied to this channel's times (its `tvg-shift`), in seconds.
    pub guide_shift_s: i64,
    /// The guide programme's `catchup-id`, for templates that use `{catchup-id}`.
    pub catchup_id: Option<&'a str>,
}

impl Catchup {
    /// The oldest start the archive still holds at `now`; `None` without a limit.
    pub fn oldest_start(&self, now: i64) -> Option<i64> {
        match self.days {
            CatchupDays::Days(d) => Some(now.saturating_sub(i64::from(d) * 86_400)),
            CatchupDays::Unlimited => None,
        }
    }

    /// The archive URL for `req`, or why there is none. `zone` is the box's local time zone
    /// for `{Y}`…`{S}` and the `:FMT` specifiers.
    pub fn archive_url(&self, req: &ArchiveRequest<'_>, zone: &TimeZone) -> Result<String, CatchupError> {
        // Kodi: a `vod` channel without a window plays any programme that has a catchup-id.
        let anytime =
            self.mode == CatchupMode::Vod && self.days == CatchupDays::Unlimited && req.catchup_id.is_some();
        if !anytime {
            if req.start >= req.now.saturating_sub(LIVE_EDGE_S) {
                return Err(CatchupError::NotAired);
            }
            if let (Some(oldest), CatchupDays::Days(days)) = (self.oldest_start(req.now), self.days)
                && req.start < oldest
            {
                return Err(CatchupError::BeforeWindow { days, oldest });
            }
        }
        let start = req
            .start
            .saturating_sub(req.guide_shift_s)
            .saturating_sub(i64::from(self.correction_s));
        let values = expand::Values {
            start,
            duration: i64::from(req.duration_s),
            now: req.now,
            catchup_id: req.catchup_id,
            now_only: false,
        };
        checked_http(expand::expand(&self.template, &values, zone)?)
    }

    /// Seconds the archive can be addressed in: 1 when the template names the second
    /// (`{utc}`, `${start}`, `{S}`, `{offset:1}`), else 60 (Kodi's rule).
    pub fn granularity_s(&self) -> u32 {
        let t = &self.template;
        let fine = ["{utc}", "{utc:", "${start}", "${start:", "{S}", "{offset:1}"];
        if fine.iter().any(|s| t.contains(s)) { 1 } else { 60 }
    }

    /// The archive stream ends by itself (the template has an end, a duration or now).
    pub fn terminates(&self) -> bool {
        let t = &self.template;
        let ending = [
            "{duration}",
            "{duration:",
            "{lutc}",
            "{lutc:",
            "${timestamp}",
            "${timestamp:",
            "{utcend}",
            "{utcend:",
            "${end}",
            "${end:",
        ];
        ending.iter().any(|s| t.contains(s))
    }

    /// The template names the guide programme's `{catchup-id}`: only programmes the guide gives
    /// one can be played.
    pub fn needs_catchup_id(&self) -> bool {
        self.template.contains("{catchup-id}")
    }

    /// The archive can be entered at any time, not only at a programme's start (there is a
    /// time specifier besides `{catchup-id}`, and the mode is not `vod`).
    pub fn seekable(&self) -> bool {
        let t = &self.template;
        let specifiers = t.matches('{').count();
        let only_id = t.contains("{catchup-id}") && specifiers == 1;
        self.mode != CatchupMode::Vod && specifiers > 0 && !only_id
    }
}

/// A live stream URL with its "now" specifiers (`{lutc}`, `${now}`, `${timestamp}`, also with
/// `:FMT`) replaced; everything else stays. Some providers want the time on the live URL too.
/// The scheme cannot change (a specifier is never a valid scheme), so the lineup's check holds.
pub fn live_url(url: &str, now: i64, zone: &TimeZone) -> Result<String, CatchupError> {
    let values = expand::Values {
        start: now,
        duration: 0,
        now,
        catchup_id: None,
        now_only: true,
    };
    expand::expand(url, &values, zone)
}

/// The source that plays an archive `url` of a channel whose live source is `live`: its kind
/// (HLS, DASH or progressive) from the URL's shape, the live source's user agent, referrer,
/// headers and program, because the provider authenticates its archive like its live streams.
/// `None` when the URL is not a playable `http(s)://` stream URL.
pub fn archive_source(live: &Source, url: &str) -> Option<Source> {
    let parsed = super::url::classify(url, None).ok()?;
    if parsed.multicast.is_some() || !template::is_http(&parsed.url) {
        return None;
    }
    Some(Source {
        url: parsed.url,
        kind: parsed.kind,
        multicast: None,
        properties: Vec::new(),
        ..live.clone()
    })
}

fn checked_http(url: String) -> Result<String, CatchupError> {
    let clean = !url.chars().any(char::is_control);
    if clean && template::is_http(&url) {
        Ok(url)
    } else {
        Err(CatchupError::NotHttp(super::url::quote(&url)))
    }
}

#[cfg(test)]
mod tests;
