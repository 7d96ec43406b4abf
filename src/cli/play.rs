// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox play`: a stream diagnostic for integrators. Plays one source headless through the
//! real player and reports what the stream carries and how it played:
//!
//! ```text
//!  FILE ──Survey (PAT, PMTs, SDT, EIT, CC, scrambling)──────────────────────> report
//!    │                                                                          ^
//!    ├─ --via file:      uridecodebin3 on the file ──────────────┐              │
//!    └─ --via multicast|rtp: paced by its PCR into a private     ├─ Player ─> frames, first frame,
//!                          network namespace, received by zapbox's           decoder, problems
//!                          own multicast path ───────────────────┘
//!  URL (http(s), rtsp, rtmp, udp, rtp): through the lineup's gate, then the Player
//! ```
//!
//! The report is `{"video","audio","subtitles","first_frame_ms","frames","audio_buffers","guide",
//! "problems"}` (`audio_buffers`: decoded audio buffers that reached the audio sink);
//! a stream that cannot play (not TS, scrambled, no decoder, no program) is a report with
//! problems and exit status 1, never a hang: every wait has a deadline.
//!
//! Multicast needs the private namespace entered before any thread exists (`main` does it for
//! `--via multicast|rtp`).
//!
//! `--subtitles LANG|CC1…CC4` chooses a subtitle track as the app does and `subtitles_shown`
//! counts what reached the screen; a snapshot then shows the picture with the subtitle on it,
//! drawn by the app's own screens (the Slint software renderer) at the picture's size. The app
//! decodes subtitles on its multicast path, so a file with `--subtitles` plays through it.

use crate::core::{
    AudioPreference, ErrorKind, PlayerCommand, PlayerEvent, RequestId, SubtitleImage, SubtitleLine,
    SubtitleTrack,
};
use crate::demo::{Sender, TsLoop};
use crate::lineup::{ChannelKey, MulticastGroup, Origin, Source, SourceKind};
use crate::mpegts::eit::{DvbService, PID_SDT, TextCoding, parse_eit, parse_sdt};
use crate::mpegts::packet::{PID_EIT, TS_PACKET_SIZE, TsPacket, pcr_delta};
use crate::mpegts::survey::{Survey, looks_like_ts};
use crate::mpegts::{Framer, Pmt, StreamKind, VideoCodec};
use crate::player::{EventSink, Outputs, Player, PlayerConfig};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Most bytes of a file surveyed and sent (a capture longer than this is cut).
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// The group a file is sent to with `--via multicast|rtp` (inside the private namespace).
const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 77, 1);
const PORT: u16 = 5000;
/// How long the player may take to build and report a failure after the deadline.
const GRACE: Duration = Duration::from_secs(5);
/// Most guide entries reported.
const MAX_GUIDE: usize = 500;

/// How a file reaches the player.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    /// GStreamer reads the file.
    File,
    /// Sent as UDP multicast inside a private network namespace, received by zapbox.
    Multicast,
    /// As multicast, in RTP.
    Rtp,
}

/// What to play and how.
#[derive(Debug, Clone)]
pub struct PlayOptions {
    pub input: String,
    pub via: Via,
    /// How long to play.
    pub seconds: f64,
    /// Preferred audio language (ISO 639).
    pub audio: Option<String>,
    /// Subtitle language, or `off`.
    pub subtitles: Option<String>,
    pub snapshot: Option<PathBuf>,
    /// Seconds after the first frame for the snapshot.
    pub at: f64,
}

