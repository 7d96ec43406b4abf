// SPDX-License-Identifier: GPL-3.0-or-later
//! `zapbox probe`: what this box is and has, for an integrator bringing up a board — the board
//! profile and how it was chosen, the video decoders per codec (hardware or software, rank after the
//! profile's changes), the video and audio sinks, the displays, the input devices and the network
//! interfaces. Text or one JSON object.
//!
//! Read-only: it changes nothing on the system (decoder ranks are set in this process only). Depends
//! on `system::board` and `player::decoders`; the machine facts are gathered in [`machine`]. Must not
//! depend on the UI, the core or the network code. Nothing missing is an error: an empty section
//! prints "none found".

mod machine;

pub use machine::{DisplayInfo, InterfaceInfo};

use crate::player::decoders;
use crate::system::board::{self, BoardProfile, Selection};
use crate::system::config::inspect_config_at;
use crate::system::paths;
use gstreamer as gst;
use gstreamer::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Codecs the app plays, with the caps a decoder must accept for them.
const CODECS: &[(&str, &str)] = &[
    ("H.264", "video/x-h264"),
    ("HEVC", "video/x-h265"),
    (
        "MPEG-2",
        "video/mpeg, mpegversion=(int)2, systemstream=(boolean)false",
    ),
    ("AV1", "video/x-av1"),
    ("VP9", "video/x-vp9"),
];

/// Everything `zapbox probe` reports.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    /// What is wrong in the configuration file (the file is never renamed by a probe).
    pub config_problems: Vec<String>,
    pub board: BoardReport,
    /// `None` when GStreamer could not be initialised (the reason is in `gstreamer_error`).
    pub gstreamer: Option<String>,
    pub gstreamer_error: Option<String>,
    pub decoders: Vec<CodecReport>,
    pub video_sinks: Vec<ElementReport>,
    pub audio_sinks: Vec<ElementReport>,
    pub displays: Vec<DisplayInfo>,
    /// `DISPLAY` / `WAYLAND_DISPLAY` when set (a desktop session).
    pub desktop_session: Vec<String>,
    pub input_devices: Vec<crate::input::ProbedDevice>,
    /// HDMI-CEC adapters, their addresses and the devices on their bus.
    pub cec_adapters: Vec<crate::cec::AdapterInfo>,
    pub network_interfaces: Vec<InterfaceInfo>,
}

/// The board in use and every profile installed.
#[derive(Debug, Serialize)]
pub struct BoardReport {
    pub name: String,
    pub selected_by: Selection,
    /// The profile, or `None` when it could not be loaded (see `error`).
    pub profile: Option<BoardProfile>,
    pub error: Option<String>,
    /// Decoders the profile ranks that this system does not have.
    pub ranked_but_missing: Vec<String>,
    pub available: Vec<String>,
}

/// The decoders for one codec, best rank first.
#[derive(Debug, Serialize)]
pub struct CodecReport {
    pub codec: String,
    pub decoders: Vec<DecoderReport>,
}

#[derive(Debug, Serialize)]
pub struct DecoderReport {
    pub name: String,
    pub hardware: bool,
    pub rank: i32,
}

/// A sink element and its rank.
#[derive(Debug, Serialize)]
pub struct ElementReport {
    pub name: String,
    pub rank: i32,
}

/// Gathers the report. `config` is the configuration file named on the command line, if any.
pub fn collect(config: Option<&Path>, dirs: &[PathBuf]) -> ProbeReport {
    let (config, warnings) = inspect_config_at(&paths::find_config_in_process(config));
    let config_problems = warnings
        .iter()
        .filter(|w| w.is_warning())
        .map(ToString::to_string)
        .collect();
    let (name, selected_by) = board::select_here(config.board.as_deref(), dirs);
    let (profile, error) = match board::load(&name, dirs) {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let remote_hints = profile
        .as_ref()
        .map(|p| p.input_devices.clone())
        .unwrap_or_default();
    let mut report = ProbeReport {
        config_problems,
        board: BoardReport {
            name,
            selected_by,
            profile,
            error,
            ranked_but_missing: Vec::new(),
            available: board::profiles(dirs).into_iter().map(|p| p.name).collect(),
        },
        gstreamer: None,
        gstreamer_error: None,
        decoders: Vec::new(),
        video_sinks: Vec::new(),
        audio_sinks: Vec::new(),
        displays: machine::displays(Path::new("/sys/class/drm")),
        desktop_session: ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .filter_map(|v| std::env::var(v).ok().map(|val| format!("{v}={val}")))
            .collect(),
        input_devices: machine::input_devices(&remote_hints),
        cec_adapters: crate::cec::probe(Path::new("/dev")),
        network_interfaces: machine::interfaces(),
    };
    match gst::init() {
        Ok(()) => fill_gstreamer(&mut report),
        Err(e) => report.gstreamer_error = Some(e.to_string()),
    }
    report
}

fn fill_gstreamer(report: &mut ProbeReport) {
    report.gstreamer = Some(gst::version_string().to_string());
    if let Some(p) = &report.board.profile {
        report.board.ranked_but_missing = decoders::apply_ranks(&p.decoder_ranks);
    }
    let video_decoders: Vec<gst::ElementFactory> = gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO,
        gst::Rank::NONE,
    )
    .into_iter()
    .filter(decoders::is_video_decoder)
    .collect();
    for (codec, caps) in CODECS {
        let Ok(caps) = caps.parse::<gst::Caps>() else {
            continue;
        };
        let mut found: Vec<DecoderReport> = video_decoders
            .iter()
            .filter(|f| f.can_sink_any_caps(&caps))
            .map(|f| DecoderReport {
                name: f.name().to_string(),
                hardware: decoders::is_hardware(f),
                rank: f.rank().into(),
            })
            .collect();
        found.sort_by(|a, b| b.rank.cmp(&a.rank).then_with(|| a.name.cmp(&b.name)));
        report.decoders.push(CodecReport {
            codec: codec.to_string(),
            decoders: found,
        });
    }
    report.video_sinks = sinks(gst::ElementFactoryType::MEDIA_VIDEO);
    report.audio_sinks = sinks(gst::ElementFactoryType::MEDIA_AUDIO);
}

