// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox catchup`: the archive URL of one channel for exactly one start and duration, so an
//! integrator can check a provider's catch-up template without the TV interface.
//!
//! Argument handling and output only: loading is `net::lineup_load`, the URL is
//! `lineup::catchup`. This adapter reads the clock (the default `--now`) and the process's time
//! zone (`TZ`, else the system's), which the pure engine takes as parameters. Must not depend
//! on the UI, the player or the core.

use crate::lineup::catchup::{ArchiveRequest, CatchupError};
use crate::lineup::{Channel, Lineup};
use crate::net::http::HttpLimits;
use crate::net::lineup_load::load_lineup;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// `zapbox catchup PLAYLIST... --channel N|TVG-ID --start TIME --duration SECONDS`.
#[derive(clap::Args, Debug, Clone, PartialEq, Eq)]
pub struct CatchupArgs {
    /// Playlist files or http(s) URLs, merged in this order.
    #[arg(required = true, value_name = "PLAYLIST")]
    pub locations: Vec<String>,
    /// The channel: its number, or its tvg-id.
    #[arg(long, value_name = "NUMBER|TVG-ID")]
    pub channel: String,
    /// Programme start as the guide shows it: ISO 8601 with a zone (2026-12-06T20:15:00Z,
    /// …+01:00), or without one in the local time zone.
    #[arg(long, value_name = "ISO8601")]
    pub start: String,
    /// Length of the span wanted, in seconds (no margin is added).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    pub duration: u32,
    /// The current time (ISO 8601 as for --start; default: the clock).
    #[arg(long, value_name = "ISO8601")]
    pub now: Option<String>,
    /// The guide programme's catchup-id, for templates with {catchup-id}.
    #[arg(long, value_name = "ID")]
    pub catchup_id: Option<String>,
    /// Print one JSON object: {"url": …} (or {"url": null, "error": …}).
    #[arg(long)]
    pub json: bool,
}

/// Runs `zapbox catchup` in the process's time zone. Exit status 0 with the URL, 1 when there is
/// none (no such channel, no catch-up, start outside the window, a broken template), 2 on bad
/// usage.
pub fn run(args: &CatchupArgs, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let zone = TimeZone::system();
    let times = parse_time(&args.start, &zone, "--start").and_then(|start| {
        let now = match &args.now {
            Some(text) => parse_time(text, &zone, "--now")?,
            None => Timestamp::now().as_second(),
        };
        Ok((start, now))
    });
    let (start, now) = match times {
        Ok(t) => t,
        Err(why) => {
            writeln!(err, "zapbox catchup: {why}")?;
            return Ok(ExitCode::from(2));
        }
    };
    let report = load_lineup(&args.locations, None, &HttpLimits::default());
    for problem in &report.errors {
        writeln!(err, "{problem}")?;
    }
    let request = Request {
        channel: &args.channel,
        start,
        duration_s: args.duration,
        now,
        catchup_id: args.catchup_id.as_deref(),
    };
    let answer = archive_url(&report.lineup, &request, &zone);
    print(&answer, args.json, out, err)?;
    Ok(if answer.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One question to [`archive_url`].
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// A channel number or tvg-id.
    pub channel: &'a str,
    pub start: i64,
    pub duration_s: u32,
    pub now: i64,
    pub catchup_id: Option<&'a str>,
}

/// The URL, or why there is none (a sentence naming the channel).
pub fn archive_url(lineup: &Lineup, req: &Request<'_>, zone: &TimeZone) -> Result<Answer, String> {
    let channel = find(lineup, req.channel).ok_or_else(|| {
        format!(
            "no channel '{}' in the lineup (give its number or tvg-id)",
            req.channel
        )
    })?;
    let label = format!("channel {} ({})", channel.number, channel.name);
    let Some(catchup) = &channel.catchup else {
        return Err(format!(
            "{label} has no catch-up (no usable catchup attribute; `zapbox lineup check` shows why)"
        ));
    };
    let request = ArchiveRequest {
        start: req.start,
        duration_s: req.duration_s,
        now: req.now,
        guide_shift_s: i64::from(channel.guide_shift_minutes) * 60,
        catchup_id: req.catchup_id,
    };
    let url = catchup.archive_url(&request, zone).map_err(|e| match e {
        CatchupError::BeforeWindow { days, oldest } => format!(
            "{label}: the start is outside its {days}-day archive (the oldest start is {})",
            rfc3339(oldest)
        ),
        other => format!("{label}: {other}"),
    })?;
    Ok(Answer {
        url,
        channel: channel.number,
        mode: catchup.mode.name(),
        granularity_s: catchup.granularity_s(),
        terminates: catchup.terminates(),
    })
}

/// A found archive URL with what an integrator wants to know about the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub url: String,
    pub channel: u32,
    pub mode: &'static str,
    /// 1 or 60: the finest seek step the template allows.
    pub granularity_s: u32,
    /// The archive stream ends by itself (the template carries an end or a duration).
    pub terminates: bool,
}

/// By number when `key` is one, else by tvg-id (exact, then ignoring ASCII case).
fn find<'a>(lineup: &'a Lineup, key: &str) -> Option<&'a Channel> {
    if let Ok(number) = key.trim().parse::<u32>() {
        return lineup.by_number(number);
    }
    let by = |exact: bool| {
        lineup.channels.iter().find(|c| {
            c.tvg_id.as_deref().is_some_and(|id| {
                if exact {
                    id == key
                } else {
                    id.eq_ignore_ascii_case(key)
                }
            })
        })
    };
    by(true).or_else(|| by(false))
}

/// ISO 8601 / RFC 3339 with a zone, or a civil date-time in `zone`.
fn parse_time(text: &str, zone: &TimeZone, flag: &str) -> Result<i64, String> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t.as_second());
    }
    text.parse::<DateTime>()
        .ok()
        .and_then(|civil| zone.to_ambiguous_timestamp(civil).compatible().ok())
        .map(|t| t.as_second())
        .ok_or_else(|| {
            format!(
                "{flag} '{text}' is not an ISO 8601 time such as 2026-12-06T20:15:00Z or 2026-12-06T21:15:00"
            )
        })
}

fn rfc3339(t: i64) -> String {
    Timestamp::from_second(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
}

fn print(
    answer: &Result<Answer, String>,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    match (answer, json) {
        (Ok(a), true) => writeln!(out, "{}", serde_json::to_string(a)?)?,
        (Ok(a), false) => writeln!(out, "{}", a.url)?,
        (Err(why), true) => {
            writeln!(out, "{}", serde_json::json!({ "url": null, "error": why }))?;
            writeln!(err, "zapbox catchup: {why}")?;
        }
        (Err(why), false) => writeln!(err, "zapbox catchup: {why}")?,
    }
    Ok(())
}