/// The report, as printed by `--json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlayReport {
    pub video: Option<VideoReport>,
    pub audio: Vec<AudioReport>,
    pub subtitles: Vec<SubtitleReport>,
    pub first_frame_ms: Option<u64>,
    pub frames: u64,
    /// Decoded audio buffers that reached the audio sink.
    pub audio_buffers: u64,
    /// Subtitles (text or bitmaps) of the chosen track that reached the screen.
    pub subtitles_shown: u64,
    pub guide: Vec<GuideReport>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VideoReport {
    pub codec: String,
    /// Of the decoded picture as shown (square pixels).
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub decoder: Option<String>,
    pub hardware: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AudioReport {
    pub pid: u16,
    pub codec: String,
    pub language: Option<String>,
    /// `main`, `audio-description`, `clean-audio` or `spoken-subtitles`.
    pub kind: String,
    /// The track the player decodes (the last stream selection, `--audio` applied).
    pub selected: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubtitleReport {
    pub pid: u16,
    /// `dvb` or `teletext`.
    pub kind: String,
    pub language: String,
    pub page: u16,
    pub hearing_impaired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GuideReport {
    pub service: String,
    pub title: String,
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
}

/// Whether `--via` needs the private network namespace (entered by `main` first).
pub fn needs_namespace(via: Via) -> bool {
    via != Via::File
}

/// The path a file plays through: the one asked for, except that subtitles (which the app
/// decodes on its multicast path) need that path.
pub fn effective_via(input: &str, via: Via, subtitles: Option<&str>) -> Via {
    let wanted = subtitles.is_some_and(|s| !s.eq_ignore_ascii_case("off"));
    if via == Via::File && wanted && Path::new(input).is_file() {
        Via::Multicast
    } else {
        via
    }
}

/// The track `--subtitles` asks for: `CC1`-`CC4` a caption channel, `service1`-`service6` a
/// CEA-708 service, else a language (DVB
/// before teletext before captions, not for the hard of hearing first, as the app's default).
fn wanted_subtitle<'a>(tracks: &'a [SubtitleTrack], wanted: &str) -> Option<&'a SubtitleTrack> {
    let channel = wanted
        .to_ascii_lowercase()
        .strip_prefix("cc")
        .and_then(|n| n.parse::<u8>().ok());
    if let Some(channel) = channel {
        return tracks.iter().find(|t| t.caption_channel() == Some(channel));
    }
    let service = wanted
        .to_ascii_lowercase()
        .strip_prefix("service")
        .and_then(|n| n.parse::<u8>().ok());
    if let Some(service) = service {
        return tracks.iter().find(|t| t.caption_service() == Some(service));
    }
    tracks
        .iter()
        .filter(|t| t.language.as_deref().is_some_and(|l| same_language(l, wanted)))
        .min_by_key(|t| (t.hard_of_hearing, t.kind))
}

/// What is on screen from the chosen subtitle track.
#[derive(Debug, Clone, Default)]
struct Shown {
    lines: Vec<SubtitleLine>,
    image: Option<SubtitleImage>,
}

/// Plays, prints the report (JSON or text) and returns the exit status: 0 played, 1 not.
pub fn run(options: &PlayOptions, json: bool, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let report = play(options)?;
    if json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_text(&report, out)?;
    }
    let played = report.frames > 0
        || (report.video.is_none() && !report.audio.is_empty() && report.problems.is_empty());
    Ok(if played {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What the survey says the stream carries, so the run waits for the player to report it.
#[derive(Clone, Copy)]
struct Expect {
    video: bool,
    audio: bool,
}

/// Surveys and plays `options.input`.
pub fn play(options: &PlayOptions) -> anyhow::Result<PlayReport> {
    let path = Path::new(&options.input);
    if path.is_file() {
        return play_file(path, options);
    }
    if options.via != Via::File {
        anyhow::bail!("--via multicast|rtp sends a file; '{}' is not one", options.input);
    }
    let source = url_source(&options.input)?;
    let mut report = PlayReport::default();
    let expect = Expect {
        video: true,
        audio: false,
    };
    let run = run_player(&source, None, options, expect, &mut report.problems);
    finish(&mut report, run, options, None);
    Ok(report)
}

/// A URL through the lineup's gate, as a playlist entry would be.
fn url_source(url: &str) -> anyhow::Result<Source> {
    let playlist = format!("#EXTM3U\n#EXTINF:-1,play\n{url}\n");
    let report = crate::lineup::build(&[("the command line".into(), playlist.into_bytes())]);
    match report
        .lineup
        .channels
        .into_iter()
        .next()
        .and_then(|c| c.sources.into_iter().next())
    {
        Some(source) => Ok(source),
        None => {
            let why = report
                .warnings
                .first()
                .or(report.errors.first())
                .map(|p| p.message.clone());
            anyhow::bail!("'{url}' cannot be played: {}", why.unwrap_or_default())
        }
    }
}

fn play_file(path: &Path, options: &PlayOptions) -> anyhow::Result<PlayReport> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)?;
    let mut report = PlayReport::default();
    if bytes.len() as u64 == MAX_FILE_BYTES {
        report
            .problems
            .push(format!("only the first {} MiB were read", MAX_FILE_BYTES >> 20));
    }
    let mut survey = Survey::new(&[PID_SDT, PID_EIT]);
    survey.push(&bytes);
    let program = describe(&survey, &mut report);
    let Some(program) = program else {
        return Ok(report);
    };
    let absolute = std::fs::canonicalize(path)?;
    // The sender of the multicast path, started once the player has joined the group.
    let via = effective_via(&options.input, options.via, options.subtitles.as_deref());
    let (source, feed) = match via {
        Via::File => (file_source(&absolute, program), None),
        via => match multicast_source(&bytes, via, program, &mut report.problems) {
            Ok(pair) => (pair.0, Some(pair.1)),
            Err(why) => {
                report.problems.push(why);
                return Ok(report);
            }
        },
    };
    let expect = Expect {
        video: report.video.is_some(),
        audio: !report.audio.is_empty(),
    };
    let run = run_player(&source, feed.as_ref(), options, expect, &mut report.problems);
    finish(&mut report, run, options, Some(&survey));
    Ok(report)
}

/// Fills the report from the survey; returns the program to play, if there is one.
fn describe(survey: &Survey, report: &mut PlayReport) -> Option<u16> {
    if !looks_like_ts(survey) {
        report
            .problems
            .push("not an MPEG transport stream: no run of 188-byte packets with sync bytes".into());
        return None;
    }
    let arib;
    (report.guide, arib) = guide(survey);
    if arib {
        report.problems.push(
            "ARIB STD-B24 text: not decoded (the guide is ISDB's; its titles are left empty, its times moved from JST to UTC)"
                .into(),
        );
    }
    let (losses, skipped) = survey.sync();
    if losses > 0 {
        report.problems.push(format!(
            "lost packet sync {losses} times ({skipped} bytes skipped)"
        ));
    }
    if survey.transport_errors > 0 {
        report.problems.push(format!(
            "{} packets have the transport error indicator set",
            survey.transport_errors
        ));
    }
    if survey.cc_errors() > 0 {
        report.problems.push(format!(
            "{} continuity counter errors (packets lost or repeated)",
            survey.cc_errors()
        ));
    }
    let Some(pat) = &survey.pat else {
        report
            .problems
            .push("no PAT: the stream announces no program to play (it carries only other tables)".into());
        return None;
    };
    // The first program with video, else the first with a PMT.
    let pmt = pat
        .programs
        .iter()
        .filter_map(|p| survey.pmts.get(&p.program_number))
        .find(|pmt| pmt.video().is_some())
        .or_else(|| {
            pat.programs
                .iter()
                .find_map(|p| survey.pmts.get(&p.program_number))
        });
    let Some(pmt) = pmt else {
        report
            .problems
            .push("the PAT names programs but no PMT was found for any of them".into());
        return None;
    };
    describe_program(pmt, report);
    let silent = silent_streams(survey, pmt);
    if !silent.is_empty() {
        report.problems.push(format!(
            "the PMT announces {} but the stream carries no packet of {}",
            silent.join(", "),
            if silent.len() == 1 { "it" } else { "them" }
        ));
    }
    let decodable: Vec<u16> = pmt
        .video()
        .map(|(pid, _)| pid)
        .into_iter()
        .chain(pmt.audio().map(|(s, _)| s.pid))
        .collect();
    if !decodable.is_empty() && decodable.iter().all(|&pid| survey.packets_on(pid) == 0) {
        report
            .problems
            .push("nothing to play: no packet of the program's video or audio is in the stream".into());
        return None;
    }
    if survey.scrambled > 0 {
        report.problems.push(format!(
            "scrambled: {} of {} packets are encrypted (conditional access); they cannot be decoded without a CA module",
            survey.scrambled, survey.packets
        ));
    } else if pmt.streams.iter().any(|s| s.has_ca()) || pmt.program_info.iter().any(|d| d.tag == 0x09) {
        report.problems.push(
            "the PMT announces conditional access (CA descriptors), though no packet is scrambled".into(),
        );
    }
    Some(pmt.program_number)
}

fn describe_program(pmt: &Pmt, report: &mut PlayReport) {
    if let Some((_, codec)) = pmt.video() {
        report.video = Some(VideoReport {
            codec: codec.name().into(),
            ..VideoReport::default()
        });
        if !has_decoder(codec) {
            report.problems.push(format!(
                "unsupported video codec: no {} decoder is installed in GStreamer",
                codec.name().to_uppercase()
            ));
        }
    }
    for (stream, codec) in pmt.audio() {
        report.audio.push(AudioReport {
            pid: stream.pid,
            codec: codec.name().into(),
            language: stream.audio_language(),
            kind: stream.audio_kind().name().into(),
            selected: false,
        });
    }
    for stream in &pmt.streams {
        if matches!(stream.kind(), StreamKind::Subtitles | StreamKind::Teletext) {
            for s in stream.subtitles() {
                report.subtitles.push(SubtitleReport {
                    pid: s.pid,
                    kind: match s.format {
                        crate::mpegts::SubtitleFormat::Dvb => "dvb",
                        crate::mpegts::SubtitleFormat::Teletext => "teletext",
                    }
                    .into(),
                    language: s.language,
                    page: s.page,
                    hearing_impaired: s.hearing_impaired,
                });
            }
        }
    }
}

/// The program's video and audio streams that no packet of the stream carries, named for the
/// report ("H.264 video on PID 1060"): a capture filtered to some PIDs, or an operator that
/// announces more than it sends.
fn silent_streams(survey: &Survey, pmt: &Pmt) -> Vec<String> {
    let video = pmt
        .video()
        .filter(|(pid, _)| survey.packets_on(*pid) == 0)
        .map(|(pid, codec)| format!("{} video on PID {pid}", codec.name().to_uppercase()));
    let audio = pmt
        .audio()
        .filter(|(s, _)| survey.packets_on(s.pid) == 0)
        .map(|(s, codec)| format!("{} audio on PID {}", codec.name().to_uppercase(), s.pid));
    video.into_iter().chain(audio).collect()
}

/// Whether GStreamer has any decoder for `codec`.
fn has_decoder(codec: VideoCodec) -> bool {
    let caps = match codec {
        VideoCodec::Mpeg2 => "video/mpeg, mpegversion=(int)2",
        VideoCodec::H264 => "video/x-h264",
        VideoCodec::Hevc => "video/x-h265",
        VideoCodec::Vvc => "video/x-h266",
    };
    if gstreamer::init().is_err() {
        return false;
    }
    let Ok(caps) = caps.parse::<gstreamer::Caps>() else {
        return false;
    };
    let decoders = gstreamer::ElementFactory::factories_with_type(
        gstreamer::ElementFactoryType::DECODER,
        gstreamer::Rank::MARGINAL,
    );
    decoders.iter().any(|f| {
        f.static_pad_templates()
            .iter()
            .any(|t| t.direction() == gstreamer::PadDirection::Sink && t.caps().can_intersect(&caps))
    })
}

/// EIT events with SDT service names, by service and start; and whether any event's text is
/// ISDB's ARIB coding (left empty).
fn guide(survey: &Survey) -> (Vec<GuideReport>, bool) {
    let mut arib = false;
    let mut names: BTreeMap<DvbService, String> = BTreeMap::new();
    let mut events: BTreeMap<(DvbService, i64, u16), String> = BTreeMap::new();
    let mut seen = HashSet::new();
    for (pid, bytes) in &survey.sections {
        let Ok(section) = crate::mpegts::Section::parse(bytes) else {
            continue;
        };
        if *pid == PID_SDT {
            for s in parse_sdt(&section).unwrap_or_default() {
                if !s.name.is_empty() {
                    names.entry(s.service).or_insert(s.name);
                }
            }
        } else if let Ok(eit) = parse_eit(&section) {
            for e in eit.events {
                arib |= e.text_coding == TextCoding::Arib;
                let Some(start) = e.start else { continue };
                if seen.insert((eit.service, e.event_id, start)) && events.len() < MAX_GUIDE {
                    let end = start + i64::from(e.duration_s);
                    events.insert((eit.service, start, e.event_id), format!("{end}\u{0}{}", e.title));
                }
            }
        }
    }
    let events = events
        .into_iter()
        .map(|((service, start, _), value)| {
            let (end, title) = value.split_once('\u{0}').unwrap_or(("0", ""));
            GuideReport {
                service: names.get(&service).cloned().unwrap_or_else(|| service.guide_id()),
                title: title.to_owned(),
                start: rfc3339(start),
                end: rfc3339(end.parse().unwrap_or(start)),
            }
        })
        .collect();
    (events, arib)
}

fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
}