fn sinks(media: gst::ElementFactoryType) -> Vec<ElementReport> {
    let mut found: Vec<ElementReport> =
        gst::ElementFactory::factories_with_type(gst::ElementFactoryType::SINK | media, gst::Rank::NONE)
            .into_iter()
            .map(|f| ElementReport {
                name: f.name().to_string(),
                rank: f.rank().into(),
            })
            .collect();
    found.sort_by(|a, b| b.rank.cmp(&a.rank).then_with(|| a.name.cmp(&b.name)));
    found
}

/// Runs the probe and writes the report as text or as one JSON object; `false` when the
/// configuration has problems (the exit status says so to scripts).
pub fn run(config: Option<&Path>, json: bool, out: &mut dyn Write) -> anyhow::Result<bool> {
    let report = collect(config, &board::search_path());
    if json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        render_text(&report, out)?;
    }
    Ok(report.config_problems.is_empty())
}

/// The human-readable report.
pub fn render_text(r: &ProbeReport, out: &mut dyn Write) -> std::io::Result<()> {
    let how = match &r.board.selected_by {
        Selection::Config => "named in the configuration".to_string(),
        Selection::DeviceTree { compatible } => format!("device tree compatible \"{compatible}\""),
        Selection::Fallback => "fallback: no profile matches the device tree (or there is none)".to_string(),
    };
    for problem in &r.config_problems {
        writeln!(out, "Config problem: {problem}")?;
    }
    writeln!(out, "Board: {} ({how})", r.board.name)?;
    match (&r.board.profile, &r.board.error) {
        (Some(p), _) => {
            writeln!(out, "  {}", p.description)?;
            let video = match (&p.video.strategy, &p.video.sink) {
                (board::VideoStrategy::Overlay, Some(sink)) => format!("overlay through {sink}"),
                _ => "texture (frames drawn by the UI)".to_string(),
            };
            writeln!(out, "  video: {video}; audio: {}", p.audio_sink)?;
            let d = &p.display;
            let plane = d
                .video_plane_id
                .map_or("chosen by the sink".to_string(), |id| id.to_string());
            writeln!(
                out,
                "  display: connector {}, mode {}, video plane {plane}, UI backend {}, rotation {}",
                d.connector.as_deref().unwrap_or("first connected"),
                d.mode.as_deref().unwrap_or("preferred"),
                d.ui_backend.as_deref().unwrap_or("Slint's default"),
                d.rotation
            )?;
            if !p.preferred_codecs.is_empty() {
                writeln!(out, "  preferred codecs: {}", p.preferred_codecs.join(", "))?;
            }
            for note in &p.notes {
                writeln!(out, "  note: {note}")?;
            }
        }
        (None, Some(e)) => writeln!(out, "  ERROR: {e}")?,
        (None, None) => {}
    }
    writeln!(out, "  profiles installed: {}", r.board.available.join(", "))?;
    if !r.board.ranked_but_missing.is_empty() {
        let missing = r.board.ranked_but_missing.join(", ");
        writeln!(out, "  profile ranks elements not on this system: {missing}")?;
    }
    match (&r.gstreamer, &r.gstreamer_error) {
        (Some(v), _) => writeln!(out, "\nDecoders ({v}):")?,
        (None, e) => writeln!(
            out,
            "\nDecoders: GStreamer unavailable: {}",
            e.as_deref().unwrap_or("?")
        )?,
    }
    for c in &r.decoders {
        let list: Vec<String> = c
            .decoders
            .iter()
            .map(|d| {
                format!(
                    "{} ({}, rank {})",
                    d.name,
                    if d.hardware { "hardware" } else { "software" },
                    d.rank
                )
            })
            .collect();
        writeln!(out, "  {:<7} {}", c.codec, or_none(&list.join(", ")))?;
    }
    let names = |v: &[ElementReport]| v.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(" ");
    writeln!(out, "\nVideo sinks: {}", or_none(&names(&r.video_sinks)))?;
    writeln!(out, "Audio sinks: {}", or_none(&names(&r.audio_sinks)))?;
    machine::render_text(r, out)
}

pub(crate) fn or_none(s: &str) -> &str {
    if s.is_empty() { "none found" } else { s }
}
