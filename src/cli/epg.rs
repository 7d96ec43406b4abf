// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox epg ingest` and `zapbox epg now`: the guide pipeline for integrators, with the same
//! JSON the tests check.
//!
//! Output and argument handling only: ingest is `epg::ingest`, queries `guide::Guide`. Reads
//! the clock (the default `--at`) and the environment (the default index directory); must not
//! depend on the UI, the player or the core.

use crate::epg::build::rfc3339;
use crate::epg::{
    BuildOptions, GuideSource, IngestError, IngestOptions, IngestReport, LineupFilter, Warning, index,
};
use crate::guide::{Guide, GuideIndex, GuideOverrides, Listing, UtcSeconds};
use crate::lineup::ChannelKey;
use crate::net::http::HttpLimits;
use crate::net::lineup_load::load_lineup;
use crate::system::paths::{Environment, cache_dir};
use anyhow::Context;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// `zapbox epg …` (embed with `#[command(subcommand)]` or flatten [`EpgArgs`]).
#[derive(clap::Args, Debug, Clone, PartialEq, Eq)]
pub struct EpgArgs {
    #[command(subcommand)]
    pub command: EpgCommand,
}

/// The guide tools.
#[derive(clap::Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum EpgCommand {
    /// Read XMLTV guides (files or http(s) URLs; plain, .gz or .xz) into the guide index.
    /// Earlier sources win where sources overlap. Exit status: 0 when an index was written,
    /// 1 when no source could be read (the previous index is kept), 2 on bad usage.
    Ingest {
        /// Guide files or URLs, best first.
        #[arg(required = true)]
        sources: Vec<String>,
        /// Keep only channels this playlist (M3U file or URL) can use; may be repeated.
        #[arg(long, value_name = "FILE")]
        lineup: Vec<String>,
        /// Index directory (default: the cache directory's `epg/`, e.g. ~/.cache/zapbox/epg).
        #[arg(long, value_name = "DIR")]
        index: Option<PathBuf>,
        /// Minutes added to every time of every source (a guide in the wrong time zone).
        #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_name = "MINUTES")]
        offset_minutes: i32,
        /// The zone of times that give none: an IANA name (`Europe/Berlin`) or an offset
        /// (`+01:00`); default UTC.
        #[arg(long, value_name = "ZONE", allow_hyphen_values = true)]
        time_zone: Option<String>,
        /// Hours of past programmes to keep (for catch-up); older ones are dropped.
        #[arg(long, default_value_t = 24, value_name = "HOURS")]
        keep_past_hours: u32,
        /// The current time for expiry (RFC 3339; default: the clock).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print what is on now and next on every channel of the index.
    Now {
        /// The time to ask about (RFC 3339; default: the clock).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Index directory (default as for `ingest`).
        #[arg(long, value_name = "DIR")]
        index: Option<PathBuf>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an `epg` subcommand, writing its report to `out`.
pub fn run(args: EpgArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match args.command {
        EpgCommand::Ingest {
            sources,
            lineup,
            index,
            offset_minutes,
            time_zone,
            keep_past_hours,
            at,
            json,
        } => {
            let now = time_arg(at.as_deref())?;
            let request = IngestRequest {
                sources,
                lineup,
                index: index.unwrap_or_else(default_index_dir),
                offset_minutes,
                time_zone,
                expire_before: now - i64::from(keep_past_hours) * 3600,
                built_at: now,
            };
            ingest(&request, json, out)
        }
        EpgCommand::Now { at, index, json } => {
            let now = time_arg(at.as_deref())?;
            now_next(&index.unwrap_or_else(default_index_dir), now, json, out)
        }
    }
}

/// `<cache dir>/epg`: `$CACHE_DIRECTORY/epg`, `~/.cache/zapbox/epg` or `/var/cache/zapbox/epg`.
pub fn default_index_dir() -> PathBuf {
    cache_dir(&Environment::from_process(), None).join("epg")
}

fn time_arg(at: Option<&str>) -> anyhow::Result<UtcSeconds> {
    match at {
        None => Ok(jiff::Timestamp::now().as_second()),
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_second())
            .with_context(|| format!("--at '{text}' is not an RFC 3339 time such as 2026-11-22T20:00:00Z")),
    }
}

/// Everything `ingest` needs, resolved from the arguments.
#[derive(Debug, Clone)]
struct IngestRequest {
    sources: Vec<String>,
    lineup: Vec<String>,
    index: PathBuf,
    offset_minutes: i32,
    time_zone: Option<String>,
    expire_before: UtcSeconds,
    built_at: UtcSeconds,
}

fn ingest(request: &IngestRequest, json: bool, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (filter, mut lineup_warnings) = lineup_filter(&request.lineup);
    let count = request.sources.len() as i32;
    let sources: Vec<GuideSource> = (0..count)
        .zip(&request.sources)
        .map(|(i, location)| GuideSource {
            location: location.clone(),
            priority: count - i,
            offset_minutes: request.offset_minutes,
            time_zone: request.time_zone.clone(),
            named_by: crate::epg::NamedBy::Operator,
        })
        .collect();
    let options = IngestOptions {
        build: BuildOptions {
            expire_before: Some(request.expire_before),
            filter,
            built_at: Some(request.built_at),
        },
        download_cache: Some(request.index.join("downloads")),
        ..IngestOptions::default()
    };
    let (mut report, usable) = match crate::epg::ingest(&sources, &request.index, &options) {
        Ok(report) => (report, true),
        Err(IngestError::NothingUsable { warnings }) => (
            IngestReport {
                warnings,
                ..IngestReport::default()
            },
            false,
        ),
        Err(e) => return Err(e.into()),
    };
    lineup_warnings.append(&mut report.warnings);
    report.warnings = lineup_warnings;
    let seconds = started.elapsed().as_secs_f64();
    if json {
        write_json(out, &IngestJson::new(&report, seconds))?;
    } else {
        ingest_text(&report, seconds, request, usable, out)?;
    }
    Ok(if usable {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The lineup filter from `--lineup` playlists, and their problems as warnings.
fn lineup_filter(locations: &[String]) -> (Option<LineupFilter>, Vec<Warning>) {
    if locations.is_empty() {
        return (None, Vec::new());
    }
    let report = load_lineup(locations, None, &HttpLimits::default());
    let warnings = report
        .errors
        .iter()
        .chain(&report.warnings)
        .map(|p| Warning::new(&p.file, p.line as u64, format!("lineup: {}", p.message)))
        .collect();
    (
        Some(LineupFilter::new(&report.lineup, &GuideOverrides::new())),
        warnings,
    )
}

/// The `ingest --json` document.
#[derive(Serialize)]
struct IngestJson<'a> {
    channels: usize,
    programmes: usize,
    first_start: Option<String>,
    last_stop: Option<String>,
    bytes: u64,
    seconds: f64,
    /// Programmes dropped because they had ended (see `--keep-past-hours`).
    expired: u64,
    /// Programmes of channels the lineup does not use.
    skipped: u64,
    warnings: &'a [Warning],
}

impl<'a> IngestJson<'a> {
    fn new(r: &'a IngestReport, seconds: f64) -> Self {
        Self {
            channels: r.channels,
            programmes: r.programmes,
            first_start: r.first_start.map(rfc3339),
            last_stop: r.last_stop.map(rfc3339),
            bytes: r.bytes,
            seconds: (seconds * 1000.0).round() / 1000.0,
            expired: r.expired,
            skipped: r.skipped,
            warnings: &r.warnings,
        }
    }
}

fn ingest_text(
    r: &IngestReport,
    seconds: f64,
    request: &IngestRequest,
    usable: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut w = BufWriter::new(out);
    for warning in &r.warnings {
        writeln!(w, "{warning}")?;
    }
    let span = match (r.first_start, r.last_stop) {
        (Some(a), Some(b)) => format!(" from {} to {}", rfc3339(a), rfc3339(b)),
        _ => String::new(),
    };
    if usable {
        writeln!(
            w,
            "{} channels, {} programmes{span}; {} bytes of XML in {seconds:.2} s; {} expired, {} not in the lineup; index: {}",
            r.channels,
            r.programmes,
            r.bytes,
            r.expired,
            r.skipped,
            request.index.display()
        )?;
    } else {
        writeln!(
            w,
            "no guide source could be read; the previous index in {} is kept",
            request.index.display()
        )?;
    }
    w.flush()?;
    Ok(())
}

fn now_next(
    dir: &std::path::Path,
    now: UtcSeconds,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let index: GuideIndex = index::load(dir)?;
    let ids: Vec<String> = index.channels().iter().map(|c| c.id.clone()).collect();
    let guide = Guide::all_channels(index);
    let rows: Vec<NowRow<'_>> = ids
        .iter()
        .map(|id| {
            let nn = guide.now_next(&ChannelKey(id.clone()), now);
            NowRow {
                id,
                now: nn.now.as_ref().map(ProgrammeJson::from),
                next: nn.next.as_ref().map(ProgrammeJson::from),
            }
        })
        .collect();
    if json {
        write_json(out, &NowJson { channels: rows })?;
    } else {
        let mut w = BufWriter::new(out);
        for row in &rows {
            let show = |p: &Option<ProgrammeJson<'_>>| p.as_ref().map_or("-".to_owned(), ProgrammeJson::text);
            writeln!(
                w,
                "{:<28} now: {:<48} next: {}",
                row.id,
                show(&row.now),
                show(&row.next)
            )?;
        }
        w.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The `now --json` document: `{"channels":[{"id","now","next"}]}`.
#[derive(Serialize)]
struct NowJson<'a> {
    channels: Vec<NowRow<'a>>,
}

#[derive(Serialize)]
struct NowRow<'a> {
    id: &'a str,
    now: Option<ProgrammeJson<'a>>,
    next: Option<ProgrammeJson<'a>>,
}

#[derive(Serialize)]
struct ProgrammeJson<'a> {
    title: &'a str,
    start: String,
    stop: String,
}

impl<'a> From<&Listing<'a>> for ProgrammeJson<'a> {
    fn from(l: &Listing<'a>) -> Self {
        Self {
            title: l.title,
            start: rfc3339(l.start),
            stop: rfc3339(l.stop),
        }
    }
}

impl ProgrammeJson<'_> {
    fn text(&self) -> String {
        let hm = |t: &str| t.get(11..16).unwrap_or("").to_owned();
        format!("{}-{} {}", hm(&self.start), hm(&self.stop), self.title)
    }
}

fn write_json(out: &mut dyn Write, doc: &impl Serialize) -> anyhow::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer(&mut w, doc).context("cannot write the JSON report")?;
    writeln!(w)?;
    w.flush().context("cannot write the JSON report")?;
    Ok(())
}