fn file_source(path: &Path, program: u16) -> Source {
    Source {
        url: format!("file://{}", path.display()),
        kind: SourceKind::Http,
        multicast: None,
        user_agent: None,
        referrer: None,
        headers: Vec::new(),
        program: Some(program),
        properties: Vec::new(),
        origin: Origin {
            file: "the command line".into(),
            line: 0,
        },
    }
}

/// What the multicast path sends: the capture looped, to the group inside the namespace.
struct Feed {
    ts: Arc<TsLoop>,
    group: SocketAddr,
    rtp: bool,
}

impl Feed {
    /// Starts sending from the capture's first packet.
    fn start(&self) -> Result<Sender, String> {
        Sender::start(self.ts.clone(), self.group, self.rtp, 0)
            .map_err(|e| format!("cannot send to {} in the private namespace: {e}", self.group))
    }
}

/// The file as a multicast source: paced by its PCR (or, in a capture with fewer than two,
/// evenly over the span of its PTS, or without either at [`NOMINAL_BITRATE`]) and looped, to
/// the group inside the namespace.
/// A capture that has no time in it (neither two PCRs nor two PTS on one PID: a few packets of
/// tables, one PES) is sent at this rate, bits per second: a common share of a broadcast
/// multiplex for one service.
const NOMINAL_BITRATE: u64 = 8_000_000;

/// The playing time of `bytes` at [`NOMINAL_BITRATE`], in 27 MHz ticks (at least one tick).
fn nominal_duration(bytes: usize) -> u64 {
    (bytes as u64 * 8 * 27_000_000 / NOMINAL_BITRATE).max(1)
}

fn multicast_source(
    bytes: &[u8],
    via: Via,
    program: u16,
    problems: &mut Vec<String>,
) -> Result<(Source, Feed), String> {
    // Realigned packets: a capture that lost sync still plays out what it has.
    let mut aligned = Vec::with_capacity(bytes.len());
    let mut framer = Framer::new();
    framer.push(bytes, &mut |packets| {
        for p in packets {
            aligned.extend_from_slice(p);
        }
    });
    let ts = match loop_duration(&aligned) {
        Some(duration) => TsLoop::new(&aligned, duration),
        None => {
            let duration = pts_duration(&aligned).unwrap_or_else(|| {
                problems.push(format!(
                    "neither two PCRs nor two PTS on one PID: sent at a nominal {} Mbit/s",
                    NOMINAL_BITRATE / 1_000_000
                ));
                nominal_duration(aligned.len())
            });
            TsLoop::evenly(&aligned, duration)
        }
    }
    .map_err(|e| e.to_string())?;
    let rtp = via == Via::Rtp;
    let group = SocketAddr::new(IpAddr::V4(GROUP), PORT);
    let scheme = if rtp { "rtp" } else { "udp" };
    let source = Source {
        url: format!("{scheme}://@{GROUP}:{PORT}"),
        kind: if rtp {
            SourceKind::Rtp
        } else {
            SourceKind::Multicast
        },
        multicast: Some(MulticastGroup {
            group: IpAddr::V4(GROUP),
            port: PORT,
            source: None,
        }),
        program: Some(program),
        ..file_source(Path::new(""), program)
    };
    let feed = Feed {
        ts: Arc::new(ts),
        group,
        rtp,
    };
    Ok((source, feed))
}

/// The playing time of aligned packets by their PES time stamps: the longest span of PTS on
/// one PID (first to last, plus that PID's mean interval), in 27 MHz ticks. For captures
/// without two PCRs.
fn pts_duration(aligned: &[u8]) -> Option<u64> {
    // Per PID: first PTS, last PTS, how many.
    let mut spans: BTreeMap<u16, (u64, u64, u64)> = BTreeMap::new();
    for p in aligned.chunks_exact(TS_PACKET_SIZE).filter_map(TsPacket::new) {
        if !p.pusi() || p.scrambling() != 0 {
            continue;
        }
        let Some(pts) = pes_pts(p.payload()) else {
            continue;
        };
        let span = spans.entry(p.pid()).or_insert((pts, pts, 0));
        span.1 = pts;
        span.2 += 1;
    }
    spans
        .values()
        .filter(|(_, _, n)| *n >= 2)
        .map(|&(first, last, n)| {
            // 33-bit PTS, which may wrap inside a capture.
            let span = last.wrapping_sub(first) & ((1 << 33) - 1);
            span + span / (n - 1)
        })
        .filter(|&span| span > 0 && span < 3600 * 90_000)
        .max()
        .map(|span| span * 300)
}

/// The PTS of a PES packet that starts in `payload` (ISO 13818-1 §2.4.3.7).
fn pes_pts(payload: &[u8]) -> Option<u64> {
    if payload.len() < 14 || payload[..3] != [0, 0, 1] || payload[7] & 0x80 == 0 {
        return None;
    }
    let b = &payload[9..14];
    Some(
        (u64::from(b[0] >> 1) & 0x07) << 30
            | u64::from(b[1]) << 22
            | u64::from(b[2] >> 1) << 15
            | u64::from(b[3]) << 7
            | u64::from(b[4] >> 1),
    )
}

/// The playing time of aligned packets from their PCRs (first to last, plus one packet's
/// share), in 27 MHz ticks.
fn loop_duration(aligned: &[u8]) -> Option<u64> {
    let pcrs: Vec<(usize, u64)> = aligned
        .chunks_exact(TS_PACKET_SIZE)
        .enumerate()
        .filter_map(|(i, p)| Some((i, TsPacket::new(p)?.pcr()?)))
        .collect();
    let (&(i0, p0), &(i1, p1)) = (pcrs.first()?, pcrs.last()?);
    let span = pcr_delta(p0, p1);
    if i1 <= i0 || span == 0 {
        return None;
    }
    let packets = (aligned.len() / TS_PACKET_SIZE) as u64;
    Some(span * packets / (i1 - i0) as u64)
}

/// What the player did.
#[derive(Default)]
struct Run {
    first_frame_ms: Option<u64>,
    frames: u64,
    audio_buffers: u64,
    size: Option<(u32, u32)>,
    snapshot: Option<(u32, u32, Vec<u8>)>,
    decoder: Option<(String, bool)>,
    tracks: Vec<crate::core::AudioTrack>,
    audio_selected: Option<String>,
    /// The subtitle tracks the player found, the one chosen, and how many subtitles showed.
    subtitle_tracks: Vec<SubtitleTrack>,
    subtitle_chosen: Option<SubtitleTrack>,
    subtitles_shown: u64,
    /// On screen with the snapshot's frame.
    snapshot_subtitles: Option<Shown>,
}

/// Frames seen by the output callback.
#[derive(Default)]
struct Frames {
    count: u64,
    size: Option<(u32, u32)>,
    first: Option<Instant>,
    snapshot: Option<(u32, u32, Vec<u8>)>,
    snapshot_subtitles: Option<Shown>,
}

fn run_player(
    source: &Source,
    feed: Option<&Feed>,
    options: &PlayOptions,
    expect: Expect,
    problems: &mut Vec<String>,
) -> Run {
    let (tx, events) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink: EventSink = Arc::new(move |e| {
        let _ = tx.lock().map(|t| t.send(e));
    });
    let frames = Arc::new(Mutex::new(Frames::default()));
    let seen = frames.clone();
    // The subtitle on screen, as the event loop below learns it; taken with the snapshot.
    let shown = Arc::new(Mutex::new(Shown::default()));
    let on_screen = shown.clone();
    let want_snapshot = options.snapshot.is_some();
    let at = Duration::from_secs_f64(options.at.max(0.0));
    let audio_buffers = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = audio_buffers.clone();
    let mut outputs = Outputs::headless(Arc::new(move |frame| {
        let Ok(mut f) = seen.lock() else { return };
        f.count += 1;
        let first = *f.first.get_or_insert_with(Instant::now);
        f.size.get_or_insert((frame.width, frame.height));
        if want_snapshot && f.snapshot.is_none() && first.elapsed() >= at {
            let row = frame.width as usize * 4;
            let mut rgba = Vec::with_capacity(row * frame.height as usize);
            for y in 0..frame.height as usize {
                let start = y * frame.stride;
                rgba.extend_from_slice(frame.data.get(start..start + row).unwrap_or(&[]));
            }
            f.snapshot = Some((frame.width, frame.height, rgba));
            f.snapshot_subtitles = on_screen.lock().ok().map(|s| s.clone());
        }
    }));
    outputs.audio_tap = Some(Arc::new(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }));
    let config = PlayerConfig::plain(outputs);
    let player = match Player::new(config, sink) {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("GStreamer does not start: {e}"));
            return Run::default();
        }
    };
    let request = RequestId(1);
    // The asked language is the player's preference from the start: a short capture is read
    // whole before a switch could be made, and the switch would find nothing left to decode.
    if let Some(language) = &options.audio {
        player.execute(PlayerCommand::PreferAudio {
            preference: AudioPreference {
                language: language.clone(),
                ..Default::default()
            },
        });
    }
    let started = Instant::now();
    player.execute(PlayerCommand::Play {
        request,
        channel: ChannelKey("play".into()),
        source: Box::new(source.clone()),
        hot: Vec::new(),
        start: Default::default(),
    });
    // The multicast path sends from the capture's start once the group is joined, so a short
    // capture's first keyframe is not sent before anyone listens.
    let _sender = match feed {
        Some(feed) => {
            if !player.sync(Duration::from_secs(10)) {
                problems.push("the player did not take the channel within 10 s".into());
            }
            match feed.start() {
                Ok(sender) => Some(sender),
                Err(why) => {
                    problems.push(why);
                    return Run::default();
                }
            }
        }
        None => None,
    };
    let mut run = Run::default();
    let deadline = started + Duration::from_secs_f64(options.seconds.max(0.1));
    let hard = deadline + GRACE;
    // The track `--audio` asked for, once asked: the player's switch to it is confirmed by a
    // later `Tracks` event naming it selected.
    let mut asked_track: Option<String> = None;
    // The run is settled once the player has said what it plays: the first frame when the
    // stream has video, the audio track it chose when it has audio, and the switch `--audio`
    // asked for (or the track list that shows there is nothing to switch to). Until then the
    // deadline is stretched by the grace period: a loaded machine is slower at all of these,
    // and the report must say what the player did, not what it had not got to yet.
    let settled = |run: &Run, asked_track: &Option<String>| {
        let picture = run.first_frame_ms.is_some() || !expect.video;
        let sound = !expect.audio
            || (run.audio_selected.is_some()
                && (options.audio.is_none() || !run.tracks.is_empty())
                && (asked_track.is_none() || run.audio_selected == *asked_track));
        picture && sound
    };
    loop {
        let now = Instant::now();
        let until = if settled(&run, &asked_track) {
            deadline
        } else {
            hard
        };
        let Some(left) = until.checked_duration_since(now).filter(|d| !d.is_zero()) else {
            break;
        };
        match events.recv_timeout(left) {
            Ok(PlayerEvent::FirstFrame { .. }) => {
                run.first_frame_ms = Some(started.elapsed().as_millis() as u64);
            }
            Ok(PlayerEvent::Tracks { audio, selected, .. }) => {
                if let (Some(lang), None) = (&options.audio, &asked_track) {
                    asked_track = audio
                        .iter()
                        .find(|t| t.language.as_deref().is_some_and(|l| same_language(l, lang)))
                        .map(|t| t.id.clone());
                }
                // The player starts with the asked track; one that started with another (a
                // stream whose tracks change) is switched.
                if let (Some(track), Some(now)) = (&asked_track, &selected)
                    && track != now
                {
                    player.execute(PlayerCommand::SelectAudio {
                        request,
                        track: track.clone(),
                    });
                }
                run.tracks = audio;
                if selected.is_some() {
                    run.audio_selected = selected;
                }
            }
            Ok(PlayerEvent::Failed { error, .. }) => {
                let ended = error.kind == ErrorKind::Network && error.detail.contains("ended");
                if !ended {
                    problems.push(format!("playback failed ({:?}): {}", error.kind, error.detail));
                }
                break;
            }
            Ok(PlayerEvent::SubtitleTracks { tracks, .. }) => {
                // Captions are reported once their first control code arrives: each new
                // report gets another look until a track is chosen.
                let wanted = options
                    .subtitles
                    .as_deref()
                    .filter(|s| !s.eq_ignore_ascii_case("off"));
                if let (Some(wanted), None) = (wanted, &run.subtitle_chosen)
                    && let Some(track) = wanted_subtitle(&tracks, wanted)
                {
                    run.subtitle_chosen = Some(track.clone());
                    player.execute(PlayerCommand::SelectSubtitle {
                        request,
                        track: Some(track.clone()),
                        delay_ms: 0,
                    });
                }
                run.subtitle_tracks = tracks;
            }
            Ok(PlayerEvent::SubtitleText { lines, .. }) => {
                run.subtitles_shown += u64::from(!lines.is_empty());
                if let Ok(mut s) = shown.lock() {
                    s.lines = lines;
                }
            }
            Ok(PlayerEvent::SubtitleImage { image, .. }) => {
                run.subtitles_shown += u64::from(image.is_some());
                if let Ok(mut s) = shown.lock() {
                    s.image = image;
                }
            }
            Ok(PlayerEvent::Stalled { .. }) => problems.push("the stream stalled: no data for 2 s".into()),
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if Instant::now() >= deadline && settled(&run, &asked_track) {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    run.decoder = player.decoder().map(|d| (d.name, d.hardware));
    player.execute(PlayerCommand::Stop);
    drop(player);
    if let Ok(mut f) = frames.lock() {
        run.frames = f.count;
        run.audio_buffers = audio_buffers.load(std::sync::atomic::Ordering::Relaxed);
        run.size = f.size;
        run.snapshot = f.snapshot.take();
        run.snapshot_subtitles = f.snapshot_subtitles.take();
    }
    run
}

/// The snapshot as the viewer sees it: the frame behind the app's screens with `shown` over
/// it (no banner), rendered at the frame's size; RGBA.
fn subtitled(width: u32, height: u32, rgba: &[u8], shown: &Shown) -> anyhow::Result<Vec<u8>> {
    use crate::app::Ui;
    let mut ui = crate::ui::headless::Headless::new(width, height)?;
    let mut pixels = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::new(width, height);
    let bytes = pixels.make_mut_bytes();
    let n = bytes.len().min(rgba.len());
    bytes[..n].copy_from_slice(&rgba[..n]);
    // The decoded frames' alpha means nothing (xRGB): opaque.
    for px in pixels.make_mut_slice() {
        px.a = 255;
    }
    ui.set_video(slint::Image::from_rgba8(pixels));
    let core = crate::core::Core::new(
        crate::lineup::Lineup::default(),
        crate::core::SavedState::default(),
        crate::core::Settings::default(),
    );
    let mut view = core.view(crate::core::Now::default());
    view.subtitle_lines = shown.lines.clone();
    view.subtitle_image = shown.image.clone();
    ui.render(&view);
    ui.draw();
    Ok(ui.pixels().iter().flat_map(|p| [p.r, p.g, p.b, 255]).collect())
}

/// The PID of a stream `tsdemux` names: its stream id ends in `/` and the PID in hex
/// (`…:1/00001101`).
fn stream_pid(stream_id: &str) -> Option<u16> {
    let (_, hex) = stream_id.rsplit_once('/')?;
    u16::from_str_radix(hex, 16).ok()
}

/// ISO 639 codes compared loosely: `de` = `deu` = `ger`, `fr` = `fra` = `fre`.
fn same_language(a: &str, b: &str) -> bool {
    crate::core::canonical_language(a) == crate::core::canonical_language(b)
}

/// Folds the player's run into the report and writes the snapshot.
fn finish(report: &mut PlayReport, run: Run, options: &PlayOptions, survey: Option<&Survey>) {
    // The player's first-frame event comes from the video sink; the count from the frames
    // handed out. A run stopped between the two has a first frame but no frame counted: the
    // report gives a time only with a frame.
    report.first_frame_ms = run.first_frame_ms.filter(|_| run.frames > 0);
    report.frames = run.frames;
    report.audio_buffers = run.audio_buffers;
    let video_expected = report.video.is_some() || survey.is_none();
    if run.frames > 0 || run.decoder.is_some() {
        let video = report.video.get_or_insert_with(VideoReport::default);
        if let Some((w, h)) = run.size {
            (video.width, video.height) = (Some(w), Some(h));
        }
        if let Some((name, hardware)) = run.decoder {
            (video.decoder, video.hardware) = (Some(name), Some(hardware));
        }
    }
    // Unless the player already said why (a decoder error): a live path does not fail on a
    // picture it cannot decode, it shows none.
    let failed = report.problems.iter().any(|p| p.starts_with("playback failed"));
    if video_expected && run.frames == 0 && !failed {
        report
            .problems
            .push(format!("no video frame was decoded in {} s", options.seconds));
    }
    if report.audio.is_empty() && survey.is_none() {
        for t in &run.tracks {
            report.audio.push(AudioReport {
                pid: 0,
                codec: String::new(),
                language: t.language.clone(),
                kind: "main".into(),
                selected: run.audio_selected.as_ref() == Some(&t.id),
            });
        }
    }
    if let Some(pid) = run.audio_selected.as_deref().and_then(stream_pid) {
        for a in &mut report.audio {
            a.selected = a.pid == pid;
        }
    }
    if let Some(lang) = &options.audio {
        let has = report
            .audio
            .iter()
            .any(|a| a.language.as_deref().is_some_and(|l| same_language(l, lang)));
        if !has {
            report.problems.push(format!("no audio track in '{lang}'"));
        }
    }
    report.subtitles_shown = run.subtitles_shown;
    let wanted = options
        .subtitles
        .as_deref()
        .filter(|l| !l.eq_ignore_ascii_case("off"));
    if let Some(wanted) = wanted
        && run.subtitle_chosen.is_none()
    {
        let found: Vec<String> = run.subtitle_tracks.iter().map(|t| t.id.clone()).collect();
        report.problems.push(format!(
            "no subtitles in '{wanted}' reached the player (tracks: {})",
            if found.is_empty() {
                "none".into()
            } else {
                found.join(", ")
            }
        ));
    }
    if let Some(path) = &options.snapshot {
        match run.snapshot {
            Some((w, h, rgba)) => {
                let rgba = match (&run.subtitle_chosen, &run.snapshot_subtitles) {
                    (Some(_), Some(shown)) => subtitled(w, h, &rgba, shown).unwrap_or_else(|e| {
                        report.problems.push(format!("cannot draw the subtitles: {e:#}"));
                        rgba
                    }),
                    _ => rgba,
                };
                if let Err(e) = write_png(path, w, h, &rgba) {
                    report
                        .problems
                        .push(format!("cannot write the snapshot {}: {e}", path.display()));
                }
            }
            None => report.problems.push(format!(
                "no frame {} s after the first one for the snapshot (play longer with --seconds)",
                options.at
            )),
        }
    }
}

fn write_png(path: &Path, width: u32, height: u32, rgba: &[u8]) -> anyhow::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(rgba)?;
    Ok(())
}

fn write_text(r: &PlayReport, out: &mut dyn Write) -> std::io::Result<()> {
    match &r.video {
        Some(v) => writeln!(
            out,
            "video: {} {}x{} decoder {}{}",
            v.codec,
            v.width.unwrap_or(0),
            v.height.unwrap_or(0),
            v.decoder.as_deref().unwrap_or("none"),
            if v.hardware == Some(true) {
                " (hardware)"
            } else {
                ""
            }
        )?,
        None => writeln!(out, "video: none")?,
    }
    for a in &r.audio {
        writeln!(
            out,
            "audio: pid {} {} {} {}{}",
            a.pid,
            a.codec,
            a.language.as_deref().unwrap_or("und"),
            a.kind,
            if a.selected { " (playing)" } else { "" }
        )?;
    }
    for s in &r.subtitles {
        writeln!(
            out,
            "subtitles: pid {} {} {} page {}{}",
            s.pid,
            s.kind,
            s.language,
            s.page,
            if s.hearing_impaired {
                " (hard of hearing)"
            } else {
                ""
            }
        )?;
    }
    match r.first_frame_ms {
        Some(ms) => writeln!(
            out,
            "first frame after {ms} ms, {} frames, {} audio buffers",
            r.frames, r.audio_buffers
        )?,
        None => writeln!(
            out,
            "no first frame, {} frames, {} audio buffers",
            r.frames, r.audio_buffers
        )?,
    }
    for g in &r.guide {
        writeln!(out, "guide: {} {} – {} {}", g.service, g.start, g.end, g.title)?;
    }
    for p in &r.problems {
        writeln!(out, "problem: {p}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_duration_from_pcrs() {
        use crate::mpegts::build::{PacketSpec, ts_packet};
        let bytes: Vec<u8> = (0..10u64)
            .flat_map(|i| {
                let spec = PacketSpec {
                    pid: 0x100,
                    pcr: Some(i * 2_700_000),
                    ..PacketSpec::default()
                };
                ts_packet(&spec, &[]).0
            })
            .collect();
        // Ten PCRs 0.1 s apart: nine intervals over nine packets, ten packets: one second.
        assert_eq!(loop_duration(&bytes), Some(27_000_000));
        assert_eq!(loop_duration(&bytes[..TS_PACKET_SIZE]), None);
    }

    #[test]
    fn pts_duration_without_pcrs() {
        use crate::mpegts::build::{PacketSpec, ts_packet};
        // A PES header with PTS only ('0010' marker), then padding.
        let pes = |pts: u64| -> Vec<u8> {
            let mut h = vec![0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5];
            h.push(0x21 | ((pts >> 29) & 0x0e) as u8);
            h.push((pts >> 22) as u8);
            h.push(0x01 | ((pts >> 14) & 0xfe) as u8);
            h.push((pts >> 7) as u8);
            h.push(0x01 | ((pts << 1) & 0xfe) as u8);
            h
        };
        let bytes: Vec<u8> = (0..5u64)
            .flat_map(|i| {
                let spec = PacketSpec {
                    pid: 0x100,
                    pusi: true,
                    ..PacketSpec::default()
                };
                ts_packet(&spec, &pes(1_000 + i * 3_600)).0
            })
            .collect();
        assert_eq!(loop_duration(&bytes), None, "no PCR");
        // Four intervals of 40 ms, plus one: 200 ms.
        assert_eq!(pts_duration(&bytes), Some(18_000 * 300));
        assert_eq!(pts_duration(&bytes[..TS_PACKET_SIZE]), None);
        assert!(TsLoop::evenly(&bytes, 18_000 * 300).is_ok());
    }

    #[test]
    fn a_first_frame_time_only_with_a_counted_frame() {
        let options = PlayOptions {
            input: "capture.ts".into(),
            via: Via::File,
            seconds: 1.5,
            audio: None,
            subtitles: None,
            snapshot: None,
            at: 0.0,
        };
        let h264 = || PlayReport {
            video: Some(VideoReport {
                codec: "h264".into(),
                ..VideoReport::default()
            }),
            ..PlayReport::default()
        };
        // The sink saw a frame, the run stopped before it was counted.
        let mut report = h264();
        let run = Run {
            first_frame_ms: Some(420),
            ..Run::default()
        };
        finish(&mut report, run, &options, None);
        assert_eq!((report.first_frame_ms, report.frames), (None, 0));
        assert!(
            report.problems.iter().any(|p| p.starts_with("no video frame")),
            "{:?}",
            report.problems
        );
        let mut report = h264();
        let run = Run {
            first_frame_ms: Some(420),
            frames: 3,
            ..Run::default()
        };
        finish(&mut report, run, &options, None);
        assert_eq!((report.first_frame_ms, report.frames), (Some(420), 3));
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }

    #[test]
    fn the_pid_of_a_demuxed_stream() {
        assert_eq!(stream_pid("716df5364beb:1/00001101"), Some(0x1101));
        assert_eq!(stream_pid("audio"), None);
        assert_eq!(stream_pid("x/zz"), None);
    }

    #[test]
    fn languages_compare_loosely() {
        assert!(same_language("deu", "ger"));
        assert!(same_language("fre", "fra"));
        assert!(!same_language("eng", "fra"));
    }
}
